"""One test per rule of the training model (coaching-facts "Adapting", "Screening", "Safety")."""

from __future__ import annotations

import shutil
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest

from bot.content.exercises import load_catalog
from bot.content.ladders import load_ladders
from bot.content.library import ContentError, ContentLibrary
from bot.domain.training import (
    OFF_PLAN,
    Plan,
    Refusal,
    RetestResult,
    Session,
    SlotOutcome,
    Step,
    build_plan,
    change_reply,
    checkin,
    clear,
    day_view,
    plan_from_json,
    plan_to_json,
    progressions,
    record_session,
    refusal_reply,
    retest,
    retest_due,
    undo,
)
from bot.domain.week import profile_from_answers
from tests.conftest import ROOT
from tests.test_training_journeys import SPEED, START, Behaviour, run_journey

CATALOG = load_catalog(ROOT / "content")
LADDERS = load_ladders(ROOT / "content", CATALOG)
NAMES = {e.id: e.name for e in CATALOG.exercises.values()}
MON, TUE, WED, THU, FRI = (START + timedelta(days=i) for i in range(5))


def plan_for(**answers: object) -> Plan:
    return build_plan(profile_from_answers({**SPEED, **answers}), LADDERS, START)


def report(plan: Plan, on: date, *outcomes: tuple[str, str]) -> Step:
    return record_session(plan, LADDERS, Session(on, tuple(SlotOutcome(s, o)
                                                            for s, o in outcomes)))


def sessions(plan: Plan, slot: str, outcome: str, *days: date) -> Plan:
    for on in days:
        plan = report(plan, on, (slot, outcome)).plan
    return plan


def exercise_and_sets(plan: Plan, slot_id: str) -> tuple[str | None, int]:
    slot = plan.slot(slot_id)
    rung = LADDERS[slot.ladder].rung(slot.rung)
    return rung.exercise, rung.sets


def render(reply_template: str, params: dict[str, object]) -> str:
    library = ContentLibrary(ROOT / "content")
    return library.render_text(reply_template, params)


# ---- counting and progress


def test_three_taps_on_one_morning_count_as_one_session() -> None:
    plan = sessions(plan_for(), "volume.sets", "done", MON, MON, MON)
    assert progressions(plan, LADDERS, MON + timedelta(days=7)).changes == ()
    plan = sessions(plan, "volume.sets", "done", MON + timedelta(days=7))
    step = progressions(plan, LADDERS, MON + timedelta(days=7))
    assert [c.slot for c in step.changes] == ["volume.sets"]
    assert exercise_and_sets(step.plan, "volume.sets") == (None, 4)


def test_progress_waits_seven_days_after_the_slots_last_change() -> None:
    plan = sessions(plan_for(), "volume.sets", "done", MON, TUE)
    for day in range(2, 7):
        assert progressions(plan, LADDERS, MON + timedelta(days=day)).changes == ()
    assert len(progressions(plan, LADDERS, MON + timedelta(days=7)).changes) == 1


def test_two_progressions_a_week_at_most_and_the_longest_waiting_go_first() -> None:
    def day(n: int) -> date:
        return MON + timedelta(days=n)

    # Each became due on the day its second clean session came, a week after the start.
    plan = sessions(plan_for(), "stride", "done", day(9), day(10))
    plan = sessions(plan, "activation", "done", day(8), day(9))
    plan = sessions(plan, "volume.sets", "done", day(7), day(8))
    today = day(10)
    step = progressions(plan, LADDERS, today)
    assert [c.slot for c in step.changes] == ["volume.sets", "activation"]
    assert progressions(step.plan, LADDERS, day(13)).changes == ()
    later = progressions(step.plan, LADDERS, day(14))
    assert [c.slot for c in later.changes] == ["stride"]


