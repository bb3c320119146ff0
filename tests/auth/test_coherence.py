"""Several instances of one installation: a change on one takes effect on the next request
on every other (Redis epoch when configured, the data-dir epoch file otherwise)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.support.client import Api
from tests.support.keys import UNAUTHORIZED, key_id_of
from tests.support.server import RunningServer, Variant


@pytest.fixture(scope="module")
def pair(
    variant: Variant, make_server: Callable[..., RunningServer]
) -> tuple[RunningServer, RunningServer]:
    first = make_server(variant)
    return first, make_server(variant, share_with=first)


def test_revocation_on_one_instance_should_apply_on_the_other(
    pair: tuple[RunningServer, RunningServer],
) -> None:
    first, second = pair
    key = first.create_key(first.create_user(), label="doomed")
    with Api(first) as a, Api(second) as b:
        assert b.get("/api-keys", key).status_code == 200  # cached on the second instance
        assert a.delete(f"/api-keys/{key_id_of(a, key, 'doomed')}", key).status_code == 200
        assert b.get("/api-keys", key).json() == UNAUTHORIZED


def test_scope_change_on_one_instance_should_apply_on_the_other(
    pair: tuple[RunningServer, RunningServer], licences
) -> None:  # type: ignore[no-untyped-def]
    first, second = pair
    first.set_licence(licences.issue(["apiKeyScopes"]))
    try:
        key = first.create_key(first.create_user(), ["apiKey:read", "apiKey:update"], label="k")
        with Api(first) as a, Api(second) as b:
            assert b.get("/api-keys", key).status_code == 200
            own = key_id_of(a, key, "k")
            assert (
                a.patch(f"/api-keys/{own}", key, json={"scopes": ["apiKey:update"]}).status_code
                == 200
            )
            assert b.get("/api-keys", key).status_code == 403
    finally:
        first.set_licence(None)


def test_rotation_on_one_instance_should_apply_on_the_other(
    pair: tuple[RunningServer, RunningServer],
) -> None:
    first, second = pair
    key = first.create_key(first.create_user(), label="rotating")
    with Api(first) as a, Api(second) as b:
        assert b.get("/api-keys", key).status_code == 200
        rotated = a.post(f"/api-keys/{key_id_of(a, key, 'rotating')}/rotate", key).json()
        assert b.get("/api-keys", key).json() == UNAUTHORIZED
        assert b.get("/api-keys", rotated["rawApiKey"]).status_code == 200


def test_role_change_on_one_instance_should_apply_on_the_other(
    pair: tuple[RunningServer, RunningServer],
) -> None:
    first, second = pair
    admin = first.create_user("global:admin")
    key = first.create_key(admin)
    changer = first.create_key(first.create_user("global:admin"))
    with Api(first) as a, Api(second) as b:
        assert b.get("/users", key).status_code == 200
        assert (
            a.patch(
                f"/users/{admin.id}/role", changer, json={"newRoleName": "global:member"}
            ).status_code
            == 204
        )
        assert b.get("/users", key).status_code == 403
