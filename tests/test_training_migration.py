"""Migration 0007 maps a plan stored by today's code onto slots, keeps every older row, and
downgrades to exactly what was there (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from bot.content.exercises import load_catalog
from bot.content.ladders import load_ladders
from bot.db import migrate
from bot.db.engine import make_engine
from bot.db.models import DialogueState, PlanVersion, ScreeningAnswer, User
from bot.domain.training import day_view, plan_from_json
from tests.conftest import ROOT

CATALOG = load_catalog(ROOT / "content")
LADDERS = load_ladders(ROOT / "content", CATALOG)
ANSWERS: dict[str, object] = {
    "pain": "none", "red_flags": [], "thigh_left": "fail", "thigh_right": "pass",
    "knee_lift": "pass", "goal": "speed", "equipment": ["band"], "run_days": ["tue", "sat"],
    "run_time": "07:30", "timezone": "Europe/Berlin", "minutes": 15}
SCREENED = datetime(2027, 1, 4, 19, 0, tzinfo=UTC)  # 20:00 in Berlin
RETESTED = datetime(2027, 2, 1, 23, 30, tzinfo=UTC)  # 00:30 on 2 February in Berlin


def _store_todays_plan(engine: Engine) -> dict[str, Any]:
    """A runner as today's code stores them: answers, and a plan with its progress."""
    saved = json.loads((ROOT / "tests" / "data" / "legacy_plan.json").read_text())
    with Session(engine) as session:
        user = User(telegram_id=42, name="Ana", timezone="Europe/Berlin", screened_at=SCREENED)
        session.add(user)
        session.flush()
        session.add(DialogueState(user_id=user.id, state="ready", answers=ANSWERS))
        session.add(ScreeningAnswer(user_id=user.id, question="thigh_left", value="fail",
                                    answered_at=RETESTED))
        session.add(PlanVersion(user_id=user.id, number=1, reason="screening",
                                details={"progress": dict(saved["progress"]), "changes": []},
                                plan=dict(saved["plan"]), created_at=SCREENED))
        session.commit()
    return dict(saved["plan"])


def _versions(engine: Engine) -> list[tuple[int, str, dict[str, Any]]]:
    with Session(engine) as session:
        rows = session.execute(select(PlanVersion.number, PlanVersion.reason, PlanVersion.plan)
                               .order_by(PlanVersion.number)).all()
    return [(r.number, r.reason, r.plan) for r in rows]


def test_a_stored_plan_becomes_slots_and_the_downgrade_gives_it_back(database_url: str) -> None:
    engine = make_engine(database_url)
    migrate.upgrade(engine, "0004")
    original = _store_todays_plan(engine)

    migrate.upgrade(engine, "0007")
    versions = _versions(engine)
    assert [(n, r) for n, r, _ in versions] == [(1, "screening"), (2, "training_slots")]
    assert versions[0][2] == original
    migrated = versions[1][2]
    assert {k: v for k, v in migrated.items() if k != "training"} == original
    plan = plan_from_json(migrated["training"])
    assert plan.start == date(2027, 1, 4)
    assert plan.last_test == date(2027, 2, 2)
    assert plan.slot("flexion.left").locked
    assert not plan.slot("flexion.right").locked
    assert plan.slot("flexion.right").step_cap == 3
    tuesday = day_view(plan, LADDERS, date(2027, 1, 5))
    assert any(i.slot == "hills" for i in tuesday.items)
    assert any(i.exercise == "knee_hug_flexion_mobility" and i.side == "left"
               for i in tuesday.items)

    migrate.downgrade(engine, "0004")
    assert _versions(engine) == [(1, "screening", original)]
    migrate.upgrade(engine, "head")
    assert [n for n, _, _ in _versions(engine)] == [1, 2]
    engine.dispose()
