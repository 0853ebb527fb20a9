"""The durable inbox and outbox, for any channel: an event counts as handled only once its
effects are committed, and its replies are owed until they are sent.

A channel (Telegram, the terminal) hands the core an event with an idempotency key and a
target (where its replies go). The event is recorded as processed under that key, with the
replies it owes (its outbox, plain JSON in the channel's own shape), in the very transaction
that stores its effects; the channel delivers them after the commit and they are then marked
sent. So a re-delivered event (a crash before the channel was told, a webhook retried) is
recognised, never applied twice, and still gets the replies it was owed. While the database
is away an event waits and is retried; the runner is never told something was kept when it
was not.

A key is an integer, unique across channels: Telegram's are its update ids (positive), the
terminal's are negative (see bot/console/chat.py).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Generic, TypeVar

from sqlalchemy.exc import (
    DisconnectionError,
    IntegrityError,
    InterfaceError,
    OperationalError,
    PendingRollbackError,
)
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from bot.content.library import RenderedMessage
from bot.db import inbox as store
from bot.db.inbox import Actions as Actions  # a channel's outbox JSON, re-exported for adapters
from bot.db.inbox import Hook
from bot.db.models import utc_now
from bot.domain.model import Event, Reply
from bot.services.conversation import (
    ConcurrentUpdateError,
    ConversationService,
    Response,
    Sender,
    Stamp,
)
from bot.services.group_commit import GroupCommitter
from bot.services.runs.service import RunService, Upload

log = logging.getLogger(__name__)

# Worth waiting out: the database is unreachable, busy or restarting, or a write kept losing.
RETRYABLE = (OperationalError, InterfaceError, DisconnectionError, PoolTimeoutError,
             PendingRollbackError, IntegrityError, ConcurrentUpdateError)
FIRST_DELAY = 0.2
MAX_DELAY = 5.0
# Long enough for the process that committed an event to send its replies; after that a
# re-delivery may take the outbox over (the first process is presumed dead).
OWNER_LEASE = timedelta(seconds=5)
RESEND_LEASE = timedelta(seconds=60)
# Telegram re-delivers for 24 hours at most; older records are forgotten.
KEEP_RECORDS = timedelta(days=3)
PRUNE_EVERY = 10_000

T = TypeVar("T")
TargetT = TypeVar("TargetT")


class RecipientGoneError(Exception):
    """The channel cannot reach this runner any more (they blocked the bot)."""

    def __init__(self, telegram_id: int) -> None:
        super().__init__(f"user {telegram_id} cannot be reached")
        self.telegram_id = telegram_id


@dataclass(frozen=True)
class FileUpload:
    """A file the runner sent, as a channel declares it; ``fetch`` downloads it (None: the
    channel could not), and is called only once the declared size is within the limit."""

    name: str
    size: int
    fetch: Callable[[], Awaitable[bytes | None]]


@dataclass(frozen=True)
class Inbound(Generic[TargetT]):
    """One event from a channel. ``event`` None: something the channel could not read (a
    button press whose data is unknown); it is answered with a friendly word. ``upload``: a
    file to read as runs, stored with the event's record in one transaction."""

    key: int
    sender: Sender
    event: Event | None
    target: TargetT
    upload: FileUpload | None = None


