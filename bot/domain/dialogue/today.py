"""The today feature: ``/today`` and the guided walk-through, one exercise per message.

Owns the ``walk`` state. A finished (or stopped) walk becomes a report, concluded by the
shared ``plan.report_or_ask``.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from bot.domain import listen
from bot.domain.buttons import Choice, Feature
from bot.domain.dialogue import coaching, safe
from bot.domain.dialogue.plan import (
    conclude,
    local_today,
    report_or_ask,
    to_walk,
    today_reply,
    with_red_flags,
)
from bot.domain.dialogue.state import (
    Dialogue,
    PendingRow,
    Report,
    ReportRow,
    State,
    Transition,
    WalkDraft,
    goto,
    stale,
)
from bot.domain.feedback import FeedbackReading, Finding
from bot.domain.feedback_words import Intent
from bot.domain.model import CoachKit, Context, OptionMatcher, Reply, button

WALK_OUTCOMES = ("done", "hard", "pain", "skip")
# The walk's buttons: an outcome, "which move did you mean?", and "skip the rest?".
WALK_ACTIONS = (*WALK_OUTCOMES, "pick", "rest", "keep")
# A typed outcome as the walk's own (sore, easy... count as done here; the report keeps them).
OUTCOME_TO_WALK = {"hard": "hard", "pain": "pain", "skipped": "skip"}
CLEAN = frozenset({"done", "easy", "skipped"})


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
    if not isinstance(d.draft, WalkDraft):
        return stale(d)
    draft = d.draft
    if c.action == "pick":
        return _picked(d, draft, c.arg, ctx)
    if c.action == "rest":  # "skip the rest" after "can I skip today?"
        rest = {str(i["id"]): "skip" for i in draft.items[draft.index:]}
        return _finish(d, draft, {**draft.outcomes, **rest}, ctx)
    if c.action == "keep":
        return Transition(d, prompt(d, ctx), close_source=True)
    if c.action not in WALK_OUTCOMES:
        return stale(d)
    item = draft.items[draft.index]
    # A tap is the newest word on this move: a note typed about it earlier gives way, except
    # that a plain Done never wipes out trouble the runner described in words.
    kept = tuple(n for n in draft.notes if n.exercise != item["id"]
                 or (c.action == "done" and n.outcome not in CLEAN))
    return _advance(d, replace(draft, notes=kept), c.action, (), ctx)


def _advance(d: Dialogue, draft: WalkDraft, outcome: str, said: tuple[Reply, ...],
             ctx: Context) -> Transition:
    """The move on screen got its outcome (a tap, or words about it): on to the next one."""
    item = draft.items[draft.index]
    outcomes = {**draft.outcomes, str(item["id"]): outcome}
    notes = (*said, *((Reply("walk_pain_stop", {"name": item["name"]}),)
                      if outcome == "pain" else ()))
    if draft.index + 1 < len(draft.items):
        nxt = replace(draft, index=draft.index + 1, outcomes=outcomes)
        walking = goto(d, State.WALK, nxt)
        return Transition(walking, (*notes, walk_reply(nxt, walking.turn)), close_source=True)
    return _finish(d, draft, outcomes, ctx, notes)


def on_text(d: Dialogue, text: str, ctx: Context, match: OptionMatcher) -> Transition:
    """Words typed mid-walk always get an answer and never change a move they do not name:
    a warning sign takes the red-flag path at once; "skip today?" offers to skip the rest;
    a question is answered and the walk stays put; words about another move go to that move;
    an outcome with no move named is this move's."""
    if not isinstance(d.draft, WalkDraft):
        return Transition(d, (Reply("hint_buttons", {"said": text}),))
    draft = d.draft
    reading = ctx.coach.read_feedback(text, tuple(str(i["id"]) for i in draft.items))
    flags = list(reading.red_flags)
    if flags or any(_sharp(f) for f in reading.findings):
        return _red_flag_now(d, draft, text, flags, reading, ctx)
    if reading.intent is Intent.SKIP:
        return _offer_skip(d, draft)
    whats_next = reading.everyday == "whats_next"
    if whats_next or reading.intent is Intent.QUESTION or text.rstrip().endswith("?"):
        return _answer(d, draft, whats_next)
    return _report_words(d, draft, text, reading, ctx, match)


