"""The week as data: the runner's profile, what they have unlocked, the items and days of a
plan, and the calendar around it (strength days, today, the next session). Pure, stdlib only."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

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


def local_date(instant: datetime, zone: str) -> date:
    """The calendar date on the runner's clock at an instant; a naive instant is refused."""
    if instant.tzinfo is None:
        raise ValueError("instant must be timezone-aware")
    return instant.astimezone(ZoneInfo(zone)).date()
