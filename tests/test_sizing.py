"""Session size: estimates from sets, reps (~3 s), holds and rests; fitting pre-run work into
the runner's minutes; strength sessions kept to about 40 minutes.

Numbers are typed in from coaching-facts.md ("Size", the protocols), not read from content.
The largest plan today's engine can produce (6 run days, 30 minutes, all kit, speed) is fed
through a small adapter to show what the sizer would make of it.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from bot.content.exercises import load_catalog
from bot.domain.catalog import Catalog
from bot.domain.sizing import (
    STRENGTH_MAX_MINUTES,
    Pattern,
    Priority,
    SizedItem,
    fit_pre_run,
    fit_strength,
    item_seconds,
    limited,
    pre_run_minutes_ok,
    session_minutes,
    session_seconds,
    trim_strength,
    volume_sessions,
    volume_twice_a_week,
)
from bot.domain.training import DayItem, DayView, build_plan, day_view
from bot.domain.week import profile_from_answers
from tests.test_training_journeys import LADDERS, START

CATALOG: Catalog = load_catalog(Path(__file__).resolve().parents[1] / "content")
SIX = ("prone_internal_rotation", "side_plank_clamshell", "side_lying_adduction",
       "side_plank_abduction", "supine_bike_pedals", "single_leg_bridge")
PRIORITY = {"volume": Priority.ESSENTIAL, "circuit": Priority.CORE, "flexion": Priority.CORE,
            "mobility": Priority.CORE, "activation": Priority.CORE, "drills": Priority.EXTRA,
            "loading": Priority.EXTRA, "stride": Priority.EXTRA}
MIN_SETS = {"volume": 3, "activation": 1, "stride": 1, "circuit": 2}


def sized(item: DayItem) -> SizedItem:
    """A training day's item as the sizer sees it (the adapter the views would use)."""
    part = item.slot.split(".")[0]
    pattern = {"circuit": Pattern.CIRCUIT, "hills": Pattern.HILLS,
               "backwards": Pattern.SHUTTLE}.get(part, Pattern.SETS)
    return SizedItem(item.exercise, item.rounds or item.sets, item.reps, item.seconds,
                     item.per_side, item.rest_seconds, item.distance_m, pattern,
                     PRIORITY.get(part, Priority.EXTRA), MIN_SETS.get(part))


def largest_days() -> list[DayView]:
    answers = {"pain": "none", "red_flags": [], "thigh_left": "pass", "thigh_right": "pass",
               "knee_lift": "pass", "goal": "speed",
               "equipment": ["band", "block", "step", "gym"],
               "run_days": ["mon", "tue", "wed", "thu", "fri", "sat"], "run_time": "07:00",
               "timezone": "Europe/Berlin", "minutes": 30}
    plan = build_plan(profile_from_answers(answers), LADDERS, START)
    return [day_view(plan, LADDERS, START + timedelta(days=i)) for i in range(7)]


def phase(view: DayView, *whens: str) -> list[SizedItem]:
    return [sized(i) for i in view.items if i.when in whens]


# ---------------------------------------------------------------- estimates


def test_reps_take_three_seconds_and_one_sided_work_counts_twice() -> None:
    one_side = SizedItem("x", sets=1, reps=(10, 10), rest_seconds=0)
    both = SizedItem("x", sets=1, reps=(10, 10), per_side=True, rest_seconds=0)
    assert item_seconds(one_side) == 30 + 15  # 10 reps x 3 s, plus setting up
    assert item_seconds(both) == 60 + 15


def test_holds_and_rests_between_sets_count() -> None:
    held = SizedItem("kneeling_hip_flexor_stretch", sets=3, seconds=(60, 60), per_side=True)
    # 3 sets x 60 s x 2 sides, two 30 s rests, 15 s to set up.
    assert item_seconds(held) == 360 + 60 + 15
    reps_with_hold = SizedItem("plank_hip_flexion", sets=1, reps=(5, 5), seconds=(10, 10))
    assert item_seconds(reps_with_hold) == 5 * 13 + 15


def test_a_circuit_is_rounds_of_every_move_with_two_minutes_after_each_round_but_the_last(
) -> None:
    moves = [SizedItem(f"m{i}", sets=2, seconds=(30, 30), per_side=True, rest_seconds=120,
                       pattern=Pattern.CIRCUIT) for i in range(7)]
    # 7 moves x 1 min x 2 rounds + one 2 min rest + 15 s set-up per move.
    assert session_seconds(moves) == 7 * 60 * 2 + 120 + 7 * 15
    assert session_minutes(moves) == 18  # 17 min 45 s, read as 18


def test_hills_count_the_sprint_the_walk_down_and_three_minutes_rest() -> None:
    hills = SizedItem("hill_sprints", reps=(4, 4), seconds=(10, 10), rest_seconds=180,
                      pattern=Pattern.HILLS)
    # 4 x (10 s up + 40 s walk down) + 3 rests of 3 min + set-up.
    assert item_seconds(hills) == 4 * 50 + 3 * 180 + 15


def test_backwards_running_is_out_backwards_and_a_jog_back() -> None:
    shuttle = SizedItem("backwards_running", reps=(10, 10), distance_m=30,
                        pattern=Pattern.SHUTTLE)
    # 30 m at 2 m/s backwards (15 s) + 30 m jog at 3 m/s (10 s), ten times.
    assert item_seconds(shuttle) == 10 * 25 + 15


@pytest.mark.parametrize(("minutes", "ok"), [(4, False), (5, True), (30, True), (31, False),
                                             (90, False)])
