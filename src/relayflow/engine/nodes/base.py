"""What a node type is, and what it is given when it runs."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from relayflow.engine.errors import ExpressionError, NodeError
from relayflow.engine.items import Item, Items, Outputs
from relayflow.engine.scope import ExpressionScope, RunData

if TYPE_CHECKING:
    import httpx

MISSING: Any = object()


class Evaluator(Protocol):
    """Evaluates n8n expressions (`"={{ $json.x }}"`) inside parameter values."""

    def resolve(self, value: Any, scope: ExpressionScope, item_index: int) -> Any:
        """`value` with every expression in it evaluated for input item `item_index`.

        Strings starting with `=` are expressions; dictionaries and lists are walked; anything
        else comes back unchanged. Raises `ExpressionError` with n8n's message on failure.
        """
        ...

    def resolve_each(self, value: Any, scope: ExpressionScope, count: int) -> list[Any]:
        """`resolve(value, scope, i)` for every `i < count`, in as few engine calls as possible."""
        ...

    def close(self) -> None:
        """Release the engine behind the evaluator."""
        ...


class CredentialSource(Protocol):
    """Decrypted credential data for the nodes of one workflow run."""

    async def get(self, node: dict[str, Any], type_name: str) -> dict[str, Any]:
        """The data of the credential of `type_name` that `node` refers to.

        Raises `NodeError` when the node names none, and `CredentialNotFound` when the one it
        names does not exist or may not be used by the workflow.
        """
        ...


@dataclass
class RunState:
    """What every node of one execution shares."""

    workflow: dict[str, Any]
    """The workflow as it runs: `id`, `name`, `active`, `nodes`, `connections`, `settings`."""
    execution_id: str | None
    mode: str
    evaluator: Evaluator
    credentials: CredentialSource
    http: httpx.AsyncClient | None = None
    run_data: RunData = field(default_factory=dict)
    custom_data: dict[str, str] = field(default_factory=dict)
    """`customData` of the execution (Execution Data node, `$execution.customData`)."""
    variables: dict[str, str] = field(default_factory=dict)
    timezone: str = "America/New_York"
    code_timeout: float = 60.0
    """Seconds a Code node may run."""


@dataclass
class NodeCall:
    """One run of one node: its definition, its input and helpers to read its parameters."""

    state: RunState
    node: dict[str, Any]
    inputs: list[Items]
    """Items per main input; `inputs[0]` for single-input nodes."""
    run_index: int = 0
    source: list[dict[str, Any] | None] = field(default_factory=list)
    _resolved: dict[str, list[Any]] = field(default_factory=dict, repr=False)
    _failed: dict[str, ExpressionError] = field(default_factory=dict, repr=False)
    _item_errors: dict[str, dict[int, ExpressionError]] = field(default_factory=dict, repr=False)

    @property
    def name(self) -> str:
        return str(self.node["name"])

    @property
    def type_version(self) -> float:
        return float(self.node.get("typeVersion", 1))

    @property
    def continue_on_fail(self) -> bool:
        """Whether the node is set to go on after a failure (`onError` / `continueOnFail`)."""
        return self.node.get("continueOnFail") is True or self.node.get("onError") in (
            "continueRegularOutput",
            "continueErrorOutput",
        )

    def failed_item(self, index: int, error: Exception) -> Item:
        """What a node set to continue outputs for input item `index` when it failed on it.

        The item-level `error` marks it for the error output (`continueErrorOutput`); the
        runner takes the mark off before the item is stored or handed on.
        """
        message = getattr(error, "message", None) or str(error)
        return {"json": {"error": message}, "pairedItem": {"item": index}, "error": message}

    def items(self, input_index: int = 0) -> Items:
        """The items on main input `input_index` (empty if nothing arrived there)."""
        return self.inputs[input_index] if input_index < len(self.inputs) else []

    def scope(self) -> ExpressionScope:
        """What expressions in this node's parameters can see."""
        workflow = self.state.workflow
        return ExpressionScope(
            node_name=self.name,
            node_parameters=self.node.get("parameters") or {},
            input_items=self.items(0),
            run_index=self.run_index,
            run_data=self.state.run_data,
            source=self.source,
            workflow={
                "id": workflow.get("id"),
                "name": workflow.get("name"),
                "active": bool(workflow.get("active")),
            },
            execution={
                "id": self.state.execution_id,
                "mode": "test" if self.state.mode == "manual" else "production",
                "customData": dict(self.state.custom_data),
            },
            nodes=list(workflow.get("nodes") or []),
            variables=self.state.variables,
            timezone=self.state.timezone,
        )

    def raw(self, path: str, default: Any = MISSING) -> Any:
        """The parameter at dotted `path` as stored, expressions unevaluated."""
        return _walk(self.node.get("parameters") or {}, path.split("."), path, default)

    async def prepare(self) -> None:
        """Evaluate every parameter that holds expressions, for all input items, off the
        event loop (one call into V8 per parameter), before the node runs.

        When a parameter's batch fails, it is evaluated item by item, still off the loop, and
        each item keeps its own value or error: only parameters the node reads can fail it,
        for the item that failed, as n8n's lazy evaluation does. One that hit a time or memory
        limit fails whenever it is read, without being evaluated again.
        """
        count = max(len(self.items(0)), 1)
        scope = self.scope()
        evaluator = self.state.evaluator
        for key, value in (self.node.get("parameters") or {}).items():
            if not _has_expression(value):
                continue
            try:
                self._resolved[key] = await asyncio.to_thread(
                    evaluator.resolve_each, value, scope, count
                )
            except ExpressionError as error:
                if error.limit_reached:
                    self._failed[key] = error
                    continue
                try:
                    values, errors = await asyncio.to_thread(
                        _item_by_item, evaluator, value, scope, count
                    )
                except ExpressionError as limit:
                    self._failed[key] = limit
                    continue
                self._resolved[key], self._item_errors[key] = values, errors

    def param(self, path: str, item_index: int = 0, default: Any = MISSING) -> Any:
        """The parameter at dotted `path`, its expressions evaluated for item `item_index`."""
        key = path.split(".", 1)[0]
        if key in self._failed:
            raise self._failed[key]
        resolved = self._resolved.get(key)
        if resolved is not None and 0 <= item_index < len(resolved):
            failed = self._item_errors.get(key, {}).get(item_index)
            if failed is not None:
                raise failed
            return _at(resolved[item_index], path, default)
        value = self.raw(path, default)
        if not _has_expression(value):
            return value
        return self.state.evaluator.resolve(value, self.scope(), item_index)

    def param_each(self, path: str, default: Any = MISSING, count: int | None = None) -> list[Any]:
        """The parameter at `path` for every input item (or `count` of them)."""
        total = len(self.items(0)) if count is None else count
        key = path.split(".", 1)[0]
        if key in self._failed:
            raise self._failed[key]
        resolved = self._resolved.get(key)
        if resolved is not None and total <= len(resolved):
            return [self.param(path, index, default) for index in range(total)]
        value = self.raw(path, default)
        if not _has_expression(value):
            return [value] * total
        return self.state.evaluator.resolve_each(value, self.scope(), total)

    async def credentials(self, type_name: str) -> dict[str, Any]:
        """The decrypted data of this node's credential of `type_name`."""
        return await self.state.credentials.get(self.node, type_name)


