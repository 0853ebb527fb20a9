"""reminder schedules and deliveries

Revision ID: 0003
Revises: 0001 (re-chain after 0002 by changing only ``down_revision``)
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

UTC_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "reminder_schedules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("zone", sa.String(length=64), nullable=False),
        sa.Column("local_time", sa.String(length=5), nullable=False),
        sa.Column("days", sa.JSON(), nullable=False),
        sa.Column("lead_minutes", sa.Integer(), nullable=False),
        sa.Column("quiet_start", sa.String(length=5), nullable=True),
        sa.Column("quiet_end", sa.String(length=5), nullable=True),
        sa.Column("anchor_at", UTC_TIME, nullable=True),
        sa.Column("paused_until", UTC_TIME, nullable=True),
        sa.Column("snoozed_until", UTC_TIME, nullable=True),
        sa.Column("skipped_dates", sa.JSON(), nullable=False),
        sa.Column("next_due_at", UTC_TIME, nullable=True),
        sa.Column("run_at", UTC_TIME, nullable=True),
        sa.Column("occurrence_key", sa.String(length=48), nullable=True),
        sa.Column("lease_owner", sa.String(length=64), nullable=True),
        sa.Column("lease_until", UTC_TIME, nullable=True),
        sa.Column("updated_at", UTC_TIME, nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE",
                                name=op.f("fk_reminder_schedules_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reminder_schedules")),
        sa.UniqueConstraint("user_id", "kind", name=op.f("uq_reminder_schedules_user_id")),
    )
    op.create_index(op.f("ix_reminder_schedules_next_due_at"), "reminder_schedules",
                    ["next_due_at"])
    op.create_table(
        "reminder_deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("occurrence_key", sa.String(length=48), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("run_at", UTC_TIME, nullable=True),
        sa.Column("attempted_at", UTC_TIME, nullable=False),
        sa.Column("sent_at", UTC_TIME, nullable=True),
        sa.Column("telegram_message_id", sa.BigInteger(), nullable=True),
        sa.Column("error", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE",
                                name=op.f("fk_reminder_deliveries_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reminder_deliveries")),
        sa.UniqueConstraint("user_id", "occurrence_key",
                            name=op.f("uq_reminder_deliveries_user_id")),
    )


def downgrade() -> None:
    op.drop_table("reminder_deliveries")
    op.drop_index(op.f("ix_reminder_schedules_next_due_at"), table_name="reminder_schedules")
    op.drop_table("reminder_schedules")
