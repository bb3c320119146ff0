"""The rules of executions: who sees which runs, how they page, when one may be deleted."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from relayflow.auth.principal import Principal
from relayflow.core import pagination
from relayflow.core.clock import iso
from relayflow.core.errors import BadRequest, NotFound
from relayflow.db.models import Execution
from relayflow.executions.repository import (
    RUNNING,
    ExecutionDetails,
    ExecutionFilters,
    ExecutionRepository,
)
from relayflow.executions.schemas import INTEGER

_MAX_DIGITS = 20


def summary_to_wire(execution: Execution) -> dict[str, Any]:
    """An execution as `GET /executions` lists it."""
    return {
        "id": str(execution.id),
        "finished": execution.finished,
        "mode": execution.mode,
        "retryOf": execution.retry_of,
        "retrySuccessId": execution.retry_success_id,
        "startedAt": iso(execution.started_at),
        "stoppedAt": iso(execution.stopped_at),
        "workflowId": execution.workflow_id,
        "waitTill": iso(execution.wait_till),
        "status": execution.status,
    }


def to_wire(execution: Execution) -> dict[str, Any]:
    """An execution with every column, as `GET` and `DELETE /executions/{id}` return it."""
    return {
        **summary_to_wire(execution),
        "createdAt": iso(execution.created_at),
        "deletedAt": iso(execution.deleted_at),
    }


def with_details(body: dict[str, Any], details: ExecutionDetails | None) -> dict[str, Any]:
    """`body` with the fields `includeData=true` adds."""
    if details is None:
        return {**body, "data": {}, "workflowData": {}, "customData": {}}
    return {
        **body,
        "data": details.data,
        "workflowData": details.workflow_data,
        "customData": details.custom_data,
    }


def _last_id(page: pagination.Page) -> int | None:
    """The cursor's `lastId` as a number; 400 `An invalid cursor was provided` otherwise."""
    if page.last_id is None:
        return None
    if not INTEGER.fullmatch(page.last_id) or len(page.last_id) > _MAX_DIGITS:
        raise BadRequest(pagination.INVALID_CURSOR)
    return int(page.last_id)


class ExecutionService:
    """Execution reads and deletes for one unit of work."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.executions = ExecutionRepository(session)

    async def find(self, principal: Principal, execution_id: int, scope: str) -> Execution:
        """An execution whose workflow the caller may use for `scope`; 404 otherwise, never 403.

        Owner and admin reach every execution. The message is n8n's `Not Found` whoever asks,
        so a member cannot tell another user's execution from a missing one.
        """
        visible_to = None if principal.is_instance_admin else principal.user_id
        execution = await self.executions.get(execution_id, visible_to=visible_to, scope=scope)
        if execution is None:
            raise NotFound("Not Found")
        return execution

    async def render(self, execution: Execution, include_data: bool) -> dict[str, Any]:
        """One execution with every column, and its data when asked."""
        body = to_wire(execution)
        if not include_data:
            return body
        details = await self.executions.details([execution.id])
        return with_details(body, details.get(execution.id))

    async def list_page(
        self,
        principal: Principal,
        filters: ExecutionFilters,
        include_data: bool,
        limit: int,
        cursor: str | None,
    ) -> tuple[list[dict[str, Any]], str | None]:
        """One page of the executions the caller may read, newest first, and the next cursor."""
        page = pagination.id_page(limit, cursor)
        if not principal.is_instance_admin:
            filters = replace(filters, visible_to=principal.user_id)
        rows = await self.executions.page(filters, page.limit + 1, _last_id(page))
        kept = rows[: page.limit]
        next_cursor = None
        if len(rows) > page.limit:
            next_cursor = pagination.encode({"lastId": str(kept[-1].id), "limit": page.limit})
        items = [summary_to_wire(row) for row in kept]
        if include_data:
            details = await self.executions.details([row.id for row in kept])
            items = [
                with_details(item, details.get(row.id))
                for item, row in zip(items, kept, strict=True)
            ]
        return items, next_cursor

    async def delete(self, principal: Principal, execution_id: int) -> dict[str, Any]:
        """Delete an execution for good, unless it is running; returns it without its data."""
        execution = await self.find(principal, execution_id, "workflow:delete")
        if execution.status == RUNNING:
            raise BadRequest("Cannot delete a running execution")
        body = to_wire(execution)
        await self.executions.delete(execution.id)
        return body
