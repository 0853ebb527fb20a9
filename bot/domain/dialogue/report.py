"""The feedback report: "which one was hard?", which one hurt, where and how bad, which move
a message meant, free text read as a report, Undo, and the day-after hip check-in.

Owns the ``feedback`` state (its draft is one of WhichHard, WhichHurt, PainDetail, PickMove).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from bot.domain import listen
from bot.domain.buttons import Choice, Feature
from bot.domain.dialogue.plan import (
    answers_of,
    flagged,
    local_today,
    plan_for,
    report_or_ask,
    save_plan,
    today_reply,
)
from bot.domain.dialogue.state import (
    Dialogue,
    PainDetail,
    PendingRow,
    PickMove,
    RecordAnswer,
    Report,
    ReportRow,
    State,
    Transition,
    WhichHard,
    WhichHurt,
    goto,
    stale,
    strings,
)
from bot.domain.feedback import FeedbackReading
from bot.domain.model import Context, OptionMatcher, Reply
from bot.domain.week import WeekPlan, today

# --- starting a report -----------------------------------------------------------------------


def ask_which_hard(d: Dialogue, ctx: Context) -> Transition:
    """"Did it" under /today or a reminder: which of today's moves was hard?"""
    on = local_today(d.answers, ctx.now)
    exercises = tuple(i.exercise for i in today(plan_for(d.answers, ctx.coach), on).items)
    if not exercises:
        ready = goto(d, State.READY)
        return Transition(ready, (today_reply(ready, ctx),))
    asking = goto(d, State.FEEDBACK, WhichHard(on.isoformat(), "today", exercises))
    return Transition(asking, (listen.which_hard_reply(exercises, [], asking.turn),),
                      close_source=True)


def on_ready_text(d: Dialogue, text: str, ctx: Context) -> Transition:
    """Free text after screening is read as a report on the training, when it is one."""
    heard = _text_report(d, text, ctx)
    return heard if heard is not None else Transition(d, (Reply("ready_text"),))


def _text_report(d: Dialogue, text: str, ctx: Context) -> Transition | None:
    kit = ctx.coach
    on = local_today(d.answers, ctx.now)
    week = plan_for(d.answers, kit)
    todays = [i.exercise for i in today(week, on).items]
    flags = listen.red_flag_words(text)
    if flags:
        return _red_flag_in_words(d, flags, ctx)
    reading = kit.read_feedback(text, todays)
    if reading.ambiguous:
        pending = reading.ambiguous[0]
        draft = PickMove(on.isoformat(), "feedback",
                         tuple(ReportRow(*r) for r in listen.rows_from_findings(reading.confident)),
                         PendingRow(None, pending.outcome or "done", _opt(pending.side),
                                    _opt(pending.severity), pending.reps),
                         tuple(pending.candidates), text)
        asking = goto(d, State.FEEDBACK, draft)
        return Transition(asking, (listen.pick_reply(pending.candidates, asking.turn),))
    rows = tuple(ReportRow(*r) for r in listen.rows_from_findings(reading.confident))
    if not rows:
        return _unnamed_pain(d, reading, text, on, todays or _week_moves(week))
    return report_or_ask(d, Report(on.isoformat(), "feedback", rows, text), kit)


def _opt(value: object) -> str | None:
    return str(value) if value is not None else None


def _week_moves(week: WeekPlan) -> list[str]:
    """The week's moves, for a pain report on a day with nothing planned (up to eight)."""
    moves = [i.exercise for day in week.days for i in day.items if i.phase != "during"]
    return list(dict.fromkeys(moves))[:8]


def _red_flag_in_words(d: Dialogue, flags: list[str], ctx: Context) -> Transition:
    """Warning signs said in the runner's own words take the red-flag path, as in screening."""
    answers = answers_of(flagged(d.answers, *flags))
    saved = save_plan("adapt", answers, ctx.coach)
    return Transition(goto(d, State.READY, answers=answers),
                      (Reply("red_flag_heard", {"flags": list(flags)}),),
                      (RecordAnswer("red_flags", strings(answers["red_flags"])), saved))


