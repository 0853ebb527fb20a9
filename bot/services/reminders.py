"""Reminders: the database says what is due, one tick claims it, sends it once, moves it on.

A tick, per batch:
1. *Claim* (one short transaction): due schedule rows get a lease (``FOR UPDATE SKIP LOCKED``
   on PostgreSQL, so several workers split the work; SQLite's ``BEGIN IMMEDIATE`` plus a
   single-worker lock on SQLite). A delivery row is inserted under the unique
   (user, occurrence) key in the same transaction; an existing key means already handled.
2. *Send*, outside any transaction, paced by one global pacer. As a send enters the pacer's
   queue the delivery is marked ``unknown`` (committed): a crash from then on never resends.
3. *Record* the result and advance ``next_due_at`` to the next occurrence.

Crash recovery, decided on purpose:
- crash after the claim, before the send: the delivery stays ``claimed``; once the lease has
  expired and the run is still ahead, the next tick sends it (one retry: ``MAX_CLAIMS``).
- crash after the send, before the record: the delivery is ``unknown``: never resent. So is
  a crash while a send waits in the pacer (at most SEND_CONCURRENCY of them): at-most-once wins.
- downtime: a reminder whose run has already started is recorded ``skipped`` and logged,
  never sent late; one still before its run goes out once.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Protocol

from sqlalchemy import Engine, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from bot.content.library import ContentLibrary, RenderedMessage
from bot.db.models import ReminderDelivery, ReminderSchedule, User, utc_now
from bot.domain.model import Button, Keyboard, Reply
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

log = logging.getLogger(__name__)

DEFAULT_RATE_PER_SECOND = 30.0
DEFAULT_LEASE = timedelta(minutes=2)
SNOOZE = timedelta(minutes=15)
# A claim that was never sent is retried once; a second crash in the same place is a bug to
# look at, not something to keep repeating at the runner.
MAX_CLAIMS = 2
MAX_FLOOD_WAITS = 5
# Reminders between their 'unknown' mark and the API call: about a second's worth at 30/s.
SEND_CONCURRENCY = 32

# Nudges that want an answer: "r:" buttons are read by the conversation whatever its turn.
NUDGE_BUTTONS: dict[str, Keyboard] = {
    "checkin": ((Button("reminder.hip_better", "0|r:hip:better"),
                 Button("reminder.hip_same", "0|r:hip:same"),
                 Button("reminder.hip_worse", "0|r:hip:worse")),),
    "retest": ((Button("reminder.retest", "0|r:retest"),),),
    "strength": ((Button("reminder.today", "0|r:today"),),),
    "safety_checkin": ((Button("reminder.safety_clear", "0|r:clear"),),
                       (Button("reminder.safety_summary", "0|r:summary"),)),
}
REMINDER_LABELS = ("reminder.snooze", "reminder.not_today", "reminder.start", "reminder.done",
                   "reminder.hip_better", "reminder.hip_same", "reminder.hip_worse",
                   "reminder.retest", "reminder.today", "reminder.default_dose",
                   "reminder.default_exercise.1", "reminder.default_exercise.2",
                   "reminder.default_exercise.3")

CLAIMED, UNKNOWN, SENT, FAILED, SKIPPED = "claimed", "unknown", "sent", "failed", "skipped"

Activation = Callable[[int, date], Sequence[Mapping[str, object]]]
# Whether a reminder kind may be sent to a runner now (the safety gate; see ReminderGate).
Allowed = Callable[[int, str], bool]


# ----------------------------------------------------------------------------------------------
# The boundary to Telegram
# ----------------------------------------------------------------------------------------------


class SendError(Exception):
    """The message was not delivered, for a reason that retrying will not fix."""


class RecipientGoneError(SendError):
    """403: the runner blocked the bot or deleted the account."""


class RetryAfterError(SendError):
    """429: Telegram asks for a pause of ``retry_after`` seconds before any further send."""

    def __init__(self, retry_after: float) -> None:
        super().__init__(f"flood control: retry after {retry_after} s")
        self.retry_after = retry_after


class SendTimeoutError(SendError):
    """No answer in time: the message may or may not have arrived."""


class Sender(Protocol):
    async def send(self, chat_id: int, message: RenderedMessage) -> int:
        """Deliver ``message``; return Telegram's message id or raise a SendError subclass."""
        ...