def test_the_volume_set_count_is_one_change_for_all_six_moves() -> None:
    friday = MON + timedelta(days=4)
    view = day_view(plan_for(), LADDERS, friday)
    volume = [i for i in view.items if i.slot.startswith("volume.")]
    assert len(volume) == 6
    assert {i.sets for i in volume} == {3}
    assert all("volume.sets" in i.slot_ids() for i in volume)
    outcomes = [SlotOutcome(s, "done") for i in volume for s in i.slot_ids()]
    plan = plan_for()
    for on in (MON, friday):
        plan = record_session(plan, LADDERS, Session(on, tuple(outcomes))).plan
    # A motion's harder exercise waits for the session's top set count.
    step = progressions(plan, LADDERS, MON + timedelta(days=7))
    assert [c.slot for c in step.changes] == ["volume.sets"]
    after = day_view(step.plan, LADDERS, friday + timedelta(days=7))
    assert {i.sets for i in after.items if i.slot.startswith("volume.")} == {4}


def test_one_hard_move_makes_the_shared_set_count_session_hard() -> None:
    outcomes = (SlotOutcome("volume.sets", "done"), SlotOutcome("volume.sets", "hard"))
    plan = plan_for()
    for on in (MON, TUE):
        plan = record_session(plan, LADDERS, Session(on, outcomes)).plan
    assert [c.on for c in plan.log if c.slot == "volume.sets"] == [MON, TUE]
    assert {c.outcome for c in plan.log if c.slot == "volume.sets"} == {"hard"}


def test_a_hard_or_painful_session_in_between_is_not_clean() -> None:
    plan = sessions(plan_for(), "volume.adduction", "done", MON)
    plan = sessions(plan, "volume.adduction", "hard", TUE)
    plan = sessions(plan, "volume.adduction", "done", WED)
    assert progressions(plan, LADDERS, MON + timedelta(days=7)).changes == ()


# ---- hard sessions


def test_two_hard_days_step_the_dose_back_first_then_the_easier_move_of_the_motion() -> None:
    plan = at_four_sets(plan_for())
    plan = plan.with_slot(replace(plan.slot("volume.abduction"), rung=3))
    step = report(plan, MON, ("volume.abduction", "hard"))
    assert step.changes == ()
    step = report(step.plan, TUE, ("volume.abduction", "hard"))
    assert [c.reason for c in step.changes] == ["regress.dose"]
    assert exercise_and_sets(step.plan, "volume.abduction") == ("side_plank_abduction", 3)
    plan = sessions(step.plan, "volume.abduction", "hard", WED, THU)
    assert exercise_and_sets(plan, "volume.abduction") == ("side_lying_hip_raise", 3)
    assert plan.changes[-1].reason == "regress.exercise"


def at_four_sets(plan: Plan) -> Plan:
    return plan.with_slot(replace(plan.slot("volume.sets"), rung=1))


def test_at_three_sets_a_hard_motion_goes_to_its_easier_move_not_to_an_unseen_dose() -> None:
    plan = sessions(plan_for(), "volume.abduction", "hard", MON, TUE)
    assert [c.reason for c in plan.changes] == ["regress.exercise"]
    assert exercise_and_sets(plan, "volume.abduction") == ("side_lying_hip_raise", 3)
    # One exercise only, already at the session's 3 sets: nothing lower to notice.
    plan = sessions(plan_for(), "volume.adduction", "hard", MON, TUE)
    assert plan.changes == ()


def test_one_pain_felt_in_two_moves_of_a_session_is_not_repeated_pain() -> None:
    step = record_session(plan_for(), LADDERS, Session(MON, (
        SlotOutcome("volume.extension", "pain", "left", "mild"),
        SlotOutcome("volume.abduction", "pain", "left", "mild"))))
    assert [c.kind for c in step.changes] == ["pain_swap", "pain_swap"]
    assert not step.plan.flags.red_flag
    again = record_session(step.plan, LADDERS, Session(THU, (
        SlotOutcome("volume.flexion", "pain", "left", "mild"),)))
    assert again.plan.flags.red_flag  # another day within 14 days: repeated


def test_hard_twice_on_one_day_is_not_two_hard_sessions() -> None:
    plan = plan_for()
    step = record_session(plan, LADDERS, Session(MON, (
        SlotOutcome("volume.extension", "hard"), SlotOutcome("volume.extension", "hard"))))
    assert step.changes == ()


# ---- pain


