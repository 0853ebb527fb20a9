"""The safety gate: what a runner may be shown on the red-flag path, after a clearance, with a
painful self-test side, with "it hurts most runs" and when coming back from a break.

Every catalog exercise is driven through the gate, so an exercise added later is covered.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.content.exercises import load_catalog
from bot.domain.catalog import Catalog
from bot.domain.safety import (
    ALL_REMINDERS,
    SAFETY_CHECKIN,
    Blocked,
    Candidate,
    Kind,
    Phase,
    RedFlag,
    SafetyStatus,
    candidate,
    exercise_view,
    flags_after_edit,
    gate,
    kinds_from_catalog,
    red_flags_from_history,
    retest_allowed,
)

CATALOG: Catalog = load_catalog(Path(__file__).resolve().parents[1] / "content")
KINDS = kinds_from_catalog(CATALOG)
TODAY = date(2026, 11, 30)
NOW = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
MOBILITY = {"foam_roll_hips", "knee_hug_flexion_mobility", "rotation_side_door",
            "abduction_side_door"}


def every(side: str = "both") -> list[Candidate]:
    return [candidate(CATALOG, KINDS, i, side) for i in sorted(CATALOG.exercises)]


def flagged(*reasons: str, **extra: object) -> SafetyStatus:
    flags = tuple(RedFlag(r, NOW - timedelta(days=3)) for r in reasons)
    return SafetyStatus(red_flags=flags, **extra)  # type: ignore[arg-type]


def shown_ids(status: SafetyStatus, side: str = "both") -> set[str]:
    return {s.exercise_id for s in gate(status, every(side), TODAY).shown}


# ---------------------------------------------------------------- kinds


def test_kinds_come_from_the_protocol_blocks() -> None:
    assert {i for i in CATALOG.exercises if KINDS.of(i) is Kind.MOBILITY} == MOBILITY
    assert KINDS.of("hill_sprints") is Kind.RUNNING
    assert KINDS.of("backwards_running") is Kind.RUNNING
    assert KINDS.of("knee_to_chest_bridge") is Kind.DRILL
    assert KINDS.of("kneeling_hip_flexor_stretch") is Kind.STRETCH
    assert KINDS.of("single_leg_squats") is Kind.STRENGTH
    assert KINDS.of("an_exercise_added_later") is Kind.STRENGTH  # unknown: the strict side


# ---------------------------------------------------------------- the red-flag path


@pytest.mark.parametrize("reason", ["sharp", "rest_night", "numbness", "limp", "sharp_pain",
                                    "repeated_pain", "worse"])
def test_red_flag_path_shows_only_gentle_mobility_without_a_dose(reason: str) -> None:
    result = gate(flagged(reason), every(), TODAY)
    assert result.phase is Phase.RED_FLAG
    assert {s.exercise_id for s in result.shown} == MOBILITY
    assert not result.show_dose
    assert all(not s.show_dose for s in result.shown)
    blocked = dict(result.blocked)
    assert blocked["single_leg_squats"] is Blocked.RED_FLAG
    assert blocked["hill_sprints"] is Blocked.RED_FLAG
    assert blocked["knee_to_chest_bridge"] is Blocked.RED_FLAG
    assert result.notices == ("safety/red_flag_advice",)


def test_no_foam_rolling_after_a_fall_even_once_cleared() -> None:
    assert "foam_roll_hips" not in shown_ids(flagged("fall"))
    assert dict(gate(flagged("fall"), every(), TODAY).blocked)["foam_roll_hips"] is Blocked.FALL
    cleared = flagged("fall", cleared_at=NOW - timedelta(days=2),
                      retested_at=NOW - timedelta(days=1))
    assert cleared.phase is Phase.CLEAR
    assert "foam_roll_hips" not in shown_ids(cleared)
    assert "single_leg_squats" in shown_ids(cleared)


def test_red_flag_path_keeps_everything_off_a_side_that_hurt() -> None:
    status = flagged("sharp", hurt_sides=frozenset({"left"}))
    result = gate(status, every(), TODAY)
    assert {(s.exercise_id, s.side) for s in result.shown} == {
        (i, "right") for i in MOBILITY}
    # Asked for the left side only, nothing is left to show.
    assert gate(status, every("left"), TODAY).shown == ()
    both_hurt = flagged("sharp", hurt_sides=frozenset({"left", "right"}))
    assert shown_ids(both_hurt) == set()


def test_red_flag_path_sends_only_the_weekly_gentle_check_in_and_refuses_a_retest() -> None:
    status = flagged("limp")
    assert gate(status, [], TODAY).reminders == {SAFETY_CHECKIN}
    assert not retest_allowed(status)


def test_exercise_command_on_the_red_flag_path_gives_a_notice_and_no_dose() -> None:
    status = flagged("numbness")
    for exercise_id in ("single_leg_squats", "knee_hug_flexion_mobility", "hill_sprints"):
        view = exercise_view(status, candidate(CATALOG, KINDS, exercise_id), TODAY)
        assert not view.show_dose
        assert view.notice == "safety/exercise_notice"


# ---------------------------------------------------------------- clearance


def test_a_clearance_leads_to_the_self_tests_before_strength_returns() -> None:
    cleared = flagged("sharp", cleared_at=NOW - timedelta(hours=1))
    result = gate(cleared, every(), TODAY)
    assert result.phase is Phase.AWAITING_RETEST
    assert {s.exercise_id for s in result.shown} == MOBILITY
    assert result.show_dose
    assert result.reminders == {"retest"}
    assert retest_allowed(cleared)
    assert result.notices[0] == "safety/retest_first"
    view = exercise_view(cleared, candidate(CATALOG, KINDS, "squats"), TODAY)
    assert (view.show_dose, view.notice) == (False, "safety/exercise_retest_first")
    retested = flagged("sharp", cleared_at=NOW - timedelta(hours=1), retested_at=NOW)
    assert retested.phase is Phase.CLEAR
    assert shown_ids(retested) == set(CATALOG.exercises)
    assert gate(retested, [], TODAY).reminders == ALL_REMINDERS


def test_a_red_flag_after_a_clearance_starts_the_path_again() -> None:
    status = SafetyStatus(red_flags=(RedFlag("sharp", NOW - timedelta(days=30)),
                                     RedFlag("repeated_pain", NOW)),
                          cleared_at=NOW - timedelta(days=20),
                          retested_at=NOW - timedelta(days=19))
    assert status.phase is Phase.RED_FLAG
    assert shown_ids(status) == MOBILITY


def test_editing_the_warning_signs_adds_but_never_removes() -> None:
    assert flags_after_edit(("sharp", "fall"), ()) == ("sharp", "fall")
    assert flags_after_edit(("sharp",), ("limp",)) == ("sharp", "limp")
    assert flags_after_edit((), ("numbness",)) == ("numbness",)


# ---------------------------------------------------------------- a painful self-test


def test_a_side_whose_test_hurt_gets_no_flexion_loading_there() -> None:
    status = SafetyStatus(hurt_sides=frozenset({"left"}))
    result = gate(status, every(), TODAY)
    sides = {s.exercise_id: s.side for s in result.shown}
    for named in ("knee_hug_flexion_mobility", "knee_to_chest_bridge", "abdominal_march",
                  "running_bike_pedal", "plank_hip_flexion", "standing_hip_march",
                  "forward_lunges", "single_leg_squats"):
        assert sides[named] == "right", named
    # Two-sided work that loads flexion cannot be kept off one side, so it goes.
    for gone in ("mountain_climbers", "squats", "hill_sprints", "supine_bike_pedals",
                 "over_under_hurdle_walk"):
        assert gone not in sides, gone
        assert dict(result.blocked)[gone] is Blocked.HURT_SIDE
    # Work without flexion stays on both sides.
    assert sides["side_plank_abduction"] == "both"
    assert sides["kneeling_hip_flexor_stretch"] == "both"
    assert "safety/test_hurt_note" in result.notices
    assert result.reminders == ALL_REMINDERS


def test_exercise_command_names_the_side_a_flexion_move_is_kept_off() -> None:
    status = SafetyStatus(hurt_sides=frozenset({"right"}))
    view = exercise_view(status, candidate(CATALOG, KINDS, "plank_hip_flexion"), TODAY)
    assert (view.show_dose, view.side, view.notice) == (True, "left",
                                                        "safety/exercise_side_notice")
    view = exercise_view(status, candidate(CATALOG, KINDS, "squats"), TODAY)
    assert (view.show_dose, view.notice) == (False, "safety/exercise_side_notice")
    plain = exercise_view(status, candidate(CATALOG, KINDS, "side_lying_adduction"), TODAY)
    assert (plain.show_dose, plain.notice) == (True, None)


# ---------------------------------------------------------------- pain often, comeback


def test_it_hurts_most_runs_starts_at_the_bottom_with_no_hills_or_backwards_for_two_weeks(
) -> None:
    status = SafetyStatus(pain_often=True, plan_started=TODAY - timedelta(days=13))
    result = gate(status, every(), TODAY)
    assert "hill_sprints" not in {s.exercise_id for s in result.shown}
    assert dict(result.blocked)["backwards_running"] is Blocked.CONSERVATIVE
    assert all(s.limit.bottom_of_range for s in result.shown)
    assert "safety/conservative_note" in result.notices
    later = gate(status, every(), TODAY + timedelta(days=1))
    assert {"hill_sprints", "backwards_running"} <= {s.exercise_id for s in later.shown}
    assert not any(s.limit.bottom_of_range for s in later.shown)
    assert later.notices == ()
    not_started = gate(SafetyStatus(pain_often=True), every(), TODAY)
    assert "safety/conservative_note" in not_started.notices


def test_a_comeback_caps_sets_and_holds_hills_until_week_three() -> None:
    status = SafetyStatus(comeback_started=TODAY)
    result = gate(status, every(), TODAY)
    assert dict(result.blocked) == {"hill_sprints": Blocked.COMEBACK}
    assert {s.limit.max_sets for s in result.shown} == {2}
    assert result.notices == ("safety/comeback_note",)
    week_three = gate(status, every(), TODAY + timedelta(days=14))
    assert dict(week_three.blocked) == {}
    assert {s.limit.max_sets for s in week_three.shown} == {None}
    view = exercise_view(status, candidate(CATALOG, KINDS, "hill_sprints"), TODAY)
    assert (view.show_dose, view.notice) == (False, "safety/exercise_not_yet_notice")


def test_a_runner_with_nothing_to_watch_sees_everything_with_its_dose() -> None:
    result = gate(SafetyStatus(), every(), TODAY)
    assert result.phase is Phase.CLEAR
    assert len(result.shown) == len(CATALOG.exercises)
    assert result.blocked == ()
    assert result.notices == ()
    assert result.reminders == ALL_REMINDERS


# ---------------------------------------------------------------- from stored answers


@dataclass(frozen=True)
class Row:
    question: str
    value: Any
    answered_at: datetime


def test_red_flags_carry_the_time_each_first_appeared_and_never_drop() -> None:
    rows = [Row("red_flags", [], NOW - timedelta(days=40)),
            Row("red_flags", ["fall"], NOW - timedelta(days=30)),
            Row("red_flags", ["fall", "pain_reports"], NOW - timedelta(days=5)),
            Row("red_flags", [], NOW - timedelta(days=1)),  # an edit cannot remove them
            Row("pain", "often", NOW)]
    assert red_flags_from_history(reversed(rows)) == (
        RedFlag("fall", NOW - timedelta(days=30)),
        RedFlag("pain_reports", NOW - timedelta(days=5)))
