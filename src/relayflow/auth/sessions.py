"""Browser sessions: a random cookie value, stored only as its SHA-256."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from relayflow.core.clock import utcnow
from relayflow.db.models import User, UserSession

COOKIE_NAME = "relayflow-auth"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def open_session(session: AsyncSession, user: User, ttl_seconds: int) -> str:
    """Sign `user` in; returns the cookie value."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    session.add(
        UserSession(
            token_hash=_hash(token),
            user_id=user.id,
            created_at=now,
            expires_at=now + timedelta(seconds=ttl_seconds),
        )
    )
    await session.flush()
    return token


async def resolve(session: AsyncSession, token: str) -> User | None:
    """The user a cookie value signs in, if the session is still open."""
    query = (
        select(User)
        .join(UserSession, UserSession.user_id == User.id)
        .where(UserSession.token_hash == _hash(token), UserSession.expires_at > utcnow())
    )
    return await session.scalar(query)


async def close_session(session: AsyncSession, token: str) -> None:
    """Sign one browser out."""
    await session.execute(delete(UserSession).where(UserSession.token_hash == _hash(token)))


async def close_all(session: AsyncSession, user_id: str) -> None:
    """Sign a user out everywhere (password change, deletion)."""
    await session.execute(delete(UserSession).where(UserSession.user_id == user_id))
