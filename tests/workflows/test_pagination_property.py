"""`GET /workflows` pages stay correct while workflows come and go between pages.

A property test (hypothesis, bounded) walks a member's workflows page by page with a random
`limit`, inserting and deleting workflows between pages, and checks what keyset pagination
promises: every workflow that existed throughout the walk comes back exactly once, no id
comes back twice, a deleted workflow never comes back after its deletion, and nothing the
caller cannot see ever appears. Then the cursor itself: a malformed one is refused with n8n's
message, and a cursor carries only a position, never someone else's visibility.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.client import Api
from tests.support.server import RunningServer, Variant

INVALID_CURSOR = {"message": "An invalid cursor was provided"}


@dataclass
class Walker:
    """A server of this module's own and a client for it."""

    server: RunningServer
    api: Api


@pytest.fixture(scope="module")
def walker(variant: Variant, make_server: Callable[..., RunningServer]) -> Iterator[Walker]:
    server = make_server(variant)
    with Api(server) as api:
        yield Walker(server, api)


def encode(payload: Any) -> str:
    return base64.b64encode(json.dumps(payload).encode()).decode()


def decode(cursor: str) -> Any:
    return json.loads(base64.b64decode(cursor))


def new_workflow(api: Api, key: str, name: str | None = None) -> str:
    """Create a small workflow through the API; return its id."""
    body = {
        "name": name or f"wf-{uuid.uuid4().hex[:8]}",
        "nodes": [
            {
                "name": "Start",
                "type": "n8n-nodes-base.manualTrigger",
                "typeVersion": 1,
                "position": [0, 0],
                "parameters": {},
            }
        ],
        "connections": {},
        "settings": {},
    }
    response = api.post("/workflows", key, json=body)
    assert response.status_code == 200, response.text
    workflow_id: str = response.json()["id"]
    return workflow_id


