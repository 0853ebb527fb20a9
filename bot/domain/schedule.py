"""Reminder timing: from a runner's local week to UTC instants, DST and quiet hours included.

Pure and stdlib-only. Every reminder belongs to one *occurrence*: a local calendar date plus a
kind (``2027-03-28:pre_run``). The key is what makes delivery at-most-once; the instants say
when to send (``due_at``) and when sending stops making sense (``run_at``), both aware UTC.

Local times that do not exist (the spring-forward gap) move to the first instant after the gap;
local times that happen twice (the autumn repeat) are taken the first time (``fold=0``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.domain.parsing import WEEKDAYS


class ReminderKind(StrEnum):
    """The one list of reminder kinds (stored as these strings in ``reminder_schedules``)."""

    PRE_RUN = "pre_run"
    STRENGTH = "strength"
    RETEST = "retest"
    CHECKIN = "checkin"  # once, the day after a pain report: how does the hip feel?
    SAFETY_CHECKIN = "safety_checkin"  # weekly, on the red-flag path only (bot.domain.safety)


PRE_RUN = ReminderKind.PRE_RUN
STRENGTH = ReminderKind.STRENGTH
RETEST = ReminderKind.RETEST
CHECKIN = ReminderKind.CHECKIN
SAFETY_CHECKIN = ReminderKind.SAFETY_CHECKIN
KINDS = tuple(ReminderKind)

DEFAULT_LEAD_MINUTES = 45
MAX_LEAD_MINUTES = 180
RETEST_EVERY = timedelta(days=28)
# A nudge (strength day, re-test) has no run to miss; past this it is stale and is not sent.
NUDGE_VALID_FOR = timedelta(hours=3)
# How far ahead to look before concluding there is nothing to schedule (e.g. a long pause).
SEARCH_DAYS = 400
_MAX_RETEST_CYCLES = 40
_SECOND = timedelta(seconds=1)


class ScheduleError(ValueError):
    """A schedule setting that cannot be used (unknown zone, bad time, unknown day)."""


@dataclass(frozen=True)
class QuietHours:
    """Local hours with no reminders; ``start`` > ``end`` wraps past midnight."""

    start: time = time(22, 0)
    end: time = time(7, 0)

    def covers(self, at: time) -> bool:
        if self.start == self.end:
            return False
        if self.start < self.end:
            return self.start <= at < self.end
        return at >= self.start or at < self.end


DEFAULT_QUIET = QuietHours()


@dataclass(frozen=True)
class ReminderPlan:
    """One kind of reminder for one user, in the user's own terms."""

    kind: str
    zone: str
    at: time  # the run time (pre_run) or the nudge time (strength, retest), local
    weekdays: frozenset[int] = frozenset()  # 0 = Monday; unused for retest
    lead_minutes: int = 0
    quiet: QuietHours | None = DEFAULT_QUIET
    paused_until: datetime | None = None
    skipped_dates: frozenset[date] = frozenset()
    cycle_start: date | None = None  # retest: the screening's local date; checkin: its day


@dataclass(frozen=True)
class Occurrence:
    key: str
    kind: str
    local_date: date
    due_at: datetime
    run_at: datetime


def parse_hhmm(text: str) -> time:
    try:
        hours, minutes = text.split(":")
        return time(int(hours), int(minutes))
    except ValueError:
        raise ScheduleError(f"time must be HH:MM, got {text!r}") from None


def parse_weekdays(days: Iterable[str]) -> frozenset[int]:
    try:
        return frozenset(WEEKDAYS.index(day.strip().lower()[:3]) for day in days)
    except ValueError:
        raise ScheduleError(f"days must be among {', '.join(WEEKDAYS)}") from None


