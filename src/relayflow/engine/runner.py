"""Runs one workflow: n8n's node execution stack, in its `v0` and `v1` orders.

The runner starts at one node with one input, runs a node, hands its output items to the nodes
connected to it, and goes on until nothing is left to run or a node fails. What every node
produced is kept in n8n's run-data shape (`resultData.runData`), which is what the executions
API returns.

Order (`settings.executionOrder`):
- `v1` (n8n's default for new workflows): depth first. The children of a node run before
  anything queued earlier; among the children, the one placed highest on the canvas (then
  leftmost) runs first.
- `v0` (workflows saved without the setting): breadth first, children in connection order.

A node with several inputs (Merge) waits until every input has data; when nothing else is left
to run, it runs with what it has, the missing inputs empty.

A child runs only if its parent put at least one item on the connected output, as in n8n.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from relayflow.engine.errors import NodeError, WorkflowError
from relayflow.engine.items import Items, Outputs
from relayflow.engine.nodes.base import NodeCall, NodeType, RunState
from relayflow.engine.nodes.registry import node_type
from relayflow.engine.scope import TaskData

MAX_NODE_RUNS = 100_000
"""Node runs one execution may make: a workflow that loops without end stops here."""
MAX_TRIES = 5
MAX_WAIT_BETWEEN_TRIES_MS = 5000
"""n8n's editor bounds for `maxTries` and `waitBetweenTries`."""

CONTINUE_REGULAR = "continueRegularOutput"
CONTINUE_ERROR = "continueErrorOutput"

Cancelled = Callable[[], bool]


@dataclass
class _Job:
    """A node waiting on the stack, with the items for each of its inputs."""

    node: dict[str, Any]
    inputs: list[Items]
    source: list[dict[str, Any] | None]


@dataclass
class _Waiting:
    """A multi-input node that has data on some of its inputs."""

    inputs: list[Items | None]
    source: list[dict[str, Any] | None]


@dataclass
class RunResult:
    """How a run ended, in the shapes the execution record keeps."""

    status: str
    """`success` or `error` (`canceled` when stopped)."""
    data: dict[str, Any]
    """n8n's `IRunExecutionData`: `startData`, `resultData`, `executionData`."""
    error: NodeError | None = None
    custom_data: dict[str, str] = field(default_factory=dict)


class Graph:
    """A workflow's nodes by name and its `main` connections both ways."""

    def __init__(self, workflow: dict[str, Any]) -> None:
        self.nodes: dict[str, dict[str, Any]] = {}
        for node in workflow.get("nodes") or []:
            self.nodes[str(node["name"])] = node
        self.children: dict[str, list[list[dict[str, Any]]]] = {}
        self.parents: dict[str, set[str]] = {}
        for source, by_type in (workflow.get("connections") or {}).items():
            outputs = [list(targets or []) for targets in (by_type or {}).get("main") or []]
            self.children[source] = outputs
            for targets in outputs:
                for target in targets:
                    self.parents.setdefault(str(target["node"]), set()).add(source)

    def node(self, name: str) -> dict[str, Any]:
        try:
            return self.nodes[name]
        except KeyError:
            raise WorkflowError(f'The workflow has no node named "{name}"') from None

    def input_count(self, name: str, declared: int) -> int:
        """Inputs a node has: what its type declares, or more if connections use more."""
        used = [
            int(target.get("index", 0)) + 1
            for outputs in self.children.values()
            for targets in outputs
            for target in targets
            if target["node"] == name
        ]
        return max([declared, *used])


def start_node(workflow: dict[str, Any], name: str | None = None) -> dict[str, Any]:
    """The node a manual run starts at: the one named, else the manual trigger."""
    graph = Graph(workflow)
    if name is not None:
        return graph.node(name)
    for node in graph.nodes.values():
        if node.get("disabled"):
            continue
        if node["type"] in ("n8n-nodes-base.manualTrigger", "n8n-nodes-base.start"):
            return node
    raise WorkflowError(
        "The workflow has no Manual Trigger node to start from: "
        "add one, or start it from one of its triggers"
    )


