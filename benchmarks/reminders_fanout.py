"""Fan-out: N reminders due in the same minute through a Bot API double capped at 30 msg/s.

The double refuses any message past ``rate`` in a one-second window with a 429 and a
``retry_after`` ban (tests.support.reminder_sender.RateCappedSender). The real ReminderService
claims, paces, sends and records against a real database. Reported: achieved send rate as a
share of the cap, 429s, duplicates (in what the double received and in the database), and
lateness (send time minus due time) at p50 and p99. At the cap, lateness is queueing: the
last of 10,000 cannot go out before ~333 s.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from tempfile import TemporaryDirectory

from aiolimiter import AsyncLimiter
from sqlalchemy import Engine, func, insert, select

from benchmarks.update_path import postgres_schema
from bot.content.library import ContentLibrary
from bot.db import migrate
from bot.db.engine import make_engine
from bot.db.models import ReminderDelivery, ReminderSchedule, User
from bot.paths import content_dir
from bot.services.reminders import ReminderService, TickReport
from tests.support.reminder_sender import RateCappedSender

RESULTS = Path(__file__).parent / "results"
CHUNK = 10_000


class AiolimiterPacer:
    """The alternative we measured: aiolimiter's leaky bucket with ``capacity`` slots.

    Capacity 30 over one second is what PTB's AIORateLimiter sets up by default.
    """

    def __init__(self, rate_per_second: float, capacity: float) -> None:
        self._limiter = AsyncLimiter(capacity, capacity / rate_per_second)
        self._resume_at = 0.0

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        await self.unheld()
        await self._limiter.acquire()
        yield

    async def unheld(self) -> None:
        loop = asyncio.get_running_loop()
        while (delay := self._resume_at - loop.time()) > 0:
            await asyncio.sleep(delay)

    def hold(self, seconds: float) -> None:
        self._resume_at = max(self._resume_at, asyncio.get_running_loop().time() + seconds)


def populate(engine: Engine, reminders: int, due: datetime) -> None:
    with engine.begin() as conn:
        for first in range(0, reminders, CHUNK):
            rows = range(first, min(reminders, first + CHUNK))
            ids = conn.execute(insert(User).returning(User.id), [
                {"telegram_id": 1_000_000 + n, "name": "", "active": True} for n in rows
            ]).scalars().all()
            conn.execute(insert(ReminderSchedule), [
                {"user_id": user_id, "kind": "pre_run", "zone": "Europe/Berlin",
                 "local_time": "18:00", "days": ["mon", "thu"], "lead_minutes": 45,
                 "quiet_start": "22:00", "quiet_end": "07:00", "skipped_dates": [],
                 "next_due_at": due, "run_at": due + timedelta(hours=1),
                 "occurrence_key": f"{due.date().isoformat()}:pre_run"} for user_id in ids])


async def fan_out(engine: Engine, content: ContentLibrary, rate: int, pacer: str
                  ) -> tuple[RateCappedSender, TickReport, float, float]:
    api = RateCappedSender(rate=rate, retry_after=1.0)
    service = ReminderService(engine, content, api, rate_per_second=rate)
    if pacer.startswith("aiolimiter"):
        capacity = float(pacer.removeprefix("aiolimiter"))
        service.pacer = AiolimiterPacer(rate, capacity)  # type: ignore[assignment]
    loop = asyncio.get_running_loop()
    started_loop, started_wall = loop.time(), time.time()
    report = await service.tick()
    return api, report, started_loop, started_wall


def measure(database_url: str, reminders: int, rate: int, pacer: str) -> dict[str, float]:
    content = ContentLibrary(content_dir())
    engine = make_engine(database_url)
    migrate.upgrade(engine)
    due = datetime.now(UTC)
    populate(engine, reminders, due)
    api, report, started_loop, started_wall = asyncio.run(fan_out(engine, content, rate, pacer))
    with engine.connect() as conn:
        stored = Counter(conn.execute(select(ReminderDelivery.status)).scalars().all())
        distinct = conn.execute(select(func.count(func.distinct(ReminderDelivery.user_id)))
                                ).scalar_one()
    engine.dispose()
    times = [d.at for d in api.delivered]
    # Every reminder shares one due instant; loop time is monotonic, so convert once.
    offset = started_wall - due.timestamp()
    lateness = sorted(t - started_loop + offset for t in times)
    span = times[-1] - times[0] if len(times) > 1 else float("nan")
    achieved = (len(times) - 1) / span
    received = Counter(d.chat_id for d in api.delivered)
    return {
        "reminders": reminders, "cap_per_s": rate, "pacer": pacer,
        "achieved_per_s": round(achieved, 3), "share_of_cap": round(achieved / rate, 4),
        "http_429": len(api.refused), "http_429_after_first": max(0, len(api.refused) - 1),
        "received": len(api.delivered),
        "duplicates_received": sum(n - 1 for n in received.values()),
        "stored_sent": stored.get("sent", 0), "stored_other": sum(stored.values())
        - stored.get("sent", 0), "stored_distinct_users": distinct,
        "lateness_p50_s": round(statistics.median(lateness), 2),
        "lateness_p99_s": round(lateness[int(0.99 * (len(lateness) - 1))], 2),
        "tick_report_sent": report.sent,
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks reminders_fanout")
    parser.add_argument("--reminders", type=int, default=10_000)
    parser.add_argument("--rate", type=int, default=30, help="the double's cap, msg/s")
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--pacer", choices=("own", "aiolimiter1", "aiolimiter30"),
                        default="own", help="own: the engine's Pacer; else aiolimiter, capacity N")
    args = parser.parse_args(argv)
    with TemporaryDirectory() as tmp:
        if args.database == "sqlite":
            result = measure(f"sqlite:///{tmp}/fanout.db", args.reminders, args.rate,
                             args.pacer)
        else:
            with postgres_schema() as url:
                if url is None:
                    return 1
                result = measure(url, args.reminders, args.rate, args.pacer)
    result_text = "\n".join(f"  {k}: {v}" for k, v in result.items())
    print(f"fan-out on {args.database}:\n{result_text}")
    RESULTS.mkdir(exist_ok=True)
    name = f"reminders_fanout_{args.database}_{args.pacer}_{args.reminders}.json"
    (RESULTS / name).write_text(json.dumps(result, indent=2))
    return 0
