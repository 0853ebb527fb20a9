"""drop plan_adjustments: the plan's own change log is the one record of its changes

Nothing has written ``plan_adjustments`` since the training plan kept its changes (with
dates, reasons and undo) in ``plan_versions.plan["training"]``; the clinician summary reads
that log now. Downgrade recreates the table empty.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

UTC_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.drop_index("ix_plan_adjustments_user_created", table_name="plan_adjustments")
    op.drop_table("plan_adjustments")


def downgrade() -> None:
    op.create_table(
        "plan_adjustments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("exercise_id", sa.String(length=64), nullable=True),
        sa.Column("replacement_id", sa.String(length=64), nullable=True),
        sa.Column("side", sa.String(length=8), nullable=True),
        sa.Column("dose_change", sa.JSON(), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("undone_at", UTC_TIME, nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE",
                                name=op.f("fk_plan_adjustments_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_adjustments")),
    )
    op.create_index("ix_plan_adjustments_user_created", "plan_adjustments",
                    ["user_id", "created_at"])