def test_pre_run_minutes_accepted_are_five_to_thirty(minutes: int, ok: bool) -> None:
    assert pre_run_minutes_ok(minutes) is ok


def test_a_safety_limit_brings_a_dose_to_its_bottom_or_caps_its_sets() -> None:
    volume_item = SizedItem("single_leg_bridge", 4, (10, 15), (1, 3), True, min_sets=3)
    bottom = limited(volume_item, bottom=True)
    assert (bottom.sets, bottom.reps, bottom.seconds) == (3, (10, 10), (1, 1))
    assert limited(volume_item, max_sets=2).sets == 2
    assert limited(SizedItem("x", 1), max_sets=2).sets == 1
    assert item_seconds(bottom) < item_seconds(volume_item)


# ---------------------------------------------------------------- fitting pre-run work


def activation(exercise_id: str, priority: Priority = Priority.CORE) -> SizedItem:
    return SizedItem(exercise_id, sets=2, reps=(10, 15), per_side=True, priority=priority,
                     min_sets=1)


def test_pre_run_work_fits_the_minutes_given_most_important_first_in_plan_order() -> None:
    items = [SizedItem("kneeling_hip_flexor_stretch", 3, None, (60, 60), True),
             activation("single_leg_bridge"), activation("side_plank_abduction"),
             SizedItem("swinging_drill", 1, (10, 15), per_side=True)]
    fit = fit_pre_run(items, 5)
    assert fit.seconds <= 5 * 60
    kept = [i.exercise_id for i in fit.kept]
    # Both activations stay (at one set each), the 7-minute stretch goes, order is kept.
    assert kept == ["single_leg_bridge", "side_plank_abduction", "swinging_drill"]
    assert {i.sets for i in fit.kept if i.exercise_id != "swinging_drill"} == {1}
    assert [i.exercise_id for i in fit.dropped] == ["kneeling_hip_flexor_stretch"]


def test_pre_run_work_with_time_to_spare_keeps_every_dose() -> None:
    items = [activation("single_leg_bridge"), SizedItem("swinging_drill", 1, (10, 15),
                                                        per_side=True)]
    fit = fit_pre_run(items, 30)
    assert fit.kept == tuple(items)
    assert fit.dropped == ()


def test_minutes_past_thirty_are_held_to_thirty() -> None:
    long = [SizedItem(f"hold{i}", 3, None, (60, 60), True) for i in range(8)]
    assert fit_pre_run(long, 90).seconds <= 30 * 60


# ---------------------------------------------------------------- strength sessions


def volume(sets: int = 4) -> list[SizedItem]:
    return [SizedItem(i, sets, (10, 15), per_side=True, priority=Priority.ESSENTIAL,
                      min_sets=3) for i in SIX]


def test_trimming_drops_extras_then_sets_then_core_and_never_the_volume() -> None:
    extras = [SizedItem("squats", 2, (10, 10), priority=Priority.EXTRA, min_sets=1),
              SizedItem("plank_hip_flexion", 2, (5, 10), (5, 10), True, priority=Priority.CORE)]
    fit = trim_strength([*volume(4), *extras])
    assert fit.seconds <= STRENGTH_MAX_MINUTES * 60
    assert [i.exercise_id for i in fit.kept] == [*SIX, "plank_hip_flexion"]
    assert {i.sets for i in fit.kept if i.exercise_id in SIX} == {3}
    assert [i.exercise_id for i in fit.dropped] == ["squats"]


def test_a_split_gives_the_trimmed_work_a_second_session_under_the_cap() -> None:
    circuit = [SizedItem(f"move{i}", 2, seconds=(30, 30), per_side=True, rest_seconds=120,
                         pattern=Pattern.CIRCUIT, priority=Priority.EXTRA) for i in range(7)]
    result = fit_strength([*volume(3), *circuit])
    assert result.split
    assert [session_minutes(s.kept) <= STRENGTH_MAX_MINUTES for s in result.sessions] == [
        True, True]
    assert [i.exercise_id for i in result.sessions[0].kept] == list(SIX)
    assert len(result.sessions[1].kept) == 7
    assert result.dropped == ()
    unsplit = fit_strength([*volume(3), *circuit], split=False)
    assert len(unsplit.sessions) == 1
    assert len(unsplit.dropped) == 7


def test_volume_twice_a_week_counts_whole_sessions_at_three_sets_or_more() -> None:
    week = [volume(3), volume(4)]
    assert volume_twice_a_week(week, SIX)
    assert volume_sessions([volume(3), volume(3)[:5], volume(2)], SIX) == 1
    assert not volume_twice_a_week([volume(3)], SIX)


# ---------------------------------------------------------------- today's largest plan


def test_every_day_of_the_largest_plan_fits_the_caps_after_the_sizer() -> None:
    for view in largest_days():
        before = fit_pre_run(phase(view, "before_run"), 30)
        assert before.seconds <= 30 * 60
        strength = fit_strength(phase(view, "strength"))
        for session in strength.sessions:
            assert session.seconds <= STRENGTH_MAX_MINUTES * 60, view.on


def test_the_volume_survives_trimming_of_the_largest_plan() -> None:
    days = [v for v in largest_days() if any(i.slot.startswith("volume.") for i in v.items)]
    assert len(days) == 2  # the six-motion volume twice a week
    for view in days:
        fit = fit_strength(phase(view, "strength"))
        assert volume_sessions([fit.sessions[0].kept], SIX) == 1
