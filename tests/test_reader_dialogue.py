"""Free text from a screened runner with no question open, through the service and a real
database: warning signs, questions, skips, reports the reader is unsure of, soreness."""

from __future__ import annotations

from sqlalchemy import Engine, select

from bot.db.engine import make_session_factory
from bot.db.models import DialogueState, ExerciseOutcome, ScreeningAnswer
from tests.support.conversation import Runner


def outcomes(engine: Engine) -> list[tuple[str, str, str | None, str | None]]:
    with make_session_factory(engine)() as session:
        rows = session.scalars(select(ExerciseOutcome).order_by(ExerciseOutcome.id))
        return [(r.exercise_id, r.outcome, r.side, r.words) for r in rows]


def red_flags(engine: Engine) -> list[object]:
    with make_session_factory(engine)() as session:
        rows = session.scalars(select(ScreeningAnswer).where(
            ScreeningAnswer.question == "red_flags").order_by(ScreeningAnswer.id))
        return [r.value for r in rows]


def templates(runner: Runner) -> list[str]:
    return [m.template for m in runner.last]


def test_sharp_pain_on_a_move_not_in_the_plan_takes_the_red_flag_path(
        screened: Runner, engine: Engine) -> None:
    screened.type("sharp pain in my left hip again during the step-ups, had to stop")
    assert templates(screened)[0] == "red_flag_heard"  # then the gentle moves it leaves
    assert "sharp" in red_flags(engine)[-1]  # type: ignore[operator]


def test_numbness_naming_no_move_takes_the_red_flag_path(screened: Runner,
                                                          engine: Engine) -> None:
    screened.type("pins and needles down my right leg since this morning")
    assert templates(screened)[0] == "red_flag_heard"  # then the gentle moves it leaves
    assert "numbness" in red_flags(engine)[-1]  # type: ignore[operator]


def test_a_groin_ache_is_a_pain_report_not_a_red_flag(screened: Runner, engine: Engine) -> None:
    screened.type("side plank clamshell made my groin ache on the left")
    assert "red_flag_heard" not in templates(screened)
    assert outcomes(engine)[-1][:3] == ("side_plank_clamshell", "pain", "left")


def test_a_race_question_gets_the_rule_and_an_offer_to_note_it(screened: Runner,
                                                                engine: Engine) -> None:
    screened.type("I have a race on Sunday, should I still do the strength session?")
    assert templates(screened) == ["heard_race"]
    screened.tap("race")
    assert templates(screened) == ["race_noted"]
    assert outcomes(engine) == []
    with make_session_factory(engine)() as session:
        answers = session.scalars(select(DialogueState.answers)).one()
    assert "race_noted_on" in answers


def test_a_question_is_answered_and_never_stored(screened: Runner, engine: Engine) -> None:
    screened.type("my hip flexor feels tight, should I stretch more?")
    assert templates(screened) == ["heard_question"]
    assert outcomes(engine) == []


def test_skip_today_is_offered_and_stores_todays_moves_as_skipped(screened: Runner,
                                                                  engine: Engine) -> None:
    screened.type("can I skip today")
    assert templates(screened) == ["heard_skip"]
    assert outcomes(engine) == []
    screened.tap("skip:today")
    stored = outcomes(engine)
    assert stored
    assert {o for _, o, _, _ in stored} == {"skipped"}


def test_keeping_a_session_after_a_skip_offer_stores_nothing(screened: Runner,
                                                             engine: Engine) -> None:
    screened.type("skip today")
    screened.tap("keep")
    assert templates(screened) == ["skip_kept"]
    assert outcomes(engine) == []


def test_too_easy_with_no_move_asks_which_one_and_stores_nothing_until_told(
        screened: Runner, engine: Engine) -> None:
    screened.type("too easy")
    assert templates(screened) == ["feedback_pick"]
    assert outcomes(engine) == []
    screened.tap("prone_internal_rotation")
    assert outcomes(engine) == [("prone_internal_rotation", "easy", None, "too easy")]


def test_a_move_named_without_how_it_went_is_asked_about(screened: Runner,
                                                         engine: Engine) -> None:
    screened.type("squats were a doddle")
    assert templates(screened) == ["ask_how_went"]
    assert outcomes(engine) == []
    screened.tap("how:unfinished")
    assert outcomes(engine) == [("squats", "unfinished", None, "squats were a doddle")]


def test_outcomes_that_are_not_clean_are_stored_as_said(screened: Runner,
                                                        engine: Engine) -> None:
    screened.type("the clamshel was brutal")
    assert outcomes(engine) == [("side_plank_clamshell", "hard", None, "the clamshel was brutal")]


def test_did_it_stores_todays_session_as_done(screened: Runner, engine: Engine) -> None:
    screened.type("did it all 💪")
    stored = outcomes(engine)
    assert len(stored) >= 4
    assert {o for _, o, _, _ in stored} == {"done"}


def test_soreness_the_day_after_is_reassured_and_not_a_pain_report(screened: Runner,
                                                                   engine: Engine) -> None:
    screened.type("sore glutes from yesterday, DOMS I guess")
    assert templates(screened) == ["heard_sore"]
    assert outcomes(engine) == []


def test_a_sore_named_move_counts_as_done(screened: Runner, engine: Engine) -> None:
    screened.type("quads sore from the squats, day after")
    assert "heard_sore" in templates(screened)
    assert outcomes(engine) == [("squats", "sore", None, "quads sore from the squats, day after")]


def test_a_message_with_nothing_to_read_gets_the_hint(screened: Runner, engine: Engine) -> None:
    screened.type("my dog ate my resistance band")
    assert templates(screened) == ["ready_text"]
    assert outcomes(engine) == []


def test_a_move_that_fits_several_names_is_asked_then_how_it_went(screened: Runner,
                                                                   engine: Engine) -> None:
    screened.type("about the side plank today")
    assert templates(screened) == ["feedback_pick"]
    screened.tap("side_plank_clamshell")
    assert templates(screened) == ["ask_how_went"]
    assert outcomes(engine) == []
    screened.tap("how:hard")
    assert outcomes(engine) == [("side_plank_clamshell", "hard", None,
                                 "about the side plank today")]
