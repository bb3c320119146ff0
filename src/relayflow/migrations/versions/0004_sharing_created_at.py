"""the resource's created_at on sharing rows, for members' list pages

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 09:00:00.000000

`shared_workflow.workflow_created_at` and `shared_credential.credential_created_at` copy the
resource's `created_at`, so that a member's page is one index range scan per project over
`(project_id, <resource>_created_at, <resource>_id)` instead of a sort of everything the
member can see.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import relayflow.db.base

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# (sharing table, resource table, resource id column, copied column)
SHARINGS = (
    ("shared_workflow", "workflow", "workflow_id", "workflow_created_at"),
    ("shared_credential", "credential", "credential_id", "credential_created_at"),
)


def upgrade() -> None:
    for sharing, resource, resource_id, copied in SHARINGS:
        with op.batch_alter_table(sharing, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column(copied, relayflow.db.base.UTCDateTime(timezone=True), nullable=True)
            )
        shares = sa.table(sharing, sa.column(resource_id), sa.column(copied))
        resources = sa.table(resource, sa.column("id"), sa.column("created_at"))
        of_share = resources.c.id == shares.c[resource_id]
        # Sharing rows whose resource is gone (possible only with foreign keys off) would
        # block NOT NULL; they grant nothing, so they go.
        op.execute(sa.delete(shares).where(~sa.exists().where(of_share)))
        op.execute(
            sa.update(shares).values(
                {copied: sa.select(resources.c.created_at).where(of_share).scalar_subquery()}
            )
        )
        with op.batch_alter_table(sharing, schema=None) as batch_op:
            batch_op.alter_column(
                copied,
                existing_type=relayflow.db.base.UTCDateTime(timezone=True),
                nullable=False,
            )
            batch_op.drop_index(f"ix_{sharing}_project_id")
            batch_op.create_index(
                f"ix_{sharing}_project_id_created_at",
                ["project_id", copied, resource_id],
                unique=False,
            )


def downgrade() -> None:
    for sharing, _resource, _resource_id, copied in SHARINGS:
        with op.batch_alter_table(sharing, schema=None) as batch_op:
            batch_op.drop_index(f"ix_{sharing}_project_id_created_at")
            batch_op.create_index(f"ix_{sharing}_project_id", ["project_id"], unique=False)
            batch_op.drop_column(copied)
