"""`/api/v1/projects`: team projects and their members, for owner and admin keys."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Response

from relayflow.auth.dependencies import ApiPrincipal, PublicRoute, requires
from relayflow.core import keyset, pagination
from relayflow.core.clock import iso
from relayflow.db.models import Project
from relayflow.http.deps import SessionDep
from relayflow.projects.roles import PROJECT_ADMIN, PROJECT_ROLE_SCOPES
from relayflow.projects.schemas import (
    AddUsers,
    MemberRoleChange,
    ProjectBody,
    ProjectCreated,
    ProjectList,
)
from relayflow.projects.service import ProjectService

router = APIRouter(prefix="/projects", tags=["Projects"], route_class=PublicRoute)

Limit = Annotated[int, Query(ge=1, le=pagination.MAX_LIMIT)]


def to_wire(project: Project) -> dict[str, object]:
    """A project as the public API shows it."""
    return {
        "id": project.id,
        "name": project.name,
        "type": project.type,
        "icon": project.icon,
        "description": project.description,
        "createdAt": iso(project.created_at),
        "updatedAt": iso(project.updated_at),
    }


def no_content() -> Response:
    """The empty 204 answer."""
    return Response(status_code=204)


@router.post("", status_code=201, response_model=ProjectCreated, **requires("project:create"))
async def create_project(
    body: ProjectBody, principal: ApiPrincipal, session: SessionDep
) -> dict[str, object]:
    """Create a team project; the caller becomes its `project:admin`."""
    project = await ProjectService(session).create_team(principal.user_id, body.name)
    scopes = sorted(PROJECT_ROLE_SCOPES[PROJECT_ADMIN])
    return {**to_wire(project), "role": PROJECT_ADMIN, "scopes": scopes}


@router.get("", response_model=ProjectList, **requires("project:list"))
async def list_projects(
    session: SessionDep, limit: Limit = pagination.DEFAULT_LIMIT, cursor: str | None = None
) -> dict[str, object]:
    """Retrieve every project of the instance, personal ones included."""
    page = keyset.read_cursor(limit, cursor, (datetime, str))
    projects, next_cursor = await ProjectService(session).page(page)
    return {"data": [to_wire(project) for project in projects], "nextCursor": next_cursor}


@router.put(
    "/{projectId}",
    status_code=204,
    response_class=Response,
    **requires("project:update", errors=(404,)),
)
async def update_project(projectId: str, body: ProjectBody, session: SessionDep) -> Response:
    """Rename a team project."""
    await ProjectService(session).rename(projectId, body.name)
    return no_content()


@router.delete(
    "/{projectId}",
    status_code=204,
    response_class=Response,
    **requires("project:delete", errors=(404,)),
)
async def delete_project(
    projectId: str, session: SessionDep, transferId: str | None = None
) -> Response:
    """Delete a team project with its workflows, or move them to `transferId` first."""
    await ProjectService(session).delete(projectId, transferId)
    return no_content()


@router.post(
    "/{projectId}/users",
    status_code=201,
    response_class=Response,
    **requires("project:update", errors=(404,)),
)
async def add_users_to_project(projectId: str, body: AddUsers, session: SessionDep) -> Response:
    """Add users to a team project with a role each (updating members already in it)."""
    members = [(relation.userId, relation.role) for relation in body.relations]
    await ProjectService(session).add_members(projectId, members)
    return Response(status_code=201)


@router.patch(
    "/{projectId}/users/{userId}",
    status_code=204,
    response_class=Response,
    **requires("project:update", errors=(404,)),
)
async def change_user_role_in_project(
    projectId: str, userId: str, body: MemberRoleChange, session: SessionDep
) -> Response:
    """Change a member's role in a team project."""
    await ProjectService(session).change_member_role(projectId, userId, body.role)
    return no_content()


@router.delete(
    "/{projectId}/users/{userId}",
    status_code=204,
    response_class=Response,
    **requires("project:update", errors=(404,)),
)
async def delete_user_from_project(projectId: str, userId: str, session: SessionDep) -> Response:
    """Take a user out of a team project (also fine if it was not a member)."""
    await ProjectService(session).remove_member(projectId, userId)
    return no_content()