class EventInbox(Generic[TargetT]):
    """The channel-neutral core of durable input; a channel adds ``actions`` (a response as
    its outbox JSON) and ``deliver`` (making those calls)."""

    # One line per event (never its words); a terminal keeps its screen for the chat.
    event_log_level = logging.INFO

    def __init__(self, service: ConversationService,
                 clock: Callable[[], datetime] | None = None) -> None:
        self.service = service
        self.engine = service.engine
        self.clock = clock or utc_now
        self.sent: GroupCommitter[int, bool] = GroupCommitter(self._mark_sent)
        self.troubled = False
        self.stored = 0

    # --- what a channel provides ------------------------------------------------------------

    def actions(self, response: Response, target: TargetT) -> Actions:
        raise NotImplementedError

    async def deliver(self, actions: Actions) -> None:
        """Makes the calls in order; RecipientGoneError when the runner cannot be reached."""
        raise NotImplementedError

    # --- the core ---------------------------------------------------------------------------

    async def prune(self) -> None:
        """Forgets events too old to come again (at start-up, and now and then)."""
        try:
            forgotten = await asyncio.to_thread(self._prune)
        except RETRYABLE as exc:
            log.info("old processed events not pruned this time (%s)", _first_line(exc))
            return
        if forgotten:
            log.info("forgot %d processed events older than %s", forgotten, KEEP_RECORDS)

    async def receive(self, inbound: Inbound[TargetT], checked: bool = False) -> None:
        """Returns once the event's effects are committed and its replies made.

        ``checked``: the caller already knows the event was not processed before.
        """
        if not checked and await self.processed_among([inbound.key]):
            await self.resend(inbound.key)
            return
        await self._apply(inbound)

    async def processed_among(self, keys: Sequence[int]) -> set[int]:
        """Which of these events were processed before (waits for the database if need be)."""
        return await self._retrying(self._processed, list(keys))

    async def resend(self, key: int) -> None:
        """A re-delivered event: its effects are stored; make the calls nobody has made."""
        while True:
            claim = await self._retrying(self._claim, key)
            if not isinstance(claim, datetime):
                break
            # Another process holds the replies; if it died, its lease runs out shortly.
            await asyncio.sleep(max((claim - self.clock()).total_seconds(), 0.0) + 0.05)
        if claim is None:
            log.debug("event %s was processed and answered before", key)
            return
        log.info("event %s was processed before; sending its stored replies", key)
        await self._send(claim, key)

    async def converse(self, sender: Sender, event: Event, stamp: Stamp) -> Response:
        return await self.service.handle_async(sender, event, stamp)

    async def _apply(self, inbound: Inbound[TargetT]) -> None:
        delay = FIRST_DELAY
        while True:
            try:
                actions, stored = await self._handle(inbound)
                break
            except RETRYABLE as exc:
                self._trouble(exc)
            except Exception:
                log.exception("an event could not be handled; the runner is told")
                actions, stored = self._error(inbound.target), False
                break
            await asyncio.sleep(delay)
            delay = min(delay * 2, MAX_DELAY)
            if await self.processed_among([inbound.key]):  # the commit went through after all
                await self.resend(inbound.key)
                return
        self._recovered()
        await self._send(actions, inbound.key if stored else None)
        log.log(self.event_log_level, "event %s: %s from user %s, %s, %d calls", inbound.key,
                type(inbound.event).__name__ if inbound.event else "unreadable",
                inbound.sender.telegram_id, "stored" if stored else "nothing stored",
                len(actions))
        self.stored += stored
        if stored and self.stored % PRUNE_EVERY == 0:
            await self.prune()

    async def _handle(self, inbound: Inbound[TargetT]) -> tuple[Actions, bool]:
        if inbound.event is None:
            return self._unreadable(inbound.target), False
        if inbound.upload is not None:
            return await self._read_runs(inbound, inbound.upload)

        def stamp(response: Response) -> Hook:
            # The complete replies: the service makes every one before or inside the commit.
            return store.record_hook(inbound.key, self.actions(response, inbound.target),
                                     self.clock(), OWNER_LEASE)

        response = await self.converse(inbound.sender, inbound.event, stamp)
        return self.actions(response, inbound.target), response.stamped

    async def _read_runs(self, inbound: Inbound[TargetT],
                         upload: FileUpload) -> tuple[Actions, bool]:
        """A run file: refused on its declared size before a byte is fetched; otherwise read
        off the loop, and its runs committed with the event's record and replies."""
        runs = RunService(self.engine, self.service.content, self.service.clock)

        def answer(message: RenderedMessage) -> Actions:
            return self.actions(Response((message,)), inbound.target)

        too_big = runs.too_big(Upload(upload.name, upload.size))
        if too_big is not None:
            return answer(too_big), False
        data = await upload.fetch()
        if data is None:
            return answer(runs.refused("not_fetched")), False

        def stamp(message: RenderedMessage) -> Hook:
            return store.record_hook(inbound.key, answer(message), self.clock(), OWNER_LEASE)

        outcome = await runs.receive_async(inbound.sender.telegram_id,
                                           Upload(upload.name, upload.size, data), stamp)
        return answer(outcome.message), outcome.hooked

    async def _send(self, actions: Actions, key: int | None) -> None:
        try:
            await self.deliver(actions)
        except RecipientGoneError as gone:
            log.info("user %s blocked the bot; marking inactive", gone.telegram_id)
            await self._retrying(self.service.mark_unreachable, gone.telegram_id)
        if key is None:
            return
        try:
            await self.sent.submit(key)
        except RETRYABLE as exc:
            log.warning("replies of event %s went out but could not be marked sent (%s); "
                        "a re-delivery may repeat them", key, type(exc).__name__)

    def _error(self, target: TargetT) -> Actions:
        return self.actions(Response((self.service.render_error(),)), target)

    def _unreadable(self, target: TargetT) -> Actions:
        content = self.service.content
        response = Response((content.render(Reply("button_unreadable")),),
                            toast=content.label("toast.unreadable"))
        return self.actions(response, target)

    async def _retrying(self, work: Callable[..., T], *args: object) -> T:
        delay = FIRST_DELAY
        while True:
            try:
                result = await asyncio.to_thread(work, *args)
            except RETRYABLE as exc:
                self._trouble(exc)
                await asyncio.sleep(delay)
                delay = min(delay * 2, MAX_DELAY)
                continue
            self._recovered()
            return result

    def _trouble(self, exc: Exception) -> None:
        if not self.troubled:
            log.warning("the database is not answering (%s); events wait and are retried",
                        _first_line(exc))
        self.troubled = True

    def _recovered(self) -> None:
        if self.troubled:
            log.info("the database answers again; waiting events go ahead")
        self.troubled = False

    # --- database work, run in a worker thread ---------------------------------------------

    def _processed(self, keys: list[int]) -> set[int]:
        with self.engine.connect() as conn:
            return store.processed_among(conn, keys)

    def _claim(self, key: int) -> Actions | datetime | None:
        with self.engine.begin() as conn:
            return store.claim_unsent(conn, key, self.clock(), RESEND_LEASE)

    def _prune(self) -> int:
        with self.engine.begin() as conn:
            return store.prune(conn, self.clock() - KEEP_RECORDS)

    def _mark_sent(self, keys: Sequence[int]) -> list[bool | None]:
        with self.engine.begin() as conn:
            store.mark_sent(conn, keys, self.clock())
        return [True] * len(keys)


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:200] if text else type(exc).__name__
