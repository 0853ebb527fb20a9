"""A clock for the reminder sender on which time passes only while everything waits on it.

Sleepers wait for the virtual time to reach their wake-up. A driver task (``run``) moves the
time to the earliest wake-up whenever nothing else can make progress: no callback ready on
the event loop and no database work running in the clock's own threads (``executor``). So a
paced fan-out of thousands of reminders takes the CPU it needs and no real minute, and every
send, lease and run time is stamped on one consistent time line.

The same clock is the sender's ``datetime`` clock (``clock=virtual.now``), so leases and run
times follow it as well.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Any

BUSY_POLL = 0.001  # real seconds between looks while threads work: a yield, not a timing


class VirtualClock:
    def __init__(self, start: datetime) -> None:
        self.start = start
        self.seconds = 0.0
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()
        self._busy = 0

    def time(self) -> float:
        return self.seconds

    def now(self) -> datetime:
        return self.start + timedelta(seconds=self.seconds)

    async def sleep(self, seconds: float) -> None:
        if seconds <= 0:
            await asyncio.sleep(0)
            return
        wake = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self.seconds + seconds, next(self._order), wake))
        await wake

    def executor(self, workers: int = 1) -> ThreadPoolExecutor:
        """Threads whose work holds the time still (set it as the loop's default executor)."""
        return _CountingExecutor(self, workers)

    async def run(self) -> None:
        """Moves the time on whenever everyone is waiting on it; runs until cancelled."""
        loop = asyncio.get_running_loop()
        while True:
            if self._idle(loop):
                await asyncio.sleep(0)  # once more: a thread may have just handed back
                if self._idle(loop) and self._wake_next():
                    continue
            await asyncio.sleep(BUSY_POLL if self._busy else 0)

    def _idle(self, loop: asyncio.AbstractEventLoop) -> bool:
        ready: Any = getattr(loop, "_ready", ())  # CPython's queue of runnable callbacks
        return self._busy == 0 and len(ready) == 0

    def _wake_next(self) -> bool:
        while self._sleepers and self._sleepers[0][2].done():
            heapq.heappop(self._sleepers)  # a cancelled sleeper
        if not self._sleepers:
            return False
        wake = self._sleepers[0][0]
        self.seconds = max(self.seconds, wake)
        while self._sleepers and self._sleepers[0][0] <= wake:
            future = heapq.heappop(self._sleepers)[2]
            if not future.done():
                future.set_result(None)
        return True

    def _started(self) -> None:
        self._busy += 1

    def _ended(self) -> None:
        self._busy -= 1


class _CountingExecutor(ThreadPoolExecutor):
    def __init__(self, clock: VirtualClock, workers: int) -> None:
        super().__init__(workers)
        self.clock = clock

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        loop = asyncio.get_running_loop()
        self.clock._started()
        outer: Future[Any] = Future()

        def work() -> None:
            try:
                if outer.set_running_or_notify_cancel():
                    outer.set_result(fn(*args, **kwargs))
            except BaseException as exc:  # noqa: BLE001 - handed to whoever awaits it
                outer.set_exception(exc)
            finally:
                # Queued after the waiter's wake-up (set_result queues that): the loop is
                # never seen idle between the work ending and its waiter running.
                loop.call_soon_threadsafe(self.clock._ended)

        super().submit(work)
        return outer
