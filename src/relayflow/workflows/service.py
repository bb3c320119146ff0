"""The rules of workflows: ownership through projects, validation, activation, transfer, tags."""

from __future__ import annotations

import uuid
from dataclasses import replace
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from relayflow.auth.access import authorize
from relayflow.auth.principal import Principal
from relayflow.core import keyset
from relayflow.core.clock import iso, utcnow
from relayflow.core.errors import BadRequest, NotFound
from relayflow.credentials.repository import CredentialRepository
from relayflow.db.models import SharedWorkflow, Tag, Workflow
from relayflow.projects.roles import WORKFLOW_OWNER
from relayflow.projects.service import ProjectService
from relayflow.workflows.activation import ActivationHook, check_activatable
from relayflow.workflows.graph import check_graph, with_node_ids
from relayflow.workflows.repository import CURSOR_KINDS, WorkflowFilters, WorkflowRepository
from relayflow.workflows.schemas import WorkflowIn


def tag_to_wire(tag: Tag) -> dict[str, Any]:
    """A tag as the public API shows it."""
    return {
        "id": tag.id,
        "name": tag.name,
        "createdAt": iso(tag.created_at),
        "updatedAt": iso(tag.updated_at),
    }


def to_wire(
    workflow: Workflow,
    sharings: list[SharedWorkflow],
    tags: list[Tag],
    include_pinned_data: bool = True,
) -> dict[str, Any]:
    """A workflow as n8n's public API returns it."""
    body: dict[str, Any] = {
        "id": workflow.id,
        "name": workflow.name,
        "active": workflow.active,
        "isArchived": workflow.is_archived,
        "createdAt": iso(workflow.created_at),
        "updatedAt": iso(workflow.updated_at),
        "nodes": workflow.nodes,
        "connections": workflow.connections,
        "settings": workflow.settings,
        "staticData": workflow.static_data,
        "meta": workflow.meta,
        "versionId": workflow.version_id,
        "triggerCount": workflow.trigger_count,
        "shared": [
            {
                "workflowId": row.workflow_id,
                "projectId": row.project_id,
                "role": row.role,
                "createdAt": iso(row.created_at),
                "updatedAt": iso(row.updated_at),
            }
            for row in sharings
        ],
        "tags": [tag_to_wire(tag) for tag in tags],
    }
    if include_pinned_data:
        body["pinData"] = workflow.pin_data
    return body


