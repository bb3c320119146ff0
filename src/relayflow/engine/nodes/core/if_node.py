"""If: items that pass the conditions go to the `true` output, the others to `false`.

Version 1 compares `value1` and `value2` by data type; version 2 uses n8n's filter conditions.
"""

from __future__ import annotations

from typing import Any

from relayflow.engine.errors import NodeError
from relayflow.engine.filter import Conditions, test_legacy
from relayflow.engine.items import Item, Outputs
from relayflow.engine.nodes.base import NodeCall, NodeType
from relayflow.engine.nodes.registry import register


@register
class If(NodeType):
    """n8n's If node."""

    type_name = "n8n-nodes-base.if"
    display_name = "If"

    def outputs(self, node: dict[str, Any]) -> int:
        return 2

    async def execute(self, call: NodeCall) -> Outputs:
        items = call.items(0)
        passed: list[Item] = []
        failed: list[Item] = []
        conditions_each = call.param_each("conditions", {})
        loose = bool(call.raw("looseTypeValidation", False)) or bool(
            (call.raw("options", {}) or {}).get("looseTypeValidation")
        )
        for index, item in enumerate(items):
            try:
                if call.type_version < 2:
                    combine_all = call.raw("combineOperation", "all") != "any"
                    passes = test_legacy(conditions_each[index] or {}, combine_all)
                else:
                    passes = Conditions(
                        conditions_each[index] or {}, loose=loose, timezone=call.state.timezone
                    ).test(index)
            except NodeError:
                if not call.continue_on_fail:
                    raise
                passes = False
            (passed if passes else failed).append({**item, "pairedItem": {"item": index}})
        return [passed, failed]
