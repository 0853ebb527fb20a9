"""A run file's samples -> one run's summary and per-kilometre splits (pure, stdlib only).

Every parser (FIT, GPX, TCX in ``bot/services/runs/``) turns its file into the same
``Activity``: the sport it names and its samples. The summary is computed here from the
samples the same way for every format, so one run sent as FIT, GPX or TCX reads the same.
Figures are SI: metres, seconds, metres per second; cadence in steps per minute (a rate, as
runners count it). Coordinates are used for distance only and never leave this module.
"""

from __future__ import annotations

import itertools
import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

# Coaching facts, "Runs (policy)": a cadence outside this range is a unit or sensor error.
CADENCE_MIN_SPM = 120.0
CADENCE_MAX_SPM = 230.0
# Raw file cadence below this (and above 0) counts one foot: strides per minute.
ONE_FOOT_MAX = 115.0
ONE_FOOT_MIN = 55.0
# Slower than this between two samples is standing still (a walk is about 1.3 m/s).
MOVING_SPEED = 0.5
# Faster on average than about 2:30 per kilometre is not a run on foot: a ride.
RIDE_SPEED = 6.7
# Altitude noise: a climb counts once it rises this much above the last low point.
CLIMB_STEP = 3.0
EARTH_RADIUS = 6_371_008.8
SPLIT = 1000.0
# A watch's clock may run a little ahead of ours.
FUTURE_SLACK = timedelta(minutes=10)

RUNNING = "running"
# Why an upload is refused (runs.refused.*), why a run is not counted (runs.skipped.*), and the
# sports named when it is not (runs.sport.*): the start-up content check wants words for each.
REFUSALS = ("empty", "too_big", "too_big_unpacked", "too_many_files", "nested", "not_a_run_file",
            "corrupt", "no_run_in_archive", "no_activity", "too_slow", "not_fetched")
NOT_COUNTED = ("other_sport", "future", "no_distance")
OTHER_SPORTS = ("cycling", "swimming", "walking", "hiking", "other")


@dataclass(frozen=True)
class Point:
    """One sample. ``at`` is aware UTC; ``distance`` is the device's own running total."""

    at: datetime
    latitude: float | None = None
    longitude: float | None = None
    altitude: float | None = None
    distance: float | None = None
    speed: float | None = None
    heart_rate: float | None = None
    cadence: float | None = None  # as the file has it (one foot or steps: see ``cadence_spm``)
    step_length: float | None = None  # metres
    stance_time: float | None = None  # seconds
    vertical_oscillation: float | None = None  # metres


@dataclass(frozen=True)
class Totals:
    """What a file states about the whole activity, used when its samples lack it."""

    distance: float | None = None
    timer_seconds: float | None = None
    ascent: float | None = None


@dataclass(frozen=True)
class Activity:
    """One activity of a file. ``cadence_one_foot``: True (FIT running), None (guess by range)."""

    sport: str
    start: datetime
    points: tuple[Point, ...]
    source: str
    indoor: bool = False
    cadence_one_foot: bool | None = None
    totals: Totals = field(default_factory=Totals)


@dataclass(frozen=True)
class Split:
    number: int
    distance: float
    moving_seconds: float
    cadence_spm: float | None = None
    heart_rate: float | None = None

    @property
    def pace(self) -> float:
        """Seconds per kilometre."""
        return self.moving_seconds / self.distance * SPLIT if self.distance else 0.0


@dataclass(frozen=True)
class RunSummary:
    started_at: datetime  # aware UTC
    local_date: date
    local_time: str  # "HH:MM" in the runner's zone
    distance: float
    moving_seconds: float
    elapsed_seconds: float
    source: str
    indoor: bool = False
    ascent: float | None = None
    cadence_spm: float | None = None
    step_length: float | None = None
    stance_time: float | None = None
    vertical_oscillation: float | None = None
    heart_rate: float | None = None
    splits: tuple[Split, ...] = ()
    file_name: str = ""  # the file it came from (an archive's member: "export.zip/member")

    @property
    def pace(self) -> float:
        """Seconds per kilometre over the moving time."""
        return self.moving_seconds / self.distance * SPLIT if self.distance else 0.0


