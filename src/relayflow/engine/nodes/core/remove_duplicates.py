"""Remove Duplicates: keeps the first of items that are equal on the compared fields."""

from __future__ import annotations

import json
from typing import Any

from relayflow.engine import fields
from relayflow.engine.errors import NodeError
from relayflow.engine.items import Item, Outputs
from relayflow.engine.nodes.base import NodeCall, NodeType
from relayflow.engine.nodes.registry import register
from relayflow.engine.paths import MISSING, set_path


@register
class RemoveDuplicates(NodeType):
    """n8n's Remove Duplicates node (within the input items)."""

    type_name = "n8n-nodes-base.removeDuplicates"
    display_name = "Remove Duplicates"

    async def execute(self, call: NodeCall) -> Outputs:
        operation = call.raw("operation", "removeDuplicateInputItems")
        if operation != "removeDuplicateInputItems":
            raise NodeError(f'The operation "{operation}" is not supported yet')
        items = call.items(0)
        if not items:
            return [[]]
        compare = call.raw("compare", "allFields")
        options = call.param("options", 0, {}) or {}
        dot = not options.get("disableDotNotation")
        every = {key for item in items for key in (item.get("json") or {})}
        if compare == "selectedFields":
            wanted = fields.names(call.param("fieldsToCompare", 0, ""))
        elif compare == "allFieldsExcept":
            excluded = set(fields.names(call.param("fieldsToExclude", 0, "")))
            wanted = sorted(every - excluded)
        else:
            wanted = sorted(every)
        if not wanted:
            raise NodeError("No fields specified. Please add a field to compare on")
        seen: set[str] = set()
        out: list[Item] = []
        for index, item in enumerate(items):
            source = item.get("json") or {}
            values = {name: fields.read(source, name, dot) for name in wanted}
            signature = json.dumps(
                {name: (None if v is MISSING else v) for name, v in values.items()},
                sort_keys=True,
                default=str,
            )
            if signature in seen:
                continue
            seen.add(signature)
            if options.get("removeOtherFields") and compare != "allFields":
                kept: dict[str, Any] = {}
                for name, value in values.items():
                    if value is MISSING:
                        continue
                    if dot:
                        set_path(kept, name, value)
                    else:
                        kept[name] = value
                out.append({"json": kept, "pairedItem": {"item": index}})
            else:
                out.append({**item, "pairedItem": {"item": index}})
        return [out]
