"""`project` and `project_relation`: who owns workflows and credentials, and who may use them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from relayflow.core.ids import new_id
from relayflow.db.base import Base, Timestamps

PERSONAL, TEAM = "personal", "team"


class Project(Timestamps, Base):
    """A personal project (one per user) or a team project with members."""

    __tablename__ = "project"
    __table_args__ = (Index("ix_project_created_at_id", "created_at", "id"),)

    id: Mapped[str] = mapped_column(String(16), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(255))
    type: Mapped[str] = mapped_column(String(16), index=True)
    icon: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    description: Mapped[str | None] = mapped_column(Text)


class ProjectRelation(Base):
    """A user's role in a project."""

    __tablename__ = "project_relation"

    project_id: Mapped[str] = mapped_column(
        ForeignKey("project.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[str] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    role: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
