"""Reminder settings for the conversation: create and change schedules, snooze, skip a day,
pause and resume, and list what comes next. Every change applies to the very next occurrence."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime, timedelta

from sqlalchemy import Engine, func, select, update
from sqlalchemy.orm import Session

from bot.db.models import ReminderDelivery, ReminderSchedule, User
from bot.domain.schedule import (
    CHECKIN,
    DEFAULT_LEAD_MINUTES,
    DEFAULT_QUIET,
    KINDS,
    PRE_RUN,
    RETEST,
    SAFETY_CHECKIN,
    STRENGTH,
    Occurrence,
    QuietHours,
    ReminderPlan,
    ScheduleError,
    checkin_plan,
    key_date,
    next_occurrence,
    next_three,
    parse_hhmm,
    pre_run_plan,
    retest_plan,
    strength_plan,
    weekly_checkin_plan,
    zone_info,
)
from bot.services.reminder_model import SENT, UNKNOWN

log = logging.getLogger("bot.services.reminders")

SNOOZE = timedelta(minutes=15)


class ScheduleSettings:
    """The settings half of ReminderService (it sets ``engine``, ``clock`` and ``_postgres``).

    Each change takes an optional ``db``: the session of an event's own transaction (the
    conversation's unit of work), so the change commits with the event or not at all. Without
    one, the change is a transaction of its own (scripts, tests).
    """

    engine: Engine
    clock: Callable[[], datetime]
    _postgres: bool

    @contextmanager
    def _unit(self, db: Session | None) -> Iterator[Session]:
        if db is not None:
            yield db
            return
        with Session(self.engine) as session, session.begin():
            yield session

    def upsert_schedule(
        self,
        user_id: int,
        *,
        kind: str = PRE_RUN,
        days: Sequence[str] = (),
        local_time: str,
        zone: str,
        lead_minutes: int = DEFAULT_LEAD_MINUTES,
        quiet: QuietHours | None = DEFAULT_QUIET,
        anchor_at: datetime | None = None,
        db: Session | None = None,
    ) -> Occurrence | None:
        """Create or change one kind of reminder; the next occurrence follows at once.

        Raises ScheduleError (nothing stored) when a setting cannot be used.
        """
        if kind not in KINDS:
            raise ScheduleError(f"unknown reminder kind {kind!r}")
        settings = ReminderSchedule(
            user_id=user_id, kind=kind, zone=zone, local_time=local_time, days=list(days),
            lead_minutes=lead_minutes, anchor_at=anchor_at,
            quiet_start=quiet.start.strftime("%H:%M") if quiet else None,
            quiet_end=quiet.end.strftime("%H:%M") if quiet else None, skipped_dates=[])
        plan_of(settings)  # validate before touching the stored row
        with self._unit(db) as session:
            row = self._schedule(session, user_id, kind)
            if row is None:
                row = settings
                session.add(row)
                session.flush()
            else:
                for name in ("zone", "local_time", "days", "lead_minutes", "anchor_at",
                             "quiet_start", "quiet_end"):
                    setattr(row, name, getattr(settings, name))
            row.snoozed_until = None
            return self._reschedule(session, row, self.clock())

    def snooze(self, user_id: int, db: Session | None = None) -> Occurrence | None:
        """Send the last pre-run reminder again in 15 minutes; None if the run starts first."""
        now = self.clock()
        with self._unit(db) as session:
            row = self._schedule(session, user_id, PRE_RUN)
            last = session.execute(
                select(ReminderDelivery)
                .where(ReminderDelivery.user_id == user_id, ReminderDelivery.kind == PRE_RUN,
                       ReminderDelivery.status.in_((SENT, UNKNOWN)))
                .order_by(ReminderDelivery.attempted_at.desc()).limit(1)).scalar_one_or_none()
            if row is None or last is None or last.run_at is None:
                return None
            until = now + SNOOZE
            key = last.occurrence_key.split("#")[0] + "#snooze"
            if (until >= last.run_at or row.occurrence_key == key
                    or self._delivered(session, user_id, key)):
                return None  # one snooze per reminder
            row.next_due_at, row.run_at, row.occurrence_key = until, last.run_at, key
            row.snoozed_until = until
            return Occurrence(key, PRE_RUN, key_date(key), until, last.run_at)

    def why_no_snooze(self, user_id: int, db: Session | None = None) -> str:
        """Why ``snooze`` said no: "once" (this reminder was snoozed already), "too_late" (the
        run starts before a snooze would end) or "nothing" (no reminder to snooze)."""
        with self._reading(db) as session:
            last = session.execute(
                select(ReminderDelivery.occurrence_key)
                .where(ReminderDelivery.user_id == user_id, ReminderDelivery.kind == PRE_RUN)
                .order_by(ReminderDelivery.attempted_at.desc()).limit(1)).scalar_one_or_none()
            if last is None:
                return "nothing"
            key = last.split("#")[0] + "#snooze"
            row = self._schedule(session, user_id, PRE_RUN)
            pending = row is not None and row.occurrence_key == key
            return "once" if pending or self._delivered(session, user_id, key) else "too_late"

    def not_running_today(self, user_id: int, db: Session | None = None) -> Occurrence | None:
        """No run today: drop today's pre-run reminder; returns the one after."""
        now = self.clock()
        with self._unit(db) as session:
            row = self._schedule(session, user_id, PRE_RUN)
            if row is None:
                return None
            today = now.astimezone(zone_info(row.zone)).date()
            kept = {d for d in row.skipped_dates if date.fromisoformat(d) >= today}
            row.skipped_dates = sorted(kept | {today.isoformat()})
            row.snoozed_until = None
            return self._reschedule(session, row, now)

    def pause(self, user_id: int, days: int, db: Session | None = None) -> datetime:
        """No reminders of any kind for ``days`` days; returns when they start again."""
        if not 1 <= days <= 365:
            raise ScheduleError("a pause lasts 1 to 365 days")
        now = self.clock()
        until = now + timedelta(days=days)
        with self._unit(db) as session:
            self._set_pause(session, user_id, until, now)
        return until

    def resume(self, user_id: int, db: Session | None = None) -> list[Occurrence]:
        now = self.clock()
        with self._unit(db) as session:
            self._set_pause(session, user_id, None, now)
            return self.upcoming(user_id, session)

    def upcoming(self, user_id: int, db: Session | None = None) -> list[Occurrence]:
        """The next three reminders of every kind, soonest first (for /reminders)."""
        now = self.clock()
        with self._reading(db) as session:
            rows = session.scalars(select(ReminderSchedule)
                                   .where(ReminderSchedule.user_id == user_id)).all()
            pending = [Occurrence(r.occurrence_key, r.kind, key_date(r.occurrence_key),
                                  r.next_due_at, r.run_at)
                       for r in rows if r.snoozed_until is not None and r.next_due_at
                       and r.run_at and r.occurrence_key]
            plans = [plan_of(r) for r in rows]
            handled = {r.kind: d for r in rows
                       if (d := last_handled(session, user_id, r.kind)) is not None}
        return sorted(pending + next_three(plans, now, handled), key=lambda o: o.due_at)[:3]

    def stop(self, user_id: int, kinds: Sequence[str], db: Session | None = None) -> None:
        """Disarm these kinds for a runner (kept as rows: settings survive a pause in them)."""
        with self._unit(db) as session:
            for kind in kinds:
                row = self._schedule(session, user_id, kind)
                if row is not None:
                    disarm(row)

    @contextmanager
    def _reading(self, db: Session | None) -> Iterator[Session]:
        """The event's own session when there is one (it sees the event's changes), else a
        read that never takes the write lock."""
        if db is not None:
            yield db
            return
        with Session(self.engine) as session:
            yield session

    def _set_pause(self, session: Session, user_id: int, until: datetime | None,
                   now: datetime) -> None:
        for row in session.scalars(select(ReminderSchedule)
                                   .where(ReminderSchedule.user_id == user_id)):
            row.paused_until, row.snoozed_until = until, None
            self._reschedule(session, row, now)

    def _schedule(self, session: Session, user_id: int, kind: str) -> ReminderSchedule | None:
        query = select(ReminderSchedule).where(ReminderSchedule.user_id == user_id,
                                               ReminderSchedule.kind == kind)
        if self._postgres:
            query = query.with_for_update()
        return session.execute(query).scalar_one_or_none()

    @staticmethod
    def _delivered(session: Session, user_id: int, key: str) -> bool:
        return session.execute(
            select(ReminderDelivery.id).where(ReminderDelivery.user_id == user_id,
                                              ReminderDelivery.occurrence_key == key)
        ).first() is not None

    def _reschedule(self, session: Session, row: ReminderSchedule,
                    now: datetime) -> Occurrence | None:
        """Next occurrence from settings, past any date already handled for this kind."""
        return set_next(row, now, last_handled(session, row.user_id, row.kind))

    def _advance(self, session: Session, row: ReminderSchedule, now: datetime) -> None:
        handled = key_date(row.occurrence_key) if row.occurrence_key else None
        row.snoozed_until = None
        set_next(row, now, handled)


