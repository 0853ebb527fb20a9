"""outcome kinds: "unfinished" (couldn't finish, form broke) and "sore" (day-after soreness)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-08

The reader stores two more outcomes, so the check on ``exercise_outcomes.outcome`` takes them.
Downgrade stores them as the training model reads them (unfinished as hard, sore as done)
before narrowing the check again.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

OLD = "outcome IN ('done', 'hard', 'pain', 'skipped', 'easy')"
NEW = "outcome IN ('done', 'hard', 'pain', 'skipped', 'easy', 'unfinished', 'sore')"


def _check(rule: str) -> None:
    # batch mode rebuilds the table on SQLite, which cannot alter a constraint in place.
    with op.batch_alter_table("exercise_outcomes") as batch:
        batch.drop_constraint(op.f("ck_exercise_outcomes_outcome"), type_="check")
        batch.create_check_constraint("outcome", rule)


def upgrade() -> None:
    _check(NEW)


def downgrade() -> None:
    outcomes = sa.table("exercise_outcomes", sa.column("outcome", sa.String))
    op.execute(outcomes.update().where(outcomes.c.outcome == "unfinished")
               .values(outcome="hard"))
    op.execute(outcomes.update().where(outcomes.c.outcome == "sore").values(outcome="done"))
    _check(OLD)
