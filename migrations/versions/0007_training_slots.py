"""training slots: today's stored plans mapped onto slots on ladders (data only)

Revision ID: 0007
Revises: 0005
Create Date: 2026-11-30

For every runner with a plan, a new ``plan_versions`` row (reason ``training_slots``) copies
the newest plan and adds ``plan["training"]``: the slots built from the runner's answers, with
the stored flexion step, passed re-tests, clearance and each item's exercise and sets carried
over (``bot.domain.training.legacy``). Every older row, session, outcome and adjustment stays
as it was. Downgrade removes exactly the rows this revision added.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa
from alembic import op

from bot.content.ladders import cached_ladders
from bot.db.models import DialogueState, PlanVersion, ScreeningAnswer, User
from bot.domain.training import from_legacy, plan_to_json
from bot.paths import content_dir

revision = "0007"
down_revision = "0005"
branch_labels = None
depends_on = None

REASON = "training_slots"
PLANS = cast(sa.Table, PlanVersion.__table__)
USERS = cast(sa.Table, User.__table__)
DIALOGUES = cast(sa.Table, DialogueState.__table__)
ANSWERS = cast(sa.Table, ScreeningAnswer.__table__)
THIGH_TESTS = ("thigh_left", "thigh_right")


def upgrade() -> None:
    conn = op.get_bind()
    now = datetime.now(UTC)
    for user_id, zone, answers in conn.execute(
            sa.select(USERS.c.id, USERS.c.timezone, DIALOGUES.c.answers)
            .select_from(USERS.join(DIALOGUES, DIALOGUES.c.user_id == USERS.c.id))).all():
        rows = conn.execute(sa.select(PLANS.c.number, PLANS.c.plan, PLANS.c.details,
                                      PLANS.c.created_at)
                            .where(PLANS.c.user_id == user_id)
                            .order_by(PLANS.c.number)).all()
        if not rows or "training" in (rows[-1].plan or {}):
            continue
        newest = rows[-1]
        details: Mapping[str, Any] = newest.details or {}
        progress = details.get("progress") or {}
        start = _local_day(rows[0].created_at, zone)
        # Loaded here, not above: a fresh database has nobody to map and skips the content.
        ladders = cached_ladders(content_dir())
        tested = conn.execute(sa.select(sa.func.max(ANSWERS.c.answered_at))
                              .where(ANSWERS.c.user_id == user_id,
                                     ANSWERS.c.question.in_(THIGH_TESTS))).scalar()
        plan = from_legacy(answers or {}, ladders, start, newest.plan or {}, progress,
                           _local_day(tested, zone) if tested else None)
        conn.execute(sa.insert(PLANS).values(
            user_id=user_id, number=newest.number + 1, reason=REASON,
            details={"progress": progress, "changes": [], "migrated_from": newest.number},
            plan={**(newest.plan or {}), "training": plan_to_json(plan)}, created_at=now))


def downgrade() -> None:
    op.get_bind().execute(sa.delete(PLANS).where(PLANS.c.reason == REASON))


def _local_day(instant: datetime, zone: str | None) -> date:
    try:
        return instant.astimezone(ZoneInfo(zone or "UTC")).date()
    except (ZoneInfoNotFoundError, ValueError):
        return instant.astimezone(UTC).date()
