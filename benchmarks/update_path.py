"""The full update path against a bare PTB echo handler, both through the same fake Bot API.

Full path: a screening answer arrives as an Update -> the user's row is loaded -> the pure
transition -> the commit -> the reply (sendMessage / answerCallbackQuery / edits).
Baseline: a MessageHandler that replies with the text it got. Same process, same fake API,
no rate limiter on either, so the ratio isolates what Hip Coach adds per update.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

import psycopg
from sqlalchemy import func, select
from telegram import Update
from telegram.ext import Application, ApplicationBuilder, ContextTypes, MessageHandler, filters

from bot.content.exercises import load_catalog
from bot.content.library import ContentLibrary
from bot.db import migrate
from bot.db.engine import make_engine
from bot.db.models import PlanVersion, ReminderSchedule, User
from bot.domain.model import Event
from bot.paths import content_dir
from bot.services.conversation import Response, Sender, Stamp
from bot.services.zones import GeoZoneResolver
from bot.telegram.app import DEFAULT_CONCURRENCY, build_application
from bot.telegram.handlers import Handlers
from bot.telegram.inbox import DurableInbox
from bot.wiring import NoSender, compose
from tests.support.conversation import HAPPY_PATH, Runner
from tests.support.fake_request import (
    TEST_TOKEN,
    FakeBotApi,
    callback_update,
    command_update,
    message_update,
    to_update,
)

App = Application[Any, Any, Any, Any, Any, Any]
POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
RESULTS = Path(__file__).parent / "results"



class _RecordingRunner(Runner):
    """Walks the real dialogue and notes each event as the raw update a client would send."""

    script: list[tuple[str, str]]

    def tap(self, value: str) -> Response:
        self.script.append(("tap", self.keyboard_turn[value].data))
        return super().tap(value)

    def type(self, text: str) -> Response:
        self.script.append(("text", text))
        return super().type(text)

    def command(self, name: str) -> Response:
        self.script.append(("text", f"/{name}"))
        return super().command(name)


@cache
def screening_script() -> tuple[tuple[str, str], ...]:
    """One runner's whole screening, up to "Looks right" (plan built, reminders scheduled), as
    (kind, payload): read from the real dialogue on a scratch database, so each tap carries the
    callback data (and turn) the bot draws for a new runner today and the script cannot drift
    from the questions."""
    with TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{tmp}/script.db")
        migrate.upgrade(engine)
        content = ContentLibrary(content_dir())
        catalog = load_catalog(content_dir())
        content.add_labels({f"exercise.{e.id}": e.name for e in catalog.exercises.values()})
        service, _ = compose(engine, content, catalog, GeoZoneResolver(), NoSender())
        runner = _RecordingRunner(service)
        runner.script = []
        runner.command("start")
        runner.walk(HAPPY_PATH)
        runner.tap("confirm")
        engine.dispose()
    return tuple(runner.script)


def check_ready(database_url: str, telegram_ids: range) -> None:
    """Fails loudly unless every runner of the round finished the screening: screened, a plan
    saved, reminders scheduled. A benchmark that stops short measures something else."""
    engine = make_engine(database_url)
    with engine.connect() as conn:
        users = select(User.id).where(User.telegram_id.between(telegram_ids[0],
                                                               telegram_ids[-1]))
        screened = conn.execute(select(func.count()).select_from(User).where(
            User.id.in_(users), User.screened_at.is_not(None))).scalar_one()
        planned = conn.execute(select(func.count(func.distinct(PlanVersion.user_id))).where(
            PlanVersion.user_id.in_(users))).scalar_one()
        scheduled = conn.execute(select(func.count(func.distinct(ReminderSchedule.user_id)))
                                 .where(ReminderSchedule.user_id.in_(users),
                                        ReminderSchedule.next_due_at.is_not(None))).scalar_one()
    engine.dispose()
    counts = {"screened": screened, "with a plan": planned, "with reminders": scheduled}
    short = {name: n for name, n in counts.items() if n != len(telegram_ids)}
    if short:
        raise NotReadyError(f"{len(telegram_ids)} runners were scripted, but only {short}: "
                            "the screening script no longer reaches the end")


class NotReadyError(RuntimeError):
    """The benchmark's script did not reach the state it claims to measure."""


def screening_updates(users: int, first_user: int, app: App) -> list[Update]:
    # Update ids are unique across rounds, as Telegram's are: a repeated id is a re-delivery.
    script = screening_script()
    updates, update_id = [], first_user * len(script)
    for user in range(first_user, first_user + users):
        for kind, payload in script:
            # Telegram sends the tapped message with its keyboard, so answering a question
            # costs the call that takes that keyboard off (editMessageReplyMarkup), as in use.
            keyboard = {"inline_keyboard": [[{"text": "answer", "callback_data": payload}]]}
            raw = (callback_update(update_id, user, payload, message_id=update_id,
                                   reply_markup=keyboard)
                   if kind == "tap" else
                   command_update(update_id, user, payload) if payload.startswith("/")
                   else message_update(update_id, user, payload))
            updates.append(to_update(raw, app.bot))
            update_id += 1
    return updates