class WorkflowService:
    """Workflow lifecycle for one unit of work."""

    def __init__(self, session: AsyncSession, hook: ActivationHook) -> None:
        self.session = session
        self.hook = hook
        self.workflows = WorkflowRepository(session)

    async def find(self, principal: Principal, workflow_id: str, scope: str) -> Workflow:
        """A workflow the caller may use for `scope`: 404 if missing, 403 if out of reach."""

        async def permits(who: Principal, workflow: Workflow, wanted: str) -> bool:
            return await self.workflows.member_may(who.user_id, workflow.id, wanted)

        return await authorize(
            principal,
            kind="Workflow",
            resource_id=workflow_id,
            scope=scope,
            load=self.workflows.get,
            permits=permits,
        )

    async def render(self, workflow: Workflow, include_pinned_data: bool = True) -> dict[str, Any]:
        """One workflow with its sharing rows and tags."""
        sharings = await self.workflows.sharings([workflow.id])
        tags = await self.workflows.tags([workflow.id])
        return to_wire(workflow, sharings[workflow.id], tags[workflow.id], include_pinned_data)

    async def list_page(
        self, principal: Principal, filters: WorkflowFilters, limit: int, cursor: str | None
    ) -> tuple[list[dict[str, Any]], str | None]:
        """One page of the workflows the caller may read, and the next page's cursor."""
        page = keyset.read_cursor(limit, cursor, CURSOR_KINDS)
        if not principal.is_instance_admin:
            filters = replace(filters, visible_to=principal.user_id)
        rows, next_cursor = keyset.finish(
            await self.workflows.page(filters, page), page, lambda row: (row.created_at, row.id)
        )
        ids = [row.id for row in rows]
        sharings, tags = await self.workflows.sharings(ids), await self.workflows.tags(ids)
        include = not filters.exclude_pinned_data
        return [to_wire(row, sharings[row.id], tags[row.id], include) for row in rows], next_cursor

    async def check_credentials(self, principal: Principal, nodes: list[dict[str, Any]]) -> None:
        """Refuse nodes that use an existing credential the caller may not use.

        References to credentials that do not exist (yet) are kept, as n8n keeps them: such a
        workflow fails when it runs, naming the missing credential.
        """
        if principal.is_instance_admin:
            return
        wanted = {
            str(reference["id"]): node["name"]
            for node in nodes
            for reference in (node.get("credentials") or {}).values()
            if isinstance(reference, dict) and reference.get("id")
        }
        refused = await CredentialRepository(self.session).unusable(principal.user_id, list(wanted))
        if refused:
            names = ", ".join(
                f'node "{wanted[c.id]}" uses credential "{c.name}" ({c.id})' for c in refused
            )
            raise BadRequest(f"Credentials you may not use: {names}")

    async def create(self, principal: Principal, body: WorkflowIn) -> Workflow:
        """A new inactive workflow owned by the caller's personal project."""
        nodes = with_node_ids(body.node_dicts())
        check_graph(nodes, body.connections)
        await self.check_credentials(principal, nodes)
        project = await ProjectService(self.session).personal_of(principal.user_id)
        now = utcnow()
        workflow = Workflow(
            name=body.name,
            active=False,
            is_archived=False,
            nodes=nodes,
            connections=body.connections,
            settings=body.settings_dict(),
            static_data=body.static_data(),
            version_id=str(uuid.uuid4()),
            trigger_count=0,
            created_at=now,
            updated_at=now,
        )
        sharing = SharedWorkflow(
            project_id=project.id, role=WORKFLOW_OWNER, created_at=now, updated_at=now
        )
        await self.workflows.add(workflow, sharing)
        return workflow

    async def update(self, principal: Principal, workflow_id: str, body: WorkflowIn) -> Workflow:
        """Replace a workflow's content; an active one must stay activatable."""
        workflow = await self.find(principal, workflow_id, "workflow:update")
        nodes = with_node_ids(body.node_dicts())
        check_graph(nodes, body.connections)
        await self.check_credentials(principal, nodes)
        if workflow.active:
            workflow.trigger_count = check_activatable(workflow.id, body.name, nodes)
            await self.hook.deactivated(workflow.id)
            await self.hook.activated(workflow.id, nodes)
        workflow.name, workflow.nodes, workflow.connections = body.name, nodes, body.connections
        workflow.settings, workflow.static_data = body.settings_dict(), body.static_data()
        workflow.version_id, workflow.updated_at = str(uuid.uuid4()), utcnow()
        await self.session.flush()
        return workflow

    async def delete(self, principal: Principal, workflow_id: str) -> dict[str, Any]:
        """Delete a workflow (deactivating it first); returns it as it was."""
        workflow = await self.find(principal, workflow_id, "workflow:delete")
        rendered = await self.render(workflow)
        if workflow.active:
            await self.hook.deactivated(workflow.id)
        await self.workflows.delete(workflow)
        return rendered

    async def activate(self, principal: Principal, workflow_id: str) -> Workflow:
        """Make a workflow run on its triggers; 400 if it has none."""
        workflow = await self.find(principal, workflow_id, "workflow:update")
        if workflow.active:
            return workflow
        workflow.trigger_count = check_activatable(workflow.id, workflow.name, workflow.nodes)
        await self.hook.activated(workflow.id, workflow.nodes)
        workflow.active, workflow.updated_at = True, utcnow()
        await self.session.flush()
        return workflow

    async def deactivate(self, principal: Principal, workflow_id: str) -> Workflow:
        """Stop a workflow from running on its triggers."""
        workflow = await self.find(principal, workflow_id, "workflow:update")
        if not workflow.active:
            return workflow
        await self.hook.deactivated(workflow.id)
        workflow.active, workflow.trigger_count, workflow.updated_at = False, 0, utcnow()
        await self.session.flush()
        return workflow

    async def transfer(self, principal: Principal, workflow_id: str, destination_id: str) -> None:
        """Move a workflow to another project, which becomes its only owner."""
        workflow = await self.find(principal, workflow_id, "workflow:move")
        project = await ProjectService(self.session).destination(
            principal, destination_id, "workflow:create"
        )
        destination = project.id
        if await self.workflows.owner_project_id(workflow.id) == destination:
            raise BadRequest(
                "You can't transfer a workflow into the project that's already owning it."
            )
        if workflow.active:
            await self.hook.deactivated(workflow.id)
        now = utcnow()
        await self.workflows.replace_sharing(
            workflow,
            SharedWorkflow(
                project_id=destination, role=WORKFLOW_OWNER, created_at=now, updated_at=now
            ),
        )
        if workflow.active:
            await self.hook.activated(workflow.id, workflow.nodes)

    async def tags(self, principal: Principal, workflow_id: str) -> list[dict[str, Any]]:
        """The workflow's tags."""
        workflow = await self.find(principal, workflow_id, "workflow:read")
        return [tag_to_wire(tag) for tag in (await self.workflows.tags([workflow.id]))[workflow.id]]

    async def set_tags(
        self, principal: Principal, workflow_id: str, tag_ids: list[str]
    ) -> list[dict[str, Any]]:
        """Replace the workflow's tags in one step; unknown tag ids change nothing."""
        workflow = await self.find(principal, workflow_id, "workflow:update")
        if set(tag_ids) - await self.workflows.existing_tag_ids(tag_ids):
            raise NotFound("Some tags not found")
        await self.workflows.set_tags(workflow.id, tag_ids)
        workflow.updated_at = utcnow()
        await self.session.flush()
        return await self.tags(principal, workflow_id)
