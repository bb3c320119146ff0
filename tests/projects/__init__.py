"""Helpers shared by the projects tests: keys, projects, members and workflows on a server."""

from __future__ import annotations

import re
import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from relayflow.core.clock import utcnow
from relayflow.db.models import Project, SharedWorkflow, User, Workflow
from relayflow.instance import Instance
from relayflow.projects.repository import ProjectRepository
from relayflow.projects.service import ProjectService
from tests.support.client import Api
from tests.support.server import RunningServer
from tests.support.workflows import make_workflow

INVALID_CURSOR = {"message": "An invalid cursor was provided"}
INVALID_ROLE = (
    "Invalid enum value. Expected 'project:admin' | 'project:editor' | 'project:viewer', "
    "received '{}'"
)
ISO_MS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
NANOID = re.compile(r"^[0-9A-Za-z]{16}$")
PROJECT_FIELDS = {"id", "name", "type", "icon", "description", "createdAt", "updatedAt"}


def not_found(project_id: str) -> dict[str, str]:
    """n8n's body for an unknown project."""
    return {"message": f"Could not find project with ID: {project_id}"}


def admin_with_key(server: RunningServer, scopes: list[str] | None = None) -> tuple[User, str]:
    """A fresh admin (the shared server's stand-in for the owner) and a key of it."""
    admin = server.create_user("global:admin")
    return admin, server.create_key(admin, scopes)


def member_key(server: RunningServer) -> str:
    """A key of a fresh member, with every scope a member may hold."""
    return server.create_key(server.create_user("global:member"))


def new_name(prefix: str = "project") -> str:
    """A project name no other test uses."""
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def team_project(api: Api, key: str, name: str | None = None) -> dict:
    """Create a team project through the API (asserting 201) and return the body."""
    response = api.post("/projects", key, json={"name": name or new_name()})
    assert response.status_code == 201, response.text
    return response.json()


def walk_projects(api: Api, key: str, limit: int = 250) -> list[list[dict]]:
    """Every page of `GET /projects` with page size `limit`, following `nextCursor`."""
    pages: list[list[dict]] = []
    query: dict[str, object] = {"limit": limit}
    while True:
        response = api.get("/projects", key, params=query)
        assert response.status_code == 200, response.text
        body = response.json()
        assert set(body) == {"data", "nextCursor"}
        pages.append(body["data"])
        if body["nextCursor"] is None:
            return pages
        query = {"cursor": body["nextCursor"]}


def all_projects(api: Api, key: str) -> dict[str, dict]:
    """Every project `GET /projects` lists, by id."""
    return {project["id"]: project for page in walk_projects(api, key) for project in page}


def stored_project(server: RunningServer, project_id: str) -> dict[str, str] | None:
    """The stored name and type of a project, or None if it is gone."""

    async def task(_instance: Instance, session: AsyncSession) -> dict[str, str] | None:
        project = await session.get(Project, project_id)
        return None if project is None else {"name": project.name, "type": project.type}

    return server.work(task)


def personal_project_id(server: RunningServer, user_id: str) -> str:
    """The id of a user's personal project."""

    async def task(_instance: Instance, session: AsyncSession) -> str:
        return (await ProjectService(session).personal_of(user_id)).id

    return server.work(task)


def members_of(server: RunningServer, project_id: str) -> dict[str, str]:
    """The stored members of a project: user id → role."""

    async def task(_instance: Instance, session: AsyncSession) -> dict[str, str]:
        relations = await ProjectRepository(session).relations(project_id)
        return {relation.user_id: relation.role for relation in relations}

    return server.work(task)


def create_workflow(server: RunningServer, project_id: str) -> str:
    """A workflow owned by `project_id`, written straight to the database; returns its id."""
    return make_workflow(server, project_id, name=new_name("workflow"))


def share(workflow: Workflow, project_id: str, role: str) -> SharedWorkflow:
    """A sharing row giving `project_id` a role over a workflow."""
    now = utcnow()
    return SharedWorkflow(
        workflow_id=workflow.id,
        project_id=project_id,
        role=role,
        workflow_created_at=workflow.created_at,
        created_at=now,
        updated_at=now,
    )


def share_workflow(server: RunningServer, workflow_id: str, project_id: str, role: str) -> None:
    """Give `project_id` a role over an existing workflow."""

    async def task(_instance: Instance, session: AsyncSession) -> None:
        workflow = await session.get(Workflow, workflow_id)
        assert workflow is not None, workflow_id
        session.add(share(workflow, project_id, role))

    server.work(task)


def sharings_of(server: RunningServer, workflow_id: str) -> dict[str, str] | None:
    """A workflow's sharings (project id → role), or None if the workflow is gone."""

    async def task(_instance: Instance, session: AsyncSession) -> dict[str, str] | None:
        if await session.get(Workflow, workflow_id) is None:
            return None
        query = select(SharedWorkflow).where(SharedWorkflow.workflow_id == workflow_id)
        return {row.project_id: row.role for row in (await session.scalars(query)).all()}

    return server.work(task)