class NotARunError(Exception):
    """An activity that is read but not counted; ``reason`` is a label key's tail."""

    def __init__(self, reason: str, sport: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.sport = sport


def summarise(activity: Activity, zone: str, now: datetime) -> RunSummary:
    """The run's summary in the runner's zone, or NotARunError with why it does not count."""
    _check_counts(activity, now)
    points = sorted(activity.points, key=lambda p: p.at)
    distances = cumulative_distances(points, activity.totals)
    moving = moving_flags(points, distances)
    moving_seconds = _moving_seconds(points, moving) or (activity.totals.timer_seconds or 0.0)
    distance = distances[-1] if distances else (activity.totals.distance or 0.0)
    _check_moved(distance, moving_seconds)
    local = activity.start.astimezone(ZoneInfo(zone))
    spm = cadence_spm([p.cadence for p in points], activity.cadence_one_foot)
    return RunSummary(
        started_at=activity.start, local_date=local.date(), local_time=local.strftime("%H:%M"),
        distance=distance, moving_seconds=moving_seconds,
        elapsed_seconds=_elapsed(points, moving_seconds), source=activity.source,
        indoor=activity.indoor or not any(p.latitude is not None for p in points),
        ascent=_ascent(points, activity.totals),
        cadence_spm=_mean_cadence(points, moving, spm),
        step_length=_mean([p.step_length for p in points]),
        stance_time=_mean([p.stance_time for p in points]),
        vertical_oscillation=_mean([p.vertical_oscillation for p in points]),
        heart_rate=_mean([p.heart_rate for p in points]),
        splits=splits(points, distances, moving, spm))


def _check_counts(activity: Activity, now: datetime) -> None:
    if activity.sport != RUNNING:
        raise NotARunError("other_sport", activity.sport)
    if activity.start > now + FUTURE_SLACK:
        raise NotARunError("future")


def _check_moved(distance: float, moving_seconds: float) -> None:
    if distance <= 0 or moving_seconds <= 0:
        raise NotARunError("no_distance")
    if distance / moving_seconds > RIDE_SPEED:
        raise NotARunError("other_sport", "cycling")


def cadence_spm(raw: Sequence[float | None], one_foot: bool | None) -> float | None:
    """The factor that turns the file's cadence into steps per minute, or None if unusable.

    FIT running cadence is one foot (x2). GPX and TCX differ by source: their median tells
    strides (55-115) from steps (120-230); anything else is a unit or sensor error.
    """
    values = [v for v in raw if v is not None and v > 0]
    if not values:
        return None
    if one_foot is not None:
        return 2.0 if one_foot else 1.0
    middle = statistics.median(values)
    if ONE_FOOT_MIN <= middle <= ONE_FOOT_MAX:
        return 2.0
    if CADENCE_MIN_SPM <= middle <= CADENCE_MAX_SPM:
        return 1.0
    return None


def plausible_cadence(spm: float | None) -> float | None:
    if spm is None or not CADENCE_MIN_SPM <= spm <= CADENCE_MAX_SPM:
        return None
    return spm


def cumulative_distances(points: Sequence[Point], totals: Totals) -> list[float]:
    """Metres from the start at each sample: the device's own distance where it has one
    (a treadmill's foot pod, a GPS watch's smoothing), else the track, else its speed; empty
    when the samples carry none of them."""
    if not points:
        return []
    if all(p.distance is not None for p in points[1:]) and points[-1].distance:
        return _device_distances(points)
    if sum(p.latitude is not None for p in points) >= 2:
        return _track_distances(points)
    if any(p.speed for p in points):
        return _speed_distances(points)
    return []  # nothing per sample: the file's own totals stand for the whole run


def _device_distances(points: Sequence[Point]) -> list[float]:
    first = points[0].distance or 0.0
    return [(p.distance if p.distance is not None else first) - first for p in points]


def _track_distances(points: Sequence[Point]) -> list[float]:
    out = [0.0]
    last: Point | None = None
    for index, p in enumerate(points):
        if index == 0:
            last = p if p.latitude is not None else None
            continue
        step = 0.0
        if p.latitude is not None and p.longitude is not None:
            if last is not None:
                step = haversine(last, p)
            last = p
        out.append(out[-1] + step)
    return out


def _speed_distances(points: Sequence[Point]) -> list[float]:
    out = [0.0]
    for before, after in itertools.pairwise(points):
        seconds = (after.at - before.at).total_seconds()
        out.append(out[-1] + (before.speed or 0.0) * seconds)
    return out


def haversine(a: Point, b: Point) -> float:
    if a.latitude is None or a.longitude is None or b.latitude is None or b.longitude is None:
        return 0.0
    la1, la2 = math.radians(a.latitude), math.radians(b.latitude)
    dla = la2 - la1
    dlo = math.radians(b.longitude - a.longitude)
    h = math.sin(dla / 2) ** 2 + math.cos(la1) * math.cos(la2) * math.sin(dlo / 2) ** 2
    return 2 * EARTH_RADIUS * math.asin(min(1.0, math.sqrt(h)))


def moving_flags(points: Sequence[Point], distances: Sequence[float]) -> list[bool]:
    """For each interval between two samples: was the runner moving? (Empty without
    distances: the file's timer then gives the moving time.)"""
    flags: list[bool] = []
    if not distances:
        return flags
    for i in range(1, len(points)):
        seconds = (points[i].at - points[i - 1].at).total_seconds()
        covered = distances[i] - distances[i - 1]
        flags.append(seconds > 0 and covered / seconds >= MOVING_SPEED)
    return flags


def _moving_seconds(points: Sequence[Point], moving: Sequence[bool]) -> float:
    return sum((points[i + 1].at - points[i].at).total_seconds()
               for i, flag in enumerate(moving) if flag)


def _elapsed(points: Sequence[Point], moving_seconds: float) -> float:
    if len(points) < 2:
        return moving_seconds
    return max((points[-1].at - points[0].at).total_seconds(), moving_seconds)


def _ascent(points: Sequence[Point], totals: Totals) -> float | None:
    """Climbing with a small hysteresis, so altitude noise on the flat adds nothing."""
    heights = [p.altitude for p in points if p.altitude is not None]
    if len(heights) < 2:
        return totals.ascent
    gain, low = 0.0, heights[0]
    for h in heights[1:]:
        if h < low:
            low = h
        elif h - low >= CLIMB_STEP:
            gain += h - low
            low = h
    return gain


def _mean(values: Sequence[float | None]) -> float | None:
    present = [v for v in values if v is not None and v > 0]
    return sum(present) / len(present) if present else None


def _mean_cadence(points: Sequence[Point], moving: Sequence[bool],
                  factor: float | None) -> float | None:
    """Steps per minute over the moving samples, or None when missing or implausible."""
    if factor is None:
        return None
    values = ([points[i + 1].cadence for i, flag in enumerate(moving) if flag] if moving
              else [p.cadence for p in points])
    present = [v * factor for v in values if v is not None and v > 0]
    return plausible_cadence(sum(present) / len(present)) if present else None


def splits(points: Sequence[Point], distances: Sequence[float], moving: Sequence[bool],
           factor: float | None) -> tuple[Split, ...]:
    """One split per full kilometre, then the last part if it is at least 100 m."""
    if len(points) < 2 or not distances:
        return ()
    out: list[Split] = []
    start, mark, seconds = 0, SPLIT, 0.0
    for i, flag in enumerate(moving):
        interval = (points[i + 1].at - points[i].at).total_seconds() if flag else 0.0
        seconds += interval
        if distances[i + 1] >= mark:
            over = distances[i + 1] - mark
            covered = distances[i + 1] - distances[i]
            back = interval * over / covered if covered > 0 else 0.0
            out.append(_split(len(out) + 1, SPLIT, seconds - back, points[start:i + 2], factor))
            start, mark, seconds = i + 1, mark + SPLIT, back
    rest = distances[-1] - (mark - SPLIT)
    if rest >= 100 and seconds > 0:
        out.append(_split(len(out) + 1, rest, seconds, points[start:], factor))
    return tuple(out)


def _split(number: int, distance: float, seconds: float, points: Sequence[Point],
           factor: float | None) -> Split:
    spm = None
    if factor is not None:
        spm = plausible_cadence(_mean([p.cadence * factor if p.cadence else None
                                       for p in points]))
    return Split(number, distance, round(seconds, 1), spm, _mean([p.heart_rate for p in points]))
