"""Aggregate: many items into one, as lists of field values or of whole items."""

from __future__ import annotations

import copy
from typing import Any

from relayflow.engine import fields
from relayflow.engine.errors import NodeError
from relayflow.engine.items import Outputs
from relayflow.engine.nodes.base import NodeCall, NodeType
from relayflow.engine.nodes.registry import register
from relayflow.engine.paths import MISSING, set_path, unset_path


@register
class Aggregate(NodeType):
    """n8n's Aggregate node."""

    type_name = "n8n-nodes-base.aggregate"
    display_name = "Aggregate"

    async def execute(self, call: NodeCall) -> Outputs:
        items = call.items(0)
        if not items:
            return [[]]
        options = call.param("options", 0, {}) or {}
        dot = not options.get("disableDotNotation")
        paired = [{"item": index} for index in range(len(items))]
        if call.raw("aggregate", "aggregateIndividualFields") == "aggregateAllItemData":
            destination = call.param("destinationFieldName", 0, "data") or "data"
            include = call.param("include", 0, "allFields")
            collected = [self._pick(call, include, item.get("json") or {}, dot) for item in items]
            return [[{"json": {destination: collected}, "pairedItem": paired}]]
        result: dict[str, Any] = {}
        wanted = (call.param("fieldsToAggregate", 0, {}) or {}).get("fieldToAggregate") or []
        for entry in wanted:
            name = str(entry.get("fieldToAggregate") or "")
            if not name:
                raise NodeError("A field to aggregate has no name")
            output = str(entry.get("outputFieldName") or name) if entry.get("renameField") else name
            values: list[Any] = []
            for item in items:
                value = fields.read(item.get("json") or {}, name, dot)
                if value is MISSING or value is None:
                    if options.get("keepMissing"):
                        values.append(None)
                    continue
                if options.get("mergeLists") and isinstance(value, list):
                    values.extend(copy.deepcopy(value))
                else:
                    values.append(copy.deepcopy(value))
            if dot:
                set_path(result, output, values)
            else:
                result[output] = values
        return [[{"json": result, "pairedItem": paired}]]

    def _pick(
        self, call: NodeCall, include: str, json: dict[str, Any], dot: bool
    ) -> dict[str, Any]:
        if include == "specifiedFields":
            picked: dict[str, Any] = {}
            for name in fields.names(call.param("fieldsToInclude", 0, [])):
                value = fields.read(json, name, dot)
                if value is not MISSING:
                    picked[name] = copy.deepcopy(value)
            return picked
        kept = copy.deepcopy(json)
        if include == "allFieldsExcept":
            for name in fields.names(call.param("fieldsToExclude", 0, [])):
                if dot:
                    unset_path(kept, name)
                else:
                    kept.pop(name, None)
        return kept
