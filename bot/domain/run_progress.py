"""The running beside the hip work in /progress (pure).

Runs and distance per week line up with the hip sessions' weeks. Cadence rises with speed, so
its trend compares like with like (coaching facts, "Runs"): only runs in one pace band, the
band the runner runs most, earlier runs against later ones. The figures say what changed,
never why: the hip work is not claimed as the cause.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from bot.domain.runs import RunSummary

BAND_SECONDS = 30  # pace bands 30 s per km wide: 5:00-5:30, 5:30-6:00...
MIN_TREND_RUNS = 4  # fewer than this in one band says nothing about a trend


@dataclass(frozen=True)
class RunWeek:
    week_start: date
    runs: int
    distance: float  # metres


@dataclass(frozen=True)
class CadencePoint:
    day: date
    cadence: float


@dataclass(frozen=True)
class CadenceTrend:
    """Cadence within one pace band; ``before``/``after``: the earlier and later halves."""

    band: tuple[int, int]  # seconds per km, from-to
    points: tuple[CadencePoint, ...]
    before: float | None = None
    after: float | None = None


@dataclass(frozen=True)
class Running:
    weeks: tuple[RunWeek, ...]
    trend: CadenceTrend | None
    total_runs: int


def running(runs: Sequence[RunSummary], weeks: Sequence[date]) -> Running | None:
    """The running for the hip chart's weeks (Mondays); None when there are no runs."""
    if not runs:
        return None
    tallies = []
    for monday in weeks:
        inside = [r for r in runs if monday <= r.local_date < monday + timedelta(days=7)]
        tallies.append(RunWeek(monday, len(inside), sum(r.distance for r in inside)))
    return Running(tuple(tallies), cadence_trend(runs), len(runs))


def pace_band(seconds_per_km: float) -> tuple[int, int]:
    low = int(seconds_per_km // BAND_SECONDS) * BAND_SECONDS
    return low, low + BAND_SECONDS


def cadence_trend(runs: Sequence[RunSummary]) -> CadenceTrend | None:
    """Cadence in the runner's most common pace band, oldest first; None without cadence."""
    measured = [r for r in runs if r.cadence_spm is not None and r.distance > 0]
    if not measured:
        return None
    band = Counter(pace_band(r.pace) for r in measured).most_common(1)[0][0]
    inside = sorted((r for r in measured if pace_band(r.pace) == band),
                    key=lambda r: r.started_at)
    points = tuple(CadencePoint(r.local_date, r.cadence_spm or 0.0) for r in inside)
    if len(points) < MIN_TREND_RUNS:
        return CadenceTrend(band, points)
    half = len(points) // 2
    return CadenceTrend(band, points, _mean(points[:half]), _mean(points[-half:]))


def _mean(points: Sequence[CadencePoint]) -> float:
    return sum(p.cadence for p in points) / len(points)
