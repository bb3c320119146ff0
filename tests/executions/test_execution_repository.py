"""What the executor writes through `ExecutionRepository`, and what the API reads back."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncSession

from relayflow.auth.principal import Principal
from relayflow.auth.scopes import OWNER
from relayflow.core.clock import iso, utcnow
from relayflow.db.models import Execution, ExecutionData, ExecutionMetadata, Workflow
from relayflow.executions.repository import ExecutionFilters, ExecutionRepository
from relayflow.executions.service import ExecutionService
from relayflow.instance import Instance
from tests.executions.runs import record_run, run_data, snapshot
from tests.support.client import Api
from tests.support.server import RunningServer
from tests.support.workflows import make_workflow, personal_project_id


@dataclass
class Stored:
    """An execution's rows, read straight from the database."""

    execution: Execution
    data: ExecutionData
    custom_data: dict[str, str]


def stored(server: RunningServer, execution_id: int) -> Stored:
    async def task(_instance: Instance, session: AsyncSession) -> Stored:
        execution = await session.get(Execution, execution_id)
        data = await session.get(ExecutionData, execution_id)
        assert execution is not None and data is not None
        rows = await session.scalars(
            select(ExecutionMetadata).where(ExecutionMetadata.execution_id == execution_id)
        )
        return Stored(execution, data, {row.key: row.value for row in rows})

    return server.work(task)


@pytest.fixture(scope="module")
def workflow(server: RunningServer) -> str:
    owner = server.create_user("global:admin")
    return make_workflow(server, personal_project_id(server, owner.id))


def test_create_should_store_a_queued_run_with_the_snapshot(
    server: RunningServer, workflow: str
) -> None:
    before = utcnow()
    run = stored(server, int(record_run(server, workflow, "new", mode="webhook")))
    assert run.execution.status == "new" and run.execution.finished is False
    assert run.execution.mode == "webhook" and run.execution.workflow_id == workflow
    assert run.execution.created_at >= before - timedelta(seconds=1)
    assert run.execution.started_at is None and run.execution.stopped_at is None
    assert run.data.data == {} and run.data.workflow_data == snapshot(workflow)
    assert run.custom_data == {}


def test_start_should_mark_the_run_running(server: RunningServer, workflow: str) -> None:
    run = stored(server, int(record_run(server, workflow, "running")))
    assert run.execution.status == "running" and run.execution.started_at is not None
    assert run.execution.stopped_at is None and run.execution.finished is False


@pytest.mark.parametrize(
    ("status", "finished"), [("success", True), ("error", False), ("canceled", False)]
)
def test_finish_should_store_the_outcome(
    server: RunningServer, workflow: str, status: str, finished: bool
) -> None:
    run = stored(server, int(record_run(server, workflow, status, custom_data={"k": "v"})))
    assert run.execution.status == status and run.execution.finished is finished
    assert run.execution.stopped_at is not None
    assert run.execution.started_at is not None
    assert run.execution.stopped_at >= run.execution.started_at
    assert run.data.data == run_data() and run.custom_data == {"k": "v"}


def test_waiting_then_finishing_should_replace_wait_and_custom_data(
    server: RunningServer, workflow: str
) -> None:
    later = utcnow() + timedelta(hours=2)
    run_id = int(record_run(server, workflow, "waiting", wait_till=later, custom_data={"a": "1"}))
    waiting = stored(server, run_id)
    assert waiting.execution.stopped_at is None
    assert iso(waiting.execution.wait_till) == iso(later)

    async def resume(_instance: Instance, session: AsyncSession) -> None:
        await ExecutionRepository(session).finish(
            run_id, status="success", data={"resultData": {}}, custom_data={"b": "2"}
        )

    server.work(resume)
    done = stored(server, run_id)
    assert done.execution.status == "success" and done.execution.wait_till is None
    assert done.execution.stopped_at is not None
    assert done.data.data == {"resultData": {}} and done.custom_data == {"b": "2"}


def test_retry_of_should_show_in_the_api(api: Api, server: RunningServer, workflow: str) -> None:
    original = record_run(server, workflow, "error")
    retry = record_run(server, workflow, "success", mode="retry", retry_of=original)
    key = server.create_key(server.create_user("global:admin"))
    body = api.get(f"/executions/{retry}", key).json()
    assert (body["mode"], body["retryOf"], body["retrySuccessId"]) == ("retry", original, None)


def statements_for_page(server: RunningServer, workflow: str, limit: int) -> int:
    """How many statements one page of `limit` executions with their data costs."""
    admin = Principal(user_id="nobody", role=OWNER, scopes=frozenset())

    async def task(_instance: Instance, session: AsyncSession) -> int:
        seen: list[str] = []

        def count(*args: Any) -> None:
            seen.append(args[2])

        connection = await session.connection()
        event.listen(connection.sync_connection, "before_cursor_execute", count)
        try:
            items, _ = await ExecutionService(session).list_page(
                admin, ExecutionFilters(workflow_id=workflow), True, limit, None
            )
        finally:
            event.remove(connection.sync_connection, "before_cursor_execute", count)
        assert len(items) == limit and all("customData" in item for item in items)
        return len(seen)

    return server.work(task)


def test_a_page_with_data_should_cost_the_same_statements_at_any_size(
    server: RunningServer, workflow: str
) -> None:
    for _ in range(12):
        record_run(server, workflow, "success", custom_data={"n": "1"})
    assert statements_for_page(server, workflow, 2) == statements_for_page(server, workflow, 12)
    assert statements_for_page(server, workflow, 12) <= 3


def test_soft_deleted_runs_should_be_invisible(
    api: Api, server: RunningServer, workflow: str
) -> None:
    run_id = int(record_run(server, workflow, "success"))

    async def prune(_instance: Instance, session: AsyncSession) -> None:
        execution = await session.get(Execution, run_id)
        assert execution is not None
        execution.deleted_at = utcnow()

    server.work(prune)
    key = server.create_key(server.create_user("global:admin"))
    assert api.get(f"/executions/{run_id}", key).status_code == 404
    assert api.delete(f"/executions/{run_id}", key).status_code == 404
    listed = api.get("/executions", key, params={"workflowId": workflow, "limit": 250}).json()
    assert str(run_id) not in {item["id"] for item in listed["data"]}


def test_finishing_a_run_whose_workflow_was_deleted_should_store_nothing(
    server: RunningServer,
) -> None:
    owner = server.create_user("global:admin")
    doomed = make_workflow(server, personal_project_id(server, owner.id))
    run_id = int(record_run(server, doomed, "running"))

    async def delete_workflow(_instance: Instance, session: AsyncSession) -> None:
        workflow = await session.get(Workflow, doomed)
        assert workflow is not None
        await session.delete(workflow)

    async def finish(_instance: Instance, session: AsyncSession) -> None:
        await ExecutionRepository(session).finish(
            run_id, status="success", data=run_data(), custom_data={"k": "v"}
        )

    server.work(delete_workflow)
    server.work(finish)

    async def count(_instance: Instance, session: AsyncSession) -> int:
        rows = await session.scalars(
            select(ExecutionMetadata).where(ExecutionMetadata.execution_id == run_id)
        )
        return len(rows.all())

    assert server.work(count) == 0