def _now_ms() -> int:
    return int(time.time() * 1000)


class WorkflowRun:
    """One run of one workflow; `run()` drives it to the end."""

    def __init__(
        self,
        state: RunState,
        *,
        pin_data: dict[str, Items] | None = None,
        on_node_done: Callable[[str, TaskData], Awaitable[None]] | None = None,
        cancelled: Cancelled | None = None,
    ) -> None:
        self.state = state
        self.graph = Graph(state.workflow)
        self.pin_data = pin_data or {}
        self.order = (state.workflow.get("settings") or {}).get("executionOrder", "v0")
        self.stack: list[_Job] = []
        self.waiting: dict[str, _Waiting] = {}
        self.on_node_done = on_node_done
        self.cancelled = cancelled or (lambda: False)
        self.last_node: str | None = None
        self.execution_index = 0

    def _type(self, node: dict[str, Any]) -> NodeType:
        found = node_type(str(node["type"]))
        if found is None:
            raise WorkflowError(
                f'Unrecognized node type: {node["type"]} (node "{node["name"]}"): '
                "Relayflow does not have this node yet"
            )
        return found

    def check(self) -> None:
        """Refuse a workflow with nodes Relayflow cannot run, before anything runs."""
        for node in self.graph.nodes.values():
            if node["type"] == "n8n-nodes-base.stickyNote" or node.get("disabled"):
                continue
            self._type(node)

    async def run(self, start: dict[str, Any], items: Items | None = None) -> RunResult:
        """Run from `start`, which receives `items` (one empty item by default)."""
        self.check()
        first = items if items is not None else [{"json": {}}]
        self.stack.append(_Job(start, [first], [None]))
        error: NodeError | None = None
        while not error:
            # Most nodes never wait on anything: without this, a workflow that loops would
            # keep the event loop (and every other request) waiting, and could not be stopped.
            await asyncio.sleep(0)
            if self.cancelled():
                return self.result("canceled", None)
            if not self.stack and not self._release_waiting():
                break
            if self.execution_index >= MAX_NODE_RUNS:
                error = NodeError(
                    f"The execution stopped after {MAX_NODE_RUNS} node runs: "
                    "the workflow may loop without end"
                )
                break
            job = self.stack.pop(0)
            error = await self._run_job(job)
        return self.result("error" if error else "success", error)

    def _release_waiting(self) -> bool:
        """Queue the first node still waiting on inputs, with what it has; False if none."""
        for name, waiting in list(self.waiting.items()):
            del self.waiting[name]
            inputs = [got if got is not None else [] for got in waiting.inputs]
            self.stack.append(_Job(self.graph.node(name), inputs, waiting.source))
            return True
        return False

    async def _run_job(self, job: _Job) -> NodeError | None:
        node, name = job.node, str(job.node["name"])
        runs = self.state.run_data.setdefault(name, [])
        started = _now_ms()
        call = NodeCall(self.state, node, job.inputs, run_index=len(runs), source=job.source)
        task: TaskData = {
            "startTime": started,
            "executionIndex": self.execution_index,
            "source": job.source,
        }
        self.execution_index += 1
        failure: NodeError | None = None
        outputs: Outputs | None
        try:
            outputs = await self._execute(call)
        except NodeError as exc:
            failure = exc
            outputs = self._continue_after(call, exc)
        except WorkflowError as exc:
            failure = NodeError(str(exc))
            outputs = None
        except Exception as exc:
            # n8n turns whatever a node throws into a node error; so does Relayflow, naming
            # only the kind of failure (its text may hold data).
            failure = NodeError(f"The node failed unexpectedly ({type(exc).__name__})")
            outputs = self._continue_after(call, failure)
        task["executionTime"] = _now_ms() - started
        self.last_node = name
        if failure is not None and outputs is None:
            task["executionStatus"] = "error"
            task["error"] = failure.to_json(node)
            runs.append(task)
            # Kept on the stack, as n8n keeps it: a retry starts again from this node.
            self.stack.insert(0, job)
            await self._node_done(name, task)
            return failure
        task["executionStatus"] = "success"
        task["data"] = {"main": outputs or [[]]}
        if failure is not None:
            task["error"] = failure.to_json(node)
        runs.append(task)
        await self._node_done(name, task)
        self._hand_on(name, len(runs) - 1, outputs or [])
        return None

    async def _node_done(self, name: str, task: TaskData) -> None:
        if self.on_node_done is not None:
            await self.on_node_done(name, task)

    async def _execute(self, call: NodeCall) -> Outputs:
        node = call.node
        if node.get("disabled"):
            # A disabled node hands its first input on unchanged, whatever its type.
            return [call.items(0)]
        kind = self._type(node)
        outputs_count = kind.outputs(node)
        pinned = self.pin_data.get(str(node["name"]))
        if pinned is not None:
            return [[{"json": entry.get("json", {})} for entry in pinned]]
        if node.get("executeOnce") and call.inputs and call.inputs[0]:
            call.inputs = [items[:1] for items in call.inputs]
        await call.prepare()
        result = await self._with_retries(kind, call)
        outputs = [list(items) for items in (result or [])]
        outputs += [[] for _ in range(outputs_count - len(outputs))]
        if node.get("alwaysOutputData") and not any(outputs):
            outputs[0] = [{"json": {}}]
        return _route_failed_items(outputs, node.get("onError") == CONTINUE_ERROR)

    async def _with_retries(self, kind: NodeType, call: NodeCall) -> Outputs | None:
        """Run the node; with `retryOnFail`, try again up to `maxTries` times in all."""
        node = call.node
        tries = 1
        if node.get("retryOnFail"):
            tries = min(max(_whole(node.get("maxTries"), 3), 2), MAX_TRIES)
        pause = min(max(_whole(node.get("waitBetweenTries"), 1000), 0), MAX_WAIT_BETWEEN_TRIES_MS)
        for attempt in range(1, tries + 1):
            try:
                return await kind.execute(call)
            except NodeError:
                if attempt == tries or self.cancelled():
                    raise
                await asyncio.sleep(pause / 1000)
        return None

    def _continue_after(self, call: NodeCall, error: NodeError) -> Outputs | None:
        """What a failed node hands on when it is set to continue, else None (the run stops).

        `continueRegularOutput` (and the older `continueOnFail`) passes the input through on
        the first output; `continueErrorOutput` puts it, with the error, on the error output.
        """
        node = call.node
        on_error = node.get("onError")
        if on_error == CONTINUE_ERROR:
            count = self._type(node).outputs(node)
            failed = [
                {
                    "json": {**entry.get("json", {}), "error": error.message},
                    "pairedItem": {"item": i},
                }
                for i, entry in enumerate(call.items(0))
            ] or [{"json": {"error": error.message}}]
            return [[] for _ in range(count)] + [failed]
        if on_error == CONTINUE_REGULAR or node.get("continueOnFail") is True:
            return [call.items(0)]
        return None

    def _hand_on(self, name: str, run_index: int, outputs: Outputs) -> None:
        """Queue the children of `name` that received items."""
        connected = self.graph.children.get(name) or []
        added: list[tuple[dict[str, Any], int, Items]] = []
        for output_index, targets in enumerate(connected):
            items = outputs[output_index] if output_index < len(outputs) else []
            if not items:
                continue
            for target in targets:
                added.append((target, output_index, items))
        if self.order == "v1":
            # Highest on the canvas first (then leftmost): pushed in reverse onto the front.
            added.sort(key=lambda entry: _position(self.graph.node(str(entry[0]["node"]))))
            for target, output_index, items in reversed(added):
                self._add(target, output_index, items, name, run_index, front=True)
        else:
            for target, output_index, items in added:
                self._add(target, output_index, items, name, run_index, front=False)

    def _add(
        self,
        target: dict[str, Any],
        output_index: int,
        items: Items,
        parent: str,
        run_index: int,
        *,
        front: bool,
    ) -> None:
        child = self.graph.node(str(target["node"]))
        child_name = str(child["name"])
        input_index = int(target.get("index", 0))
        source = {
            "previousNode": parent,
            "previousNodeOutput": output_index,
            "previousNodeRun": run_index,
        }
        count = self.graph.input_count(child_name, self._declared_inputs(child))
        if count <= 1:
            job = _Job(child, [items], [source])
        else:
            waiting = self.waiting.setdefault(child_name, _Waiting([None] * count, [None] * count))
            if waiting.inputs[input_index] is not None:
                # The same input again before the node ran: it runs with what it has first.
                del self.waiting[child_name]
                self._queue(_Job(child, _filled(waiting.inputs), waiting.source), front)
                waiting = self.waiting.setdefault(
                    child_name, _Waiting([None] * count, [None] * count)
                )
            waiting.inputs[input_index] = items
            waiting.source[input_index] = source
            if any(got is None for got in waiting.inputs):
                return
            del self.waiting[child_name]
            job = _Job(child, _filled(waiting.inputs), waiting.source)
        self._queue(job, front)

    def _queue(self, job: _Job, front: bool) -> None:
        if front:
            self.stack.insert(0, job)
        else:
            self.stack.append(job)

    def _declared_inputs(self, node: dict[str, Any]) -> int:
        kind = node_type(str(node["type"]))
        return 1 if kind is None else kind.inputs(node)

    def result(self, status: str, error: NodeError | None) -> RunResult:
        """The run as it stands, ended with `status` (also after it was interrupted)."""
        result_data: dict[str, Any] = {"runData": self.state.run_data}
        if self.last_node is not None:
            result_data["lastNodeExecuted"] = self.last_node
        if error is not None:
            failed = self.graph.nodes.get(self.last_node or "")
            result_data["error"] = error.to_json(failed)
        data = {
            "startData": {},
            "resultData": result_data,
            "executionData": {
                "contextData": {},
                "nodeExecutionStack": [
                    {"node": job.node, "data": {"main": job.inputs}, "source": job.source}
                    for job in self.stack
                ],
                "metadata": {},
                "waitingExecution": {
                    name: {"main": waiting.inputs} for name, waiting in self.waiting.items()
                },
            },
        }
        return RunResult(status, data, error, dict(self.state.custom_data))


def _route_failed_items(outputs: Outputs, to_error_output: bool) -> Outputs:
    """Items a node marked as failed go to the error output (`continueErrorOutput`), which
    follows the regular ones; the mark itself is never stored."""
    failed: Items = []
    routed: Outputs = []
    for items in outputs:
        kept: Items = []
        for entry in items:
            if "error" not in entry:
                kept.append(entry)
                continue
            clean = {key: value for key, value in entry.items() if key != "error"}
            (failed if to_error_output else kept).append(clean)
        routed.append(kept)
    if to_error_output:
        routed.append(failed)
    return routed


def _whole(value: Any, default: int) -> int:
    """A node setting read as a whole number, or `default` when it is not one."""
    try:
        return int(value) if value not in (None, "") else default
    except (TypeError, ValueError):
        return default


def _filled(inputs: list[Items | None]) -> list[Items]:
    return [got if got is not None else [] for got in inputs]


def _position(node: dict[str, Any]) -> tuple[float, float]:
    position = node.get("position") or [0, 0]
    try:
        return (float(position[1]), float(position[0]))
    except (TypeError, ValueError, IndexError):
        return (0.0, 0.0)
