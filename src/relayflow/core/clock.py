"""Time in one place: aware UTC datetimes and n8n's ISO-8601 millisecond form."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """`value` as aware UTC (SQLite hands back naive datetimes that are UTC)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def iso(value: datetime | None) -> str | None:
    """`2024-01-15T10:30:00.000Z`, or None."""
    if value is None:
        return None
    return as_utc(value).strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def from_unix(seconds: int) -> datetime:
    """A Unix timestamp in seconds as an aware UTC datetime."""
    return datetime.fromtimestamp(seconds, UTC)


def to_unix(value: datetime | None) -> int | None:
    """An aware or naive-UTC datetime as whole Unix seconds, or None."""
    return None if value is None else int(as_utc(value).timestamp())
