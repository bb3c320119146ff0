"""Split Out: one item per element of a list field (or per value of an object field)."""

from __future__ import annotations

import copy
from typing import Any

from relayflow.engine import fields
from relayflow.engine.errors import NodeError
from relayflow.engine.items import Item, Outputs
from relayflow.engine.nodes.base import NodeCall, NodeType
from relayflow.engine.nodes.registry import register
from relayflow.engine.paths import MISSING, set_path, unset_path


def _elements(value: Any) -> list[Any]:
    if isinstance(value, list):
        return value
    if isinstance(value, dict):
        return list(value.values())
    return [value]


@register
class SplitOut(NodeType):
    """n8n's Split Out node."""

    type_name = "n8n-nodes-base.splitOut"
    display_name = "Split Out"

    async def execute(self, call: NodeCall) -> Outputs:
        out: list[Item] = []
        found_any = False
        for index, item in enumerate(call.items(0)):
            options = call.param("options", index, {}) or {}
            dot = not options.get("disableDotNotation")
            source = item.get("json") or {}
            include = call.param("include", index, "noOtherFields")
            destination = options.get("destinationFieldName") or ""
            for name in fields.names(call.param("fieldToSplitOut", index, "")):
                value = fields.read(source, name, dot)
                if value is MISSING:
                    continue
                found_any = True
                target = destination or name
                for element in _elements(value):
                    out.append(
                        {
                            "json": self._one(
                                call, index, source, name, target, element, include, dot
                            ),
                            "pairedItem": {"item": index},
                        }
                    )
        if call.items(0) and not found_any:
            wanted = call.param("fieldToSplitOut", 0, "")
            raise NodeError(f"The field '{wanted}' wasn't found in any input item")
        return [out]

    def _one(
        self,
        call: NodeCall,
        index: int,
        source: dict[str, Any],
        name: str,
        target: str,
        element: Any,
        include: str,
        dot: bool,
    ) -> dict[str, Any]:
        element = copy.deepcopy(element)
        if include == "allOtherFields":
            result = copy.deepcopy(source)
            if dot:
                unset_path(result, name)
            else:
                result.pop(name, None)
        elif include == "selectedOtherFields":
            result = {}
            for other in fields.names(call.param("fieldsToInclude", index, [])):
                value = fields.read(source, other, dot)
                if value is not MISSING:
                    _put(result, other, copy.deepcopy(value), dot)
        else:
            if isinstance(element, dict) and target == name:
                return element
            result = {}
        _put(result, target, element, dot)
        return result


def _put(target: dict[str, Any], name: str, value: Any, dot: bool) -> None:
    if dot:
        set_path(target, name, value)
    else:
        target[name] = value
