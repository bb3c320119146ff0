"""Cross-user access (BOLA): a member's key never reaches another member's workflows.

Member A holds a key with every scope a member may have, so the scope layer lets each call
through and only the resource check stands between A and member B's workflows. Every
workflow endpoint answers 403 `Forbidden` for B's ids and 404 for ids that do not exist,
with the licence on (scopes checked) and off (role rules), and B's workflows read back
exactly as before (same `versionId`, `updatedAt`, `active`, tags and sharing).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from relayflow.instance import Instance
from relayflow.projects.service import ProjectService
from tests.support.client import Api
from tests.support.keys import FORBIDDEN
from tests.support.server import RunningServer

MISSING_ID = "NoSuchWorkflow01"


def workflow_body(name: str) -> dict[str, Any]:
    """A workflow with a webhook trigger (so it can be activated)."""
    return {
        "name": name,
        "nodes": [
            {
                "id": str(uuid.uuid4()),
                "name": "Webhook",
                "type": "n8n-nodes-base.webhook",
                "typeVersion": 2,
                "position": [0, 0],
                "parameters": {"path": uuid.uuid4().hex, "httpMethod": "GET"},
                "webhookId": str(uuid.uuid4()),
            },
            {
                "id": str(uuid.uuid4()),
                "name": "Done",
                "type": "n8n-nodes-base.noOp",
                "typeVersion": 1,
                "position": [200, 0],
                "parameters": {},
            },
        ],
        "connections": {"Webhook": {"main": [[{"node": "Done", "type": "main", "index": 0}]]}},
        "settings": {"executionOrder": "v1"},
        "staticData": {"lastId": 1},
    }


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json() if response.content else None


@dataclass
class Member:
    key: str
    user_id: str
    project_id: str
    """The member's personal project."""


@dataclass
class World:
    """Members A and B, B's workflows (one active, tagged; one inactive), and A's own."""

    a: Member
    b: Member
    b_workflows: dict[str, str]
    a_workflow: str
    a_tag: str
    team_project: str
    """A team project A is not a member of."""
    viewed_project: str
    """A team project of B's where A is only `project:viewer`."""
    viewed_workflow: str
    """B's workflow in `viewed_project`."""


def personal_project_of(server: RunningServer, user_id: str) -> str:
    async def task(instance: Instance, session: Any) -> str:
        return (await ProjectService(session).personal_of(user_id)).id

    return server.work(task)


def team_project(server: RunningServer, creator_id: str, viewer_id: str | None = None) -> str:
    """A team project with `creator_id` as its admin (and `viewer_id` as a viewer)."""

    async def task(instance: Instance, session: Any) -> str:
        service = ProjectService(session)
        project = await service.create_team(creator_id, "B's team")
        if viewer_id is not None:
            await service.add_members(project.id, [(viewer_id, "project:viewer")])
        return project.id

    return server.work(task)


def member(server: RunningServer) -> Member:
    user = server.create_user("global:member")
    return Member(server.create_key(user), user.id, personal_project_of(server, user.id))


def new_tag(api: Api, key: str) -> str:
    tag_id: str = ok(api.post("/tags", key, json={"name": uuid.uuid4().hex[:20]}), 201)["id"]
    return tag_id


@pytest.fixture(scope="module")
def world(server: RunningServer, api: Api) -> World:
    a, b = member(server), member(server)
    active = ok(api.post("/workflows", b.key, json=workflow_body("B active")))["id"]
    ok(api.post(f"/workflows/{active}/activate", b.key))
    ok(api.request("PUT", f"/workflows/{active}/tags", b.key, json=[{"id": new_tag(api, b.key)}]))
    inactive = ok(api.post("/workflows", b.key, json=workflow_body("B inactive")))["id"]
    mine = ok(api.post("/workflows", a.key, json=workflow_body("A's own")))["id"]
    viewed_project = team_project(server, b.user_id, viewer_id=a.user_id)
    viewed = ok(api.post("/workflows", b.key, json=workflow_body("B's, A views")))["id"]
    move = {"destinationProjectId": viewed_project}
    ok(api.request("PUT", f"/workflows/{viewed}/transfer", b.key, json=move), 204)
    ok(api.post(f"/workflows/{viewed}/activate", b.key))
    return World(
        a=a,
        b=b,
        b_workflows={"active": active, "inactive": inactive, "viewed": viewed},
        a_workflow=mine,
        a_tag=new_tag(api, a.key),
        team_project=team_project(server, b.user_id),
        viewed_project=viewed_project,
        viewed_workflow=viewed,
    )


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    body: Callable[[World], Any] | None = None

    def call(self, api: Api, key: str, workflow_id: str, world: World) -> Any:
        kwargs = {} if self.body is None else {"json": self.body(world)}
        return api.request(self.method, self.path.format(id=workflow_id), key, **kwargs)


