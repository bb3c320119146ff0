"""The Code node, and the legacy Function and Function Item nodes: user JavaScript.

The code runs in the `CodeSandbox`: a fresh V8 context per run, in a worker process that is
killed if the code outlives its time limit (see `relayflow.engine.expressions.sandbox`).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from relayflow.engine.errors import NodeError
from relayflow.engine.expressions.sandbox import CodeFailed, shared_sandbox
from relayflow.engine.items import Items, Outputs, normalize, type_name
from relayflow.engine.nodes.base import NodeCall, NodeType
from relayflow.engine.nodes.registry import register

_NOT_ITEMS = "Please return an array of objects, one for each item you would like to output."


@register
class CodeNode(NodeType):
    """`n8n-nodes-base.code`: JavaScript run once for all items, or once for each item."""

    type_name = "n8n-nodes-base.code"
    display_name = "Code"

    async def execute(self, call: NodeCall) -> Outputs | None:
        language = call.raw("language", "javaScript")
        if language in ("python", "pythonNative"):
            raise NodeError(
                "Python is not supported in the Code node",
                description="Relayflow runs JavaScript code only: set Language to JavaScript.",
            )
        if language != "javaScript":
            raise NodeError(f'Unknown language "{language}"')
        code = str(call.raw("jsCode", ""))
        if call.raw("mode", "runOnceForAllItems") == "runOnceForEachItem":
            values = await _run(call, code, "each")
            return [_each_item_outputs(values)]
        value = await _run(call, code, "all")
        if value is None:
            raise NodeError("Code doesn't return items properly", description=_NOT_ITEMS)
        try:
            items = normalize(value, "Code")
        except ValueError as error:
            raise NodeError(str(error), description=_NOT_ITEMS) from None
        return [_pair_all(items, len(call.items()))]


@register
class FunctionNode(NodeType):
    """`n8n-nodes-base.function` (legacy): `items` in, items out."""

    type_name = "n8n-nodes-base.function"
    display_name = "Function"

    async def execute(self, call: NodeCall) -> Outputs | None:
        value = await _run(call, str(call.raw("functionCode", "")), "function")
        if isinstance(value, dict):
            value = [value]
        if not isinstance(value, list):
            raise NodeError(f"The code has to return an array of items, not {type_name(value)}")
        items: Items = []
        for entry in value:
            if not isinstance(entry, dict) or "json" not in entry:
                raise NodeError('All returned items have to contain a property named "json"!')
            if not isinstance(entry["json"], dict):
                raise NodeError("The json-property has to be an object!")
            items.append(
                {key: entry[key] for key in ("json", "binary", "pairedItem") if key in entry}
            )
        return [_pair_all(items, len(call.items()))]


@register
class FunctionItemNode(NodeType):
    """`n8n-nodes-base.functionItem` (legacy): `item` (an item's json) in, new json out."""

    type_name = "n8n-nodes-base.functionItem"
    display_name = "Function Item"

    async def execute(self, call: NodeCall) -> Outputs | None:
        values = await _run(call, str(call.raw("functionCode", "")), "functionItem")
        outputs: Items = []
        for index, value in enumerate(values):
            if value is None:
                raise NodeError(
                    "No data got returned. Always an object has to be returned!",
                    item_index=index,
                )
            if not isinstance(value, dict):
                raise NodeError(
                    f"The code has to return an object, not {type_name(value)}", item_index=index
                )
            item: dict[str, Any] = {"json": value, "pairedItem": {"item": index}}
            binary = call.items()[index].get("binary")
            if binary:
                item["binary"] = binary
            outputs.append(item)
        return [outputs]


async def _run(call: NodeCall, code: str, kind: str) -> Any:
    """What `code` returned (per item for the per-item kinds), JSON-safe."""
    scope = call.scope()
    # The code sees its input without upstream pairing, so any pairedItem it returns is its own.
    inputs = [
        {key: value for key, value in item.items() if key != "pairedItem"} for item in call.items()
    ]
    scope = replace(scope, input_items=inputs)
    try:
        result = await shared_sandbox().run(code, kind, scope, time_limit=call.state.code_timeout)
    except CodeFailed as failure:
        raise _node_error(failure) from None
    return result.value


def _node_error(failure: CodeFailed) -> NodeError:
    where = []
    if failure.line is not None:
        where.append(f"line {failure.line}")
    if failure.item_index is not None:
        where.append(f"for item {failure.item_index}")
    message = failure.message + (f" [{', '.join(where)}]" if where else "")
    return NodeError(message, item_index=failure.item_index)


def _each_item_outputs(values: Any) -> Items:
    """Items from the per-item results: one object each, `null`/`undefined` meaning none."""
    outputs: Items = []
    for index, value in enumerate(values if isinstance(values, list) else []):
        if value is None:
            continue
        if isinstance(value, list):
            raise NodeError(
                "Code doesn't return a single object",
                description="An array of objects was returned. If you need to output multiple "
                "items, please use the 'Run Once for All Items' mode instead.",
                item_index=index,
            )
        if not isinstance(value, dict):
            raise NodeError(
                "Code doesn't return an object",
                description="Please return an object representing the output item. "
                f"({type_name(value)} was returned instead.)",
                item_index=index,
            )
        item = normalize(value, "Code")[0]
        item["pairedItem"] = {"item": index}
        outputs.append(item)
    return outputs


def _pair_all(items: Items, input_count: int) -> Items:
    """Pair outputs the code left unpaired: all with the only input item, else by position."""
    for index, item in enumerate(items):
        if "pairedItem" in item:
            continue
        if input_count == 1:
            item["pairedItem"] = {"item": 0}
        elif index < input_count:
            item["pairedItem"] = {"item": index}
    return items
