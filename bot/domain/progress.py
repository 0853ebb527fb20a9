"""/progress as pure functions: planned against done per week, the streak, the hardest moves,
the progression steps reached. The service reads the rows; these decide what they mean.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from bot.domain.feedback import OutcomeKind, Severity, Side
from bot.domain.parsing import WEEKDAYS

CHART_WEEKS = 6
STREAK_LOOKBACK_DAYS = 366


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
class OutcomeRecord:
    """One stored outcome, dated by its session's local day."""

    day: date
    exercise_id: str
    outcome: OutcomeKind
    side: Side | None = None
    severity: Severity | None = None


@dataclass(frozen=True)
class ProgressStep:
    made_on: date
    reason: str
    slot: str


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def active_weekdays(plan: Mapping[str, object] | None) -> set[int]:
    """The weekdays (Monday 0) the stored plan has something to do on."""
    days = plan.get("days") if plan else None
    if not isinstance(days, list):
        return set()
    return {WEEKDAYS.index(str(d["weekday"])) for d in days
            if isinstance(d, dict) and d.get("items")}


def weekly_tallies(today: date, done: Collection[date], active_days: Collection[int],
                   first: date | None, weeks: int = CHART_WEEKS) -> tuple[WeekTally, ...]:
    """The last ``weeks`` weeks, oldest first, from the week of the first plan at the earliest.

    Planned: the days of the plan's weekdays up to today, from the day of the first plan on
    (a week that began before it counts only its remaining days). Done: sessions done.
    """
    start = week_start(today) - timedelta(weeks=weeks - 1)
    if first is not None:  # no empty weeks from before the runner joined
        start = max(start, min(week_start(first), week_start(today)))
    tallies = []
    for n in range((week_start(today) - start).days // 7 + 1):
        monday = start + timedelta(weeks=n)
        days = [monday + timedelta(days=i) for i in range(7)]
        counted = [d for d in days if d <= today and (first is None or d >= first)]
        planned = sum(1 for d in counted if d.weekday() in active_days)
        tallies.append(WeekTally(monday, planned, sum(1 for d in days if d in done)))
    return tuple(tallies)


def streak(today: date, done: Collection[date], active_days: Collection[int]) -> int:
    """Planned days done in a row, newest back; rest days and today (still open) don't break it."""
    count, day = 0, today
    for _ in range(STREAK_LOOKBACK_DAYS):
        if day in done:
            count += 1
        elif day.weekday() in active_days and day != today:
            break
        day -= timedelta(days=1)
    return count


def _tallies(outcomes: Sequence[OutcomeRecord]) -> list[HardExercise]:
    tallies: dict[str, list[int]] = {}
    for record in outcomes:
        hard, pain, total = tallies.setdefault(record.exercise_id, [0, 0, 0])
        tough = record.outcome in (OutcomeKind.HARD, OutcomeKind.UNFINISHED)
        tallies[record.exercise_id] = [hard + tough,
                                       pain + (record.outcome is OutcomeKind.PAIN), total + 1]
    return [HardExercise(eid, h, p, t) for eid, (h, p, t) in tallies.items()]


def hardest_exercises(outcomes: Sequence[OutcomeRecord], limit: int = 3
                      ) -> tuple[HardExercise, ...]:
    """Exercises most often marked hard, by share of the times they were done. Pain is not
    difficulty: painful moves are listed apart (``painful_exercises``)."""
    ranked = sorted((e for e in _tallies(outcomes) if e.hard),
                    key=lambda e: (-e.hard / e.total, -e.hard, e.exercise_id))
    return tuple(ranked[:limit])


def painful_exercises(outcomes: Sequence[OutcomeRecord], limit: int = 3
                      ) -> tuple[HardExercise, ...]:
    """Exercises that hurt at least once, most often first."""
    ranked = sorted((e for e in _tallies(outcomes) if e.pain),
                    key=lambda e: (-e.pain, -e.pain / e.total, e.exercise_id))
    return tuple(ranked[:limit])


def progression_steps(plan: Mapping[str, object] | None) -> tuple[ProgressStep, ...]:
    """Every step up the stored training plan made that is still in force (an undone one is
    not a step reached)."""
    training = plan.get("training") if plan else None
    changes = training.get("changes") if isinstance(training, Mapping) else None
    return tuple(ProgressStep(date.fromisoformat(str(c["on"])), str(c["reason"]),
                              str(c.get("slot")))
                 for c in changes if isinstance(c, Mapping) and c.get("kind") == "progress"
                 and c.get("undone_on") is None) if isinstance(changes, list) else ()
