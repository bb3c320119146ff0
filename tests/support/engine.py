"""Running workflows through the engine directly, without a server or a database."""

from __future__ import annotations

import asyncio
import itertools
from functools import cache
from typing import Any

import httpx

from relayflow.engine.errors import NodeError
from relayflow.engine.nodes.base import Evaluator, RunState
from relayflow.engine.runner import RunResult, WorkflowRun, start_node

MANUAL = {
    "name": "Manual",
    "type": "n8n-nodes-base.manualTrigger",
    "typeVersion": 1,
    "position": [0, 0],
    "parameters": {},
}


@cache
def evaluator() -> Evaluator:
    """One V8 evaluator for the whole test session, as a server keeps one."""
    from relayflow.engine.expressions import V8Evaluator

    return V8Evaluator()


class DictCredentials:
    """Credential data by type, for engine tests; the stored, encrypted kind is tested
    through the server."""

    def __init__(self, by_type: dict[str, dict[str, Any]] | None = None) -> None:
        self.by_type = by_type or {}

    async def get(self, node: dict[str, Any], type_name: str) -> dict[str, Any]:
        if type_name not in (node.get("credentials") or {}):
            raise NodeError(
                f'Node "{node["name"]}" does not have any credentials of type "{type_name}" set'
            )
        if type_name not in self.by_type:
            raise NodeError(f"no credential of type {type_name}")
        return dict(self.by_type[type_name])


def node(
    name: str, type_name: str, parameters: dict[str, Any] | None = None, **extra: Any
) -> dict[str, Any]:
    """A node of `type_name` (short names get the `n8n-nodes-base.` prefix)."""
    full = type_name if "." in type_name else f"n8n-nodes-base.{type_name}"
    return {
        "name": name,
        "type": full,
        "typeVersion": extra.pop("typeVersion", 1),
        "position": extra.pop("position", [0, 0]),
        "parameters": parameters or {},
        **extra,
    }


def chain(*names: str) -> dict[str, Any]:
    """Connections joining `names` one after the other on main output 0."""
    return {
        source: {"main": [[{"node": target, "type": "main", "index": 0}]]}
        for source, target in itertools.pairwise(names)
    }


async def run_workflow_async(
    workflow: dict[str, Any],
    *,
    credentials: dict[str, dict[str, Any]] | None = None,
    pin_data: dict[str, Any] | None = None,
    items: list[dict[str, Any]] | None = None,
    mode: str = "manual",
) -> RunResult:
    """Run a whole workflow from its manual trigger, on the running event loop."""
    async with httpx.AsyncClient() as client:
        state = RunState(
            workflow=workflow,
            execution_id="1",
            mode=mode,
            evaluator=evaluator(),
            credentials=DictCredentials(credentials),
            http=client,
        )
        return await WorkflowRun(state, pin_data=pin_data).run(start_node(workflow), items)


def run_workflow(workflow: dict[str, Any], **options: Any) -> RunResult:
    """Run a whole workflow from its manual trigger and return how it ended."""
    return asyncio.run(run_workflow_async(workflow, **options))


def run(
    nodes: list[dict[str, Any]],
    connections: dict[str, Any],
    *,
    settings: dict[str, Any] | None = None,
    **options: Any,
) -> RunResult:
    """Run `nodes` joined by `connections` (see `run_workflow` for the options)."""
    workflow = {
        "id": "wf0000000000test",
        "name": "Test workflow",
        "active": False,
        "nodes": nodes,
        "connections": connections,
        "settings": settings or {"executionOrder": "v1"},
    }
    return run_workflow(workflow, **options)


def output(result: RunResult, name: str, output_index: int = 0, run_index: int = 0) -> list[Any]:
    """The `json` of the items node `name` put on an output in one of its runs."""
    task = result.data["resultData"]["runData"][name][run_index]
    return [entry["json"] for entry in task["data"]["main"][output_index]]
