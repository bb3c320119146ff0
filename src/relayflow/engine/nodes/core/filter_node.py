"""Filter: keeps the items that pass its conditions (and, if asked, puts the rest on a second
output). Version 1 compares `value1` and `value2` by data type; version 2 uses n8n's filter
conditions."""

from __future__ import annotations

from typing import Any

from relayflow.engine.errors import NodeError
from relayflow.engine.filter import Conditions, test_legacy
from relayflow.engine.items import Item, Outputs
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
        kept: list[Item] = []
        discarded: list[Item] = []
        conditions_each = call.param_each("conditions", {})
        options = call.raw("options", {}) or {}
        loose = bool(call.raw("looseTypeValidation", False)) or bool(
            options.get("looseTypeValidation")
        )
        for index, item in enumerate(call.items(0)):
            try:
                if call.type_version < 2:
                    combine_all = call.raw("combineConditions", "AND") != "OR"
                    passes = test_legacy(conditions_each[index] or {}, combine_all)
                else:
                    passes = Conditions(
                        conditions_each[index] or {}, loose=loose, timezone=call.state.timezone
                    ).test(index)
            except NodeError:
                if not call.continue_on_fail:
                    raise
                passes = False
            (kept if passes else discarded).append({**item, "pairedItem": {"item": index}})
        return [kept, discarded] if options.get("allowFailedOutput") else [kept]
