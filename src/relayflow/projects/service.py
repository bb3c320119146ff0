"""The rules of projects: every user has a personal project; team projects have members."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from relayflow.core.clock import utcnow
from relayflow.core.errors import NotFound
from relayflow.db.models import Project, ProjectRelation, User
from relayflow.db.models.project import PERSONAL
from relayflow.projects.repository import ProjectRepository
from relayflow.projects.roles import PERSONAL_OWNER


def personal_project_name(user: User) -> str:
    """n8n's name for a personal project: `First Last <email>`."""
    names = " ".join(part for part in (user.first_name, user.last_name) if part)
    return f"{names} <{user.email}>" if names else f"<{user.email}>"


def project_not_found(project_id: str) -> NotFound:
    """n8n's answer for an unknown project."""
    return NotFound(f"Could not find project with ID: {project_id}")


class ProjectService:
    """Project lifecycle for one unit of work."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.projects = ProjectRepository(session)

    async def create_personal(self, user: User) -> Project:
        """The personal project every user gets, with the user as its personal owner."""
        now = utcnow()
        project = await self.projects.add(
            Project(
                name=personal_project_name(user),
                type=PERSONAL,
                created_at=now,
                updated_at=now,
            )
        )
        await self.projects.add_relation(
            ProjectRelation(
                project_id=project.id,
                user_id=user.id,
                role=PERSONAL_OWNER,
                created_at=now,
                updated_at=now,
            )
        )
        return project

    async def rename_personal(self, user: User) -> None:
        """Keep the personal project's name in step with the user's names."""
        project = await self.projects.personal_of(user.id)
        if project is not None:
            project.name, project.updated_at = personal_project_name(user), utcnow()
            await self.session.flush()

    async def personal_of(self, user_id: str) -> Project:
        """The user's personal project (every user has one)."""
        project = await self.projects.personal_of(user_id)
        if project is None:
            raise NotFound(f"The personal project of user {user_id} is missing")
        return project

    async def get(self, project_id: str) -> Project:
        """A project by id, or n8n's 404."""
        project = await self.projects.get(project_id)
        if project is None:
            raise project_not_found(project_id)
        return project
