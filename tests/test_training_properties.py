"""Property tests: generated runners and histories over 12 weeks, checked against the rules of
coaching-facts "Adapting" and "Safety and fit" on what the model prescribes and changes."""

from __future__ import annotations

import random
from collections import Counter
from datetime import date, timedelta

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from bot.content.ladders import exercise_kinds
from bot.domain.training import RetestResult
from bot.domain.training.day import DayItem
from tests.test_training_journeys import (
    CATALOG,
    LADDERS,
    SPEED,
    START,
    Behaviour,
    Day,
    Pain,
    run_journey,
)

KINDS = exercise_kinds(CATALOG)
WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
CAPS = {"activation": ("sets", 2), "volume": ("sets", 4), "circuit": ("rounds", 4),
        "stride": ("sets", 3), "hills": ("reps", 12), "backwards": ("reps", 15)}
END_RANGE = {"knee_hug_flexion_mobility", "knee_to_chest_bridge", "abdominal_march",
             "running_bike_pedal", "plank_hip_flexion", "standing_hip_march"}
DAYS_IN_JOURNEY = 12 * 7
# A 12-week journey is slow to shrink; the failing example is printed as generated.
NO_SHRINK = (Phase.explicit, Phase.reuse, Phase.generate)

answers = st.fixed_dictionaries({
    "pain": st.sampled_from(["none", "mild", "often"]),
    "red_flags": st.just([]),
    "thigh_left": st.sampled_from(["pass", "fail", "hurt"]),
    "thigh_right": st.sampled_from(["pass", "fail", "hurt"]),
    "knee_lift": st.sampled_from(["pass", "fail"]),
    "goal": st.sampled_from(["speed", "endurance", "injury", "comeback"]),
    "equipment": st.lists(st.sampled_from(["band", "block", "step", "gym"]), unique=True),
    "run_days": st.lists(st.sampled_from(WEEKDAYS), min_size=1, max_size=6, unique=True),
    "minutes": st.sampled_from([5, 10, 15, 20, 30]),
})
day_offsets = st.integers(min_value=0, max_value=DAYS_IN_JOURNEY - 1)


@st.composite
def behaviours(draw: st.DrawFn) -> Behaviour:
    style = draw(st.sampled_from(["compliant", "all_hard", "random"]))
    hard_rate = draw(st.floats(0.0, 0.6))
    skip_rate = draw(st.floats(0.0, 0.4))

    def decide(on: date, slot: str, exercise: str, rng: random.Random) -> str:
        if style == "compliant":
            return "done"
        if style == "all_hard":
            return "hard"
        roll = rng.random()
        return "skipped" if roll < skip_rate else ("hard" if roll < skip_rate + hard_rate
                                                   else "done")

    pains = draw(st.lists(st.builds(
        Pain, st.builds(lambda d: START + timedelta(days=d), day_offsets),
        st.sampled_from(["volume.", "activation", "circuit", "flexion.", "hills", "stride"]),
        st.sampled_from(["left", "right", "both"]), st.sampled_from(["mild", "stopped"])),
        max_size=3))
    undo_on = draw(st.lists(st.builds(lambda d: START + timedelta(days=d), day_offsets),
                            max_size=4))
    retests = draw(st.dictionaries(
        st.builds(lambda d: START + timedelta(days=d), day_offsets),
        st.builds(RetestResult, st.sampled_from(["pass", "fail", "hurt"]),
                  st.sampled_from(["pass", "fail", "hurt"]),
                  st.sampled_from(["pass", "fail", None])), max_size=4))
    return Behaviour(decide, tuple(pains), tuple(undo_on), retests,
                     seed=draw(st.integers(0, 1000)))


def _changes(days: list[Day]) -> list[tuple[Day, object]]:
    return [(d, c) for d in days for c in d.changes]


def check_journey(days: list[Day]) -> None:
    _check_spacing_and_weekly_budget(days)
    for day in days:
        _check_day(day)
    _check_undo_sticks(days)


def _check_spacing_and_weekly_budget(days: list[Day]) -> None:
    changes = [c for d in days for c in d.changes]
    per_week = Counter(c.on.isocalendar()[:2] for c in changes if c.kind == "progress")
    assert max(per_week.values(), default=0) <= 2
    last: dict[str, date] = {}
    start = days[0].view.on
    for change in changes:
        if change.slot is None:
            continue
        if change.kind == "progress":
            assert change.on >= last.get(change.slot, start) + timedelta(days=7), change
        last[change.slot] = change.on


def _check_day(day: Day) -> None:
    seen: list[DayItem] = []
    plan = day.plan
    for item in day.view.items:
        _check_item_in_motion_and_kind(item)
        _check_cap(item)
        clash = [s for s in seen if s.exercise == item.exercise
                 and (s.side == item.side or "both" in (s.side, item.side))]
        assert not clash, (day.view.on, item)
        seen.append(item)
    if day.view.kind == "gentle":
        assert all(i.kind == "mobility" for i in day.view.items)
    del plan


def _check_item_in_motion_and_kind(item: DayItem) -> None:
    assert KINDS[item.exercise] == item.kind, item
    motions = CATALOG.exercise(item.exercise).motions
    if item.motion != "mixed":
        assert motions[:1] == (item.motion,), item


def _check_cap(item: DayItem) -> None:
    role = item.slot.split(".")[0]
    if role in CAPS:
        name, cap = CAPS[role]
        value = getattr(item, name)
        top = value[1] if isinstance(value, tuple) else value
        assert top is None or top <= cap, item
    if item.exercise == "kneeling_hip_flexor_stretch":
        assert (item.sets, item.seconds) == (3, (60, 60))


