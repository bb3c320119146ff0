"""The one resource-level check: 404 for missing, 403 (or a hiding 404) for foreign."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import pytest

from relayflow.auth.access import authorize
from relayflow.auth.principal import Principal
from relayflow.core.errors import Forbidden, NotFound


@dataclass
class Thing:
    id: str
    owner: str


STORE = {"t1": Thing("t1", "alice")}
ALICE = Principal(user_id="alice", role="global:member", scopes=frozenset())
BOB = Principal(user_id="bob", role="global:member", scopes=frozenset())
ADMIN = Principal(user_id="root", role="global:admin", scopes=frozenset())


async def load(thing_id: str) -> Thing | None:
    return STORE.get(thing_id)


async def owns(principal: Principal, thing: Thing, scope: str) -> bool:
    assert scope == "thing:read"
    return thing.owner == principal.user_id


def check(principal: Principal, thing_id: str, **options: bool) -> Thing:
    return asyncio.run(
        authorize(
            principal,
            kind="Thing",
            resource_id=thing_id,
            scope="thing:read",
            load=load,
            permits=owns,
            **options,
        )
    )


def test_owner_of_the_resource_should_pass() -> None:
    assert check(ALICE, "t1").id == "t1"


def test_instance_admin_should_pass() -> None:
    assert check(ADMIN, "t1").id == "t1"


def test_missing_resource_should_be_404_with_n8n_wording() -> None:
    with pytest.raises(NotFound) as raised:
        check(ALICE, "nope")
    assert raised.value.message == 'Thing with ID "nope" not found.'


def test_missing_resource_should_be_a_plain_404_for_admins() -> None:
    with pytest.raises(NotFound) as raised:
        check(ADMIN, "nope")
    assert raised.value.message == "Not Found"


def test_foreign_resource_should_be_403() -> None:
    with pytest.raises(Forbidden) as raised:
        check(BOB, "t1")
    assert raised.value.message == "Forbidden"


def test_private_foreign_resource_should_look_missing() -> None:
    with pytest.raises(NotFound) as foreign:
        check(BOB, "t1", hide_foreign=True)
    with pytest.raises(NotFound) as missing:
        check(BOB, "t2", hide_foreign=True)
    assert foreign.value.message.replace("t1", "X") == missing.value.message.replace("t2", "X")


def test_private_resources_should_not_open_to_admins() -> None:
    with pytest.raises(NotFound):
        check(ADMIN, "t1", hide_foreign=True, admin_sees_all=False)
