"""Adapting the plan from the history, as coaching-facts "Adapting" says. Pure functions.

- At most one session per slot per local date counts (the first one, unless the day's report
  is told again with more in it: an amendment replaces it; pain always acts).
- Progress: the last 2 counted sessions since the slot's last change are clean (on different
  days, since one counts per day), and 7 days have passed since that change. At most 2
  progressions per ISO week across the plan; the slots waiting longest go first.
- Regress: the last 2 counted sessions since the slot's last change were hard.
- Pain: at once to the easier exercise of the same motion, or the slot is dropped; sharp pain,
  or pain twice within 14 days on the same side, starts the red-flag path. Pain on a move the
  plan no longer has changes no slot but counts the same for safety.
- Undo restores exactly what its change replaced. The undo is itself the slot's latest change,
  so the same change can only come back after 2 new supporting sessions and 7 more days.
"""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import date, timedelta

from bot.domain.training.ladders import (
    Ladders,
    easier_exercise_rung,
    lower_rung,
    next_rung,
)
from bot.domain.training.model import (
    OFF_PLAN,
    OUTCOME_WEIGHT,
    SIDES,
    VOLUME_SETS,
    Change,
    Counted,
    Flags,
    PainMark,
    Params,
    Plan,
    Refusal,
    Session,
    Slot,
    SlotOutcome,
    Step,
)

SPACING = timedelta(days=7)
PAIN_WINDOW = timedelta(days=14)
PROGRESSIONS_PER_WEEK = 2
# Roles whose dose the start window fixes: they wait until it is over.
HELD_IN_START = {"conservative": None,
                 "comeback": frozenset({"volume", "volume_sets", "circuit", "hills"})}


# ---- recording what happened


def record_session(plan: Plan, ladders: Ladders, session: Session) -> Step:
    """Count the session and act on pain and hard sessions at once (progressions wait for
    ``progressions``, so they are never told in the same message as a pain report)."""
    changes: list[Change] = []
    hard: list[str] = []
    for outcome in session.outcomes:
        if outcome.slot not in plan.slots:
            # A move that left the plan: nothing to count or swap, but pain still counts.
            if outcome.outcome == "pain":
                step = _pain(plan, ladders, replace(outcome, slot=OFF_PLAN), session.on)
                plan, changes = step.plan, [*changes, *step.changes]
            continue
        plan = _count(plan, _worst(session, outcome.slot), session.on, session.amends)
        if outcome.outcome == "pain" and outcome.slot != VOLUME_SETS:
            # Pain belongs to the move's own slot; the session's set count does not swap.
            step = _pain(plan, ladders, outcome, session.on)
            plan, changes = step.plan, [*changes, *step.changes]
        elif outcome.outcome == "hard":
            hard.append(outcome.slot)
    for slot_id in dict.fromkeys(hard):
        step = _maybe_regress(plan, ladders, slot_id, session.on)
        plan, changes = step.plan, [*changes, *step.changes]
    return Step(plan, tuple(changes))


def _worst(session: Session, slot_id: str) -> SlotOutcome:
    """A slot several moves share (a block, the volume's set count) counts as its hardest
    move; but one hard move among many is "mixed": not clean, yet not a hard session either,
    so a block does not swing down and up again on one tough move."""
    mine = [o for o in session.outcomes if o.slot == slot_id]
    worst = max(mine, key=lambda o: OUTCOME_WEIGHT.get(o.outcome, 0))
    hard = sum(1 for o in mine if o.outcome == "hard")
    if worst.outcome == "hard" and 2 * hard < len(mine):
        return replace(worst, outcome="mixed")
    return worst


def _count(plan: Plan, outcome: SlotOutcome, on: date, amends: bool = False) -> Plan:
    counted = next((c for c in plan.log if c.slot == outcome.slot and c.on == on), None)
    if counted is not None and amends:  # the day's one session, told again with more in it
        kept = tuple(c for c in plan.log if c is not counted)
        if outcome.outcome == "skipped":
            return replace(plan, log=kept)
        return replace(plan, log=(*kept, Counted(outcome.slot, on, outcome.outcome)))
    if outcome.outcome == "skipped" or counted is not None:
        return plan
    return replace(plan, log=(*plan.log, Counted(outcome.slot, on, outcome.outcome)))


