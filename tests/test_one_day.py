"""One day, one truth: a move the runner was told is off the plan is in no view of any day
(/today, /plan and its days, the walk-through, the pre-run reminder, /exercise, the stored
plan the clinician summary reads)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, select

from bot.content.library import ContentLibrary
from bot.db.engine import make_session_factory
from bot.db.models import PlanVersion, User
from bot.domain.catalog import Catalog
from bot.domain.parsing import WEEKDAYS
from bot.services.reminder_link import Activation
from bot.services.zones import GeoZoneResolver
from bot.wiring import compose
from tests.conftest import Clock
from tests.support.conversation import Runner, path_to
from tests.support.reminder_sender import FakeSender

MONDAY = datetime(2026, 11, 23, 15, 10, tzinfo=UTC)  # 16:10 in Berlin
ANSWERS: dict[str, object] = {
    "pain": "none", "red_flags": [], "thigh_left": "pass", "thigh_right": "pass",
    "knee_lift": "pass", "goal": "speed", "equipment": ["band", "block", "step"],
    "run_days": ["mon", "wed", "sat"], "run_time": "17:00", "timezone": "Europe/Berlin",
    "minutes": 30}
HURT = "side_plank_clamshell"
NAME = "Side-plank clamshell"


@pytest.fixture
def runner(engine: Engine, content_with_names: ContentLibrary, zones: GeoZoneResolver,
           catalog: Catalog, clock: Clock) -> Runner:
    clock.now = MONDAY
    service, _ = compose(engine, content_with_names, catalog, zones, FakeSender(), clock=clock)
    runner = Runner(service)
    runner.command("start")
    runner.walk(path_to(ANSWERS))
    runner.tap("confirm")
    return runner


def told_off_plan(runner: Runner) -> None:
    runner.command("plan")
    assert NAME in "".join(day_texts(runner))  # it was in the week before
    runner.type("my right hip hurt in the clamshell")
    runner.tap("mild")
    assert "off your plan" in runner.plain() or "out of your" in runner.plain()


def day_texts(runner: Runner) -> list[str]:
    texts = []
    for day in WEEKDAYS:
        runner.command("plan")
        runner.tap(f"day.{day}" if f"day.{day}" in runner.keyboard_turn else day)
        texts.append(runner.plain())
    return texts


def user_id(engine: Engine) -> int:
    with make_session_factory(engine)() as session:
        return session.scalars(select(User.id)).one()


def test_a_move_told_off_the_plan_is_in_no_view_of_any_day(
        runner: Runner, engine: Engine, catalog: Catalog, clock: Clock) -> None:
    told_off_plan(runner)

    runner.command("today")
    assert NAME not in runner.plain()
    runner.command("plan")
    assert NAME not in runner.plain()
    assert all(NAME not in text for text in day_texts(runner))

    runner.command("today")
    runner.tap("start")
    walked = []
    while "skip" in runner.keyboard_turn:
        walked.append(runner.plain().split("\n")[0])
        runner.tap("skip")
    assert walked
    assert all(NAME not in step for step in walked)

    activation = Activation(engine, catalog)
    today = MONDAY.date()
    during = []
    for offset in range(14):
        moves = activation(user_id(engine), today + timedelta(days=offset))
        assert all(m["id"] != HURT for m in moves)
        during += [m for m in moves if m.get("during")]
    assert during  # the pre-run reminder names the work on the run too

    runner.send_command("exercise", "side plank clamshell")
    assert "Dose" not in runner.plain()
    assert "Off your plan" in runner.plain()

    with make_session_factory(engine)() as session:
        latest = session.scalars(select(PlanVersion).order_by(
            PlanVersion.number.desc())).first()
        assert latest is not None
        stored = [i["exercise"] for d in latest.plan["days"] for i in d["items"]]
    assert stored
    assert HURT not in stored


def test_exercise_shows_the_dose_of_your_own_session(runner: Runner) -> None:
    runner.command("plan")
    runner.tap("day.tue" if "day.tue" in runner.keyboard_turn else "tue")
    session = runner.plain()
    line = next(x for x in session.splitlines() if "Side-lying adduction" in x)
    runner.send_command("exercise", "side-lying adduction")
    dose = next(x for x in runner.plain().splitlines() if x.startswith("Your dose"))
    assert dose.split(": ", 1)[1].split(" in your session")[0] in line


def test_after_a_settings_change_today_shows_the_new_plan(runner: Runner,
                                                          clock: Clock) -> None:
    clock.now = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)  # Tuesday: a strength day
    runner.command("today")
    assert "strength" in runner.plain().split("\n")[0].lower() or "Your strength session" \
        in runner.plain()
    runner.command("settings")
    runner.tap("run_days")
    for day in ("mon", "wed", "sat"):
        runner.tap(day)
    for day in ("tue", "thu", "sat"):
        runner.tap(day)
    runner.tap("q:done") if "q:done" in runner.keyboard_turn else runner.tap("done")
    runner.tap("confirm")
    shown = runner.last[-1].text
    runner.command("today")
    assert runner.last[-1].text == shown
    assert "Before your 17:00 run" in shown