def test_pain_swaps_at_once_to_the_easier_move_even_right_after_a_change() -> None:
    plan = sessions(plan_for(), "volume.extension", "done", MON, TUE)
    plan = progressions(plan, LADDERS, MON + timedelta(days=7)).plan
    plan = plan.with_slot(replace(plan.slot("volume.extension"), rung=2))
    step = record_session(plan, LADDERS, Session(MON + timedelta(days=7), (
        SlotOutcome("volume.extension", "pain", "left", "mild"),)))
    assert [c.kind for c in step.changes] == ["pain_swap"]
    assert exercise_and_sets(step.plan, "volume.extension") == ("single_leg_bridge", 3)


def test_pain_with_no_easier_move_of_that_motion_drops_the_slot() -> None:
    step = record_session(plan_for(), LADDERS, Session(MON, (
        SlotOutcome("volume.adduction", "pain", "right", "stopped"),)))
    assert step.changes[0].reason == "pain.drop"
    assert step.plan.slot("volume.adduction").dropped
    assert all(i.slot != "volume.adduction" for i in day_view(step.plan, LADDERS, FRI).items)


def test_pain_in_one_circuit_move_takes_only_that_move_out() -> None:
    step = record_session(plan_for(), LADDERS, Session(WED, (
        SlotOutcome("circuit", "pain", "left", "mild", "hip_cars"),)))
    moves = [i.exercise for i in day_view(step.plan, LADDERS, WED).items if i.slot == "circuit"]
    assert "hip_cars" not in moves
    assert len(moves) == 6


@pytest.mark.parametrize(("first", "second", "red"), [
    ("left", "left", True), ("left", "both", True), ("left", "right", False)])
def test_pain_twice_in_two_weeks_on_the_same_side_starts_the_red_flag_path(
        first: str, second: str, red: bool) -> None:
    plan = record_session(plan_for(), LADDERS, Session(MON, (
        SlotOutcome("volume.extension", "pain", first, "mild"),))).plan
    step = record_session(plan, LADDERS, Session(MON + timedelta(days=13), (
        SlotOutcome("volume.abduction", "pain", second, "mild"),)))
    assert step.plan.flags.red_flag is red
    if red:
        assert step.changes[-1].reason == "red_flag.repeated"


def off_plan(outcome: str, side: str, severity: str | None = None) -> SlotOutcome:
    """A report on the step-up, a move this plan does not have."""
    return SlotOutcome(OFF_PLAN, outcome, side, severity, "step_up_pelvis_back")


def test_pain_on_a_move_off_the_plan_is_kept_and_changes_no_slot() -> None:
    plan = plan_for()
    step = record_session(plan, LADDERS, Session(MON, (off_plan("pain", "left", "mild"),)))
    assert step.changes == ()
    assert step.plan.slots == plan.slots
    assert [(p.side, p.exercise) for p in step.plan.pains] == [("left", "step_up_pelvis_back")]
    assert plan_from_json(plan_to_json(step.plan)).pains == step.plan.pains


@pytest.mark.parametrize("first_in_plan", [True, False])
def test_pain_off_the_plan_counts_toward_repeated_pain_by_side(first_in_plan: bool) -> None:
    first = (SlotOutcome("volume.extension", "pain", "left", "mild") if first_in_plan
             else off_plan("pain", "left", "mild"))
    plan = record_session(plan_for(), LADDERS, Session(MON, (first,))).plan
    step = record_session(plan, LADDERS, Session(MON + timedelta(days=9), (
        off_plan("pain", "left", "mild"),)))
    assert step.plan.flags.red_flag
    assert step.changes[-1].reason == "red_flag.repeated"


def test_sharp_pain_off_the_plan_starts_the_red_flag_path() -> None:
    step = record_session(plan_for(), LADDERS, Session(MON, (off_plan("pain", "right",
                                                                      "sharp"),)))
    assert step.plan.flags.red_flag
    assert step.changes[-1].reason == "red_flag.sharp"


def test_an_amended_day_replaces_what_that_day_counted() -> None:
    plan = report(plan_for(), MON, ("volume.extension", "done")).plan
    first_again = report(plan, MON, ("volume.extension", "hard")).plan
    assert [c.outcome for c in first_again.log] == ["done"]  # a second session: not counted
    amended = record_session(plan, LADDERS, Session(MON, (
        SlotOutcome("volume.extension", "hard"),), amends=True)).plan
    assert [(c.slot, c.on, c.outcome) for c in amended.log] == [
        ("volume.extension", MON, "hard")]