def last_change_on(plan: Plan, slot_id: str) -> date | None:
    return max((c.on for c in plan.changes if c.slot == slot_id), default=None)


def counted_since_change(plan: Plan, slot_id: str, today: date | None = None) -> list[Counted]:
    """The counted sessions after the slot's last change (all of them when it never changed);
    sessions from before the latest break (as of ``today``) do not count."""
    since = last_change_on(plan, slot_id)
    back = plan.back_from_break(today) if today is not None else None
    return sorted((c for c in plan.log if c.slot == slot_id and (since is None or c.on > since)
                   and (back is None or c.on >= back)), key=lambda c: c.on)


# ---- pain


def _pain(plan: Plan, ladders: Ladders, outcome: SlotOutcome, on: date) -> Step:
    sides = SIDES if outcome.side not in SIDES else (outcome.side,)
    if _told_already(plan, outcome, sides, on):
        return Step(plan)  # the same report again
    # Another day's pain, on any move (in the plan or not): one pain felt in two moves of a
    # session is one pain, not two.
    repeated = any(p.side in sides and timedelta(0) < on - p.on < PAIN_WINDOW
                   for p in plan.pains)
    plan = replace(plan, pains=(*plan.pains, *(PainMark(on, s, outcome.slot, outcome.exercise)
                                               for s in sides)))
    swap = _swap(plan, ladders, outcome, on) if outcome.slot != OFF_PLAN else Step(plan)
    params: Params = {"slot": outcome.slot, "side": outcome.side}
    if outcome.severity == "sharp":
        flag = red_flag(swap.plan, on, "red_flag.sharp", params)
    elif repeated:
        flag = red_flag(swap.plan, on, "red_flag.repeated", params)
    else:
        return swap
    return Step(flag.plan, (*swap.changes, *flag.changes))


def _told_already(plan: Plan, outcome: SlotOutcome, sides: tuple[str, ...], on: date) -> bool:
    """This pain was marked already today (the day's report told again)."""
    return any(p.on == on and p.slot == outcome.slot and p.side in sides
               and (outcome.slot != OFF_PLAN or p.exercise == outcome.exercise)
               for p in plan.pains)


def _swap(plan: Plan, ladders: Ladders, outcome: SlotOutcome, on: date) -> Step:
    slot = plan.slot(outcome.slot)
    if slot.dropped:
        return Step(plan)
    ladder = ladders[slot.ladder]
    params: dict[str, str | int] = {"side": outcome.side}
    if ladder.moves and outcome.exercise in ladder.moves:
        if outcome.exercise in slot.excluded:
            return Step(plan)
        after = replace(slot, excluded=(*slot.excluded, outcome.exercise))
        return slot_change(plan, "pain_swap", on, slot, after, "pain.block_move",
                           {**params, "exercise": outcome.exercise})
    easier = easier_exercise_rung(ladder, slot.rung)
    if easier is None:
        return slot_change(plan, "pain_swap", on, slot, replace(slot, dropped=True),
                           "pain.drop", params)
    return slot_change(plan, "pain_swap", on, slot, replace(slot, rung=easier), "pain.swap",
                       params)


# ---- hard sessions and progress


def _maybe_regress(plan: Plan, ladders: Ladders, slot_id: str, on: date) -> Step:
    slot = plan.slot(slot_id)
    if plan.flags.red_flag or slot.dropped:
        return Step(plan)
    recent = counted_since_change(plan, slot_id, on)[-2:]
    if len(recent) < 2 or any(c.outcome != "hard" for c in recent):
        return Step(plan)
    ladder = ladders[slot.ladder]
    lower = _lower(plan, ladders, slot)
    if lower is None:
        return Step(plan)
    same = ladder.rung(lower).exercise == ladder.rung(slot.rung).exercise
    return slot_change(plan, "regress", on, slot, replace(slot, rung=lower),
                       "regress.dose" if same else "regress.exercise", {"times": 2})


