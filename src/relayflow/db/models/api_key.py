"""The `api_key` table (what a key may do) and `api_key_secret` (how it is recognised)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from relayflow.core.ids import new_id
from relayflow.db.base import Base, Timestamps


class ApiKey(Timestamps, Base):
    """A labelled, scoped key of one user; it survives rotation, its secrets do not."""

    __tablename__ = "api_key"
    __table_args__ = (UniqueConstraint("user_id", "label", name="uq_api_key_user_label"),)

    id: Mapped[str] = mapped_column(String(16), primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(String(100))
    scopes: Mapped[list[str]] = mapped_column(JSON)
    last4: Mapped[str] = mapped_column(String(4))
    expires_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]

    secrets: Mapped[list[ApiKeySecret]] = relationship(
        back_populates="api_key", cascade="all, delete-orphan", passive_deletes=True
    )


class ApiKeySecret(Base):
    """One accepted raw key, stored only as `HMAC-SHA256(pepper_v, raw key)`.

    A key has one current secret; a rotation adds a new one and lets the old one live on
    until `valid_until`, its grace period.
    """

    __tablename__ = "api_key_secret"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    api_key_id: Mapped[str] = mapped_column(
        ForeignKey("api_key.id", ondelete="CASCADE"), index=True
    )
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    pepper_version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime]
    valid_until: Mapped[datetime | None]

    api_key: Mapped[ApiKey] = relationship(back_populates="secrets")
