"""Writing and reading the audit log of API-key events. No secret ever goes in."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from relayflow.core.clock import utcnow
from relayflow.db.models import AuditEvent

KEY_CREATED = "apiKey.created"
KEY_UPDATED = "apiKey.updated"
KEY_ROTATED = "apiKey.rotated"
KEY_DELETED = "apiKey.deleted"
AUTH_FAILED = "apiKey.authFailed"


def record(
    session: AsyncSession,
    event: str,
    *,
    actor_user_id: str | None = None,
    subject_user_id: str | None = None,
    api_key_id: str | None = None,
    ip: str | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    """Add an event to the current unit of work; it is stored when the request commits."""
    session.add(
        AuditEvent(
            event=event,
            created_at=utcnow(),
            actor_user_id=actor_user_id,
            subject_user_id=subject_user_id,
            api_key_id=api_key_id,
            ip=ip,
            details=details or {},
        )
    )


async def list_events(
    session: AsyncSession,
    *,
    limit: int,
    before_id: int | None = None,
    event: str | None = None,
    api_key_id: str | None = None,
    user_id: str | None = None,
    since: datetime | None = None,
) -> list[AuditEvent]:
    """Events newest first, one page of `limit` starting below `before_id`."""
    query = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)
    if before_id is not None:
        query = query.where(AuditEvent.id < before_id)
    if event:
        query = query.where(AuditEvent.event == event)
    if api_key_id:
        query = query.where(AuditEvent.api_key_id == api_key_id)
    if user_id:
        query = query.where(AuditEvent.subject_user_id == user_id)
    if since:
        query = query.where(AuditEvent.created_at >= since)
    return list((await session.scalars(query)).all())