def _lower(plan: Plan, ladders: Ladders, slot: Slot) -> int | None:
    """One step down that the runner would notice: a motion of the volume shows the session's
    set count at most, so a rung with the same exercise and the same sets shown is skipped."""
    ladder = ladders[slot.ladder]
    lower = lower_rung(ladder, slot.rung)
    shown = _session_sets(plan, ladders) if slot.role == "volume" else None
    if shown is None:
        return lower
    now = ladder.rung(slot.rung)
    while lower is not None and ladder.rung(lower).exercise == now.exercise \
            and min(ladder.rung(lower).sets, shown) >= min(now.sets, shown):
        lower = lower_rung(ladder, lower)
    return lower


def _session_sets(plan: Plan, ladders: Ladders) -> int | None:
    sets = plan.slots.get(VOLUME_SETS)
    return ladders[sets.ladder].rung(sets.rung).sets if sets is not None else None


def progressions(plan: Plan, ladders: Ladders, today: date) -> Step:
    """Apply the progressions due on ``today`` (at most 2 in its ISO week), longest-waiting
    first. Call it when the changes can be told together, never beside a pain report."""
    if plan.flags.red_flag or plan.flags.awaiting_retest:
        return Step(plan)
    week = today.isocalendar()[:2]
    made = sum(1 for c in plan.changes if c.kind == "progress" and c.on.isocalendar()[:2] == week)
    budget = max(PROGRESSIONS_PER_WEEK - made, 0)
    changes: list[Change] = []
    for _, _, slot_id, target in _waiting(plan, ladders, today)[:budget]:
        slot = plan.slot(slot_id)
        step = slot_change(plan, "progress", today, slot, replace(slot, rung=target),
                           _progress_reason(ladders, slot, target), {"sessions": 2})
        plan, changes = step.plan, [*changes, *step.changes]
    return Step(plan, tuple(changes))


def _waiting(plan: Plan, ladders: Ladders, today: date) -> list[tuple[date, int, str, int]]:
    """The slots due to progress, longest-waiting first (then in plan order)."""
    order = {slot_id: i for i, slot_id in enumerate(plan.slots)}
    return sorted((waiting, order[slot.id], slot.id, target)
                  for slot in plan.slots.values()
                  for waiting, target in [_due(plan, ladders, slot, today)]
                  if waiting is not None and target is not None)


def _due(plan: Plan, ladders: Ladders, slot: Slot, today: date) -> tuple[date | None, int | None]:
    """(since when it has been waiting, the rung it would move to), or (None, None)."""
    if slot.dropped or slot.locked or _held(plan, slot, today) or _volume_waits(plan, ladders,
                                                                                 slot):
        return None, None
    ladder = ladders[slot.ladder]
    target = next_rung(ladder, slot.rung, slot.step_cap)
    if target is None:
        return None, None
    since = last_change_on(plan, slot.id) or plan.start
    counted = counted_since_change(plan, slot.id, today)
    recent = counted[-2:]
    if today < since + SPACING or len(recent) < 2 or any(c.outcome != "done" for c in recent):
        return None, None
    return max(since + SPACING, _clean_pair_on(counted)), target


def _volume_waits(plan: Plan, ladders: Ladders, slot: Slot) -> bool:
    """A motion moves on to its harder exercise only once the session is at its top set
    count: the set count is the first step of the volume's ladder, for all six together."""
    sets = plan.slots.get(VOLUME_SETS)
    if slot.role != "volume" or sets is None:
        return False
    return next_rung(ladders[sets.ladder], sets.rung) is not None


def _clean_pair_on(counted: list[Counted]) -> date:
    """When the slot first had two clean sessions in a row since its last change: the
    waiting starts there, so a slot that keeps training does not lose its place."""
    for before, current in itertools.pairwise(counted):
        if before.outcome == current.outcome == "done":
            return current.on
    return counted[-1].on


