"""Values converted to a declared type, as n8n converts them (Set, filters)."""

from __future__ import annotations

import json
import math
from typing import Any


class ConversionError(ValueError):
    """A value that cannot be read as the field's type."""


def js_string(value: Any) -> str:
    """`String(value)` as JavaScript writes it, with objects and arrays as JSON."""
    if isinstance(value, str):
        return value
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isfinite(value) and value.is_integer() and abs(value) < 1e21:
            return str(int(value))
        return repr(value) if math.isfinite(value) else ("NaN" if value != value else "Infinity")
    if isinstance(value, int):
        return str(value)
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def to_number(value: Any) -> int | float:
    if isinstance(value, bool):
        return 1 if value else 0
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return 0
        try:
            number = float(text)
        except ValueError:
            raise ConversionError from None
        if not math.isfinite(number) or text.lower() in ("nan", "inf", "-inf", "infinity"):
            raise ConversionError
        return (
            int(number)
            if number.is_integer() and "." not in text and "e" not in text.lower()
            else number
        )
    raise ConversionError


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        text = value.strip().lower()
        if text in ("true", "1"):
            return True
        if text in ("false", "0"):
            return False
    raise ConversionError


def _parsed(value: Any, kind: type) -> Any:
    if isinstance(value, kind):
        return value
    if isinstance(value, str):
        try:
            parsed = json.loads(value)
        except ValueError:
            raise ConversionError from None
        if isinstance(parsed, kind):
            return parsed
    raise ConversionError


def convert(value: Any, kind: str) -> Any:
    """`value` as a field of type `kind`; raises `ConversionError` if it cannot be."""
    if kind in ("string", "stringValue"):
        return js_string(value)
    if kind == "number":
        return to_number(value)
    if kind == "boolean":
        return _boolean(value)
    if kind == "array":
        return _parsed(value, list)
    if kind == "object":
        return _parsed(value, dict)
    return value
