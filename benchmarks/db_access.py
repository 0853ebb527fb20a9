"""Database work off the event loop: our sync engine in worker threads (``asyncio.to_thread``,
what the bot does), the bare sync driver in worker threads (the cost of the thread hop), and
the native async driver (psycopg's AsyncConnection), on PostgreSQL.

Each of ``--tasks`` concurrent tasks reads one runner's row ``--reads`` times, as an update's
read does. SQLAlchemy's async engine would add greenlet (a new dependency) on top of the same
driver, and for SQLite the async driver (aiosqlite) is itself a thread per connection, so the
native driver bounds what an async engine could gain.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import queue
import time
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import text

from benchmarks.update_path import POSTGRES_URL, postgres_schema
from bot.db.engine import make_engine

RESULTS = Path(__file__).parent / "results"
QUERY = "SELECT id, name, timezone FROM bench_users WHERE telegram_id = %s"


URL = POSTGRES_URL  # replaced by a schema of the benchmark's own in main()


def _dsn() -> str:
    return URL.replace("postgresql+psycopg://", "postgresql://")


def _setup(rows: int) -> None:
    with psycopg.connect(_dsn(), autocommit=True) as conn:
        conn.execute("CREATE TABLE bench_users (id serial PRIMARY KEY, telegram_id bigint "
                     "UNIQUE, name text, timezone text)")
        with conn.cursor() as cur:
            cur.executemany("INSERT INTO bench_users (telegram_id, name, timezone) "
                            "VALUES (%s, %s, %s)",
                            [(n, f"runner {n}", "Europe/Berlin") for n in range(rows)])


async def threaded(tasks: int, reads: int) -> float:
    """The bot's way: its own engine (a pool of 5 + overflow), each read in a worker thread."""
    engine = make_engine(URL)
    query = text(QUERY.replace("%s", ":key"))

    def read(key: int) -> Any:
        with engine.connect() as conn:
            return conn.execute(query, {"key": key}).first()

    async def one(task: int) -> None:
        for n in range(reads):
            await asyncio.to_thread(read, (task * reads + n) % 1000)

    try:
        started = time.perf_counter()
        await asyncio.gather(*(one(t) for t in range(tasks)))
        return tasks * reads / (time.perf_counter() - started)
    finally:
        engine.dispose()


async def threaded_driver(tasks: int, reads: int, connections: int = 5) -> float:
    """The same driver as ``native``, synchronous, in worker threads: the thread hop alone."""
    pool: queue.Queue[psycopg.Connection[Any]] = queue.Queue()
    for _ in range(connections):
        pool.put_nowait(psycopg.connect(_dsn(), autocommit=True))

    def read(key: int) -> Any:
        conn = pool.get()
        try:
            return conn.execute(QUERY, (key,)).fetchone()
        finally:
            pool.put_nowait(conn)

    async def one(task: int) -> None:
        for n in range(reads):
            await asyncio.to_thread(read, (task * reads + n) % 1000)

    try:
        started = time.perf_counter()
        await asyncio.gather(*(one(t) for t in range(tasks)))
        return tasks * reads / (time.perf_counter() - started)
    finally:
        while not pool.empty():
            pool.get_nowait().close()


async def native(tasks: int, reads: int, connections: int = 5) -> float:
    """psycopg's async connections, shared through a queue as a pool would."""
    pool: asyncio.Queue[psycopg.AsyncConnection[Any]] = asyncio.Queue()
    for _ in range(connections):
        pool.put_nowait(await psycopg.AsyncConnection.connect(_dsn(), autocommit=True))

    async def one(task: int) -> None:
        for n in range(reads):
            conn = await pool.get()
            try:
                await (await conn.execute(QUERY, ((task * reads + n) % 1000,))).fetchone()
            finally:
                pool.put_nowait(conn)

    try:
        started = time.perf_counter()
        await asyncio.gather(*(one(t) for t in range(tasks)))
        return tasks * reads / (time.perf_counter() - started)
    finally:
        while not pool.empty():
            await pool.get_nowait().close()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks db_access")
    parser.add_argument("--tasks", type=int, default=64)
    parser.add_argument("--reads", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args([a for a in argv if a != "db_access"])
    global URL
    results: dict[str, list[float]] = {
        "SQLAlchemy engine in to_thread (the bot)": [], "psycopg sync in to_thread": [],
        "psycopg async (native)": []}
    with postgres_schema() as url:
        if url is None:
            return 1
        URL = url
        _setup(1000)
        for _ in range(args.rounds):  # alternated, so load on the machine hits both alike
            for name, run in zip(results, (threaded, threaded_driver, native), strict=True):
                results[name].append(asyncio.run(run(args.tasks, args.reads)))
    best = {name: round(max(rates)) for name, rates in results.items()}
    native_rate = best["psycopg async (native)"]
    report = {"reads_per_s": best,
              "ratio_to_native": {name: round(rate / native_rate, 2)
                                  for name, rate in best.items()}}
    print(json.dumps(report, indent=2))
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "db_access.json").write_text(json.dumps(report, indent=2))
    return 0