class Pacer:
    """One send budget for the whole process, held back while Telegram says to wait.

    Sends are spaced 1/rate apart on a fixed grid, and never more than ``rate`` fall in any
    one-second window. Why not a library: aiolimiter's leaky bucket (what PTB's AIORateLimiter
    uses inside) either allows a burst (capacity 30, AIORateLimiter's default: 478 429s in 600
    sends against a strict 30-per-second counter) or, at capacity 1, loses every late wake-up
    of the event loop for good (0.978 of the cap, vs 0.989 for this pacer, same 600 sends;
    ``python -m benchmarks reminders_fanout --reminders 600 --pacer aiolimiter1``). Here a late
    send does not push the next one back, and the window check keeps bursts out. PTB's limiter
    also only wraps calls made through a PTB ``Bot``; this engine talks to a ``Sender``.
    """

    WINDOW = 1.0
    # Between the pacer's clock reading and the request leaving, another thread may hold the
    # GIL for a switch interval (5 ms) and the network adds its own jitter. Without slack
    # a strict counter saw 2 429s in 10,000 sends; 10 ms costs 1% of the rate when the
    # window binds.
    SLACK = 0.010

    def __init__(self, rate_per_second: float) -> None:
        self.rate_per_second = rate_per_second
        self.spacing = 1.0 / rate_per_second
        self._recent: deque[float] = deque(maxlen=max(1, int(rate_per_second * self.WINDOW)))
        self._next_slot = 0.0
        self._resume_at = 0.0
        self._turn = asyncio.Lock()  # first come, first served

    async def wait(self) -> None:
        async with self._turn:
            loop = asyncio.get_running_loop()
            while True:
                bound = max(self._next_slot, self._resume_at)
                if len(self._recent) == self._recent.maxlen:
                    bound = max(bound, self._recent[0] + self.WINDOW + self.SLACK)
                now = loop.time()
                if now >= bound:
                    break
                await asyncio.sleep(bound - now)
            self._recent.append(now)
            # Anchor on the grid, not on when we woke: lateness is made up on the next send.
            self._next_slot = max(bound, now - self.spacing) + self.spacing

    def hold(self, seconds: float) -> None:
        loop = asyncio.get_running_loop()
        self._resume_at = max(self._resume_at, loop.time() + seconds)


# ----------------------------------------------------------------------------------------------
# What a tick works with and reports
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Claim:
    schedule_id: int
    delivery_id: int
    attempt: int
    user_id: int
    chat_id: int
    kind: str
    key: str
    zone: str
    run_at: datetime


@dataclass(frozen=True)
class Outcome:
    status: str
    message_id: int | None = None
    error: str | None = None
    recipient_gone: bool = False
    # Another worker re-claimed this delivery after our lease ran out; it is theirs to record.
    taken_over: bool = False


@dataclass
class TickReport:
    claimed: int = 0
    sent: int = 0
    unknown: int = 0
    failed: int = 0
    skipped: int = 0
    already_handled: int = 0
    recipients_gone: int = 0
    flood_waits: int = 0
    statuses: dict[str, int] = field(default_factory=dict)

    def count(self, outcome: Outcome) -> None:
        self.statuses[outcome.status] = self.statuses.get(outcome.status, 0) + 1
        if outcome.status == SENT:
            self.sent += 1
        elif outcome.status == UNKNOWN:
            self.unknown += 1
        elif outcome.status == FAILED:
            self.failed += 1
        elif outcome.status == SKIPPED:
            self.skipped += 1
        if outcome.recipient_gone:
            self.recipients_gone += 1


