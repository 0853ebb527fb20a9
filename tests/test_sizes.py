"""Honest sizes: the estimate counts reps, holds, both sides, rests between sets and between
rounds, and the change between moves; a strength day stays within about 40 minutes by
trimming what coaching-facts allows, and says so; the circuit reads as a circuit."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from bot.content.exercises import load_catalog
from bot.content.ladders import load_ladders
from bot.content.library import ContentLibrary
from bot.domain.dialogue import coaching
from bot.domain.training import Plan, build_plan, day_view
from bot.domain.training.day import DayItem
from bot.domain.week import profile_from_answers
from tests.conftest import ROOT

CATALOG = load_catalog(ROOT / "content")
LADDERS = load_ladders(ROOT / "content", CATALOG)
MONDAY = date(2027, 1, 4)
LARGEST = {"pain": "none", "red_flags": [], "thigh_left": "pass", "thigh_right": "pass",
           "knee_lift": "pass", "goal": "speed", "equipment": ["band", "block", "step", "gym"],
           "run_days": ["tue", "thu", "sat"], "run_time": "07:00", "timezone": "UTC",
           "minutes": 30}


def at_the_top(plan: Plan) -> Plan:
    """Every slot at its ladder's top (4 sets, 4 rounds, the hardest moves)."""
    return replace(plan, slots={
        k: s if s.locked else replace(s, rung=len(LADDERS[s.ladder].rungs) - 1)
        for k, s in plan.slots.items()})


def counted_seconds(items: list[DayItem]) -> int:
    """Counted here from the doses, as a runner with a stopwatch would."""
    total, rounds, rest = 0, 0, 0
    for i in items:
        sides = 2 if i.per_side and i.side == "both" else 1
        if i.rounds:
            total += i.rounds * (i.seconds[0] if i.seconds else 60) * sides + 15
            rounds, rest = i.rounds, i.rest_seconds or 0
            continue
        one = (i.reps[0] + i.reps[1] + 1) // 2 * (3 + (i.seconds[0] if i.seconds else 0)) \
            if i.reps else (i.seconds[0] if i.seconds else 0)
        total += i.sets * one * sides + (i.sets - 1) * (i.rest_seconds or 30) + 15
    return total + max(rounds - 1, 0) * rest


def test_every_strength_day_of_the_largest_plan_fits_40_minutes_counted_with_rests() -> None:
    plan = at_the_top(build_plan(profile_from_answers(LARGEST), LADDERS, MONDAY))
    strength_days = 0
    for offset in range(7):
        view = day_view(plan, LADDERS, MONDAY + timedelta(days=offset))
        session = [i for i in view.items if i.when in ("strength", "mobility")]
        if not session:
            continue
        strength_days += 1
        assert counted_seconds(session) <= 40 * 60 + 59, (view.on, counted_seconds(session))
        assert view.minutes["strength"] <= 40
        assert view.minutes["strength"] * 60 >= counted_seconds(session) - 59
    assert strength_days == 3


def test_a_trimmed_session_says_what_it_left_out() -> None:
    plan = at_the_top(build_plan(profile_from_answers(LARGEST), LADDERS, MONDAY))
    view = day_view(plan, LADDERS, MONDAY)
    assert "trimmed" in view.notices
    assert {i.slot.split(".")[0] for i in view.items} >= {"volume"}
    params = {"day": coaching.day_params(plan, view, CATALOG), "notices": list(view.notices),
              "minutes": 40, "sections": {"strength": 40}, "next": None, "run_time": None}
    text = ContentLibrary(ROOT / "content").render_text("today", params)
    assert "about 40 minutes" in text


def test_the_circuit_reads_as_rounds_of_the_whole_circuit_with_a_rest_after_each() -> None:
    plan = at_the_top(build_plan(profile_from_answers(LARGEST), LADDERS, MONDAY))
    view = next(v for v in (day_view(plan, LADDERS, MONDAY + timedelta(days=o))
                            for o in range(7))
                if any(i.rounds for i in v.items))
    moves = [coaching.item_view(i, CATALOG) for i in view.items if i.rounds]
    assert all(m["rounds"] == 4 and m["rest_after_round"] == 120 for m in moves)
    assert all(m["hold"] is None and m["work"] for m in moves)
    params = {"day": coaching.day_params(plan, view, CATALOG), "notices": [], "minutes": 36,
              "sections": {"strength": 36}, "next": None, "run_time": None}
    text = ContentLibrary(ROOT / "content").render_text("today", params)
    assert " s hold" not in text
    assert "4 rounds" in text
    assert "30 s each side" in text
