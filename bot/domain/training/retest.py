"""Re-tests of the thigh-to-ribcage test (and the knee-lift hold), as coaching-facts says.

Offered every 4 weeks, taken at most once every 3 (right after a clinician's clearance the
tests come first, whenever that is). Per side: a first unlock goes to the placement step
(knee-lift held -> 3, else 1); each later passing re-test allows one step more; a re-test that
fails or hurts locks flexion strength on that side again, and the change says so.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from bot.domain.training.build import HURT, passed, placement_step
from bot.domain.training.ladders import Ladder, Ladders, first_rung_of_step
from bot.domain.training.model import (
    SIDES,
    Change,
    Plan,
    Refusal,
    RetestResult,
    Slot,
    Step,
    flexion_slot_id,
)
from bot.domain.training.rules import slot_change

RETEST_MIN = timedelta(weeks=3)
RETEST_OFFER = timedelta(weeks=4)


def retest_allowed_from(plan: Plan) -> date:
    """The first local date a re-test may be taken."""
    last = plan.last_test or plan.start
    return last if plan.flags.awaiting_retest else last + RETEST_MIN


def retest_due(plan: Plan, on: date) -> bool:
    """Whether to offer (and remind about) a re-test on ``on``."""
    if plan.flags.red_flag:
        return False
    if plan.flags.awaiting_retest:
        return True
    return on >= (plan.last_test or plan.start) + RETEST_OFFER


def retest(plan: Plan, ladders: Ladders, result: RetestResult, on: date) -> Step | Refusal:
    if plan.flags.red_flag:
        return Refusal("retest.red_flag")
    allowed = retest_allowed_from(plan)
    if on < allowed:
        return Refusal("retest.too_soon", {"from": allowed.isoformat()})
    held = passed(result.knee_lift) if result.knee_lift is not None else plan.knee_lift_held
    plan = replace(plan, last_test=on, knee_lift_held=held,
                   flags=replace(plan.flags, awaiting_retest=False))
    changes: list[Change] = []
    ladder = ladders["flexion_steps"]
    for side in SIDES:
        step = _side(plan, ladder, side, result.thigh(side), on)
        plan, changes = step.plan, [*changes, *step.changes]
    return Step(plan, tuple(changes))


def _side(plan: Plan, ladder: Ladder, side: str, result: str, on: date) -> Step:
    slot = plan.slot(flexion_slot_id(side))
    if passed(result):
        return _pass(plan, ladder, slot, on)
    hurt = result == HURT
    if slot.locked and (slot.test_hurt or not hurt):
        return Step(plan)  # still locked, nothing new to say
    after = replace(slot, locked=True, test_hurt=slot.test_hurt or hurt)
    reason = "relock.hurt" if hurt else "relock.failed"
    # Not undoable: a failed or painful test is a safety fact, not a preference.
    return slot_change(plan, "relock", on, slot, after, reason, {"side": side},
                       undoable=False)


def _pass(plan: Plan, ladder: Ladder, slot: Slot, on: date) -> Step:
    top = max(r.step or 0 for r in ladder.rungs)
    if slot.locked:
        step = placement_step(plan.knee_lift_held)
        if slot.ever_unlocked and slot.step_cap is not None:
            step = min(step, slot.step_cap)
        rung = slot.rung if (slot.ever_unlocked and (ladder.rung(slot.rung).step or 0) <= step) \
            else first_rung_of_step(ladder, step)
        after = replace(slot, locked=False, test_hurt=False, step_cap=step, rung=rung,
                        ever_unlocked=True)
        return slot_change(plan, "unlock", on, slot, after, "unlock.first",
                           {"side": slot.side, "step": step})
    cap = min((slot.step_cap or 1) + 1, top)
    if cap == slot.step_cap:
        return Step(plan)
    after = replace(slot, step_cap=cap, test_hurt=False)
    return slot_change(plan, "unlock", on, slot, after, "unlock.next_step",
                       {"side": slot.side, "step": cap})
