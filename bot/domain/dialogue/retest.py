"""The re-test feature: ``/retest`` asks the three self-tests again and rebuilds the plan.

Owns the ``retest`` state. Not offered on the red-flag path.
"""

from __future__ import annotations

from collections.abc import Mapping

from bot.domain import training
from bot.domain.buttons import Choice, Feature
from bot.domain.dialogue import coaching
from bot.domain.dialogue.plan import local_today
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


def start(d: Dialogue, ctx: Context) -> Transition:
    if d.answers.get("red_flags"):
        return Transition(goto(d, State.READY), (Reply("retest_red_flag"),))
    on = local_today(d.answers, ctx.now)
    plan = coaching.stored_plan(ctx.coach)
    if plan is not None and on < training.retest_allowed_from(plan):
        refusal = training.Refusal("retest.too_soon",
                                   {"from": training.retest_allowed_from(plan).isoformat()})
        return Transition(goto(d, State.READY), (training.refusal_reply(refusal),))
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
    kit = ctx.coach
    on = local_today(d.answers, ctx.now)
    before = {q: d.answers.get(q) for q in SELF_TESTS}
    answers = {**d.answers, **results}
    plan = coaching.plan_of(d.answers, kit, on)
    result = training.retest(plan, kit.ladders, training.RetestResult(
        results["thigh_left"], results["thigh_right"], results.get("knee_lift")), on)
    ready = goto(d, State.READY, answers=answers)
    if isinstance(result, training.Refusal):
        return Transition(ready, (training.refusal_reply(result),), (last,), close_source=True)
    saved = coaching.save("retest", result.plan, kit, on)
    reply = Reply("retest_done", {"before": before, "after": dict(results),
                                  "step": saved.plan.get("flexion_step"),
                                  "changes": list(saved.changes)})
    return Transition(ready, (reply, *coaching.change_replies(result.changes, kit, ready.turn)),
                      (last, saved), close_source=True)
