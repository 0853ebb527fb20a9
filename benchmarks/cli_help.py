"""`hipcoach --help` against `python -c pass`, both as fresh processes in the same run.

Also times what `--help` used to pay before it ran (importing the whole app, matplotlib
included), as `python -c "import bot.wiring, bot.services.progress, matplotlib.figure"`.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

RESULTS = Path(__file__).parent / "results"
COMMANDS = {
    "python -c pass": [sys.executable, "-c", "pass"],
    "hipcoach --help": [sys.executable, "-m", "bot", "--help"],
    "importing the whole app (what --help paid before)": [
        sys.executable, "-c", "import bot.wiring, bot.services.progress, matplotlib.figure"],
}


def timed(command: list[str]) -> tuple[float, float]:
    """Wall seconds and CPU seconds (user + system) of one run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks cli_help")
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args([a for a in argv if a != "cli_help"])
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in COMMANDS}
    for _ in range(args.runs):  # interleaved, so a busy moment hits every command alike
        for name, command in COMMANDS.items():
            samples[name].append(timed(command))
    base_wall = statistics.median(w for w, _ in samples["python -c pass"])
    base_cpu = statistics.median(c for _, c in samples["python -c pass"])
    results = {}
    for name, runs in samples.items():
        wall, cpu = statistics.median(w for w, _ in runs), statistics.median(c for _, c in runs)
        results[name] = {"wall_s": round(wall, 3), "cpu_s": round(cpu, 3),
                         "wall_ratio_to_python": round(wall / base_wall, 2),
                         "cpu_ratio_to_python": round(cpu / base_cpu, 2) if base_cpu else None}
    print(json.dumps(results, indent=2))
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "cli_help.json").write_text(json.dumps(results, indent=2))
    return 0
