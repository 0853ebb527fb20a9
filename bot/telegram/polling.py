"""Our own getUpdates loop: the offset moves past an update only once it is handled.

PTB's Updater confirms an update as soon as it has fetched it, so a crash or a database
outage afterwards loses it for good. Here Telegram is told (the next ``offset``) only up to
the oldest update still in flight; everything after it is re-delivered if we die, and the
inbox recognises what was already stored. Different users' updates run concurrently, one
user's strictly in order.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from functools import partial

from telegram import Bot, Update
from telegram.error import InvalidToken, NetworkError, RetryAfter, TelegramError

from bot.telegram.inbox import MAX_DELAY, DurableInbox
from bot.telegram.outbox import seconds_of

log = logging.getLogger(__name__)

ALLOWED_UPDATES = ["message", "edited_message", "callback_query"]
POLL_SECONDS = 10
# While an update is in flight Telegram keeps handing it back; between such answers we wait
# for an update to finish, or this long, so new updates still come in promptly.
RECHECK_SECONDS = 0.25
# How long a stop waits for updates in flight; what is left is re-delivered on the next start.
DRAIN_SECONDS = 10.0


class Poller:
    def __init__(self, bot: Bot, inbox: DurableInbox, concurrency: int = 64) -> None:
        self.bot = bot
        self.inbox = inbox
        self.slots = asyncio.Semaphore(concurrency)
        self.concurrency = concurrency
        self.in_flight: dict[int, asyncio.Task[None]] = {}
        self.abandoned: set[int] = set()  # stopped unfinished: must come again
        self.tails: dict[int, asyncio.Task[None]] = {}
        self.highest = -1  # every update up to this id has been taken in by this process
        self.stop = asyncio.Event()

    @property
    def offset(self) -> int | None:
        """Confirms every update below the oldest one still in flight."""
        if self.in_flight or self.abandoned:
            return min([*self.in_flight, *self.abandoned])
        return self.highest + 1 if self.highest >= 0 else None

    async def run(self) -> None:
        try:
            while not self.stop.is_set():
                updates = await self._fetch()
                fresh = [u for u in updates if u.update_id > self.highest]
                if fresh:
                    await self._take_in(fresh)
                if (updates and not fresh) or len(self.in_flight) >= self.concurrency:
                    await self._wait_for_progress()
        finally:
            await self._drain()

    async def _fetch(self) -> Sequence[Update]:
        delay = 0.5
        while not self.stop.is_set():
            try:
                return await self._long_poll()
            except RetryAfter as exc:
                await self._pause(seconds_of(exc.retry_after))
            except InvalidToken:
                raise
            except (NetworkError, TelegramError) as exc:
                log.warning("getUpdates failed (%s); trying again", exc)
                await self._pause(delay)
                delay = min(delay * 2, MAX_DELAY)
        return ()

    async def _long_poll(self) -> Sequence[Update]:
        """One getUpdates, cut short by a stop (nothing new is confirmed by cutting it)."""
        fetch = asyncio.create_task(self.bot.get_updates(
            offset=self.offset, timeout=POLL_SECONDS, allowed_updates=ALLOWED_UPDATES))
        stopped = asyncio.create_task(self.stop.wait())
        try:
            await asyncio.wait([fetch, stopped], return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopped.cancel()
        if not fetch.done():
            fetch.cancel()
            return ()
        return fetch.result()

    async def _take_in(self, updates: Sequence[Update]) -> None:
        seen = await self.inbox.processed_among([u.update_id for u in updates])
        for update in updates:
            self.highest = max(self.highest, update.update_id)
            user = update.effective_user.id if update.effective_user else None
            previous = self.tails.get(user) if user is not None else None
            task = asyncio.create_task(self._handle(update, update.update_id in seen, previous))
            self.in_flight[update.update_id] = task
            task.add_done_callback(partial(self._done, update.update_id))
            if user is not None:
                self.tails[user] = task
                task.add_done_callback(partial(self._forget, user))

    async def _handle(self, update: Update, seen: bool,
                      previous: asyncio.Task[None] | None) -> None:
        if previous is not None:
            await asyncio.wait([previous])  # this user's earlier update first
        async with self.slots:
            if seen:
                await self.inbox.resend(update.update_id)
            else:
                await self.inbox.process(update, checked=True)

    def _done(self, update_id: int, task: asyncio.Task[None]) -> None:
        del self.in_flight[update_id]
        if task.cancelled():
            self.abandoned.add(update_id)
        elif task.exception() is not None:
            # The inbox answers every failure itself; this is a bug, and the update is
            # confirmed anyway so that it cannot stall everyone behind it.
            log.error("update %s failed", update_id, exc_info=task.exception())

    def _forget(self, user: int, task: asyncio.Task[None]) -> None:
        if self.tails.get(user) is task:
            del self.tails[user]

    async def _wait_for_progress(self) -> None:
        waiting = [*self.in_flight.values()]
        stopped = asyncio.create_task(self.stop.wait())
        try:
            await asyncio.wait([*waiting, stopped], timeout=RECHECK_SECONDS,
                               return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopped.cancel()

    async def _pause(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.stop.wait(), timeout=seconds)

    async def _drain(self) -> None:
        """Lets updates in flight finish (for a while), then tells Telegram what is done."""
        if self.in_flight:
            await asyncio.wait([*self.in_flight.values()], timeout=DRAIN_SECONDS)
        unfinished = [*self.in_flight.values()]
        for task in unfinished:
            task.cancel()
        if unfinished:
            await asyncio.wait(unfinished)
        if self.offset is None:
            return
        try:
            await self.bot.get_updates(offset=self.offset, timeout=0,
                                       allowed_updates=ALLOWED_UPDATES)
        except TelegramError as exc:
            log.info("could not confirm the last updates (%s); they come again", exc)

