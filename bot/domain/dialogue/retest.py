"""The re-test feature: ``/retest`` asks the three self-tests again and rebuilds the plan.

Owns the ``retest`` state. Not offered on the red-flag path.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from bot.domain.buttons import Choice, Feature
from bot.domain.clearance import RETESTED_TEMPLATE
from bot.domain.dialogue import safe
from bot.domain.dialogue.plan import save_plan
from bot.domain.dialogue.questions import BY_ID, SELF_TESTS
from bot.domain.dialogue.state import (
    Dialogue,
    RecordAnswer,
    RetestDraft,
    State,
    Transition,
    goto,
    stale,
)
from bot.domain.model import Context, OptionMatcher, Reply, button
from bot.domain.safety import retest_allowed
from bot.domain.week import Progress

FLEXION_STEPS = 4


def start(d: Dialogue) -> Transition:
    if not retest_allowed(safe.status_of(d.answers)):
        return Transition(goto(d, State.READY), (Reply("retest_red_flag"),))
    testing = goto(d, State.RETEST, RetestDraft())
    return Transition(testing, (Reply("retest_intro"), retest_reply(testing)))


def _question(d: Dialogue) -> str:
    step = d.draft.step if isinstance(d.draft, RetestDraft) else 0
    return SELF_TESTS[step]


def options(d: Dialogue) -> tuple[str, ...]:
    return BY_ID[_question(d)].options


def retest_reply(d: Dialogue) -> Reply:
    question = _question(d)
    buttons = tuple((button(f"{question}.{o}", Choice(d.turn, Feature.RETEST, "pick", o)),)
                    for o in options(d))
    return Reply(f"q_{question}", {"current": None, "editing": False}, buttons)


def prompt(d: Dialogue, ctx: Context) -> tuple[Reply, ...]:
    return (retest_reply(d),)


def on_choice(d: Dialogue, c: Choice, ctx: Context) -> Transition:
    if not isinstance(d.draft, RetestDraft) or c.arg not in options(d):
        return stale(d)
    question = _question(d)
    results = {**d.draft.results, question: c.arg}
    step = d.draft.step + 1
    if step < len(SELF_TESTS):
        testing = goto(d, State.RETEST, RetestDraft(step, results))
        return Transition(testing, (retest_reply(testing),), (RecordAnswer(question, c.arg),),
                          close_source=True)
    return _done(d, results, ctx, RecordAnswer(question, c.arg))


def on_text(d: Dialogue, text: str, ctx: Context, match: OptionMatcher) -> Transition:
    picked = match(_question(d), options(d), text)
    if picked is None:
        return Transition(d, (Reply("hint_buttons", {"said": text}),) + prompt(d, ctx))
    return on_choice(d, Choice(d.turn, Feature.RETEST, "pick", picked), ctx)


def cancel(d: Dialogue) -> Transition:
    return Transition(goto(d, State.READY), (Reply("retest_cancelled"),))


def _done(d: Dialogue, results: Mapping[str, str], ctx: Context,
          last: RecordAnswer) -> Transition:
    before = {q: d.answers.get(q) for q in SELF_TESTS}
    answers, noted = safe.after_retest({**d.answers, **results}, ctx.now)
    progress = _progress_after(ctx.coach.progress, before, results)
    saved = save_plan("retest", answers, ctx.coach, progress)
    # The plan says whether flexion strength is open: a failed thigh test keeps it locked.
    reply = Reply("retest_done", {"before": before, "after": dict(results),
                                  "step": saved.plan.get("flexion_step"),
                                  "changes": list(saved.changes)})
    back = (Reply(RETESTED_TEMPLATE),) if noted else ()
    return Transition(goto(d, State.READY, answers=answers), (reply, *back),
                      (last, *noted, saved), close_source=True)


def _progress_after(progress: Progress, before: Mapping[str, object],
                    after: Mapping[str, object]) -> Progress:
    """A pass unlocks: a side that now reaches its ribs, and the next flexion step."""
    left = progress.retest_left or after.get("thigh_left") == "pass"
    right = progress.retest_right or after.get("thigh_right") == "pass"
    step = progress.flexion_step or (3 if before.get("knee_lift") == "pass" else 1)
    if all(after.get(q) == "pass" for q in SELF_TESTS):
        step = min(step + 1, FLEXION_STEPS)
    return replace(progress, retest_left=left, retest_right=right, flexion_step=step)