def test_sharp_pain_starts_the_red_flag_path_and_only_gentle_mobility_remains() -> None:
    step = record_session(plan_for(), LADDERS, Session(MON, (
        SlotOutcome("volume.extension", "pain", "left", "sharp"),)))
    flag = step.changes[-1]
    assert (flag.kind, flag.undoable) == ("red_flag", False)
    for offset in range(14):
        view = day_view(step.plan, LADDERS, MON + timedelta(days=offset))
        assert all(i.kind == "mobility" for i in view.items)
        assert "red_flag" in view.notices
    assert isinstance(undo(step.plan, flag.id, TUE), Refusal)
    assert progressions(step.plan, LADDERS, MON + timedelta(days=30)).changes == ()


def test_after_a_fall_the_gentle_set_never_foam_rolls() -> None:
    plan = plan_for(red_flags=["fall"])
    items = [i.exercise for i in day_view(plan, LADDERS, TUE).items]
    assert items
    assert "foam_roll_hips" not in items


def test_a_worse_check_in_starts_the_red_flag_path_and_better_changes_nothing() -> None:
    plan = plan_for()
    assert checkin(plan, "volume.extension", "better", TUE).changes == ()
    assert checkin(plan, "volume.extension", "same", TUE).changes == ()
    assert checkin(plan, "volume.extension", "worse", TUE).plan.flags.red_flag


def test_clearance_brings_the_self_tests_back_before_strength() -> None:
    plan = plan_for(red_flags=["sharp"])
    cleared = clear(plan, MON + timedelta(days=20)).plan
    assert not cleared.flags.red_flag
    assert retest_due(cleared, MON + timedelta(days=20))
    assert day_view(cleared, LADDERS, MON + timedelta(days=21)).kind in ("gentle", "rest")
    step = retest(cleared, LADDERS, RetestResult("pass", "pass", "pass"),
                  MON + timedelta(days=21))
    assert not isinstance(step, Refusal)
    view = day_view(step.plan, LADDERS, MON + timedelta(days=25))  # a Friday: strength
    assert any(i.slot.startswith("volume.") for i in view.items)


# ---- undo


def test_undo_restores_exactly_what_its_change_replaced_and_says_so() -> None:
    plan = sessions(plan_for(), "volume.sets", "done", MON, TUE)
    step = progressions(plan, LADDERS, MON + timedelta(days=7))
    change = step.changes[0]
    undone = undo(step.plan, change.id, MON + timedelta(days=8))
    assert not isinstance(undone, Refusal)
    assert undone.plan.slot("volume.sets") == plan.slot("volume.sets")
    text = render(change_reply(undone.changes[0], LADDERS, NAMES).template,
                  dict(change_reply(undone.changes[0], LADDERS, NAMES).params))
    assert "Undone" in text
    assert "your six-move strength session is back to 3 sets of every move" in text
    again = undo(undone.plan, change.id, MON + timedelta(days=8))
    assert isinstance(again, Refusal)
    assert again.reason == "undo.already"
    assert render(refusal_reply(again).template, dict(refusal_reply(again).params))


def test_an_older_change_of_a_slot_that_changed_since_is_not_undone_blindly() -> None:
    plan = at_four_sets(plan_for())
    plan = plan.with_slot(replace(plan.slot("volume.extension"), rung=1))
    plan = sessions(plan, "volume.extension", "hard", MON, TUE)
    first = plan.changes[-1]
    plan = sessions(plan, "volume.extension", "pain", WED)
    refused = undo(plan, first.id, THU)
    assert isinstance(refused, Refusal)
    assert refused.reason == "undo.superseded"


def test_an_undone_progression_comes_back_only_after_two_new_clean_sessions() -> None:
    plan = sessions(plan_for(), "volume.sets", "done", MON, TUE)
    step = progressions(plan, LADDERS, MON + timedelta(days=7))
    undone = undo(step.plan, step.changes[0].id, MON + timedelta(days=7))
    assert not isinstance(undone, Refusal)
    plan = undone.plan
    assert progressions(plan, LADDERS, MON + timedelta(days=14)).changes == ()
    # (sessions keep coming: a gap of 14 days would be a break, with its own rules)
    plan = sessions(plan, "volume.sets", "done", MON + timedelta(days=12))
    assert progressions(plan, LADDERS, MON + timedelta(days=14)).changes == ()
    plan = sessions(plan, "volume.sets", "done", MON + timedelta(days=15))
    assert len(progressions(plan, LADDERS, MON + timedelta(days=15)).changes) == 1


