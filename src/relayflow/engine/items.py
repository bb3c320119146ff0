"""Items: what flows between nodes, `{"json": {...}, "binary"?: {...}, "pairedItem"?: {...}}`."""

from __future__ import annotations

from typing import Any

Item = dict[str, Any]
Items = list[Item]
Outputs = list[Items]
"""A node's result: one list of items per output (`main[0]`, `main[1]`, …)."""


def item(json: dict[str, Any], paired: int | None = None, input_index: int = 0) -> Item:
    """An item carrying `json`, paired with input item `paired` when given."""
    made: Item = {"json": json}
    if paired is not None:
        made["pairedItem"] = (
            {"item": paired} if input_index == 0 else {"item": paired, "input": input_index}
        )
    return made


def normalize(value: Any, what: str) -> Items:
    """Items from what code returned: items as they are, plain objects wrapped in `json`.

    Raises `ValueError` with a message naming `what` when the shape cannot be items.
    """
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list):
        raise ValueError(f"{what} must return an array of objects, not {type_name(value)}")
    items: Items = []
    for index, entry in enumerate(value):
        if not isinstance(entry, dict):
            raise ValueError(
                f"{what} must return an array of objects; item {index} is {type_name(entry)}"
            )
        if "json" in entry and isinstance(entry["json"], dict):
            items.append(
                {key: entry[key] for key in ("json", "binary", "pairedItem") if key in entry}
            )
        else:
            items.append({"json": entry})
    return items


def type_name(value: Any) -> str:
    """How JavaScript would name the type of a JSON value."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"
