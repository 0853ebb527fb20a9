"""Progress figures (weeks, streak, hardest exercises, steps, re-tests) and the weekly chart."""

from __future__ import annotations

import struct
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from bot.content.library import ContentLibrary
from bot.db.models import ScreeningAnswer, User
from bot.domain.adaptation import (
    Adjustment,
    AppliedAdjustment,
    Kind,
    Node,
    OutcomeRecord,
    PlanItem,
    Reason,
)
from bot.domain.feedback import Outcome
from bot.services import feedback, progress
from bot.services.progress import HardExercise, SessionDay, WeekTally

TODAY = date(2026, 11, 26)  # a Thursday
MONDAY = date(2026, 11, 23)


def days(*pairs: tuple[int, str]) -> list[SessionDay]:
    """Sessions given as (days before today, status)."""
    return [SessionDay(TODAY - timedelta(days=n), status) for n, status in pairs]


def test_weekly_tallies_count_planned_and_done_per_week_oldest_first() -> None:
    sessions = days((0, "planned"), (2, "done"), (3, "done"), (8, "skipped"), (9, "done"),
                    (40, "done"))
    assert progress.weekly_tallies(sessions, TODAY, weeks=3) == (
        WeekTally(MONDAY - timedelta(weeks=2), 0, 0),
        WeekTally(MONDAY - timedelta(weeks=1), 2, 1),
        WeekTally(MONDAY, 3, 2),
    )


@pytest.mark.parametrize(("sessions", "paused", "expected"), [
    (days((1, "done"), (3, "done"), (6, "done")), (), 3),  # rest days between sessions
    (days((1, "done"), (3, "skipped"), (6, "done")), (), 1),  # a skip breaks it
    (days((1, "done"), (3, "skipped"), (6, "done")), (TODAY - timedelta(days=3),), 2),
    (days((0, "planned"), (1, "done"), (2, "done")), (), 2),  # today is still open
    (days((1, "planned"), (2, "done")), (), 0),  # yesterday's session was never done
    (days((0, "done"), (1, "done")), (), 2),
    ([], (), 0),
], ids=["rest-days", "skip-breaks", "paused-day-passed-over", "today-open",
        "missed-yesterday", "done-today", "nothing-yet"])
def test_streak_is_broken_only_by_a_planned_session_not_done(
    sessions: list[SessionDay], paused: tuple[date, ...], expected: int
) -> None:
    assert progress.streak(sessions, TODAY, paused) == expected


def test_hardest_exercises_rank_by_share_of_hard_or_painful_sessions() -> None:
    def rec(exercise: str, outcome: Outcome) -> OutcomeRecord:
        return OutcomeRecord(TODAY, exercise, outcome)

    outcomes = [rec("plank_hip_flexion", Outcome.HARD), rec("plank_hip_flexion", Outcome.DONE),
                rec("side_plank_clamshell", Outcome.PAIN),
                rec("squats", Outcome.DONE), rec("squats", Outcome.EASY),
                rec("forward_lunges", Outcome.HARD), rec("forward_lunges", Outcome.HARD),
                rec("forward_lunges", Outcome.DONE)]
    assert progress.hardest_exercises(outcomes) == (
        HardExercise("side_plank_clamshell", 0, 1, 1),
        HardExercise("forward_lunges", 2, 0, 3),
        HardExercise("plank_hip_flexion", 1, 0, 2),
    )


def test_progression_steps_leave_out_undone_and_non_progress_changes() -> None:
    step = Adjustment(Kind.SWAP, Reason.PROGRESS_STEP, "running_bike_pedal",
                      "plank_hip_flexion")
    extra = Adjustment(Kind.DOSE, Reason.PROGRESS_SET, "squats", dose_change={"sets_left": 1})
    easier = Adjustment(Kind.SWAP, Reason.REGRESS_STEP, "plank_hip_flexion",
                        "running_bike_pedal")
    history = [AppliedAdjustment(step, MONDAY), AppliedAdjustment(extra, MONDAY, undone=True),
               AppliedAdjustment(easier, TODAY)]
    steps = progress.progression_steps(history)
    assert [(s.made_on, s.reason, s.replacement_id) for s in steps] == [
        (MONDAY, "progress_step", "plank_hip_flexion")]


def test_progress_report_from_the_database(engine: Engine) -> None:
    graph = {"running_bike_pedal": Node("flexion", "abdominal_march", "plank_hip_flexion")}
    base = [PlanItem("running_bike_pedal", 2, 2)]
    with Session(engine) as db, db.begin():
        user = User(telegram_id=77, timezone="UTC")
        db.add(user)
        db.flush()
        for n, status in ((3, "done"), (1, "done"), (0, "planned")):
            session = feedback.start_session(db, user.id, TODAY - timedelta(days=n),
                                             "strength", status=status)
            if status == "done":
                feedback.record_outcome(db, user_id=user.id, session_id=session.id,
                                        exercise_id="running_bike_pedal", outcome="done",
                                        source_key=f"s{n}")
        feedback.adapt(db, user.id, base, graph, now=datetime(2026, 11, 25, 18, tzinfo=UTC))
        for when, value in ((datetime(2026, 10, 1, tzinfo=UTC), "fail"),
                            (datetime(2026, 10, 29, tzinfo=UTC), "pass")):
            db.add(ScreeningAnswer(user_id=user.id, question="thigh_left", value=value,
                                   answered_at=when))
        db.add(ScreeningAnswer(user_id=user.id, question="goal", value="speed"))
        report = progress.progress_report(db, user.id, TODAY)
    assert report.weeks[-1] == WeekTally(MONDAY, 3, 2)
    assert report.streak == 2
    assert report.hardest == ()
    assert [(s.made_on, s.replacement_id) for s in report.steps] == [
        (date(2026, 11, 25), "plank_hip_flexion")]
    assert [(r.question, r.value) for r in report.retests] == [("thigh_left", "fail"),
                                                               ("thigh_left", "pass")]


def png_size(png: bytes) -> tuple[int, int]:
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])
    return width, height


def test_the_chart_is_a_phone_sized_png_with_words_from_content(content: ContentLibrary) -> None:
    labels = progress.chart_labels(content)
    assert labels.title == "Your training, week by week"
    assert (labels.x_axis, labels.y_axis) == ("Week starting", "Sessions")
    weeks = progress.weekly_tallies(days((1, "done"), (9, "skipped"), (10, "done")), TODAY)
    png = progress.weekly_chart_png(weeks, labels)
    width, height = png_size(png)
    assert 900 <= width <= 1400
    assert 700 <= height <= 1000
    empty = progress.weekly_chart_png(progress.weekly_tallies([], TODAY), labels)
    assert png_size(empty) == (width, height)
    assert empty != png