ENDPOINTS = {
    "GET /workflows/{id}": Endpoint("GET", "/workflows/{id}"),
    "PUT /workflows/{id}": Endpoint("PUT", "/workflows/{id}", lambda w: workflow_body("hijack")),
    "DELETE /workflows/{id}": Endpoint("DELETE", "/workflows/{id}"),
    "POST /workflows/{id}/activate": Endpoint("POST", "/workflows/{id}/activate"),
    "POST /workflows/{id}/deactivate": Endpoint("POST", "/workflows/{id}/deactivate"),
    "PUT /workflows/{id}/transfer": Endpoint(
        "PUT", "/workflows/{id}/transfer", lambda w: {"destinationProjectId": w.a.project_id}
    ),
    "GET /workflows/{id}/tags": Endpoint("GET", "/workflows/{id}/tags"),
    "PUT /workflows/{id}/tags": Endpoint(
        "PUT", "/workflows/{id}/tags", lambda w: [{"id": w.a_tag}]
    ),
}


def snapshot(api: Api, world: World) -> dict[str, Any]:
    """B's workflows and their tags, read with B's key."""
    state: dict[str, Any] = {}
    for label, workflow_id in world.b_workflows.items():
        state[label] = ok(api.get(f"/workflows/{workflow_id}", world.b.key))
        state[f"{label} tags"] = ok(api.get(f"/workflows/{workflow_id}/tags", world.b.key))
    return state


@pytest.fixture(scope="module")
def before(api: Api, world: World) -> dict[str, Any]:
    state = snapshot(api, world)
    assert state["active"]["active"] is True and len(state["active tags"]) == 1
    assert state["inactive"]["active"] is False and state["inactive tags"] == []
    for label in ("active", "inactive"):
        assert state[label]["shared"][0]["projectId"] == world.b.project_id
    assert state["viewed"]["shared"][0]["projectId"] == world.viewed_project
    return state


@pytest.mark.parametrize("endpoint", list(ENDPOINTS), ids=list(ENDPOINTS))
class TestMemberAgainstAnotherMembersWorkflow:
    @pytest.mark.parametrize("which", ["active", "inactive"])
    def test_should_respond_403_and_change_nothing(
        self,
        api: Api,
        world: World,
        before: dict[str, Any],
        licence_state: str,
        endpoint: str,
        which: str,
    ) -> None:
        response = ENDPOINTS[endpoint].call(api, world.a.key, world.b_workflows[which], world)
        assert response.status_code == 403, response.text
        assert response.json() == FORBIDDEN
        assert snapshot(api, world) == before

    def test_should_respond_404_for_an_id_that_does_not_exist(
        self, api: Api, world: World, before: dict[str, Any], licence_state: str, endpoint: str
    ) -> None:
        response = ENDPOINTS[endpoint].call(api, world.a.key, MISSING_ID, world)
        assert response.status_code == 404, response.text
        assert response.json() == {"message": f'Workflow with ID "{MISSING_ID}" not found.'}
        assert snapshot(api, world) == before


WRITES = [name for name in ENDPOINTS if not name.startswith("GET")]
READS = [name for name in ENDPOINTS if name.startswith("GET")]


