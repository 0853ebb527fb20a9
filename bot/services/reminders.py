"""Reminders: the database says what is due, one tick claims it, sends it once, moves it on.

A tick, per batch:
1. *Claim* (one short transaction, in a worker thread): due schedule rows get a lease
   (``FOR UPDATE SKIP LOCKED`` on PostgreSQL; SQLite's ``BEGIN IMMEDIATE`` and its
   single-worker lock). A delivery row is inserted under the unique (user, occurrence) key in
   the same transaction; an existing key means already handled. A batch holds what the rate
   can send in a quarter of the lease, so two batches in flight are sent well within it.
2. *Render* each claim in a worker thread (a kind the safety gate holds back: ``skipped``).
3. *Send*, outside any transaction, through the one send budget (send_budget.Pacer; on
   PostgreSQL only the elected sender sends). Inside its send slot, just before the request,
   the delivery is marked ``unknown`` (committed): a crash from then on never resends.
4. *Record* the result and advance ``next_due_at`` to the next occurrence.

Faults, decided on purpose:
- a crash before the ``unknown`` mark leaves the delivery ``claimed``: when the lease expires
  the next tick sends it, however many times that happens. A crash never makes it give up.
- a crash after the mark, or a timeout after the request went out, leaves it ``unknown``: it
  may have arrived, so it is never resent (at most once wins).
- no connection, or a 5xx from the Bot API: not delivered. The delivery goes back to
  ``claimed`` and is tried again after a backoff, up to ``send_attempts`` times, then ``failed``.
- a database error while marking, rendering or recording: retried briefly; failing that, the
  claim is left for its lease to hand back. Nothing aborts the tick.
- downtime: a reminder whose run has started is ``skipped`` and logged, never sent late.
Every reminder that ends ``failed`` or ``unknown`` is logged once, with its reason.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

from sqlalchemy import Engine, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from bot.content.library import ContentLibrary, RenderedMessage
from bot.db.models import ReminderDelivery, ReminderSchedule, User, utc_now
from bot.services.reminder_model import (
    CLAIMED,
    FAILED,
    REMINDER_LABELS,
    SENT,
    SKIPPED,
    UNKNOWN,
    Activation,
    Allowed,
    CheckinAbout,
    Claim,
    Outcome,
    RecipientGoneError,
    RetryAfterError,
    Sender,
    SendError,
    SendTimeoutError,
    TickReport,
    TransientSendError,
    short_error,
)
from bot.services.reminder_render import DayDone, default_activation, held_back, render_claim
from bot.services.reminder_settings import (
    SNOOZE,
    ScheduleSettings,
    deactivate,
    disarm,
    plan_of,
)
from bot.services.send_budget import Pacer, PacerClock, SenderElection

log = logging.getLogger(__name__)

DEFAULT_RATE_PER_SECOND = 30.0
DEFAULT_LEASE = timedelta(minutes=2)
MAX_FLOOD_WAITS = 5
# Tries against connection errors and 5xx, BACKOFF doubling (0.5 + 1 + 2 + 4 s): a hiccup is
# ridden out, a real outage is not waited on for the rest of the batch.
SEND_ATTEMPTS = 5
BACKOFF = 0.5
# DB writes around a send are tried this often, then the claim is left to its lease.
DB_ATTEMPTS = 3
SEND_CONCURRENCY = 32  # reminders between their claim and the API call: ~1 s at 30/s

T = TypeVar("T")
Prepared = RenderedMessage | Outcome


@dataclass(frozen=True)
class _Again:
    """Not delivered; worth another try after ``delay`` seconds."""

    error: str
    delay: float
    flood: bool = False


class ReminderService(ScheduleSettings):
    def __init__(
        self,
        engine: Engine,
        content: ContentLibrary,
        sender: Sender,
        *,
        activation_for: Activation | None = None,
        checkin_about: CheckinAbout | None = None,
        allowed: Allowed | None = None,
        day_done: DayDone | None = None,
        rate_per_second: float = DEFAULT_RATE_PER_SECOND,
        lease: timedelta = DEFAULT_LEASE,
        batch_size: int | None = None,
        worker_id: str | None = None,
        clock: Callable[[], datetime] = utc_now,
        send_attempts: int = SEND_ATTEMPTS,
        backoff: float = BACKOFF,
        pacer_clock: PacerClock | None = None,
    ) -> None:
        for key in REMINDER_LABELS:
            content.label(key)  # a missing label fails at start-up, not at 17:15 on a Monday
        self.engine = engine
        self.content = content
        self.sender = sender
        self.activation_for = activation_for or default_activation(content)
        self.checkin_about = checkin_about or (lambda user_id: {})
        self.allowed = allowed or (lambda user_id, kind: True)
        self.day_done = day_done
        # The pacer's clock also times the backoff between tries: one clock for every wait.
        self.pacer = Pacer(rate_per_second, pacer_clock)
        self.election = SenderElection(engine)
        self.lease = lease
        # A batch must be sendable well within its lease, or another worker could take it over.
        budget = int(rate_per_second * lease.total_seconds() / 4)
        self.batch_size = batch_size or max(1, min(1000, budget))
        self.worker_id = worker_id or f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        self.clock = clock
        self.send_attempts = send_attempts
        self.backoff = backoff
        self._postgres = engine.dialect.name == "postgresql"
        self._send_slots = asyncio.Semaphore(SEND_CONCURRENCY)
        self._stood_by = False

    # -- the tick ------------------------------------------------------------------------------

    async def tick(self) -> TickReport:
        """Send everything due now, batch by batch, until nothing due is left unclaimed."""
        report = TickReport()
        sending: asyncio.Future[list[Outcome | None]] | None = None
        while True:
            # The next batch is claimed while the previous one is sent: the pacer never idles.
            # At most two batches are leased at once, both sendable well inside one lease.
            prepared = await self._next_batch(report)
            queued = (asyncio.gather(*(self._deliver(c, p, report) for c, p in prepared))
                      if prepared else None)
            if sending is not None:
                for outcome in await sending:
                    report.count(outcome)
            if queued is None:
                return report
            sending = queued

    async def _next_batch(self, report: TickReport) -> list[tuple[Claim, Prepared]]:
        if not await self._lead():
            return []
        batch = TickReport()
        try:
            prepared = await asyncio.to_thread(self.claim_and_render, batch)
        except DBAPIError as exc:
            log.warning("reminders could not be claimed (%s); the next tick tries again",
                        _first_line(exc))
            prepared = []
        report.merge(batch)
        return prepared

    async def _lead(self) -> bool:
        try:
            leading = await asyncio.to_thread(self.election.try_lead)
        except DBAPIError as exc:
            log.warning("could not reach the database to elect the reminder sender (%s)",
                        _first_line(exc))
            leading = False
        if leading and self._stood_by:
            # The sender before us may have sent up to its last moment: leave it its second.
            self.pacer.hold(Pacer.WINDOW + Pacer.SLACK)
        self._stood_by = not leading
        return leading

    def claim_and_render(self, report: TickReport) -> list[tuple[Claim, Prepared]]:
        """Claim a batch, then render each claim (blocking: runs in a worker thread)."""
        claims = self.claim_due(report)
        prepared: list[tuple[Claim, Prepared]] = []
        for claim in claims:
            try:
                prepared.append((claim, held_back(self.allowed, claim) or self.render(claim)))
            except DBAPIError as exc:
                log.warning("reminder %s for user %s could not be prepared (%s); it is sent "
                            "when its lease ends", claim.key, claim.user_id, _first_line(exc))
                report.deferred += 1
            except Exception as exc:  # one broken reminder must not stop a tick
                log.exception("reminder %s for user %s could not be rendered", claim.key,
                              claim.user_id)
                prepared.append((claim, Outcome(FAILED, error=f"render: {short_error(exc)}")))
        return prepared

    def claim_due(self, report: TickReport | None = None) -> list[Claim]:
        """Lease up to one batch of due reminders and register their deliveries (one commit)."""
        report = report if report is not None else TickReport()
        now = self.clock()
        query = (
            select(ReminderSchedule, User.telegram_id, User.active)
            .join(User, User.id == ReminderSchedule.user_id)
            .where(ReminderSchedule.next_due_at <= now)
            .where((ReminderSchedule.lease_until.is_(None)) | (ReminderSchedule.lease_until < now))
            # Among rows due together, those whose lease ran out (a dead worker's) go first.
            .order_by(ReminderSchedule.next_due_at,
                      ReminderSchedule.lease_until.asc().nulls_last())
            .limit(self.batch_size))
        if self._postgres:
            query = query.with_for_update(of=ReminderSchedule, skip_locked=True)
        claims: list[Claim] = []
        with Session(self.engine) as session, session.begin():
            for row, chat_id, active in session.execute(query).all():
                claim = self._claim_one(session, row, chat_id, active, now, report)
                if claim is not None:
                    claims.append(claim)
        report.claimed += len(claims)
        return claims

    def _claim_one(self, session: Session, row: ReminderSchedule, chat_id: int, active: bool,
                   now: datetime, report: TickReport) -> Claim | None:
        key, run_at = row.occurrence_key, row.run_at
        if not active or key is None or run_at is None:
            disarm(row)
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
        """A delivery left ``claimed`` by a worker that stopped before sending: send it now."""
        delivery = session.execute(
            select(ReminderDelivery)
            .where(ReminderDelivery.user_id == user_id, ReminderDelivery.occurrence_key == key)
        ).scalar_one()
        if delivery.status != CLAIMED:
            return None
        log.warning("reminder %s for user %s was claimed at %s and not sent (its worker "
                    "stopped or fell behind); sending it now", key, user_id,
                    delivery.attempted_at.isoformat())
        delivery.attempts += 1
        delivery.attempted_at = now
        return delivery.id, delivery.attempts

    # -- one reminder --------------------------------------------------------------------------

    async def _deliver(self, claim: Claim, prepared: Prepared,
                       report: TickReport) -> Outcome | None:
        """Send and record one claim; None when it was left for its lease to hand back."""
        try:
            if isinstance(prepared, Outcome):
                outcome: Outcome | None = prepared
            else:
                async with self._send_slots:
                    outcome = await self._send(claim, prepared, report)
            if outcome is not None:
                await self._db(self.record, claim, outcome)
        except Exception as exc:  # noqa: BLE001 - one reminder must not abort the tick
            log.warning("reminder %s for user %s was interrupted (%s); if it was not sent it "
                        "goes out when its lease ends", claim.key, claim.user_id,
                        _first_line(exc))
            return None
        return outcome

    async def _send(self, claim: Claim, message: RenderedMessage,
                    report: TickReport) -> Outcome | None:
        failures = flood_waits = 0
        while True:
            result = await self._attempt(claim, message)
            if not isinstance(result, _Again):
                return result
            if result.flood:
                flood_waits += 1
                report.flood_waits += 1
            else:
                failures += 1
                report.retries += 1
            if failures >= self.send_attempts or flood_waits >= MAX_FLOOD_WAITS:
                return Outcome(FAILED, error=f"gave up after {failures + flood_waits} tries: "
                                             f"{result.error}")
            # Not delivered: back to "claimed", so a crash while we wait means a resend.
            await self._db(self._unmark, claim)
            await self.pacer.clock.sleep(result.delay * 2 ** max(0, failures - 1))

    async def _attempt(self, claim: Claim, message: RenderedMessage) -> Outcome | _Again:
        async with self.pacer.slot():
            if self.clock() >= claim.run_at:
                log.info("reminder %s for user %s skipped: the run began while it queued",
                         claim.key, claim.user_id)
                return Outcome(SKIPPED, error="run began before it could be sent")
            # Marked inside the slot, right before the request: a crash loses at most the
            # requests actually under way, and the slot counts the mark's time too.
            if not await self._db(self._mark_sending, claim):
                return Outcome(UNKNOWN, taken_over=True)
            await self.pacer.unheld()
            try:
                message_id = await self.sender.send(claim.chat_id, message)
            except RetryAfterError as exc:
                self.pacer.hold(exc.retry_after)
                return _Again(short_error(exc), 0.0, flood=True)
            except TransientSendError as exc:
                return _Again(short_error(exc), self.backoff)
            except RecipientGoneError as exc:
                return Outcome(FAILED, error=short_error(exc), recipient_gone=True)
            except SendTimeoutError as exc:
                return Outcome(UNKNOWN, error=short_error(exc))
            except SendError as exc:
                return Outcome(FAILED, error=short_error(exc))
            return Outcome(SENT, message_id=message_id)

    async def _db(self, work: Callable[..., T], *args: object) -> T:
        """Run a short write in a worker thread; a failing database gets a few more tries."""
        for attempt in range(1, DB_ATTEMPTS + 1):
            try:
                return await asyncio.to_thread(work, *args)
            except DBAPIError:
                if attempt == DB_ATTEMPTS:
                    raise
                await asyncio.sleep(0.2 * 2 ** attempt)
        raise AssertionError("unreachable")

    def _mark_sending(self, claim: Claim) -> bool:
        """claimed -> unknown if this claim is still the live one; committed before the send."""
        return self._move(claim, CLAIMED, UNKNOWN)

    def _unmark(self, claim: Claim) -> bool:
        """unknown -> claimed: the request was refused or never reached the Bot API."""
        return self._move(claim, UNKNOWN, CLAIMED)

    def _move(self, claim: Claim, before: str, after: str) -> bool:
        with Session(self.engine) as session, session.begin():
            result = session.execute(
                update(ReminderDelivery)
                .where(ReminderDelivery.id == claim.delivery_id,
                       ReminderDelivery.status == before,
                       ReminderDelivery.attempts == claim.attempt)
                .values(status=after, attempted_at=self.clock()))
            return bool(getattr(result, "rowcount", 0) == 1)

    def record(self, claim: Claim, outcome: Outcome) -> None:
        """Store the outcome and move the schedule on to its next occurrence."""
        now = self.clock()
        with Session(self.engine) as session, session.begin():
            # The schedule row first, as a claim locks it (then the delivery): one lock order,
            # so a record and a claim never deadlock on PostgreSQL.
            row = session.get(ReminderSchedule, claim.schedule_id,
                              with_for_update=self._postgres)
            if not outcome.taken_over:
                session.execute(
                    update(ReminderDelivery)
                    .where(ReminderDelivery.id == claim.delivery_id)
                    .values(status=outcome.status, error=outcome.error,
                            telegram_message_id=outcome.message_id,
                            sent_at=now if outcome.status == SENT else None))
            if outcome.recipient_gone:
                deactivate(session, claim.user_id)
            else:
                self._release(session, row, claim, now)
        _log_outcome(claim, outcome)

    def _release(self, session: Session, row: ReminderSchedule | None, claim: Claim,
                 now: datetime) -> None:
        if row is None or row.lease_owner != self.worker_id:
            return
        row.lease_owner, row.lease_until = None, None
        if row.occurrence_key == claim.key:
            self._advance(session, row, now)

    def render(self, claim: Claim) -> Prepared:
        return render_claim(self.content, self.activation_for, self.checkin_about, claim,
                            self.clock(), self.day_done)


def _log_outcome(claim: Claim, outcome: Outcome) -> None:
    """Once per reminder, after its outcome is stored: what became of the ones not sent."""
    if outcome.recipient_gone:
        log.info("user %s blocked the bot: reminders stop until they come back", claim.user_id)
    elif outcome.status == FAILED:
        log.warning("reminder %s for user %s failed: %s", claim.key, claim.user_id,
                    outcome.error)
    elif outcome.status == UNKNOWN and not outcome.taken_over:
        log.warning("reminder %s for user %s may not have arrived, and is not resent (at "
                    "most once): %s", claim.key, claim.user_id, outcome.error)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:200] if text else type(exc).__name__


__all__ = ["SNOOZE", "Activation", "Claim", "Outcome", "Pacer", "RecipientGoneError",
           "ReminderService", "RetryAfterError", "SendError", "SendTimeoutError", "Sender",
           "TickReport", "TransientSendError", "default_activation", "plan_of"]