# ----------------------------------------------------------------------------------------------
# The service
# ----------------------------------------------------------------------------------------------


class ReminderService:
    def __init__(
        self,
        engine: Engine,
        content: ContentLibrary,
        sender: Sender,
        *,
        activation_for: Activation | None = None,
        allowed: Allowed | None = None,
        rate_per_second: float = DEFAULT_RATE_PER_SECOND,
        lease: timedelta = DEFAULT_LEASE,
        batch_size: int | None = None,
        worker_id: str | None = None,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        for key in REMINDER_LABELS:
            content.label(key)  # a missing label fails at start-up, not at 17:15 on a Monday
        self.engine = engine
        self.content = content
        self.sender = sender
        self.activation_for = activation_for or default_activation(content)
        self.allowed = allowed
        self.pacer = Pacer(rate_per_second)
        self.lease = lease
        # A batch must be sendable well within its lease, or another worker could take it over.
        budget = int(rate_per_second * lease.total_seconds() / 4)
        self.batch_size = batch_size or max(1, min(1000, budget))
        self.worker_id = worker_id or f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        self.clock = clock
        self._postgres = engine.dialect.name == "postgresql"
        self._send_slots = asyncio.Semaphore(SEND_CONCURRENCY)

    # -- the tick ------------------------------------------------------------------------------

    async def tick(self) -> TickReport:
        """Send everything due now, batch by batch, until nothing due is left unclaimed."""
        report = TickReport()
        sending: asyncio.Future[list[Outcome]] | None = None
        while True:
            # The next batch is claimed while the previous one is still being sent, so the
            # pacer never idles at a batch boundary. At most two batches are leased at once,
            # and batch_size keeps two batches' sending well inside one lease.
            claims = await asyncio.to_thread(self.claim_due, report)
            queued = (asyncio.gather(*(self._deliver(c, report) for c in claims))
                      if claims else None)
            report.claimed += len(claims)
            if sending is not None:
                for outcome in await sending:
                    report.count(outcome)
            if queued is None:
                return report
            sending = queued

    def claim_due(self, report: TickReport | None = None) -> list[Claim]:
        """Lease up to one batch of due reminders and register their deliveries (one commit)."""
        report = report if report is not None else TickReport()
        now = self.clock()
        query = (
            select(ReminderSchedule, User.telegram_id, User.active)
            .join(User, User.id == ReminderSchedule.user_id)
            .where(ReminderSchedule.next_due_at <= now)
            .where((ReminderSchedule.lease_until.is_(None)) | (ReminderSchedule.lease_until < now))
            .order_by(ReminderSchedule.next_due_at)
            .limit(self.batch_size))
        if self._postgres:
            query = query.with_for_update(of=ReminderSchedule, skip_locked=True)
        claims: list[Claim] = []
        with Session(self.engine) as session, session.begin():
            for row, chat_id, active in session.execute(query).all():
                claim = self._claim_one(session, row, chat_id, active, now, report)
                if claim is not None:
                    claims.append(claim)
        return claims

    def _claim_one(self, session: Session, row: ReminderSchedule, chat_id: int, active: bool,
                   now: datetime, report: TickReport) -> Claim | None:
        key, run_at = row.occurrence_key, row.run_at
        if not active or key is None or run_at is None:
            _disarm(row)
            return None
        if now >= run_at:
            log.info("reminder %s for user %s skipped: its run began at %s, before we got to it",
                     key, row.user_id, run_at.isoformat())
            if self._insert_delivery(session, row, key, run_at, now, SKIPPED) is None:
                session.execute(update(ReminderDelivery)
                                .where(ReminderDelivery.user_id == row.user_id,
                                       ReminderDelivery.occurrence_key == key,
                                       ReminderDelivery.status == CLAIMED)
                                .values(status=SKIPPED, error="run began before it was sent"))
            report.skipped += 1
            self._advance(session, row, now)
            return None
        delivery_id = self._insert_delivery(session, row, key, run_at, now, CLAIMED)
        attempt = 1
        if delivery_id is None:
            retry = self._retry_stale_claim(session, row.user_id, key, now)
            if retry is None:
                report.already_handled += 1
                self._advance(session, row, now)
                return None
            delivery_id, attempt = retry
        row.lease_owner, row.lease_until = self.worker_id, now + self.lease
        return Claim(row.id, delivery_id, attempt, row.user_id, chat_id, row.kind, key,
                     row.zone, run_at)

    def _insert_delivery(self, session: Session, row: ReminderSchedule, key: str,
                         run_at: datetime, now: datetime, status: str) -> int | None:
        insert = pg_insert if self._postgres else sqlite_insert
        statement = (insert(ReminderDelivery)
                     .values(user_id=row.user_id, occurrence_key=key, kind=row.kind,
                             status=status, attempts=1, run_at=run_at, attempted_at=now)
                     .on_conflict_do_nothing(index_elements=["user_id", "occurrence_key"])
                     .returning(ReminderDelivery.id))
        return session.execute(statement).scalar_one_or_none()

    def _retry_stale_claim(self, session: Session, user_id: int, key: str,
                           now: datetime) -> tuple[int, int] | None:
        """A delivery left ``claimed`` by a worker that died before sending: retry it once."""
        delivery = session.execute(
            select(ReminderDelivery)
            .where(ReminderDelivery.user_id == user_id, ReminderDelivery.occurrence_key == key)
        ).scalar_one()
        if delivery.status != CLAIMED:
            return None
        if delivery.attempts >= MAX_CLAIMS:
            log.error("reminder %s for user %s was claimed %s times and never sent; giving up",
                      key, user_id, delivery.attempts)
            delivery.status, delivery.error = FAILED, "claimed but never sent"
            return None
        log.warning("reminder %s for user %s was claimed at %s but never sent; retrying once",
                    key, user_id, delivery.attempted_at.isoformat())
        delivery.attempts += 1
        delivery.attempted_at = now
        return delivery.id, delivery.attempts

    async def _deliver(self, claim: Claim, report: TickReport) -> Outcome:
        if self.allowed is not None and not await asyncio.to_thread(
                self.allowed, claim.user_id, claim.kind):
            # The safety gate has the last word at send time, whatever a schedule still says.
            log.info("reminder %s for user %s held back by the safety gate", claim.key,
                     claim.user_id)
            outcome = Outcome(SKIPPED, error="held back by the safety gate")
            await asyncio.to_thread(self.record, claim, outcome)
            return outcome
        try:
            message = self.render(claim)
        except Exception as exc:  # one broken reminder must not stop a tick
            log.exception("reminder %s for user %s could not be rendered", claim.key,
                          claim.user_id)
            outcome = Outcome(FAILED, error=f"render: {type(exc).__name__}")
        else:
            async with self._send_slots:
                outcome = await self._send(claim, message, report)
        await asyncio.to_thread(self.record, claim, outcome)
        return outcome

    async def _send(self, claim: Claim, message: RenderedMessage, report: TickReport) -> Outcome:
        # Marked before the pacer, so nothing stands between a paced slot and the API call
        # (a database write there would bunch sends up past the per-second cap). The price:
        # a crash loses the few reminders queued in the pacer (at most SEND_CONCURRENCY,
        # about a second's worth): they stay "unknown" and are not resent.
        if not await asyncio.to_thread(self._mark_sending, claim):
            return Outcome(UNKNOWN, taken_over=True)
        for _ in range(MAX_FLOOD_WAITS):
            await self.pacer.wait()
            if self.clock() >= claim.run_at:
                log.info("reminder %s for user %s skipped: the run began while it queued",
                         claim.key, claim.user_id)
                return Outcome(SKIPPED, error="run began before it could be sent")
            try:
                message_id = await self.sender.send(claim.chat_id, message)
            except RetryAfterError as exc:
                report.flood_waits += 1
                self.pacer.hold(exc.retry_after)
                continue
            except RecipientGoneError as exc:
                return Outcome(FAILED, error=_short(exc), recipient_gone=True)
            except SendTimeoutError as exc:
                return Outcome(UNKNOWN, error=_short(exc))
            except SendError as exc:
                return Outcome(FAILED, error=_short(exc))
            return Outcome(SENT, message_id=message_id)
        return Outcome(FAILED, error="flood control: gave up after repeated waits")

    def _mark_sending(self, claim: Claim) -> bool:
        """claimed -> unknown if this claim is still the live one; committed before the send."""
        with Session(self.engine) as session, session.begin():
            result = session.execute(
                update(ReminderDelivery)
                .where(ReminderDelivery.id == claim.delivery_id,
                       ReminderDelivery.status == CLAIMED,
                       ReminderDelivery.attempts == claim.attempt)
                .values(status=UNKNOWN, attempted_at=self.clock()))
            return bool(getattr(result, "rowcount", 0) == 1)

    def record(self, claim: Claim, outcome: Outcome) -> None:
        """Store the outcome and move the schedule on to its next occurrence."""
        now = self.clock()
        with Session(self.engine) as session, session.begin():
            if not outcome.taken_over:
                session.execute(
                    update(ReminderDelivery)
                    .where(ReminderDelivery.id == claim.delivery_id)
                    .values(status=outcome.status, error=outcome.error,
                            telegram_message_id=outcome.message_id,
                            sent_at=now if outcome.status == SENT else None))
            if outcome.recipient_gone:
                log.info("user %s blocked the bot: reminders stop until they come back",
                         claim.user_id)
                _deactivate(session, claim.user_id)
                return
            row = session.get(ReminderSchedule, claim.schedule_id,
                              with_for_update=self._postgres)
            if row is None or row.lease_owner != self.worker_id:
                return
            row.lease_owner, row.lease_until = None, None
            if row.occurrence_key == claim.key:
                self._advance(session, row, now)

    def render(self, claim: Claim) -> RenderedMessage:
        local_run = claim.run_at.astimezone(zone_info(claim.zone))
        if claim.kind == PRE_RUN:
            params: dict[str, object] = {
                "run_time": local_run.strftime("%H:%M"),
                "exercises": self.activation_for(claim.user_id, key_date(claim.key)),
            }
            # "r:" buttons are read by the conversation whatever its turn, hence turn 0.
            buttons = ((Button("reminder.start", "0|r:start"),
                        Button("reminder.done", "0|r:done")),
                       (Button("reminder.snooze", "0|r:snooze"),
                        Button("reminder.not_today", "0|r:not_today")))
            return self.content.render(Reply("reminder_pre_run", params, buttons))
        return self.content.render(Reply(f"reminder_{claim.kind}", {},
                                         NUDGE_BUTTONS.get(claim.kind, ())))

    # -- settings, for the conversation --------------------------------------------------------

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
        with Session(self.engine) as session, session.begin():
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

    def stop(self, user_id: int, kinds: Sequence[str]) -> None:
        """Disarm these kinds for a runner (kept as rows: settings survive a pause in them)."""
        with Session(self.engine) as session, session.begin():
            for kind in kinds:
                row = self._schedule(session, user_id, kind)
                if row is not None:
                    _disarm(row)

    def snooze(self, user_id: int) -> Occurrence | None:
        """Send the last pre-run reminder again in 15 minutes; None if the run starts first."""
        now = self.clock()
        with Session(self.engine) as session, session.begin():
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
            if until >= last.run_at or self._delivered(session, user_id, key):
                return None
            row.next_due_at, row.run_at, row.occurrence_key = until, last.run_at, key
            row.snoozed_until = until
            return Occurrence(key, PRE_RUN, key_date(key), until, last.run_at)

    def not_running_today(self, user_id: int) -> Occurrence | None:
        """No run today: drop today's pre-run reminder; returns the one after."""
        now = self.clock()
        with Session(self.engine) as session, session.begin():
            row = self._schedule(session, user_id, PRE_RUN)
            if row is None:
                return None
            today = now.astimezone(zone_info(row.zone)).date()
            kept = {d for d in row.skipped_dates if date.fromisoformat(d) >= today}
            row.skipped_dates = sorted(kept | {today.isoformat()})
            row.snoozed_until = None
            return self._reschedule(session, row, now)

    def pause(self, user_id: int, days: int) -> datetime:
        """No reminders of any kind for ``days`` days; returns when they start again."""
        if not 1 <= days <= 365:
            raise ScheduleError("a pause lasts 1 to 365 days")
        now = self.clock()
        until = now + timedelta(days=days)
        self._set_pause(user_id, until, now)
        return until

    def resume(self, user_id: int) -> list[Occurrence]:
        now = self.clock()
        self._set_pause(user_id, None, now)
        return self.upcoming(user_id)

    def upcoming(self, user_id: int) -> list[Occurrence]:
        """The next three reminders of every kind, soonest first (for /reminders)."""
        now = self.clock()
        with Session(self.engine) as session:
            rows = session.scalars(select(ReminderSchedule)
                                   .where(ReminderSchedule.user_id == user_id)).all()
            pending = [Occurrence(r.occurrence_key, r.kind, key_date(r.occurrence_key),
                                  r.next_due_at, r.run_at)
                       for r in rows if r.snoozed_until is not None and r.next_due_at
                       and r.run_at and r.occurrence_key]
            plans = [plan_of(r) for r in rows]
            handled = {r.kind: d for r in rows
                       if (d := _last_handled(session, user_id, r.kind)) is not None}
        return sorted(pending + next_three(plans, now, handled), key=lambda o: o.due_at)[:3]

    def _set_pause(self, user_id: int, until: datetime | None, now: datetime) -> None:
        with Session(self.engine) as session, session.begin():
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
        return _set_next(row, now, _last_handled(session, row.user_id, row.kind))

    def _advance(self, session: Session, row: ReminderSchedule, now: datetime) -> None:
        handled = key_date(row.occurrence_key) if row.occurrence_key else None
        row.snoozed_until = None
        _set_next(row, now, handled)


def _set_next(row: ReminderSchedule, now: datetime, after_date: date | None) -> Occurrence | None:
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


def _last_handled(session: Session, user_id: int, kind: str) -> date | None:
    """The latest local date this kind of reminder was already dealt with (keys sort by date)."""
    last_key = session.execute(
        select(func.max(ReminderDelivery.occurrence_key))
        .where(ReminderDelivery.user_id == user_id, ReminderDelivery.kind == kind)
    ).scalar_one_or_none()
    return key_date(last_key) if last_key else None


def _disarm(row: ReminderSchedule) -> None:
    row.next_due_at = row.run_at = row.occurrence_key = None
    row.lease_owner, row.lease_until = None, None


def _deactivate(session: Session, user_id: int) -> None:
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


def default_activation(content: ContentLibrary) -> Activation:
    """Until the program engine says otherwise: the same short activation before every run."""

    def activation(_user_id: int, _day: date) -> list[dict[str, str]]:
        dose = content.label("reminder.default_dose")
        return [{"name": content.label(f"reminder.default_exercise.{n}"), "dose": dose}
                for n in (1, 2, 3)]

    return activation


def _short(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:200]


__all__ = [
    "Activation",
    "Claim",
    "Outcome",
    "Pacer",
    "RecipientGoneError",
    "ReminderService",
    "RetryAfterError",
    "SendError",
    "SendTimeoutError",
    "Sender",
    "TickReport",
    "default_activation",
    "plan_of",
]
