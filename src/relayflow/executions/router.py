"""`/api/v1/executions`: n8n's execution endpoints, guarded by the execution scopes."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from relayflow.auth.dependencies import ApiPrincipal, PublicRoute, requires
from relayflow.core import pagination
from relayflow.executions.repository import ExecutionFilters
from relayflow.executions.schemas import (
    STATUS_FILTERS,
    ExecutionId,
    ExecutionList,
    ExecutionOut,
    StatusFilter,
)
from relayflow.executions.service import ExecutionService
from relayflow.http.deps import SessionDep

router = APIRouter(prefix="/executions", tags=["Executions"], route_class=PublicRoute)

Limit = Annotated[int, Query(ge=1, le=pagination.MAX_LIMIT)]
PathId = Annotated[ExecutionId, Path(description="The execution's id, a number.")]
IncludeData = Annotated[
    bool, Query(description="Add the run data, the workflow as it ran and the custom data.")
]
NOT_FOUND = (404,)


@router.get(
    "",
    response_model=ExecutionList,
    response_model_exclude_unset=True,
    **requires("execution:list"),
)
async def list_executions(
    principal: ApiPrincipal,
    session: SessionDep,
    includeData: IncludeData = False,
    status: StatusFilter | None = None,
    workflowId: str | None = None,
    projectId: str | None = None,
    limit: Limit = pagination.DEFAULT_LIMIT,
    cursor: str | None = None,
) -> dict[str, Any]:
    """Retrieve the executions of workflows you may read, newest first, one page at a time.

    Running executions are left out; `status=error` also lists crashed ones.
    """
    filters = ExecutionFilters(
        statuses=STATUS_FILTERS[status] if status else (),
        workflow_id=workflowId,
        project_id=projectId,
    )
    data, next_cursor = await ExecutionService(session).list_page(
        principal, filters, includeData, limit, cursor
    )
    return {"data": data, "nextCursor": next_cursor}


@router.get(
    "/{id}",
    response_model=ExecutionOut,
    response_model_exclude_unset=True,
    **requires("execution:read", errors=NOT_FOUND),
)
async def get_execution(
    id: PathId, principal: ApiPrincipal, session: SessionDep, includeData: IncludeData = False
) -> dict[str, Any]:
    """Retrieve an execution of a workflow you may read."""
    service = ExecutionService(session)
    return await service.render(await service.find(principal, id, "workflow:read"), includeData)


@router.delete(
    "/{id}",
    response_model=ExecutionOut,
    response_model_exclude_unset=True,
    **requires("execution:delete", errors=NOT_FOUND),
)
async def delete_execution(
    id: PathId, principal: ApiPrincipal, session: SessionDep
) -> dict[str, Any]:
    """Delete an execution of a workflow you may delete; a running one cannot be (400)."""
    return await ExecutionService(session).delete(principal, id)
