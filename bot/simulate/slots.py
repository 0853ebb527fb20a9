"""The journal's view of the training model: the stored plan's day, its changes and its flags."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy import Engine

from bot.db import dialogues
from bot.domain.training import Change as PlanChange
from bot.domain.training import DayItem, Ladders, Plan, Slot, day_view, plan_from_json
from bot.domain.training.messages import CHANGE_TEMPLATE
from bot.simulate.journal import Change, DayEntry, Item
from bot.simulate.runner import Sent

TRAINING_KEY = "training"


class SlotInspector:
    """Reads the newest stored plan; the words of a change come from the message that told it."""

    def __init__(self, engine: Engine, ladders: Ladders, telegram_id: int) -> None:
        self.engine = engine
        self.ladders = ladders
        self.telegram_id = telegram_id

    def plan(self, user_id: int) -> Plan | None:
        with self.engine.connect() as conn:
            stored = dialogues.latest_plan(conn, user_id)
        raw = stored.plan.get(TRAINING_KEY) if isinstance(stored.plan, Mapping) else None
        return plan_from_json(raw) if isinstance(raw, Mapping) else None

    def day(self, user_id: int, day: date) -> DayEntry:
        plan = self.plan(user_id)
        if plan is None:
            return DayEntry.empty(day)
        view = day_view(plan, self.ladders, day)
        return DayEntry(day, kind=view.kind, items=[_item(i) for i in view.items],
                        minutes=dict(view.minutes))

    def close_day(self, user_id: int, day: date, entry: DayEntry, sent: list[Sent]) -> None:
        plan = self.plan(user_id)
        if plan is None:
            return
        told = {_told_id(s): s.message.text for s in sent if _told_id(s) is not None}
        entry.changes = [_change(c, self.ladders, told) for c in plan.changes if c.on == day]
        entry.flags = flags(plan)


def flags(plan: Plan) -> dict[str, Any]:
    sides = {side: plan.slots.get(f"flexion.{side}") for side in ("left", "right")}
    steps = [s.step_cap for s in sides.values() if s is not None and not s.locked and s.step_cap]
    return {"red_flag": plan.flags.red_flag,
            "flexion_step": max(steps) if steps else None,
            "flexion_locked": {side: slot is None or slot.locked for side, slot in sides.items()}}


def _item(item: DayItem) -> Item:
    return Item(item.exercise, item.slot, item.protocol, item.motion, item.kind, item.when,
                item.sets, item.reps, _seconds(item), item.rounds, item.per_side, item.side)


def _seconds(item: DayItem) -> int | None:
    return item.seconds[1] if item.seconds else None


def _told_id(sent: Sent) -> int | None:
    """The change a message tells, read off its template parameters."""
    if sent.message.template != CHANGE_TEMPLATE:
        return None
    value = sent.message.params.get("id")
    return value if isinstance(value, int) else None


def _change(change: PlanChange, ladders: Ladders, told: dict[int | None, str]) -> Change:
    # A change nobody was told about (e.g. an undo's own record) keeps its reason key.
    reason = told.get(change.id, change.reason)
    return Change(change.id, change.kind, change.slot or "", _slot_json(change.before, ladders),
                  _slot_json(change.after, ladders), reason,
                  change.undoable and change.undone_on is None)


def _slot_json(slot: Slot | None, ladders: Ladders) -> dict[str, Any] | None:
    if slot is None:
        return None
    ladder = ladders.get(slot.ladder)
    if ladder is None:
        return {"exercise": None, "motion": slot.motion, "kind": slot.kind, "sets": None,
                "reps": None, "rounds": None, "dropped": slot.dropped}
    rung = ladder.rungs[min(slot.rung, len(ladder.rungs) - 1)]
    return {"exercise": rung.exercise, "motion": slot.motion, "kind": slot.kind,
            "sets": rung.sets, "reps": list(rung.reps) if rung.reps else None,
            "rounds": rung.rounds, "dropped": slot.dropped}
