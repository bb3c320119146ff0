"""All SQL about executions: their rows, run data and custom data."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, CursorResult, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from relayflow.core.clock import utcnow
from relayflow.db.models import Execution, ExecutionData, ExecutionMetadata
from relayflow.projects.repository import owned_workflow_ids
from relayflow.workflows.repository import accessible_ids

MAX_ID = 2**31 - 1
"""The largest id an `INTEGER` column holds on PostgreSQL: larger ones cannot exist."""

RUNNING = "running"
WAITING = "waiting"
SUCCESS = "success"


@dataclass(frozen=True, slots=True)
class ExecutionFilters:
    """The list filters of `GET /executions`."""

    statuses: tuple[str, ...] = ()
    workflow_id: str | None = None
    project_id: str | None = None
    visible_to: str | None = field(default=None)
    """A member's user id: only executions of workflows it may read; None for owner and admin."""


@dataclass(frozen=True, slots=True)
class ExecutionDetails:
    """What `includeData=true` adds to an execution."""

    data: dict[str, Any]
    workflow_data: dict[str, Any]
    custom_data: dict[str, str]


def _visible(user_id: str | None, scope: str) -> list[ColumnElement[bool]]:
    """No condition for owner and admin; a member reaches executions through the workflow."""
    if user_id is None:
        return []
    return [Execution.workflow_id.in_(accessible_ids(user_id, scope))]


def _conditions(filters: ExecutionFilters) -> list[ColumnElement[bool]]:
    """What a page of `GET /executions` must match, visibility included."""
    conditions = [
        Execution.status != RUNNING,
        Execution.deleted_at.is_(None),
        *_visible(filters.visible_to, "workflow:read"),
    ]
    if filters.statuses:
        conditions.append(Execution.status.in_(filters.statuses))
    if filters.workflow_id is not None:
        conditions.append(Execution.workflow_id == filters.workflow_id)
    if filters.project_id is not None:
        conditions.append(Execution.workflow_id.in_(owned_workflow_ids(filters.project_id)))
    return conditions


class ExecutionRepository:
    """Reads and writes execution rows in one unit of work."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # -- writes (the executor's) -------------------------------------------------------------

    async def create(
        self,
        workflow_id: str,
        mode: str,
        workflow_data: dict[str, Any],
        *,
        status: str = "new",
        retry_of: str | None = None,
    ) -> Execution:
        """A new execution with empty run data and a snapshot of the workflow."""
        execution = Execution(
            workflow_id=workflow_id,
            mode=mode,
            status=status,
            finished=False,
            retry_of=retry_of,
            created_at=utcnow(),
        )
        self.session.add(execution)
        await self.session.flush()
        self.session.add(
            ExecutionData(execution_id=execution.id, data={}, workflow_data=workflow_data)
        )
        await self.session.flush()
        return execution

    async def start(self, execution_id: int) -> None:
        """Mark an execution as running from now."""
        await self.session.execute(
            update(Execution)
            .where(Execution.id == execution_id)
            .values(status=RUNNING, started_at=utcnow())
        )

    async def finish(
        self,
        execution_id: int,
        *,
        status: str,
        data: dict[str, Any],
        custom_data: dict[str, str],
        wait_till: datetime | None = None,
    ) -> None:
        """Store how a run ended, what it produced and its custom data (replacing any).

        Nothing is stored for an execution that is gone (its workflow was deleted mid-run).
        """
        result = await self.session.execute(
            update(Execution)
            .where(Execution.id == execution_id)
            .values(
                status=status,
                finished=status == SUCCESS,
                stopped_at=None if status == WAITING else utcnow(),
                wait_till=wait_till,
            )
        )
        if not cast("CursorResult[Any]", result).rowcount:
            return
        await self.session.execute(
            update(ExecutionData)
            .where(ExecutionData.execution_id == execution_id)
            .values(data=data)
        )
        await self.session.execute(
            delete(ExecutionMetadata).where(ExecutionMetadata.execution_id == execution_id)
        )
        self.session.add_all(
            ExecutionMetadata(execution_id=execution_id, key=key, value=value)
            for key, value in custom_data.items()
        )
        await self.session.flush()

    # -- reads and deletes (the API's) -------------------------------------------------------

    async def get(
        self, execution_id: int, *, visible_to: str | None = None, scope: str = "workflow:read"
    ) -> Execution | None:
        """An execution by id, if it exists and `visible_to` (a member) reaches its workflow."""
        if not 1 <= execution_id <= MAX_ID:
            return None
        query = select(Execution).where(
            Execution.id == execution_id,
            Execution.deleted_at.is_(None),
            *_visible(visible_to, scope),
        )
        return await self.session.scalar(query)

    async def page(
        self, filters: ExecutionFilters, limit: int, before: int | None
    ) -> list[Execution]:
        """Up to `limit` executions below id `before`, newest first, matching `filters`."""
        query = select(Execution).where(*_conditions(filters))
        if before is not None:
            if before < 1:
                return []
            if before <= MAX_ID:
                query = query.where(Execution.id < before)
        query = query.order_by(Execution.id.desc()).limit(limit)
        return list((await self.session.scalars(query)).all())

    async def details(self, execution_ids: Sequence[int]) -> dict[int, ExecutionDetails]:
        """Run data, workflow snapshot and custom data of several executions, by id."""
        if not execution_ids:
            return {}
        custom: dict[int, dict[str, str]] = defaultdict(dict)
        metadata = select(ExecutionMetadata).where(
            ExecutionMetadata.execution_id.in_(execution_ids)
        )
        for row in (await self.session.scalars(metadata)).all():
            custom[row.execution_id][row.key] = row.value
        query = select(ExecutionData).where(ExecutionData.execution_id.in_(execution_ids))
        return {
            row.execution_id: ExecutionDetails(
                row.data, row.workflow_data, custom.get(row.execution_id, {})
            )
            for row in (await self.session.scalars(query)).all()
        }

    async def delete(self, execution_id: int) -> None:
        """Delete an execution for good; its run data and custom data go by cascade."""
        await self.session.execute(delete(Execution).where(Execution.id == execution_id))
