"""The rules of projects: every user has a personal project; team projects have members."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from relayflow.auth.principal import Principal
from relayflow.core import keyset
from relayflow.core.clock import utcnow
from relayflow.core.errors import BadRequest, NotFound
from relayflow.db.models import Project, ProjectRelation, User
from relayflow.db.models.project import PERSONAL, TEAM
from relayflow.projects.repository import ProjectRepository
from relayflow.projects.roles import (
    PERSONAL_OWNER,
    PROJECT_ADMIN,
    PROJECT_ROLE_SCOPES,
    TEAM_ROLES,
)
from relayflow.users.errors import user_not_found

INVALID_ROLE = "Invalid enum value. Expected {expected}, received '{received}'"
PERSONAL_IS_THE_USERS = "Personal projects belong to their user and cannot be changed here"
SAME_PROJECT = "Cannot transfer workflows to the project that is being deleted"


def personal_project_name(user: User) -> str:
    """n8n's name for a personal project: `First Last <email>`."""
    names = " ".join(part for part in (user.first_name, user.last_name) if part)
    return f"{names} <{user.email}>" if names else f"<{user.email}>"


def project_not_found(project_id: str) -> NotFound:
    """n8n's answer for an unknown project."""
    return NotFound(f"Could not find project with ID: {project_id}")


def check_team_role(role: str) -> str:
    """`role` if a team project member may hold it, else n8n's (zod's) 400."""
    if role not in TEAM_ROLES:
        expected = " | ".join(f"'{name}'" for name in TEAM_ROLES)
        raise BadRequest(INVALID_ROLE.format(expected=expected, received=role))
    return role


def relation_row(project_id: str, user_id: str, role: str) -> ProjectRelation:
    """A new membership row, stamped now."""
    now = utcnow()
    return ProjectRelation(
        project_id=project_id, user_id=user_id, role=role, created_at=now, updated_at=now
    )


class ProjectService:
    """Project lifecycle for one unit of work."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.projects = ProjectRepository(session)

    async def create_personal(self, user: User) -> Project:
        """The personal project every user gets, with the user as its personal owner."""
        return await self._create(PERSONAL, personal_project_name(user), user.id, PERSONAL_OWNER)

    async def create_team(self, creator_id: str, name: str) -> Project:
        """A team project with its creator as `project:admin`."""
        return await self._create(TEAM, name, creator_id, PROJECT_ADMIN)

    async def _create(self, kind: str, name: str, user_id: str, role: str) -> Project:
        now = utcnow()
        project = await self.projects.add(
            Project(name=name, type=kind, created_at=now, updated_at=now)
        )
        await self.projects.add_relation(relation_row(project.id, user_id, role))
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

    async def destination(self, principal: Principal, project_id: str, scope: str) -> Project:
        """A project the caller may create resources in (`scope` such as `workflow:create`).

        Owner and admin may use any project; a member one in which its role carries `scope`.
        Anything else answers exactly like a project that does not exist.
        """
        project = await self.projects.get(project_id)
        if project is None:
            raise project_not_found(project_id)
        if principal.is_instance_admin:
            return project
        relation = await self.projects.relation(project_id, principal.user_id)
        if relation is None or scope not in PROJECT_ROLE_SCOPES.get(relation.role, ()):
            raise project_not_found(project_id)
        return project

    async def get_team(self, project_id: str) -> Project:
        """A team project by id: 404 if unknown, 400 if it is someone's personal project."""
        project = await self.get(project_id)
        if project.type == PERSONAL:
            raise BadRequest(PERSONAL_IS_THE_USERS)
        return project

    async def page(self, page: keyset.KeysetPage) -> tuple[list[Project], str | None]:
        """One page of every project, personal ones included, and the next cursor."""
        return await self.projects.page(page)

    async def rename(self, project_id: str, name: str) -> None:
        """Rename a team project."""
        project = await self.get_team(project_id)
        project.name, project.updated_at = name, utcnow()
        await self.session.flush()

    async def delete(self, project_id: str, transfer_id: str | None = None) -> None:
        """Delete a team project with its workflows, or move them to `transfer_id` first."""
        project = await self.get_team(project_id)
        if transfer_id is None:
            await self.delete_with_contents(project)
        else:
            await self.delete_transferring(project, transfer_id)

    async def delete_with_contents(self, project: Project) -> None:
        """Delete a project and every workflow it owns."""
        await self.projects.delete_owned_workflows(project.id)
        await self.projects.delete(project)

    async def remove_personal(self, user_id: str, transfer_id: str | None = None) -> None:
        """Delete a user's personal project with its workflows, or move them to `transfer_id`."""
        project = await self.projects.personal_of(user_id)
        if project is None:
            if transfer_id is not None:
                await self.get(transfer_id)
        elif transfer_id is None:
            await self.delete_with_contents(project)
        else:
            await self.delete_transferring(project, transfer_id)

    async def delete_transferring(self, project: Project, transfer_id: str) -> None:
        """Move the project's workflows to project `transfer_id`, then delete the project."""
        if transfer_id == project.id:
            raise BadRequest(SAME_PROJECT)
        target = await self.get(transfer_id)
        await self.projects.move_owned_workflows(project.id, target.id, utcnow())
        await self.projects.delete(project)

    async def add_members(self, project_id: str, members: list[tuple[str, str]]) -> None:
        """Give each `(user id, role)` that role in a team project, adding or updating."""
        for _, role in members:
            check_team_role(role)
        project = await self.get_team(project_id)
        for user_id, _ in members:
            if not await self.projects.user_exists(user_id):
                raise user_not_found(user_id)
        for user_id, role in members:
            await self._set_relation(project.id, user_id, role)

    async def change_member_role(self, project_id: str, user_id: str, role: str) -> None:
        """Change a member's role in a team project; 404 if the user is not a member."""
        check_team_role(role)
        project = await self.get_team(project_id)
        if await self.projects.relation(project.id, user_id) is None:
            raise project_not_found(project_id)
        await self._set_relation(project.id, user_id, role)

    async def remove_member(self, project_id: str, user_id: str) -> None:
        """Take a user out of a team project (nothing happens if it was not a member)."""
        project = await self.get_team(project_id)
        await self.projects.remove_relation(project.id, user_id)

    async def _set_relation(self, project_id: str, user_id: str, role: str) -> None:
        relation = await self.projects.relation(project_id, user_id)
        if relation is None:
            await self.projects.add_relation(relation_row(project_id, user_id, role))
        else:
            relation.role, relation.updated_at = role, utcnow()
            await self.session.flush()
