"""Screening profile -> the plan's slots, each at its ladder's starting rung.

The runner-level choices (strength days, the goal's weak motions, which days carry hills and
backwards running) are the program engine's; this module reuses them rather than re-deciding.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import replace
from datetime import date

from bot.domain.catalog import MOTIONS
from bot.domain.parsing import WEEKDAYS
from bot.domain.training.ladders import Ladder, Ladders, first_rung_of_step
from bot.domain.training.model import (
    SIDES,
    VOLUME_SETS,
    Flags,
    Plan,
    Schedule,
    Slot,
    flexion_slot_id,
)
from bot.domain.week import Profile, strength_days

# Answer spellings of today's screening and of the journey personas, read the same way.
PASSED = frozenset({"pass", "reached", "held"})
HURT = "hurt"
CONSERVATIVE = frozenset({"often", "most_runs"})
DRILLS = ("knee_to_chest_bridge", "marching_bridge", "swinging_drill",
          "kneeling_hip_flexor_stretch")
MOBILITY_PER_SIDE = ("knee_hug", "rotation_door", "abduction_door")
# Every ladder id the builder reads; the content loader refuses a ladder set without them.
# The goal's weak motions, first in the pre-run activation.
GOAL_FOCUS: Mapping[str, tuple[str, ...]] = {
    # Stride frequency leans on glutes (extension) and iliopsoas (flexion).
    "speed": ("extension", "flexion"),
    # Hips keep knees aligned: abduction and external rotation first.
    "injury": ("abduction", "external_rotation"),
    "endurance": ("abduction", "extension"),
    "comeback": ("extension", "abduction"),
}
REQUIRED_LADDERS = frozenset({
    "activation", "volume_sets", *(f"volume_{m}" for m in MOTIONS),
    *(f"drill_{d}" for d in DRILLS),
    *(f"mobility_{m}" for m in (*MOBILITY_PER_SIDE, "soft_tissue")),
    "circuit", "stride", "flexion_steps", "loading_step_up", "hills", "backwards"})


def passed(result: str) -> bool:
    return result in PASSED


def build_plan(profile: Profile, ladders: Ladders, start: date) -> Plan:
    """The plan at screening: every slot on its protocol's starting rung.

    ``start`` is the runner's local date of the screening."""
    knee_lift = passed(profile.knee_lift)
    slots = {s.id: s for s in _slots(profile, ladders, knee_lift)}
    flags = Flags(red_flag=bool(profile.red_flags), red_flag_on=start if profile.red_flags
                  else None, fall="fall" in profile.red_flags)
    return Plan(start, slots, schedule_for(profile), flags, knee_lift, start)


def schedule_for(profile: Profile) -> Schedule:
    runs = tuple(d for d in WEEKDAYS if d in profile.run_days)
    strength = tuple(strength_days(runs))
    speed = profile.goal == "speed" and bool(runs)
    hills = runs[0] if speed else None
    backwards = runs[len(runs) // 2] if speed else None
    mode = ("conservative" if profile.pain in CONSERVATIVE
            else "comeback" if profile.goal == "comeback" else "normal")
    return Schedule(runs, strength, circuit_day(runs, strength, (hills, backwards)),
                    hills, backwards, profile.minutes, profile.equipment, mode,
                    motion_order(profile))


def circuit_day(runs: Sequence[str], strength: Sequence[str],
                speed: Sequence[str | None]) -> str | None:
    """The circuit gets a day of its own, as far from the volume days as the week allows:
    a free day first, then a run day without speed work, then any run day."""
    candidates = next((tier for tier in _circuit_tiers(runs, strength, speed) if tier), [])
    if not candidates:
        return None
    return max(candidates, key=lambda d: (min((_gap(d, s) for s in strength), default=7),
                                          -WEEKDAYS.index(d)))


def _circuit_tiers(runs: Sequence[str], strength: Sequence[str],
                   speed: Sequence[str | None]) -> tuple[list[str], ...]:
    free = [d for d in WEEKDAYS if d not in runs and d not in strength]
    easy_runs = [d for d in runs if d not in strength and d not in speed]
    return free, easy_runs, [d for d in runs if d not in strength], list(strength[-1:])


def _gap(a: str, b: str) -> int:
    diff = abs(WEEKDAYS.index(a) - WEEKDAYS.index(b))
    return min(diff, 7 - diff)


def motion_order(profile: Profile) -> tuple[str, ...]:
    """The goal's weak motions first, as the program engine orders pre-run activation."""
    weak = list(GOAL_FOCUS.get(profile.goal, ()))
    if not passed(profile.knee_lift):
        weak = ["flexion", "abduction", *weak]
    return tuple(dict.fromkeys([*weak, *MOTIONS]))


def _slots(profile: Profile, ladders: Ladders, knee_lift: bool) -> Iterator[Slot]:
    yield _slot("activation", ladders["activation"])
    for drill in DRILLS:
        yield _slot(f"drills.{drill}", ladders[f"drill_{drill}"])
    yield _slot(VOLUME_SETS, ladders["volume_sets"])
    for motion in MOTIONS:
        yield _slot(f"volume.{motion}", ladders[f"volume_{motion}"])
    yield _slot("circuit", ladders["circuit"])
    yield _slot("loading.step_up", ladders["loading_step_up"])
    for side in SIDES:
        yield _flexion(side, profile.thigh(side), ladders["flexion_steps"], knee_lift)
    yield _slot("mobility.soft_tissue", ladders["mobility_soft_tissue"], origin="failed_test")
    for side in SIDES:
        for name in MOBILITY_PER_SIDE:
            yield _slot(f"mobility.{name}.{side}", ladders[f"mobility_{name}"], side,
                        "failed_test")
    if profile.goal == "speed":
        yield _slot("stride", ladders["stride"])
        yield _slot("hills", ladders["hills"])
        yield _slot("backwards", ladders["backwards"])


def _slot(slot_id: str, ladder: Ladder, side: str = "both", origin: str = "protocol") -> Slot:
    return Slot(slot_id, ladder.protocol, ladder.role, ladder.motion, ladder.kind, ladder.when,
                side, ladder.id, ladder.start, origin=origin)


def placement_step(knee_lift_held: bool) -> int:
    """Knee-lift hold passed -> step 3, else step 1 (coaching-facts, Screening)."""
    return 3 if knee_lift_held else 1


def _flexion(side: str, thigh: str, ladder: Ladder, knee_lift: bool) -> Slot:
    step = placement_step(knee_lift)
    base = _slot(flexion_slot_id(side), ladder, side)
    if passed(thigh):
        return replace(base, rung=first_rung_of_step(ladder, step), step_cap=step,
                       ever_unlocked=True)
    return replace(base, rung=first_rung_of_step(ladder, step), locked=True,
                   test_hurt=thigh == HURT)
