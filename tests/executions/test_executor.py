"""The embedded executor's life cycle: what happens to runs when the server stops."""

from __future__ import annotations

import asyncio
from typing import Any

from relayflow.db.models import Execution
from relayflow.engine.expressions import V8Evaluator
from relayflow.executions.executor import LocalExecutor
from tests.executions.test_runs import User
from tests.support.client import Api
from tests.support.engine import MANUAL
from tests.support.server import RunningServer

SLOW = {
    "name": "Slow",
    "type": "n8n-nodes-base.code",
    "typeVersion": 2,
    "position": [200, 0],
    "parameters": {"jsCode": "await new Promise(done => setTimeout(done, 20000)); return [];"},
}


def statuses(server: RunningServer, ids: list[int]) -> list[tuple[str, Any]]:
    async def read() -> list[tuple[str, Any]]:
        async with server.instance.database.session() as session:
            rows = [await session.get(Execution, execution_id) for execution_id in ids]
            return [(row.status, row.stopped_at) for row in rows if row is not None]

    return server.run(read())


def test_stopping_should_record_running_and_waiting_runs_as_canceled(
    api: Api, server: RunningServer
) -> None:
    owner = User(api, server)
    workflow_id = owner.workflow([MANUAL, SLOW])
    instance = server.instance

    async def start_then_stop() -> list[int]:
        executor = LocalExecutor(
            instance.database, instance.cipher, instance.oauth2, V8Evaluator, concurrency=1
        )
        running = await executor.start(workflow_id, "manual")
        queued = await executor.start(workflow_id, "manual")
        for _ in range(200):
            if running in executor.running and queued in executor.running:
                break
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.5)
        await executor.close()
        return [running, queued]

    ids = server.run(start_then_stop())
    recorded = statuses(server, ids)
    assert [status for status, _ in recorded] == ["canceled", "canceled"]
    assert all(stopped is not None for _, stopped in recorded)


def test_a_run_whose_data_cannot_be_stored_should_be_recorded_as_crashed(
    api: Api, server: RunningServer
) -> None:
    from relayflow.engine.runner import RunResult
    from relayflow.executions.credential_source import StoredCredentials
    from relayflow.executions.repository import ExecutionRepository

    owner = User(api, server)
    workflow_id = owner.workflow([MANUAL])
    instance = server.instance

    async def save_unstorable() -> int:
        async with instance.database.session() as session:
            execution = await ExecutionRepository(session).create(workflow_id, "manual", {})
            execution_id = execution.id
        executor = LocalExecutor(instance.database, instance.cipher, instance.oauth2, V8Evaluator)
        credentials = StoredCredentials(instance.database, instance.cipher, instance.oauth2, None)
        # A set is not JSON: the database refuses the run data.
        unstorable = RunResult("success", {"resultData": {"runData": {"odd": {1, 2}}}})
        await executor._save_or_record_crash(execution_id, unstorable, credentials)
        await executor.close()
        return execution_id

    [(status, stopped)] = statuses(server, [server.run(save_unstorable())])
    assert status == "crashed" and stopped is not None
