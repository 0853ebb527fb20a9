"""The week as data: the runner's profile, what they have unlocked, the items and days of a
plan, and the calendar around it (strength days, today, the next session). Pure, stdlib only."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.domain.catalog import Dose
from bot.domain.parsing import WEEKDAYS


@dataclass(frozen=True)
class Profile:
    pain: str = "none"
    red_flags: tuple[str, ...] = ()
    thigh_left: str = "pass"
    thigh_right: str = "pass"
    knee_lift: str = "pass"
    goal: str = "endurance"
    equipment: frozenset[str] = frozenset()
    run_days: tuple[str, ...] = ()
    run_time: str = "07:00"
    timezone: str = "UTC"
    minutes: int = 10

    def thigh(self, side: str) -> str:
        return self.thigh_left if side == "left" else self.thigh_right


@dataclass(frozen=True)
class Progress:
    """What the coach has learned since screening."""

    flexion_step: int | None = None  # None: place by the knee-lift test
    retest_left: bool = False  # thigh-to-ribcage re-test passed on that side
    retest_right: bool = False
    cleared: bool = False  # a clinician cleared the red flags
    levels: Mapping[str, int] = field(default_factory=dict)  # +1 harder, -1 easier, per id
    week: int = 0  # weeks since the plan started; alternates the strength sessions

    def retest_passed(self, side: str) -> bool:
        return self.retest_left if side == "left" else self.retest_right


@dataclass(frozen=True)
class Why:
    key: str
    params: Mapping[str, str | int] = field(default_factory=dict)


@dataclass(frozen=True)
class PlanItem:
    exercise: str
    dose: Dose
    why: Why
    block: str
    phase: str  # "before" | "during" | "after" a run, or "main" on a strength day
    side: str = "both"  # "both" | "left" | "right"
    without_equipment: bool = False  # the user lacks the listed equipment: use the variant
    replaces: str | None = None  # the protocol's exercise, when a level override swapped it


@dataclass(frozen=True)
class DayPlan:
    weekday: str
    kind: str  # "run" | "strength" | "rest"
    title: str  # a template/label key
    items: tuple[PlanItem, ...] = ()
    session: str | None = None  # "volume" | "circuit" when there is strength work


@dataclass(frozen=True)
class WeekPlan:
    days: tuple[DayPlan, ...]  # Monday first
    notices: tuple[Why, ...] = ()
    flexion_step: int | None = None  # None while flexion strength is locked or red-flagged
    failing_sides: tuple[str, ...] = ()

    def day(self, weekday: str) -> DayPlan:
        return self.days[WEEKDAYS.index(weekday)]


def profile_from_answers(answers: Mapping[str, object]) -> Profile:
    """Build a Profile from the screening answers.

    Missing answers take the cautious side: a self-test never done counts as not passed (the
    red-flag path skips them), so mobility comes first until a re-test says otherwise."""
    minutes = answers.get("minutes", 10)
    return Profile(
        pain=str(answers.get("pain", "none")),
        red_flags=tuple(str(f) for f in _as_list(answers.get("red_flags"))),
        thigh_left=str(answers.get("thigh_left", "fail")),
        thigh_right=str(answers.get("thigh_right", "fail")),
        knee_lift=str(answers.get("knee_lift", "fail")),
        goal=str(answers.get("goal", "injury")),
        equipment=frozenset(str(e) for e in _as_list(answers.get("equipment"))),
        run_days=tuple(d for d in WEEKDAYS if d in _as_list(answers.get("run_days"))),
        run_time=str(answers.get("run_time", "07:00")),
        timezone=str(answers.get("timezone", "UTC")),
        minutes=int(minutes) if isinstance(minutes, int | str) and str(minutes).isdigit() else 10,
    )


def _as_list(value: object) -> list[object]:
    return list(value) if isinstance(value, list | tuple | set | frozenset) else []


# ---------------------------------------------------------------- scheduling


def strength_days(run_days: Sequence[str]) -> tuple[str, ...]:
    """Two strength days, as far apart as possible; non-running days first."""
    free = [d for d in WEEKDAYS if d not in run_days]
    if len(free) >= 2:
        return _spread_pair(free)
    if len(free) == 1:
        partner = max((d for d in run_days), key=lambda d: (_gap(d, free[0]), -_index(d)))
        return tuple(sorted((free[0], partner), key=_index))
    return _spread_pair(list(run_days))


def _spread_pair(days: Sequence[str]) -> tuple[str, ...]:
    if len(days) < 2:
        return tuple(days)
    pairs = [(a, b) for i, a in enumerate(days) for b in days[i + 1:]]
    return max(pairs, key=lambda p: (_gap(*p), -_index(p[0]), -_index(p[1])))


def _index(day: str) -> int:
    return WEEKDAYS.index(day)


def _gap(a: str, b: str) -> int:
    """Days between two weekdays going round the week the short way."""
    diff = abs(_index(a) - _index(b))
    return min(diff, 7 - diff)


def today(plan: WeekPlan, local: date) -> DayPlan:
    return plan.day(WEEKDAYS[local.weekday()])


def next_session(plan: WeekPlan, local: date, include_today: bool = False
                 ) -> tuple[date, DayPlan] | None:
    """The next day with something to do (run or exercises), and its date."""
    for offset in range(0 if include_today else 1, 8):
        day = local + timedelta(days=offset)
        planned = today(plan, day)
        if planned.items or planned.kind != "rest":
            return day, planned
    return None


def local_date(instant: datetime, zone: str) -> date:
    """The calendar date on the runner's clock at an instant; a naive instant is refused."""
    if instant.tzinfo is None:
        raise ValueError("instant must be timezone-aware")
    return instant.astimezone(ZoneInfo(zone)).date()
