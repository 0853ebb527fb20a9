"""Today's stored plans (week plans from ``bot.domain.program``) mapped onto slots.

Used once, by the data migration 0007. What carries over: the screening answers (the slots),
the flexion step and passed re-tests, a clinician's clearance, and each stored item's exercise
and sets where the slot's ladder has that exercise. A swap that had left its motion (the old
``harder`` links) has no rung on the motion's ladder, so that slot starts again on its own
exercise: the safer reading.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import replace
from datetime import date

from bot.domain.training.build import build_plan, placement_step
from bot.domain.training.ladders import Ladder, Ladders, first_rung_of_step
from bot.domain.training.model import SIDES, VOLUME_SETS, Plan, Slot, flexion_slot_id
from bot.domain.week import profile_from_answers

# Old plan blocks -> the role of the slots they map to.
BLOCK_ROLES = {"activation": "activation", "volume": "volume", "stride": "stride",
               "circuit": "circuit", "loading": "loading", "drills": "drill"}


def from_legacy(answers: Mapping[str, object], ladders: Ladders, start: date,
                stored: Mapping[str, object], progress: Mapping[str, object],
                last_test: date | None = None) -> Plan:
    """``last_test``: the local date of the newest thigh test answer, so re-test spacing
    carries over (the screening's date when None)."""
    plan = build_plan(profile_from_answers(answers), ladders, start)
    plan = replace(plan, last_test=max(last_test or start, start))
    if progress.get("cleared") and plan.flags.red_flag:
        plan = replace(plan, flags=replace(plan.flags, red_flag=False, cleared_on=start,
                                           awaiting_retest=True))
    step = progress.get("flexion_step")
    for side in SIDES:
        slot = _flexion(plan.slot(flexion_slot_id(side)), ladders["flexion_steps"],
                        bool(progress.get(f"retest_{side}")),
                        step if isinstance(step, int) else None, plan.knee_lift_held)
        plan = plan.with_slot(slot)
    for block, exercise, sets in _items(stored):
        plan = _place(plan, ladders, block, exercise, sets)
    return plan


def _flexion(slot: Slot, ladder: Ladder, retest_passed: bool, step: int | None,
             knee_lift: bool) -> Slot:
    if slot.locked and not retest_passed:
        return slot
    cap = step or placement_step(knee_lift)
    return replace(slot, locked=False, test_hurt=False, ever_unlocked=True, step_cap=cap,
                   rung=first_rung_of_step(ladder, cap))


def _items(stored: Mapping[str, object]) -> Iterator[tuple[str, str, int]]:
    days = stored.get("days")
    for day in days if isinstance(days, list) else []:
        items = day.get("items") if isinstance(day, dict) else None
        for item in items if isinstance(items, list) else []:
            if isinstance(item, dict) and isinstance(item.get("sets"), int):
                yield str(item.get("block")), str(item.get("exercise")), int(item["sets"])


def _volume_sets(plan: Plan, ladders: Ladders, sets: int) -> Plan:
    counted = plan.slots.get(VOLUME_SETS)
    if counted is None:
        return plan
    ladder = ladders[counted.ladder]
    rung = max((i for i, r in enumerate(ladder.rungs) if r.sets <= sets), default=counted.rung)
    return plan.with_slot(replace(counted, rung=max(rung, counted.rung)))


def _place(plan: Plan, ladders: Ladders, block: str, exercise: str, sets: int) -> Plan:
    role = BLOCK_ROLES.get(block)
    for slot in plan.slots.values():
        if slot.role != role or slot.side != "both":
            continue
        ladder = ladders[slot.ladder]
        if role == "circuit":
            rung = max((i for i, r in enumerate(ladder.rungs) if (r.rounds or 0) <= sets),
                       default=slot.rung)
            return plan.with_slot(replace(slot, rung=max(rung, slot.rung)))
        placed = _on_exercise(plan, ladders, slot, exercise, sets)
        if placed is not None:
            return placed
    return plan


def _on_exercise(plan: Plan, ladders: Ladders, slot: Slot, exercise: str,
                 sets: int) -> Plan | None:
    ladder = ladders[slot.ladder]
    rungs = [i for i, r in enumerate(ladder.rungs) if r.exercise == exercise]
    if not rungs:
        return None
    if slot.role == "volume":
        # The motion follows the session's set count; the old sets set that count.
        return _volume_sets(plan.with_slot(replace(slot, rung=max(rungs))), ladders, sets)
    fitting = [i for i in rungs if ladder.rung(i).sets <= sets] or rungs[:1]
    return plan.with_slot(replace(slot, rung=max(fitting)))
