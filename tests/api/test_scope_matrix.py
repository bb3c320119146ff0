"""The scope matrix, read from the OpenAPI document so that every operation is covered.

Licensed: a key holding exactly an operation's scope gets past the scope check, and a key
holding every other scope of its role does not (403 + `X-Required-Scopes`). Unlicensed: a
key has every scope of its role, whatever it stores.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from relayflow.auth.scopes import ROLE_SCOPES
from tests.support.client import Api
from tests.support.keys import FORBIDDEN
from tests.support.server import RunningServer

FAKE_ID = "doesNotExist0000"


def operations(api: Api) -> Iterator[tuple[str, str, list[str], list[str]]]:
    """(method, path with ids filled in, required scopes, required roles) of every operation."""
    document: dict[str, Any] = api.http.get("/api/v1/openapi.json").json()
    for path, item in document["paths"].items():
        for method, operation in item.items():
            filled = path
            for part in path.split("/"):
                if part.startswith("{"):
                    filled = filled.replace(part, FAKE_ID)
            yield (
                method.upper(),
                filled,
                operation["x-required-scopes"],
                operation.get("x-required-roles", []),
            )


def call(api: Api, method: str, path: str, key: str) -> Any:
    return api.request(method, path, key, json=None)


def test_matrix_should_cover_every_resource(api: Api) -> None:
    scopes = {scope for _, _, required, _ in operations(api) for scope in required}
    for resource in (
        "workflow",
        "execution",
        "tag",
        "user",
        "apiKey",
        "workflowTags",
        "project",
        "variable",
    ):
        assert any(scope.startswith(resource + ":") for scope in scopes), resource


def test_licensed_keys_should_need_exactly_the_operations_scope(
    api: Api, licensed: RunningServer
) -> None:
    admin = licensed.create_user("global:admin")
    all_scopes = list(ROLE_SCOPES["global:admin"])
    for method, path, required, _roles in operations(api):
        if not required:
            continue
        [scope] = required
        exact = licensed.create_key(admin, [scope])
        allowed = call(api, method, path, exact)
        assert allowed.status_code != 403, (method, path, allowed.text)
        others = licensed.create_key(admin, [s for s in all_scopes if s != scope])
        denied = call(api, method, path, others)
        assert (denied.status_code, denied.json()) == (403, FORBIDDEN), (method, path)
        assert denied.headers["X-Required-Scopes"] == scope


@pytest.mark.parametrize("role", ["global:admin", "global:member"])
def test_unlicensed_keys_should_follow_the_role(
    api: Api, unlicensed: RunningServer, role: str
) -> None:
    user = unlicensed.create_user(role)
    key = unlicensed.create_key(user, ["workflow:read"])
    allowed = set(ROLE_SCOPES[role])
    for method, path, required, roles in operations(api):
        response = call(api, method, path, key)
        if all(scope in allowed for scope in required) and (not roles or role in roles):
            assert response.status_code != 403, (role, method, path, response.text)
        else:
            assert (response.status_code, response.json()) == (403, FORBIDDEN), (method, path)
