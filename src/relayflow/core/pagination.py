"""n8n's opaque list cursors: base64 of `{"limit", "offset"}` or `{"lastId", "limit"}`."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Any

from relayflow.core.errors import BadRequest

DEFAULT_LIMIT = 100
MAX_LIMIT = 250
INVALID_CURSOR = "An invalid cursor was provided"


@dataclass(frozen=True, slots=True)
class Page:
    """Where a list request starts and how many rows it wants."""

    limit: int
    offset: int = 0
    last_id: str | None = None


def encode(payload: dict[str, Any]) -> str:
    """A cursor for `payload`."""
    return base64.b64encode(json.dumps(payload, separators=(",", ":")).encode()).decode()


def decode(cursor: str) -> dict[str, Any]:
    """The payload of a cursor, or 400 `An invalid cursor was provided`."""
    try:
        payload = json.loads(base64.b64decode(cursor, validate=True))
    except (ValueError, binascii.Error):
        raise BadRequest(INVALID_CURSOR) from None
    if not isinstance(payload, dict):
        raise BadRequest(INVALID_CURSOR)
    return payload


def _int_field(payload: dict[str, Any], name: str, low: int, high: int) -> int:
    value = payload.get(name)
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise BadRequest(INVALID_CURSOR)
    return value


def offset_page(limit: int, cursor: str | None) -> Page:
    """The page a `limit` / offset-`cursor` pair asks for; the cursor's values win."""
    if cursor is None:
        return Page(limit=limit)
    payload = decode(cursor)
    return Page(
        limit=_int_field(payload, "limit", 1, MAX_LIMIT),
        offset=_int_field(payload, "offset", 0, 2**31),
    )


def id_page(limit: int, cursor: str | None) -> Page:
    """The page a `limit` / id-`cursor` pair asks for."""
    if cursor is None:
        return Page(limit=limit)
    payload = decode(cursor)
    last_id = payload.get("lastId")
    if not isinstance(last_id, str | int) or isinstance(last_id, bool):
        raise BadRequest(INVALID_CURSOR)
    return Page(limit=_int_field(payload, "limit", 1, MAX_LIMIT), last_id=str(last_id))


def next_offset_cursor(page: Page, total: int) -> str | None:
    """The cursor of the following page, or None on the last one."""
    if total <= page.offset + page.limit:
        return None
    return encode({"limit": page.limit, "offset": page.offset + page.limit})