def zone_info(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ScheduleError(f"unknown time zone {name!r}") from None


def occurrence_key(local_date: date, kind: str) -> str:
    return f"{local_date.isoformat()}:{kind}"


def key_date(key: str) -> date:
    """The local date an occurrence key (or a snooze of one) belongs to."""
    return date.fromisoformat(key.split(":", 1)[0])


def pre_run_plan(run_days: Sequence[str], run_time: str, zone: str,
                 lead_minutes: int = DEFAULT_LEAD_MINUTES,
                 quiet: QuietHours | None = DEFAULT_QUIET,
                 paused_until: datetime | None = None,
                 skipped_dates: Iterable[date] = ()) -> ReminderPlan:
    if not 0 <= lead_minutes <= MAX_LEAD_MINUTES:
        raise ScheduleError(f"lead minutes must be 0 to {MAX_LEAD_MINUTES}")
    zone_info(zone)
    return ReminderPlan(PRE_RUN, zone, parse_hhmm(run_time), parse_weekdays(run_days),
                        lead_minutes, quiet, paused_until, frozenset(skipped_dates))


def strength_plan(days: Sequence[str], at: str, zone: str,
                  quiet: QuietHours | None = DEFAULT_QUIET,
                  paused_until: datetime | None = None,
                  skipped_dates: Iterable[date] = ()) -> ReminderPlan:
    zone_info(zone)
    return ReminderPlan(STRENGTH, zone, parse_hhmm(at), parse_weekdays(days), 0, quiet,
                        paused_until, frozenset(skipped_dates))


def weekly_checkin_plan(days: Sequence[str], at: str, zone: str,
                        quiet: QuietHours | None = DEFAULT_QUIET,
                        paused_until: datetime | None = None) -> ReminderPlan:
    """The red-flag path's one gentle check-in a week."""
    zone_info(zone)
    return ReminderPlan(SAFETY_CHECKIN, zone, parse_hhmm(at), parse_weekdays(days), 0, quiet,
                        paused_until)


def retest_plan(screened_at: datetime, at: str, zone: str,
                quiet: QuietHours | None = DEFAULT_QUIET,
                paused_until: datetime | None = None) -> ReminderPlan:
    start = screened_at.astimezone(zone_info(zone)).date()
    return ReminderPlan(RETEST, zone, parse_hhmm(at), frozenset(), 0, quiet, paused_until,
                        frozenset(), start)


def checkin_plan(on: date, at: str, zone: str, quiet: QuietHours | None = DEFAULT_QUIET,
                 paused_until: datetime | None = None) -> ReminderPlan:
    zone_info(zone)
    return ReminderPlan(CHECKIN, zone, parse_hhmm(at), frozenset(), 0, quiet, paused_until,
                        frozenset(), on)


def local_to_utc(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The UTC instant of a local wall time; gaps move forward, repeats take the first."""
    wall = datetime.combine(day, at, tzinfo=zone)  # fold=0: the first of a repeated hour
    instant = wall.astimezone(UTC)
    if instant.astimezone(zone).replace(tzinfo=None) == wall.replace(tzinfo=None):
        return instant
    return _end_of_gap(wall, zone)


def _end_of_gap(wall: datetime, zone: ZoneInfo) -> datetime:
    # Inside a gap, fold=1 reads the wall time with the offset after the jump (an instant before
    # the jump) and fold=0 with the offset before it (an instant after). Bisect to the jump.
    before = wall.replace(fold=1).astimezone(UTC)
    after = wall.replace(fold=0).astimezone(UTC)
    after_offset = after.astimezone(zone).utcoffset()
    while after - before > _SECOND:
        middle = before + (after - before) / 2
        middle = middle.replace(microsecond=0)
        if middle.astimezone(zone).utcoffset() == after_offset:
            after = middle
        else:
            before = middle
    return after


def occurrence_on(plan: ReminderPlan, day: date) -> Occurrence | None:
    """The reminder for ``day`` (which the caller has checked is one of the plan's days);
    None when the runner's own quiet hours hold that day's pre-run reminder back."""
    zone = zone_info(plan.zone)
    event = local_to_utc(day, plan.at, zone)
    due: datetime | None = event - timedelta(minutes=plan.lead_minutes)
    if plan.quiet is not None and plan.kind != PRE_RUN:
        due = event = _after_quiet_hours(event, plan.quiet, zone)
    elif plan.quiet is not None and due is not None:
        due = _outside_quiet_hours(due, event, plan.quiet, zone)
    if due is None:
        return None
    run_at = event if plan.kind == PRE_RUN else event + NUDGE_VALID_FOR
    return Occurrence(occurrence_key(day, plan.kind), plan.kind, day, due, run_at)


def _after_quiet_hours(at: datetime, quiet: QuietHours, zone: ZoneInfo) -> datetime:
    """A nudge (strength day, re-test, check-in) has no run to be early for: one that falls
    in quiet hours waits for them to end."""
    local = at.astimezone(zone)
    if not quiet.covers(local.time()):
        return at
    _, end_day = _quiet_window(local, quiet)
    return local_to_utc(end_day, quiet.end, zone)


def _outside_quiet_hours(due: datetime, event: datetime, quiet: QuietHours,
                         zone: ZoneInfo) -> datetime | None:
    """coaching-facts, reminders and quiet hours: never the evening before. The run time
    wins over the default quiet hours; quiet hours the runner set themselves hold the
    reminder until they end if that is still before the run, else that day has none."""
    due_local = due.astimezone(zone)
    # A runner who runs at 05:30 chose the quiet hours themselves: remind them anyway.
    if quiet == DEFAULT_QUIET or not quiet.covers(due_local.time()) \
            or quiet.covers(event.astimezone(zone).time()):
        return due
    _, end_day = _quiet_window(due_local, quiet)
    quiet_ends = local_to_utc(end_day, quiet.end, zone)
    return quiet_ends if quiet_ends < event else None


def _quiet_window(local: datetime, quiet: QuietHours) -> tuple[date, date]:
    """Local dates on which the quiet period containing ``local`` starts and ends."""
    day = local.date()
    if quiet.start < quiet.end:
        return day, day
    if local.time() >= quiet.start:
        return day, day + timedelta(days=1)
    return day - timedelta(days=1), day


def next_occurrence(plan: ReminderPlan, after: datetime,
                    after_date: date | None = None) -> Occurrence | None:
    """The first reminder due strictly after ``after`` (and for a date past ``after_date``).

    None when nothing falls within SEARCH_DAYS (no days chosen, or paused that long).
    """
    first_day = after.astimezone(zone_info(plan.zone)).date()
    if after_date is not None:
        first_day = max(first_day, after_date + timedelta(days=1))
    for day in _candidate_days(plan, first_day):
        if day in plan.skipped_dates:
            continue
        found = occurrence_on(plan, day)
        if found is None or found.due_at <= after:
            continue
        if plan.paused_until is not None and found.due_at < plan.paused_until:
            continue
        return found
    return None


def _candidate_days(plan: ReminderPlan, first_day: date) -> Iterator[date]:
    if plan.kind == CHECKIN:
        if plan.cycle_start is not None and plan.cycle_start >= first_day:
            yield plan.cycle_start
        return
    if plan.kind == RETEST:
        if plan.cycle_start is None:
            return
        cycles = max(1, -(-(first_day - plan.cycle_start).days // RETEST_EVERY.days))
        for cycle in range(cycles, cycles + _MAX_RETEST_CYCLES):
            yield plan.cycle_start + cycle * RETEST_EVERY
        return
    if not plan.weekdays:
        return
    for offset in range(SEARCH_DAYS):
        day = first_day + timedelta(days=offset)
        if day.weekday() in plan.weekdays:
            yield day


def next_three(plans: Iterable[ReminderPlan], after: datetime,
               handled: Mapping[str, date] | None = None) -> list[Occurrence]:
    """The next three reminders across all of a user's plans, soonest first (for /reminders).

    ``handled`` maps a kind to the last local date already dealt with, which is left out.
    """
    upcoming: list[Occurrence] = []
    for plan in plans:
        cursor_after, cursor_date = after, (handled or {}).get(plan.kind)
        for _ in range(3):
            found = next_occurrence(plan, cursor_after, cursor_date)
            if found is None:
                break
            upcoming.append(found)
            cursor_after, cursor_date = found.due_at, found.local_date
    return sorted(upcoming, key=lambda o: (o.due_at, o.key))[:3]
