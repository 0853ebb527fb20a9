"""One report path: ✅ Did it, the walk-through's taps and words, and typed text all become one
report that is stored once a day per move and reaches the training model the same way."""

from __future__ import annotations

import io
from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from bot.console.chat import ConsoleChat
from bot.db.models import ExerciseOutcome, PlanVersion, TrainingSession
from bot.domain import training
from tests.support.conversation import Runner


def outcomes(engine: Engine) -> list[tuple[str, str, str | None, str | None, str | None]]:
    with Session(engine) as db:
        rows = db.execute(select(ExerciseOutcome.exercise_id, ExerciseOutcome.outcome,
                                 ExerciseOutcome.side, ExerciseOutcome.severity,
                                 ExerciseOutcome.words)
                          .order_by(ExerciseOutcome.id)).all()
    return [(e, o, s, v, w) for e, o, s, v, w in rows]


def sessions(engine: Engine) -> int:
    with Session(engine) as db:
        return len(db.scalars(select(TrainingSession)).all())


def stored_plan(engine: Engine) -> training.Plan:
    with Session(engine) as db:
        latest = db.scalars(select(PlanVersion).order_by(PlanVersion.number.desc())
                            .limit(1)).one()
    return training.plan_from_json(latest.plan["training"])


def todays_moves(runner: Runner) -> list[str]:
    runner.command("today")
    moves = runner.last[0].params["day"]["moves"]  # type: ignore[index]
    return list(dict.fromkeys(str(m["id"]) for m in moves))  # type: ignore[attr-defined]


def button(runner: Runner, prefix: str) -> str:
    return next(k for k in runner.keyboard_turn if k.startswith(prefix))


def templates(runner: Runner) -> list[str]:
    return [m.template for m in runner.last]


# --- ✅ Did it -------------------------------------------------------------------------------


def test_did_it_stores_the_whole_session_done_and_clean_at_once(
        screened: Runner, engine: Engine) -> None:
    moves = todays_moves(screened)
    screened.tap("did")

    assert [(e, o) for e, o, *_ in outcomes(engine)] == [(m, "done") for m in moves]
    assert templates(screened)[0] == "feedback_noted"
    assert templates(screened)[-1] == "did_it_follow_up"  # optional: nothing waits on it
    counted = {c.outcome for c in stored_plan(engine).log}
    assert counted == {"done"}


def test_anything_hard_amends_the_stored_session_and_never_doubles_it(
        screened: Runner, engine: Engine) -> None:
    moves = todays_moves(screened)
    screened.tap("did")
    hard = moves[1]
    follow_up = dict(screened.keyboard_turn)
    screened.tap(button(screened, f"hard:{hard}:"))
    screened.keyboard_turn = follow_up  # the follow-up's buttons stay usable
    screened.tap(button(screened, f"hard:{moves[2]}:"))
    screened.command("today")
    assert "did" not in screened.keyboard_turn  # done today: no second Did it to double it

    stored = {e: o for e, o, *_ in outcomes(engine)}
    assert len(outcomes(engine)) == len(moves)
    assert sessions(engine) == 1
    assert stored[hard] == stored[moves[2]] == "hard"
    assert {o for e, o in stored.items() if e not in (hard, moves[2])} == {"done"}


def test_something_hurt_after_did_it_records_only_that_move(
        screened: Runner, engine: Engine) -> None:
    moves = todays_moves(screened)
    screened.tap("did")
    screened.tap(button(screened, "hurt::"))
    screened.tap(f"h:{moves[0]}")
    screened.tap("left")
    screened.tap("mild")

    stored = {e: (o, s, v) for e, o, s, v, _w in outcomes(engine)}
    assert len(stored) == len(moves)
    assert stored[moves[0]] == ("pain", "left", "mild")
    assert {o for e, (o, _s, _v) in stored.items() if e != moves[0]} == {"done"}


# --- words typed during the walk-through ----------------------------------------------------


def walk_to(runner: Runner, number: int) -> list[str]:
    """Start the walk and tap Done up to move ``number``; the walk's moves in order."""
    runner.command("today")
    runner.tap("start")
    moves = [str(runner.last[0].params["item"]["id"])]  # type: ignore[index]
    for _ in range(number - 1):
        runner.tap("done")
        moves.append(str(runner.last[-1].params["item"]["id"]))  # type: ignore[index]
    return moves


def finish_walk(runner: Runner) -> None:
    while "skip" in runner.keyboard_turn:
        runner.tap("done")


