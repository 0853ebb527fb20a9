"""Changes as replies: the template gets ids, names and doses, never prose.

The words live in ``content/texts/_training_change.j2`` (one branch per reason key) and
``content/texts/_training_refusal.j2``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta

from bot.domain.model import Reply
from bot.domain.parsing import WEEKDAYS
from bot.domain.training.ladders import Ladders, Rung
from bot.domain.training.model import Change, Refusal, Slot

CHANGE_TEMPLATE = "_training_change"
REFUSAL_TEMPLATE = "_training_refusal"
# Every reason key a change can carry; the content check renders each one.
REASONS = frozenset({
    "progress.dose", "progress.exercise", "progress.step",
    "regress.dose", "regress.exercise",
    "pain.swap", "pain.drop", "pain.block_move",
    "red_flag.sharp", "red_flag.repeated", "red_flag.worse",
    "cleared", "unlock.first", "unlock.next_step", "relock.failed", "relock.hurt",
    *(f"undo.{k}" for k in ("progress", "regress", "pain_swap", "cleared", "unlock")),
})
REFUSALS = frozenset({"undo.unknown", "undo.already", "undo.not_undoable", "undo.superseded",
                      "retest.red_flag", "retest.too_soon"})


def change_params(change: Change, ladders: Ladders,
                  names: Mapping[str, str]) -> dict[str, object]:
    """Everything the change template needs to say precisely what changed."""
    return {
        "id": change.id, "kind": change.kind, "reason": change.reason,
        "role": _role(change),
        "params": dict(change.params), "undoable": change.undoable,
        "side": _side(change),
        "before": _dose(change.before, ladders, names),
        "after": _dose(change.after, ladders, names),
        "move": names.get(str(change.params.get("exercise", "")), ""),
        # A pain change's check-in comes the morning after the session's day: named, so
        # "tomorrow" never means a day the runner did not expect.
        "checkin_day": WEEKDAYS[(change.on + timedelta(days=1)).weekday()],
    }


def _role(change: Change) -> str | None:
    slot = change.after or change.before
    return slot.role if slot else None


def _side(change: Change) -> str | None:
    slot = change.after or change.before
    return slot.side if slot else None


def change_reply(change: Change, ladders: Ladders, names: Mapping[str, str]) -> Reply:
    return Reply(CHANGE_TEMPLATE, change_params(change, ladders, names))


def refusal_reply(refusal: Refusal) -> Reply:
    return Reply(REFUSAL_TEMPLATE, {"reason": refusal.reason, "params": dict(refusal.params)})


def _dose(slot: Slot | None, ladders: Ladders,
          names: Mapping[str, str]) -> dict[str, object] | None:
    if slot is None:
        return None
    rung = ladders[slot.ladder].rung(slot.rung)
    return {**rung_params(rung, names), "dropped": slot.dropped, "locked": slot.locked,
            "step_cap": slot.step_cap}


def rung_params(rung: Rung, names: Mapping[str, str]) -> dict[str, object]:
    return {
        "exercise": rung.exercise, "name": names.get(rung.exercise or "", rung.exercise),
        "sets": rung.sets, "reps": list(rung.reps) if rung.reps else None,
        "seconds": list(rung.seconds) if rung.seconds else None, "rounds": rung.rounds,
        "distance_m": rung.distance_m, "per_side": rung.per_side, "step": rung.step,
    }
