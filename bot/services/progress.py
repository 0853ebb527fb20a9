"""Progress: sessions done against planned per week, the streak, the hardest exercises,
progression steps reached and re-test history, plus a weekly chart as a PNG.

The figures are computed by small pure functions over rows, so they can be tested and
reused without a database; ``progress_report`` gathers the rows for one user.
"""

from __future__ import annotations

import io
import textwrap
from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.content.library import ContentLibrary
from bot.db.models import ScreeningAnswer, TrainingSession
from bot.domain.adaptation import (
    PROGRESS_REASONS,
    AppliedAdjustment,
    OutcomeRecord,
    active,
)
from bot.domain.feedback import Outcome
from bot.services.feedback import adjustment_history, outcome_history

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

RETEST_QUESTIONS = ("thigh_left", "thigh_right", "knee_lift")
CHART_WEEKS = 8


@dataclass(frozen=True)
class SessionDay:
    day: date
    status: str  # planned | done | skipped


@dataclass(frozen=True)
class WeekTally:
    week_start: date  # a Monday
    planned: int
    done: int


@dataclass(frozen=True)
class HardExercise:
    exercise_id: str
    hard: int
    pain: int
    total: int


@dataclass(frozen=True)
class ProgressStep:
    made_on: date
    reason: str
    exercise_id: str | None
    replacement_id: str | None
    params: dict[str, str | int]


@dataclass(frozen=True)
class Retest:
    answered_at: datetime
    question: str
    value: Any


@dataclass(frozen=True)
class ProgressReport:
    weeks: tuple[WeekTally, ...]
    streak: int
    hardest: tuple[HardExercise, ...]
    steps: tuple[ProgressStep, ...]
    retests: tuple[Retest, ...]


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def weekly_tallies(sessions: Sequence[SessionDay], today: date,
                   weeks: int = CHART_WEEKS) -> tuple[WeekTally, ...]:
    """The last ``weeks`` weeks, oldest first; every session scheduled counts as planned."""
    first = week_start(today) - timedelta(weeks=weeks - 1)
    planned: Counter[date] = Counter()
    done: Counter[date] = Counter()
    for session in sessions:
        monday = week_start(session.day)
        if first <= monday <= today:
            planned[monday] += 1
            done[monday] += session.status == "done"
    mondays = [first + timedelta(weeks=n) for n in range(weeks)]
    return tuple(WeekTally(m, planned[m], done[m]) for m in mondays)


def streak(sessions: Sequence[SessionDay], today: date,
           paused_days: Collection[date] = ()) -> int:
    """Sessions done in a row, newest back.

    Only a planned session that was skipped or left undone breaks it: rest days hold no
    session, days the user paused coaching are passed over, and today's session still counts
    as open until the day is over.
    """
    count = 0
    for session in sorted(sessions, key=lambda s: s.day, reverse=True):
        if session.day > today or session.day in paused_days:
            continue
        if session.status == "done":
            count += 1
        elif session.day == today and session.status == "planned":
            continue
        else:
            break
    return count


def hardest_exercises(outcomes: Sequence[OutcomeRecord], limit: int = 3
                      ) -> tuple[HardExercise, ...]:
    """Exercises most often marked hard or painful, by share of the times they were done."""
    tallies: dict[str, list[int]] = {}
    for record in outcomes:
        hard, pain, total = tallies.setdefault(record.exercise_id, [0, 0, 0])
        tallies[record.exercise_id] = [hard + (record.outcome is Outcome.HARD),
                                       pain + (record.outcome is Outcome.PAIN), total + 1]
    ranked = sorted(
        (HardExercise(eid, h, p, t) for eid, (h, p, t) in tallies.items() if h + p),
        key=lambda e: (-(e.hard + e.pain) / e.total, -(e.hard + e.pain), e.exercise_id))
    return tuple(ranked[:limit])


def progression_steps(history: Sequence[AppliedAdjustment]) -> tuple[ProgressStep, ...]:
    """Every step up still in force (an undone one is not a step reached)."""
    return tuple(ProgressStep(a.made_on, a.adjustment.reason.value, a.adjustment.exercise_id,
                              a.adjustment.replacement_id, dict(a.adjustment.params))
                 for a in active(history) if a.adjustment.reason in PROGRESS_REASONS)


def session_days(db: Session, user_id: int) -> list[SessionDay]:
    rows = db.execute(select(TrainingSession.local_date, TrainingSession.status)
                      .where(TrainingSession.user_id == user_id)
                      .order_by(TrainingSession.local_date, TrainingSession.id)).all()
    return [SessionDay(day, status) for day, status in rows]


def retest_history(db: Session, user_id: int) -> tuple[Retest, ...]:
    rows = db.scalars(select(ScreeningAnswer)
                      .where(ScreeningAnswer.user_id == user_id,
                             ScreeningAnswer.question.in_(RETEST_QUESTIONS))
                      .order_by(ScreeningAnswer.answered_at, ScreeningAnswer.id))
    return tuple(Retest(r.answered_at, r.question, r.value) for r in rows)


def progress_report(db: Session, user_id: int, today: date,
                    paused_days: Collection[date] = ()) -> ProgressReport:
    sessions = session_days(db, user_id)
    return ProgressReport(
        weeks=weekly_tallies(sessions, today),
        streak=streak(sessions, today, paused_days),
        hardest=hardest_exercises(outcome_history(db, user_id)),
        steps=progression_steps(adjustment_history(db, user_id)),
        retests=retest_history(db, user_id),
    )


