"""One send budget: never more than the configured rate in any one-second window, measured
where it counts, at the Bot API, and one active reminder sender per database.

Why the pacer counts a request until its answer comes back: the Bot API sees a request at some
moment between the client starting it and reading the answer. If request ``i + N`` starts only
after request ``i`` has *ended* plus one second, no one-second window can hold both, however
late a busy machine lets a request leave or however long the network holds it: so at most N
(= the rate) fall in any window, by construction rather than by timing luck. It costs one round
trip per second of throughput (about 1-2% at 30/s on a local network). Sends are also spaced
1/rate apart, so the budget is spent evenly rather than in one burst per second.

Why one active sender rather than a shared bucket: a bucket row in PostgreSQL would cost a
write per message and still leave each process's own network delay outside the count. With one
sender elected by a PostgreSQL advisory lock, the pacer above is the whole budget; the other
workers (and ``hipcoach run``'s clock) stand by and take over within a tick if it dies (the
lock goes with its connection). A new leader first waits one window, so the last sends of the
one before it and its own never share a second. On SQLite the single-worker file lock
(reminder_clock.SingleWorkerLock) already makes one sender.

Not covered: the bot's replies to runners, which PTB's own limiter paces in the bot process.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Protocol

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError

log = logging.getLogger(__name__)

# One election per database and schema (a schema is one deployment; tests use one each):
# "hipc" in ASCII, then the schema's name hashed.
_TRY_LOCK = text("SELECT pg_try_advisory_lock(1751740515, hashtext(current_schema()))")
_UNLOCK = text("SELECT pg_advisory_unlock(1751740515, hashtext(current_schema()))")


class PacerClock(Protocol):
    """Where the pacer reads the time and waits: the event loop's clock in the bot, a virtual
    one in tests (so 2,000 paced sends cost no real minute)."""

    def time(self) -> float: ...

    async def sleep(self, seconds: float) -> None: ...


class LoopClock:
    """The running event loop's monotonic clock, and real waiting."""

    def time(self) -> float:
        return asyncio.get_running_loop().time()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


@dataclass
class _Flight:
    ended: asyncio.Event = field(default_factory=asyncio.Event)
    end: float = 0.0


class Pacer:
    """At most ``rate`` requests in any one-second window, spaced ``1/rate`` apart; held back
    while Telegram says to wait (``hold``)."""

    WINDOW = 1.0
    # Clock granularity and the event loop's own resolution; the window rule needs no more.
    SLACK = 0.002

    def __init__(self, rate_per_second: float, clock: PacerClock | None = None) -> None:
        self.clock: PacerClock = clock or LoopClock()
        self.rate_per_second = rate_per_second
        self.spacing = 1.0 / rate_per_second
        self.limit = max(1, math.floor(rate_per_second * self.WINDOW))
        self._recent: deque[_Flight] = deque(maxlen=self.limit)
        self._next_slot = 0.0
        self._resume_at = 0.0
        self._turn = asyncio.Lock()  # first come, first served

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Wait for a send slot; the request made inside counts until the block ends."""
        flight = await self._acquire()
        try:
            yield
        finally:
            flight.end = self.clock.time()
            flight.ended.set()

    async def _acquire(self) -> _Flight:
        async with self._turn:
            while True:
                bound = max(self._next_slot, self._resume_at)
                if len(self._recent) == self.limit:
                    oldest = self._recent[0]
                    await oldest.ended.wait()
                    bound = max(bound, oldest.end + self.WINDOW + self.SLACK)
                now = self.clock.time()
                if now >= bound:
                    break
                await self.clock.sleep(bound - now)
            flight = _Flight()
            self._recent.append(flight)
            # Anchor on the grid, not on when we woke: lateness is made up on the next send
            # (the window rule above still bounds the second).
            self._next_slot = max(bound, now - self.spacing) + self.spacing
            return flight

    async def unheld(self) -> None:
        """Wait out a hold that began after this slot was granted (a 429 to another send)."""
        while (delay := self._resume_at - self.clock.time()) > 0:
            await self.clock.sleep(delay)

    def hold(self, seconds: float) -> None:
        self._resume_at = max(self._resume_at, self.clock.time() + seconds)


class SenderElection:
    """Who sends reminders now: on PostgreSQL the holder of one advisory lock, on SQLite always
    this process (the clock's file lock has already chosen it)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.shared = engine.dialect.name == "postgresql"
        self._held: Connection | None = None

    @property
    def leading(self) -> bool:
        return not self.shared or self._held is not None

    def try_lead(self) -> bool:
        """True when this process is the sender now. Blocking: call it from a worker thread."""
        if not self.shared:
            return True
        if self._held is not None:
            if self._alive(self._held):
                return True
            log.warning("lost the reminder sender lock with its database connection")
            self._drop(self._held)
        # The lock lives as long as this session: the connection stays checked out meanwhile.
        conn = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        try:
            won = bool(conn.execute(_TRY_LOCK).scalar())
        except DBAPIError:
            self._drop(conn)
            raise
        if not won:
            conn.close()
            return False
        self._held = conn
        log.info("this process now sends reminders; any other worker stands by")
        return True

    @staticmethod
    def _alive(conn: Connection) -> bool:
        try:
            conn.execute(text("SELECT 1"))
        except DBAPIError:
            return False
        return True

    def release(self) -> None:
        held, self._held = self._held, None
        if held is None:
            return
        try:
            held.execute(_UNLOCK)
            held.close()
        except DBAPIError:
            self._drop(held)  # the lock went with the connection anyway

    def _drop(self, conn: Connection) -> None:
        if conn is self._held:
            self._held = None
        try:
            conn.invalidate()
        finally:
            conn.close()


__all__ = ["LoopClock", "Pacer", "PacerClock", "SenderElection"]
