"""A member in several projects among other users' projects, and walks through its lists."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from tests.support.client import Api
from tests.support.server import RunningServer
from tests.support.workflows import make_team_project, personal_project_id


@dataclass
class MemberProjects:
    """A member's personal project and two team projects, and two projects it is not in."""

    key: str
    admin_key: str
    token: str
    """A random word for names, so that filters find only this world's resources."""
    personal: str
    editor_of: str
    viewer_of: str
    foreign: str
    """A team project of another member's."""
    others_personal: str

    @property
    def mine(self) -> set[str]:
        return {self.personal, self.editor_of, self.viewer_of}

    def reaches(self, owner: str, shared: set[str]) -> bool:
        """Whether the member reaches a resource owned by `owner` and shared with `shared`."""
        return bool(({owner} | shared) & self.mine)


def member_projects(server: RunningServer) -> MemberProjects:
    """A fresh member (with a key) in its projects, another member, and an admin's key."""
    member = server.create_user("global:member")
    other = server.create_user("global:member")
    return MemberProjects(
        key=server.create_key(member),
        admin_key=server.create_key(server.create_user("global:admin")),
        token=uuid.uuid4().hex[:6],
        personal=personal_project_id(server, member.id),
        editor_of=make_team_project(
            server, {member.id: "project:editor", other.id: "project:admin"}
        ),
        viewer_of=make_team_project(server, {member.id: "project:viewer"}),
        foreign=make_team_project(server, {other.id: "project:admin"}),
        others_personal=personal_project_id(server, other.id),
    )


def walk(api: Api, path: str, key: str, **params: Any) -> list[dict[str, Any]]:
    """Every item of a walk through `path`, sending the filters again with every cursor."""
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        query = dict(params) if cursor is None else {**params, "cursor": cursor}
        response = api.get(path, key, params=query)
        assert response.status_code == 200, response.text
        body = response.json()
        assert len(body["data"]) <= params.get("limit", 100)
        items += body["data"]
        cursor = body["nextCursor"]
        if cursor is None:
            return items


def ids(items: list[dict[str, Any]]) -> list[str]:
    """The ids of listed items, in order."""
    return [item["id"] for item in items]


def transfer(api: Api, path: str, key: str, destination: str) -> None:
    """`PUT {path}/transfer` to `destination`, which must answer 204."""
    response = api.request(
        "PUT", f"{path}/transfer", key, json={"destinationProjectId": destination}
    )
    assert response.status_code == 204, response.text
