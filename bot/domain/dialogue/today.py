"""The today feature: ``/today`` and the guided walk-through, one exercise per message.

Owns the ``walk`` state. A finished (or stopped) walk becomes a report, concluded by the
shared ``plan.report_or_ask``.
"""

from __future__ import annotations

from dataclasses import replace

from bot.domain import listen
from bot.domain.buttons import Choice, Feature
from bot.domain.dialogue import coaching, safe
from bot.domain.dialogue.plan import local_today, report_or_ask, to_walk, today_reply
from bot.domain.dialogue.state import (
    Dialogue,
    Report,
    ReportRow,
    SessionRecord,
    State,
    Transition,
    WalkDraft,
    goto,
    stale,
)
from bot.domain.model import Context, OptionMatcher, Reply, button

WALK_OUTCOMES = ("done", "hard", "pain", "skip")


def today_command(d: Dialogue, ctx: Context) -> Transition:
    ready = goto(d, State.READY)
    return Transition(ready, (today_reply(ready, ctx),))


def start_walk(d: Dialogue, ctx: Context) -> Transition:
    kit = ctx.coach
    on = local_today(d.answers, ctx.now)
    plan, day = safe.day(d.answers, kit, on)
    # Hills and backwards running are walked after the run (they count), not before it.
    views = tuple(coaching.item_view(i, kit.catalog)
                  for i in to_walk(plan, day, d.answers, ctx.now))
    if not views:
        return today_command(d, ctx)
    draft = WalkDraft(on.isoformat(), day.kind, views)
    walking = goto(d, State.WALK, draft)
    return Transition(walking, (walk_reply(draft, walking.turn),), close_source=True)


def walk_reply(draft: WalkDraft, turn: int) -> Reply:
    buttons = (tuple(button(f"walk.{o}", Choice(turn, Feature.TODAY, o))
                     for o in WALK_OUTCOMES[:2]),
               tuple(button(f"walk.{o}", Choice(turn, Feature.TODAY, o))
                     for o in WALK_OUTCOMES[2:]),
               (button("walk.how", Choice(turn, Feature.TODAY, "how")),))
    return Reply("walk_step", {"item": draft.items[draft.index], "number": draft.index + 1,
                               "total": len(draft.items)}, buttons)


def current_exercise(d: Dialogue) -> str | None:
    """The move on screen in a walk-through (its How? answers about this one)."""
    if not isinstance(d.draft, WalkDraft) or d.draft.index >= len(d.draft.items):
        return None
    return str(d.draft.items[d.draft.index]["id"])


def prompt(d: Dialogue, ctx: Context) -> tuple[Reply, ...]:
    return (walk_reply(d.draft, d.turn),) if isinstance(d.draft, WalkDraft) else ()


def on_choice(d: Dialogue, c: Choice, ctx: Context) -> Transition:
    if not isinstance(d.draft, WalkDraft) or c.action not in WALK_OUTCOMES:
        return stale(d)
    draft = d.draft
    item = draft.items[draft.index]
    outcomes = {**draft.outcomes, str(item["id"]): c.action}
    notes = (Reply("walk_pain_stop", {"name": item["name"]}),) if c.action == "pain" else ()
    if draft.index + 1 < len(draft.items):
        nxt = replace(draft, index=draft.index + 1, outcomes=outcomes)
        walking = goto(d, State.WALK, nxt)
        return Transition(walking, (*notes, walk_reply(nxt, walking.turn)), close_source=True)
    return _finish(d, draft, outcomes, ctx, notes)


def on_text(d: Dialogue, text: str, ctx: Context, match: OptionMatcher) -> Transition:
    picked = match("walk", WALK_OUTCOMES, text)
    if picked is None:
        return Transition(d, (Reply("hint_buttons", {"said": text}),) + prompt(d, ctx))
    return on_choice(d, Choice(d.turn, Feature.TODAY, picked), ctx)


def _finish(d: Dialogue, draft: WalkDraft, outcomes: dict[str, str], ctx: Context,
            notes: tuple[Reply, ...] = ()) -> Transition:
    record = SessionRecord(draft.date, draft.kind, dict(outcomes))
    counts = {o: sum(1 for v in outcomes.values() if v == o) for o in WALK_OUTCOMES}
    done = Reply("walk_done", {"counts": counts, "total": len(draft.items), "kind": draft.kind,
                               "finished": len(outcomes) == len(draft.items),
                               "variant": coaching.sessions_so_far(ctx.coach)
                               % coaching.PHRASINGS})
    rows = tuple(ReportRow(e, listen.WALK_TO_OUTCOME[o]) for e, o in outcomes.items())
    after = report_or_ask(d, Report(draft.date, draft.kind, rows), ctx.coach)
    # One message closes the session: the walk's own summary says what "Noted" would.
    rest = tuple(r for r in after.replies if r.template != "feedback_noted")
    return replace(after, replies=(*notes, done, *rest),
                   effects=(record, *after.effects), close_source=True)


def stop_walk(d: Dialogue, ctx: Context) -> Transition:
    """/cancel or another command mid-walk: what was done so far is a session of its own."""
    if not isinstance(d.draft, WalkDraft) or not d.draft.outcomes:
        return Transition(goto(d, State.READY), (Reply("walk_stopped"),))
    return _finish(d, d.draft, dict(d.draft.outcomes), ctx)
