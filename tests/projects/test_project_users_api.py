"""`/api/v1/projects/{projectId}/users` and `GET /users?projectId=`: who is in a team project."""

from __future__ import annotations

import uuid

import pytest

from relayflow.db.models import User
from tests.projects import (
    INVALID_ROLE,
    admin_with_key,
    members_of,
    not_found,
    personal_project_id,
    team_project,
)
from tests.support.client import Api
from tests.support.server import RunningServer

TEAM_ROLES = ["project:admin", "project:editor", "project:viewer"]


class Team:
    """A team project created by a fresh admin, whose key the test uses."""

    def __init__(self, api: Api, server: RunningServer) -> None:
        self.api, self.server = api, server
        self.admin, self.key = admin_with_key(server)
        self.id: str = team_project(api, self.key)["id"]

    def add(self, *relations: tuple[User, str]) -> None:
        """Add members through the API, asserting 201."""
        response = self.api.post(f"/projects/{self.id}/users", self.key, json=body(*relations))
        assert response.status_code == 201, response.text

    def members(self) -> dict[str, str]:
        return members_of(self.server, self.id)


def body(*relations: tuple[User, str]) -> dict[str, object]:
    return {"relations": [{"userId": user.id, "role": role} for user, role in relations]}


@pytest.fixture
def team(api: Api, server: RunningServer) -> Team:
    return Team(api, server)


# -- POST /projects/{projectId}/users --------------------------------------------------------


class TestAddUsersToProject:
    def test_post_should_respond_201_and_add_the_members(
        self, api: Api, server: RunningServer, team: Team
    ) -> None:
        viewer, editor = server.create_user(), server.create_user()
        response = api.post(
            f"/projects/{team.id}/users",
            team.key,
            json=body((viewer, "project:viewer"), (editor, "project:editor")),
        )
        assert response.status_code == 201
        assert response.content == b""
        assert team.members() == {
            team.admin.id: "project:admin",
            viewer.id: "project:viewer",
            editor.id: "project:editor",
        }

    @pytest.mark.parametrize("role", TEAM_ROLES)
    def test_post_should_assign_every_team_role(
        self, server: RunningServer, team: Team, role: str
    ) -> None:
        user = server.create_user()
        team.add((user, role))
        assert team.members()[user.id] == role

    def test_post_should_update_the_role_of_an_existing_member(
        self, server: RunningServer, team: Team
    ) -> None:
        user = server.create_user()
        team.add((user, "project:viewer"))
        team.add((user, "project:admin"))
        assert team.members() == {team.admin.id: "project:admin", user.id: "project:admin"}

    @pytest.mark.parametrize("role", ["project:boss", "project:personalOwner", "global:admin", ""])
    def test_post_should_respond_400_on_invalid_role(
        self, api: Api, server: RunningServer, team: Team, role: str
    ) -> None:
        user = server.create_user()
        response = api.post(f"/projects/{team.id}/users", team.key, json=body((user, role)))
        assert response.status_code == 400
        assert response.json() == {"message": INVALID_ROLE.format(role)}
        assert team.members() == {team.admin.id: "project:admin"}

    def test_post_should_respond_400_on_invalid_role_before_looking_for_the_project(
        self, api: Api, server: RunningServer, team: Team
    ) -> None:
        user = server.create_user()
        response = api.post("/projects/123456/users", team.key, json=body((user, "project:boss")))
        assert response.status_code == 400
        assert response.json() == {"message": INVALID_ROLE.format("project:boss")}

    def test_post_should_respond_404_for_unknown_project(
        self, api: Api, server: RunningServer, team: Team
    ) -> None:
        user = server.create_user()
        relations = body((user, "project:viewer"))
        response = api.post("/projects/123456/users", team.key, json=relations)
        assert response.status_code == 404
        assert response.json() == not_found("123456")

    def test_post_should_respond_404_for_unknown_user_and_add_nobody(
        self, api: Api, server: RunningServer, team: Team
    ) -> None:
        known = server.create_user()
        unknown = str(uuid.uuid4())
        relations = {
            "relations": [
                {"userId": known.id, "role": "project:viewer"},
                {"userId": unknown, "role": "project:viewer"},
            ]
        }
        response = api.post(f"/projects/{team.id}/users", team.key, json=relations)
        assert response.status_code == 404
        assert response.json() == {"message": f"Could not find user with id: {unknown}"}
        assert team.members() == {team.admin.id: "project:admin"}

    def test_post_should_respond_400_for_a_personal_project(
        self, api: Api, server: RunningServer
    ) -> None:
        admin, key = admin_with_key(server)
        personal = personal_project_id(server, admin.id)
        user = server.create_user()
        response = api.post(f"/projects/{personal}/users", key, json=body((user, "project:editor")))
        assert response.status_code == 400
        assert set(response.json()) == {"message"}
        assert members_of(server, personal) == {admin.id: "project:personalOwner"}

    @pytest.mark.parametrize(
        "payload",
        [
            {},
            {"relations": []},
            {"relations": [{"role": "project:viewer"}]},
            {"relations": [{"userId": "x"}]},
            {"relations": [{"userId": "x", "role": "project:viewer", "extra": 1}]},
            {"relations": [], "extra": 1},
            {"relations": [{"userId": "x", "role": 7}]},
        ],
        ids=["missing", "empty", "no-user", "no-role", "extra-item-field", "extra", "role-number"],
    )
    def test_post_should_respond_400_on_invalid_body(
        self, api: Api, team: Team, payload: object
    ) -> None:
        response = api.post(f"/projects/{team.id}/users", team.key, json=payload)
        assert response.status_code == 400
        assert set(response.json()) == {"message"}
        assert team.members() == {team.admin.id: "project:admin"}