def _unnamed_pain(d: Dialogue, reading: FeedbackReading, text: str, on: date,
                  moves: list[str]) -> Transition | None:
    pain = [f for f in reading.findings if f.exercise_id is None and f.outcome == "pain"]
    if not pain or not moves:
        return None
    draft = WhichHurt(on.isoformat(), "feedback", tuple(moves), (), text, _opt(pain[0].side),
                      _opt(pain[0].severity))
    asking = goto(d, State.FEEDBACK, draft)
    return Transition(asking, (listen.which_hurt_reply(moves, asking.turn),))


def ask_where_it_hurts(d: Dialogue, text: str, ctx: Context, lead: Reply) -> Transition:
    """"I'm injured": taken as a pain report, so the move that hurt can be eased or swapped."""
    on = local_today(d.answers, ctx.now)
    week = plan_for(d.answers, ctx.coach)
    moves = [i.exercise for i in today(week, on).items if i.phase != "during"]
    moves = moves or _week_moves(week)
    if not moves:
        return Transition(d, (lead,))
    draft = WhichHurt(on.isoformat(), "feedback", tuple(moves), (), text)
    asking = goto(d, State.FEEDBACK, draft)
    return Transition(asking, (lead, listen.which_hurt_reply(moves, asking.turn)))


# --- the report's questions ------------------------------------------------------------------


def on_choice(d: Dialogue, c: Choice, ctx: Context) -> Transition:
    draft = d.draft
    if isinstance(draft, WhichHard):
        return _which_hard(d, draft, c, ctx)
    if isinstance(draft, WhichHurt) and c.action == "h":
        return _which_hurt(d, draft, c.arg, ctx)
    if isinstance(draft, PainDetail) and c.action == draft.asking:
        return _detail(d, draft, c.arg, ctx)
    if isinstance(draft, PickMove) and c.action == "pick":
        return _picked(d, draft, c.arg, ctx)
    return stale(d)


def _which_hard(d: Dialogue, draft: WhichHard, c: Choice, ctx: Context) -> Transition:
    exercises, chosen = draft.exercises, draft.chosen
    if c.action == "t" and c.arg in exercises:
        chosen = (tuple(x for x in chosen if x != c.arg) if c.arg in chosen
                  else (*chosen, c.arg))
        toggled = goto(d, State.FEEDBACK, replace(draft, chosen=chosen))
        return Transition(toggled, (replace(listen.which_hard_reply(exercises, chosen,
                                                                    toggled.turn), edit=True),))
    if c.action == "hurt":
        hurt = WhichHurt(draft.date, draft.kind, exercises, chosen)
        asking = goto(d, State.FEEDBACK, hurt)
        return Transition(asking, (listen.which_hurt_reply(exercises, asking.turn),),
                          close_source=True)
    if c.action == "good":
        rows = tuple(ReportRow(e, "hard" if e in chosen else "done") for e in exercises)
        return report_or_ask(d, Report(draft.date, draft.kind, rows), ctx.coach)
    return stale(d)


def _which_hurt(d: Dialogue, draft: WhichHurt, hurt: str, ctx: Context) -> Transition:
    if hurt not in draft.exercises:
        return stale(d)
    if draft.words:  # free text about a pain, no exercise named: record only that one
        rows: tuple[ReportRow, ...] = (ReportRow(hurt, "pain", draft.side, draft.severity),)
    else:
        rows = tuple(ReportRow(e, "pain" if e == hurt else "hard" if e in draft.chosen
                               else "done") for e in draft.exercises)
    return report_or_ask(d, Report(draft.date, draft.kind, rows, draft.words), ctx.coach)


def _detail(d: Dialogue, draft: PainDetail, value: str, ctx: Context) -> Transition:
    options = listen.SIDES if draft.asking == "side" else listen.SEVERITIES
    if value not in options:
        return stale(d)
    row = draft.rows[draft.index]
    row = row._replace(side=value) if draft.asking == "side" else row._replace(severity=value)
    rows = (*draft.rows[:draft.index], row, *draft.rows[draft.index + 1:])
    return report_or_ask(d, Report(draft.date, draft.kind, rows, draft.words), ctx.coach)