def _check_undo_sticks(days: list[Day]) -> None:
    """After an undo, the same kind of change on that slot needs 2 new counted sessions."""
    for day in days:
        for change in day.changes:
            if change.kind != "undo" or change.slot is None:
                continue
            original = days[-1].plan.change(change.undoes or 0)
            assert original is not None
            assert original.undone_on == change.on
            assert change.after == original.before
            again = next((c for d in days for c in d.changes if c.slot == change.slot
                          and c.kind == original.kind and c.id > change.id), None)
            if again is None or again.kind not in ("progress", "regress"):
                continue  # a new pain report or re-test is new evidence of its own
            sessions = {d.view.on for d in days if change.on < d.view.on <= again.on
                        and any(o.slot == change.slot and o.outcome != "skipped"
                                for o in d.outcomes)}
            assert len(sessions) >= 2, (change, again)


def _check_flexion_lock(days: list[Day]) -> None:
    """No end-range flexion on a side while that side is locked or its test hurt."""
    for day in days:
        notices = set(day.view.notices)
        for side in ("left", "right"):
            locked = f"flexion_locked.{side}" in notices
            hurt = f"test_hurt.{side}" in notices
            if not (locked or hurt):
                continue
            # A failed test locks flexion strength; one that hurt also keeps every end-range
            # flexion move (knee hug, knee-to-chest bridge) off that side.
            guarded = END_RANGE if hurt else END_RANGE - {"knee_hug_flexion_mobility",
                                                           "knee_to_chest_bridge"}
            for item in day.view.items:
                if item.exercise in guarded or item.slot.startswith("volume.flexion"):
                    assert item.side not in (side, "both"), (day.view.on, side, item)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow],
          phases=NO_SHRINK)
@given(answers, behaviours())
def test_every_generated_journey_keeps_the_rules(answers: dict[str, object],
                                                 behaviour: Behaviour) -> None:
    days = run_journey(answers, behaviour)
    check_journey(days)
    _check_flexion_lock(days)


@settings(max_examples=15, deadline=None, phases=NO_SHRINK)
@given(answers.filter(lambda a: a["thigh_left"] != "pass"))
def test_a_failed_left_thigh_test_without_a_re_test_never_loads_the_left(
        answers: dict[str, object]) -> None:
    days = run_journey(answers, Behaviour())
    for day in days:
        for item in day.view.items:
            if item.exercise in END_RANGE - {"knee_hug_flexion_mobility",
                                             "knee_to_chest_bridge"}:
                assert item.side == "right", (day.view.on, item)
            assert item.kind != "strength" or CATALOG.exercise(item.exercise).motions[:1] != (
                "flexion",) or item.side == "right" or item.slot.startswith("stride")


@settings(max_examples=15, deadline=None, phases=NO_SHRINK)
@given(answers)
def test_a_compliant_runner_gets_the_volume_twice_every_week(
        answers: dict[str, object]) -> None:
    days = run_journey(answers, Behaviour())
    for week in range(12):
        volume_days = {d.view.on for d in days[week * 7:(week + 1) * 7]
                       if any(i.slot.startswith("volume.") for i in d.view.items)}
        assert len(volume_days) == 2, week


@settings(max_examples=10, deadline=None, phases=NO_SHRINK)
@given(st.sampled_from(["often", "none"]), st.sampled_from(["speed", "comeback"]))
def test_start_windows_hold_hills_and_volume_down_for_two_weeks(pain: str, goal: str) -> None:
    days = run_journey({**SPEED, "pain": pain, "goal": goal}, Behaviour())
    guarded = pain == "often" or goal == "comeback"
    for day in days[:14]:
        items = day.view.items
        if guarded:
            assert not any(i.slot == "hills" for i in items)
        if goal == "comeback" and pain != "often":
            assert all(i.sets <= 2 for i in items if i.slot.startswith("volume."))
            assert all(i.rounds in (None, 2) for i in items)
    if guarded:
        assert not [c for d in days[:14] for c in d.changes if (c.kind == "progress"
                    and c.slot in ("hills", "circuit")) or ((c.slot or "").startswith("volume")
                    and c.kind == "progress")]


@settings(max_examples=10, deadline=None, phases=NO_SHRINK)
@given(answers, st.sampled_from(["sharp", "rest_night", "fall", "numbness", "limp"]),
       behaviours())
def test_a_red_flag_at_screening_gets_gentle_mobility_only_until_cleared(
        answers: dict[str, object], flag: str, behaviour: Behaviour) -> None:
    days = run_journey({**answers, "red_flags": [flag]}, behaviour)
    for day in days:
        assert day.view.kind in ("gentle", "rest")
        assert all(i.kind == "mobility" for i in day.view.items)
        assert [c.kind for c in day.changes if c.kind == "progress"] == []
        if flag == "fall":
            assert all(i.exercise != "foam_roll_hips" for i in day.view.items)


def test_the_ladders_grow_the_compliant_speed_runner_within_the_caps() -> None:
    days = run_journey(SPEED, Behaviour())
    final = days[-1].plan
    check_journey(days)
    assert LADDERS["circuit"].rung(final.slot("circuit").rung).rounds in (3, 4)
    for motion in ("flexion", "extension", "abduction", "adduction", "internal_rotation",
                   "external_rotation"):
        slot = final.slot(f"volume.{motion}")
        assert LADDERS[slot.ladder].rung(slot.rung).sets == 4, motion
    hills = [LADDERS["hills"].rung(d.plan.slot("hills").rung).reps for d in days]
    assert hills == sorted(hills, key=lambda r: r or (0, 0))
