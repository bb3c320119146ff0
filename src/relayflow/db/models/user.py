"""The `user` table: people who sign in and own API keys."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from relayflow.core.ids import new_user_id
from relayflow.db.base import Base, Timestamps


class User(Timestamps, Base):
    """A person; `password_hash` is None while an invitation is pending."""

    __tablename__ = "user"
    __table_args__ = (
        # Exactly one owner, enforced by the database itself.
        Index(
            "uq_user_single_owner",
            "role",
            unique=True,
            sqlite_where=text("role = 'global:owner'"),
            postgresql_where=text("role = 'global:owner'"),
        ),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_user_id)
    email: Mapped[str] = mapped_column(String(255), unique=True)
    first_name: Mapped[str | None] = mapped_column(String(32))
    last_name: Mapped[str | None] = mapped_column(String(32))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(32))
    invited_by: Mapped[str | None] = mapped_column(String(36))
    last_active_at: Mapped[datetime | None]

    @property
    def is_pending(self) -> bool:
        """n8n's `isPending`: no password yet and not the owner."""
        return self.password_hash is None and self.role != "global:owner"
