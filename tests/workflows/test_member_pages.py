"""A member's `GET /workflows` pages across several projects.

A member's page is merged from one index range per project it belongs to (personal and
team projects). These tests check that the merge returns every visible workflow once, in
creation order, with every filter, while workflows move between projects mid-walk, and with
more projects than one `UNION ALL` merges. The sharing rows' copy of the workflow's
`created_at`, which those ranges walk, is checked after every kind of write.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from relayflow.core import keyset
from relayflow.db.models import SharedWorkflow, Workflow
from relayflow.instance import Instance
from relayflow.projects import repository as projects_repository
from relayflow.projects.service import ProjectService
from tests.support.client import Api
from tests.support.member_projects import MemberProjects, ids, member_projects, transfer, walk
from tests.support.server import RunningServer
from tests.support.workflows import (
    make_tags,
    make_team_project,
    make_workflow,
    payload,
    personal_project_id,
)

COLOURS = ("blue", "red")


@dataclass
class Made:
    """A workflow of the world, as written."""

    owner: str
    shared: set[str]
    name: str
    active: bool
    tags: set[str]
    id: str = ""


@dataclass
class World(MemberProjects):
    """The member's projects and 30 workflows among them and others' projects."""

    made: list[Made] = field(default_factory=list)

    def visible(self) -> list[Made]:
        """What the member may see, in creation order."""
        return [w for w in self.made if self.reaches(w.owner, w.shared)]


def build(server: RunningServer) -> World:
    world = World(**asdict(member_projects(server)))
    tags = make_tags(server, *(f"{colour}-{world.token}" for colour in COLOURS))
    tag_ids = dict(zip(COLOURS, tags, strict=True))
    owners = [world.personal, world.editor_of, world.viewer_of, world.foreign]
    owners.append(world.others_personal)
    for number in range(30):
        shared = {}
        if number % 7 == 3:  # seen twice when the member's personal project owns it
            shared[world.viewer_of] = "workflow:editor"
        if number % 11 == 4:
            shared[world.editor_of] = "workflow:editor"
        owner = owners[number % len(owners)]
        shared.pop(owner, None)
        made = Made(
            owner=owner,
            shared=set(shared),
            name=f"{world.token}-{'alpha' if number % 3 == 0 else 'beta'}-{number}",
            active=number % 4 == 0,
            tags={
                c for c, on in zip(COLOURS, (number % 2 == 0, number % 5 == 1), strict=True) if on
            },
        )
        made.id = make_workflow(
            server,
            owner,
            name=made.name,
            active=made.active,
            tag_ids=tuple(tag_ids[colour] for colour in sorted(made.tags)),
            shared=shared,
        )
        world.made.append(made)
    return world


@pytest.fixture(scope="module")
def world(server: RunningServer) -> World:
    return build(server)


Keep = Callable[[Made, World], bool]
FILTERS: dict[str, tuple[dict[str, str], Keep]] = {
    "name": ({"name": "alpha"}, lambda w, _: "-alpha-" in w.name),
    "active": ({"active": "true"}, lambda w, _: w.active),
    "inactive": ({"active": "false"}, lambda w, _: not w.active),
    "tag": ({"tags": "blue"}, lambda w, _: "blue" in w.tags),
    "two tags": ({"tags": "blue,red"}, lambda w, _: {"blue", "red"} <= w.tags),
    "own project": ({"projectId": "editor_of"}, lambda w, world: w.owner == world.editor_of),
    "foreign project": ({"projectId": "foreign"}, lambda w, world: w.owner == world.foreign),
    "name and inactive": (
        {"active": "false", "name": "beta"},
        lambda w, _: not w.active and "-beta-" in w.name,
    ),
}


class TestMemberPages:
    @pytest.mark.parametrize("limit", [1, 2, 3, 7, 250])
    def test_get_should_list_every_visible_workflow_once_in_creation_order(
        self, api: Api, world: World, limit: int
    ) -> None:
        expected = [w.id for w in world.visible()]
        assert any(len(({w.owner} | w.shared) & world.mine) > 1 for w in world.made)
        assert ids(walk(api, "/workflows", world.key, limit=limit)) == expected

    def test_get_should_order_a_members_pages_as_an_admins(self, api: Api, world: World) -> None:
        everything = ids(walk(api, "/workflows", world.admin_key, limit=250, name=world.token))
        mine = {w.id for w in world.visible()}
        assert ids(walk(api, "/workflows", world.key, limit=4)) == [
            i for i in everything if i in mine
        ]

    @pytest.mark.parametrize("case", list(FILTERS), ids=list(FILTERS))
    def test_get_should_apply_each_filter_across_the_members_projects(
        self, api: Api, world: World, case: str
    ) -> None:
        params, keep = FILTERS[case]
        query = dict(params)
        if "projectId" in query:
            query["projectId"] = getattr(world, query["projectId"])
        if "tags" in query:
            query["tags"] = ",".join(f"{c}-{world.token}" for c in query["tags"].split(","))
        expected = [w.id for w in world.visible() if keep(w, world)]
        assert expected, "the filter should keep some workflows"
        assert ids(walk(api, "/workflows", world.key, limit=2, **query)) == expected

    def test_get_should_leave_out_pinned_data_on_every_page(self, api: Api, world: World) -> None:
        items = walk(api, "/workflows", world.key, limit=3, excludePinnedData="true")
        assert ids(items) == [w.id for w in world.visible()]
        assert all("pinData" not in item for item in items)

    def test_get_should_keep_a_walk_exact_while_workflows_change_projects(
        self, api: Api, server: RunningServer
    ) -> None:
        world = build(server)
        first = api.get("/workflows", world.key, params={"limit": 3}).json()
        assert (
            ids(first["data"])
            == [w.id for w in world.visible()[:3]]
            == [w.id for w in world.made[:3]]
        )
        later = world.made[3:]

        def unseen(owner: str, shared: bool = False) -> Made:
            return next(w for w in later if w.owner == owner and bool(w.shared) == shared)

        moves = [
            (unseen(world.editor_of), world.viewer_of),  # stays in reach: listed once
            (unseen(world.viewer_of), world.personal),
            (unseen(world.foreign, shared=True), world.editor_of),  # was in reach twice
            (unseen(world.personal), world.foreign),  # leaves reach: not listed
            (unseen(world.foreign), world.personal),  # comes in reach: listed
            (world.made[0], world.editor_of),  # already listed: not again
        ]
        assert len({workflow.id for workflow, _ in moves}) == len(moves)
        for workflow, destination in moves:
            transfer(api, f"/workflows/{workflow.id}", world.admin_key, destination)
            workflow.owner, workflow.shared = destination, set()

        rest = walk(api, "/workflows", world.key, cursor=first["nextCursor"])
        assert ids(rest) == [w.id for w in world.visible() if w in later]

    def test_get_should_merge_more_projects_than_one_union_holds(
        self, api: Api, server: RunningServer, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(keyset, "FAN_IN", 2)
        # Statements are cached by shape; this one must be built with the small fan-in.
        monkeypatch.setattr(projects_repository, "_cached_keys", projects_repository._keys)
        member = server.create_user("global:member")
        key = server.create_key(member)
        projects = [personal_project_id(server, member.id)]
        projects += [make_team_project(server, {member.id: "project:viewer"}) for _ in range(4)]
        stranger = make_team_project(server, {})
        made = []
        for number in range(15):
            owner = projects[number % 5] if number % 4 else stranger
            # shared into projects that fall into different groups of the merge
            shared = {projects[(number + 2) % 5]: "workflow:editor"} if number % 3 == 0 else {}
            made.append(make_workflow(server, owner, shared=shared))
        expected = [
            workflow_id for number, workflow_id in enumerate(made) if number % 4 or number % 3 == 0
        ]
        for limit in (1, 2, 5, 250):
            assert ids(walk(api, "/workflows", key, limit=limit)) == expected


def test_sharing_rows_should_keep_the_workflows_creation_time(
    api: Api, server: RunningServer, world: World
) -> None:
    member = server.create_user("global:member")
    key = server.create_key(member)
    team = make_team_project(server, {member.id: "project:admin"})
    created = [api.post("/workflows", key, json=payload()).json()["id"] for _ in range(3)]
    transfer(api, f"/workflows/{created[0]}", key, team)
    personal = personal_project_id(server, member.id)

    async def delete_team(_instance: Instance, session: AsyncSession) -> None:
        await ProjectService(session).delete(team, personal)

    server.work(delete_team)

    async def copies(_instance: Instance, session: AsyncSession) -> list[tuple[datetime, datetime]]:
        query = select(SharedWorkflow.workflow_created_at, Workflow.created_at).join(
            Workflow, Workflow.id == SharedWorkflow.workflow_id
        )
        return [tuple(row) for row in (await session.execute(query)).all()]

    rows = server.work(copies)
    assert len(rows) >= len(world.made) + len(created)
    assert all(copy == original for copy, original in rows)
