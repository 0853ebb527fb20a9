"""Named journeys through the pure training model, 12 weeks of calendar each.

``run_journey`` drives the model the way the dialogue will: each local day it shows the day
view, reports an outcome for every item, records the session, and (when nothing hurt that day)
applies the progressions due. Tests here and in test_training_properties.py read the journal.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from bot.content.exercises import load_catalog
from bot.content.ladders import load_ladders
from bot.domain.training import (
    Change,
    DayView,
    Plan,
    Refusal,
    RetestResult,
    Session,
    SlotOutcome,
    build_plan,
    clear,
    day_view,
    progressions,
    record_session,
    retest,
    undo,
)
from bot.domain.week import profile_from_answers
from tests.conftest import ROOT

CATALOG = load_catalog(ROOT / "content")
LADDERS = load_ladders(ROOT / "content", CATALOG)
START = date(2027, 1, 4)  # a Monday
SPEED: dict[str, object] = {
    "pain": "none", "red_flags": [], "thigh_left": "pass", "thigh_right": "pass",
    "knee_lift": "pass", "goal": "speed", "equipment": [], "run_days": ["tue", "thu", "sat"],
    "run_time": "07:30", "timezone": "Europe/Berlin", "minutes": 10}

Decide = Callable[[date, str, str, random.Random], str]


@dataclass(frozen=True)
class Pain:
    on: date
    slot_prefix: str
    side: str = "left"
    severity: str = "mild"


@dataclass(frozen=True)
class Behaviour:
    decide: Decide = lambda on, slot, exercise, rng: "done"
    pains: tuple[Pain, ...] = ()
    undo_on: tuple[date, ...] = ()
    retests: Mapping[date, RetestResult] = field(default_factory=dict)
    clearance: date | None = None
    seed: int = 1


@dataclass(frozen=True)
class Day:
    view: DayView
    outcomes: tuple[SlotOutcome, ...]
    changes: tuple[Change, ...]
    plan: Plan  # as it stands at the end of the day
    refusals: tuple[Refusal, ...] = ()


def run_journey(answers: Mapping[str, object], behaviour: Behaviour,
                weeks: int = 12) -> list[Day]:
    plan = build_plan(profile_from_answers(answers), LADDERS, START)
    rng = random.Random(behaviour.seed)
    days = []
    for offset in range(weeks * 7):
        on = START + timedelta(days=offset)
        plan, day = _live(plan, on, behaviour, rng)
        days.append(day)
    return days


def _live(plan: Plan, on: date, behaviour: Behaviour, rng: random.Random) -> tuple[Plan, Day]:
    changes: list[Change] = []
    refusals: list[Refusal] = []
    if on == behaviour.clearance:
        step = clear(plan, on)
        plan, changes = step.plan, [*changes, *step.changes]
    if on in behaviour.retests:
        result = retest(plan, LADDERS, behaviour.retests[on], on)
        if isinstance(result, Refusal):
            refusals.append(result)
        else:
            plan, changes = result.plan, [*changes, *result.changes]
    view = day_view(plan, LADDERS, on)
    outcomes = tuple(_outcomes(view, on, behaviour, rng))
    step = record_session(plan, LADDERS, Session(on, outcomes))
    plan, changes = step.plan, [*changes, *step.changes]
    if not any(o.outcome == "pain" for o in outcomes):
        step = progressions(plan, LADDERS, on)
        plan, changes = step.plan, [*changes, *step.changes]
    if on in behaviour.undo_on:
        newest = next((c for c in reversed(plan.changes) if c.undoable and not c.undone_on),
                      None)
        if newest is not None:
            undone = undo(plan, newest.id, on)
            if isinstance(undone, Refusal):
                refusals.append(undone)  # changed again since: told, nothing undone
            else:
                plan, changes = undone.plan, [*changes, *undone.changes]
    return plan, Day(view, outcomes, tuple(changes), plan, tuple(refusals))


def _outcomes(view: DayView, on: date, behaviour: Behaviour,
              rng: random.Random) -> list[SlotOutcome]:
    out = []
    for item in view.items:
        pain = next((p for p in behaviour.pains if p.on == on
                     and item.slot.startswith(p.slot_prefix)), None)
        for slot_id in item.slot_ids():
            if pain is not None:
                out.append(SlotOutcome(slot_id, "pain", pain.side, pain.severity,
                                       item.exercise))
            else:
                out.append(SlotOutcome(slot_id, behaviour.decide(on, slot_id, item.exercise,
                                                                 rng), exercise=item.exercise))
    return out


def rung(plan: Plan, slot_id: str) -> object:
    slot = plan.slot(slot_id)
    return LADDERS[slot.ladder].rung(slot.rung)


def kinds(days: Sequence[Day]) -> set[str]:
    return {c.kind for d in days for c in d.changes}


# ---- named journeys


def test_a_compliant_speed_runner_grows_on_every_ladder_that_matters() -> None:
    days = run_journey(SPEED, Behaviour())
    final = days[-1].plan
    hills = LADDERS["hills"].rung(final.slot("hills").rung)
    # With at most 2 progressions a week, longest-waiting first, hills reach 8-10 by week 12
    # (see the report: 8-12 needs a fifth of the weekly budget the queue does not give).
    assert hills.reps is not None
    assert hills.reps[0] == 8
    assert (LADDERS["circuit"].rung(final.slot("circuit").rung).rounds or 0) >= 3
    for slot in final.slots.values():
        if slot.role == "volume":
            reached = LADDERS[slot.ladder].rung(slot.rung)
            assert reached.sets == 4 or slot.rung > LADDERS[slot.ladder].start, slot.id


def test_a_runner_who_finds_everything_hard_only_ever_steps_back() -> None:
    days = run_journey(SPEED, Behaviour(decide=lambda on, slot, exercise, rng: "hard"))
    assert kinds(days) == {"regress"}
    for day in days:
        for change in day.changes:
            assert change.before is not None
            assert change.after is not None
            assert change.after.rung < change.before.rung


def test_a_left_thigh_that_fails_keeps_flexion_strength_off_the_left_until_a_re_test_passes(
) -> None:
    retest_on = START + timedelta(weeks=5)
    answers = {**SPEED, "thigh_left": "fail", "knee_lift": "pass"}
    days = run_journey(answers, Behaviour(retests={retest_on: RetestResult("pass", "pass")}))
    for day in days:
        left = [i for i in day.view.items if i.slot.startswith("flexion.") and
                i.side in ("left", "both")]
        if day.view.on < retest_on:
            assert left == []
            assert any(i.exercise == "knee_hug_flexion_mobility" for i in day.view.items
                       ) == (day.view.kind != "rest")
        elif day.view.kind == "strength" and day.view.on.weekday() in (0, 4):
            assert left, day.view.on
            assert all(i.exercise != "knee_hug_flexion_mobility" for i in day.view.items)
    unlock = next(c for d in days for c in d.changes if c.kind == "unlock")
    assert unlock.on == retest_on
    assert unlock.params == {"side": "left", "step": 3}
    assert unlock.after is not None
    assert LADDERS["flexion_steps"].rung(unlock.after.rung).step == 3


def test_undo_restores_what_its_change_replaced_and_the_change_waits_for_new_sessions() -> None:
    undo_day = START + timedelta(days=8)
    days = run_journey(SPEED, Behaviour(undo_on=(undo_day,)))
    undone = [c for d in days for c in d.changes if c.kind == "undo"]
    assert len(undone) == 1
    record = undone[0]
    original = days[-1].plan.change(record.undoes or 0)
    assert original is not None
    assert original.undone_on == undo_day
    assert record.after == original.before
    again = [c for d in days for c in d.changes
             if c.kind == "progress" and c.slot == original.slot and c.on > undo_day]
    assert again
    assert again[0].on >= undo_day + timedelta(days=7)
