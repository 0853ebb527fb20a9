"""A break (no counted session for 14 days or more): the comeback rules for two weeks from the
first day back (volume 2 sets, circuit 2 rounds, no hills until week 3), said once, and the
sessions from before the break do not count toward progress."""

from __future__ import annotations

import random
from datetime import date, timedelta

from bot.content.library import ContentLibrary
from bot.domain.dialogue import coaching
from tests.conftest import ROOT
from tests.test_training_journeys import CATALOG, SPEED, START, Behaviour, Day, run_journey

BREAK_FROM = START + timedelta(weeks=3)
BACK = START + timedelta(weeks=6)  # a Monday, three weeks later


def away(on: date, slot: str, exercise: str, rng: random.Random) -> str:
    return "skipped" if BREAK_FROM <= on < BACK else "done"


def journey() -> list[Day]:
    return run_journey({**SPEED, "equipment": ["band", "block", "step"], "minutes": 30},
                       Behaviour(decide=away), weeks=10)


def on_day(days: list[Day], on: date) -> Day:
    return next(d for d in days if d.view.on == on)


def test_three_weeks_off_bring_two_reduced_weeks_then_the_full_dose() -> None:
    days = journey()
    before = [d for d in days if d.view.on < BREAK_FROM]
    assert any(i.sets >= 3 for d in before for i in d.view.items if i.slot.startswith("volume"))
    assert any(i.slot == "hills" for d in before for i in d.view.items)

    comeback = [d for d in days if BACK <= d.view.on < BACK + timedelta(weeks=2)]
    items = [i for d in comeback for i in d.view.items]
    assert all(i.sets <= 2 for i in items if i.slot.startswith("volume"))
    assert all((i.rounds or 0) <= 2 for i in items if i.slot == "circuit")
    assert all(i.slot != "hills" for i in items)
    assert any(i.slot.startswith("volume") for i in items)

    after = [i for d in days if d.view.on >= BACK + timedelta(weeks=2) for i in d.view.items]
    assert any(i.sets >= 3 for i in after if i.slot.startswith("volume"))
    assert any(i.slot == "hills" for i in after)


def test_the_welcome_back_is_said_once_on_the_first_day_back() -> None:
    days = journey()
    told = [d.view.on for d in days if "back_from_break" in d.view.notices]
    # Each day of the break from its 14th day on could be the first day back; once back,
    # it is not said again.
    last_session = max(c.on for c in on_day(days, BACK).plan.log if c.on < BREAK_FROM)
    assert told == [last_session + timedelta(days=n)
                    for n in range(14, (BACK - last_session).days + 1)]
    assert told[-1] == BACK
    day = on_day(days, BACK)
    params = {"day": coaching.day_params(day.plan, day.view, CATALOG),
              "notices": list(day.view.notices), "minutes": 30,
              "sections": {"before": 10, "strength": 20},
              "next": None, "run_time": None}
    assert "Good to have you back" in ContentLibrary(ROOT / "content").render_text(
        "today", params)


def test_sessions_before_the_break_do_not_count_toward_progress() -> None:
    days = journey()
    for day in days:
        if not BACK <= day.view.on < BACK + timedelta(weeks=2):
            continue
        for change in day.changes:
            if change.kind != "progress" or change.slot is None:
                continue
            since_back = {c.on for c in day.plan.log if c.slot == change.slot
                          and BACK <= c.on <= day.view.on and c.outcome == "done"}
            assert len(since_back) >= 2, (day.view.on, change.slot)
    first_two = [c for d in days if BACK <= d.view.on <= BACK + timedelta(days=1)
                 for c in d.changes if c.kind == "progress"]
    assert first_two == []


def test_no_break_when_sessions_keep_coming() -> None:
    days = run_journey(SPEED, Behaviour(), weeks=6)
    assert all("back_from_break" not in d.view.notices for d in days)
    assert all(d.plan.mode_on(d.view.on) == "normal" for d in days)
