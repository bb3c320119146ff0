"""Nodes that shape a run: Stop and Error, Execution Data."""

from __future__ import annotations

import json

from relayflow.engine.errors import NodeError
from relayflow.engine.items import Outputs
from relayflow.engine.nodes.base import NodeCall, NodeType
from relayflow.engine.nodes.registry import register
from relayflow.engine.values import js_string

MAX_CUSTOM_DATA = 10
MAX_KEY_LENGTH = 50
MAX_VALUE_LENGTH = 255


@register
class StopAndError(NodeType):
    """Fails the run with the message (or object) it is given."""

    type_name = "n8n-nodes-base.stopAndError"
    display_name = "Stop and Error"

    def outputs(self, node: dict[str, object]) -> int:
        return 0

    async def execute(self, call: NodeCall) -> Outputs:
        if call.param("errorType", 0, "errorMessage") == "errorObject":
            value = call.param("errorObject", 0, "{}")
            if isinstance(value, str):
                try:
                    value = json.loads(value)
                except ValueError:
                    raise NodeError("The error object is not valid JSON") from None
            message = value.get("message") if isinstance(value, dict) else None
            raise NodeError(str(message or js_string(value)))
        raise NodeError(str(call.param("errorMessage", 0, "")))


@register
class ExecutionData(NodeType):
    """Saves key/value pairs on the execution (`customData`) and hands its input on."""

    type_name = "n8n-nodes-base.executionData"
    display_name = "Execution Data"

    async def execute(self, call: NodeCall) -> Outputs:
        items = call.items(0)
        for index in range(len(items)):
            for entry in call.param("dataToSave.values", index, []) or []:
                key = js_string(entry.get("key", ""))[:MAX_KEY_LENGTH]
                if not key:
                    continue
                if (
                    key not in call.state.custom_data
                    and len(call.state.custom_data) >= MAX_CUSTOM_DATA
                ):
                    raise NodeError(
                        f"Custom data can hold at most {MAX_CUSTOM_DATA} keys", item_index=index
                    )
                call.state.custom_data[key] = js_string(entry.get("value", ""))[:MAX_VALUE_LENGTH]
        return [items]
