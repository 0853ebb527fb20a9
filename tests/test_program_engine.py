"""The program engine as tables: screening answers (+ progress) in, a week of sessions out.

Numbers asserted here are typed in from coaching-facts.md, not read back from the content,
so a protocol file drifting from the coaching facts fails these tests.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from bot.content.exercises import load_catalog
from bot.domain.catalog import MOTIONS, Catalog
from bot.domain.program import DAY_TITLES, ITEM_REASONS, NOTICES, build_week
from bot.domain.week import (
    DayPlan,
    PlanItem,
    Profile,
    Progress,
    WeekPlan,
    local_date,
    next_session,
    profile_from_answers,
    strength_days,
    today,
)

WEEK = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
CATALOG: Catalog = load_catalog(Path(__file__).resolve().parents[1] / "content")

BASE: Mapping[str, object] = {
    "pain": "none", "red_flags": [], "thigh_left": "pass", "thigh_right": "pass",
    "knee_lift": "pass", "goal": "endurance", "equipment": ["band", "block", "step"],
    "run_days": ["tue", "thu", "sat"], "run_time": "07:00", "timezone": "Europe/Berlin",
    "minutes": 10,
}


def plan_for(progress: Progress | None = None, **answers: object) -> WeekPlan:
    return build_week(profile_from_answers({**BASE, **answers}), CATALOG, progress)


def items(plan: WeekPlan, block: str | None = None) -> list[PlanItem]:
    return [i for d in plan.days for i in d.items if block is None or i.block == block]


def ids(plan: WeekPlan, block: str | None = None) -> set[str]:
    return {i.exercise for i in items(plan, block)}


def sessions(plan: WeekPlan) -> dict[str, str]:
    return {d.weekday: d.session for d in plan.days if d.session}


# ---------------------------------------------------------------- the table


@dataclass(frozen=True)
class Row:
    name: str
    answers: Mapping[str, object]
    strength: dict[str, str]  # weekday -> session
    step: int | None  # flexion step in the plan (None: locked or red-flagged)
    mobility_side: str | None  # side of the flexion mobility items, None when there are none
    hills: str | None = None  # the run day with hill sprints
    backwards: str | None = None
    stride: bool = False  # stride-frequency strength present
    progress: Progress = field(default_factory=Progress)


TABLE = [
    Row("endurance, 3 runs", {}, {"mon": "volume", "fri": "circuit"}, 3, None),
    Row("red flag: sharp pain", {"red_flags": ["sharp"]}, {}, None, None),
    Row("red flag cleared by a clinician", {"red_flags": ["limp"]},
        {"mon": "volume", "fri": "circuit"}, 3, None, progress=Progress(cleared=True)),
    Row("left thigh short of the ribs", {"thigh_left": "fail"},
        {"mon": "volume", "fri": "circuit"}, None, "left"),
    # The knee hug is the test's own movement: when the test hurt, side doors only.
    Row("right thigh test hurt", {"thigh_right": "hurt"},
        {"mon": "volume", "fri": "circuit"}, None, None),
    Row("both thighs short", {"thigh_left": "fail", "thigh_right": "fail"},
        {"mon": "volume", "fri": "circuit"}, None, "both"),
    Row("left failed, re-test passed", {"thigh_left": "fail"},
        {"mon": "volume", "fri": "circuit"}, 3, None, progress=Progress(retest_left=True)),
    Row("knee lift wobbled", {"knee_lift": "fail"}, {"mon": "volume", "fri": "circuit"}, 1,
        None),
    Row("no equipment", {"equipment": []}, {"mon": "volume", "fri": "circuit"}, 3, None),
    Row("one run day", {"run_days": ["sat"]}, {"mon": "volume", "thu": "circuit"}, 3, None),
    Row("runs every day", {"run_days": list(WEEK)}, {"mon": "volume", "thu": "circuit"}, 3,
        None),
    Row("six run days", {"run_days": ["mon", "tue", "thu", "fri", "sat", "sun"]},
        {"wed": "volume", "sat": "circuit"}, 3, None),
    Row("no run days", {"run_days": []}, {"mon": "volume", "thu": "circuit"}, 3, None),
    Row("speed, 3 runs", {"goal": "speed"}, {"mon": "volume", "fri": "circuit"}, 3, None,
        hills="tue", backwards="thu", stride=True),
    Row("speed, 1 run day", {"goal": "speed", "run_days": ["sun"]},
        {"mon": "volume", "thu": "circuit"}, 3, None, hills="sun", backwards="sun",
        stride=True),
    Row("injury prevention", {"goal": "injury"}, {"mon": "volume", "fri": "circuit"}, 3, None),
    Row("coming back, 5 minutes", {"goal": "comeback", "minutes": 5},
        {"mon": "volume", "fri": "circuit"}, 3, None),
    Row("endurance, 20 minutes", {"minutes": 20}, {"mon": "volume", "fri": "circuit"}, 3, None),
    Row("second week swaps the sessions", {}, {"mon": "circuit", "fri": "volume"}, 3, None,
        progress=Progress(week=1)),
    Row("progressed to step 4", {}, {"mon": "volume", "fri": "circuit"}, 4, None,
        progress=Progress(flexion_step=4)),
]


@pytest.mark.parametrize("row", TABLE, ids=[r.name for r in TABLE])
def test_week_table(row: Row) -> None:
    plan = plan_for(row.progress, **row.answers)
    assert [d.weekday for d in plan.days] == list(WEEK)
    assert sessions(plan) == row.strength
    assert plan.flexion_step == row.step
    steps = {i.why.params["step"] for i in items(plan, "flexion")}
    assert steps == ({row.step} if row.step else set())
    flexion_mobility = {i.side for i in items(plan, "mobility")
                        if i.exercise == "knee_hug_flexion_mobility"}
    assert flexion_mobility == ({row.mobility_side} if row.mobility_side else set())
    assert _day_of(plan, "hill_sprints") == row.hills
    assert _day_of(plan, "backwards_running") == row.backwards
    assert bool(items(plan, "stride")) == row.stride


@pytest.mark.parametrize("row", [r for r in TABLE if not r.answers.get("red_flags")
                                 or r.progress.cleared], ids=lambda r: r.name)
def test_every_week_covers_all_six_motions(row: Row) -> None:
    plan = plan_for(row.progress, **row.answers)
    motions = {m for i in items(plan) for m in CATALOG.exercise(i.exercise).motions}
    assert motions >= set(MOTIONS)


@pytest.mark.parametrize("row", TABLE, ids=[r.name for r in TABLE])
def test_run_days_are_runs_and_start_with_activation(row: Row) -> None:
    plan = plan_for(row.progress, **row.answers)
    run_days = row.answers.get("run_days", BASE["run_days"])
    assert isinstance(run_days, list)
    gentle = bool(row.answers.get("red_flags")) and not row.progress.cleared
    for day in plan.days:
        assert (day.kind == "run") == (day.weekday in run_days)
        if day.kind == "run" and not gentle:
            assert any(i.block == "activation" and i.phase == "before" for i in day.items)


def _day_of(plan: WeekPlan, exercise_id: str) -> str | None:
    days = [d.weekday for d in plan.days if any(i.exercise == exercise_id for i in d.items)]
    assert len(days) <= 1, f"{exercise_id} planned on {days}: once a week at most"
    return days[0] if days else None


# ---------------------------------------------------------------- single rules


def test_red_flags_give_gentle_mobility_only_with_a_reason() -> None:
    plan = plan_for(red_flags=["rest_night", "numbness"])
    assert plan.notices[0].key == "red_flag"
    assert plan.notices[0].params == {"flags": "rest_night,numbness"}
    assert ids(plan) == {"foam_roll_hips", "knee_hug_flexion_mobility"}
    assert {i.why.key for i in items(plan)} == {"red_flag_gentle"}
    assert all(d.kind != "strength" for d in plan.days)


def test_one_failing_side_gets_the_extra_mobility_only_on_that_side() -> None:
    plan = plan_for(thigh_right="fail")
    per_side = [i for i in items(plan, "mobility") if i.exercise != "foam_roll_hips"]
    assert per_side
    assert {i.side for i in per_side} == {"right"}
    assert {i.exercise for i in per_side} == {"knee_hug_flexion_mobility", "rotation_side_door",
                                              "abduction_side_door"}
    assert {i.why.key for i in per_side} == {"mobility_first", "side_door"}
    assert plan.notices[0].key == "flexion_locked"
    assert plan.failing_sides == ("right",)


def test_failed_thigh_test_locks_flexion_strength_until_a_retest() -> None:
    locked = plan_for(thigh_left="fail", thigh_right="hurt")
    flexion_strength = {"abdominal_march", "running_bike_pedal", "plank_hip_flexion",
                        "standing_hip_march", "supine_bike_pedals", "seated_leg_lift_over_block"}
    assert not ids(locked) & flexion_strength
    unlocked = plan_for(Progress(retest_left=True, retest_right=True), thigh_left="fail",
                        thigh_right="hurt")
    assert ids(unlocked) >= {"plank_hip_flexion", "supine_bike_pedals",
                             "seated_leg_lift_over_block"}


def test_mobility_comes_first_on_run_and_strength_days() -> None:
    plan = plan_for(thigh_left="fail", minutes=20)
    for day in plan.days:
        if day.items:
            assert day.items[0].block == "mobility", day.weekday


def test_without_equipment_every_item_uses_the_variant() -> None:
    plan = plan_for(equipment=[])
    for item in items(plan):
        needs = CATALOG.exercise(item.exercise).equipment
        assert item.without_equipment == bool(needs), item.exercise
    lift = [i for i in items(plan) if i.exercise == "seated_leg_lift_over_block"]
    assert lift
    assert lift[0].without_equipment


def test_with_everything_no_variant_is_needed() -> None:
    plan = plan_for(Progress(), equipment=["band", "block", "step", "gym"], thigh_left="fail")
    assert not [i.exercise for i in items(plan) if i.without_equipment]


@pytest.mark.parametrize("goal", ["speed", "endurance", "injury", "comeback"])
def test_weakest_areas_lead_the_first_activation(goal: str) -> None:
    first_motion = {"speed": "extension", "endurance": "abduction", "injury": "abduction",
                    "comeback": "extension"}
    plan = plan_for(goal=goal)
    first = next(i for i in items(plan, "activation"))
    assert first.why.params == {"motion": first_motion[goal], "weak": 1}


def test_knee_lift_failure_puts_flexion_first() -> None:
    first = next(i for i in items(plan_for(knee_lift="fail"), "activation"))
    assert first.why.params["motion"] == "flexion"


@pytest.mark.parametrize("minutes", [5, 10, 15, 20, 30])
def test_pre_run_work_fits_the_minutes_available(minutes: int) -> None:
    plan = plan_for(minutes=minutes, thigh_left="fail")
    for day in plan.days:
        before = [i for i in day.items if i.phase == "before"]
        if day.kind == "run":
            assert sum(i.dose.total_seconds() for i in before) <= minutes * 60


def test_more_minutes_buy_more_pre_run_work() -> None:
    def pre_run_count(minutes: int) -> int:
        return len([i for i in items(plan_for(minutes=minutes)) if i.phase == "before"])

    assert pre_run_count(5) < pre_run_count(10) < pre_run_count(20)
    assert pre_run_count(5) >= 3  # the three run days each get at least one exercise


def test_short_slots_rotate_activation_through_the_week() -> None:
    plan = plan_for(minutes=5, run_days=list(WEEK))
    motions = {i.why.params["motion"] for i in items(plan, "activation")}
    assert motions == set(MOTIONS)


def test_strength_after_a_run_only_when_every_day_is_a_run_day() -> None:
    plan = plan_for(run_days=list(WEEK))
    after = [d.weekday for d in plan.days if any(i.phase == "after" for i in d.items)]
    assert after == ["mon", "thu"]
    assert plan.notices[0].key == "strength_after_run"
    assert plan_for().notices == ()


@pytest.mark.parametrize(("run_days", "expected"), [
    ((), ("mon", "thu")),
    (("sat",), ("mon", "thu")),
    (("tue", "thu", "sat"), ("mon", "fri")),
    (("mon", "wed", "fri"), ("tue", "sat")),
    (("mon", "tue", "wed", "thu", "fri", "sat"), ("wed", "sun")),
    (WEEK, ("mon", "thu")),
])
def test_strength_days_are_spread_out(run_days: tuple[str, ...],
                                      expected: tuple[str, ...]) -> None:
    assert strength_days(run_days) == expected


def test_a_level_override_swaps_in_the_harder_neighbour() -> None:
    plan = plan_for(Progress(levels={"single_leg_bridge": 1}))
    volume = {i.exercise: i for i in items(plan, "volume")}
    assert "single_leg_bridge" not in volume
    assert volume["single_leg_glute_bridge"].replaces == "single_leg_bridge"


def test_an_easier_override_stops_at_the_end_of_the_chain() -> None:
    plan = plan_for(Progress(levels={"squats": -5}), goal="speed")
    assert "squats" in ids(plan, "stride")


def test_answers_from_screening_build_a_profile() -> None:
    profile = profile_from_answers({**BASE, "run_days": ["sat", "mon"], "minutes": 15,
                                    "red_flags": ["limp"], "equipment": ["gym"]})
    assert profile == Profile(red_flags=("limp",), equipment=frozenset({"gym"}),
                              run_days=("mon", "sat"), timezone="Europe/Berlin", minutes=15)


def test_half_finished_answers_still_give_a_safe_plan() -> None:
    profile = profile_from_answers({"minutes": "lots", "run_days": "tue"})
    assert profile.minutes == 10
    assert profile.run_days == ()
    plan = build_week(profile, CATALOG)
    assert plan.flexion_step is None
    assert plan.failing_sides == ("left", "right")
    assert plan.notices[0].key == "flexion_locked"


def test_cleared_red_flag_without_self_tests_starts_with_mobility() -> None:
    answers = {k: v for k, v in BASE.items() if k not in {"thigh_left", "thigh_right",
                                                           "knee_lift"}}
    plan = build_week(profile_from_answers({**answers, "red_flags": ["fall"]}), CATALOG,
                      Progress(cleared=True))
    assert plan.failing_sides == ("left", "right")
    assert {i.side for i in items(plan, "mobility") if i.exercise == "rotation_side_door"} == {
        "both"}


# ---------------------------------------------------------------- protocol doses


def test_activation_dose_is_one_to_six_exercises_of_ten_to_fifteen() -> None:
    for minutes in (5, 10, 20, 30):
        plan = plan_for(minutes=minutes)
        for day in plan.days:
            acts = [i for i in day.items if i.block == "activation"]
            assert (1 <= len(acts) <= 6) if day.kind == "run" else not acts
            for item in acts:
                assert item.dose.reps == (10, 15)
                assert item.dose.sets in (1, 2)


def test_volume_dose_is_three_sets_of_all_six() -> None:
    plan = plan_for()
    volume = items(plan, "volume")
    assert len(volume) == 6
    assert {i.dose.sets for i in volume} == {3}
    assert {i.dose.reps for i in volume} == {(10, 15)}


def test_circuit_dose_is_a_minute_a_move_in_order() -> None:
    circuit = items(plan_for(), "circuit")
    assert [i.exercise for i in circuit] == [
        "hip_cars", "side_lying_hip_raise", "over_under_hurdle_walk",
        "seated_leg_lift_over_block", "bridge_with_leg_lift", "single_leg_glute_bridge",
        "standing_hinge_rotation"]
    for item in circuit:
        per_side = item.exercise != "over_under_hurdle_walk"
        assert item.dose.per_side == per_side
        assert item.dose.duration_seconds == ((30, 30) if per_side else (60, 60))
        assert 2 <= item.dose.sets <= 4
        assert item.dose.rest_seconds == 120


def test_stride_strength_is_ten_reps_or_thirty_second_holds_twice_a_week() -> None:
    plan = plan_for(goal="speed")
    stride_days = {d.weekday for d in plan.days if any(i.block == "stride" for i in d.items)}
    assert stride_days == {"mon", "fri"}
    assert not stride_days & {"tue", "thu", "sat"}
    for item in items(plan, "stride"):
        holds = item.exercise in {"downward_dog", "toe_touches"}
        assert item.dose.hold_seconds == ((30, 30) if holds else None)
        assert item.dose.reps == (None if holds else (10, 10))


def test_kneeling_stretch_is_three_one_minute_holds_per_side() -> None:
    stretch = [i for i in items(plan_for(minutes=20), "drills")
               if i.exercise == "kneeling_hip_flexor_stretch"]
    assert stretch
    assert {(i.dose.sets, i.dose.hold_seconds, i.dose.per_side) for i in stretch} == {
        (3, (60, 60), True)}


def test_hill_sprints_and_backwards_running_doses() -> None:
    plan = plan_for(goal="speed")
    (hill,) = items(plan, "hills")
    assert (hill.dose.duration_seconds, hill.dose.reps, hill.dose.rest_seconds) == (
        (5, 10), (4, 5), 180)
    assert hill.phase == "during"
    assert CATALOG.rules("stride", "hills")["reps_build_min"] == 8
    assert CATALOG.rules("stride", "hills")["reps_build_max"] == 12
    (back,) = items(plan, "backwards")
    assert (back.dose.distance_m, back.dose.reps) == (30, (10, 15))


@pytest.mark.parametrize(("step", "exercise", "reps", "hold"), [
    (1, "abdominal_march", (10, 20), (1, 1)),
    (2, "running_bike_pedal", (10, 20), None),
    (3, "plank_hip_flexion", (5, 10), (5, 10)),
    (4, "standing_hip_march", (5, 10), None),
])
def test_flexion_step_targets(step: int, exercise: str, reps: tuple[int, int],
                              hold: tuple[int, int] | None) -> None:
    flexion = items(plan_for(Progress(flexion_step=step)), "flexion")
    assert {i.exercise for i in flexion} == {exercise}
    assert {(i.dose.reps, i.dose.hold_seconds, i.dose.per_side) for i in flexion} == {
        (reps, hold, True)}


def test_knee_lift_places_the_flexion_progression() -> None:
    assert plan_for(knee_lift="pass").flexion_step == 3
    assert plan_for(knee_lift="fail").flexion_step == 1


# ---------------------------------------------------------------- reachability


def _profiles() -> Iterator[tuple[dict[str, object], Progress]]:
    for goal, kit, thigh, knee, minutes, runs in itertools.product(
            ("speed", "endurance", "injury", "comeback"), ([], ["band", "block", "step", "gym"]),
            ("pass", "fail"), ("pass", "fail"), (5, 20), ([], ["sat"], list(WEEK))):
        yield ({"goal": goal, "equipment": kit, "thigh_left": thigh, "knee_lift": knee,
                "minutes": minutes, "run_days": runs}, Progress())
    for step in (1, 2, 3, 4):
        yield {}, Progress(flexion_step=step)
    yield {"red_flags": ["fall"]}, Progress()
    yield {"red_flags": ["fall"], "run_days": []}, Progress()
    yield {"goal": "speed", "run_days": ["tue", "sat"]}, Progress()
    yield {"thigh_right": "hurt"}, Progress()


def test_every_exercise_in_the_library_is_reachable() -> None:
    reached: set[str] = set()
    for answers, progress in _profiles():
        reached |= ids(plan_for(progress, **answers))
    assert reached == set(CATALOG.exercises)


def test_a_thigh_test_that_hurt_gets_side_doors_on_that_side_and_a_notice() -> None:
    plan = plan_for(Progress(), thigh_right="hurt")
    mobility = {(i.exercise, i.side) for i in items(plan, "mobility") if i.side != "both"}
    assert mobility == {("rotation_side_door", "right"), ("abduction_side_door", "right")}
    assert [n.key for n in plan.notices if n.key == "test_hurt"] == ["test_hurt"]


def test_every_key_a_plan_carries_is_a_declared_one() -> None:
    titles, reasons, notices = set(), set(), set()
    for answers, progress in _profiles():
        plan = plan_for(progress, **answers)
        titles |= {d.title for d in plan.days}
        reasons |= {i.why.key for i in items(plan)}
        notices |= {n.key for n in plan.notices}
    assert titles == DAY_TITLES
    assert reasons == ITEM_REASONS
    assert notices == NOTICES


def test_a_level_override_never_unlocks_flexion_strength() -> None:
    plan = plan_for(Progress(levels={"side_lying_adduction": 1}), thigh_left="fail")
    assert "seated_leg_lift_over_block" not in ids(plan)
    assert "side_lying_adduction" in ids(plan)


# ---------------------------------------------------------------- dates and zones


@pytest.mark.parametrize(("instant", "zone", "expected"), [
    (datetime(2026, 11, 26, 23, 30, tzinfo=UTC), "Asia/Tokyo", date(2026, 11, 27)),
    (datetime(2026, 11, 27, 3, 0, tzinfo=UTC), "America/Los_Angeles", date(2026, 11, 26)),
    (datetime(2026, 11, 26, 15, 0, 1, tzinfo=UTC), "Asia/Tokyo", date(2026, 11, 27)),
    (datetime(2026, 11, 26, 14, 59, 59, tzinfo=UTC), "Asia/Tokyo", date(2026, 11, 26)),
    (datetime(2026, 11, 26, 10, 30, tzinfo=UTC), "Pacific/Kiritimati", date(2026, 11, 27)),
    (datetime(2026, 11, 26, 10, 30, tzinfo=UTC), "Pacific/Pago_Pago", date(2026, 11, 25)),
    (datetime(2026, 3, 29, 0, 59, tzinfo=UTC), "Europe/London", date(2026, 3, 29)),
])
def test_local_date_follows_the_runners_clock(instant: datetime, zone: str,
                                              expected: date) -> None:
    assert local_date(instant, zone) == expected


def test_local_date_refuses_a_naive_instant() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        local_date(datetime(2026, 11, 26, 12, 0), "UTC")


def test_today_uses_the_local_weekday_not_utcs() -> None:
    plan = plan_for(run_days=["fri"])
    instant = datetime(2026, 11, 26, 23, 30, tzinfo=UTC)  # Thursday in UTC
    assert today(plan, local_date(instant, "UTC")).weekday == "thu"
    tokyo: DayPlan = today(plan, local_date(instant, "Asia/Tokyo"))
    assert (tokyo.weekday, tokyo.kind) == ("fri", "run")


def test_next_session_skips_rest_days() -> None:
    plan = plan_for(run_days=["sat"])  # strength on mon and thu
    assert next_session(plan, date(2026, 11, 26)) == (date(2026, 11, 28), plan.day("sat"))
    found = next_session(plan, date(2026, 11, 26), include_today=True)
    assert found == (date(2026, 11, 26), plan.day("thu"))
    assert next_session(plan, date(2026, 11, 28)) == (date(2026, 11, 30), plan.day("mon"))


def test_gentle_mobility_days_count_as_sessions() -> None:
    plan = plan_for(red_flags=["sharp"], run_days=[])
    assert next_session(plan, date(2026, 11, 26)) == (date(2026, 11, 30), plan.day("mon"))
    assert all(d.kind == "rest" for d in plan.days)


def test_next_session_with_nothing_planned_is_none() -> None:
    empty = WeekPlan(tuple(DayPlan(d, "rest", "plan.day.rest") for d in WEEK))
    assert next_session(empty, date(2026, 11, 26), include_today=True) is None