# ---- re-tests and the flexion lock


def test_a_re_test_comes_at_most_every_three_weeks_and_is_offered_every_four() -> None:
    plan = plan_for(thigh_left="fail")
    early = retest(plan, LADDERS, RetestResult("pass", "pass"), MON + timedelta(days=20))
    assert isinstance(early, Refusal)
    assert early.params == {"from": (MON + timedelta(days=21)).isoformat()}
    assert not retest_due(plan, MON + timedelta(days=27))
    assert retest_due(plan, MON + timedelta(days=28))


@pytest.mark.parametrize(("knee_lift", "step"), [("pass", 3), ("fail", 1)])
def test_a_first_unlock_goes_to_the_placement_step_then_one_step_per_passing_re_test(
        knee_lift: str, step: int) -> None:
    plan = plan_for(thigh_left="fail", knee_lift=knee_lift)
    first = retest(plan, LADDERS, RetestResult("pass", "pass"), MON + timedelta(days=21))
    assert not isinstance(first, Refusal)
    assert [(c.kind, c.params) for c in first.changes] == [
        ("unlock", {"side": "left", "step": step}),
        ("unlock", {"side": "right", "step": step + 1})]
    left = first.plan.slot("flexion.left")
    assert LADDERS["flexion_steps"].rung(left.rung).step == step
    again = retest(first.plan, LADDERS, RetestResult("pass", "pass"), MON + timedelta(days=30))
    assert isinstance(again, Refusal)
    second = retest(first.plan, LADDERS, RetestResult("pass", "pass"), MON + timedelta(days=42))
    assert not isinstance(second, Refusal)
    assert second.plan.slot("flexion.left").step_cap == step + 1


def test_a_failing_or_painful_re_test_locks_that_side_again_and_says_so() -> None:
    plan = plan_for()
    step = retest(plan, LADDERS, RetestResult("hurt", "pass"), MON + timedelta(days=21))
    assert not isinstance(step, Refusal)
    relock = step.changes[0]
    assert (relock.kind, relock.reason, relock.undoable) == ("relock", "relock.hurt", False)
    text = render(change_reply(relock, LADDERS, NAMES).template,
                  dict(change_reply(relock, LADDERS, NAMES).params))
    assert "left side" in text
    friday = day_view(step.plan, LADDERS, FRI + timedelta(days=21))
    flexion = [i for i in friday.items if i.exercise in (
        "plank_hip_flexion", "supine_bike_pedals", "knee_hug_flexion_mobility")]
    assert flexion
    assert all(i.side == "right" for i in flexion)


def test_mobility_a_failed_test_put_in_never_turns_into_strength() -> None:
    days = run_journey({**SPEED, "thigh_left": "fail", "thigh_right": "fail"}, Behaviour())
    mobility_changes = [c for d in days for c in d.changes
                        if (c.slot or "").startswith("mobility.")]
    assert mobility_changes == []
    for day in days:
        for item in day.view.items:
            if item.slot.startswith("mobility."):
                assert item.kind == "mobility"
    assert all(not i.slot.startswith("flexion.") for d in days for i in d.view.items)


def test_a_test_that_hurt_keeps_end_range_flexion_off_that_side() -> None:
    plan = plan_for(thigh_left="hurt")
    tuesday = day_view(plan, LADDERS, TUE)
    for item in tuesday.items:
        if item.exercise in ("knee_hug_flexion_mobility", "knee_to_chest_bridge"):
            assert item.side == "right"


# ---- start windows


def test_it_hurts_most_runs_starts_every_dose_at_its_bottom_without_hills_for_two_weeks(
) -> None:
    plan = plan_for(pain="often")
    for offset in range(14):
        items = day_view(plan, LADDERS, MON + timedelta(days=offset)).items
        assert not any(i.slot in ("hills", "backwards") for i in items)
        assert all(i.sets == 3 for i in items if i.slot.startswith("volume."))
    assert any(i.slot == "hills" for i in day_view(plan, LADDERS, TUE + timedelta(days=14)).items)