def list_page(api: Api, key: str, **params: Any) -> dict[str, Any]:
    response = api.get("/workflows", key, params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert set(body) == {"data", "nextCursor"}
    return body


def walk_ids(api: Api, key: str, **params: Any) -> list[str]:
    """Every id of a complete walk, page by page."""
    seen: list[str] = []
    body = list_page(api, key, **params)
    seen += [item["id"] for item in body["data"]]
    while body["nextCursor"] is not None:
        body = list_page(api, key, cursor=body["nextCursor"])
        seen += [item["id"] for item in body["data"]]
    return seen


@dataclass
class WalkLog:
    """What happened during one walk."""

    initial: set[str]
    created: set[str] = field(default_factory=set)
    deleted_at: dict[str, int] = field(default_factory=dict)
    """Deleted workflow id → number of pages fetched before its deletion."""
    pages: list[list[str]] = field(default_factory=list)
    created_at: list[str] = field(default_factory=list)


class TestWorkflowPagination:
    @settings(
        max_examples=25,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(data=st.data())
    def test_get_should_return_every_lasting_workflow_once_while_rows_come_and_go(
        self, walker: Walker, data: st.DataObject
    ) -> None:
        server, api = walker.server, walker.api
        key = server.create_key(server.create_user("global:member"))
        existing = [new_workflow(api, key) for _ in range(data.draw(st.integers(0, 12), "n"))]
        log = WalkLog(initial=set(existing))
        limit = data.draw(st.integers(1, 6), "limit")

        body = list_page(api, key, limit=limit)
        while True:
            ids = [item["id"] for item in body["data"]]
            log.pages.append(ids)
            log.created_at += [item["createdAt"] for item in body["data"]]
            assert len(ids) <= limit
            if body["nextCursor"] is None:
                break
            assert len(ids) == limit, "only the last page may be short"
            assert decode(body["nextCursor"])["limit"] == limit
            # Between pages: insert some (at most 8 in all, so that the walk ends), delete
            # some (seen or not yet seen).
            budget = min(2, 8 - len(log.created))
            for _ in range(data.draw(st.integers(0, budget), "inserts")):
                created = new_workflow(api, key)
                existing.append(created)
                log.created.add(created)
            if existing:
                # Positions in creation order, so that a replayed example deletes the same.
                positions = data.draw(
                    st.lists(st.integers(0, len(existing) - 1), max_size=2, unique=True),
                    "deletes",
                )
                for workflow_id in [existing[position] for position in positions]:
                    assert api.delete(f"/workflows/{workflow_id}", key).status_code == 200
                    existing.remove(workflow_id)
                    log.deleted_at[workflow_id] = len(log.pages)
            # The cursor's limit wins over the query's, as in n8n.
            other = data.draw(st.none() | st.integers(1, 250), "query limit")
            params = {"cursor": body["nextCursor"]}
            if other is not None:
                params["limit"] = other
            body = list_page(api, key, **params)

        returned = [workflow_id for page in log.pages for workflow_id in page]
        assert len(returned) == len(set(returned)), "an id came back twice"
        assert set(returned) <= log.initial | log.created, "a workflow of someone else"
        lasting = log.initial - set(log.deleted_at)
        assert lasting <= set(returned), "a workflow that existed throughout was skipped"
        for workflow_id, pages_before in log.deleted_at.items():
            later = {i for page in log.pages[pages_before:] for i in page}
            assert workflow_id not in later, "a deleted workflow came back"
        assert log.created_at == sorted(log.created_at), "pages out of creation order"

    def test_get_should_walk_every_workflow_once_when_nothing_changes(self, walker: Walker) -> None:
        server, api = walker.server, walker.api
        key = server.create_key(server.create_user("global:member"))
        made = [new_workflow(api, key) for _ in range(7)]
        for limit in (1, 2, 3, 7, 8, 250):
            assert walk_ids(api, key, limit=limit) == made

    def test_get_should_answer_an_empty_page_without_cursor(self, walker: Walker) -> None:
        key = walker.server.create_key(walker.server.create_user("global:member"))
        assert list_page(walker.api, key) == {"data": [], "nextCursor": None}


def _valid_cursor(walker: Walker) -> dict[str, Any]:
    server, api = walker.server, walker.api
    key = server.create_key(server.create_user("global:member"))
    for _ in range(2):
        new_workflow(api, key)
    cursor = list_page(api, key, limit=1)["nextCursor"]
    assert cursor is not None
    payload: dict[str, Any] = decode(cursor)
    return payload


BAD_CURSORS: dict[str, Callable[[dict[str, Any]], str]] = {
    "not base64": lambda _: "not base64!",
    "base64 of bytes that are not JSON": lambda _: base64.b64encode(b"\xff\xfe{").decode(),
    "base64 of a JSON array": lambda good: encode([good]),
    "base64 of a JSON string": lambda _: encode("cursor"),
    "base64 of a JSON number": lambda _: encode(42),
    "base64 of null": lambda _: encode(None),
    "an empty object": lambda _: encode({}),
    "no after": lambda good: encode({"limit": good["limit"]}),
    "no limit": lambda good: encode({"after": good["after"]}),
    "limit 0": lambda good: encode({**good, "limit": 0}),
    "limit 251": lambda good: encode({**good, "limit": 251}),
    "limit -1": lambda good: encode({**good, "limit": -1}),
    "limit as a string": lambda good: encode({**good, "limit": "1"}),
    "limit as a float": lambda good: encode({**good, "limit": 1.5}),
    "limit true": lambda good: encode({**good, "limit": True}),
    "after as a string": lambda good: encode({**good, "after": "x"}),
    "after too short": lambda good: encode({**good, "after": good["after"][:1]}),
    "after too long": lambda good: encode({**good, "after": [*good["after"], "x"]}),
    "after with a number for the time": lambda good: encode(
        {**good, "after": [1700000000, good["after"][1]]}
    ),
    "after with a time that is no time": lambda good: encode(
        {**good, "after": ["yesterday", good["after"][1]]}
    ),
    "after with a number for the id": lambda good: encode({**good, "after": [good["after"][0], 7]}),
    "after with null for the id": lambda good: encode({**good, "after": [good["after"][0], None]}),
    "after with an object for the id": lambda good: encode(
        {**good, "after": [good["after"][0], {"id": "x"}]}
    ),
}


class TestWorkflowCursor:
    @pytest.fixture(scope="class")
    @classmethod
    def good(cls, walker: Walker) -> dict[str, Any]:
        return _valid_cursor(walker)

    @pytest.fixture(scope="class")
    @classmethod
    def member_key(cls, walker: Walker) -> str:
        return walker.server.create_key(walker.server.create_user("global:member"))

    @pytest.mark.parametrize("case", list(BAD_CURSORS), ids=list(BAD_CURSORS))
    def test_get_should_respond_400_for_a_bad_cursor(
        self, walker: Walker, good: dict[str, Any], member_key: str, case: str
    ) -> None:
        cursor = BAD_CURSORS[case](good)
        response = walker.api.get("/workflows", member_key, params={"cursor": cursor})
        assert response.status_code == 400, response.text
        assert response.json() == INVALID_CURSOR

    def test_get_should_accept_the_cursor_it_gave(
        self, walker: Walker, good: dict[str, Any], member_key: str
    ) -> None:
        response = walker.api.get("/workflows", member_key, params={"cursor": encode(good)})
        assert response.status_code == 200, response.text

    def test_get_should_accept_the_largest_limit_in_a_cursor(
        self, walker: Walker, good: dict[str, Any], member_key: str
    ) -> None:
        cursor = encode({**good, "limit": 250})
        response = walker.api.get("/workflows", member_key, params={"cursor": cursor})
        assert response.status_code == 200, response.text

    def test_get_should_show_a_member_only_its_own_workflows_with_an_admins_cursor(
        self, walker: Walker
    ) -> None:
        server, api = walker.server, walker.api
        admin_key = server.create_key(server.create_user("global:admin"))
        member_key = server.create_key(server.create_user("global:member"))
        other_key = server.create_key(server.create_user("global:member"))
        token = uuid.uuid4().hex[:8]
        mine: list[str] = []
        theirs: set[str] = set()
        for round_ in range(4):
            theirs.add(new_workflow(api, admin_key, f"{token}-admin-{round_}"))
            mine.append(new_workflow(api, member_key, f"{token}-mine-{round_}"))
            theirs.add(new_workflow(api, other_key, f"{token}-other-{round_}"))

        # The admin's walk over these twelve: each cursor a position among everybody's.
        cursors: list[tuple[str, int]] = []
        everything: list[str] = []
        body = list_page(api, admin_key, limit=2, name=token)
        everything += [item["id"] for item in body["data"]]
        while body["nextCursor"] is not None:
            cursors.append((body["nextCursor"], len(everything)))
            body = list_page(api, admin_key, cursor=body["nextCursor"], name=token)
            everything += [item["id"] for item in body["data"]]
        assert sorted(everything) == sorted({*mine, *theirs})
        assert len(cursors) == 5

        for cursor, position in cursors:
            seen = walk_ids(api, member_key, cursor=cursor)
            assert not set(seen) & theirs, "a member reached others' workflows with a cursor"
            assert seen == [i for i in everything[position:] if i in mine]
