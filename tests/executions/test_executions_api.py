"""`/api/v1/executions`: n8n's execution endpoints (reference §3, §4.2, §7.1, §12.2)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from relayflow.auth import key_format
from relayflow.core.clock import utcnow
from relayflow.db.models import Execution, ExecutionData, ExecutionMetadata
from relayflow.instance import Instance
from tests.executions.runs import (
    Caller,
    caller,
    ids_of,
    listed,
    ok,
    record_run,
    run_data,
    snapshot,
)
from tests.support.client import Api
from tests.support.keys import HEADER_REQUIRED, UNAUTHORIZED
from tests.support.server import RunningServer
from tests.support.workflows import make_team_project, make_workflow, payload

ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
NOT_FOUND = {"message": "Not Found"}
EMPTY_PAGE: dict[str, Any] = {"data": [], "nextCursor": None}
CUSTOM_DATA = {"test1": "value1", "test2": "value2"}
LIST_FIELDS = {
    "id",
    "finished",
    "mode",
    "retryOf",
    "retrySuccessId",
    "startedAt",
    "stoppedAt",
    "workflowId",
    "waitTill",
    "status",
}
ONE_FIELDS = LIST_FIELDS | {"createdAt", "deletedAt"}
DATA_FIELDS = {"data", "workflowData", "customData"}
ROUTES = [("GET", "/executions"), ("GET", "/executions/{id}"), ("DELETE", "/executions/{id}")]


@dataclass
class World:
    """An owner and two members, their workflows, and runs in every status.

    The member's own workflow has four finished runs and a running one; the second member
    shares a workflow with two runs into the member's personal project.
    """

    owner: Caller
    member: Caller
    sharer: Caller
    owner_workflow: str
    member_workflow: str
    shared_workflow: str
    runs: dict[str, str] = field(default_factory=dict)

    def ids(self, *names: str) -> set[str]:
        return {self.runs[name] for name in names}


@pytest.fixture(scope="module")
def world(server: RunningServer) -> World:
    owner, member, sharer = caller(server, "global:owner"), caller(server), caller(server)
    world = World(
        owner,
        member,
        sharer,
        owner_workflow=make_workflow(server, owner.project_id),
        member_workflow=make_workflow(server, member.project_id),
        shared_workflow=make_workflow(
            server, sharer.project_id, shared={member.project_id: "workflow:editor"}
        ),
    )
    later = utcnow() + timedelta(days=1)
    for prefix, workflow in (("o", world.owner_workflow), ("m", world.member_workflow)):
        world.runs[f"{prefix}_success"] = record_run(
            server, workflow, "success", custom_data=CUSTOM_DATA
        )
        world.runs[f"{prefix}_error"] = record_run(server, workflow, "error")
        world.runs[f"{prefix}_crashed"] = record_run(server, workflow, "crashed")
        world.runs[f"{prefix}_waiting"] = record_run(server, workflow, "waiting", wait_till=later)
    world.runs["m_running"] = record_run(server, world.member_workflow, "running")
    world.runs["s_success"] = record_run(server, world.shared_workflow, "success")
    world.runs["s_error"] = record_run(server, world.shared_workflow, "error", mode="webhook")
    return world


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_every_route_should_answer_the_401_pair(api: Api, method: str, path: str) -> None:
    path = path.format(id="1")
    missing = api.request(method, path)
    assert (missing.status_code, missing.json()) == (401, HEADER_REQUIRED)
    wrong = api.request(method, path, key_format.generate())
    assert (wrong.status_code, wrong.json()) == (401, UNAUTHORIZED)


class TestGetExecution:
    def test_get_should_respond_200_with_every_column(self, api: Api, world: World) -> None:
        body = ok(api.get(f"/executions/{world.runs['o_success']}", world.owner.key))
        assert set(body) == ONE_FIELDS
        assert body["id"] == world.runs["o_success"]
        assert body["finished"] is True and body["status"] == "success"
        assert body["mode"] == "manual"
        assert body["retryOf"] is None and body["retrySuccessId"] is None
        assert body["workflowId"] == world.owner_workflow
        assert body["waitTill"] is None and body["deletedAt"] is None
        for stamp in ("createdAt", "startedAt", "stoppedAt"):
            assert ISO.match(body[stamp]), stamp

    def test_get_should_show_a_waiting_run_without_stop_time(self, api: Api, world: World) -> None:
        body = ok(api.get(f"/executions/{world.runs['m_waiting']}", world.member.key))
        assert body["status"] == "waiting" and body["finished"] is False
        assert body["stoppedAt"] is None and ISO.match(body["waitTill"])
        assert body["waitTill"] > body["startedAt"]

    def test_get_should_show_a_running_execution(self, api: Api, world: World) -> None:
        body = ok(api.get(f"/executions/{world.runs['m_running']}", world.member.key))
        assert body["status"] == "running" and body["stoppedAt"] is None

    def test_get_should_give_custom_data_only_with_include_data(
        self, api: Api, world: World
    ) -> None:
        path = f"/executions/{world.runs['o_success']}"
        assert not DATA_FIELDS & set(ok(api.get(path, world.owner.key)))
        plain = ok(api.get(path, world.owner.key, params={"includeData": "false"}))
        assert not DATA_FIELDS & set(plain)
        body = ok(api.get(path, world.owner.key, params={"includeData": "true"}))
        assert set(body) == ONE_FIELDS | DATA_FIELDS
        assert body["customData"] == CUSTOM_DATA
        assert body["data"] == run_data()
        assert body["workflowData"] == snapshot(world.owner_workflow)

    def test_get_should_give_empty_custom_data_when_none_was_set(
        self, api: Api, world: World
    ) -> None:
        path = f"/executions/{world.runs['o_error']}"
        body = ok(api.get(path, world.owner.key, params={"includeData": "true"}))
        assert body["customData"] == {}

    def test_owner_should_read_a_members_execution(self, api: Api, world: World) -> None:
        body = ok(api.get(f"/executions/{world.runs['m_error']}", world.owner.key))
        assert body["workflowId"] == world.member_workflow

    @pytest.mark.usefixtures("licence_state")
    def test_member_should_read_its_own_and_shared_executions(self, api: Api, world: World) -> None:
        for name in ("m_success", "s_success"):
            assert ok(api.get(f"/executions/{world.runs[name]}", world.member.key))["id"]

    @pytest.mark.usefixtures("licence_state")
    def test_member_should_get_404_for_someone_elses_execution(
        self, api: Api, world: World
    ) -> None:
        response = api.get(f"/executions/{world.runs['o_success']}", world.member.key)
        assert (response.status_code, response.json()) == (404, NOT_FOUND)
        response = api.get(f"/executions/{world.runs['m_success']}", world.sharer.key)
        assert (response.status_code, response.json()) == (404, NOT_FOUND)

    @pytest.mark.parametrize("missing", ["999999", "0", "-1", "2147483648", "9" * 40])
    def test_get_should_respond_404_for_unknown_ids(
        self, api: Api, world: World, missing: str
    ) -> None:
        response = api.get(f"/executions/{missing}", world.owner.key)
        assert (response.status_code, response.json()) == (404, NOT_FOUND)

    @pytest.mark.parametrize("bad", ["abc", "1.5", "1e3", "0x10", "١٢"])
    @pytest.mark.parametrize("method", ["GET", "DELETE"])
    def test_non_numeric_ids_should_respond_400(
        self, api: Api, world: World, method: str, bad: str
    ) -> None:
        response = api.request(method, f"/executions/{bad}", world.owner.key)
        assert response.status_code == 400
        assert response.json() == {"message": "request/params/id must be number"}


class TestDeleteExecution:
    def test_delete_should_respond_200_then_get_404(
        self, api: Api, server: RunningServer, world: World
    ) -> None:
        run = record_run(server, world.member_workflow, "success", custom_data=CUSTOM_DATA)
        body = ok(api.delete(f"/executions/{run}", world.member.key))
        assert set(body) == ONE_FIELDS
        assert body["id"] == run and body["status"] == "success"
        assert api.get(f"/executions/{run}", world.member.key).status_code == 404
        assert api.delete(f"/executions/{run}", world.member.key).status_code == 404
        assert rows_of(server, int(run)) == (0, 0, 0)

    def test_delete_should_refuse_a_running_execution(
        self, api: Api, server: RunningServer, world: World
    ) -> None:
        response = api.delete(f"/executions/{world.runs['m_running']}", world.member.key)
        assert (response.status_code, response.json()) == (
            400,
            {"message": "Cannot delete a running execution"},
        )
        assert (
            api.get(f"/executions/{world.runs['m_running']}", world.member.key).status_code == 200
        )

    def test_delete_should_remove_a_queued_execution(
        self, api: Api, server: RunningServer, world: World
    ) -> None:
        run = record_run(server, world.member_workflow, "new")
        assert ok(api.delete(f"/executions/{run}", world.member.key))["status"] == "new"

    @pytest.mark.usefixtures("licence_state")
    def test_member_should_get_404_deleting_someone_elses_execution(
        self, api: Api, world: World
    ) -> None:
        response = api.delete(f"/executions/{world.runs['o_error']}", world.member.key)
        assert (response.status_code, response.json()) == (404, NOT_FOUND)
        assert api.get(f"/executions/{world.runs['o_error']}", world.owner.key).status_code == 200

    def test_owner_should_delete_a_members_execution(
        self, api: Api, server: RunningServer, world: World
    ) -> None:
        run = record_run(server, world.member_workflow, "error")
        assert ok(api.delete(f"/executions/{run}", world.owner.key))["id"] == run

    def test_member_who_may_only_read_the_workflow_should_get_404_deleting(
        self, api: Api, server: RunningServer
    ) -> None:
        viewer = caller(server)
        team = make_team_project(server, {viewer.user_id: "project:viewer"})
        run = record_run(server, make_workflow(server, team), "success")
        assert ok(api.get(f"/executions/{run}", viewer.key))["id"] == run
        response = api.delete(f"/executions/{run}", viewer.key)
        assert (response.status_code, response.json()) == (404, NOT_FOUND)

    def test_deleting_a_workflow_should_delete_its_executions(
        self, api: Api, server: RunningServer
    ) -> None:
        member = caller(server)
        workflow = ok(api.post("/workflows", member.key, json=payload()))["id"]
        runs = [
            record_run(server, workflow, status, custom_data=CUSTOM_DATA)
            for status in ("success", "error")
        ]
        ok(api.delete(f"/workflows/{workflow}", member.key))
        for run in runs:
            assert api.get(f"/executions/{run}", member.key).status_code == 404
            assert rows_of(server, int(run)) == (0, 0, 0)
        assert listed(api, member.key) == []


def rows_of(server: RunningServer, execution_id: int) -> tuple[int, int, int]:
    """How many entity, data and metadata rows an execution has in the database."""

    async def task(_instance: Instance, session: AsyncSession) -> tuple[int, int, int]:
        counts = []
        for column in (
            Execution.id,
            ExecutionData.execution_id,
            ExecutionMetadata.execution_id,
        ):
            query = select(func.count()).where(column == execution_id)
            counts.append(int(await session.scalar(query) or 0))
        return counts[0], counts[1], counts[2]

    return server.work(task)


class TestListExecutions:
    def test_list_items_should_have_n8n_fields_and_newest_first(
        self, api: Api, world: World
    ) -> None:
        page = ok(api.get("/executions", world.member.key))
        assert set(page) == {"data", "nextCursor"}
        assert page["nextCursor"] is None
        for item in page["data"]:
            assert set(item) == LIST_FIELDS
        numbers = [int(item["id"]) for item in page["data"]]
        assert numbers == sorted(numbers, reverse=True)

    def test_list_should_leave_out_running_executions(self, api: Api, world: World) -> None:
        for key in (world.member.key, world.owner.key):
            assert world.runs["m_running"] not in ids_of(listed(api, key))
        by_workflow = listed(api, world.member.key, workflowId=world.member_workflow)
        assert ids_of(by_workflow) == world.ids("m_success", "m_error", "m_crashed", "m_waiting")

    def test_owner_should_see_every_users_executions(self, api: Api, world: World) -> None:
        seen = ids_of(listed(api, world.owner.key))
        everyone = set(world.runs.values()) - world.ids("m_running")
        assert everyone <= seen

    @pytest.mark.usefixtures("licence_state")
    def test_member_should_see_its_own_and_shared_executions_only(
        self, api: Api, world: World
    ) -> None:
        mine = world.ids("m_success", "m_error", "m_crashed", "m_waiting")
        shared = world.ids("s_success", "s_error")
        assert len(mine | shared) == 6
        assert ids_of(listed(api, world.member.key)) == mine | shared
        assert ids_of(listed(api, world.sharer.key)) == shared

    def test_list_should_give_data_with_include_data(self, api: Api, world: World) -> None:
        items = listed(api, world.member.key, workflowId=world.member_workflow, includeData="true")
        by_id = {item["id"]: item for item in items}
        assert set(by_id) == world.ids("m_success", "m_error", "m_crashed", "m_waiting")
        for item in items:
            assert set(item) == LIST_FIELDS | DATA_FIELDS
            assert item["workflowData"] == snapshot(world.member_workflow)
        assert by_id[world.runs["m_success"]]["customData"] == CUSTOM_DATA
        assert by_id[world.runs["m_error"]]["customData"] == {}

    @pytest.mark.parametrize(
        ("status", "names", "finished"),
        [
            ("success", ("m_success",), True),
            ("error", ("m_error", "m_crashed"), False),
            ("waiting", ("m_waiting",), False),
        ],
    )
    def test_status_filter_should_select_matching_runs(
        self, api: Api, world: World, status: str, names: tuple[str, ...], finished: bool
    ) -> None:
        page = ok(
            api.get(
                "/executions",
                world.member.key,
                params={"status": status, "workflowId": world.member_workflow},
            )
        )
        assert page["nextCursor"] is None
        assert ids_of(page["data"]) == world.ids(*names)
        assert all(item["finished"] is finished for item in page["data"])
        if status == "waiting":
            [waiting] = page["data"]
            assert waiting["waitTill"] > waiting["startedAt"]

    def test_unknown_status_should_respond_400(self, api: Api, world: World) -> None:
        response = api.get("/executions", world.member.key, params={"status": "running"})
        assert response.status_code == 400
        assert response.json() == {
            "message": "request/query/status must be equal to one of the allowed values: "
            "error, success, waiting"
        }

    def test_workflow_filter_should_select_that_workflows_runs(
        self, api: Api, world: World
    ) -> None:
        items = listed(api, world.owner.key, workflowId=world.shared_workflow)
        assert ids_of(items) == world.ids("s_success", "s_error")
        assert all(item["workflowId"] == world.shared_workflow for item in items)

    @pytest.mark.usefixtures("licence_state")
    def test_workflow_filter_should_give_an_empty_page_for_an_unreachable_workflow(
        self, api: Api, world: World
    ) -> None:
        for workflow in (world.owner_workflow, "NoSuchWorkflow01"):
            page = ok(api.get("/executions", world.member.key, params={"workflowId": workflow}))
            assert page == EMPTY_PAGE

    def test_project_filter_should_select_runs_of_the_projects_workflows(
        self, api: Api, world: World
    ) -> None:
        mine = world.ids("m_success", "m_error", "m_crashed", "m_waiting")
        as_owner = listed(api, world.owner.key, projectId=world.member.project_id)
        assert mine <= ids_of(as_owner)
        assert {item["workflowId"] for item in as_owner} == {world.member_workflow}
        as_member = listed(api, world.member.key, projectId=world.member.project_id)
        assert {item["workflowId"] for item in as_member} == {world.member_workflow}
        assert listed(api, world.member.key, projectId=world.owner.project_id) == []

    def test_project_filter_should_cover_team_projects(
        self, api: Api, server: RunningServer, world: World
    ) -> None:
        editor = caller(server)
        team = make_team_project(server, {editor.user_id: "project:editor"})
        runs = {record_run(server, make_workflow(server, team), "success") for _ in range(2)}
        for key in (world.owner.key, editor.key):
            assert ids_of(listed(api, key, projectId=team)) == runs
        assert listed(api, world.member.key, projectId=team) == []


def test_openapi_should_describe_the_execution_operations(api: Api) -> None:
    paths = api.http.get("/api/v1/openapi.json").json()["paths"]
    assert paths["/executions"]["get"]["x-required-scopes"] == ["execution:list"]
    assert paths["/executions/{id}"]["get"]["x-required-scopes"] == ["execution:read"]
    assert paths["/executions/{id}"]["delete"]["x-required-scopes"] == ["execution:delete"]
    [path_id] = [p for p in paths["/executions/{id}"]["get"]["parameters"] if p["in"] == "path"]
    assert path_id["schema"]["type"] == "integer"
    for method in ("get", "delete"):
        answers = paths["/executions/{id}"][method]["responses"]
        assert "404" in answers
        assert answers["200"]["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/ExecutionOut"
        }
    listed = paths["/executions"]["get"]
    names = {p["name"] for p in listed["parameters"]}
    assert names == {"includeData", "status", "workflowId", "projectId", "limit", "cursor"}
