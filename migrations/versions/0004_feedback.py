"""sessions, exercise outcomes and plan adjustments

Revision ID: 0004
Revises: 0001
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

UTC_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.CheckConstraint("status IN ('planned', 'done', 'skipped')",
                           name=op.f("ck_sessions_status")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE",
                                name=op.f("fk_sessions_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sessions")),
    )
    op.create_index("ix_sessions_user_date", "sessions", ["user_id", "local_date"])
    op.create_table(
        "exercise_outcomes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("exercise_id", sa.String(length=64), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("side", sa.String(length=8), nullable=True),
        sa.Column("severity", sa.String(length=16), nullable=True),
        sa.Column("reps", sa.Integer(), nullable=True),
        sa.Column("words", sa.Text(), nullable=True),
        sa.Column("recorded_at", UTC_TIME, nullable=False),
        sa.Column("source_key", sa.String(length=128), nullable=False),
        sa.CheckConstraint("outcome IN ('done', 'hard', 'pain', 'skipped', 'easy')",
                           name=op.f("ck_exercise_outcomes_outcome")),
        sa.ForeignKeyConstraint(["session_id"], ["sessions.id"], ondelete="CASCADE",
                                name=op.f("fk_exercise_outcomes_session_id_sessions")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE",
                                name=op.f("fk_exercise_outcomes_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exercise_outcomes")),
        sa.UniqueConstraint("source_key", name=op.f("uq_exercise_outcomes_source_key")),
    )
    op.create_index("ix_exercise_outcomes_user_exercise", "exercise_outcomes",
                    ["user_id", "exercise_id"])
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


def downgrade() -> None:
    op.drop_index("ix_plan_adjustments_user_created", table_name="plan_adjustments")
    op.drop_table("plan_adjustments")
    op.drop_index("ix_exercise_outcomes_user_exercise", table_name="exercise_outcomes")
    op.drop_table("exercise_outcomes")
    op.drop_index("ix_sessions_user_date", table_name="sessions")
    op.drop_table("sessions")
