"""`credential` and `shared_credential`: secrets, encrypted, owned through projects."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from relayflow.core.ids import new_id
from relayflow.db.base import Base, Timestamps


class Credential(Timestamps, Base):
    """A named secret of one credential type; `data` holds only ciphertext."""

    __tablename__ = "credential"
    __table_args__ = (Index("ix_credential_created_at_id", "created_at", "id"),)

    id: Mapped[str] = mapped_column(String(16), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(128))
    type: Mapped[str] = mapped_column(String(128), index=True)
    data: Mapped[str] = mapped_column(Text)
    is_managed: Mapped[bool] = mapped_column(Boolean, default=False)


class SharedCredential(Base):
    """A project's role over a credential: `credential:owner` or `credential:user`."""

    __tablename__ = "shared_credential"
    # A member's page walks each of its projects in the credentials' keyset order.
    __table_args__ = (
        Index(
            "ix_shared_credential_project_id_created_at",
            "project_id",
            "credential_created_at",
            "credential_id",
        ),
    )

    credential_id: Mapped[str] = mapped_column(
        ForeignKey("credential.id", ondelete="CASCADE"), primary_key=True
    )
    project_id: Mapped[str] = mapped_column(
        ForeignKey("project.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(String(32))
    credential_created_at: Mapped[datetime]
    """A copy of `credential.created_at`, set by `CredentialRepository` (never changes)."""
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
