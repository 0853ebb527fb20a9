"""Reminder workers as processes: N reminders due at once, sent by 1, 2 and 4 `hipcoach worker`
processes on one PostgreSQL, through the HTTP Bot API double. Reported per fleet size: the
achieved rate and the most messages the API saw in any one second (the budget is one for all
workers, so more workers must not mean more than the cap), and the rate as a ratio against one
worker in the same run.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from tempfile import TemporaryDirectory

from benchmarks.update_path import postgres_schema
from bot.db import migrate
from bot.db.engine import make_engine
from tests.support.fault_bot_api import FaultyBackend
from tests.support.http_bot_api import HttpBotApiDouble
from tests.support.worker_fleet import GIVE_UP, Fleet, populate, worker_env

RESULTS = Path(__file__).parent / "results"


def send_all(database_url: str, reminders: int, rate: int, workers: int,
             folder: Path) -> dict[str, float]:
    engine = make_engine(database_url)
    migrate.upgrade(engine)
    populate(engine, reminders)
    engine.dispose()
    backend = FaultyBackend(0.0)
    with HttpBotApiDouble(backend=backend) as api:
        fleet = Fleet(folder, worker_env(api.base_url, database_url, rate, 120))
        started = time.monotonic()
        try:
            for _ in range(workers):
                fleet.start()
            backend.wait_delivered(reminders, GIVE_UP)
        finally:
            fleet.stop()
    arrivals = backend.snapshot()
    times = sorted(arrivals.times)
    return {
        "workers": workers, "reminders": reminders, "cap_per_s": rate,
        "achieved_per_s": round((len(times) - 1) / (times[-1] - times[0]), 3),
        "most_in_any_second": arrivals.most_in_any_window(1.0),
        "duplicates": sum(n - 1 for n in arrivals.delivered.values() if n > 1),
        "wall_s_incl_start": round(times[-1] - started, 1),
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks reminders_workers")
    parser.add_argument("--reminders", type=int, default=900)
    parser.add_argument("--rate", type=int, default=30)
    parser.add_argument("--workers", default="1,2,4", help="fleet sizes, comma-separated")
    args = parser.parse_args(argv)
    results = []
    with TemporaryDirectory() as tmp:
        for size in (int(n) for n in args.workers.split(",")):
            with postgres_schema() as url:
                if url is None:
                    return 1
                folder = Path(tmp) / f"fleet-{size}"
                folder.mkdir()
                results.append(send_all(url, args.reminders, args.rate, size, folder))
    base = results[0]["achieved_per_s"]
    for result in results:
        result["rate_vs_first"] = round(result["achieved_per_s"] / base, 3)
        print("  ".join(f"{k}: {v}" for k, v in result.items()))
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"reminders_workers_{args.reminders}.json").write_text(
        json.dumps(results, indent=2))
    return 0
