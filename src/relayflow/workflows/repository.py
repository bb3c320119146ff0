"""All SQL about workflows, their sharing rows and their tags."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import ColumnElement, Select, delete, exists, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased, defer

from relayflow.core import keyset
from relayflow.db.filters import contains
from relayflow.db.models import SharedWorkflow, Tag, Workflow, WorkflowTag
from relayflow.projects.repository import ProjectRepository, Sharing, reachable_ids
from relayflow.projects.roles import WORKFLOW_OWNER

ORDER = (Workflow.created_at, Workflow.id)
CURSOR_KINDS = (datetime, str)
SHARING = Sharing(
    SharedWorkflow.workflow_id,
    SharedWorkflow.project_id,
    SharedWorkflow.role,
    SharedWorkflow.workflow_created_at,
    Workflow.id,
)


@dataclass(frozen=True, slots=True)
class WorkflowFilters:
    """The list filters of `GET /workflows`."""

    active: bool | None = None
    tags: tuple[str, ...] = ()
    name: str | None = None
    project_id: str | None = None
    exclude_pinned_data: bool = False
    visible_to: str | None = field(default=None)
    """A member's user id: only workflows it may read; None for owner and admin."""


def accessible_ids(user_id: str, scope: str) -> Select[str]:
    """Workflows a member may use for `scope` through one of its projects (a subquery)."""
    return reachable_ids(
        SharedWorkflow.workflow_id, SharedWorkflow.project_id, SharedWorkflow.role, user_id, scope
    )


def _conditions(filters: WorkflowFilters) -> list[ColumnElement[bool]]:
    """The filters other than visibility, on the `workflow` table."""
    conditions: list[ColumnElement[bool]] = []
    if filters.active is not None:
        conditions.append(Workflow.active.is_(filters.active))
    if filters.name:
        conditions.append(contains(Workflow.name, filters.name))
    for tag_name in filters.tags:
        conditions.append(
            exists(
                select(WorkflowTag.workflow_id)
                .join(Tag, Tag.id == WorkflowTag.tag_id)
                .where(WorkflowTag.workflow_id == Workflow.id, Tag.name == tag_name)
            )
        )
    if filters.project_id is not None:
        # An alias: a member's page already reads `shared_workflow`, which must not correlate.
        owner = aliased(SharedWorkflow)
        conditions.append(
            exists(
                select(owner.workflow_id).where(
                    owner.workflow_id == Workflow.id,
                    owner.project_id == filters.project_id,
                    owner.role == WORKFLOW_OWNER,
                )
            )
        )
    return conditions


class WorkflowRepository:
    """Reads and writes workflow rows in one unit of work."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, workflow_id: str) -> Workflow | None:
        """A workflow by id."""
        return await self.session.get(Workflow, workflow_id)

    async def member_may(self, user_id: str, workflow_id: str, scope: str) -> bool:
        """Whether a member reaches the workflow for `scope` through one of its projects."""
        query = select(
            exists(accessible_ids(user_id, scope).where(SharedWorkflow.workflow_id == workflow_id))
        )
        return bool(await self.session.scalar(query))

    async def page(self, filters: WorkflowFilters, page: keyset.KeysetPage) -> list[Workflow]:
        """One page of workflows matching `filters`, in creation order (one row extra).

        Owner and admin pages walk `ix_workflow_created_at_id`; a member's pages walk its
        projects' sharing rows, one index range per project (see `page_query`).
        """
        found = await ProjectRepository(self.session).page_query(
            SHARING, ORDER, filters.visible_to, "workflow:read", page, _conditions(filters)
        )
        if found is None:
            return []
        query, values = found
        if filters.exclude_pinned_data:
            query = query.options(defer(Workflow.pin_data))
        return list((await self.session.scalars(query, values)).all())

    async def sharings(self, workflow_ids: Sequence[str]) -> dict[str, list[SharedWorkflow]]:
        """The sharing rows of several workflows, by workflow id."""
        found: dict[str, list[SharedWorkflow]] = defaultdict(list)
        if workflow_ids:
            query = select(SharedWorkflow).where(SharedWorkflow.workflow_id.in_(workflow_ids))
            for row in (await self.session.scalars(query)).all():
                found[row.workflow_id].append(row)
        return found

    async def tags(self, workflow_ids: Sequence[str]) -> dict[str, list[Tag]]:
        """The tags of several workflows, by workflow id, each sorted by name."""
        found: dict[str, list[Tag]] = defaultdict(list)
        if workflow_ids:
            query = (
                select(WorkflowTag.workflow_id, Tag)
                .join(Tag, Tag.id == WorkflowTag.tag_id)
                .where(WorkflowTag.workflow_id.in_(workflow_ids))
                .order_by(Tag.name)
            )
            for workflow_id, tag in (await self.session.execute(query)).all():
                found[workflow_id].append(tag)
        return found

    async def owner_project_id(self, workflow_id: str) -> str | None:
        """The project holding `workflow:owner` over the workflow."""
        return await self.session.scalar(
            select(SharedWorkflow.project_id).where(
                SharedWorkflow.workflow_id == workflow_id, SharedWorkflow.role == WORKFLOW_OWNER
            )
        )

    async def add(self, workflow: Workflow, sharing: SharedWorkflow) -> None:
        """Store a new workflow with its owner sharing row."""
        self.session.add(workflow)
        await self.session.flush()
        self._attach(workflow, sharing)
        await self.session.flush()

    async def replace_sharing(self, workflow: Workflow, sharing: SharedWorkflow) -> None:
        """Make `sharing` the workflow's only sharing row (a transfer)."""
        await self.session.execute(
            delete(SharedWorkflow).where(SharedWorkflow.workflow_id == workflow.id)
        )
        self._attach(workflow, sharing)
        await self.session.flush()

    def _attach(self, workflow: Workflow, sharing: SharedWorkflow) -> None:
        """Add a sharing row of `workflow`, with the copy of its creation time."""
        sharing.workflow_id, sharing.workflow_created_at = workflow.id, workflow.created_at
        self.session.add(sharing)

    async def existing_tag_ids(self, tag_ids: Sequence[str]) -> set[str]:
        """Which of these tag ids exist."""
        if not tag_ids:
            return set()
        rows = await self.session.scalars(select(Tag.id).where(Tag.id.in_(tag_ids)))
        return set(rows.all())

    async def set_tags(self, workflow_id: str, tag_ids: Sequence[str]) -> None:
        """Replace the workflow's tags."""
        await self.session.execute(
            delete(WorkflowTag).where(WorkflowTag.workflow_id == workflow_id)
        )
        self.session.add_all(
            WorkflowTag(workflow_id=workflow_id, tag_id=tag_id) for tag_id in dict.fromkeys(tag_ids)
        )
        await self.session.flush()

    async def delete(self, workflow: Workflow) -> None:
        """Delete a workflow; its sharing rows and tag links go by cascade."""
        await self.session.delete(workflow)
        await self.session.flush()
