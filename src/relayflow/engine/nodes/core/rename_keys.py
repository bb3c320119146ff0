"""Rename Keys: move fields to new names, by name or by regular expression."""

from __future__ import annotations

import copy
from typing import Any

import regex

from relayflow.engine.errors import NodeError
from relayflow.engine.filter import REGEX_SECONDS
from relayflow.engine.items import Item, Outputs
from relayflow.engine.nodes.base import NodeCall, NodeType
from relayflow.engine.nodes.registry import register
from relayflow.engine.paths import MISSING, get_path, set_path, unset_path


def _rename_matching(value: Any, pattern: regex.Pattern[str], replacement: str, depth: int) -> Any:
    if not isinstance(value, dict):
        return value
    renamed: dict[str, Any] = {}
    for key, entry in value.items():
        deeper = _rename_matching(entry, pattern, replacement, depth - 1) if depth != 0 else entry
        renamed[pattern.sub(replacement, key, timeout=REGEX_SECONDS)] = deeper
    return renamed


@register
class RenameKeys(NodeType):
    """n8n's Rename Keys node."""

    type_name = "n8n-nodes-base.renameKeys"
    display_name = "Rename Keys"

    async def execute(self, call: NodeCall) -> Outputs:
        out: list[Item] = []
        for index, item in enumerate(call.items(0)):
            json = copy.deepcopy(item.get("json") or {})
            for entry in (call.param("keys", index, {}) or {}).get("key") or []:
                current, new = entry.get("currentKey"), entry.get("newKey")
                if not current or not new:
                    continue
                value = get_path(json, str(current))
                if value is MISSING:
                    continue
                unset_path(json, str(current))
                set_path(json, str(new), value)
            extra = call.param("additionalOptions", index, {}) or {}
            for rule in (extra.get("regexReplacement") or {}).get("replacements") or []:
                options = rule.get("options") or {}
                flags = regex.IGNORECASE if options.get("caseInsensitive") else 0
                try:
                    pattern = regex.compile(str(rule.get("searchRegex") or ""), flags)
                except regex.error as exc:
                    raise NodeError(
                        f"Invalid regular expression: {exc}", item_index=index
                    ) from None
                depth = int(options.get("depth", -1))
                try:
                    json = _rename_matching(
                        json, pattern, str(rule.get("replaceRegex") or ""), depth
                    )
                except TimeoutError:
                    raise NodeError(
                        f"The regular expression took longer than {REGEX_SECONDS:g} s to match",
                        item_index=index,
                    ) from None
            out.append({"json": json, "pairedItem": {"item": index}})
        return [out]
