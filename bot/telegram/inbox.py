"""Durable input: an update counts as handled only once its effects are committed.

The update is recorded as processed, with the Bot API calls it owes (its outbox), in the very
transaction that stores its effects; the calls are made after the commit and then marked sent.
So a re-delivered update (a crash before Telegram was told, a webhook retried) is recognised,
never applied twice, and still gets the replies it was owed. While the database is away an
update waits and is retried; the runner is never told something was kept when it was not.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import TypeVar

from sqlalchemy.exc import (
    DisconnectionError,
    IntegrityError,
    InterfaceError,
    OperationalError,
    PendingRollbackError,
)
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from telegram import Bot, Update
from telegram.error import Forbidden

from bot.db import inbox as store
from bot.db.inbox import Actions, Hook
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
from bot.telegram.convert import Intake, Target, intake_of
from bot.telegram.outbox import actions_for, deliver
from bot.telegram.run_files import read_run_file

log = logging.getLogger(__name__)

# Worth waiting out: the database is unreachable, busy or restarting, or a write kept losing.
RETRYABLE = (OperationalError, InterfaceError, DisconnectionError, PoolTimeoutError,
             PendingRollbackError, IntegrityError, ConcurrentUpdateError)
FIRST_DELAY = 0.2
MAX_DELAY = 5.0
# Long enough for the process that committed an update to send its replies; after that a
# re-delivery may take the outbox over (the first process is presumed dead).
OWNER_LEASE = timedelta(seconds=5)
RESEND_LEASE = timedelta(seconds=60)
# Telegram re-delivers for 24 hours at most; older records are forgotten.
KEEP_RECORDS = timedelta(days=3)
PRUNE_EVERY = 10_000

T = TypeVar("T")


class DurableInbox:
    def __init__(self, service: ConversationService, bot: Bot, location_label: str,
                 clock: Callable[[], datetime] = utc_now) -> None:
        self.service = service
        self.engine = service.engine
        self.bot = bot
        self.location_label = location_label
        self.clock = clock
        self.sent: GroupCommitter[int, bool] = GroupCommitter(self._mark_sent)
        self.troubled = False
        self.stored = 0

    async def prune(self) -> None:
        """Forgets updates too old to come again (at start-up, and now and then)."""
        try:
            forgotten = await asyncio.to_thread(self._prune)
        except RETRYABLE as exc:
            log.info("old processed updates not pruned this time (%s)", _first_line(exc))
            return
        if forgotten:
            log.info("forgot %d processed updates older than %s", forgotten, KEEP_RECORDS)

    async def process(self, update: Update, checked: bool = False) -> None:
        """Returns once the update's effects are committed and its replies made.

        ``checked``: the caller already knows the update was not processed before.
        """
        intake = intake_of(update)
        if intake is None:
            return
        if not checked and await self.processed_among([update.update_id]):
            await self.resend(update.update_id)
            return
        await self._apply(update.update_id, intake)

    async def processed_among(self, update_ids: Sequence[int]) -> set[int]:
        """Which of these updates were processed before (waits for the database if need be)."""
        return await self._retrying(self._processed, list(update_ids))

    async def resend(self, update_id: int) -> None:
        """A re-delivered update: its effects are stored; make the calls nobody has made."""
        while True:
            claim = await self._retrying(self._claim, update_id)
            if not isinstance(claim, datetime):
                break
            # Another process holds the replies; if it died, its lease runs out shortly.
            await asyncio.sleep(max((claim - self.clock()).total_seconds(), 0.0) + 0.05)
        if claim is None:
            log.debug("update %s was processed and answered before", update_id)
            return
        log.info("update %s was processed before; sending its stored replies", update_id)
        await self._send(claim, update_id)

    async def _apply(self, update_id: int, intake: Intake) -> None:
        delay = FIRST_DELAY
        while True:
            try:
                actions, stored = await self._handle(update_id, intake)
                break
            except RETRYABLE as exc:
                self._trouble(exc)
            except Exception:
                log.exception("an update could not be handled; the runner is told")
                actions, stored = self._error(intake.target), False
                break
            await asyncio.sleep(delay)
            delay = min(delay * 2, MAX_DELAY)
            if await self.processed_among([update_id]):  # the commit went through after all
                await self.resend(update_id)
                return
        self._recovered()
        await self._send(actions, update_id if stored else None)
        self.stored += stored
        if stored and self.stored % PRUNE_EVERY == 0:
            await self.prune()

    async def _handle(self, update_id: int, intake: Intake) -> tuple[Actions, bool]:
        if intake.event is None:
            return self._unreadable(intake.target), False
        if intake.document is not None:  # a run file: read and stored beside the dialogue
            return await read_run_file(self, update_id, intake, intake.document,
                                       OWNER_LEASE)
        stamped: list[Actions] = []

        def stamp(response: Response) -> Hook:
            stamped.append(self._actions(response, intake.target))
            return store.record_hook(update_id, stamped[-1], self.clock(), OWNER_LEASE)

        response = await self.converse(intake.sender, intake.event, stamp)
        actions = self._actions(response, intake.target)
        if response.stamped and actions != stamped[-1]:
            # Reports made after the commit (a chart, an export) join the stored replies.
            await self._retrying(self._extend, update_id, actions)
        return actions, response.stamped

    async def converse(self, sender: Sender, event: Event, stamp: Stamp) -> Response:
        return await self.service.handle_async(sender, event, stamp)

    async def _send(self, actions: Actions, update_id: int | None) -> None:
        try:
            await deliver(self.bot, actions)
        except Forbidden:
            chat_id = next((a["chat"] for a in actions if "chat" in a), None)
            log.info("user %s blocked the bot; marking inactive", chat_id)
            if chat_id is not None:
                await self._retrying(self.service.mark_unreachable, int(chat_id))
        if update_id is None:
            return
        try:
            await self.sent.submit(update_id)
        except RETRYABLE as exc:
            log.warning("replies of update %s went out but could not be marked sent (%s); "
                        "a re-delivery may repeat them", update_id, type(exc).__name__)

    def _actions(self, response: Response, target: Target) -> Actions:
        return actions_for(response, target, self.location_label)

    def _error(self, target: Target) -> Actions:
        return self._actions(Response((self.service.render_error(),)), target)

    def _unreadable(self, target: Target) -> Actions:
        content = self.service.content
        response = Response((content.render(Reply("button_unreadable")),),
                            toast=content.label("toast.unreadable"))
        return self._actions(response, target)

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
            log.warning("the database is not answering (%s); updates wait and are retried",
                        _first_line(exc))
        self.troubled = True

    def _recovered(self) -> None:
        if self.troubled:
            log.info("the database answers again; waiting updates go ahead")
        self.troubled = False

    # --- database work, run in a worker thread ---------------------------------------------

    def _processed(self, update_ids: list[int]) -> set[int]:
        with self.engine.connect() as conn:
            return store.processed_among(conn, update_ids)

    def _claim(self, update_id: int) -> Actions | datetime | None:
        with self.engine.begin() as conn:
            return store.claim_unsent(conn, update_id, self.clock(), RESEND_LEASE)

    def _extend(self, update_id: int, actions: Actions) -> None:
        with self.engine.begin() as conn:
            store.extend_outbox(conn, update_id, actions)

    def _prune(self) -> int:
        with self.engine.begin() as conn:
            return store.prune(conn, self.clock() - KEEP_RECORDS)

    def _mark_sent(self, update_ids: Sequence[int]) -> list[bool | None]:
        with self.engine.begin() as conn:
            store.mark_sent(conn, update_ids, self.clock())
        return [True] * len(update_ids)


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:200] if text else type(exc).__name__
