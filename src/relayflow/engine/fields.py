"""Reading field names and values the way n8n's item-list nodes do."""

from __future__ import annotations

from typing import Any

from relayflow.engine.paths import MISSING, get_path


def names(value: Any) -> list[str]:
    """Field names given as a list or as a comma-separated string."""
    if isinstance(value, list):
        return [str(name).strip() for name in value if str(name).strip()]
    return [name.strip() for name in str(value or "").split(",") if name.strip()]


def read(json: dict[str, Any], name: str, dot_notation: bool = True) -> Any:
    """The field `name` of `json` (a dotted path unless `dot_notation` is off), or MISSING."""
    if not dot_notation:
        return json.get(name, MISSING)
    return get_path(json, name)