# -- PATCH /projects/{projectId}/users/{userId} ----------------------------------------------


class TestChangeUserRoleInProject:
    def test_patch_should_respond_204_and_change_the_role(
        self, api: Api, server: RunningServer, team: Team
    ) -> None:
        user = server.create_user()
        team.add((user, "project:viewer"))
        response = api.patch(
            f"/projects/{team.id}/users/{user.id}", team.key, json={"role": "project:editor"}
        )
        assert response.status_code == 204
        assert response.content == b""
        assert team.members()[user.id] == "project:editor"

    @pytest.mark.parametrize("role", ["project:boss", "project:personalOwner"])
    def test_patch_should_respond_400_on_invalid_role(
        self, api: Api, server: RunningServer, team: Team, role: str
    ) -> None:
        user = server.create_user()
        team.add((user, "project:viewer"))
        response = api.patch(f"/projects/{team.id}/users/{user.id}", team.key, json={"role": role})
        assert response.status_code == 400
        assert response.json() == {"message": INVALID_ROLE.format(role)}
        assert team.members()[user.id] == "project:viewer"

    @pytest.mark.parametrize("payload", [{}, {"role": "project:editor", "extra": 1}])
    def test_patch_should_respond_400_on_invalid_body(
        self, api: Api, server: RunningServer, team: Team, payload: object
    ) -> None:
        user = server.create_user()
        team.add((user, "project:viewer"))
        response = api.patch(f"/projects/{team.id}/users/{user.id}", team.key, json=payload)
        assert response.status_code == 400
        assert team.members()[user.id] == "project:viewer"

    def test_patch_should_respond_404_for_unknown_project(
        self, api: Api, server: RunningServer, team: Team
    ) -> None:
        user = server.create_user()
        response = api.patch(
            f"/projects/123456/users/{user.id}", team.key, json={"role": "project:editor"}
        )
        assert response.status_code == 404
        assert response.json() == not_found("123456")

    def test_patch_should_respond_404_for_a_user_not_in_the_project(
        self, api: Api, server: RunningServer, team: Team
    ) -> None:
        outsider = server.create_user()
        response = api.patch(
            f"/projects/{team.id}/users/{outsider.id}", team.key, json={"role": "project:editor"}
        )
        assert response.status_code == 404
        assert response.json() == not_found(team.id)
        assert outsider.id not in team.members()

    def test_patch_should_respond_400_for_a_personal_project(
        self, api: Api, server: RunningServer
    ) -> None:
        admin, key = admin_with_key(server)
        personal = personal_project_id(server, admin.id)
        response = api.patch(
            f"/projects/{personal}/users/{admin.id}", key, json={"role": "project:viewer"}
        )
        assert response.status_code == 400
        assert members_of(server, personal) == {admin.id: "project:personalOwner"}


# -- DELETE /projects/{projectId}/users/{userId} ---------------------------------------------