def test_a_comeback_starts_with_two_sets_two_rounds_and_no_hills_until_week_three() -> None:
    plan = plan_for(goal="comeback")
    speed = build_plan(profile_from_answers({**SPEED, "goal": "speed"}), LADDERS, START)
    plan = replace(plan, slots={**speed.slots}, schedule=replace(
        speed.schedule, start_mode="comeback"))
    monday = day_view(plan, LADDERS, MON).items
    assert {i.sets for i in monday if i.slot.startswith("volume.")} == {2}
    assert {i.rounds for i in day_view(plan, LADDERS, WED).items if i.slot == "circuit"} == {2}
    assert not any(i.slot == "hills" for i in day_view(plan, LADDERS, TUE).items)
    assert any(i.slot == "backwards" for i in day_view(plan, LADDERS, THU).items)
    week3 = day_view(plan, LADDERS, TUE + timedelta(days=14)).items
    assert any(i.slot == "hills" for i in week3)


# ---- storage


def test_a_plan_with_history_survives_the_database_round_trip() -> None:
    days = run_journey({**SPEED, "thigh_left": "hurt"}, Behaviour(undo_on=(START + timedelta(
        days=15),)))
    plan = days[-1].plan
    assert plan.changes
    assert plan_from_json(plan_to_json(plan)) == plan


# ---- ladders as content


def _copy_content(tmp_path: Path) -> Path:
    root = tmp_path / "content"
    shutil.copytree(ROOT / "content", root)
    return root


@pytest.mark.parametrize(("old", "new", "message"), [
    ("{exercise: single_leg_glute_bridge, sets: 3, reps: [10, 15]}",
     "{exercise: plank_hip_flexion, sets: 3, reps: [10, 15]}", "this ladder is extension"),
    ("{exercise: single_leg_glute_bridge, sets: 3, reps: [10, 15]}",
     "{exercise: marching_bridge, sets: 3, reps: [10, 15]}", "is drill, this ladder is strength"),
    ("{exercise: single_leg_glute_bridge, sets: 4, reps: [10, 15]}",
     "{exercise: single_leg_glute_bridge, sets: 5, reps: [10, 15]}", "above the cap of 4"),
])
def test_a_ladder_that_leaves_its_motion_kind_or_cap_is_refused_naming_file_and_field(
        tmp_path: Path, old: str, new: str, message: str) -> None:
    root = _copy_content(tmp_path)
    path = root / "ladders" / "six_motions.yaml"
    path.write_text(path.read_text().replace(old, new))
    with pytest.raises(ContentError) as caught:
        load_ladders(root, CATALOG)
    assert str(path) in str(caught.value)
    assert "ladders[" in str(caught.value)
    assert ".rungs[" in str(caught.value)
    assert message in str(caught.value)


def test_a_missing_ladder_is_named(tmp_path: Path) -> None:
    root = _copy_content(tmp_path)
    (root / "ladders" / "running.yaml").unlink()
    with pytest.raises(ContentError, match="no ladder backwards, hills"):
        load_ladders(root, CATALOG)


def test_the_caps_are_the_coaching_facts_numbers() -> None:
    def tops(ladder_id: str, field: str) -> object:
        return max(getattr(r, field) or 0 if field != "reps" else (r.reps or (0, 0))[1]
                   for r in LADDERS[ladder_id].rungs)

    assert tops("activation", "sets") == 2
    assert all(tops(f"volume_{m}", "sets") == 4 for m in (
        "flexion", "extension", "abduction", "adduction", "internal_rotation",
        "external_rotation"))
    assert [r.rounds for r in LADDERS["circuit"].rungs] == [2, 3, 4]
    assert [r.reps for r in LADDERS["hills"].rungs] == [(4, 5), (5, 6), (6, 8), (8, 10),
                                                          (8, 12)]
    assert [r.reps for r in LADDERS["backwards"].rungs] == [(10, 10), (12, 12), (15, 15)]
    assert [r.sets for r in LADDERS["stride"].rungs] == [1, 2, 3]
    stretch = LADDERS["drill_kneeling_hip_flexor_stretch"].rungs
    assert [(r.sets, r.seconds) for r in stretch] == [(3, (60, 60))]
