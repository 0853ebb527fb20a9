"""Reply latency of the real bot (PTB's Application, our handlers and services, a database,
a fake Bot API in the same process), each figure against a baseline from the same run.

busy_neighbour: one runner's /help while another runner's first city lookup (cold index),
    /progress chart or /export is under way, against /help on an idle bot; also with the
    transition run on the event loop, as before this change, for comparison.
coached: updates of coached runners with 12 weeks of history (/today, /plan, /help), against
    the same runners with no history, and against the unbounded history read.
concurrency: p50/p99 of every screening update with 50, 200 and 1,000 runners screening at
    once, against one runner alone, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from benchmarks.harness import (
    COACHED_SCREENING,
    Bench,
    coached_runner,
    fresh_databases,
    make_bench,
    make_core,
    screening_for,
    summary,
)
from bot.domain.model import Event
from bot.services import coaching, zones
from bot.services.conversation import (
    MAX_ATTEMPTS,
    ConcurrentUpdateError,
    ConversationService,
    Response,
    Sender,
    Stamp,
)
from bot.services.zones import GeoZoneResolver
from tests.support.conversation import Runner
from tests.support.fake_request import command_update, message_update
from tests.support.screening import upto

RESULTS = Path(__file__).parent / "results"
IDLE_SAMPLES = 60
MIN_BUSY_SAMPLES = 5


class DecideOnTheLoop(ConversationService):
    """The update path as it was: read, history and transition on the event loop."""

    async def handle_async(self, sender: Sender, event: Event,
                           stamp: Stamp | None = None) -> Response:
        for _ in range(MAX_ATTEMPTS):
            decision = self._decide(sender, event, self._cached(sender.telegram_id), stamp)
            write = decision.write
            result = None if write is None else await self.committer.submit(write)
            if write is None or self._settle(write, result):
                return decision.response()
        raise ConcurrentUpdateError(f"gave up after {MAX_ATTEMPTS} attempts")


async def _started(bench: Bench) -> None:
    await bench.app.initialize()
    await bench.app.start()


async def _stopped(bench: Bench) -> None:
    await bench.app.stop()
    await bench.app.shutdown()


# --- busy neighbour ---------------------------------------------------------------------------


async def _help_until(bench: Bench, user: int, busy: asyncio.Task[float] | None,
                      samples: int) -> list[float]:
    latencies: list[float] = []
    while len(latencies) < samples or (busy is not None and not busy.done()):
        latencies.append(await bench.reply_latency(command_update(0, user, "/help")))
        await asyncio.sleep(0.005)  # a person taps; they do not flood
    return latencies


async def _neighbour_round(bench: Bench, heavy: dict[str, Any]) -> tuple[list[float], float]:
    busy = asyncio.create_task(bench.reply_latency(heavy))
    await asyncio.sleep(0)  # the heavy update is queued first
    latencies = await _help_until(bench, 2, busy, MIN_BUSY_SAMPLES)
    return latencies, await busy


def _cold_city_index() -> None:
    zones._load_city_index.cache_clear()
    zones._timezone_finder.cache_clear()


async def _busy_neighbour(bench: Bench) -> dict[str, Any]:
    await _started(bench)
    try:
        await _help_until(bench, 2, None, MIN_BUSY_SAMPLES)  # first renders, caches filled
        idle = await _help_until(bench, 2, None, IDLE_SAMPLES)
        rounds: dict[str, Any] = {"idle /help": summary(idle)}
        heavy = {"first city lookup (cold index)": message_update(0, 1, "Berlin"),
                 "first /progress chart": command_update(0, 3, "/progress"),
                 "second /progress chart": command_update(0, 3, "/progress"),
                 "/export": command_update(0, 3, "/export")}
        for name, update in heavy.items():
            if "city" in name:
                _cold_city_index()
            latencies, took = await _neighbour_round(bench, update)
            result = summary(latencies)
            result["heavy_update_ms"] = round(took * 1000, 1)
            base = rounds["idle /help"]
            result["p50_ratio_to_idle"] = round(result["p50_ms"] / base["p50_ms"], 2)
            result["max_ratio_to_idle"] = round(result["max_ms"] / base["max_ms"], 2)
            rounds[f"/help during {name}"] = result
        return rounds
    finally:
        await _stopped(bench)


def busy_neighbour(database_url: str, before: bool) -> dict[str, Any]:
    from bot.cli import _import_charting

    _import_charting()  # as `hipcoach run` does at start, in a thread

    core = make_core(database_url)
    if before:
        core.conversation.__class__ = DecideOnTheLoop
    today = datetime.now(UTC).date()
    for telegram_id in (2, 3):
        coached_runner(core, telegram_id, weeks=12, today=today)
    ana = Runner(core.conversation, Sender(1, "Ana", "en"))
    ana.command("start")
    ana.walk(upto(COACHED_SCREENING, "ask:timezone"))  # next she types her city
    return asyncio.run(_busy_neighbour(make_bench(core)))


# --- coached runners --------------------------------------------------------------------------

COACHED_COMMANDS = ("/today", "/plan", "/help")


async def _closed_loop(bench: Bench, users: list[int],
                       updates_for: Callable[[int], list[dict[str, Any]]]) -> list[float]:
    """Every user sends their updates one after another; all users at once."""
    latencies: list[float] = []

    async def one(user: int) -> None:
        for raw in updates_for(user):
            latencies.append(await bench.reply_latency(raw))

    await _started(bench)
    try:
        await asyncio.gather(*(one(user) for user in users))
    finally:
        await _stopped(bench)
    return latencies


def coached(database_url: str, runners: int, weeks: int, rounds: int) -> dict[str, Any]:
    core = make_core(database_url)
    GeoZoneResolver().warm_up()
    today = datetime.now(UTC).date()
    users = [10_000 + n for n in range(runners)]
    for user in users:
        coached_runner(core, user, weeks=weeks, today=today)

    def updates(user: int) -> list[dict[str, Any]]:
        return [command_update(0, user, c) for _ in range(rounds) for c in COACHED_COMMANDS]

    return summary(asyncio.run(_closed_loop(make_bench(core), users, updates)))


def coached_report(database_url: Callable[[], str], runners: int, weeks: int,
                   rounds: int) -> dict[str, Any]:
    fresh = coached(database_url(), runners, 0, rounds)
    history = coached(database_url(), runners, weeks, rounds)
    report = {"no history": fresh, f"{weeks} weeks of history": history,
              "p50 ratio history/no history": round(history["p50_ms"] / fresh["p50_ms"], 2)}
    # The unbounded read it was compared with, while the service still has its bound to lift.
    window = getattr(coaching, "TRAINING_WINDOW", None)
    if window is None:
        return report
    coaching.TRAINING_WINDOW = timedelta(weeks=1000)  # type: ignore[attr-defined]
    try:
        unbounded = coached(database_url(), runners, weeks, rounds)
    finally:
        coaching.TRAINING_WINDOW = window  # type: ignore[attr-defined]
    report[f"{weeks} weeks, whole history"] = unbounded
    report["p50 ratio whole/no history"] = round(unbounded["p50_ms"] / fresh["p50_ms"], 2)
    return report


# --- concurrency ------------------------------------------------------------------------------


def concurrency(database_url: Callable[[], str], users: int) -> dict[str, float]:
    core = make_core(database_url())
    GeoZoneResolver().warm_up()  # as `hipcoach run` does at start
    return summary(asyncio.run(_closed_loop(make_bench(core), list(range(1, users + 1)),
                                            screening_for)))


# --- command line -----------------------------------------------------------------------------


def _each_database(names: list[str], work: Callable[[Callable[[], str]], Any]
                   ) -> dict[str, Any]:
    results: dict[str, Any] = {}
    for name in names:
        with fresh_databases(name) as fresh:
            if fresh is None:
                print(f"{name}: skipped, not reachable")
                continue
            results[name] = work(fresh)
    return results


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks latency")
    parser.add_argument("part", nargs="?", default="all",
                        choices=["all", "busy_neighbour", "coached", "concurrency"])
    parser.add_argument("--users", default="50,200,1000")
    parser.add_argument("--runners", type=int, default=40)
    parser.add_argument("--weeks", type=int, default=12)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--database", default="sqlite,postgres")
    args = parser.parse_args([a for a in argv if a != "latency"])
    names = args.database.split(",")
    parts: dict[str, Callable[[], Any]] = {
        "busy_neighbour": lambda: _each_database(names, lambda url: {
            "transition in a worker thread (now)": busy_neighbour(url(), before=False),
            "transition on the event loop (before)": busy_neighbour(url(), before=True)}),
        "coached": lambda: _each_database(
            names, lambda url: coached_report(url, args.runners, args.weeks, args.rounds)),
        "concurrency": lambda: _each_database(names, lambda url: {
            f"{n} runners": concurrency(url, n) for n in [1, *map(int, args.users.split(","))]}),
    }
    chosen = list(parts) if args.part == "all" else [args.part]
    results = {part: parts[part]() for part in chosen}
    print(json.dumps(results, indent=2))
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"latency-{args.part}.json").write_text(json.dumps(results, indent=2))
    return 0

