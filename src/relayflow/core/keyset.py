"""Keyset pagination: pages that stay correct while rows are inserted and deleted.

A cursor names the last row of the previous page by its sort key, so the next page starts
right after it whatever happened in between: no row that existed throughout is skipped or
repeated, and each page is one index range scan whatever the table's size. The cursor
carries only a position; every page re-applies the caller's visibility rules.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Select, Subquery, select, tuple_, union_all
from sqlalchemy.orm import InstrumentedAttribute

from relayflow.core import pagination
from relayflow.core.clock import as_utc
from relayflow.core.errors import BadRequest

T = TypeVar("T")
Row = TypeVar("Row")
AnySelect = Select[*tuple[Any, ...]]
"""A SELECT of any columns."""

FAN_IN = 64
"""Most ranges merged by one `UNION ALL`; more are merged in groups, then the groups merged."""


@dataclass(frozen=True, slots=True)
class KeysetPage:
    """How many rows to return, and the sort key of the row to start after."""

    limit: int
    after: tuple[Any, ...] | None = None


def _encode_value(value: Any) -> Any:
    return as_utc(value).isoformat() if isinstance(value, datetime) else value


def _decode_value(value: Any, kind: type) -> Any:
    if kind is datetime:
        if not isinstance(value, str):
            raise ValueError
        return as_utc(datetime.fromisoformat(value))
    if not isinstance(value, kind) or isinstance(value, bool):
        raise ValueError
    return value


def read_cursor(limit: int, cursor: str | None, kinds: Sequence[type]) -> KeysetPage:
    """The page a `limit` / `cursor` pair asks for; the cursor's limit wins, as in n8n."""
    if cursor is None:
        return KeysetPage(limit)
    payload = pagination.decode(cursor)
    after, size = payload.get("after"), payload.get("limit")
    try:
        if not isinstance(after, list) or len(after) != len(kinds):
            raise ValueError
        key = tuple(_decode_value(value, kind) for value, kind in zip(after, kinds, strict=True))
        if not isinstance(size, int) or isinstance(size, bool) or not 1 <= size <= 250:
            raise ValueError
    except ValueError:
        raise BadRequest(pagination.INVALID_CURSOR) from None
    return KeysetPage(size, key)


def apply(
    query: AnySelect, columns: Sequence[InstrumentedAttribute[Any]], page: KeysetPage
) -> AnySelect:
    """Order by `columns`, start after the cursor's row, and fetch one row more than asked."""
    return window(query, columns, page.after, page.limit + 1)


def window(
    query: AnySelect,
    columns: Sequence[InstrumentedAttribute[Any]],
    after: Sequence[Any] | None,
    size: Any,
) -> AnySelect:
    """Order by `columns`, start after `after`, and fetch `size` rows (values or bind params)."""
    if after is not None:
        query = query.where(tuple_(*columns) > tuple_(*after))
    return query.order_by(*columns).limit(size)


def merge(ranges: Sequence[AnySelect], size: Any) -> Subquery:
    """The first `size` distinct keys of several `window`-ed ranges (a subquery).

    Each range selects only the key columns, in key order, and is already ordered and
    limited to `size` rows past the cursor; so the page's distinct keys are among theirs,
    and the merge reads at most `len(ranges) × size` rows whatever the tables' sizes. A key
    found in several ranges counts once.
    """
    if len(ranges) > FAN_IN:
        groups = [merge(ranges[at : at + FAN_IN], size) for at in range(0, len(ranges), FAN_IN)]
        return merge([select(*group.c) for group in groups], size)
    if len(ranges) == 1:
        return ranges[0].subquery()
    # SQLite refuses ORDER BY / LIMIT on the arms of a compound SELECT, not in subqueries.
    merged = union_all(*(select(*arm.subquery().c) for arm in ranges)).subquery()
    return select(*merged.c).distinct().order_by(*merged.c).limit(size).subquery()


def finish(
    rows: Sequence[Row], page: KeysetPage, key: Callable[[Row], tuple[Any, ...]]
) -> tuple[list[Row], str | None]:
    """The page's rows and the cursor of the next page (None on the last one)."""
    kept = list(rows[: page.limit])
    if len(rows) <= page.limit:
        return kept, None
    last = [_encode_value(value) for value in key(kept[-1])]
    return kept, pagination.encode({"limit": page.limit, "after": last})
