"""Sort (by fields, or randomly) and Limit (the first or last items)."""

from __future__ import annotations

import functools
import json
import random
from typing import Any

from relayflow.engine import fields
from relayflow.engine.errors import NodeError
from relayflow.engine.expressions.sandbox import CodeFailed, shared_sandbox
from relayflow.engine.items import Item, Outputs, normalize
from relayflow.engine.nodes.base import NodeCall, NodeType
from relayflow.engine.nodes.registry import register
from relayflow.engine.paths import MISSING


def _rank(value: Any) -> tuple[int, Any]:
    """Values of one type compare among themselves; missing ones sort last."""
    if value is MISSING or value is None:
        return (4, 0)
    if isinstance(value, bool):
        return (0, int(value))
    if isinstance(value, (int, float)):
        return (1, value)
    if isinstance(value, str):
        return (2, value)
    return (3, str(value))


async def _sorted_by_code(call: NodeCall) -> list[Item]:
    """Items in the order a JavaScript comparison of `a` and `b` gives, run in the sandbox."""
    code = str(call.raw("code", "") or "")
    program = (
        f"const compare = new Function('a', 'b', {json.dumps(code)});"
        "return items.map((item, index) => ({item, index}))"
        ".sort((x, y) => compare(x.item, y.item))"
        ".map(({item, index}) => ({json: item.json, pairedItem: {item: index}}));"
    )
    try:
        result = await shared_sandbox().run(
            program, "all", call.scope(), time_limit=call.state.code_timeout
        )
    except CodeFailed as exc:
        raise NodeError(f"Sort code failed: {exc.message}") from None
    try:
        return normalize(result.value, "The sort code")
    except ValueError as exc:
        raise NodeError(str(exc)) from None


@register
class Sort(NodeType):
    """n8n's Sort node."""

    type_name = "n8n-nodes-base.sort"
    display_name = "Sort"

    async def execute(self, call: NodeCall) -> Outputs:
        items = list(call.items(0))
        kind = call.raw("type", "simple")
        if kind == "random":
            random.shuffle(items)
            return [items]
        if kind == "code":
            return [await _sorted_by_code(call)]
        if kind != "simple":
            raise NodeError(f'Sorting by "{kind}" is not supported yet')
        options = call.param("options", 0, {}) or {}
        dot = not options.get("disableDotNotation")
        keys = (call.param("sortFieldsUi", 0, {}) or {}).get("sortField") or []
        if not keys:
            raise NodeError("No sorting specified. Please add a field to sort by")

        def compare(a: Item, b: Item) -> int:
            for entry in keys:
                name = str(entry.get("fieldName") or "")
                left = _rank(fields.read(a.get("json") or {}, name, dot))
                right = _rank(fields.read(b.get("json") or {}, name, dot))
                if left == right:
                    continue
                try:
                    smaller = left < right
                except TypeError:
                    smaller = str(left) < str(right)
                outcome = -1 if smaller else 1
                return -outcome if entry.get("order") == "descending" else outcome
            return 0

        return [sorted(items, key=functools.cmp_to_key(compare))]


@register
class Limit(NodeType):
    """n8n's Limit node."""

    type_name = "n8n-nodes-base.limit"
    display_name = "Limit"

    async def execute(self, call: NodeCall) -> Outputs:
        items = call.items(0)
        count = int(call.param("maxItems", 0, 1) or 0)
        if count >= len(items):
            return [items]
        if call.param("keep", 0, "firstItems") == "lastItems":
            return [items[len(items) - count :]]
        return [items[:count]]
