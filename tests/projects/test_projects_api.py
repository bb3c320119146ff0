"""`/api/v1/projects`: n8n's team projects API for owner and admin keys, on every backend."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from relayflow.auth.scopes import ROLE_SCOPES
from relayflow.projects.roles import PROJECT_ROLE_SCOPES
from tests.projects import (
    INVALID_CURSOR,
    ISO_MS,
    NANOID,
    PROJECT_FIELDS,
    admin_with_key,
    all_projects,
    create_workflow,
    member_key,
    members_of,
    new_name,
    not_found,
    personal_project_id,
    share_workflow,
    sharings_of,
    stored_project,
    team_project,
    walk_projects,
)
from tests.support.client import Api
from tests.support.keys import FORBIDDEN, HEADER_REQUIRED, UNAUTHORIZED
from tests.support.server import RunningServer

ADMIN_SCOPES = sorted(PROJECT_ROLE_SCOPES["project:admin"])


def cursor_of(payload: object) -> str:
    return base64.b64encode(json.dumps(payload).encode()).decode()


def rename(api: Api, key: str, project_id: str, body: object) -> int:
    """`PUT /projects/{id}` and its status."""
    return api.request("PUT", f"/projects/{project_id}", key, json=body).status_code


# -- POST /projects --------------------------------------------------------------------------


class TestCreateProject:
    def test_post_should_respond_201_with_the_project_role_and_scopes(
        self, api: Api, server: RunningServer
    ) -> None:
        _, key = admin_with_key(server)
        name = new_name()
        response = api.post("/projects", key, json={"name": name})
        assert response.status_code == 201
        body = response.json()
        assert set(body) == PROJECT_FIELDS | {"role", "scopes"}
        assert body["name"] == name
        assert (body["type"], body["icon"], body["description"]) == ("team", None, None)
        assert NANOID.match(body["id"]), body["id"]
        assert ISO_MS.match(body["createdAt"]) and ISO_MS.match(body["updatedAt"])
        assert body["role"] == "project:admin"
        assert body["scopes"] == ADMIN_SCOPES
        assert "project:update" in body["scopes"]

    def test_post_should_make_the_caller_the_projects_admin(
        self, api: Api, server: RunningServer
    ) -> None:
        admin, key = admin_with_key(server)
        project = team_project(api, key)
        assert members_of(server, project["id"]) == {admin.id: "project:admin"}

    def test_post_should_list_the_new_project(self, api: Api, server: RunningServer) -> None:
        _, key = admin_with_key(server)
        project = team_project(api, key)
        listed = all_projects(api, key)[project["id"]]
        assert listed == {name: project[name] for name in PROJECT_FIELDS}

    def test_post_should_accept_a_name_of_255_characters(
        self, api: Api, server: RunningServer
    ) -> None:
        _, key = admin_with_key(server)
        name = "n" * 255
        assert team_project(api, key, name)["name"] == name

    @pytest.mark.parametrize(
        ("body", "message"),
        [
            ({}, "request/body must have required property 'name'"),
            (
                {"name": "x", "icon": None},
                "request/body must NOT have additional properties ('icon')",
            ),
            ({"name": "x", "type": "personal"}, None),
            ({"name": ""}, None),
            ({"name": "n" * 256}, None),
            ({"name": 42}, None),
            ({"name": "tab\tname"}, None),
            (["name"], None),
        ],
        ids=[
            "missing",
            "extra",
            "read-only-type",
            "empty",
            "too-long",
            "number",
            "control",
            "array",
        ],
    )
    def test_post_should_respond_400_on_invalid_body(
        self, api: Api, server: RunningServer, body: object, message: str | None
    ) -> None:
        _, key = admin_with_key(server)
        response = api.post("/projects", key, json=body)
        assert response.status_code == 400
        assert set(response.json()) == {"message"}
        if message is not None:
            assert response.json()["message"] == message


# -- GET /projects ---------------------------------------------------------------------------


class TestListProjects:
    def test_get_should_respond_200_with_data_and_next_cursor(
        self, api: Api, server: RunningServer
    ) -> None:
        _, key = admin_with_key(server)
        response = api.get("/projects", key)
        assert response.status_code == 200
        body = response.json()
        assert set(body) == {"data", "nextCursor"}
        assert body["nextCursor"] is None or isinstance(body["nextCursor"], str)

    def test_get_should_list_personal_and_team_projects_in_n8n_shape(
        self, api: Api, server: RunningServer
    ) -> None:
        admin, key = admin_with_key(server)
        team = team_project(api, key)
        personal_id = personal_project_id(server, admin.id)
        projects = all_projects(api, key)
        assert projects[team["id"]]["type"] == "team"
        personal = projects[personal_id]
        assert personal["type"] == "personal"
        assert personal["name"] == f"Test admin <{admin.email}>"
        for project in projects.values():
            assert set(project) == PROJECT_FIELDS
            assert project["type"] in ("personal", "team")
            assert ISO_MS.match(project["createdAt"]) and ISO_MS.match(project["updatedAt"])

    def test_get_should_list_projects_the_caller_is_not_a_member_of(
        self, api: Api, server: RunningServer
    ) -> None:
        _, key = admin_with_key(server)
        _, other_key = admin_with_key(server)
        foreign = team_project(api, other_key)
        assert foreign["id"] in all_projects(api, key)

    def test_get_should_visit_every_project_once_with_limit_1(
        self, api: Api, server: RunningServer
    ) -> None:
        _, key = admin_with_key(server)
        created = {team_project(api, key)["id"] for _ in range(3)}
        whole = [project["id"] for page in walk_projects(api, key) for project in page]
        pages = walk_projects(api, key, limit=1)
        paged = [project["id"] for page in pages for project in page]
        assert paged == whole
        assert len(set(paged)) == len(paged)
        assert created <= set(paged)
        assert all(len(page) == 1 for page in pages)

    def test_get_should_page_in_creation_order(self, api: Api, server: RunningServer) -> None:
        _, key = admin_with_key(server)
        team_project(api, key)
        listed = [project for page in walk_projects(api, key) for project in page]
        stamps = [project["createdAt"] for project in listed]
        assert stamps == sorted(stamps)

    def test_get_should_keep_the_cursors_page_size(self, api: Api, server: RunningServer) -> None:
        _, key = admin_with_key(server)
        for _ in range(4):
            team_project(api, key)
        first = api.get("/projects", key, params={"limit": 2}).json()
        assert len(first["data"]) == 2
        second = api.get("/projects", key, params={"cursor": first["nextCursor"], "limit": 50})
        assert second.status_code == 200
        assert len(second.json()["data"]) == 2
        assert not {p["id"] for p in first["data"]} & {p["id"] for p in second.json()["data"]}

    @pytest.mark.parametrize(
        "cursor",
        [
            "not a cursor!",
            base64.b64encode(b"not json").decode(),
            cursor_of([1, 2]),
            cursor_of({"limit": 10, "offset": 0}),
            cursor_of({"limit": 10, "after": ["yesterday", "abc"]}),
            cursor_of({"limit": 0, "after": ["2024-01-01T00:00:00+00:00", "abc"]}),
        ],
        ids=["garbage", "not-json", "array", "offset-cursor", "bad-date", "zero-limit"],
    )
    def test_get_should_respond_400_on_invalid_cursor(
        self, api: Api, server: RunningServer, cursor: str
    ) -> None:
        _, key = admin_with_key(server)
        response = api.get("/projects", key, params={"cursor": cursor})
        assert response.status_code == 400
        assert response.json() == INVALID_CURSOR

    @pytest.mark.parametrize(
        ("limit", "message"),
        [(251, "request/query/limit must be <= 250"), (0, "request/query/limit must be >= 1")],
    )
    def test_get_should_respond_400_on_limit_out_of_range(
        self, api: Api, server: RunningServer, limit: int, message: str
    ) -> None:
        _, key = admin_with_key(server)
        response = api.get("/projects", key, params={"limit": limit})
        assert response.status_code == 400
        assert response.json() == {"message": message}


# -- PUT /projects/{projectId} ---------------------------------------------------------------


class TestUpdateProject:
    def test_put_should_respond_204_and_rename_the_project(
        self, api: Api, server: RunningServer
    ) -> None:
        _, key = admin_with_key(server)
        project = team_project(api, key)
        name = new_name("renamed")
        response = api.request("PUT", f"/projects/{project['id']}", key, json={"name": name})
        assert response.status_code == 204
        assert response.content == b""
        assert stored_project(server, project["id"]) == {"name": name, "type": "team"}
        listed = all_projects(api, key)[project["id"]]
        assert listed["name"] == name
        assert listed["updatedAt"] >= project["updatedAt"]

    def test_put_should_respond_404_for_unknown_project(
        self, api: Api, server: RunningServer
    ) -> None:
        _, key = admin_with_key(server)
        response = api.request("PUT", "/projects/123456", key, json={"name": "whatever"})
        assert response.status_code == 404
        assert response.json() == not_found("123456")

    def test_put_should_respond_400_for_a_personal_project(
        self, api: Api, server: RunningServer
    ) -> None:
        admin, key = admin_with_key(server)
        personal = personal_project_id(server, admin.id)
        before = stored_project(server, personal)
        assert rename(api, key, personal, {"name": "hijacked"}) == 400
        assert stored_project(server, personal) == before

    @pytest.mark.parametrize(
        "body",
        [{}, {"name": ""}, {"name": "n" * 256}, {"name": "x", "description": "d"}],
        ids=["missing", "empty", "too-long", "extra"],
    )
    def test_put_should_respond_400_on_invalid_body(
        self, api: Api, server: RunningServer, body: object
    ) -> None:
        _, key = admin_with_key(server)
        project = team_project(api, key)
        assert rename(api, key, project["id"], body) == 400
        assert stored_project(server, project["id"]) == {"name": project["name"], "type": "team"}


# -- DELETE /projects/{projectId} ------------------------------------------------------------


class TestDeleteProject:
    def test_delete_should_respond_204_and_remove_the_project(
        self, api: Api, server: RunningServer
    ) -> None:
        _, key = admin_with_key(server)
        project = team_project(api, key)
        response = api.delete(f"/projects/{project['id']}", key)
        assert response.status_code == 204
        assert response.content == b""
        assert stored_project(server, project["id"]) is None
        assert members_of(server, project["id"]) == {}
        assert project["id"] not in all_projects(api, key)

    def test_delete_should_delete_the_workflows_the_project_owns(
        self, api: Api, server: RunningServer
    ) -> None:
        _, key = admin_with_key(server)
        project = team_project(api, key)
        owned = [create_workflow(server, project["id"]) for _ in range(2)]
        assert api.delete(f"/projects/{project['id']}", key).status_code == 204
        assert [sharings_of(server, workflow) for workflow in owned] == [None, None]

    def test_delete_should_keep_workflows_only_shared_with_the_project(
        self, api: Api, server: RunningServer
    ) -> None:
        _, key = admin_with_key(server)
        project, elsewhere = team_project(api, key), team_project(api, key)
        foreign = create_workflow(server, elsewhere["id"])
        share_workflow(server, foreign, project["id"], "workflow:editor")
        assert api.delete(f"/projects/{project['id']}", key).status_code == 204
        assert sharings_of(server, foreign) == {elsewhere["id"]: "workflow:owner"}

    def test_delete_should_move_owned_workflows_to_transfer_id(
        self, api: Api, server: RunningServer
    ) -> None:
        _, key = admin_with_key(server)
        project, target = team_project(api, key), team_project(api, key)
        owned = [create_workflow(server, project["id"]) for _ in range(2)]
        response = api.delete(
            f"/projects/{project['id']}", key, params={"transferId": target["id"]}
        )
        assert response.status_code == 204
        assert stored_project(server, project["id"]) is None
        for workflow in owned:
            assert sharings_of(server, workflow) == {target["id"]: "workflow:owner"}

    def test_delete_should_make_the_transfer_target_owner_of_workflows_it_already_shared(
        self, api: Api, server: RunningServer
    ) -> None:
        _, key = admin_with_key(server)
        project, target = team_project(api, key), team_project(api, key)
        workflow = create_workflow(server, project["id"])
        share_workflow(server, workflow, target["id"], "workflow:editor")
        response = api.delete(
            f"/projects/{project['id']}", key, params={"transferId": target["id"]}
        )
        assert response.status_code == 204
        assert sharings_of(server, workflow) == {target["id"]: "workflow:owner"}

    def test_delete_should_transfer_into_a_personal_project(
        self, api: Api, server: RunningServer
    ) -> None:
        admin, key = admin_with_key(server)
        project = team_project(api, key)
        workflow = create_workflow(server, project["id"])
        personal = personal_project_id(server, admin.id)
        response = api.delete(f"/projects/{project['id']}", key, params={"transferId": personal})
        assert response.status_code == 204
        assert sharings_of(server, workflow) == {personal: "workflow:owner"}

    def test_delete_should_respond_400_when_transferring_into_the_same_project(
        self, api: Api, server: RunningServer
    ) -> None:
        _, key = admin_with_key(server)
        project = team_project(api, key)
        workflow = create_workflow(server, project["id"])
        response = api.delete(
            f"/projects/{project['id']}", key, params={"transferId": project["id"]}
        )
        assert response.status_code == 400
        assert set(response.json()) == {"message"}
        assert stored_project(server, project["id"]) is not None
        assert sharings_of(server, workflow) == {project["id"]: "workflow:owner"}

    def test_delete_should_respond_404_for_unknown_transfer_project(
        self, api: Api, server: RunningServer
    ) -> None:
        _, key = admin_with_key(server)
        project = team_project(api, key)
        workflow = create_workflow(server, project["id"])
        response = api.delete(f"/projects/{project['id']}", key, params={"transferId": "123456"})
        assert response.status_code == 404
        assert response.json() == not_found("123456")
        assert stored_project(server, project["id"]) is not None
        assert sharings_of(server, workflow) == {project["id"]: "workflow:owner"}

    def test_delete_should_respond_404_for_unknown_project(
        self, api: Api, server: RunningServer
    ) -> None:
        _, key = admin_with_key(server)
        response = api.delete("/projects/123456", key)
        assert response.status_code == 404
        assert response.json() == not_found("123456")

    def test_delete_should_respond_400_for_a_personal_project(
        self, api: Api, server: RunningServer
    ) -> None:
        admin, key = admin_with_key(server)
        personal = personal_project_id(server, admin.id)
        workflow = create_workflow(server, personal)
        response = api.delete(f"/projects/{personal}", key)
        assert response.status_code == 400
        assert set(response.json()) == {"message"}
        assert stored_project(server, personal) is not None
        assert sharings_of(server, workflow) == {personal: "workflow:owner"}


# -- DELETE /users/{id}: the personal project goes with its user -----------------------------


class TestDeleteUserPersonalProject:
    def test_delete_user_should_remove_its_personal_project_and_workflows(
        self, api: Api, server: RunningServer
    ) -> None:
        _, key = admin_with_key(server)
        victim = server.create_user()
        personal = personal_project_id(server, victim.id)
        workflow = create_workflow(server, personal)
        assert personal in all_projects(api, key)
        assert api.delete(f"/users/{victim.id}", key).status_code == 204
        assert personal not in all_projects(api, key)
        assert sharings_of(server, workflow) is None

    def test_delete_user_should_leave_its_team_projects(
        self, api: Api, server: RunningServer
    ) -> None:
        admin, key = admin_with_key(server)
        victim = server.create_user()
        project = team_project(api, key)
        added = api.post(
            f"/projects/{project['id']}/users",
            key,
            json={"relations": [{"userId": victim.id, "role": "project:editor"}]},
        )
        assert added.status_code == 201
        assert api.delete(f"/users/{victim.id}", key).status_code == 204
        assert members_of(server, project["id"]) == {admin.id: "project:admin"}
        assert project["id"] in all_projects(api, key)

    def test_delete_user_should_move_workflows_to_transfer_id(
        self, api: Api, server: RunningServer
    ) -> None:
        _, key = admin_with_key(server)
        victim = server.create_user()
        personal = personal_project_id(server, victim.id)
        workflow = create_workflow(server, personal)
        target = team_project(api, key)
        response = api.delete(f"/users/{victim.id}", key, params={"transferId": target["id"]})
        assert response.status_code == 204
        assert personal not in all_projects(api, key)
        assert sharings_of(server, workflow) == {target["id"]: "workflow:owner"}

    def test_delete_user_should_respond_404_for_unknown_transfer_project(
        self, api: Api, server: RunningServer
    ) -> None:
        _, key = admin_with_key(server)
        victim = server.create_user()
        personal = personal_project_id(server, victim.id)
        response = api.delete(f"/users/{victim.id}", key, params={"transferId": "123456"})
        assert response.status_code == 404
        assert response.json() == not_found("123456")
        assert api.get(f"/users/{victim.id}", key).status_code == 200
        assert personal in all_projects(api, key)

    def test_delete_user_should_respond_400_when_transferring_into_its_own_project(
        self, api: Api, server: RunningServer
    ) -> None:
        _, key = admin_with_key(server)
        victim = server.create_user()
        personal = personal_project_id(server, victim.id)
        response = api.delete(f"/users/{victim.id}", key, params={"transferId": personal})
        assert response.status_code == 400
        assert api.get(f"/users/{victim.id}", key).status_code == 200


# -- who may call the projects API -----------------------------------------------------------


@dataclass(frozen=True)
class Call:
    """One request against a projects endpoint, prepared on fresh data."""

    method: str
    path: str
    body: object = None


@dataclass(frozen=True)
class Endpoint:
    """A projects endpoint: its scope, its success status, and how to call it."""

    scope: str
    status: int
    prepare: Callable[[Api, RunningServer, str], Call]


def _create(_api: Api, _server: RunningServer, _key: str) -> Call:
    return Call("POST", "/projects", {"name": new_name()})


def _list(_api: Api, _server: RunningServer, _key: str) -> Call:
    return Call("GET", "/projects")


def _update(api: Api, _server: RunningServer, key: str) -> Call:
    return Call("PUT", f"/projects/{team_project(api, key)['id']}", {"name": new_name()})


def _delete(api: Api, _server: RunningServer, key: str) -> Call:
    return Call("DELETE", f"/projects/{team_project(api, key)['id']}")


def _add_users(api: Api, server: RunningServer, key: str) -> Call:
    relations = [{"userId": server.create_user().id, "role": "project:viewer"}]
    return Call("POST", f"/projects/{team_project(api, key)['id']}/users", {"relations": relations})


def _member_path(api: Api, server: RunningServer, key: str) -> str:
    user = server.create_user()
    project = team_project(api, key)["id"]
    relations = [{"userId": user.id, "role": "project:viewer"}]
    added = api.post(f"/projects/{project}/users", key, json={"relations": relations})
    assert added.status_code == 201, added.text
    return f"/projects/{project}/users/{user.id}"


def _change_role(api: Api, server: RunningServer, key: str) -> Call:
    return Call("PATCH", _member_path(api, server, key), {"role": "project:editor"})


def _remove_user(api: Api, server: RunningServer, key: str) -> Call:
    return Call("DELETE", _member_path(api, server, key))


ENDPOINTS = {
    "create": Endpoint("project:create", 201, _create),
    "list": Endpoint("project:list", 200, _list),
    "update": Endpoint("project:update", 204, _update),
    "delete": Endpoint("project:delete", 204, _delete),
    "add-users": Endpoint("project:update", 201, _add_users),
    "change-role": Endpoint("project:update", 204, _change_role),
    "remove-user": Endpoint("project:update", 204, _remove_user),
}


@pytest.fixture(scope="module")
def setup_key(server: RunningServer) -> str:
    """An admin key with every scope, to prepare data for the access tests."""
    return admin_with_key(server)[1]


class TestProjectsAccess:
    @pytest.mark.parametrize("endpoint", ENDPOINTS.values(), ids=ENDPOINTS.keys())
    def test_request_should_respond_401_without_key(
        self, api: Api, server: RunningServer, setup_key: str, endpoint: Endpoint
    ) -> None:
        call = endpoint.prepare(api, server, setup_key)
        response = api.request(call.method, call.path, None, json=call.body)
        assert response.status_code == 401
        assert response.json() == HEADER_REQUIRED

    @pytest.mark.parametrize("endpoint", ENDPOINTS.values(), ids=ENDPOINTS.keys())
    def test_request_should_respond_401_with_unknown_key(
        self, api: Api, server: RunningServer, setup_key: str, endpoint: Endpoint
    ) -> None:
        call = endpoint.prepare(api, server, setup_key)
        response = api.request(call.method, call.path, "n8n_api_" + "A" * 46, json=call.body)
        assert response.status_code == 401
        assert response.json() == UNAUTHORIZED

    @pytest.mark.parametrize("endpoint", ENDPOINTS.values(), ids=ENDPOINTS.keys())
    def test_request_should_respond_403_to_a_member(
        self,
        api: Api,
        server: RunningServer,
        setup_key: str,
        licence_state: str,
        endpoint: Endpoint,
    ) -> None:
        call = endpoint.prepare(api, server, setup_key)
        response = api.request(call.method, call.path, member_key(server), json=call.body)
        assert response.status_code == 403, licence_state
        assert response.json() == FORBIDDEN

    def test_member_should_not_change_a_project(
        self, api: Api, server: RunningServer, setup_key: str, licence_state: str
    ) -> None:
        call = _change_role(api, server, setup_key)
        project_id = call.path.split("/")[2]
        before = members_of(server, project_id)
        key = member_key(server)
        assert rename(api, key, project_id, {"name": "taken over"}) == 403, licence_state
        assert api.patch(call.path, key, json=call.body).status_code == 403
        assert api.delete(call.path, key).status_code == 403
        assert api.delete(f"/projects/{project_id}", key).status_code == 403
        assert members_of(server, project_id) == before
        assert stored_project(server, project_id) is not None

    @pytest.mark.parametrize("endpoint", ENDPOINTS.values(), ids=ENDPOINTS.keys())
    def test_licensed_key_should_need_the_matching_scope(
        self,
        api: Api,
        server: RunningServer,
        setup_key: str,
        licensed: RunningServer,
        endpoint: Endpoint,
    ) -> None:
        admin = server.create_user("global:admin")
        everything_else = [name for name in ROLE_SCOPES["global:admin"] if name != endpoint.scope]
        holder = server.create_key(admin, [endpoint.scope], label="holder")
        other = server.create_key(admin, everything_else, label="other")
        call = endpoint.prepare(api, server, setup_key)
        refused = api.request(call.method, call.path, other, json=call.body)
        assert refused.status_code == 403
        assert refused.json() == FORBIDDEN
        assert refused.headers["X-Required-Scopes"] == endpoint.scope
        allowed = api.request(call.method, call.path, holder, json=call.body)
        assert allowed.status_code == endpoint.status, allowed.text

    def test_unlicensed_admin_key_should_use_every_scope_of_its_role(
        self, api: Api, server: RunningServer, unlicensed: RunningServer
    ) -> None:
        admin = server.create_user("global:admin")
        key = server.create_key(admin, ["tag:read"])
        assert api.get("/projects", key, params={"limit": 1}).status_code == 200
        project = team_project(api, key)
        assert rename(api, key, project["id"], {"name": new_name()}) == 204
        assert api.delete(f"/projects/{project['id']}", key).status_code == 204

    def test_unknown_query_parameter_should_respond_400(
        self, api: Api, server: RunningServer, setup_key: str
    ) -> None:
        response = api.get("/projects", setup_key, params={"projectId": str(uuid.uuid4())})
        assert response.status_code == 400
        assert response.json() == {"message": "Unknown query parameter 'projectId'"}
