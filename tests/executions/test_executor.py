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
