"""All SQL about projects, their members, the workflows they own, and what members see."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    Subquery,
    bindparam,
    delete,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from relayflow.core import keyset
from relayflow.db.models import Project, ProjectRelation, SharedWorkflow, User, Workflow
from relayflow.db.models.project import PERSONAL
from relayflow.projects.roles import (
    PERSONAL_OWNER,
    WORKFLOW_OWNER,
    project_roles_with,
    sharing_roles_with,
)


def member_project_ids(user_id: str, scope: str) -> Select[str]:
    """Ids of the projects in which `user_id` holds a role carrying `scope` (a subquery)."""
    return select(ProjectRelation.project_id).where(
        ProjectRelation.user_id == user_id,
        ProjectRelation.role.in_(project_roles_with(scope)),
    )


def owned_workflow_ids(project_id: str) -> Select[str]:
    """Ids of the workflows `project_id` owns (a subquery)."""
    return select(SharedWorkflow.workflow_id).where(
        SharedWorkflow.project_id == project_id, SharedWorkflow.role == WORKFLOW_OWNER
    )


def reachable_ids(
    resource_id: InstrumentedAttribute[str],
    project_id: InstrumentedAttribute[str],
    role: InstrumentedAttribute[str],
    user_id: str,
    scope: str,
) -> Select[str]:
    """Resources a member may use for `scope` through one of its projects (a subquery).

    The columns are those of a sharing table (`shared_workflow`, `shared_credential`): the
    member needs a project role carrying the scope in a project whose sharing role carries it.
    """
    return select(resource_id).where(
        project_id.in_(member_project_ids(user_id, scope)),
        role.in_(sharing_roles_with(scope)),
    )


@dataclass(frozen=True, slots=True, eq=False)
class Sharing:
    """The columns of a sharing table (`shared_workflow`, `shared_credential`)."""

    resource_id: InstrumentedAttribute[str]
    project_id: InstrumentedAttribute[str]
    role: InstrumentedAttribute[str]
    resource_created_at: InstrumentedAttribute[datetime]
    """The copy of the resource's `created_at`: with `resource_id`, its keyset order."""
    resource_pk: InstrumentedAttribute[str]
    """The resource table's `id`, to join when the page has filters."""


SIZE, AFTER = "page_size", ("after_created_at", "after_id")
"""Bind parameter names of `visible_keys`' statements (with `project_0`, `project_1`, …)."""


def visible_keys(
    sharing: Sharing,
    project_ids: Sequence[str],
    scope: str,
    page: keyset.KeysetPage,
    conditions: Sequence[ColumnElement[bool]] = (),
) -> tuple[Subquery, dict[str, Any]]:
    """`(created_at, id)` of the page of resources these projects reach for `scope`.

    One range per project over `(project_id, <resource>_created_at, <resource>_id)`, merged:
    the page costs `len(project_ids)` index range scans of `limit + 1` rows, whatever the
    number of resources. `conditions` on the resource table are checked as each range walks,
    so a selective filter makes the ranges longer. Returns a subquery and the values of its
    bind parameters: without conditions, the statement is built once per shape.
    """
    values: dict[str, Any] = {f"project_{n}": project for n, project in enumerate(project_ids)}
    values[SIZE] = page.limit + 1
    if page.after is not None:
        values.update(zip(AFTER, page.after, strict=True))
    shape = (sharing, len(project_ids), page.after is not None, scope)
    keys = _keys(*shape, tuple(conditions)) if conditions else _cached_keys(*shape)
    return keys, values


def _keys(
    sharing: Sharing,
    projects: int,
    after: bool,
    scope: str,
    conditions: tuple[ColumnElement[bool], ...] = (),
) -> Subquery:
    """The statement of `visible_keys`, with a bind parameter for each value."""
    key = (sharing.resource_created_at, sharing.resource_id)
    start = (
        tuple(bindparam(name, type_=column.type) for name, column in zip(AFTER, key, strict=True))
        if after
        else None
    )
    # Rendered into the SQL: with `LIMIT $n`, PostgreSQL's generic plan for the prepared
    # statement guesses a large page and hash-joins the whole resource table.
    size = bindparam(SIZE, type_=Integer(), literal_execute=True)
    ranges = []
    for number in range(projects):
        query = select(key[0].label("created_at"), key[1].label("id")).where(
            sharing.project_id == bindparam(f"project_{number}"),
            sharing.role.in_(sharing_roles_with(scope)),
        )
        if conditions:
            query = query.join(sharing.resource_pk.class_, sharing.resource_pk == key[1]).where(
                *conditions
            )
        ranges.append(keyset.window(query, key, start, size))
    return keyset.merge(ranges, size)


