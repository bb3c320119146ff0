"""Filter: keeps the items that pass its conditions (and, if asked, puts the rest on a second
output). Version 1 compares `value1` and `value2` by data type; version 2 uses n8n's filter
conditions."""

from __future__ import annotations

from typing import Any

from relayflow.engine.filter import split_by_conditions
from relayflow.engine.items import Outputs
from relayflow.engine.nodes.base import NodeCall, NodeType
from relayflow.engine.nodes.registry import register


@register
class Filter(NodeType):
    """n8n's Filter node."""

    type_name = "n8n-nodes-base.filter"
    display_name = "Filter"

    def outputs(self, node: dict[str, Any]) -> int:
        options = (node.get("parameters") or {}).get("options") or {}
        return 2 if options.get("allowFailedOutput") else 1

    async def execute(self, call: NodeCall) -> Outputs:
        combine_all = call.raw("combineConditions", "AND") != "OR"
        kept, discarded = split_by_conditions(call, combine_all)
        options = call.raw("options", {}) or {}
        return [kept, discarded] if options.get("allowFailedOutput") else [kept]