def set_next(row: ReminderSchedule, now: datetime, after_date: date | None) -> Occurrence | None:
    try:
        found = next_occurrence(plan_of(row), now, after_date)
    except ScheduleError:
        log.exception("reminder schedule %s of user %s is unusable; disarmed", row.kind,
                      row.user_id)
        found = None
    row.next_due_at = found.due_at if found else None
    row.run_at = found.run_at if found else None
    row.occurrence_key = found.key if found else None
    row.lease_owner, row.lease_until = None, None
    return found


def last_handled(session: Session, user_id: int, kind: str) -> date | None:
    """The latest local date this kind of reminder was already dealt with (keys sort by date)."""
    last_key = session.execute(
        select(func.max(ReminderDelivery.occurrence_key))
        .where(ReminderDelivery.user_id == user_id, ReminderDelivery.kind == kind)
    ).scalar_one_or_none()
    return key_date(last_key) if last_key else None


def disarm(row: ReminderSchedule) -> None:
    row.next_due_at = row.run_at = row.occurrence_key = None
    row.lease_owner, row.lease_until = None, None


def deactivate(session: Session, user_id: int) -> None:
    session.execute(update(User).where(User.id == user_id).values(active=False))
    session.execute(update(ReminderSchedule).where(ReminderSchedule.user_id == user_id)
                    .values(next_due_at=None, run_at=None, occurrence_key=None,
                            lease_owner=None, lease_until=None))