def _report_words(d: Dialogue, draft: WalkDraft, text: str, reading: FeedbackReading,
                  ctx: Context, match: OptionMatcher) -> Transition:
    """Words about how a move went: the move named (asked when unsure), else this one."""
    if reading.ambiguous:
        return _ask_which(d, draft, text, reading.ambiguous[0])
    # A move named with no word on how it went is not read as done: nothing unread is clean.
    found = [_row(f, draft) for f in reading.findings if f.outcome is not None]
    if found:
        return _heard(d, draft, text, found, ctx)
    picked = match("walk", WALK_OUTCOMES, text)
    if picked is None:
        return Transition(d, (Reply("hint_buttons", {"said": text}),) + prompt(d, ctx))
    return on_choice(d, Choice(d.turn, Feature.TODAY, picked), ctx)


def _sharp(finding: Finding) -> bool:
    return finding.outcome is not None and finding.outcome.value == "pain" \
        and finding.severity is not None and finding.severity.value == "sharp"


def _row(finding: Finding, draft: WalkDraft) -> ReportRow:
    """A finding as a report row; no move named means the move on screen."""
    current = str(draft.items[draft.index]["id"])
    return ReportRow(finding.exercise_id or current,
                     finding.outcome.value if finding.outcome else "done",
                     finding.side.value if finding.side else None,
                     finding.severity.value if finding.severity else None, finding.reps)


def _heard(d: Dialogue, draft: WalkDraft, text: str, rows: list[ReportRow],
           ctx: Context) -> Transition:
    """Noted on the moves named; the walk moves on only when the move on screen was one."""
    named = {r.exercise for r in rows}
    notes = (*(n for n in draft.notes if n.exercise not in named), *rows)
    draft = replace(draft, notes=notes, words=(*draft.words, text))
    said = (listen.noted_reply(rows, ctx.coach.catalog),)
    current = str(draft.items[draft.index]["id"])
    mine = next((r for r in rows if r.exercise == current), None)
    if mine is not None:
        return _advance(d, draft, OUTCOME_TO_WALK.get(mine.outcome, "done"), said, ctx)
    walking = goto(d, State.WALK, draft)
    return Transition(walking, (*said, walk_reply(draft, walking.turn)))


def _ask_which(d: Dialogue, draft: WalkDraft, text: str, finding: Finding) -> Transition:
    pending = PendingRow(None, finding.outcome.value if finding.outcome else "done",
                         finding.side.value if finding.side else None,
                         finding.severity.value if finding.severity else None, finding.reps)
    asking = goto(d, State.WALK, replace(draft, pending=pending,
                                          candidates=tuple(finding.candidates[:4]),
                                          words=(*draft.words, text)))
    buttons = tuple((button(f"exercise.{c}", Choice(asking.turn, Feature.TODAY, "pick", c)),)
                    for c in finding.candidates[:4])
    none = (button("feedback.none", Choice(asking.turn, Feature.TODAY, "pick", "none")),)
    return Transition(asking, (Reply("feedback_pick", {}, (*buttons, none)),))


def _picked(d: Dialogue, draft: WalkDraft, exercise: str, ctx: Context) -> Transition:
    pending, candidates = draft.pending, draft.candidates
    draft = replace(draft, pending=None, candidates=())
    if pending is None or exercise not in candidates:
        walking = goto(d, State.WALK, draft)
        return Transition(walking, (Reply("feedback_dropped"), walk_reply(draft, walking.turn)),
                          close_source=True)
    row = ReportRow(exercise, *pending[1:])
    return replace(_heard(d, draft, "", [row], ctx), close_source=True)


