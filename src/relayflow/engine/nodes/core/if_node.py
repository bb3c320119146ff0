"""If: items that pass the conditions go to the `true` output, the others to `false`.

Version 1 compares `value1` and `value2` by data type; version 2 uses n8n's filter conditions.
"""

from __future__ import annotations

from typing import Any

from relayflow.engine.filter import split_by_conditions
from relayflow.engine.items import Outputs
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
        combine_all = call.raw("combineOperation", "all") != "any"
        passed, failed = split_by_conditions(call, combine_all)
        return [passed, failed]