def plan_of(row: ReminderSchedule) -> ReminderPlan:
    """The pure plan a stored schedule row describes; raises ScheduleError if it cannot."""
    quiet = (QuietHours(parse_hhmm(row.quiet_start), parse_hhmm(row.quiet_end))
             if row.quiet_start and row.quiet_end else None)
    skipped = [date.fromisoformat(d) for d in row.skipped_dates or []]
    if row.kind == PRE_RUN:
        return pre_run_plan(row.days, row.local_time, row.zone, row.lead_minutes, quiet,
                            row.paused_until, skipped)
    if row.kind == STRENGTH:
        return strength_plan(row.days, row.local_time, row.zone, quiet, row.paused_until,
                             skipped)
    if row.kind == RETEST:
        if row.anchor_at is None:
            raise ScheduleError("a re-test reminder needs the screening time")
        return retest_plan(row.anchor_at, row.local_time, row.zone, quiet, row.paused_until)
    if row.kind == SAFETY_CHECKIN:
        return weekly_checkin_plan(row.days, row.local_time, row.zone, quiet, row.paused_until)
    if row.kind == CHECKIN:
        if row.anchor_at is None:
            raise ScheduleError("a check-in needs its day")
        day = row.anchor_at.astimezone(zone_info(row.zone)).date()
        return checkin_plan(day, row.local_time, row.zone, quiet, row.paused_until)
    raise ScheduleError(f"unknown reminder kind {row.kind!r}")