def _held(plan: Plan, slot: Slot, today: date) -> bool:
    if not plan.in_start_window(today):
        return False
    roles = HELD_IN_START.get(plan.mode_on(today))
    return roles is None or slot.role in roles


def _progress_reason(ladders: Ladders, slot: Slot, target: int) -> str:
    ladder = ladders[slot.ladder]
    old, new = ladder.rung(slot.rung), ladder.rung(target)
    if old.step != new.step:
        return "progress.step"
    return "progress.dose" if old.exercise == new.exercise else "progress.exercise"


# ---- flags: red flag, check-in, clearance


def red_flag(plan: Plan, on: date, reason: str, params: Params | None = None) -> Step:
    """Start the red-flag path. Not undoable: only a clinician's clearance ends it."""
    if plan.flags.red_flag:
        return Step(plan)
    after = replace(plan.flags, red_flag=True, red_flag_on=on, awaiting_retest=False)
    return flag_change(plan, "red_flag", on, after, reason, params or {}, undoable=False)


def checkin(plan: Plan, slot_id: str, answer: str, on: date) -> Step:
    """The morning-after question: better keeps the easier move, same keeps it another week,
    worse starts the red-flag path."""
    if answer == "worse":
        return red_flag(plan, on, "red_flag.worse", {"slot": slot_id})
    return Step(plan)


def clear(plan: Plan, on: date) -> Step:
    """The runner confirmed a clinician cleared them: the self-tests come before strength."""
    if not plan.flags.red_flag:
        return Step(plan)
    after = replace(plan.flags, red_flag=False, cleared_on=on, awaiting_retest=True)
    return flag_change(plan, "cleared", on, after, "cleared", {})


# ---- undo


def undo(plan: Plan, change_id: int, on: date) -> Step | Refusal:
    """Restore exactly what change ``change_id`` replaced, if nothing changed it since."""
    change = plan.change(change_id)
    if change is None:
        return Refusal("undo.unknown", {"change": change_id})
    if change.undone_on is not None:
        return Refusal("undo.already", {"change": change_id})
    if not change.undoable:
        return Refusal("undo.not_undoable", {"change": change_id, "kind": change.kind})
    current_ok = (plan.slot(change.slot) == change.after if change.slot is not None
                  else plan.flags == change.flags_after)
    if not current_ok:
        return Refusal("undo.superseded", {"change": change_id})
    marked = tuple(replace(c, undone_on=on) if c.id == change_id else c for c in plan.changes)
    plan = replace(plan, changes=marked)
    params: Params = {"undone": change.id, "undone_kind": change.kind}
    if change.slot is not None and change.before is not None and change.after is not None:
        return slot_change(plan, "undo", on, change.after, change.before,
                           f"undo.{change.kind}", params, undoable=False, undoes=change.id)
    assert change.flags_before is not None  # a flag change always carries both
    return flag_change(plan, "undo", on, change.flags_before, f"undo.{change.kind}", params,
                       undoable=False, undoes=change.id)


# ---- building change records


def slot_change(plan: Plan, kind: str, on: date, before: Slot, after: Slot, reason: str,
                params: Params, *, undoable: bool = True, undoes: int | None = None) -> Step:
    change = Change(plan.next_change_id(), kind, on, before.id, reason, dict(params), before,
                    after, undoable=undoable, undoes=undoes)
    new = replace(plan.with_slot(after), changes=(*plan.changes, change))
    return Step(new, (change,))


def flag_change(plan: Plan, kind: str, on: date, after: Flags, reason: str, params: Params,
                *, undoable: bool = True, undoes: int | None = None) -> Step:
    change = Change(plan.next_change_id(), kind, on, None, reason, dict(params),
                    flags_before=plan.flags, flags_after=after, undoable=undoable,
                    undoes=undoes)
    return Step(replace(plan, flags=after, changes=(*plan.changes, change)), (change,))
