"""Query conditions that list filters share."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement


def contains(column: Any, text: str) -> ColumnElement[bool]:
    """Case-insensitive substring match of `text`, with LIKE's wildcards taken literally."""
    literal = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    condition: ColumnElement[bool] = column.ilike(f"%{literal}%", escape="\\")
    return condition
