"""Nodes that start a run or hand items on: Manual Trigger, Start, No Operation."""

from __future__ import annotations

from relayflow.engine.items import Outputs
from relayflow.engine.nodes.base import NodeCall, NodeType
from relayflow.engine.nodes.registry import register


@register
class ManualTrigger(NodeType):
    """Starts a run by hand (editor, CLI, API): hands on the item the run starts with."""

    type_name = "n8n-nodes-base.manualTrigger"
    display_name = "Manual Trigger"
    trigger = True

    async def execute(self, call: NodeCall) -> Outputs:
        return [call.items(0) or [{"json": {}}]]


@register
class Start(ManualTrigger):
    """n8n's legacy start node."""

    type_name = "n8n-nodes-base.start"
    display_name = "Start"


@register
class NoOp(NodeType):
    """Hands its input on unchanged."""

    type_name = "n8n-nodes-base.noOp"
    display_name = "No Operation, do nothing"

    async def execute(self, call: NodeCall) -> Outputs:
        return [call.items(0)]
