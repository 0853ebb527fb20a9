"""The day view: which slots are done on a local date, each as an exercise with its dose.

Run days get pre-run activation and drills sized to the runner's minutes (and hills or
backwards running for speed); the two strength days get the six-motion volume, the flexion
progression, hip loading and stride strength; the circuit has a day of its own. The red-flag
path is one gate here: nothing but gentle mobility passes it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date

from bot.domain.parsing import WEEKDAYS
from bot.domain.training.ladders import Ladder, Ladders, Range, Rung, bottom_of
from bot.domain.training.model import SIDES, VOLUME_SETS, Plan, Slot, flexion_slot_id
from bot.domain.training.size import fit, item_seconds, minutes_of

__all__ = ["DayItem", "DayView", "day_view", "minutes_of", "off_plan"]

WHEN_ORDER = ("mobility", "before_run", "during_run", "strength")
# On a day with both, the strength dose wins over the same exercise's pre-run dose.
PRIORITY = ("strength", "before_run", "mobility", "during_run")
COMEBACK_SETS = 2
GENTLE_DAYS = ("mon", "thu")
END_RANGE_SLOTS = frozenset({"volume.flexion", "drills.knee_to_chest_bridge"})


@dataclass(frozen=True)
class DayItem:
    slot: str
    exercise: str
    protocol: str
    motion: str
    kind: str
    when: str
    sets: int
    reps: Range | None
    seconds: Range | None
    rounds: int | None
    per_side: bool
    side: str
    distance_m: int | None = None
    rest_seconds: int | None = None
    step: int | None = None
    without_equipment: bool = False
    also: tuple[str, ...] = ()  # the other side's slot, when one item serves both sides
    shared: tuple[str, ...] = ()  # a slot the whole session shares (the volume's set count)

    def slot_ids(self) -> tuple[str, ...]:
        """Every slot an outcome for this item belongs to."""
        return (self.slot, *self.also, *self.shared)

    def cost_seconds(self) -> int:
        """A rough duration of this move (``size.item_seconds``)."""
        return item_seconds(self)


@dataclass(frozen=True)
class DayView:
    on: date
    kind: str  # run | strength | rest | gentle
    items: tuple[DayItem, ...]
    minutes: Mapping[str, int]  # before_run, strength, mobility (estimates, rounded up)
    notices: tuple[str, ...] = ()


def day_view(plan: Plan, ladders: Ladders, on: date) -> DayView:
    """What the runner does on the local date ``on``."""
    weekday = WEEKDAYS[on.weekday()]
    if plan.flags.red_flag or plan.flags.awaiting_retest:
        return _gentle(plan, ladders, on, weekday)
    schedule = plan.schedule
    run = weekday in schedule.run_days
    strength = weekday in schedule.strength_days
    circuit = weekday == schedule.circuit_day
    off = off_plan(plan, ladders)
    kept, trimmed = fit(_unique([i for i in _parts(plan, ladders, on, weekday)
                                  if i.exercise not in off]))
    kind = "run" if run else ("strength" if strength or circuit else "rest")
    notices = (*_notices(plan, on), *trimmed)
    return DayView(on, kind, _sorted(kept), minutes_of(kept), notices)


def _parts(plan: Plan, ladders: Ladders, on: date, weekday: str) -> list[DayItem]:
    schedule = plan.schedule
    items: list[DayItem] = []
    if weekday in (*schedule.run_days, *schedule.strength_days, schedule.circuit_day):
        items += _mobility(plan, ladders, on)
    if weekday in schedule.run_days:
        used = sum(i.cost_seconds() for i in items)  # mobility comes out of the same minutes
        items += _pre_run(plan, ladders, on, schedule.run_days.index(weekday), used)
        items += _during_run(plan, ladders, on, weekday)
    if weekday in schedule.strength_days:
        items += _strength(plan, ladders, on)
    if weekday == schedule.circuit_day:
        items += _circuit(plan, ladders, on)
    return items


def off_plan(plan: Plan, ladders: Ladders) -> frozenset[str]:
    """The moves the runner was told are off the plan after pain ("off your plan", "out of
    your circuit", "X -> Y"): gone from every part of every day, not just the slot that hurt,
    until that change is undone or the slot's own ladder brings the move back."""
    off: set[str] = set()
    for change in plan.changes:
        if change.kind != "pain_swap" or change.undone_on is not None or change.before is None:
            continue
        hurt = change.params.get("exercise") or ladders[change.before.ladder].rung(
            change.before.rung).exercise
        if hurt is None:
            continue
        slot = plan.slots.get(change.before.id)
        back = (slot is not None and not slot.dropped and hurt not in slot.excluded
                and ladders[slot.ladder].rung(slot.rung).exercise == hurt)
        if not back:
            off.add(str(hurt))
    return frozenset(off)


# ---- the gentle set (red-flag path, or cleared and waiting for the self-tests)


def _gentle(plan: Plan, ladders: Ladders, on: date, weekday: str) -> DayView:
    days = plan.schedule.run_days or GENTLE_DAYS
    notice = "red_flag" if plan.flags.red_flag else "awaiting_retest"
    if weekday not in days:
        return DayView(on, "rest", (), minutes_of(()), (notice,))
    items = []
    off = off_plan(plan, ladders)
    for slot in plan.slots.values():
        if _gentle_fits(plan, slot):
            items.append(_item(plan, ladders, slot, on, "mobility"))
    items = [i for i in items if i.exercise not in off]
    merged = _sorted(_unique(_merge_sides(items)))
    return DayView(on, "gentle", merged, minutes_of(merged), (notice,))


def _gentle_fits(plan: Plan, slot: Slot) -> bool:
    if slot.kind != "mobility" or slot.dropped:
        return False
    if slot.id == "mobility.soft_tissue" and plan.flags.fall:
        return False  # never foam-roll after a fall
    return not (slot.id.startswith("mobility.knee_hug") and _test_hurt(plan, slot.side))


# ---- the parts of a day


def _mobility(plan: Plan, ladders: Ladders, on: date) -> list[DayItem]:
    locked = [s for s in SIDES if plan.slot(flexion_slot_id(s)).locked]
    if not locked:
        return []
    items = []
    for slot in plan.slots.values():
        if slot.origin != "failed_test" or slot.dropped:
            continue
        if slot.side != "both" and slot.side not in locked:
            continue
        if slot.id.startswith("mobility.knee_hug") and _test_hurt(plan, slot.side):
            continue  # the knee hug is the test's own movement, and that hurt
        items.append(_item(plan, ladders, slot, on, "mobility"))
    return _merge_sides(items)


def _pre_run(plan: Plan, ladders: Ladders, on: date, ordinal: int,
             used: int) -> list[DayItem]:
    """Activation and drills in turn, as many as the runner's minutes allow (at least one)."""
    active = [s for s in plan.slots.values() if not s.dropped]
    acts = _rotate([i for s in active if s.role == "activation"
                    for i in _activation(plan, ladders, s, on)], ordinal * 2)
    drills = _rotate([i for s in active if s.role == "drill"
                      for i in _sided(plan, ladders, s, on)], ordinal)
    budget = plan.schedule.minutes * 60 - used
    chosen: list[DayItem] = []
    for item in _interleave(acts, drills):
        cost = item.cost_seconds()
        if cost <= budget or not chosen:
            chosen.append(item)
            budget -= cost
    return chosen


def _activation(plan: Plan, ladders: Ladders, slot: Slot, on: date) -> list[DayItem]:
    """The activation moves, the goal's weak motions first."""
    ladder = ladders[slot.ladder]
    order = plan.schedule.motion_order
    moves = sorted(_moves(plan, ladder, slot),
                   key=lambda m: order.index(ladder.move_motions[m])
                   if ladder.move_motions.get(m) in order else len(order))
    rung = _dose(plan, ladder, slot, on)
    return [DayItem(slot.id, move, slot.protocol, ladder.move_motions.get(move, slot.motion),
                    slot.kind, "before_run", rung.sets, rung.reps, None, None,
                    move in ladder.per_side_moves, _move_side(plan, ladder, move))
            for move in moves]


def _during_run(plan: Plan, ladders: Ladders, on: date, weekday: str) -> list[DayItem]:
    schedule = plan.schedule
    out = []
    for slot_id, day in (("hills", schedule.hills_day), ("backwards", schedule.backwards_day)):
        slot = plan.slots.get(slot_id)
        if slot is None or slot.dropped or day != weekday or not _running_allowed(plan, on,
                                                                                   slot_id):
            continue
        out.append(_item(plan, ladders, slot, on, "during_run"))
    return out


def _running_allowed(plan: Plan, on: date, slot_id: str) -> bool:
    mode = plan.mode_on(on)
    if mode == "normal":
        return True
    # Conservative start: no hills or backwards running; comeback: no hills until week 3.
    return mode == "comeback" and slot_id == "backwards"


def _strength(plan: Plan, ladders: Ladders, on: date) -> list[DayItem]:
    items: list[DayItem] = []
    for slot in plan.slots.values():
        if slot.dropped or slot.role not in ("volume", "loading", "stride", "flexion_steps"):
            continue
        if slot.role == "flexion_steps":
            if not slot.locked:
                items.append(_item(plan, ladders, slot, on, "strength"))
        elif ladders[slot.ladder].moves:
            items += _block(plan, ladders, slot, on)
        else:
            items += _sided(plan, ladders, slot, on)
    return _merge_sides(items)


def _circuit(plan: Plan, ladders: Ladders, on: date) -> list[DayItem]:
    slot = plan.slots.get("circuit")
    if slot is None or slot.dropped:
        return []
    ladder = ladders[slot.ladder]
    rung = _dose(plan, ladder, slot, on)
    out = []
    for move in _moves(plan, ladder, slot):
        one_sided = move in ladder.one_sided_moves
        seconds = ladder.side_seconds if one_sided else ladder.move_seconds
        out.append(DayItem(slot.id, move, slot.protocol, slot.motion, slot.kind, "strength", 1,
                           None, (seconds, seconds), rung.rounds, one_sided,
                           _move_side(plan, ladder, move), rest_seconds=rung.rest_seconds))
    return out


def _block(plan: Plan, ladders: Ladders, slot: Slot, on: date) -> list[DayItem]:
    """Stride strength: every move at the block's sets, 10 reps or a 30 s hold."""
    ladder = ladders[slot.ladder]
    rung = _dose(plan, ladder, slot, on)
    out = []
    for move in _moves(plan, ladder, slot):
        hold = move in ladder.hold_moves
        out.append(DayItem(slot.id, move, slot.protocol, slot.motion, slot.kind, "strength",
                           rung.sets, None if hold else rung.reps, rung.seconds if hold else None,
                           None, move in ladder.per_side_moves, _move_side(plan, ladder, move)))
    return out


def _moves(plan: Plan, ladder: Ladder, slot: Slot) -> list[str]:
    return [m for m in ladder.moves if m not in slot.excluded
            and (m not in ladder.flexion_moves or _open_sides(plan))]


def _move_side(plan: Plan, ladder: Ladder, move: str) -> str:
    return _side_word(_open_sides(plan)) if move in ladder.flexion_moves else "both"


# ---- one slot as an item


def _sided(plan: Plan, ladders: Ladders, slot: Slot, on: date) -> list[DayItem]:
    """End-range flexion work only on the sides whose self-test allows it."""
    if slot.id not in END_RANGE_SLOTS:
        return [_item(plan, ladders, slot, on)]
    sides = _hurt_free_sides(plan) if slot.role == "drill" else _open_sides(plan)
    if not sides:
        return []
    return [replace(_item(plan, ladders, slot, on), side=_side_word(sides))]


def _item(plan: Plan, ladders: Ladders, slot: Slot, on: date,
          when: str | None = None) -> DayItem:
    ladder = ladders[slot.ladder]
    rung = _dose(plan, ladder, slot, on)
    exercise = rung.exercise or slot.id
    lacks = any(e not in _owned(plan) for e in rung.equipment)
    item = DayItem(slot.id, exercise, slot.protocol, slot.motion, slot.kind, when or slot.when,
                   rung.sets, rung.reps, rung.seconds, rung.rounds, rung.per_side, slot.side,
                   rung.distance_m, rung.rest_seconds, rung.step, lacks)
    counted = plan.slots.get(VOLUME_SETS)
    if slot.role != "volume" or counted is None:
        return item
    session = _dose(plan, ladders[counted.ladder], counted, on)
    return replace(item, sets=min(item.sets, session.sets), shared=(VOLUME_SETS,))


def _dose(plan: Plan, ladder: Ladder, slot: Slot, on: date) -> Rung:
    rung = ladder.rung(slot.rung)
    mode = plan.mode_on(on)
    if mode == "normal":
        return rung
    if mode == "conservative":
        return bottom_of(ladder, slot.rung)
    if slot.role in ("volume", "volume_sets"):
        return replace(rung, sets=min(rung.sets, COMEBACK_SETS))
    if slot.role == "circuit":
        return ladder.rungs[0]
    return rung


def _owned(plan: Plan) -> frozenset[str]:
    owned = plan.schedule.equipment
    return owned | {"roller"} if "gym" in owned else owned


def _open_sides(plan: Plan) -> tuple[str, ...]:
    return tuple(s for s in SIDES if not plan.slot(flexion_slot_id(s)).locked
                 and not _test_hurt(plan, s))


def _hurt_free_sides(plan: Plan) -> tuple[str, ...]:
    return tuple(s for s in SIDES if not _test_hurt(plan, s))


def _test_hurt(plan: Plan, side: str) -> bool:
    if side == "both":
        return any(_test_hurt(plan, s) for s in SIDES)
    return plan.slot(flexion_slot_id(side)).test_hurt


def _side_word(sides: Sequence[str]) -> str:
    return "both" if len(sides) == len(SIDES) else sides[0]


# ---- tidying a day


def _merge_sides(items: Iterable[DayItem]) -> list[DayItem]:
    """A left and a right item with the same exercise and dose become one item for both."""
    out: list[DayItem] = []
    for item in items:
        twin = next((i for i, o in enumerate(out) if o.exercise == item.exercise
                     and {o.side, item.side} == set(SIDES)
                     and replace(o, side="", slot="") == replace(item, side="", slot="")), None)
        if twin is None:
            out.append(item)
        else:
            out[twin] = replace(out[twin], side="both", also=(item.slot,))
    return out


def _unique(items: Sequence[DayItem]) -> list[DayItem]:
    """No exercise twice on a side in one day: the higher-priority part keeps it."""
    ranked = sorted(items, key=lambda i: PRIORITY.index(i.when))
    kept: list[DayItem] = []
    for item in ranked:
        if not any(k.exercise == item.exercise and _overlap(k.side, item.side) for k in kept):
            kept.append(item)
    return kept


def _overlap(a: str, b: str) -> bool:
    return a == b or "both" in (a, b)


def _sorted(items: Sequence[DayItem]) -> tuple[DayItem, ...]:
    return tuple(sorted(items, key=lambda i: WHEN_ORDER.index(i.when)))


def _notices(plan: Plan, on: date) -> tuple[str, ...]:
    notes = [f"flexion_locked.{s}" for s in SIDES if plan.slot(flexion_slot_id(s)).locked]
    notes += [f"test_hurt.{s}" for s in SIDES if _test_hurt(plan, s)]
    if plan.in_start_window(on):
        notes.append(plan.mode_on(on))
    if plan.back_from_break(on) == on and plan.mode_on(on) == "comeback":
        notes.append("back_from_break")  # said once, on the first day back
    return tuple(notes)


def _rotate(items: Sequence[DayItem], by: int) -> list[DayItem]:
    if not items:
        return []
    k = by % len(items)
    return [*items[k:], *items[:k]]


def _interleave(first: Sequence[DayItem], second: Sequence[DayItem]) -> Iterator[DayItem]:
    for i in range(max(len(first), len(second))):
        yield from (seq[i] for seq in (first, second) if i < len(seq))
