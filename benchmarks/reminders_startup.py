"""Reminder start-up with many runners: our one-job clock vs PTB's JobQueue, one job per runner.

Both start from the same database of N runners with a pre-run schedule each.
Ours: build the ReminderService, start the ReminderClock (one APScheduler interval job), run
the first tick (an index query; nothing is due). Nothing is read per user.
Baseline: what a JobQueue bot has to do at start: read every schedule, ``run_daily`` one job
per runner (time in the runner's zone, minus the lead), start the JobQueue.
The PTB Application is built outside the measured part. Time and memory are separate passes:
tracemalloc slows allocation-heavy code, so it would distort the timing.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import time
import tracemalloc
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, insert, select
from telegram.ext import Application, ApplicationBuilder, CallbackContext

from bot.content.library import ContentLibrary, RenderedMessage
from bot.db import migrate
from bot.db.engine import make_engine
from bot.db.models import ReminderSchedule, User
from bot.domain.parsing import WEEKDAYS
from bot.paths import content_dir
from bot.services.reminder_clock import ReminderClock
from bot.services.reminders import ReminderService
from tests.support.fake_request import TEST_TOKEN, FakeBotApi

App = Application[Any, Any, Any, Any, Any, Any]
RESULTS = Path(__file__).parent / "results"
ZONES = ("Europe/Berlin", "America/New_York", "Australia/Sydney", "Asia/Kolkata",
         "Pacific/Chatham")
CHUNK = 10_000


class NoSender:
    async def send(self, chat_id: int, message: RenderedMessage) -> int:
        raise AssertionError("nothing is due during start-up")


def populate(engine: Engine, users: int) -> None:
    tomorrow = datetime.now(UTC) + timedelta(days=1)
    with engine.begin() as conn:
        for first in range(0, users, CHUNK):
            rows = range(first, min(users, first + CHUNK))
            ids = conn.execute(insert(User).returning(User.id), [
                {"telegram_id": 1_000_000 + n, "name": "", "active": True} for n in rows
            ]).scalars().all()
            conn.execute(insert(ReminderSchedule), [
                {"user_id": user_id, "kind": "pre_run", "zone": ZONES[n % len(ZONES)],
                 "local_time": f"{6 + n % 14:02d}:{(n * 5) % 60:02d}",
                 "days": [WEEKDAYS[n % 7], WEEKDAYS[(n + 3) % 7]], "lead_minutes": 45,
                 "quiet_start": "22:00", "quiet_end": "07:00", "skipped_dates": [],
                 "next_due_at": tomorrow, "run_at": tomorrow + timedelta(minutes=45),
                 "occurrence_key": f"{tomorrow.date().isoformat()}:pre_run"}
                for n, user_id in zip(rows, ids, strict=True)])


async def ours(engine: Engine, content: ContentLibrary) -> Callable[[], Awaitable[None]]:
    service = ReminderService(engine, content, NoSender())
    clock = ReminderClock(service)
    clock.start()
    assert clock._drain is not None
    report = await clock._drain
    assert report.claimed == 0
    return clock.stop


async def _reminder(_context: CallbackContext[Any, Any, Any, Any]) -> None:
    """The per-runner job's callback (never reached: nothing is due during start-up)."""


async def baseline(engine: Engine, app: App) -> Callable[[], Awaitable[None]]:
    job_queue = app.job_queue
    assert job_queue is not None
    with engine.connect() as conn:
        rows = conn.execute(select(ReminderSchedule.user_id, User.telegram_id,
                                   ReminderSchedule.zone, ReminderSchedule.local_time,
                                   ReminderSchedule.days, ReminderSchedule.lead_minutes)
                            .join(User, User.id == ReminderSchedule.user_id)).all()
    for user_id, chat_id, zone, local_time, days, lead in rows:
        hours, minutes = map(int, local_time.split(":"))
        at = datetime(2000, 1, 1, hours, minutes) - timedelta(minutes=lead)
        job_queue.run_daily(_reminder, clock_time(at.hour, at.minute, tzinfo=ZoneInfo(zone)),
                            days=tuple((WEEKDAYS.index(d) + 1) % 7 for d in days),
                            chat_id=chat_id, user_id=user_id, name=f"reminder-{user_id}")
    await job_queue.start()

    async def stop() -> None:
        await job_queue.stop(wait=False)

    return stop


def ptb_app() -> App:
    return ApplicationBuilder().token(TEST_TOKEN).request(FakeBotApi()).build()


async def timed(start: Callable[[], Awaitable[Callable[[], Awaitable[None]]]]) -> float:
    gc.collect()
    began = time.perf_counter()
    stop = await start()
    elapsed = time.perf_counter() - began
    await stop()
    return elapsed


async def peak_memory(start: Callable[[], Awaitable[Callable[[], Awaitable[None]]]]) -> int:
    gc.collect()
    tracemalloc.start()
    stop = await start()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    await stop()
    return peak


async def measure(engine: Engine, content: ContentLibrary) -> dict[str, float]:
    # One throwaway start of ours first (SQLAlchemy statement caches, APScheduler set-up): the
    # baseline's own first-use costs are noise next to its per-runner work.
    await timed(lambda: ours(engine, content))
    ours_s = await timed(lambda: ours(engine, content))
    base_s = await timed(lambda: baseline(engine, ptb_app()))
    ours_b = await peak_memory(lambda: ours(engine, content))
    base_b = await peak_memory(lambda: baseline(engine, ptb_app()))
    return {"ours_s": round(ours_s, 4), "jobqueue_s": round(base_s, 3),
            "time_ratio": round(ours_s / base_s, 5),
            "ours_peak_mb": round(ours_b / 2**20, 3), "jobqueue_peak_mb": round(base_b / 2**20, 1),
            "memory_ratio": round(ours_b / base_b, 5)}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks reminders_startup")
    parser.add_argument("--users", type=int, default=100_000)
    args = parser.parse_args(argv)
    content = ContentLibrary(content_dir())
    with TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{tmp}/startup.db")
        migrate.upgrade(engine)
        populate(engine, args.users)
        result = asyncio.run(measure(engine, content))
        engine.dispose()
    result["users"] = args.users
    print(f"{args.users} runners, SQLite; memory = tracemalloc peak of a separate start")
    print(f"{'':<10} {'ours':>10} {'JobQueue':>10} {'ratio':>9}")
    print(f"{'time s':<10} {result['ours_s']:>10} {result['jobqueue_s']:>10} "
          f"{result['time_ratio']:>9}")
    print(f"{'peak MB':<10} {result['ours_peak_mb']:>10} {result['jobqueue_peak_mb']:>10} "
          f"{result['memory_ratio']:>9}")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "reminders_startup.json").write_text(json.dumps(result, indent=2))
    return 0