def echo_updates(count: int, app: App) -> list[Update]:
    return [to_update(message_update(i + 1, 10 + i % 50, f"answer {i}"), app.bot)
            for i in range(count)]


async def echo(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.message is not None
    assert update.message.text is not None
    await update.message.reply_text(update.message.text)


def echo_app() -> App:
    api = FakeBotApi()
    app = (ApplicationBuilder().token(TEST_TOKEN).request(api)
           .get_updates_request(FakeBotApi(api.backend))
           .concurrent_updates(DEFAULT_CONCURRENCY).build())
    app.add_handler(MessageHandler(filters.TEXT, echo))
    return app


class ThreadedInbox(DurableInbox):
    """The alternative we measured: each update's own transaction in a worker thread."""

    async def converse(self, sender: Sender, event: Event, stamp: Stamp) -> Response:
        return await asyncio.to_thread(self.service.handle, sender, event)


def coach_app(database_url: str, content: ContentLibrary, zones: GeoZoneResolver,
              threaded: bool) -> App:
    engine = make_engine(database_url)
    migrate.upgrade(engine)
    catalog = load_catalog(content_dir())
    content.add_labels({f"exercise.{e.id}": e.name for e in catalog.exercises.values()})
    service, _ = compose(engine, content, catalog, zones, NoSender())
    api = FakeBotApi()
    app = build_application(TEST_TOKEN, "http://bot-api.invalid", service, content,
                            request=api, updates_request=FakeBotApi(api.backend),
                            rate_limit=False)
    if threaded:
        app.handlers.clear()
        from bot.telegram.app import register_handlers

        app.error_handlers.clear()
        inbox = ThreadedInbox(service, app.bot, content.label("location.share"))
        register_handlers(app, Handlers(inbox))
    return app


async def throughput(app: App, updates: list[Update]) -> float:
    """Updates/s through the application's own queue and update processor, as in polling."""
    await app.initialize()
    await app.start()
    try:
        started = time.perf_counter()
        for update in updates:
            app.update_queue.put_nowait(update)
        await app.update_queue.join()
        elapsed = time.perf_counter() - started
    finally:
        await app.stop()
        await app.shutdown()
    return len(updates) / elapsed


@contextmanager
def postgres_schema() -> Iterator[str | None]:
    dsn = POSTGRES_URL.replace("postgresql+psycopg://", "postgresql://")
    try:
        conn = psycopg.connect(dsn, autocommit=True, connect_timeout=3)
    except psycopg.Error as exc:
        print(f"PostgreSQL skipped: not reachable at {POSTGRES_URL} ({exc})")
        yield None
        return
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    finally:
        conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
        conn.close()


def measure(database_url: str, users: int, rounds: int, threaded: bool) -> dict[str, float]:
    content, zones = ContentLibrary(content_dir()), GeoZoneResolver()
    zones.from_text("Berlin")  # build the city index outside the timed loop
    echo_rates, coach_rates = [], []
    for round_no in range(rounds):
        app = coach_app(database_url, content, zones, threaded)
        first = 100_000 * (round_no + 1)
        updates = screening_updates(users, first, app)
        coach_rates.append(asyncio.run(throughput(app, updates)))
        check_ready(database_url, range(first, first + users))
        base = echo_app()
        echo_rates.append(asyncio.run(throughput(base, echo_updates(len(updates), base))))
    echo_rate, coach_rate = statistics.median(echo_rates), statistics.median(coach_rates)
    return {"echo_updates_per_s": round(echo_rate), "full_path_updates_per_s": round(coach_rate),
            "ratio": round(coach_rate / echo_rate, 3)}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    parser.add_argument("--users", type=int, default=60, help="runners per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--database", default="sqlite,postgres")
    args = parser.parse_args([a for a in argv if a != "update_path"])
    names = args.database.split(",")
    results: dict[str, dict[str, float]] = {}
    with TemporaryDirectory() as tmp:
        for threaded in (False, True):
            mode = "thread" if threaded else "group-commit"
            if "sqlite" in names:
                url = f"sqlite:///{tmp}/bench-{mode}.db"
                results[f"sqlite/{mode}"] = measure(url, args.users, args.rounds, threaded)
            if "postgres" not in names:
                continue
            with postgres_schema() as pg_url:
                if pg_url:
                    results[f"postgresql/{mode}"] = measure(pg_url, args.users, args.rounds,
                                                            threaded)
    _report(results, args.users * len(screening_script()))
    return 0


def _report(results: dict[str, dict[str, float]], per_round: int) -> None:
    print(f"{per_round} screening updates per round; median of rounds")
    print(f"{'database/mode':<20} {'echo upd/s':>11} {'full upd/s':>11} {'ratio':>7}")
    for name, r in results.items():
        print(f"{name:<20} {r['echo_updates_per_s']:>11} {r['full_path_updates_per_s']:>11} "
              f"{r['ratio']:>7}")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "update_path.json").write_text(json.dumps(results, indent=2))

