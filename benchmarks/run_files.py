"""A two-hour FIT file (7,200 one-second records) read, summarised and stored, against the
official SDK's own decode of the same bytes.

Baseline: ``garmin_fit_sdk.Decoder.read`` alone (what any reader of the file must pay). Ours:
``RunService.receive`` end to end on a SQLite file: unpack, CRC check, decode, summary and
splits, the dedupe query and the insert. The ratio ours/baseline is what everything beyond the
decode costs. Best of ``--rounds`` each (wall and this process's CPU time).
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from tempfile import TemporaryDirectory

from garmin_fit_sdk import Decoder, Stream
from sqlalchemy import text

from bot.content.library import ContentLibrary
from bot.db import migrate
from bot.db.engine import make_engine
from bot.paths import content_dir
from bot.services.runs.service import RunService, Upload
from tests.support.run_files import SyntheticRun, fit_bytes

RESULTS = Path(__file__).parent / "results"
NOW = datetime(2026, 12, 1, tzinfo=UTC)


def best(work: Callable[[], object], rounds: int) -> tuple[float, float]:
    walls, cpus = [], []
    for _ in range(rounds):
        wall, cpu = time.perf_counter(), time.process_time()
        work()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return min(walls), min(cpus)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks run_files")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    run = replace(SyntheticRun(minutes=119.0, step=1), pause_at=0.5).built()
    data = fit_bytes(run)

    def decode() -> None:
        Decoder(Stream.from_byte_array(bytearray(data))).read()

    with TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'bench.db'}")
        migrate.upgrade(engine)
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO users (telegram_id, name, timezone, active, "
                              "created_at, updated_at) VALUES (1, 'b', 'Europe/Berlin', 1, "
                              ":t, :t)"), {"t": NOW.isoformat()})
        runs = RunService(engine, ContentLibrary(content_dir()), lambda: NOW)
        stored: list[int] = []

        def ours() -> None:
            with engine.begin() as conn:  # each round stores the run afresh
                conn.execute(text("DELETE FROM runs"))
            stored.append(len(runs.receive(1, Upload("long.fit", len(data), data)).stored))

        base_wall, base_cpu = best(decode, args.rounds)
        our_wall, our_cpu = best(ours, args.rounds)
        engine.dispose()
    result = {"records": len(run.samples), "fit_kb": round(len(data) / 1024), "rounds": args.rounds,
              "decode_wall_s": round(base_wall, 3), "decode_cpu_s": round(base_cpu, 3),
              "ours_wall_s": round(our_wall, 3), "ours_cpu_s": round(our_cpu, 3),
              "ratio_wall": round(our_wall / base_wall, 2),
              "ratio_cpu": round(our_cpu / base_cpu, 2), "stored_each_round": stored}
    print(json.dumps(result, indent=2))
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "run_files.json").write_text(json.dumps(result, indent=2))
    return 0 if all(n == 1 for n in stored) else 1
