"""Executions written the way the executor writes them, and callers that read them back."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from relayflow.executions.repository import ExecutionRepository
from relayflow.instance import Instance
from tests.support.client import Api
from tests.support.server import RunningServer
from tests.support.workflows import personal_project_id


def run_data(node: str = "Set") -> dict[str, Any]:
    """Run data shaped like n8n's `IRunExecutionData`."""
    return {
        "startData": {},
        "resultData": {
            "runData": {
                node: [
                    {
                        "startTime": 1700000000000,
                        "executionTime": 3,
                        "source": [],
                        "data": {"main": [[{"json": {"a": "b"}}]]},
                    }
                ]
            },
            "lastNodeExecuted": node,
        },
    }


def snapshot(workflow_id: str) -> dict[str, Any]:
    """The workflow as it ran."""
    return {"id": workflow_id, "name": "As it ran", "nodes": [], "connections": {}}


def record_run(
    server: RunningServer,
    workflow_id: str,
    status: str = "success",
    *,
    mode: str = "manual",
    custom_data: dict[str, str] | None = None,
    wait_till: datetime | None = None,
    retry_of: str | None = None,
) -> str:
    """An execution of `workflow_id` left in `status` (`new`, `running` or how it ended)."""

    async def task(_instance: Instance, session: AsyncSession) -> str:
        executions = ExecutionRepository(session)
        execution = await executions.create(
            workflow_id, mode, snapshot(workflow_id), retry_of=retry_of
        )
        if status != "new":
            await executions.start(execution.id)
        if status not in ("new", "running"):
            await executions.finish(
                execution.id,
                status=status,
                data=run_data(),
                custom_data=custom_data or {},
                wait_till=wait_till,
            )
        return str(execution.id)

    return server.work(task)


@dataclass
class Caller:
    """A user with a key carrying every scope of its role."""

    user_id: str
    key: str
    project_id: str


def caller(server: RunningServer, role: str = "global:member") -> Caller:
    """A new user of `role` with a key and its personal project."""
    user = server.create_user(role)
    return Caller(user.id, server.create_key(user), personal_project_id(server, user.id))


def ok(response: Any, status: int = 200) -> Any:
    """The JSON body of a response that must have `status`."""
    assert response.status_code == status, response.text
    return response.json()


def listed(api: Api, key: str, **params: Any) -> list[dict[str, Any]]:
    """Every execution the list returns for `params`, walking all pages."""
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        query = {**params, **({"cursor": cursor} if cursor else {})}
        page = ok(api.get("/executions", key, params=query))
        items += page["data"]
        cursor = page["nextCursor"]
        if cursor is None:
            return items


def ids_of(items: list[dict[str, Any]]) -> set[str]:
    """The ids of listed executions."""
    return {item["id"] for item in items}


def cursor_of(payload: Any) -> str:
    """A cursor as a client could forge it."""
    return base64.b64encode(json.dumps(payload).encode()).decode()
