"""Switch: sends each item to the output its rules (or an expression) choose.

Version 1 and 2 rules compare one `value1` with each rule's `value2` (by `dataType`);
version 3 rules are filter conditions, with `options.fallbackOutput` (`none`, `extra` or an
output index) and `options.allMatchingOutputs`. In `expression` mode an expression gives the
output index for each item.
"""

from __future__ import annotations

from typing import Any

from relayflow.engine.errors import NodeError
from relayflow.engine.filter import Conditions, compare_legacy
from relayflow.engine.items import Item, Outputs
from relayflow.engine.nodes.base import NodeCall, NodeType
from relayflow.engine.nodes.registry import register

_LEGACY_OPERATION = {"number": "equal", "string": "equal", "boolean": "equal", "dateTime": "after"}


def _int(value: Any, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


@register
class Switch(NodeType):
    """n8n's Switch node."""

    type_name = "n8n-nodes-base.switch"
    display_name = "Switch"

    def outputs(self, node: dict[str, Any]) -> int:
        parameters = node.get("parameters") or {}
        version = float(node.get("typeVersion", 1))
        mode = parameters.get("mode", "rules")
        if version < 2:
            return 4
        if mode == "expression":
            key = "numberOutputs" if version >= 3 else "outputsAmount"
            return max(1, _int(parameters.get(key), 4))
        if version < 3:
            rules = (parameters.get("rules") or {}).get("rules") or []
            return max(len(rules), _int(parameters.get("fallbackOutput"), -1) + 1, 1)
        rules = (parameters.get("rules") or {}).get("values") or []
        fallback = (parameters.get("options") or {}).get("fallbackOutput", "none")
        return len(rules) + (1 if fallback == "extra" else 0)

    async def execute(self, call: NodeCall) -> Outputs:
        count = self.outputs(call.node)
        outputs: list[list[Item]] = [[] for _ in range(count)]
        if call.raw("mode", "rules") == "expression":
            chosen_each = call.param_each("output", 0)
            for index, item in enumerate(call.items(0)):
                self._send(outputs, [_int(chosen_each[index], -1)], item, index)
            return outputs
        for index, item in enumerate(call.items(0)):
            try:
                targets = (
                    self._legacy(call, index, count)
                    if call.type_version < 3
                    else self._rules(call, index, count)
                )
            except NodeError:
                if not call.continue_on_fail:
                    raise
                targets = [0]
            self._send(outputs, targets, item, index)
        return outputs

    def _send(self, outputs: list[list[Item]], targets: list[int], item: Item, index: int) -> None:
        for target in targets:
            if not 0 <= target < len(outputs):
                raise NodeError(
                    f"The output {target} is not allowed. It has to be between 0 and "
                    f"{len(outputs) - 1}!",
                    item_index=index,
                )
            outputs[target].append({**item, "pairedItem": {"item": index}})

    def _legacy(self, call: NodeCall, index: int, count: int) -> list[int]:
        kind = str(call.raw("dataType", "number"))
        value = call.param("value1", index, None)
        rules = call.param("rules.rules", index, []) or []
        for position, rule in enumerate(rules):
            operation = str(rule.get("operation") or _LEGACY_OPERATION.get(kind, "equal"))
            default = False if kind == "boolean" else ("" if kind == "string" else 0)
            if compare_legacy(kind, operation, value, rule.get("value2", default)):
                return [_int(rule.get("output"), 0) if call.type_version < 2 else position]
        fallback = _int(call.raw("fallbackOutput", -1), -1)
        return [] if fallback < 0 else [fallback]

    def _rules(self, call: NodeCall, index: int, count: int) -> list[int]:
        options = call.param("options", index, {}) or {}
        loose = bool(call.raw("looseTypeValidation", False)) or bool(
            options.get("looseTypeValidation")
        )
        rules = call.param("rules.values", index, []) or []
        matched: list[int] = []
        for position, rule in enumerate(rules):
            conditions = dict(rule.get("conditions") or {})
            if options.get("ignoreCase"):
                conditions["options"] = {
                    **(conditions.get("options") or {}),
                    "caseSensitive": False,
                }
            if Conditions(conditions, loose=loose, timezone=call.state.timezone).test(index):
                matched.append(position)
                if not options.get("allMatchingOutputs"):
                    break
        if matched:
            return matched
        fallback = options.get("fallbackOutput", "none")
        if fallback == "extra":
            return [count - 1]
        if fallback in ("none", None, ""):
            return []
        return [_int(fallback, -1)] if _int(fallback, -1) >= 0 else []
