"""Feedback, adaptation and the runner's data, through the service and a real database."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import Engine, func, select

from bot.db.engine import make_session_factory
from bot.db.models import Base, ExerciseOutcome, PlanAdjustment, TrainingSession
from tests.conftest import MONDAY_MORNING, SCREENED, SCREENING, Clock
from tests.support.conversation import Runner
from tests.test_coach import THURSDAY


def count(engine: Engine, model: type[Base]) -> int:
    with make_session_factory(engine)() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def outcomes(engine: Engine) -> list[tuple[str, str, str | None, str | None]]:
    with make_session_factory(engine)() as session:
        rows = session.scalars(select(ExerciseOutcome).order_by(ExerciseOutcome.id))
        return [(r.exercise_id, r.outcome, r.side, r.severity) for r in rows]


def mark_hard(runner: Runner, *exercises: str) -> None:
    runner.command("today")
    runner.tap("did")
    for exercise in exercises:
        runner.tap(f"t:{exercise}")
    runner.tap("good")


def test_done_then_which_one_was_hard_records_the_session(screened: Runner,
                                                          engine: Engine) -> None:
    mark_hard(screened, "single_leg_bridge")

    assert "• Single-leg bridge: hard" in screened.plain()
    stored = outcomes(engine)
    assert ("single_leg_bridge", "hard", None, None) in stored
    assert all(o[1] == "done" for o in stored if o[0] != "single_leg_bridge")
    assert count(engine, TrainingSession) == 1


def test_hard_twice_regresses_with_its_reason_and_undo_restores(
    screened: Runner, engine: Engine, clock: Clock
) -> None:
    mark_hard(screened, "single_leg_bridge", "side_plank_abduction")
    assert "⬇️" not in screened.plain()

    clock.now = MONDAY_MORNING + timedelta(days=2)  # the next run day
    mark_hard(screened, "single_leg_bridge", "side_plank_abduction")

    text = screened.plain()
    assert "⬇️ Single-leg bridge → " in text
    assert "It was hard 2 times in a row" in text
    assert "⬆️" in text  # the rest were done cleanly twice: they move on
    changes = text.count("⬆️") + text.count("⬇️")
    assert count(engine, PlanAdjustment) == changes
    undo = screened.keyboard_turn["undo"]
    screened.command("today")
    assert "after your feedback" in screened.plain()

    screened.send(undo)

    assert "Undone: the change to " in screened.plain()
    with make_session_factory(engine)() as session:
        rows = session.scalars(select(PlanAdjustment).order_by(PlanAdjustment.id)).all()
        assert [r.undone_at is not None for r in rows] == [False] * (changes - 1) + [True]


def test_pain_in_free_text_asks_how_bad_and_swaps_the_exercise(screened: Runner,
                                                                engine: Engine) -> None:
    screened.type("my left hip hurt during the clamshell")

    assert "And how bad was it?" in screened.plain()
    screened.tap("stopped")

    text = screened.plain()
    assert "• Side-plank clamshell: pain, left side (it stopped me)" in text
    assert "🔁 Side-plank clamshell → " in text
    assert "I'll check in tomorrow." in text
    assert outcomes(engine)[-1] == ("side_plank_clamshell", "pain", "left", "stopped")


def test_sharp_pain_takes_the_red_flag_path(screened: Runner) -> None:
    screened.type("sharp pain in my right hip in the single leg bridge")

    text = screened.plain()
    assert "Strength work paused." in text
    assert "Please get your hip checked" in text
    screened.command("plan")
    assert "Strength" not in screened.plain()
    assert "Gentle mobility only for now" in screened.plain()


def test_an_unclear_name_is_asked_about_with_buttons(screened: Runner, engine: Engine) -> None:
    screened.type("the bridge was hard")

    assert "Which exercise do you mean?" in screened.plain()
    assert "pick:single_leg_bridge" in screened.keyboard_turn
    screened.tap("pick:single_leg_bridge")

    assert outcomes(engine) == [("single_leg_bridge", "hard", None, None)]


def test_a_double_tapped_finish_records_once(screened: Runner, engine: Engine) -> None:
    screened.command("today")
    screened.tap("did")
    finish = screened.keyboard_turn["good"]
    screened.tap("good")
    before = count(engine, ExerciseOutcome)

    response = screened.send(finish)

    assert response.toast == "That button belongs to an earlier question."
    assert count(engine, ExerciseOutcome) == before


def test_chit_chat_is_not_mistaken_for_a_report(screened: Runner, engine: Engine) -> None:
    screened.type("thanks, see you tomorrow")
    assert "/today shows today's session" in screened.plain()
    assert count(engine, ExerciseOutcome) == 0


def test_progress_is_a_chart_with_a_summary(screened: Runner) -> None:
    mark_hard(screened, "single_leg_bridge")

    response = screened.command("progress")

    (message,) = response.messages
    assert message.attachment is not None
    assert message.attachment.kind == "photo"
    assert message.attachment.data.startswith(b"\x89PNG")
    assert "This week: 1 of 1 session done." in screened.plain()
    assert "Hardest so far: Single-leg bridge" in screened.plain()


def test_export_holds_every_row_of_the_runner(screened: Runner) -> None:
    mark_hard(screened, "single_leg_bridge")

    (message,) = screened.command("export").messages

    assert message.attachment is not None
    document = json.loads(message.attachment.data)
    tables = document["tables"]
    assert tables["users"][0]["telegram_id"] == 4242
    assert len(tables["screening_answers"]) == len(SCREENED)
    assert {r["exercise_id"] for r in tables["exercise_outcomes"]} >= {"single_leg_bridge"}
    assert tables["plan_versions"][0]["reason"] == "screening"


def test_delete_after_confirmation_leaves_no_row_anywhere(screened: Runner,
                                                          engine: Engine) -> None:
    mark_hard(screened, "single_leg_bridge")
    screened.command("delete")
    assert "Delete everything?" in screened.plain()
    screened.tap("keep_data")
    assert "Nothing deleted." in screened.plain()

    screened.command("delete")
    screened.tap("delete_all")

    assert "everything I had about you is deleted" in screened.plain()
    with engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            rows = conn.execute(select(func.count()).select_from(table)).scalar_one()
            assert rows == 0, table.name
    screened.command("start")
    assert "I'm Hip Coach" in screened.plain()


def test_progress_waits_for_the_screening_but_data_rights_do_not(
    make_runner: Callable[[], Runner], engine: Engine
) -> None:
    runner = make_runner()
    runner.command("start")
    runner.tap("mild")
    runner.command("progress")
    assert "Let's finish your screening first" in runner.plain()

    (_, export) = runner.command("export").messages
    assert export.attachment is not None
    assert json.loads(export.attachment.data)["tables"]["screening_answers"][0]["value"] == "mild"

    runner.command("delete")
    runner.tap("keep_data")
    assert "Nothing deleted." in runner.plain()
    assert "Does any of these apply to you right now?" in runner.plain()
    runner.command("delete")
    runner.tap("delete_all")
    assert count(engine, ExerciseOutcome) == 0
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(Base.metadata.tables["users"])
                            ).scalar_one() == 0


@pytest.mark.parametrize("said", [
    "I have pain at night and tingling in my leg",
    "I fell and now I am limping",
    "sharp pain in my groin",
])
def test_warning_signs_in_free_text_take_the_red_flag_path(screened: Runner, said: str) -> None:
    screened.type(said)

    assert "That needs a proper look." in screened.plain()
    assert "please see a physio or doctor" in screened.plain()
    screened.command("plan")
    assert "Gentle mobility only for now" in screened.plain()


def test_pain_without_a_named_move_on_a_rest_day_asks_which(screened: Runner,
                                                             clock: Clock) -> None:
    clock.now = THURSDAY
    screened.type("my hip hurts")
    assert "Which one hurt?" in screened.plain()


def test_leaving_a_walk_with_another_command_keeps_what_was_done(screened: Runner,
                                                                 engine: Engine) -> None:
    screened.command("today")
    screened.tap("start")
    screened.tap("done")
    screened.tap("done")

    screened.command("plan")

    assert "Session stopped." in screened.plain()
    assert "Your week" in screened.plain()
    assert [o[1] for o in outcomes(engine)] == ["done", "done"]


def test_leaving_settings_with_a_command_keeps_the_change(screened: Runner,
                                                          engine: Engine) -> None:
    screened.command("settings")
    screened.tap("run_days")
    screened.type("tue thu")

    screened.command("today")

    assert "Your plan changed:" in screened.plain()
    assert "Monday: Rest day" in screened.plain() or "Monday: Strength" in screened.plain()


def test_progress_counts_planned_sessions_from_the_day_of_the_first_plan(
    make_runner: Callable[[], Runner], clock: Clock
) -> None:
    clock.now = MONDAY_MORNING + timedelta(days=2)  # screened on Wednesday
    runner = make_runner()
    runner.command("start")
    runner.walk(SCREENING)
    runner.tap("confirm")

    runner.command("progress")

    assert "This week: 0 of 1 session done." in runner.plain()
