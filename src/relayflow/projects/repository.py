"""All SQL about projects and their members."""

from __future__ import annotations

from sqlalchemy import Select, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from relayflow.db.models import Project, ProjectRelation
from relayflow.db.models.project import PERSONAL
from relayflow.projects.roles import PERSONAL_OWNER, project_roles_with


def member_project_ids(user_id: str, scope: str) -> Select[str]:
    """Ids of the projects in which `user_id` holds a role carrying `scope` (a subquery)."""
    return select(ProjectRelation.project_id).where(
        ProjectRelation.user_id == user_id,
        ProjectRelation.role.in_(project_roles_with(scope)),
    )


class ProjectRepository:
    """Reads and writes `project` and `project_relation` rows."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, project_id: str) -> Project | None:
        """A project by id."""
        return await self.session.get(Project, project_id)

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

    async def page(self, offset: int, limit: int) -> tuple[list[Project], int]:
        """One page of all projects, oldest first, and the total count."""
        query = select(Project).order_by(Project.created_at, Project.id).offset(offset).limit(limit)
        projects = list((await self.session.scalars(query)).all())
        total = await self.session.scalar(select(func.count()).select_from(Project))
        return projects, int(total or 0)

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