def _item_by_item(
    evaluator: Evaluator, value: Any, scope: ExpressionScope, count: int
) -> tuple[list[Any], dict[int, ExpressionError]]:
    """Each item's value of a parameter, and the errors of the items that failed; a time or
    memory limit stops it (raised)."""
    values: list[Any] = []
    errors: dict[int, ExpressionError] = {}
    for index in range(count):
        try:
            values.append(evaluator.resolve(value, scope, index))
        except ExpressionError as error:
            if error.limit_reached:
                raise
            values.append(None)
            errors[index] = error
    return values, errors


def _at(value: Any, path: str, default: Any) -> Any:
    """The part of an evaluated top-level parameter that the rest of `path` names."""
    return _walk(value, path.split(".")[1:], path, default)


def _walk(value: Any, parts: list[str], path: str, default: Any) -> Any:
    """`value[parts[0]][parts[1]]…`, else `default` (or a node error when there is none)."""
    for part in parts:
        if not isinstance(value, dict) or part not in value:
            if default is MISSING:
                raise NodeError(f'Could not get parameter "{path}"')
            return default
        value = value[part]
    return value


def _has_expression(value: Any) -> bool:
    """Whether a parameter value holds an expression anywhere (a string starting with `=`)."""
    if isinstance(value, str):
        return value.startswith("=")
    if isinstance(value, dict):
        return any(_has_expression(entry) for entry in value.values())
    if isinstance(value, list):
        return any(_has_expression(entry) for entry in value)
    return False


Execute = Callable[[NodeCall], Awaitable[Outputs | None]]


class NodeType:
    """A node type: its n8n name, how many inputs and outputs it has, and how it runs.

    Subclasses set the class attributes and implement `execute`, returning one list of items
    per output (or None for "nothing on any output").
    """

    type_name: ClassVar[str]
    display_name: ClassVar[str]
    trigger: ClassVar[bool] = False
    """Starts a workflow (manual trigger, webhook, schedule): runs with no input."""

    def inputs(self, node: dict[str, Any]) -> int:
        """How many main inputs a node of this type has."""
        return 0 if self.trigger else 1

    def outputs(self, node: dict[str, Any]) -> int:
        """How many main outputs a node of this type has (before an error output)."""
        return 1

    async def execute(self, call: NodeCall) -> Outputs | None:
        raise NotImplementedError