def test_words_about_another_move_go_to_that_move_and_leave_this_one_untouched(
        screened: Runner, engine: Engine) -> None:
    moves = walk_to(screened, 3)
    named = moves[0]  # typed on move 3, about move 1
    screened.type(f"the {screened.service.catalog.exercise(named).name} was brutal")

    assert templates(screened) == ["feedback_noted", "walk_step"]
    assert screened.last[-1].params["item"]["id"] == moves[2]  # type: ignore[index]
    finish_walk(screened)
    stored = {e: (o, w) for e, o, _s, _v, w in outcomes(engine)}
    assert stored[named][0] == "hard"
    assert stored[moves[2]][0] == "done"
    assert stored[named][1] == f"the {screened.service.catalog.exercise(named).name} was brutal"


def test_an_outcome_naming_no_move_is_the_move_on_screen(
        screened: Runner, engine: Engine) -> None:
    moves = walk_to(screened, 2)
    screened.type("that one was really hard")

    assert screened.last[-1].params["item"]["id"] != moves[1]  # type: ignore[index]
    finish_walk(screened)
    assert {e: o for e, o, *_ in outcomes(engine)}[moves[1]] == "hard"


def test_a_question_is_answered_and_the_walk_stays_where_it_is(screened: Runner) -> None:
    moves = walk_to(screened, 2)
    for text in ("what's next?", "should I keep my back flat?"):
        screened.type(text)
        assert templates(screened) == ["walk_asked", "walk_step"]
        assert screened.last[-1].params["item"]["id"] == moves[1]  # type: ignore[index]


def test_skip_today_mid_walk_offers_to_skip_the_rest(screened: Runner, engine: Engine) -> None:
    moves = walk_to(screened, 2)
    screened.type("can I skip today")
    assert templates(screened) == ["walk_skip_offer"]
    assert {"rest", "keep"} <= screened.button_names()
    assert outcomes(engine) == []

    screened.tap("rest")
    stored = {e: o for e, o, *_ in outcomes(engine)}
    assert stored[moves[0]] == "done"
    assert stored[moves[1]] == "skipped"


def test_sharp_pain_typed_mid_walk_naming_no_move_is_the_red_flag_path_at_once(
        screened: Runner, engine: Engine) -> None:
    moves = walk_to(screened, 2)
    screened.type("sharp pain in my left hip, had to stop")

    plan = stored_plan(engine)
    assert plan.flags.red_flag
    assert [c.reason for c in plan.changes if c.kind == "red_flag"] == ["red_flag.sharp"]
    assert {e: (o, v) for e, o, _s, v, _w in outcomes(engine)}[moves[1]] == ("pain", "sharp")
    screened.command("today")
    today = screened.last[0].params
    assert today["red_flags"] is True
    assert {m["why"] for m in today["day"]["moves"]} <= {"red_flag_gentle"}  # type: ignore[index]


def test_numbness_typed_mid_walk_is_the_red_flag_path_at_once(
        screened: Runner, engine: Engine) -> None:
    walk_to(screened, 3)
    screened.type("my leg has gone numb")

    assert "red_flag_heard" in templates(screened)
    assert stored_plan(engine).flags.red_flag
    screened.type("done")  # the walk is over: no move is marked by this
    assert all(o == "done" for _e, o, *_ in outcomes(engine))


# --- the runner's words, /export and /delete ------------------------------------------------


def test_the_runners_words_are_kept_exported_and_deleted_with_their_files(
        screened: Runner, engine: Engine, tmp_path: Path) -> None:
    moves = walk_to(screened, 2)
    words = f"the {screened.service.catalog.exercise(moves[0]).name} was brutal"
    screened.type(words)
    finish_walk(screened)
    assert words in [w for *_rest, w in outcomes(engine)]

    files = tmp_path / "files"
    console(screened, files, "/export\n")
    (saved,) = files.iterdir()
    assert words in saved.read_text(encoding="utf-8")  # /export shows them

    console(screened, files, "/delete\n1\n")  # 1: the confirmation's first button

    assert outcomes(engine) == []
    assert list(files.iterdir()) == []  # the export saved for the runner is gone too


def console(runner: Runner, files: Path, typed: str) -> str:
    """The terminal chat, as the screened runner, typing ``typed`` after its /start."""
    shown = io.StringIO()
    chat = ConsoleChat(runner.service, io.StringIO(typed), shown, files=files)
    chat.sender = runner.sender
    chat.run()
    return shown.getvalue()


def test_sharp_pain_typed_when_ready_on_any_move_is_the_red_flag_path(
        screened: Runner, engine: Engine) -> None:
    words = "sharp pain in my left hip again during the step-ups, had to stop"
    screened.type(words)

    plan = stored_plan(engine)
    assert plan.flags.red_flag
    assert ("step_up_pelvis_back", "pain", "left", "sharp", words) in outcomes(engine)
