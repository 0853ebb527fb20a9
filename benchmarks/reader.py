"""How long the reader takes per message: every message of the labelled corpus
(tests/data/listen_corpus.jsonl) read against the product's exercise library, first with a
fresh reader (nothing cached: each new word looked up), then again warm.

    python -m benchmarks reader [--rounds N]

Prints the build time of the index and per-message p50 / p99 / mean in milliseconds of CPU
time (thread time), so other work on the machine does not count.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from bot.services.feedback import FeedbackReader
from bot.wiring import load_content

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "data" / "listen_corpus.jsonl"


def _times(reader: FeedbackReader, texts: list[str]) -> list[float]:
    """CPU time of this thread per message: on a shared machine, wall time also counts the
    time other processes held the core."""
    out = []
    for text in texts:
        start = time.thread_time()
        reader.read(text)
        out.append((time.thread_time() - start) * 1000)
    return out


def _line(name: str, times: list[float]) -> str:
    ordered = sorted(times)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return (f"{name}: p50 {statistics.median(ordered):.2f} ms, p99 {p99:.2f} ms, "
            f"mean {statistics.fmean(ordered):.2f} ms over {len(ordered)} messages")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks reader")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    _, catalog = load_content()
    exercises = [(e.id, e.name, e.aliases) for e in catalog.exercises.values()]
    texts = [json.loads(line)["text"] for line in CORPUS.read_text(encoding="utf-8").splitlines()
             if line.strip()]
    FeedbackReader(exercises)  # the words file is read once per process
    start = time.perf_counter()
    reader = FeedbackReader(exercises)
    print(f"index built in {(time.perf_counter() - start) * 1000:.1f} ms")
    print(_line("cold (fresh reader)", _times(reader, texts)))
    warm = [t for _ in range(args.rounds) for t in _times(reader, texts)]
    print(_line(f"warm ({args.rounds} rounds)", warm))
    return 0
