"""Edit Fields (Set): add, change and keep fields of each item.

Versions 1 and 2 take `values` grouped by type (`boolean`, `number`, `string`) and
`keepOnlySet`. Version 3 takes typed `fields.values` (3.0–3.2) or `assignments` (3.3+), or a
raw JSON object (`mode: raw`), and chooses which input fields to keep with
`includeOtherFields` / `include`. Values are converted to the declared type as n8n converts
them; `options.ignoreConversionErrors` keeps the value as it came instead of failing.
"""

from __future__ import annotations

import contextlib
import copy
import json
from typing import Any

from relayflow.engine.errors import NodeError
from relayflow.engine.items import Item, Outputs
from relayflow.engine.nodes.base import NodeCall, NodeType
from relayflow.engine.nodes.registry import register
from relayflow.engine.paths import MISSING, get_path, set_path, unset_path
from relayflow.engine.values import ConversionError, convert, js_string, to_number

_V3_VALUE_KEYS = {
    "stringValue": "string",
    "numberValue": "number",
    "booleanValue": "boolean",
    "arrayValue": "array",
    "objectValue": "object",
}


Field = tuple[str, Any]
_V1_DEFAULTS: dict[str, Any] = {"boolean": False, "number": 0, "string": ""}


def _describe(value: Any) -> str:
    return js_string(value) if not isinstance(value, str) else value


def _typed(name: str, value: Any, kind: str, lenient: bool, item_index: int) -> Any:
    try:
        return convert(value, kind)
    except ConversionError:
        if lenient:
            return value
        raise NodeError(
            f"'{name}' expects a {kind} but we got '{_describe(value)}'",
            description="Enable 'Ignore Type Conversion Errors' to keep such values as they are",
            item_index=item_index,
        ) from None


def _put(target: dict[str, Any], name: str, value: Any, dot_notation: bool) -> None:
    if dot_notation:
        set_path(target, name, value)
    else:
        target[name] = value


@register
class SetFields(NodeType):
    """n8n's Set / Edit Fields node."""

    type_name = "n8n-nodes-base.set"
    display_name = "Edit Fields (Set)"

    async def execute(self, call: NodeCall) -> Outputs:
        items = call.items(0)
        out: list[Item] = []
        options_each = call.param_each("options", {})
        if call.type_version < 3:
            values_each = call.param_each("values", {})
            keep_only = call.raw("keepOnlySet", False)
            for index, item in enumerate(items):
                out.append(
                    self._v1(index, item, values_each[index], options_each[index], keep_only)
                )
            return [out]
        # Every parameter is evaluated for all items at once: one call into V8 each.
        mode = call.raw("mode", "manual")
        if mode == "raw":
            source_each = call.param_each("jsonOutput", "{}")
        elif call.type_version >= 3.3:
            source_each = call.param_each("assignments.assignments", [])
        else:
            source_each = call.param_each("fields.values", [])
        include = self._include(call)
        names_each: list[Any] = [None] * len(items)
        if include in ("selected", "except"):
            path = "includeFields" if include == "selected" else "excludeFields"
            names_each = call.param_each(path, "")
        for index, item in enumerate(items):
            options = options_each[index] or {}
            if mode == "raw":
                fields, dot_notation = self._raw(source_each[index], index), False
            else:
                fields = self._fields(call.type_version, source_each[index], index, options)
                dot_notation = options.get("dotNotation", True) is not False
            result = self._kept(item.get("json", {}), include, names_each[index])
            for name, value in fields:
                _put(result, name, value, dot_notation)
            kept: Item = {"json": result}
            if options.get("includeBinary", True) and "binary" in item:
                kept["binary"] = item["binary"]
            out.append(_with_pairing(kept, index))
        return [out]

    def _v1(
        self,
        index: int,
        item: Item,
        values: dict[str, Any],
        options: dict[str, Any],
        keep_only: bool,
    ) -> Item:
        dot_notation = (options or {}).get("dotNotation", True) is not False
        json_out: dict[str, Any] = {} if keep_only else copy.deepcopy(item.get("json", {}))
        for kind in ("boolean", "number", "string"):
            for entry in (values or {}).get(kind) or []:
                # n8n's defaults for an entry left blank in the editor.
                name = str(entry.get("name", "propertyName"))
                value = entry.get("value", _V1_DEFAULTS[kind])
                if kind == "boolean":
                    value = bool(value) if not isinstance(value, str) else value.lower() == "true"
                elif kind == "number":
                    with contextlib.suppress(ConversionError):
                        value = to_number(value)
                elif kind == "string" and value is not None:
                    value = js_string(value)
                _put(json_out, name, value, dot_notation)
        return _with_pairing({"json": json_out}, index)

    def _fields(
        self, version: float, entries: Any, index: int, options: dict[str, Any]
    ) -> list[Field]:
        lenient = bool(options.get("ignoreConversionErrors"))
        fields: list[Field] = []
        for entry in entries or []:
            name = str(entry.get("name", ""))
            if version >= 3.3:
                kind = str(entry.get("type", "string"))
                fields.append((name, _typed(name, entry.get("value"), kind, lenient, index)))
            else:
                kind_key = str(entry.get("type", "stringValue"))
                kind = _V3_VALUE_KEYS.get(kind_key, "string")
                fields.append((name, _typed(name, entry.get(kind_key), kind, lenient, index)))
        return fields

    def _raw(self, value: Any, index: int) -> list[Field]:
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError as exc:
                raise NodeError(
                    f"'JSON Output' in item {index} contains invalid JSON", item_index=index
                ) from exc
        if not isinstance(value, dict):
            raise NodeError(f"'JSON Output' in item {index} must be an object", item_index=index)
        # Raw JSON sets top-level keys as they are: a dot in a key is part of the name.
        return list(value.items())

    def _include(self, call: NodeCall) -> str:
        """Which input fields an item keeps: `all`, `selected`, `except` or `none`."""
        if call.type_version >= 3.3:
            if not call.raw("includeOtherFields", False):
                return "none"
            return str(call.raw("include", "all"))
        return str(call.raw("include", "none"))

    def _kept(self, source: dict[str, Any], include: str, names: Any) -> dict[str, Any]:
        if include == "all":
            return copy.deepcopy(source)
        result: dict[str, Any] = {}
        if include == "selected":
            for name in _names(names):
                found = get_path(source, name)
                if found is not MISSING:
                    set_path(result, name, copy.deepcopy(found))
        elif include == "except":
            result = copy.deepcopy(source)
            for name in _names(names):
                unset_path(result, name)
        return result


def _names(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(name).strip() for name in value if str(name).strip()]
    return [name.strip() for name in str(value or "").split(",") if name.strip()]


def _with_pairing(new: Item, index: int) -> Item:
    new["pairedItem"] = {"item": index}
    return new
