"""The clock: one repeating APScheduler job that keeps the reminder tick going.

Nothing per user lives here: start-up adds one job, however many runners there are; the
schedule is the ``reminder_schedules`` table. The job only makes sure a drain of due reminders
is running, so a long drain (a 10,000-reminder minute takes ~6 min at 30 msg/s) never piles up
overlapping runs or APScheduler "skipped: maximum number of running instances" warnings.

Workers: on PostgreSQL any number may run; one of them (or ``hipcoach run``'s clock) is elected
to send and the rest stand by, so the send budget is one (send_budget). SQLite is one machine,
one writer: a second worker on the same file refuses to start.
"""

from __future__ import annotations

import asyncio
import fcntl
import logging
import os
from pathlib import Path
from typing import IO

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy import Engine

from bot.services.reminders import ReminderService, TickReport
from bot.services.send_budget import Pacer

log = logging.getLogger(__name__)

DEFAULT_TICK_SECONDS = 20.0


class WorkerAlreadyRunningError(Exception):
    """Another reminder worker holds this SQLite database."""


class SingleWorkerLock:
    """An OS file lock beside the SQLite file; the OS drops it if the process dies."""

    def __init__(self, engine: Engine) -> None:
        database = engine.url.database
        self.path = (Path(f"{database}.reminder-worker.lock")
                     if engine.dialect.name == "sqlite" and database not in (None, "", ":memory:")
                     else None)
        self._handle: IO[str] | None = None

    def acquire(self) -> None:
        if self.path is None:
            return
        handle = self.path.open("a+", encoding="utf-8")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            handle.close()
            raise WorkerAlreadyRunningError(
                f"A reminder worker ({holder}) is already running on {self.path.parent}/"
                f"{self.path.name.removesuffix('.reminder-worker.lock')}. SQLite allows one; "
                "stop the other worker, or use PostgreSQL (DATABASE_URL) to run several."
            ) from None
        handle.truncate(0)
        handle.write(f"pid {os.getpid()}")
        handle.flush()
        self._handle = handle

    def release(self) -> None:
        if self._handle is not None:
            fcntl.flock(self._handle, fcntl.LOCK_UN)
            self._handle.close()
            self._handle = None


class ReminderClock:
    def __init__(self, service: ReminderService,
                 every_seconds: float = DEFAULT_TICK_SECONDS) -> None:
        self.service = service
        self.every_seconds = every_seconds
        self.scheduler = AsyncIOScheduler(timezone="UTC")
        self.lock = SingleWorkerLock(service.engine)
        self._drain: asyncio.Task[TickReport] | None = None

    def start(self) -> None:
        """Call from inside the running event loop (e.g. PTB's post_init)."""
        self.lock.acquire()
        # A process started right after another sender died (a restart, a take-over) must not
        # share a second with that sender's last messages.
        self.service.pacer.hold(Pacer.WINDOW + Pacer.SLACK)
        # A coroutine job: APScheduler's asyncio executor runs plain functions in a thread.
        self.scheduler.add_job(self._on_interval, "interval", seconds=self.every_seconds,
                               id="reminder-tick", max_instances=1, coalesce=True,
                               misfire_grace_time=None, replace_existing=True)
        self.scheduler.start()
        self.kick()

    async def _on_interval(self) -> None:
        self.kick()

    def kick(self) -> None:
        """Start a drain unless one is already running."""
        if self._drain is None or self._drain.done():
            self._drain = asyncio.get_running_loop().create_task(self._run_tick())

    async def _run_tick(self) -> TickReport:
        try:
            report = await self.service.tick()
        except Exception:  # a bad tick is logged; the next one comes in every_seconds
            log.exception("reminder tick failed")
            return TickReport()
        if report.claimed or report.skipped:
            log.info("reminder tick: %s", report)
        return report

    async def stop(self) -> None:
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        if self._drain is not None:
            await asyncio.gather(self._drain, return_exceptions=True)
        await asyncio.to_thread(self.service.election.release)
        self.lock.release()


__all__ = ["ReminderClock", "SingleWorkerLock", "WorkerAlreadyRunningError"]