_cached_keys = lru_cache(maxsize=256)(_keys)


class ProjectRepository:
    """Reads and writes `project` and `project_relation` rows."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, project_id: str) -> Project | None:
        """A project by id."""
        return await self.session.get(Project, project_id)

    async def page_query(
        self,
        sharing: Sharing,
        order: Sequence[InstrumentedAttribute[Any]],
        user_id: str | None,
        scope: str,
        page: keyset.KeysetPage,
        conditions: Sequence[ColumnElement[bool]] = (),
    ) -> tuple[keyset.AnySelect, dict[str, Any]] | None:
        """The query of one page of resources, and its parameter values.

        All resources walk their own `(created_at, id)` index when `user_id` is None (owner
        and admin). A member's page is the resources its projects reach for `scope` (see
        `visible_keys`): its project ids are read first, so that each becomes a range of its
        own. None when the member is in no project.
        """
        resource = sharing.resource_pk.class_
        if user_id is None:
            return keyset.apply(select(resource).where(*conditions), order, page), {}
        project_ids = (await self.session.scalars(member_project_ids(user_id, scope))).all()
        if not project_ids:
            return None
        keys, values = visible_keys(sharing, project_ids, scope, page, conditions)
        query = select(resource).join(keys, sharing.resource_pk == keys.c.id).order_by(*order)
        return query, values

    async def user_exists(self, user_id: str) -> bool:
        """Whether a user with this id exists."""
        return await self.session.get(User, user_id) is not None

    async def personal_of(self, user_id: str) -> Project | None:
        """The user's personal project."""
        query = (
            select(Project)
            .join(ProjectRelation, ProjectRelation.project_id == Project.id)
            .where(
                Project.type == PERSONAL,
                ProjectRelation.user_id == user_id,
                ProjectRelation.role == PERSONAL_OWNER,
            )
        )
        return await self.session.scalar(query)

    async def relation(self, project_id: str, user_id: str) -> ProjectRelation | None:
        """A user's relation to a project."""
        return await self.session.get(ProjectRelation, (project_id, user_id))

    async def relations(self, project_id: str) -> list[ProjectRelation]:
        """Every member of a project."""
        query = select(ProjectRelation).where(ProjectRelation.project_id == project_id)
        return list((await self.session.scalars(query)).all())

    async def page(self, page: keyset.KeysetPage) -> tuple[list[Project], str | None]:
        """One page of all projects in `(created_at, id)` order, and the next page's cursor."""
        query = keyset.apply(select(Project), [Project.created_at, Project.id], page)
        rows = list((await self.session.scalars(query)).all())
        return keyset.finish(rows, page, lambda project: (project.created_at, project.id))

    async def add(self, project: Project) -> Project:
        """Store a new project."""
        self.session.add(project)
        await self.session.flush()
        return project

    async def add_relation(self, relation: ProjectRelation) -> None:
        """Store a membership."""
        self.session.add(relation)
        await self.session.flush()

    async def remove_relation(self, project_id: str, user_id: str) -> None:
        """Remove a membership, if any."""
        await self.session.execute(
            delete(ProjectRelation).where(
                ProjectRelation.project_id == project_id, ProjectRelation.user_id == user_id
            )
        )

    async def delete(self, project: Project) -> None:
        """Delete a project; its relations and sharings go with it."""
        await self.session.delete(project)
        await self.session.flush()

    async def delete_owned_workflows(self, project_id: str) -> None:
        """Delete the workflows the project owns; their sharings and tags go with them."""
        await self.session.execute(
            delete(Workflow).where(Workflow.id.in_(owned_workflow_ids(project_id)))
        )

    async def move_owned_workflows(self, source_id: str, target_id: str, now: datetime) -> None:
        """Make `target_id` the owner of every workflow `source_id` owns."""
        await self.session.execute(
            delete(SharedWorkflow).where(
                SharedWorkflow.project_id == target_id,
                SharedWorkflow.workflow_id.in_(owned_workflow_ids(source_id)),
            )
        )
        await self.session.execute(
            update(SharedWorkflow)
            .where(SharedWorkflow.project_id == source_id, SharedWorkflow.role == WORKFLOW_OWNER)
            .values(project_id=target_id, updated_at=now)
        )
