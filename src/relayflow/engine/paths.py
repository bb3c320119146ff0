"""Dotted paths into JSON objects (`a.b[1].c`), as n8n's nodes read and write fields."""

from __future__ import annotations

import re
from typing import Any

_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")

MISSING: Any = object()


def parts(path: str) -> list[str | int]:
    """`a.b[1]` → `["a", "b", 1]`."""
    found: list[str | int] = []
    for match in _PART.finditer(path):
        name, index = match.groups()
        found.append(int(index) if index is not None else name)
    return found


def get_path(value: Any, path: str, default: Any = MISSING) -> Any:
    """The value at `path` in `value`, or `default`."""
    current = value
    for part in parts(path):
        if isinstance(part, int) and isinstance(current, list) and part < len(current):
            current = current[part]
        elif isinstance(current, dict) and str(part) in current:
            current = current[str(part)]
        else:
            return default
    return current


def set_path(target: dict[str, Any], path: str, value: Any) -> None:
    """Set `path` in `target`, creating objects (and arrays for `[n]`) on the way."""
    keys = parts(path) or [path]
    current: Any = target
    for position, part in enumerate(keys):
        last = position == len(keys) - 1
        following = None if last else keys[position + 1]
        if isinstance(part, int) and isinstance(current, list):
            while len(current) <= part:
                current.append(None)
            if last:
                current[part] = value
            else:
                if not isinstance(current[part], (dict, list)):
                    current[part] = [] if isinstance(following, int) else {}
                current = current[part]
            continue
        key = str(part)
        if last:
            current[key] = value
            return
        if not isinstance(current.get(key), (dict, list)):
            current[key] = [] if isinstance(following, int) else {}
        current = current[key]


def unset_path(target: dict[str, Any], path: str) -> None:
    """Remove `path` from `target` if it is there."""
    keys = parts(path) or [path]
    current: Any = target
    for part in keys[:-1]:
        current = get_path(current, f"[{part}]" if isinstance(part, int) else str(part), None)
        if not isinstance(current, (dict, list)):
            return
    last = keys[-1]
    if isinstance(current, dict):
        current.pop(str(last), None)
    elif isinstance(current, list) and isinstance(last, int) and last < len(current):
        current.pop(last)