class TestDeleteUserFromProject:
    def test_delete_should_respond_204_and_remove_the_member(
        self, api: Api, server: RunningServer, team: Team
    ) -> None:
        user = server.create_user()
        team.add((user, "project:editor"))
        response = api.delete(f"/projects/{team.id}/users/{user.id}", team.key)
        assert response.status_code == 204
        assert response.content == b""
        assert team.members() == {team.admin.id: "project:admin"}
        assert api.get(f"/users/{user.id}", team.key).status_code == 200

    def test_delete_should_respond_204_for_a_user_not_in_the_project(
        self, api: Api, server: RunningServer, team: Team
    ) -> None:
        outsider = server.create_user()
        response = api.delete(f"/projects/{team.id}/users/{outsider.id}", team.key)
        assert response.status_code == 204
        assert team.members() == {team.admin.id: "project:admin"}

    def test_delete_should_respond_404_for_unknown_project(
        self, api: Api, server: RunningServer, team: Team
    ) -> None:
        user = server.create_user()
        response = api.delete(f"/projects/123456/users/{user.id}", team.key)
        assert response.status_code == 404
        assert response.json() == not_found("123456")

    def test_delete_should_respond_400_for_a_personal_project(
        self, api: Api, server: RunningServer
    ) -> None:
        admin, key = admin_with_key(server)
        personal = personal_project_id(server, admin.id)
        response = api.delete(f"/projects/{personal}/users/{admin.id}", key)
        assert response.status_code == 400
        assert members_of(server, personal) == {admin.id: "project:personalOwner"}


# -- GET /users?projectId= -------------------------------------------------------------------


def user_pages(api: Api, key: str, limit: int, **params: object) -> list[list[str]]:
    """The user ids of every page of `GET /users`, following `nextCursor`."""
    pages: list[list[str]] = []
    query: dict[str, object] = {"limit": limit, **params}
    while True:
        response = api.get("/users", key, params=query)
        assert response.status_code == 200, response.text
        page = response.json()
        pages.append([user["id"] for user in page["data"]])
        if page["nextCursor"] is None:
            return pages
        query = {"cursor": page["nextCursor"], **params}


class TestListUsersOfProject:
    def test_get_should_list_only_the_projects_members(
        self, api: Api, server: RunningServer, team: Team
    ) -> None:
        viewer, editor = server.create_user(), server.create_user()
        server.create_user()  # not a member
        team.add((viewer, "project:viewer"), (editor, "project:editor"))
        pages = user_pages(api, team.key, 250, projectId=team.id)
        assert len(pages) == 1
        assert set(pages[0]) == {team.admin.id, viewer.id, editor.id}

    def test_get_should_page_members_with_a_consistent_total(
        self, api: Api, server: RunningServer, team: Team
    ) -> None:
        team.add((server.create_user(), "project:viewer"), (server.create_user(), "project:admin"))
        pages = user_pages(api, team.key, 1, projectId=team.id)
        assert [len(page) for page in pages] == [1, 1, 1]
        assert {user for page in pages for user in page} == set(team.members())

    def test_get_should_show_member_fields_and_roles(
        self, api: Api, server: RunningServer, team: Team
    ) -> None:
        response = api.get("/users", team.key, params={"projectId": team.id, "includeRole": "true"})
        assert response.status_code == 200
        page = response.json()
        assert page["nextCursor"] is None
        assert [(user["id"], user["role"]) for user in page["data"]] == [
            (team.admin.id, "global:admin")
        ]
        assert page["data"][0]["email"] == team.admin.email

    def test_get_should_list_the_owner_of_a_personal_project(
        self, api: Api, server: RunningServer
    ) -> None:
        admin, key = admin_with_key(server)
        personal = personal_project_id(server, admin.id)
        assert user_pages(api, key, 250, projectId=personal) == [[admin.id]]

    def test_get_should_list_nobody_for_unknown_project(
        self, api: Api, server: RunningServer
    ) -> None:
        _, key = admin_with_key(server)
        response = api.get("/users", key, params={"projectId": "123456"})
        assert response.status_code == 200
        assert response.json() == {"data": [], "nextCursor": None}

    def test_get_should_drop_a_removed_member(
        self, api: Api, server: RunningServer, team: Team
    ) -> None:
        user = server.create_user()
        team.add((user, "project:viewer"))
        assert api.delete(f"/projects/{team.id}/users/{user.id}", team.key).status_code == 204
        assert user_pages(api, team.key, 250, projectId=team.id) == [[team.admin.id]]
