"""/progress: the pure figures (bot/domain/progress.py), the rows they are read from, the chart."""

from __future__ import annotations

import struct
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from bot.content.library import ContentLibrary
from bot.db.models import PlanVersion, ScreeningAnswer, User
from bot.domain import progress as figures
from bot.domain import training
from bot.domain.feedback import OutcomeKind
from bot.domain.progress import HardExercise, OutcomeRecord, WeekTally
from bot.domain.training import (
    Refusal,
    SlotOutcome,
    build_plan,
    plan_to_json,
    progressions,
    record_session,
    undo,
)
from bot.domain.week import profile_from_answers
from bot.services import feedback, progress
from tests.test_training_journeys import LADDERS, SPEED

TODAY = date(2026, 11, 26)  # a Thursday
MONDAY = date(2026, 11, 23)
MON_WED_SAT = {0, 2, 5}


def ago(*days: int) -> set[date]:
    return {TODAY - timedelta(days=n) for n in days}


def test_weeks_count_planned_days_up_to_today_and_sessions_done() -> None:
    weeks = figures.weekly_tallies(TODAY, ago(1, 3, 9), MON_WED_SAT, first=None, weeks=3)
    assert weeks == (
        WeekTally(MONDAY - timedelta(weeks=2), 3, 0),
        WeekTally(MONDAY - timedelta(weeks=1), 3, 1),  # a session on an off day counts as done
        WeekTally(MONDAY, 2, 2),  # Monday and Wednesday so far; Saturday is still to come
    )


def test_the_chart_starts_at_the_week_of_the_first_plan() -> None:
    first = MONDAY + timedelta(days=2)  # the first plan came on Wednesday
    weeks = figures.weekly_tallies(TODAY, set(), MON_WED_SAT, first=first, weeks=6)
    assert weeks == (WeekTally(MONDAY, 1, 0),)  # no empty weeks before; Monday not counted
    earlier = figures.weekly_tallies(TODAY, set(), MON_WED_SAT, first=first - timedelta(weeks=1))
    assert [w.week_start for w in earlier] == [MONDAY - timedelta(weeks=1), MONDAY]
    long_ago = figures.weekly_tallies(TODAY, set(), MON_WED_SAT, first=date(2020, 1, 1))
    assert len(long_ago) == figures.CHART_WEEKS


@pytest.mark.parametrize(("done", "expected"), [
    (ago(1, 3), 2),  # Wednesday and Monday done; Tuesday was a rest day
    (ago(0, 1, 3), 3),  # today counts once done
    (ago(3), 0),  # Wednesday was planned and not done
    (ago(1, 3, 6), 2),  # broken by Saturday 21, not done
    (set(), 0),
], ids=["rest-days", "done-today", "missed-wednesday", "missed-saturday", "nothing-yet"])
def test_the_streak_is_broken_only_by_a_planned_day_not_done(done: set[date],
                                                             expected: int) -> None:
    assert figures.streak(TODAY, done, MON_WED_SAT) == expected


def test_active_weekdays_come_from_the_stored_plan() -> None:
    plan = {"days": [{"weekday": "mon", "items": [{"exercise": "squats"}]},
                     {"weekday": "tue", "items": []},
                     {"weekday": "sat", "items": [{"exercise": "squats"}]}]}
    assert figures.active_weekdays(plan) == {0, 5}
    assert figures.active_weekdays(None) == set()


def test_hardest_exercises_rank_by_share_of_hard_sessions_and_pain_is_apart() -> None:
    def rec(exercise: str, outcome: OutcomeKind) -> OutcomeRecord:
        return OutcomeRecord(TODAY, exercise, outcome)

    outcomes = [rec("plank_hip_flexion", OutcomeKind.HARD),
                rec("plank_hip_flexion", OutcomeKind.DONE),
                rec("side_plank_clamshell", OutcomeKind.PAIN),
                rec("squats", OutcomeKind.DONE), rec("squats", OutcomeKind.EASY),
                rec("forward_lunges", OutcomeKind.HARD), rec("forward_lunges", OutcomeKind.HARD),
                rec("forward_lunges", OutcomeKind.DONE)]
    assert figures.hardest_exercises(outcomes) == (
        HardExercise("forward_lunges", 2, 0, 3),
        HardExercise("plank_hip_flexion", 1, 0, 2),
    )
    assert figures.painful_exercises(outcomes) == (
        HardExercise("side_plank_clamshell", 0, 1, 1),)


def test_progression_steps_leave_out_undone_and_non_progress_changes() -> None:
    plan = build_plan(profile_from_answers(SPEED), LADDERS, MONDAY)
    for on in (MONDAY, MONDAY + timedelta(days=1)):
        plan = record_session(plan, LADDERS, training.Session(on, (
            SlotOutcome("volume.sets", "done"), SlotOutcome("stride", "done")))).plan
    grown = progressions(plan, LADDERS, MONDAY + timedelta(days=7))
    assert [c.slot for c in grown.changes] == ["volume.sets", "stride"]
    undone = undo(grown.plan, grown.changes[1].id, MONDAY + timedelta(days=8))
    assert not isinstance(undone, Refusal)
    stored = {"training": plan_to_json(undone.plan)}
    steps = figures.progression_steps(stored)
    assert [(s.made_on, s.reason, s.slot) for s in steps] == [
        (MONDAY + timedelta(days=7), "progress.dose", "volume.sets")]
    assert figures.progression_steps({}) == ()


def test_the_rows_progress_reads(engine: Engine) -> None:
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
        for when, value in ((datetime(2026, 10, 1, tzinfo=UTC), "fail"),
                            (datetime(2026, 10, 29, tzinfo=UTC), "pass")):
            db.add(ScreeningAnswer(user_id=user.id, question="thigh_left", value=value,
                                   answered_at=when))
        db.add(ScreeningAnswer(user_id=user.id, question="goal", value="speed"))
        db.add(PlanVersion(user_id=user.id, number=1, reason="screening", plan={},
                           created_at=datetime(2026, 11, 20, 23, 30, tzinfo=UTC)))
        db.flush()
        assert progress.done_days(db, user.id) == ago(1, 3)
        assert progress.first_plan_day(db, user.id, "UTC") == date(2026, 11, 20)
        assert progress.first_plan_day(db, user.id, "Asia/Tokyo") == date(2026, 11, 21)
        retests = progress.retest_history(db, user.id)
    assert [(r.question, r.value) for r in retests] == [("thigh_left", "fail"),
                                                        ("thigh_left", "pass")]


def png_size(png: bytes) -> tuple[int, int]:
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])
    return width, height


def test_the_dashboard_is_a_phone_sized_png_with_words_from_content(
        content: ContentLibrary) -> None:
    labels = progress.chart_labels(content)
    assert labels.title == "Your training, week by week"
    assert (labels.x_axis, labels.y_axis) == ("Week starting", "Sessions")
    words = progress.dashboard_words(content)
    weeks = figures.weekly_tallies(TODAY, ago(1, 9, 10), MON_WED_SAT, first=None)
    board = progress.Dashboard(weeks, [("Side-plank clamshell", 2, 1)], 3, 1, 2)
    png = progress.dashboard_png(board, labels, words)
    width, height = png_size(png)
    assert 900 <= width <= 1400
    assert 1100 <= height <= 1400
    empty = progress.dashboard_png(
        progress.Dashboard(figures.weekly_tallies(TODAY, set(), set(), None), [], 0, 0, 0),
        labels, words)
    assert png_size(empty) == (width, height)
    assert empty != png
