"""`/api/v1/workflows`: n8n's workflow endpoints, guarded by the workflow scopes."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Response

from relayflow.auth.dependencies import ApiPrincipal, PublicRoute, requires
from relayflow.core import pagination
from relayflow.http.deps import InstanceDep, SessionDep
from relayflow.workflows.repository import WorkflowFilters
from relayflow.workflows.schemas import (
    TagOut,
    TagRef,
    Transfer,
    WorkflowExecution,
    WorkflowIn,
    WorkflowList,
    WorkflowOut,
)
from relayflow.workflows.service import WorkflowService

router = APIRouter(prefix="/workflows", tags=["Workflows"], route_class=PublicRoute)

Limit = Annotated[int, Query(ge=1, le=pagination.MAX_LIMIT)]
NOT_FOUND = (404,)


def _service(session: SessionDep, instance: InstanceDep) -> WorkflowService:
    return WorkflowService(session, instance.activation)


def _tag_names(tags: str | None) -> tuple[str, ...]:
    return tuple(name.strip() for name in (tags or "").split(",") if name.strip())


@router.post("", response_model=WorkflowOut, **requires("workflow:create", errors=(413,)))
async def create_workflow(
    body: WorkflowIn, principal: ApiPrincipal, session: SessionDep, instance: InstanceDep
) -> dict[str, Any]:
    """Create a workflow in your personal project; it starts inactive."""
    service = _service(session, instance)
    return await service.render(await service.create(principal, body))


@router.get(
    "", response_model=WorkflowList, response_model_exclude_unset=True, **requires("workflow:list")
)
async def list_workflows(
    principal: ApiPrincipal,
    session: SessionDep,
    instance: InstanceDep,
    active: bool | None = None,
    tags: str | None = None,
    name: str | None = None,
    projectId: str | None = None,
    excludePinnedData: bool = False,
    limit: Limit = pagination.DEFAULT_LIMIT,
    cursor: str | None = None,
) -> dict[str, Any]:
    """Retrieve the workflows you may read, filtered, one page at a time."""
    filters = WorkflowFilters(
        active=active,
        tags=_tag_names(tags),
        name=(name or "").strip() or None,
        project_id=projectId,
        exclude_pinned_data=excludePinnedData,
    )
    service = _service(session, instance)
    data, next_cursor = await service.list_page(principal, filters, limit, cursor)
    return {"data": data, "nextCursor": next_cursor}


@router.get(
    "/{id}",
    response_model=WorkflowOut,
    response_model_exclude_unset=True,
    **requires("workflow:read", errors=NOT_FOUND),
)
async def get_workflow(
    id: str,
    principal: ApiPrincipal,
    session: SessionDep,
    instance: InstanceDep,
    excludePinnedData: bool = False,
) -> dict[str, Any]:
    """Retrieve a workflow."""
    service = _service(session, instance)
    workflow = await service.find(principal, id, "workflow:read")
    return await service.render(workflow, include_pinned_data=not excludePinnedData)


@router.put("/{id}", response_model=WorkflowOut, **requires("workflow:update", errors=(404, 413)))
async def update_workflow(
    id: str,
    body: WorkflowIn,
    principal: ApiPrincipal,
    session: SessionDep,
    instance: InstanceDep,
) -> dict[str, Any]:
    """Replace a workflow; it gets a new `versionId`."""
    service = _service(session, instance)
    return await service.render(await service.update(principal, id, body))


@router.delete("/{id}", response_model=WorkflowOut, **requires("workflow:delete", errors=NOT_FOUND))
async def delete_workflow(
    id: str,
    principal: ApiPrincipal,
    session: SessionDep,
    instance: InstanceDep,
) -> dict[str, Any]:
    """Delete a workflow; returns it as it was."""
    return await _service(session, instance).delete(principal, id)


@router.post(
    "/{id}/activate", response_model=WorkflowOut, **requires("workflow:activate", errors=NOT_FOUND)
)
async def activate_workflow(
    id: str,
    principal: ApiPrincipal,
    session: SessionDep,
    instance: InstanceDep,
) -> dict[str, Any]:
    """Activate a workflow so that its triggers run it."""
    service = _service(session, instance)
    return await service.render(await service.activate(principal, id))


@router.post(
    "/{id}/deactivate",
    response_model=WorkflowOut,
    **requires("workflow:deactivate", errors=NOT_FOUND),
)
async def deactivate_workflow(
    id: str,
    principal: ApiPrincipal,
    session: SessionDep,
    instance: InstanceDep,
) -> dict[str, Any]:
    """Deactivate a workflow."""
    service = _service(session, instance)
    return await service.render(await service.deactivate(principal, id))


@router.post(
    "/{id}/execute",
    response_model=WorkflowExecution,
    **requires("workflow:execute", errors=NOT_FOUND),
)
async def execute_workflow(
    id: str,
    principal: ApiPrincipal,
    session: SessionDep,
    instance: InstanceDep,
) -> dict[str, Any]:
    """Run a workflow from its Manual Trigger now; follow it with `GET /executions/{id}`."""
    workflow = await _service(session, instance).find(principal, id, "workflow:execute")
    execution_id = await instance.executor.start(workflow.id, "manual")
    return {"executionId": str(execution_id), "waitingForWebhook": False}


@router.put(
    "/{id}/transfer",
    status_code=204,
    response_class=Response,
    **requires("workflow:move", errors=NOT_FOUND),
)
async def transfer_workflow(
    id: str,
    body: Transfer,
    principal: ApiPrincipal,
    session: SessionDep,
    instance: InstanceDep,
) -> Response:
    """Move a workflow to another project."""
    await _service(session, instance).transfer(principal, id, body.destinationProjectId)
    return Response(status_code=204)


@router.get(
    "/{id}/tags", response_model=list[TagOut], **requires("workflowTags:list", errors=NOT_FOUND)
)
async def get_workflow_tags(
    id: str,
    principal: ApiPrincipal,
    session: SessionDep,
    instance: InstanceDep,
) -> list[dict[str, Any]]:
    """The workflow's tags."""
    return await _service(session, instance).tags(principal, id)


@router.put(
    "/{id}/tags", response_model=list[TagOut], **requires("workflowTags:update", errors=NOT_FOUND)
)
async def update_workflow_tags(
    id: str,
    principal: ApiPrincipal,
    session: SessionDep,
    instance: InstanceDep,
    body: Annotated[list[TagRef], Body()],
) -> list[dict[str, Any]]:
    """Replace the workflow's tags; unknown tag ids change nothing (404)."""
    return await _service(session, instance).set_tags(principal, id, [ref.id for ref in body])
