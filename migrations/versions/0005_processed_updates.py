"""processed updates and their outbox

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

UTC_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "processed_updates",
        sa.Column("update_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("processed_at", UTC_TIME, nullable=False),
        sa.Column("outbox", sa.JSON(), nullable=True),
        sa.Column("sent_at", UTC_TIME, nullable=True),
        sa.Column("lease_until", UTC_TIME, nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE",
                                name=op.f("fk_processed_updates_user_id_users")),
        sa.PrimaryKeyConstraint("update_id", name=op.f("pk_processed_updates")),
    )
    op.create_index(op.f("ix_processed_updates_user_id"), "processed_updates", ["user_id"])
    op.create_index(op.f("ix_processed_updates_processed_at"), "processed_updates",
                    ["processed_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_processed_updates_user_id"), table_name="processed_updates")
    op.drop_index(op.f("ix_processed_updates_processed_at"), table_name="processed_updates")
    op.drop_table("processed_updates")