class TestViewerOfATeamProject:
    """A is `project:viewer` of B's team project: it may read the workflow there, not change it."""

    @pytest.mark.parametrize("endpoint", WRITES, ids=WRITES)
    def test_write_should_respond_403_and_change_nothing(
        self, api: Api, world: World, before: dict[str, Any], licence_state: str, endpoint: str
    ) -> None:
        response = ENDPOINTS[endpoint].call(api, world.a.key, world.viewed_workflow, world)
        assert response.status_code == 403, response.text
        assert response.json() == FORBIDDEN
        assert snapshot(api, world) == before

    @pytest.mark.parametrize("endpoint", READS, ids=READS)
    def test_read_should_respond_as_for_its_owner(
        self, api: Api, world: World, before: dict[str, Any], licence_state: str, endpoint: str
    ) -> None:
        mine = ENDPOINTS[endpoint].call(api, world.a.key, world.viewed_workflow, world)
        theirs = ENDPOINTS[endpoint].call(api, world.b.key, world.viewed_workflow, world)
        assert ok(mine) == ok(theirs)

    def test_get_list_should_show_the_project_workflow_to_the_viewer(
        self, api: Api, world: World, licence_state: str
    ) -> None:
        params = {"projectId": world.viewed_project}
        listed = ok(api.get("/workflows", world.a.key, params=params))
        assert [item["id"] for item in listed["data"]] == [world.viewed_workflow]


class TestMemberVisibility:
    def test_get_list_should_show_a_member_only_what_its_projects_hold(
        self, api: Api, world: World, licence_state: str
    ) -> None:
        listed = ok(api.get("/workflows", world.a.key, params={"limit": 250}))
        visible = {world.a_workflow, world.viewed_workflow}
        assert {item["id"] for item in listed["data"]} == visible
        assert listed["nextCursor"] is None

    @pytest.mark.parametrize("filters", [{}, {"active": "true"}, {"name": "B "}])
    def test_get_list_should_respond_empty_for_another_members_project(
        self, api: Api, world: World, licence_state: str, filters: dict[str, str]
    ) -> None:
        params = {"projectId": world.b.project_id, **filters}
        response = api.get("/workflows", world.a.key, params=params)
        assert ok(response) == {"data": [], "nextCursor": None}

    def test_get_list_should_respond_empty_for_a_team_project_the_member_is_not_in(
        self, api: Api, world: World, licence_state: str
    ) -> None:
        params = {"projectId": world.team_project}
        assert ok(api.get("/workflows", world.a.key, params=params)) == {
            "data": [],
            "nextCursor": None,
        }

    @pytest.mark.parametrize("destination", ["B's personal project", "a team project", "unknown"])
    def test_transfer_should_respond_404_for_a_project_the_member_is_not_in(
        self, api: Api, world: World, licence_state: str, destination: str
    ) -> None:
        target = {
            "B's personal project": world.b.project_id,
            "a team project": world.team_project,
            "unknown": "NoSuchProject123",
        }[destination]
        path = f"/workflows/{world.a_workflow}/transfer"
        before = ok(api.get(f"/workflows/{world.a_workflow}", world.a.key))
        response = api.request("PUT", path, world.a.key, json={"destinationProjectId": target})
        assert response.status_code == 404, response.text
        assert response.json() == {"message": f"Could not find project with ID: {target}"}
        after = ok(api.get(f"/workflows/{world.a_workflow}", world.a.key))
        assert after == before
        assert after["shared"][0]["projectId"] == world.a.project_id


class TestAdminOnAMembersWorkflow:
    def test_admin_should_read_and_update_it_and_the_sharing_should_stay_with_the_member(
        self, api: Api, server: RunningServer, licence_state: str
    ) -> None:
        admin_key = server.create_key(server.create_user("global:admin"))
        owner = member(server)
        created = ok(api.post("/workflows", owner.key, json=workflow_body("member's")))
        path = f"/workflows/{created['id']}"

        read = ok(api.get(path, admin_key))
        assert read == ok(api.get(path, owner.key))

        updated = ok(api.request("PUT", path, admin_key, json=workflow_body("edited by admin")))
        assert updated["name"] == "edited by admin"
        assert updated["versionId"] != created["versionId"]
        assert updated["createdAt"] == created["createdAt"]
        for body in (updated, ok(api.get(path, owner.key)), ok(api.get(path, admin_key))):
            assert [(row["projectId"], row["role"]) for row in body["shared"]] == [
                (owner.project_id, "workflow:owner")
            ]
            assert body["name"] == "edited by admin"

        listed = ok(api.get("/workflows", owner.key, params={"limit": 250}))
        assert [item["id"] for item in listed["data"]] == [created["id"]]
