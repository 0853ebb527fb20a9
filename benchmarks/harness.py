"""Shared pieces of the latency benchmarks: the real bot on PTB's real Application (its update
queue and per-user processor), a fake Bot API in the same process, and a clock on each update
from the moment it is queued to the moment its handler has sent every reply.
"""

from __future__ import annotations

import asyncio
import itertools
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from telegram import Update
from telegram.ext import Application, ContextTypes

from benchmarks.update_path import postgres_schema, screening_script
from bot.config import Settings
from bot.db.models import User
from bot.services import feedback
from bot.telegram.app import build_application, register_handlers
from bot.telegram.handlers import Handlers
from bot.telegram.inbox import DurableInbox
from bot.wiring import Core, build_core
from tests.support.conversation import Runner, path_to
from tests.support.fake_request import (
    TEST_TOKEN,
    FakeBotApi,
    callback_update,
    command_update,
    message_update,
    to_update,
)
from tests.support.screening import Step, complete

App = Application[Any, Any, Any, Any, Any, Any]

# A coached runner: screened (Mon, Wed, Sat at 18:00 in Berlin; a band; 15 minutes), step by
# step as the dialogue asks today (tests/support/screening.py), up to "Looks right".
COACHED_SCREENING: list[Step] = path_to(complete({
    "pain": "none", "red_flags": [], "thigh_left": "pass", "thigh_right": "pass",
    "knee_lift": "pass", "goal": "speed", "equipment": ["band"],
    "run_days": ["mon", "wed", "sat"], "run_time": "18:00", "timezone": "Europe/Berlin",
    "minutes": 15,
}))
SESSION_DAYS = (0, 2, 5)  # Mon, Wed, Sat
MOVES_PER_SESSION = 8


class TimedHandlers(Handlers):
    """Our handlers, plus a note of when each update's handling (replies included) ended."""

    def __init__(self, inbox: DurableInbox) -> None:
        super().__init__(inbox)
        self.waiting: dict[int, asyncio.Future[float]] = {}

    async def on_update(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        try:
            await super().on_update(update, context)
        finally:
            self._done(update)

    def _done(self, update: Update) -> None:
        future = self.waiting.pop(update.update_id, None)
        if future is not None and not future.done():
            future.set_result(time.perf_counter())


@dataclass
class Bench:
    core: Core
    app: App
    handlers: TimedHandlers
    next_update_id: int = 1

    async def reply_latency(self, raw: dict[str, Any]) -> float:
        """Seconds from queueing ``raw`` to the end of its handling, replies sent."""
        raw = {**raw, "update_id": self.next_update_id}
        self.next_update_id += 1
        update = to_update(raw, self.app.bot)
        future: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self.handlers.waiting[update.update_id] = future
        started = time.perf_counter()
        self.app.update_queue.put_nowait(update)
        return await future - started


def make_core(database_url: str) -> Core:
    return build_core(Settings(database_url=database_url, telegram_bot_token=None))


def make_bench(core: Core) -> Bench:
    api = FakeBotApi()
    app = build_application(TEST_TOKEN, "http://bot-api.invalid", core.conversation,
                            core.content, request=api, updates_request=FakeBotApi(api.backend),
                            rate_limit=False)
    handlers = TimedHandlers(DurableInbox(core.conversation, app.bot,
                                          core.content.label("location.share")))
    app.handlers.clear()
    app.error_handlers.clear()
    register_handlers(app, handlers)
    return Bench(core, app, handlers)


@contextmanager
def fresh_databases(name: str) -> Iterator[Callable[[], str] | None]:
    """Makes an empty database per call (a SQLite file, or a PostgreSQL schema), all removed
    at the end; None when PostgreSQL is not reachable."""
    with TemporaryDirectory() as tmp, ExitStack() as stack:
        numbers = itertools.count(1)
        if name == "sqlite":
            yield lambda: f"sqlite:///{Path(tmp) / f'bench-{next(numbers)}.db'}"
            return

        def schema() -> str:
            url = stack.enter_context(postgres_schema())
            assert url is not None, "PostgreSQL went away during the benchmark"
            return url

        with postgres_schema() as probe:
            reachable = probe is not None
        yield schema if reachable else None


def screening_for(user: int) -> list[dict[str, Any]]:
    """A new runner's screening as raw updates; taps carry the turn a fresh runner has."""
    updates = []
    for kind, payload in screening_script():
        if kind == "tap":
            keyboard = {"inline_keyboard": [[{"text": "answer", "callback_data": payload}]]}
            updates.append(callback_update(0, user, payload, message_id=1,
                                           reply_markup=keyboard))
        elif payload.startswith("/"):
            updates.append(command_update(0, user, payload))
        else:
            updates.append(message_update(0, user, payload))
    return updates


def coached_runner(core: Core, telegram_id: int, weeks: int, today: date) -> int:
    """Screens a runner through the service, then stores ``weeks`` of done sessions."""
    from bot.services.conversation import Sender

    runner = Runner(core.conversation, Sender(telegram_id, "Runner", "en"))
    runner.command("start")
    runner.walk(COACHED_SCREENING)
    runner.tap("confirm")
    with Session(core.engine) as db, db.begin():
        user_id = db.scalars(select(User.id).where(User.telegram_id == telegram_id)).one()
        assert core.conversation.catalog is not None
        moves = list(core.conversation.catalog.exercises)[:MOVES_PER_SESSION]
        monday = today - timedelta(days=today.weekday())
        for week in range(weeks):
            for weekday in SESSION_DAYS:
                day = monday - timedelta(weeks=week) + timedelta(days=weekday)
                if day > today:
                    continue
                session = feedback.start_session(db, user_id, day, "strength", "done")
                for index, move in enumerate(moves):
                    feedback.record_outcome(
                        db, user_id=user_id, session_id=session.id, exercise_id=move,
                        outcome="hard" if (week + index) % 5 == 0 else "done",
                        source_key=f"bench:{user_id}:{day}:{index}")
    return user_id


def summary(latencies: list[float]) -> dict[str, float]:
    ordered = sorted(latencies)
    return {"n": len(ordered),
            "p50_ms": round(statistics.median(ordered) * 1000, 2),
            "p99_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000, 2),
            "max_ms": round(ordered[-1] * 1000, 2)}
