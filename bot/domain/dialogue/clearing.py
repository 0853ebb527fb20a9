"""Leaving the red-flag path, and the clinician summary: the safety feature of the dialogue.

Two steps (``bot.domain.clearance``): "a clinician cleared me" (a button on the red-flag
messages and the weekly check-in, ``/settings``, or free text ``says_cleared`` recognises)
asks "Just to be sure?"; only the "Yes" button stores the clearance with its time. Then the
self-tests are taken again (the router starts ``/retest``), and strength returns only after
them (``safe.status_of``). ``/summary`` asks the service for the one-page PDF.
"""

from __future__ import annotations

from dataclasses import replace

from bot.domain import clearance, safety
from bot.domain.buttons import Choice, Feature
from bot.domain.dialogue import coaching, safe
from bot.domain.dialogue.plan import answers_of, local_today, save_plan
from bot.domain.dialogue.state import (
    Dialogue,
    Effect,
    RecordAnswer,
    ReportKind,
    ShowReport,
    State,
    Transition,
    goto,
    stale,
    strings,
)
from bot.domain.model import Button, Context, Keyboard, Reply, button

# Replies on the red-flag path that carry the "cleared" and "summary" buttons.
RED_FLAG_TEMPLATES = frozenset({"red_flag_heard", "feedback_red_flag", "safety/red_flag_welcome",
                                "retest_red_flag", "settings_intro", "checkin_answer"})


def offer_buttons(turn: int) -> Keyboard:
    return ((button(clearance.OFFER_LABEL, Choice(turn, Feature.SAFE, "clear")),),
            (button("safety.summary", Choice(turn, Feature.SAFE, "summary")),))


def with_offer(reply: Reply, turn: int) -> Reply:
    """On the red-flag path, its messages (and any view showing its advice) carry the way out
    and the summary. Both buttons start something, so any turn reads them."""
    advice = safety.NOTICE_RED_FLAG in strings(reply.params.get("safety_notes"))
    if reply.template not in RED_FLAG_TEMPLATES and not advice:
        return reply
    return Reply(reply.template, reply.params, reply.buttons + offer_buttons(turn), reply.edit,
                 reply.request_location, reply.dismiss_keyboard)


def offer_on_red_flag_path(t: Transition) -> Transition:
    """Every reply of a step, for a runner on the red-flag path: see ``with_offer``."""
    if not safe.on_red_flag_path(t.dialogue.answers) or not t.replies:
        return t
    return replace(t, replies=tuple(with_offer(r, t.dialogue.turn) for r in t.replies))


def ask(d: Dialogue) -> Transition:
    """The first step; with no warning sign in force there is nothing to clear."""
    if not safe.flags_of(d.answers):
        return Transition(goto(d, State.READY), (Reply("safety/clear_nothing"),))
    asking = goto(d, State.READY)
    buttons: tuple[tuple[Button, ...], ...] = (
        (button(clearance.CONFIRM_LABEL, Choice(asking.turn, Feature.SAFE, "yes")),),
        (button(clearance.DECLINE_LABEL, Choice(asking.turn, Feature.SAFE, "no")),))
    return Transition(asking, (Reply(clearance.ASK_TEMPLATE, {}, buttons),), close_source=True)


def on_choice(d: Dialogue, c: Choice, ctx: Context) -> Transition:
    """The confirmation's two buttons; they answer only the question they were drawn for."""
    if c.turn != d.turn or d.state is not State.READY:
        return stale(d)
    if c.action == "no":
        return Transition(goto(d, State.READY), (Reply(clearance.DECLINED_TEMPLATE),),
                          close_source=True)
    if c.action == "yes" and safe.flags_of(d.answers):
        return confirm(d, ctx)
    return stale(d)


def confirm(d: Dialogue, ctx: Context) -> Transition:
    """Store the clearance with its time; the plan stays gentle until the self-tests."""
    answers = answers_of(safe.cleared(d.answers, ctx.now))
    effects: list[Effect] = [RecordAnswer(q, answers[q])
                             for q in ("cleared_on", "cleared_flags", "red_flags")]
    effects.append(cleared_plan(answers, ctx))
    day = ctx.now.date().isoformat()
    done = goto(d, State.READY, answers=answers)
    return Transition(done, (Reply(clearance.CONFIRMED_TEMPLATE, {"cleared_on": day}),),
                      tuple(effects), close_source=True)


def cleared_plan(answers: dict[str, str | int | list[str]], ctx: Context) -> Effect:
    """The plan after a clearance: the training model leaves the red-flag path and waits for
    the self-tests (``coaching.clearance``); a plan never flagged is only saved again."""
    on = local_today(answers, ctx.now)
    cleared = coaching.clearance(answers, ctx.coach, on)
    return cleared[0] if cleared else save_plan("clearance", answers, ctx.coach, on)


def summary(d: Dialogue) -> Transition:
    return Transition(goto(d, State.READY), effects=(ShowReport(ReportKind.SUMMARY),))


def heard_cleared(d: Dialogue, text: str) -> bool:
    """Free text such as "my physio cleared me", from a runner with a warning sign in force."""
    return bool(strings(d.answers.get("red_flags"))) and clearance.says_cleared(text)
