"""Adapting the plan: outcome histories in, plan adjustments (with reasons) out."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from bot.domain.adaptation import (
    Adjustment,
    AppliedAdjustment,
    Decision,
    DoseItem,
    Kind,
    Node,
    OutcomeRecord,
    Reason,
    apply,
    decide,
    level_offsets,
    progression_paused,
    resume,
    undo_last,
)
from bot.domain.feedback import OutcomeKind, Severity, Side

GRAPH = {
    "abdominal_march": Node("flexion", None, "running_bike_pedal"),
    "running_bike_pedal": Node("flexion", "abdominal_march", "plank_hip_flexion"),
    "plank_hip_flexion": Node("flexion", "running_bike_pedal", "standing_hip_march"),
    "standing_hip_march": Node("flexion", "plank_hip_flexion", None),
    "side_plank_clamshell": Node("external_rotation", "rotation_side_door", None),
    "rotation_side_door": Node("external_rotation", None, "side_plank_clamshell"),
    "single_leg_bridge": Node("extension", None, None),
    "hip_cars": Node("flexion", "single_leg_bridge", None),
    # An easier neighbour of another motion is passed over for one of the same motion.
    "marching_bridge": Node("extension", "hip_cars", None),
    "standing_hinge_rotation": Node("extension", "abdominal_march", None),
}
PEDAL = DoseItem("running_bike_pedal", 2, 2)
CLAM = DoseItem("side_plank_clamshell", 3, 3)
BRIDGE = DoseItem("single_leg_bridge", 3, 3)
CARS = DoseItem("hip_cars", 1, 1, rounds=2)
START = date(2026, 11, 2)

DONE, HARD, PAIN, EASY = OutcomeKind.DONE, OutcomeKind.HARD, OutcomeKind.PAIN, OutcomeKind.EASY
L, R = Side.LEFT, Side.RIGHT


def day(n: int) -> date:
    return START + timedelta(days=n)


def rec(n: int, exercise: str, outcome: OutcomeKind, side: Side | None = None,
        severity: Severity | None = None) -> OutcomeRecord:
    return OutcomeRecord(day(n), exercise, outcome, side, severity)


def summary(decision: Decision) -> list[tuple[object, ...]]:
    return [(a.kind.value, a.reason.value, a.exercise_id, a.replacement_id,
             a.side.value if a.side else None, dict(a.dose_change))
            for a in decision.adjustments]


# (case, plan, outcomes, adjustments summary, check-in day offset, red flag)
CASES: list[tuple[str, list[DoseItem], list[OutcomeRecord], list[tuple[object, ...]],
                  int | None, bool]] = [
    ("one clean completion changes nothing", [PEDAL],
     [rec(0, "running_bike_pedal", DONE)], [], None, False),
    ("two clean in a row step up to the harder neighbour", [PEDAL],
     [rec(0, "running_bike_pedal", DONE), rec(2, "running_bike_pedal", EASY)],
     [("swap", "progress_step", "running_bike_pedal", "plank_hip_flexion", None, {})],
     None, False),
    ("clean, hard, clean is not two clean in a row", [PEDAL],
     [rec(0, "running_bike_pedal", DONE), rec(1, "running_bike_pedal", HARD),
      rec(2, "running_bike_pedal", DONE)], [], None, False),
    ("no harder neighbour: one more set on both sides", [BRIDGE],
     [rec(0, "single_leg_bridge", DONE), rec(1, "single_leg_bridge", DONE)],
     [("dose", "progress_set", "single_leg_bridge", None, None,
       {"sets_left": 1, "sets_right": 1})], None, False),
    ("circuit: one more round", [CARS],
     [rec(0, "hip_cars", DONE), rec(1, "hip_cars", DONE)],
     [("dose", "progress_round", "hip_cars", None, None, {"rounds": 1})], None, False),
    ("already at four sets and no harder step: hold", [DoseItem("single_leg_bridge", 4, 4)],
     [rec(0, "single_leg_bridge", DONE), rec(1, "single_leg_bridge", DONE)], [], None, False),
    ("two hard in a row step down to the easier neighbour", [PEDAL],
     [rec(0, "running_bike_pedal", HARD), rec(1, "running_bike_pedal", HARD)],
     [("swap", "regress_step", "running_bike_pedal", "abdominal_march", None, {})],
     None, False),
    ("two hard, nothing easier: one set fewer", [BRIDGE],
     [rec(0, "single_leg_bridge", HARD), rec(1, "single_leg_bridge", HARD)],
     [("dose", "regress_set", "single_leg_bridge", None, None,
       {"sets_left": -1, "sets_right": -1})], None, False),
    ("one-sided: the side marked harder gets the extra set, not both", [BRIDGE],
     [rec(0, "single_leg_bridge", HARD, L), rec(1, "single_leg_bridge", DONE),
      rec(2, "single_leg_bridge", DONE)],
     [("dose", "progress_weak_side", "single_leg_bridge", None, "left", {"sets_left": 1})],
     None, False),
    ("one-sided hard twice with nothing easier: that side does one set fewer", [BRIDGE],
     [rec(0, "single_leg_bridge", HARD, R), rec(1, "single_leg_bridge", HARD, R)],
     [("dose", "regress_set", "single_leg_bridge", None, "right", {"sets_right": -1})],
     None, False),
    ("pain swaps to the easier exercise of the same motion and checks in next day", [CLAM],
     [rec(3, "side_plank_clamshell", PAIN, L)],
     [("swap", "pain_swap", "side_plank_clamshell", "rotation_side_door", "left", {})],
     4, False),
    ("pain with nothing easier leaves the exercise out", [BRIDGE],
     [rec(3, "single_leg_bridge", PAIN)],
     [("swap", "pain_drop", "single_leg_bridge", None, None, {})], 4, False),
    ("sharp pain: swap and the red-flag path at once", [CLAM],
     [rec(3, "side_plank_clamshell", PAIN, R, Severity.SHARP)],
     [("swap", "pain_swap", "side_plank_clamshell", "rotation_side_door", "right", {}),
      ("pause", "sharp_pain", "side_plank_clamshell", None, "right", {})], 4, True),
    ("pain on the same hip twice within 14 days: red flag", [CLAM],
     [rec(0, "single_leg_bridge", PAIN, L), rec(13, "side_plank_clamshell", PAIN, L)],
     [("swap", "pain_swap", "side_plank_clamshell", "rotation_side_door", "left", {}),
      ("pause", "repeated_pain", "side_plank_clamshell", None, "left", {})], 14, True),
    ("pain on different hips is not repeated pain", [CLAM],
     [rec(0, "single_leg_bridge", PAIN, R), rec(5, "side_plank_clamshell", PAIN, L)],
     [("swap", "pain_swap", "side_plank_clamshell", "rotation_side_door", "left", {})],
     6, False),
    ("pain 15 days apart is not repeated pain", [CLAM],
     [rec(0, "side_plank_clamshell", PAIN, L), rec(14, "side_plank_clamshell", PAIN, L)],
     [("swap", "pain_swap", "side_plank_clamshell", "rotation_side_door", "left", {})],
     15, False),
    ("pain walks down to the nearest easier exercise of the same motion",
     [DoseItem("marching_bridge", 2, 2)], [rec(3, "marching_bridge", PAIN)],
     [("swap", "pain_swap", "marching_bridge", "single_leg_bridge", None, {})], 4, False),
    ("pain where only another motion is easier leaves the exercise out",
     [DoseItem("standing_hinge_rotation", 2, 2)], [rec(3, "standing_hinge_rotation", PAIN)],
     [("swap", "pain_drop", "standing_hinge_rotation", None, None, {})], 4, False),
    ("each exercise is judged on its own", [PEDAL, BRIDGE],
     [rec(0, "running_bike_pedal", DONE), rec(0, "single_leg_bridge", HARD),
      rec(1, "running_bike_pedal", DONE), rec(1, "single_leg_bridge", DONE)],
     [("swap", "progress_step", "running_bike_pedal", "plank_hip_flexion", None, {})],
     None, False),
]


@pytest.mark.parametrize(("plan", "outcomes", "expected", "check_in", "red_flag"),
                         [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_decisions_follow_the_adapting_policy(
    plan: list[DoseItem], outcomes: list[OutcomeRecord], expected: list[tuple[object, ...]],
    check_in: int | None, red_flag: bool,
) -> None:
    decision = decide(plan, outcomes, [], GRAPH)
    assert summary(decision) == expected
    assert decision.check_in_on == (day(check_in) if check_in is not None else None)
    assert decision.red_flag is red_flag


def test_every_decision_carries_a_reason_and_template_params() -> None:
    outcomes = [rec(0, "running_bike_pedal", DONE), rec(2, "running_bike_pedal", DONE)]
    (step,) = decide([PEDAL], outcomes, [], GRAPH).adjustments
    assert step.reason is Reason.PROGRESS_STEP
    assert step.params == {"exercise": "running_bike_pedal", "replacement": "plank_hip_flexion"}
    pain = decide([CLAM], [rec(0, "side_plank_clamshell", PAIN, L)], [], GRAPH).adjustments[0]
    assert pain.params == {"exercise": "side_plank_clamshell", "motion": "external_rotation",
                           "side": "left", "replacement": "rotation_side_door"}


def made(decision: Decision, on: int) -> list[AppliedAdjustment]:
    return [AppliedAdjustment(a, day(on)) for a in decision.adjustments]


def test_adjustments_apply_on_top_of_the_base_plan_and_undo_restores_it() -> None:
    base = [PEDAL, BRIDGE]
    outcomes = [rec(0, "running_bike_pedal", DONE), rec(1, "running_bike_pedal", DONE),
                rec(0, "single_leg_bridge", HARD, L), rec(1, "single_leg_bridge", DONE),
                rec(2, "single_leg_bridge", DONE)]
    history = made(decide(base, outcomes, [], GRAPH), on=2)
    assert apply(base, history) == (DoseItem("plank_hip_flexion", 2, 2),
                                    DoseItem("single_leg_bridge", 4, 3))
    after_undo = undo_last(history)
    assert apply(base, after_undo) == (DoseItem("plank_hip_flexion", 2, 2), BRIDGE)
    assert len(after_undo) == len(history)  # history keeps the undone change
    assert after_undo[-1].undone
    assert apply(base, undo_last(after_undo)) == (PEDAL, BRIDGE)


def test_the_same_outcomes_are_acted_on_once() -> None:
    outcomes = [rec(0, "running_bike_pedal", DONE), rec(1, "running_bike_pedal", DONE)]
    history = made(decide([PEDAL], outcomes, [], GRAPH), on=1)
    assert decide([PEDAL], outcomes, history, GRAPH) == Decision()
    # The new exercise needs its own two clean sessions.
    more = [*outcomes, rec(3, "plank_hip_flexion", DONE)]
    assert decide([PEDAL], more, history, GRAPH) == Decision()
    more.append(rec(5, "plank_hip_flexion", DONE))
    assert summary(decide([PEDAL], more, history, GRAPH)) == [
        ("swap", "progress_step", "plank_hip_flexion", "standing_hip_march", None, {})]


def test_red_flag_pauses_progression_until_cleared_and_undo_of_the_pause_lifts_it() -> None:
    base = [CLAM, BRIDGE]
    sharp = [rec(0, "side_plank_clamshell", PAIN, L, Severity.SHARP)]
    history = made(decide(base, sharp, [], GRAPH), on=0)
    assert progression_paused(history)
    clean = [*sharp, rec(1, "single_leg_bridge", DONE), rec(2, "single_leg_bridge", DONE)]
    assert decide(base, clean, history, GRAPH) == Decision()
    # Two hard sessions still ease the load while paused.
    hard = [*sharp, rec(1, "single_leg_bridge", HARD), rec(2, "single_leg_bridge", HARD)]
    assert [a.reason for a in decide(base, hard, history, GRAPH).adjustments] == [
        Reason.REGRESS_SET]
    cleared = [*history, AppliedAdjustment(resume(), day(3))]
    assert not progression_paused(cleared)
    later = [*clean, rec(4, "single_leg_bridge", DONE), rec(5, "single_leg_bridge", DONE)]
    assert [a.reason for a in decide(base, later, cleared, GRAPH).adjustments] == [
        Reason.PROGRESS_SET]
    assert not progression_paused(undo_last(history))


def test_a_second_red_flag_while_paused_does_not_pause_twice() -> None:
    first = [rec(0, "side_plank_clamshell", PAIN, L, Severity.SHARP)]
    history = made(decide([CLAM, BRIDGE], first, [], GRAPH), on=0)
    again = [*first, rec(2, "single_leg_bridge", PAIN, L, Severity.SHARP)]
    decision = decide([CLAM, BRIDGE], again, history, GRAPH)
    assert decision.red_flag
    assert [a.kind for a in decision.adjustments] == [Kind.SWAP]


def test_undo_with_nothing_to_undo_keeps_the_history() -> None:
    assert undo_last([]) == []
    only = [AppliedAdjustment(Adjustment(Kind.DOSE, Reason.PROGRESS_SET, "squats",
                                         dose_change={"sets_left": 1}), day(0), undone=True)]
    assert undo_last(only) == only


def test_level_offsets_follow_chains_of_swaps_back_to_the_base_exercise() -> None:
    def swap(reason: Reason, old: str, new: str, on: int, undone: bool = False
             ) -> AppliedAdjustment:
        return AppliedAdjustment(Adjustment(Kind.SWAP, reason, old, new), day(on), undone)

    history = [swap(Reason.PROGRESS_STEP, "abdominal_march", "running_bike_pedal", 0),
               swap(Reason.PROGRESS_STEP, "running_bike_pedal", "plank_hip_flexion", 5),
               swap(Reason.PAIN_SWAP, "side_plank_clamshell", "rotation_side_door", 6),
               swap(Reason.REGRESS_STEP, "plank_hip_flexion", "running_bike_pedal", 9, True)]
    assert level_offsets(history) == {"abdominal_march": 2, "side_plank_clamshell": -1}
    assert level_offsets(undo_last(undo_last(history))) == {"abdominal_march": 1}
