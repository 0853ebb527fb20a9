"""The Mini App's week and progress endpoints at N concurrent runners, against a static file
served by the same server: median and p99 per request, and the ratio to the static file.

Each runner is coached (screened, with --weeks of done sessions) and signs its own requests
with launch data; the requests of a round go out together, one per runner.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from datetime import UTC, date, datetime, timedelta

import tornado.httpclient
from sqlalchemy import select
from sqlalchemy.orm import Session

from benchmarks.harness import fresh_databases, make_core, summary
from bot.db.models import User
from bot.services import feedback
from bot.services.conversation import Sender
from bot.web.coach import WebCoach
from bot.web.serve import listening
from bot.web.server import RateLimit, WebApp
from bot.wiring import Core
from tests.conftest import SCREENING
from tests.support.conversation import Runner
from tests.support.web_app import WEB_TOKEN, launch_data

FIRST_ID = 700_000


def coached(core: Core, telegram_id: int, weeks: int, today: date) -> None:
    """Screened in the chat, then ``weeks`` of two done sessions a week with their outcomes."""
    runner = Runner(core.conversation, Sender(telegram_id, "Runner", "en"))
    runner.command("start")
    runner.walk(SCREENING)
    runner.tap("confirm")
    with Session(core.engine) as db, db.begin():
        user_id = db.scalars(select(User.id).where(User.telegram_id == telegram_id)).one()
        moves = list(core.conversation.catalog.exercises)[:6]
        monday = today - timedelta(days=today.weekday())
        for week in range(weeks):
            for day in (monday - timedelta(weeks=week + 1) + timedelta(days=d) for d in (1, 4)):
                session = feedback.start_session(db, user_id, day, "strength", "done")
                for index, move in enumerate(moves):
                    feedback.record_outcome(
                        db, user_id=user_id, session_id=session.id, exercise_id=move,
                        outcome="hard" if (week + index) % 5 == 0 else "done",
                        source_key=f"bench:{user_id}:{day}:{index}")


async def _round(client: tornado.httpclient.AsyncHTTPClient, urls: list[tuple[str, str]],
                 ) -> tuple[list[float], int]:
    async def one(url: str, init: str) -> tuple[float, int]:
        started = time.perf_counter()
        response = await client.fetch(url, headers={"Authorization": f"tma {init}"})
        return time.perf_counter() - started, len(response.body)
    done = await asyncio.gather(*(one(url, init) for url, init in urls))
    return [t for t, _ in done], done[0][1]


async def _measure(app: WebApp, runners: int, rounds: int) -> dict[str, object]:
    tornado.httpclient.AsyncHTTPClient.configure(None, max_clients=runners)
    client = tornado.httpclient.AsyncHTTPClient()
    now = datetime.now(UTC)
    inits = [launch_data(FIRST_ID + i, now) for i in range(runners)]
    results: dict[str, object] = {}
    async with listening(app, "127.0.0.1", 0) as port:
        base = f"http://127.0.0.1:{port}"
        for name, path in (("static /static/player.js", "/static/player.js"),
                           ("GET /api/week", "/api/week"),
                           ("GET /api/progress", "/api/progress")):
            await _round(client, [(base + path, i) for i in inits])  # warm up
            latencies: list[float] = []
            size = 0
            for _ in range(rounds):
                times, size = await _round(client, [(base + path, i) for i in inits])
                latencies += times
            results[name] = {**summary(latencies), "bytes": size}
    static = results["static /static/player.js"]["p50_ms"]  # type: ignore[index]
    for name in ("GET /api/week", "GET /api/progress"):
        entry = results[name]
        entry["ratio_to_static_p50"] = round(entry["p50_ms"] / static, 1)  # type: ignore[index]
    return results


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks webapp")
    parser.add_argument("--runners", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--weeks", type=int, default=12)
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="postgres")
    args = parser.parse_args(argv)
    with fresh_databases(args.database) as make:
        if make is None:
            print("PostgreSQL is not reachable")
            return 1
        core = make_core(make())
        today = datetime.now(UTC).date()
        for i in range(args.runners):
            coached(core, FIRST_ID + i, args.weeks, today)
        app = WebApp(WebCoach(core.conversation), core.content, WEB_TOKEN,
                     limit=RateLimit(per_minute=1_000_000))
        results = asyncio.run(_measure(app, args.runners, args.rounds))
        core.engine.dispose()
    print(json.dumps({"database": args.database, "runners": args.runners,
                      "weeks": args.weeks, "results": results}, indent=2))
    return 0
