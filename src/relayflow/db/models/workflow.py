"""`workflow`, `shared_workflow`, `tag` and `workflow_tag`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from relayflow.core.ids import new_id
from relayflow.db.base import Base, Timestamps


class Workflow(Timestamps, Base):
    """A workflow in n8n's JSON shape."""

    __tablename__ = "workflow"
    # Keyset pagination walks (created_at, id); this index makes every page one range scan.
    __table_args__ = (Index("ix_workflow_created_at_id", "created_at", "id"),)

    id: Mapped[str] = mapped_column(String(16), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(128), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    is_archived: Mapped[bool] = mapped_column(Boolean, default=False)
    nodes: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    connections: Mapped[dict[str, Any]] = mapped_column(JSON)
    settings: Mapped[dict[str, Any]] = mapped_column(JSON)
    static_data: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    pin_data: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    meta: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    version_id: Mapped[str] = mapped_column(String(36))
    trigger_count: Mapped[int] = mapped_column(Integer, default=0)


class SharedWorkflow(Base):
    """A project's role over a workflow: `workflow:owner` or `workflow:editor`."""

    __tablename__ = "shared_workflow"
    # A member's page walks each of its projects in the workflows' keyset order.
    __table_args__ = (
        Index(
            "ix_shared_workflow_project_id_created_at",
            "project_id",
            "workflow_created_at",
            "workflow_id",
        ),
    )

    workflow_id: Mapped[str] = mapped_column(
        ForeignKey("workflow.id", ondelete="CASCADE"), primary_key=True
    )
    project_id: Mapped[str] = mapped_column(
        ForeignKey("project.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(String(32))
    workflow_created_at: Mapped[datetime]
    """A copy of `workflow.created_at`, set by `WorkflowRepository` (never changes)."""
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Tag(Timestamps, Base):
    """A label for workflows; names are unique on the instance."""

    __tablename__ = "tag"
    __table_args__ = (Index("ix_tag_created_at_id", "created_at", "id"),)

    id: Mapped[str] = mapped_column(String(16), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(24), unique=True)


class WorkflowTag(Base):
    """A tag on a workflow."""

    __tablename__ = "workflow_tag"

    workflow_id: Mapped[str] = mapped_column(
        ForeignKey("workflow.id", ondelete="CASCADE"), primary_key=True
    )
    tag_id: Mapped[str] = mapped_column(
        ForeignKey("tag.id", ondelete="CASCADE"), primary_key=True, index=True
    )
