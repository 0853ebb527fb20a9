"""/progress from stored rows: reads what the pure figures (bot/domain/progress.py) need,
and draws them as one phone-sized PNG."""

from __future__ import annotations

import io
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.content.library import Attachment, ContentLibrary, RenderedMessage
from bot.db.models import PlanVersion, ScreeningAnswer, TrainingSession
from bot.domain import progress as figures
from bot.domain import run_progress
from bot.domain.dialogue.questions import SELF_TESTS
from bot.domain.progress import HardExercise, WeekTally
from bot.services.feedback import outcome_history
from bot.services.runs import store as run_store
from bot.services.runs.chart import draw_running, running_view, running_words

if TYPE_CHECKING:
    from matplotlib.axes import Axes


def done_days(db: Session, user_id: int) -> set[date]:
    rows = db.scalars(select(TrainingSession.local_date).where(
        TrainingSession.user_id == user_id, TrainingSession.status == "done"))
    return set(rows)


def first_plan_day(db: Session, user_id: int, zone: str) -> date | None:
    """The first day anything was planned: the day the runner got their first plan."""
    first = db.scalar(select(func.min(PlanVersion.created_at))
                      .where(PlanVersion.user_id == user_id))
    return first.astimezone(ZoneInfo(zone)).date() if first is not None else None


@dataclass(frozen=True)
class Retest:
    answered_at: datetime
    question: str
    value: Any


def retest_history(db: Session, user_id: int) -> tuple[Retest, ...]:
    rows = db.scalars(select(ScreeningAnswer)
                      .where(ScreeningAnswer.user_id == user_id,
                             ScreeningAnswer.question.in_(SELF_TESTS))
                      .order_by(ScreeningAnswer.answered_at, ScreeningAnswer.id))
    return tuple(Retest(r.answered_at, r.question, r.value) for r in rows)


def read_dashboard(db: Session, user_id: int, today: date, zone: str,
                   plan: Mapping[str, object] | None,
                   content: ContentLibrary) -> tuple[Dashboard, list[HardExercise]]:
    """What /progress shows, read in one go so the connection is let go before drawing."""
    done = done_days(db, user_id)
    active_days = figures.active_weekdays(plan)
    outcomes = outcome_history(db, user_id)
    hardest = figures.hardest_exercises(outcomes)
    painful = figures.painful_exercises(outcomes)
    charted = list({h.exercise_id: h for h in (*hardest, *painful)}.values())
    weeks = figures.weekly_tallies(today, done, active_days, first_plan_day(db, user_id, zone))
    board = Dashboard(
        weeks=weeks,
        hardest=[(content.label(f"exercise.{h.exercise_id}"), h.hard, h.pain) for h in charted],
        streak=figures.streak(today, done, active_days),
        steps=len(figures.progression_steps(plan)),
        retests=sum(1 for r in retest_history(db, user_id) if r.question == "thigh_left"),
        painful=[h.exercise_id for h in painful],
        # Every run, older ones too: the cadence trend starts before the hip work did.
        running=run_progress.running(run_store.since(db.connection(), user_id, date.min),
                                     [w.week_start for w in weeks]))
    return board, list(hardest)


def progress_message(board: Dashboard, hardest: Sequence[HardExercise], today: date,
                     content: ContentLibrary) -> RenderedMessage:
    """/progress: the figures in words and the dashboard as a photo."""
    counts = {"streak": board.streak, "steps": board.steps, "retests": board.retests}
    words = {**dashboard_words(content, counts), **running_words(content)}
    chart = dashboard_png(board, chart_labels(content), words)
    text = content.render_text("progress", {
        "weeks": [{"start": w.week_start.isoformat(), "planned": w.planned, "done": w.done}
                  for w in board.weeks],
        **counts, "painful": list(board.painful), "running": running_view(board.running),
        "hardest": [{"id": h.exercise_id, "hard": h.hard, "pain": h.pain} for h in hardest]})
    return RenderedMessage(text, attachment=Attachment(
        "photo", f"hipcoach-progress-{today.isoformat()}.png", chart))


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
    painful: Sequence[str] = ()  # exercise ids that hurt, shown apart from the hard ones
    running: run_progress.Running | None = None  # the runner's runs, when they sent any


def dashboard_words(content: ContentLibrary,
                    counts: Mapping[str, int] | None = None) -> dict[str, str]:
    """The dashboard's words; each key number's words agree with its count ("1 session")."""
    counts = counts or {}
    return {part: content.render_text(f"progress_chart_{part}", {"count": counts.get(part, 2)})
            for part in DASHBOARD_PARTS}


def dashboard_png(board: Dashboard, labels: ChartLabels, words: Mapping[str, str]) -> bytes:
    """The weekly bars on top; the hardest moves and the key numbers below, phone-sized."""
    # Imported here: matplotlib takes seconds to load, and only /progress draws.
    # A bare Figure renders through Agg without pyplot: no global backend, no figure registry
    # to leak, safe to call from several threads.
    from matplotlib.figure import Figure

    rows = (3, 2, 2.2) if board.running is not None else (3, 2)
    figure = Figure(figsize=(6.4, 8.0 * sum(rows) / 5), dpi=160)
    grid = figure.add_gridspec(len(rows), 2, height_ratios=rows, width_ratios=(3, 2))
    _weekly_bars(figure.add_subplot(grid[0, :]), board.weeks, labels)
    _hardest_bars(figure.add_subplot(grid[1, 0]), board.hardest, words)
    _key_numbers(figure.add_subplot(grid[1, 1]), board, words)
    if board.running is not None:  # the running, under the same weeks as the hip work
        draw_running(figure.add_subplot(grid[2, 0]), figure.add_subplot(grid[2, 1]),
                     board.running, labels.week_format, words)
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


def _integer_ticks() -> Any:
    from matplotlib.ticker import MaxNLocator

    return MaxNLocator(integer=True)
