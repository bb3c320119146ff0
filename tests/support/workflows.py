"""Workflow payloads and direct-database helpers for the workflow tests."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from relayflow.core.clock import utcnow
from relayflow.db.models import Project, ProjectRelation, SharedWorkflow, Tag, Workflow, WorkflowTag
from relayflow.instance import Instance
from relayflow.projects.service import ProjectService
from tests.support.server import RunningServer

WEBHOOK = {
    "name": "Webhook",
    "type": "n8n-nodes-base.webhook",
    "typeVersion": 2,
    "position": [0, 0],
    "parameters": {"path": "hook", "httpMethod": "POST"},
    "webhookId": "5f0f8d77-3c8e-4a3e-9a57-3a1f0a1d2b11",
}
SET = {
    "name": "Set",
    "type": "n8n-nodes-base.set",
    "typeVersion": 3.4,
    "position": [220, 0],
    "parameters": {"values": {"string": [{"name": "a", "value": "b"}]}},
}


def payload(name: str | None = None, *, trigger: bool = True, **extra: Any) -> dict[str, Any]:
    """A valid workflow body: a webhook feeding a Set node (or the Set node alone)."""
    nodes = [WEBHOOK, SET] if trigger else [SET]
    connections = (
        {"Webhook": {"main": [[{"node": "Set", "type": "main", "index": 0}]]}} if trigger else {}
    )
    body = {
        "name": name or f"Workflow {uuid.uuid4().hex[:8]}",
        "nodes": nodes,
        "connections": connections,
        "settings": {"executionOrder": "v1", "saveManualExecutions": True},
        "staticData": None,
    }
    body.update(extra)
    return body


def make_tags(server: RunningServer, *names: str) -> list[str]:
    """Tags created directly in the database; returns their ids."""

    async def task(_instance: Instance, session: AsyncSession) -> list[str]:
        now = utcnow()
        tags = [Tag(name=name, created_at=now, updated_at=now) for name in names]
        session.add_all(tags)
        await session.flush()
        return [tag.id for tag in tags]

    return server.work(task)


def make_team_project(server: RunningServer, members: dict[str, str]) -> str:
    """A team project with `{user_id: project role}` members; returns its id."""

    async def task(_instance: Instance, session: AsyncSession) -> str:
        now = utcnow()
        project = Project(
            name=f"Team {uuid.uuid4().hex[:6]}", type="team", created_at=now, updated_at=now
        )
        session.add(project)
        await session.flush()
        session.add_all(
            ProjectRelation(
                project_id=project.id, user_id=user_id, role=role, created_at=now, updated_at=now
            )
            for user_id, role in members.items()
        )
        return project.id

    return server.work(task)


def personal_project_id(server: RunningServer, user_id: str) -> str:
    """The user's personal project id."""

    async def task(_instance: Instance, session: AsyncSession) -> str:
        return (await ProjectService(session).personal_of(user_id)).id

    return server.work(task)


def make_workflow(
    server: RunningServer,
    project_id: str,
    *,
    name: str | None = None,
    active: bool = False,
    tag_ids: tuple[str, ...] = (),
    shared: dict[str, str] | None = None,
) -> str:
    """A workflow owned by `project_id` (and shared `{project id: role}`), written directly."""

    async def task(_instance: Instance, session: AsyncSession) -> str:
        now = utcnow()
        workflow = Workflow(
            name=name or f"Workflow {uuid.uuid4().hex[:8]}",
            active=active,
            nodes=[],
            connections={},
            settings={},
            version_id=str(uuid.uuid4()),
            created_at=now,
            updated_at=now,
        )
        session.add(workflow)
        await session.flush()
        roles = {**(shared or {}), project_id: "workflow:owner"}
        session.add_all(
            SharedWorkflow(
                workflow_id=workflow.id,
                project_id=project,
                role=role,
                workflow_created_at=workflow.created_at,
                created_at=now,
                updated_at=now,
            )
            for project, role in roles.items()
        )
        session.add_all(WorkflowTag(workflow_id=workflow.id, tag_id=tag) for tag in tag_ids)
        return workflow.id

    return server.work(task)
