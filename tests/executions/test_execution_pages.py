"""`GET /executions` page by page: n8n's id cursor `{"lastId", "limit"}` (reference §3)."""

from __future__ import annotations

import base64
import json

import pytest

from tests.executions.runs import Caller, caller, cursor_of, listed, ok, record_run
from tests.support.client import Api
from tests.support.server import RunningServer
from tests.support.workflows import make_workflow


@pytest.fixture(scope="module")
def paged(server: RunningServer) -> tuple[Caller, str, list[str]]:
    """A member of its own with seven finished runs of one workflow, oldest first."""
    member = caller(server)
    workflow = make_workflow(server, member.project_id)
    statuses = ["success", "success", "error", "waiting", "success", "crashed", "success"]
    return member, workflow, [record_run(server, workflow, status) for status in statuses]


class TestPagination:
    def test_two_success_pages_should_be_linked_by_a_cursor(
        self, api: Api, server: RunningServer
    ) -> None:
        member = caller(server)
        workflow = make_workflow(server, member.project_id)
        first, second = (record_run(server, workflow, "success") for _ in range(2))
        record_run(server, workflow, "error")
        page = ok(api.get("/executions", member.key, params={"status": "success", "limit": 1}))
        assert [item["id"] for item in page["data"]] == [second]
        assert page["nextCursor"]
        assert json.loads(base64.b64decode(page["nextCursor"])) == {"lastId": second, "limit": 1}
        params = {"status": "success", "cursor": page["nextCursor"]}
        page = ok(api.get("/executions", member.key, params=params))
        assert [item["id"] for item in page["data"]] == [first]
        assert page["nextCursor"] is None

    @pytest.mark.parametrize("limit", [1, 2, 3, 6, 7, 250])
    def test_pages_should_walk_every_run_once_newest_first(
        self, api: Api, paged: tuple[Caller, str, list[str]], limit: int
    ) -> None:
        member, _, runs = paged
        items = listed(api, member.key, limit=limit)
        assert [item["id"] for item in items] == list(reversed(runs))

    def test_cursor_limit_should_win_over_the_query_limit(
        self, api: Api, paged: tuple[Caller, str, list[str]]
    ) -> None:
        member, _, runs = paged
        cursor = cursor_of({"lastId": runs[-1], "limit": 2})
        page = ok(api.get("/executions", member.key, params={"cursor": cursor, "limit": 100}))
        assert [item["id"] for item in page["data"]] == [runs[-2], runs[-3]]
        assert json.loads(base64.b64decode(page["nextCursor"])) == {"lastId": runs[-3], "limit": 2}

    def test_cursor_with_a_numeric_last_id_should_be_accepted(
        self, api: Api, paged: tuple[Caller, str, list[str]]
    ) -> None:
        member, _, runs = paged
        cursor = cursor_of({"lastId": int(runs[1]), "limit": 5})
        page = ok(api.get("/executions", member.key, params={"cursor": cursor}))
        assert [item["id"] for item in page["data"]] == [runs[0]]

    @pytest.mark.parametrize("last_id", ["0", "-5", "99999999999999999999"])
    def test_cursor_beyond_the_id_range_should_not_fail(
        self, api: Api, paged: tuple[Caller, str, list[str]], last_id: str
    ) -> None:
        member, _, runs = paged
        cursor = cursor_of({"lastId": last_id, "limit": 250})
        page = ok(api.get("/executions", member.key, params={"cursor": cursor}))
        expected = list(reversed(runs)) if len(last_id) > 10 else []
        assert [item["id"] for item in page["data"]] == expected

    @pytest.mark.parametrize(
        "cursor",
        [
            "not a cursor!",
            base64.b64encode(b"[1, 2]").decode(),
            cursor_of({"lastId": "abc", "limit": 1}),
            cursor_of({"lastId": "1", "limit": 0}),
            cursor_of({"lastId": "1", "limit": 251}),
            cursor_of({"lastId": True, "limit": 1}),
            cursor_of({"limit": 1}),
        ],
    )
    def test_bad_cursor_should_respond_400(
        self, api: Api, paged: tuple[Caller, str, list[str]], cursor: str
    ) -> None:
        member, _, _ = paged
        response = api.get("/executions", member.key, params={"cursor": cursor})
        assert (response.status_code, response.json()) == (
            400,
            {"message": "An invalid cursor was provided"},
        )

    @pytest.mark.parametrize(("limit", "message"), [("0", ">= 1"), ("251", "<= 250")])
    def test_limit_out_of_range_should_respond_400(
        self, api: Api, paged: tuple[Caller, str, list[str]], limit: str, message: str
    ) -> None:
        member, _, _ = paged
        response = api.get("/executions", member.key, params={"limit": limit})
        assert response.status_code == 400
        assert response.json() == {"message": f"request/query/limit must be {message}"}

    def test_unknown_query_parameter_should_respond_400(
        self, api: Api, paged: tuple[Caller, str, list[str]]
    ) -> None:
        member, _, _ = paged
        response = api.get("/executions", member.key, params={"lastId": "3"})
        assert (response.status_code, response.json()) == (
            400,
            {"message": "Unknown query parameter 'lastId'"},
        )
