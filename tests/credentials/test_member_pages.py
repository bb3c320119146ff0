"""A member's `GET /credentials` pages across several projects.

As for workflows, a member's page is merged from one index range per project; every
credential it may read comes back once, in creation order, with every filter and while
credentials move between projects mid-walk.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from relayflow.core.clock import utcnow
from relayflow.db.models import Credential, SharedCredential
from relayflow.instance import Instance
from tests.support.client import Api
from tests.support.member_projects import MemberProjects, ids, member_projects, transfer, walk
from tests.support.server import RunningServer

TYPES = ("httpHeaderAuth", "httpBasicAuth")


@dataclass
class Made:
    """A credential of the world, as written."""

    owner: str
    shared: set[str]
    name: str
    type: str
    id: str = ""


@dataclass
class World(MemberProjects):
    """The member's projects and 20 credentials among them and others' projects."""

    made: list[Made] = field(default_factory=list)

    def visible(self) -> list[Made]:
        """What the member may see, in creation order."""
        return [c for c in self.made if self.reaches(c.owner, c.shared)]


def make_credential(server: RunningServer, made: Made) -> str:
    """The credential written directly (listing never decrypts, so its data is a stand-in)."""

    async def task(_instance: Instance, session: AsyncSession) -> str:
        now = utcnow()
        credential = Credential(
            name=made.name,
            type=made.type,
            data="-",
            is_managed=False,
            created_at=now,
            updated_at=now,
        )
        session.add(credential)
        await session.flush()
        roles = {made.owner: "credential:owner"} | dict.fromkeys(made.shared, "credential:user")
        session.add_all(
            SharedCredential(
                credential_id=credential.id,
                project_id=project,
                role=role,
                credential_created_at=credential.created_at,
                created_at=now,
                updated_at=now,
            )
            for project, role in roles.items()
        )
        return credential.id

    return server.work(task)


def build(server: RunningServer) -> World:
    world = World(**asdict(member_projects(server)))
    owners = [world.personal, world.editor_of, world.viewer_of, world.foreign]
    for number in range(20):
        owner = owners[number % len(owners)]
        made = Made(
            owner=owner,
            shared={world.viewer_of} - {owner} if number % 5 == 1 else set(),
            name=f"{world.token}-{'alpha' if number % 3 == 0 else 'beta'}-{number}",
            type=TYPES[number % 2],
        )
        made.id = make_credential(server, made)
        world.made.append(made)
    return world


@pytest.fixture(scope="module")
def world(server: RunningServer) -> World:
    return build(server)


class TestMemberCredentialPages:
    @pytest.mark.parametrize("limit", [1, 2, 5, 250])
    def test_get_should_list_every_visible_credential_once_in_creation_order(
        self, api: Api, world: World, limit: int
    ) -> None:
        assert any(len(({c.owner} | c.shared) & world.mine) > 1 for c in world.made)
        assert ids(walk(api, "/credentials", world.key, limit=limit)) == [
            c.id for c in world.visible()
        ]

    def test_get_should_apply_each_filter_across_the_members_projects(
        self, api: Api, world: World
    ) -> None:
        visible = world.visible()
        cases = [
            ({"type": TYPES[0]}, [c for c in visible if c.type == TYPES[0]]),
            ({"name": "alpha"}, [c for c in visible if "-alpha-" in c.name]),
            ({"projectId": world.foreign}, [c for c in visible if c.owner == world.foreign]),
            ({"projectId": world.viewer_of}, [c for c in visible if c.owner == world.viewer_of]),
        ]
        for params, expected in cases:
            assert expected, params
            assert ids(walk(api, "/credentials", world.key, limit=2, **params)) == [
                c.id for c in expected
            ], params

    def test_get_should_keep_a_walk_exact_while_credentials_change_projects(
        self, api: Api, server: RunningServer
    ) -> None:
        world = build(server)
        first = api.get("/credentials", world.key, params={"limit": 3}).json()
        assert [item["id"] for item in first["data"]] == [c.id for c in world.made[:3]]
        later = world.made[3:]

        def unseen(owner: str, shared: bool = False) -> Made:
            return next(c for c in later if c.owner == owner and bool(c.shared) == shared)

        moves = [
            (unseen(world.editor_of), world.viewer_of),
            (unseen(world.foreign, shared=True), world.personal),
            (unseen(world.personal), world.foreign),
            (unseen(world.foreign), world.editor_of),
            (world.made[0], world.viewer_of),
        ]
        assert len({c.id for c, _ in moves}) == len(moves)
        for credential, destination in moves:
            transfer(api, f"/credentials/{credential.id}", world.admin_key, destination)
            credential.owner, credential.shared = destination, set()

        rest = ids(walk(api, "/credentials", world.key, cursor=first["nextCursor"]))
        assert rest == [c.id for c in world.visible() if c in later]

        async def copies(
            _instance: Instance, session: AsyncSession
        ) -> list[tuple[datetime, datetime]]:
            query = select(SharedCredential.credential_created_at, Credential.created_at).join(
                Credential, Credential.id == SharedCredential.credential_id
            )
            return [tuple(row) for row in (await session.execute(query)).all()]

        assert all(copy == original for copy, original in server.work(copies))
