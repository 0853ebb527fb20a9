"""After screening, through the service and a real database: /today, the walk-through, /plan,
/exercise, /settings and /retest, as a runner would use them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, select

from bot.db.engine import make_session_factory
from bot.db.models import PlanVersion, ScreeningAnswer
from tests.conftest import SCREENING, Clock
from tests.support.conversation import Runner
from tests.support.screening import onwards

THURSDAY = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def plans(engine: Engine) -> list[PlanVersion]:
    with make_session_factory(engine)() as session:
        return list(session.scalars(select(PlanVersion).order_by(PlanVersion.number)))


def answers_for(engine: Engine, question: str) -> list[object]:
    with make_session_factory(engine)() as session:
        rows = session.scalars(select(ScreeningAnswer).where(ScreeningAnswer.question == question)
                               .order_by(ScreeningAnswer.id))
        return [r.value for r in rows]


def test_finishing_the_screening_shows_the_plan_and_today(screened: Runner,
                                                          engine: Engine) -> None:
    text = screened.plain()
    assert "You're all set" in text
    assert "Monday: Run day" in text
    assert "Before your 18:00 run:" in text
    # The welcome counts the strength days the plan has: two six-motion days, one circuit.
    assert "Twice a week: the six-motion strength session, and once a week the seven-move " \
        "circuit" in text
    assert screened.button_names() == {"start", "did", "week"}
    (first,) = plans(engine)
    assert first.reason == "screening"
    # The circuit has a day of its own (Sunday, the free day furthest from the volume days).
    assert [(d["kind"], d["session"]) for d in first.plan["days"]] == [
        ("run", "speed"), ("strength", "volume"), ("run", "speed"), ("rest", None),
        ("strength", "volume"), ("run", None), ("strength", "circuit")]
    assert "training" in first.plan


def test_today_walks_through_the_warm_up_before_the_run_and_the_hills_after(
        screened: Runner, clock: Clock) -> None:
    screened.command("today")
    planned = screened.plain().count("Why:")
    during = screened.plain().split("During the run:")[1].split("After the run:")[0].count("Why:")
    assert during >= 1
    walked = planned - during

    screened.tap("start")
    seen = []
    for number in range(1, walked + 1):
        assert f"{number}/{walked} · " in screened.plain()
        seen.append(screened.plain().split("\n")[0])
        screened.tap("hard" if number == 2 else "done")

    assert len(set(seen)) == walked
    assert "Session done." in screened.plain()
    assert f"{walked - 1} done, 1 hard of {walked}" in screened.plain()
    # Before the 18:00 run nothing more is offered; the run's own work waits for afterwards.
    screened.command("today")
    assert "start" not in screened.button_names()
    clock.now += timedelta(hours=12)  # Monday evening, after the run
    screened.command("today")
    screened.tap("start")
    assert f"1/{during} · " in screened.plain()
    for _ in range(during):
        screened.tap("done")
    screened.command("today")
    assert "Done today" in screened.plain()
    assert screened.button_names() == {"week"}


def test_pain_stops_that_exercise_and_says_so(screened: Runner) -> None:
    screened.command("today")
    screened.tap("start")
    name = screened.plain().split(" · ", 1)[1].split("\n")[0]

    screened.tap("pain")

    assert f"Stop {name} for today" in screened.plain()
    assert "2/" in screened.plain()


def test_cancel_mid_walk_keeps_what_was_done(screened: Runner) -> None:
    screened.command("today")
    screened.tap("start")
    screened.tap("done")

    screened.command("cancel")

    assert "Session stopped." in screened.plain()
    assert "1 done" in screened.plain()


def test_a_restart_mid_walk_carries_on_at_the_same_exercise(
    screened: Runner, make_runner: Callable[[], Runner]
) -> None:
    screened.command("today")
    screened.tap("start")
    screened.tap("done")
    second = screened.plain().split("\n")[0]

    after_restart = make_runner()
    after_restart.type("what now?")

    # Answered (what comes next), and the walk stays on the same move.
    assert [m.template for m in after_restart.last] == ["walk_asked", "walk_step"]
    assert second in after_restart.plain()
    after_restart.type("done")
    assert "3/" in after_restart.plain()


def test_a_double_tapped_start_starts_one_walk(screened: Runner) -> None:
    screened.command("today")
    start = screened.keyboard_turn["start"]
    screened.tap("start")
    first_step = screened.plain()

    response = screened.send(start)

    assert response.toast == "That button belongs to an earlier question."
    assert response.messages == ()
    assert screened.plain() == first_step


def test_right_after_local_midnight_today_is_the_new_day(screened: Runner, clock: Clock) -> None:
    clock.now = datetime(2026, 11, 24, 23, 30, tzinfo=UTC)  # Wednesday 00:30 in Berlin

    screened.command("today")

    assert screened.plain().startswith("Wednesday: Run day")


def test_a_rest_day_says_so_and_names_the_next_session(screened: Runner, clock: Clock) -> None:
    clock.now = THURSDAY

    screened.command("today")

    assert "Thursday: Rest day" in screened.plain()
    assert "Next up: Friday" in screened.plain()
    assert screened.button_names() == {"week"}


def test_plan_shows_all_seven_days_and_marks_today(screened: Runner) -> None:
    screened.command("plan")
    text = screened.plain()
    for day in ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"):
        assert day in text
    assert "👉 Monday" in text


@pytest.mark.parametrize(("typed", "expected"), [
    ("clamshell", "Side-plank clamshell"),
    ("clamshel", "Side-plank clamshell"),
    ("bike pedals", "Supine bike pedals"),
    ("hill sprints", "Hill sprints"),
])
def test_exercise_how_to_by_fuzzy_name(screened: Runner, typed: str, expected: str) -> None:
    screened.send_command("exercise", typed)
    assert screened.plain().startswith(expected)
    assert "Keep in mind" in screened.plain()


def test_an_ambiguous_exercise_name_asks_with_buttons(screened: Runner) -> None:
    screened.send_command("exercise", "bridge")
    assert "Which one do you mean?" in screened.plain()
    choices = [v for v in screened.keyboard_turn if v.startswith("ex:")]
    assert "ex:single_leg_bridge" in choices

    screened.tap("ex:single_leg_bridge")

    assert screened.plain().startswith("Single-leg bridge")


def test_unknown_and_missing_exercise_names_get_a_helpful_answer(screened: Runner) -> None:
    screened.send_command("exercise", "hello there")
    assert "I couldn't find an exercise called “hello there”" in screened.plain()
    screened.send_command("exercise", "")
    assert "Which exercise?" in screened.plain()


def test_settings_change_run_days_and_the_plan_follows(screened: Runner,
                                                       engine: Engine) -> None:
    screened.command("settings")
    screened.tap("run_days")
    screened.type("tue thu")
    screened.tap("confirm")

    text = screened.plain()
    assert "Your plan changed:" in text
    assert "Monday: run day → " in text
    assert "Tuesday: strength day → run day" in text
    latest = plans(engine)[-1]
    assert latest.reason == "settings"
    assert [d["kind"] for d in latest.plan["days"]][1] == "run"


def test_retest_adds_rows_and_unlocks_the_next_flexion_step(screened: Runner, engine: Engine,
                                                            clock: Clock) -> None:
    screened.command("retest")
    assert "Too soon for a re-test" in screened.plain()
    clock.now += timedelta(weeks=4)
    screened.command("retest")
    screened.tap("pass")
    screened.tap("pass")
    screened.tap("pass")

    assert "Re-test saved." in screened.plain()
    assert "step 4 of 4" in screened.plain()
    assert answers_for(engine, "knee_lift") == ["pass", "pass"]
    latest = plans(engine)[-1]
    assert latest.reason == "retest"
    assert latest.plan["flexion_step"] == 4
    assert "Flexion step 4 is open on your left side" in screened.plain()


def test_coach_commands_wait_for_the_screening(make_runner: Callable[[], Runner]) -> None:
    runner = make_runner()
    runner.command("start")
    runner.command("today")
    assert "Let's finish your screening first" in runner.plain()
    assert "How do your hips feel when you run?" in runner.plain()


def test_a_red_flag_gets_gentle_mobility_and_no_retest(make_runner: Callable[[], Runner]
                                                       ) -> None:
    runner = make_runner()
    runner.command("start")
    runner.tap("none")
    runner.tap("t:sharp")
    runner.tap("done")
    runner.walk(onwards(SCREENING, "ask:goal"))
    runner.tap("confirm")

    assert "gentle, pain-free mobility only" in runner.plain()
    runner.command("plan")
    assert "Strength" not in runner.plain()
    runner.command("retest")
    assert "on hold while you have a warning sign" in runner.plain()


def test_a_coach_command_while_asked_keep_or_start_over_keeps_the_answers(
    screened: Runner,
) -> None:
    screened.command("start")
    assert "Keep your answers" in screened.plain()

    screened.command("plan")

    assert "Your week" in screened.plain()
    screened.command("today")
    assert "Monday: Run day" in screened.plain()
