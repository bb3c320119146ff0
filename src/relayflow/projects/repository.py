"""All SQL about projects, their members, and the workflows they own."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, delete, select, update
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


class ProjectRepository:
    """Reads and writes `project` and `project_relation` rows."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, project_id: str) -> Project | None:
        """A project by id."""
        return await self.session.get(Project, project_id)

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
