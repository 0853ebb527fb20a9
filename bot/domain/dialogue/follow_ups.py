"""What follows a report: a plan change's own Undo, and the day-after hip check-in."""

from __future__ import annotations

from dataclasses import replace

from bot.domain import training
from bot.domain.buttons import Choice
from bot.domain.dialogue import coaching
from bot.domain.dialogue.plan import answers_of, flagged, local_today
from bot.domain.dialogue.state import (
    Dialogue,
    RecordAnswer,
    State,
    Transition,
    goto,
    strings,
)
from bot.domain.model import Context, Reply


def undo(d: Dialogue, c: Choice, ctx: Context) -> Transition:
    """A change's own Undo: exactly that change, told precisely, or why not."""
    kit = ctx.coach
    on = local_today(d.answers, ctx.now)
    plan = coaching.plan_of(d.answers, kit, on)
    change_id = int(c.arg) if c.arg.isdigit() else _newest_undoable(plan)
    ready = goto(d, State.READY)
    result = training.undo(plan, change_id, on)
    if isinstance(result, training.Refusal):
        return Transition(ready, (training.refusal_reply(result),), close_source=True)
    saved = coaching.save("undo", result.plan, kit, on)
    return Transition(ready, coaching.change_replies(result.changes, kit, ready.turn), (saved,),
                      close_source=True)


def _newest_undoable(plan: training.Plan) -> int:
    """An Undo button from before changes had ids: the newest change still undoable."""
    return next((c.id for c in reversed(plan.changes) if c.undoable and c.undone_on is None), 0)


# The local day the last check-in was answered: its buttons count once.
CHECKIN_ANSWERED = "checkin_answered"


def hip_check_in(d: Dialogue, feel: str, ctx: Context) -> Transition:
    """The day after a pain swap: better keeps the easier move, same keeps it another week,
    worse takes the red-flag path. A second tap on the same day's check-in is only noted."""
    kit = ctx.coach
    on = local_today(d.answers, ctx.now)
    if d.answers.get(CHECKIN_ANSWERED) == on.isoformat():
        return Transition(d, (Reply("checkin_already"),), toast="toast.checkin_noted",
                          close_source=True)
    d = replace(d, answers={**d.answers, CHECKIN_ANSWERED: on.isoformat()})
    plan = coaching.plan_of(d.answers, kit, on)
    pain = plan.pains[-1] if plan.pains else None
    slot = pain.slot if pain else ""
    # Say "the easier version" only when that pain swapped one in (not for a move off the plan).
    swapped = pain is not None and any(c.kind == "pain_swap" and c.slot == pain.slot
                                       and c.on == pain.on for c in plan.changes)
    answer = Reply("checkin_answer", {"feel": feel, "swapped": swapped or pain is None})
    step = training.checkin(plan, slot, feel, on)
    if not step.changes:
        return Transition(d, (answer,), close_source=True)
    answers = answers_of(flagged(d.answers, "pain_reports"))
    saved = coaching.save("adapt", step.plan, kit, on)
    return Transition(goto(d, State.READY, answers=answers),
                      (answer, *coaching.change_replies(step.changes, kit, d.turn)),
                      (RecordAnswer("red_flags", strings(answers["red_flags"])), saved),
                      close_source=True)