def _offer_skip(d: Dialogue, draft: WalkDraft) -> Transition:
    buttons = ((button("walk.rest", Choice(d.turn, Feature.TODAY, "rest")),),
               (button("walk.keep", Choice(d.turn, Feature.TODAY, "keep")),))
    left = len(draft.items) - draft.index
    return Transition(d, (Reply("walk_skip_offer", {"left": left}, buttons),))


def _answer(d: Dialogue, draft: WalkDraft, whats_next: bool) -> Transition:
    """A question mid-walk: answered where it can be, and the same move shown again."""
    following = draft.items[draft.index + 1] if draft.index + 1 < len(draft.items) else None
    said = Reply("walk_asked", {"whats_next": whats_next,
                                "current": draft.items[draft.index]["name"],
                                "next": following["name"] if following else None})
    return Transition(d, (said, walk_reply(draft, d.turn)))


def _red_flag_now(d: Dialogue, draft: WalkDraft, text: str, flags: list[str],
                  reading: FeedbackReading, ctx: Context) -> Transition:
    """A warning sign typed mid-walk: the walk ends here, what was done is kept, and the
    runner is on the red-flag path in this same step, whichever move (or none) was named."""
    pains = [_row(f, draft) for f in reading.findings if f.outcome is not None
             and f.outcome.value == "pain"]
    if not pains and "sharp" in flags:  # "sharp pain, had to stop" mid-walk: this move hurt
        pains = [ReportRow(str(draft.items[draft.index]["id"]), "pain", None, "sharp")]
    draft = replace(draft, notes=(*draft.notes, *pains), words=(*draft.words, text))
    report = _report(draft, draft.outcomes)
    after = conclude(d, report, ctx.coach)
    if flags:
        after = with_red_flags(after, flags, ctx.coach, date.fromisoformat(draft.date))
    return replace(after, replies=(_done_reply(draft, draft.outcomes, ctx.coach),
                                         *after.replies))


def _report(draft: WalkDraft, outcomes: dict[str, str]) -> Report:
    """The walk as one report: each tapped move, then what was typed (the newer word)."""
    by_move = {e: ReportRow(e, listen.WALK_TO_OUTCOME[o]) for e, o in outcomes.items()}
    by_move.update({n.exercise: n for n in draft.notes})
    return Report(draft.date, draft.kind, tuple(by_move.values()),
                  " / ".join(w for w in draft.words if w) or None, "walk")


def _finish(d: Dialogue, draft: WalkDraft, outcomes: dict[str, str], ctx: Context,
            notes: tuple[Reply, ...] = ()) -> Transition:
    after = report_or_ask(d, _report(draft, outcomes), ctx.coach)
    # One message closes the session: the walk's own summary says what "Noted" would.
    rest = tuple(r for r in after.replies if r.template != "feedback_noted")
    return replace(after, replies=(*notes, _done_reply(draft, outcomes, ctx.coach), *rest),
                   close_source=True)


def _done_reply(draft: WalkDraft, outcomes: dict[str, str], kit: CoachKit) -> Reply:
    counts = {o: sum(1 for v in outcomes.values() if v == o) for o in WALK_OUTCOMES}
    return Reply("walk_done", {"counts": counts, "total": len(draft.items), "kind": draft.kind,
                               "finished": len(outcomes) == len(draft.items),
                               "variant": coaching.sessions_so_far(kit) % coaching.PHRASINGS})


def stop_walk(d: Dialogue, ctx: Context) -> Transition:
    """/cancel or another command mid-walk: what was done so far is a session of its own."""
    if not isinstance(d.draft, WalkDraft) or not d.draft.outcomes:
        return Transition(goto(d, State.READY), (Reply("walk_stopped"),))
    return _finish(d, d.draft, dict(d.draft.outcomes), ctx)
