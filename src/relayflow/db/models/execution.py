"""`execution_entity`, `execution_data` and `execution_metadata`: one row per workflow run."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from relayflow.db.base import Base


class Execution(Base):
    """A run of a workflow: how it started, where it stands, when it ran."""

    __tablename__ = "execution_entity"
    # Lists walk ids downwards, per workflow when filtered.
    __table_args__ = (Index("ix_execution_entity_workflow_id_id", "workflow_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    workflow_id: Mapped[str] = mapped_column(ForeignKey("workflow.id", ondelete="CASCADE"))
    mode: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), index=True)
    finished: Mapped[bool] = mapped_column(Boolean, default=False)
    retry_of: Mapped[str | None] = mapped_column(String(32))
    retry_success_id: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime]
    started_at: Mapped[datetime | None]
    stopped_at: Mapped[datetime | None]
    deleted_at: Mapped[datetime | None]
    wait_till: Mapped[datetime | None]


class ExecutionData(Base):
    """What a run produced (`data`) and the workflow as it ran (`workflow_data`)."""

    __tablename__ = "execution_data"

    execution_id: Mapped[int] = mapped_column(
        ForeignKey("execution_entity.id", ondelete="CASCADE"), primary_key=True
    )
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    workflow_data: Mapped[dict[str, Any]] = mapped_column(JSON)


class ExecutionMetadata(Base):
    """One `customData` entry of a run, set by its nodes."""

    __tablename__ = "execution_metadata"
    __table_args__ = (UniqueConstraint("execution_id", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    execution_id: Mapped[int] = mapped_column(
        ForeignKey("execution_entity.id", ondelete="CASCADE"), index=True
    )
    key: Mapped[str] = mapped_column(String(255))
    value: Mapped[str] = mapped_column(Text)
