"""Drawing every exercise's figure, and sending one that is already drawn.

Cold: a FigureStore on an empty folder draws the GIF and the still of all 34 exercises (both
sides of the one-sided ones with --both-sides). Warm: a second store on the same folder (as
after a restart) is asked for the same files; it must draw nothing. The ratio warm/cold is
what the cache saves per request. Wall time and this process's CPU time are both reported:
on a shared machine the CPU time is the steadier figure.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from pathlib import Path
from tempfile import TemporaryDirectory

from bot.content.exercises import cached_catalog
from bot.content.poses import cached_poses
from bot.figures.store import FigureStore
from bot.paths import content_dir

RESULTS = Path(__file__).parent / "results"


def requests(store: FigureStore, both_sides: bool) -> list[tuple[str, str | None]]:
    sides: tuple[str | None, ...] = ("left", "right") if both_sides else (None,)
    return [(exercise, side) for exercise in sorted(store.poses)
            for side in (sides if exercise in store.one_sided else (None,))]


def timed(work: Callable[[], object]) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    work()
    return time.perf_counter() - wall, time.process_time() - cpu


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks figures")
    parser.add_argument("--both-sides", action="store_true")
    args = parser.parse_args(argv)
    root = content_dir()
    poses = cached_poses(root)
    one_sided = {e.id for e in cached_catalog(root).exercises.values() if e.one_sided}
    with TemporaryDirectory() as tmp:
        cold = FigureStore(poses, Path(tmp), one_sided)
        asked = requests(cold, args.both_sides)

        def draw_all(store: FigureStore) -> None:
            for exercise, side in asked:
                store.animation(exercise, side)
                store.still(exercise, side)

        cold_wall, cold_cpu = timed(lambda: draw_all(cold))
        warm = FigureStore(poses, Path(tmp), one_sided)
        warm_wall, warm_cpu = timed(lambda: draw_all(warm))
        size = sum(p.stat().st_size for p in Path(tmp).glob("*.gif"))
    result = {
        "figures": len(asked), "files": 2 * len(asked), "cold_drawn": cold.renders,
        "warm_drawn": warm.renders, "cold_wall_s": round(cold_wall, 2),
        "cold_cpu_s": round(cold_cpu, 2), "warm_wall_s": round(warm_wall, 4),
        "warm_cpu_s": round(warm_cpu, 4), "ratio_warm_to_cold": round(warm_wall / cold_wall, 5),
        "gif_kb_total": round(size / 1024),
    }
    print(f"{len(asked)} figures (GIF + PNG each)")
    print(f"{'':<12} {'wall s':>8} {'cpu s':>8} {'drawn':>6}")
    print(f"{'cold':<12} {cold_wall:>8.2f} {cold_cpu:>8.2f} {cold.renders:>6}")
    print(f"{'cached':<12} {warm_wall:>8.4f} {warm_cpu:>8.4f} {warm.renders:>6}")
    print(f"cached / cold = {result['ratio_warm_to_cold']}; GIFs {result['gif_kb_total']} KB")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "figures.json").write_text(json.dumps(result, indent=2))
    return 0 if warm.renders == 0 else 1