@dataclass(frozen=True)
class ChartLabels:
    title: str
    x_axis: str
    y_axis: str
    planned: str
    done: str
    week_format: str  # strftime pattern for the week under each bar


def chart_labels(content: ContentLibrary) -> ChartLabels:
    def text(name: str) -> str:
        return content.render_text(f"progress_chart_{name}", {})

    return ChartLabels(text("title"), text("x"), text("y"), text("planned"), text("done"),
                       text("week_format"))


DONE_COLOUR = "#2a9d8f"
PLANNED_COLOUR = "#d8dee4"
INK = "#1f2933"


def _figure(figsize: tuple[float, float], dpi: int) -> Figure:
    # A bare Figure renders through Agg without pyplot: no global backend, no figure registry
    # to leak, safe to call from several threads. Imported here: matplotlib costs ~0.5 s to
    # import, and only a chart needs it.
    from matplotlib.figure import Figure

    return Figure(figsize=figsize, dpi=dpi)


def weekly_chart_png(weeks: Sequence[WeekTally], labels: ChartLabels) -> bytes:
    """Bars of planned sessions with the done ones drawn over them, sized for a phone."""
    figure = _figure(figsize=(6.4, 4.8), dpi=160)
    _weekly_bars(figure.subplots(), weeks, labels)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()



PAIN_COLOUR = "#e76f51"
HARD_COLOUR = "#f4a261"
DASHBOARD_PARTS = ("hardest", "hard", "pain", "streak", "steps", "retests", "nothing_hard")


@dataclass(frozen=True)
class Dashboard:
    """Everything /progress draws: the weeks, the hardest moves, and three key numbers."""

    weeks: Sequence[WeekTally]
    hardest: Sequence[tuple[str, int, int]]  # (name, times hard, times painful)
    streak: int
    steps: int
    retests: int


def dashboard_words(content: ContentLibrary) -> dict[str, str]:
    return {part: content.render_text(f"progress_chart_{part}", {}) for part in DASHBOARD_PARTS}


def dashboard_png(board: Dashboard, labels: ChartLabels, words: Mapping[str, str]) -> bytes:
    """The weekly bars on top; the hardest moves and the key numbers below, phone-sized."""
    figure = _figure(figsize=(6.4, 8.0), dpi=160)
    grid = figure.add_gridspec(2, 2, height_ratios=(3, 2), width_ratios=(3, 2))
    _weekly_bars(figure.add_subplot(grid[0, :]), board.weeks, labels)
    _hardest_bars(figure.add_subplot(grid[1, 0]), board.hardest, words)
    _key_numbers(figure.add_subplot(grid[1, 1]), board, words)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def _weekly_bars(axes: Axes, weeks: Sequence[WeekTally], labels: ChartLabels) -> None:
    positions = list(range(len(weeks)))
    axes.bar(positions, [w.planned for w in weeks], width=0.7, color=PLANNED_COLOUR,
             label=labels.planned)
    bars = axes.bar(positions, [w.done for w in weeks], width=0.46, color=DONE_COLOUR,
                    label=labels.done)
    axes.bar_label(bars, labels=[str(w.done) if w.done else "" for w in weeks],
                   padding=3, fontsize=11, color=INK, fontweight="bold")
    axes.set_xticks(positions, [w.week_start.strftime(labels.week_format) for w in weeks],
                    fontsize=10)
    axes.yaxis.set_major_locator(_integer_ticks())
    top = max([w.planned for w in weeks] + [w.done for w in weeks] + [1])
    axes.set_ylim(0, top + 1)
    axes.set_title(labels.title, fontsize=15, fontweight="bold", color=INK, pad=12)
    axes.set_xlabel(labels.x_axis, fontsize=11, color=INK)
    axes.set_ylabel(labels.y_axis, fontsize=11, color=INK)
    axes.spines[["top", "right"]].set_visible(False)
    axes.legend(loc="upper left", fontsize=10, frameon=False, ncols=2)


def _hardest_bars(axes: Axes, hardest: Sequence[tuple[str, int, int]],
                  words: Mapping[str, str]) -> None:
    axes.set_title(words["hardest"], fontsize=12, fontweight="bold", color=INK, loc="left")
    axes.spines[["top", "right"]].set_visible(False)
    if not hardest:
        axes.axis("off")
        axes.text(0.0, 0.5, words["nothing_hard"], fontsize=11, color=INK)
        return
    names = [textwrap.fill(name, 18) for name, _, _ in hardest]
    positions = list(range(len(hardest)))[::-1]
    hard = [h for _, h, _ in hardest]
    axes.barh(positions, hard, color=HARD_COLOUR, label=words["hard"])
    axes.barh(positions, [p for _, _, p in hardest], left=hard, color=PAIN_COLOUR,
              label=words["pain"])
    axes.set_yticks(positions, names, fontsize=9)
    axes.xaxis.set_major_locator(_integer_ticks())
    axes.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), fontsize=9, frameon=False,
                ncols=2)


def _key_numbers(axes: Axes, board: Dashboard, words: Mapping[str, str]) -> None:
    axes.axis("off")
    rows = ((board.streak, words["streak"]), (board.steps, words["steps"]),
            (board.retests, words["retests"]))
    for index, (value, label) in enumerate(rows):
        y = 0.85 - index * 0.33
        axes.text(0.05, y, str(value), fontsize=22, fontweight="bold", color=DONE_COLOUR,
                  va="center")
        axes.text(0.42, y, textwrap.fill(label, 14), fontsize=11, color=INK, va="center")


def _integer_ticks() -> MaxNLocator:
    from matplotlib.ticker import MaxNLocator

    return MaxNLocator(integer=True)