def _picked(d: Dialogue, draft: PickMove, exercise: str, ctx: Context) -> Transition:
    rows = draft.rows
    if exercise in draft.candidates:
        rows = (*rows, ReportRow(exercise, *draft.pending[1:]))
    elif not rows:
        return Transition(goto(d, State.READY), (Reply("feedback_dropped"),), close_source=True)
    return report_or_ask(d, Report(draft.date, draft.kind, rows, draft.words), ctx.coach)


def prompt(d: Dialogue, ctx: Context) -> tuple[Reply, ...]:
    """The question a report is waiting on, to show again after a detour."""
    draft, turn = d.draft, d.turn
    if isinstance(draft, WhichHard):
        return (listen.which_hard_reply(draft.exercises, draft.chosen, turn),)
    if isinstance(draft, WhichHurt):
        return (listen.which_hurt_reply(draft.exercises, turn),)
    if isinstance(draft, PainDetail):
        return (listen.detail_reply(draft.rows, draft.index, draft.asking, turn,
                                    ctx.coach.catalog),)
    if isinstance(draft, PickMove):
        return (listen.pick_reply(draft.candidates, turn),)
    return (Reply("feedback_cancelled"),)


def on_text(d: Dialogue, text: str, ctx: Context, match: OptionMatcher) -> Transition:
    """Typing a button's words works like tapping it, where the buttons are words."""
    draft = d.draft
    picked: Choice | None = None
    if isinstance(draft, PainDetail):
        options = listen.SIDES if draft.asking == "side" else listen.SEVERITIES
        value = match(f"pain_{draft.asking}", options, text)
        picked = Choice(d.turn, Feature.REPORT, draft.asking, value) if value else None
    elif isinstance(draft, WhichHard):
        value = match("feedback", ("good", "hurt"), text)
        picked = Choice(d.turn, Feature.REPORT, value) if value else None
    if picked is None:
        return Transition(d, (Reply("hint_buttons", {"said": text}),) + prompt(d, ctx))
    return on_choice(d, picked, ctx)


def cancel(d: Dialogue) -> Transition:
    return Transition(goto(d, State.READY), (Reply("feedback_cancelled"),))


# --- Undo and the hip check-in ---------------------------------------------------------------


def undo(d: Dialogue, ctx: Context) -> Transition:
    kit = ctx.coach
    reply, effects, history = listen.undo(kit.history, kit.catalog)
    if d.answers.get("red_flags"):
        reply = replace(reply, params={**reply.params, "red_flags": True})
    ready = goto(d, State.READY)
    if not effects:
        return Transition(ready, (reply,))
    saved = save_plan("undo", d.answers, kit, history=history)
    return Transition(ready, (reply,), (*effects, saved), close_source=True)


# The local day the last check-in was answered: its buttons count once.
CHECKIN_ANSWERED = "checkin_answered"


def hip_check_in(d: Dialogue, feel: str, ctx: Context) -> Transition:
    """The day after a pain report: worse takes the red-flag path, as repeated pain does."""
    on = local_today(d.answers, ctx.now).isoformat()
    if d.answers.get(CHECKIN_ANSWERED) == on:
        return Transition(d, (Reply("checkin_already"),), toast="toast.checkin_noted",
                          close_source=True)
    answer = Reply("checkin_answer", {"feel": feel})
    d = replace(d, answers={**d.answers, CHECKIN_ANSWERED: on})
    if feel != "worse":
        return Transition(d, (answer,), close_source=True)
    answers = answers_of(flagged(d.answers, "pain_reports"))
    saved = save_plan("adapt", answers, ctx.coach)
    return Transition(goto(d, State.READY, answers=answers), (answer, Reply("feedback_red_flag")),
                      (RecordAnswer("red_flags", strings(answers["red_flags"])), saved),
                      close_source=True)
