"""The feedback report: "which one was hard?", which one hurt, where and how bad, which move
a message meant, free text read as a report, Undo, and the day-after hip check-in.

Owns the ``feedback`` state (its draft is one of WhichHard, WhichHurt, PainDetail, PickMove).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from bot.domain import listen, training
from bot.domain.buttons import Choice, Feature
from bot.domain.dialogue import coaching, safe
from bot.domain.dialogue.plan import (
    answers_of,
    flagged,
    local_today,
    report_or_ask,
    reported_rows,
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

# --- starting a report -----------------------------------------------------------------------


def did_it(d: Dialogue, ctx: Context, source: str = "did_it") -> Transition:
    """✅ Did it under /today or a reminder: the whole session is stored as done and clean at
    once (a move already reported today keeps its word); "anything hard?" follows as an
    optional question whose answers amend it."""
    on = local_today(d.answers, ctx.now)
    exercises = _todays(d, ctx, on)
    if not exercises:
        ready = goto(d, State.READY)
        return Transition(ready, (today_reply(ready, ctx),))
    already = {r.exercise for r in reported_rows(d.answers, on.isoformat())}
    rows = tuple(ReportRow(e, "done") for e in exercises if e not in already)
    kind = safe.day(d.answers, ctx.coach, on)[1].kind
    stored = report_or_ask(d, Report(on.isoformat(), kind, rows, source=source), ctx.coach)
    follow = listen.anything_hard_reply(exercises, on.isoformat(), stored.dialogue.turn)
    return replace(stored, replies=(*stored.replies, follow))


def amend(d: Dialogue, c: Choice, ctx: Context) -> Transition:
    """A tap on "anything hard?" after Did it: that move was hard (or something hurt), the
    day's stored session amended, never doubled. Only on the day it was asked."""
    exercise, _, on = c.arg.rpartition(":")
    today = local_today(d.answers, ctx.now).isoformat()
    if on != today:
        return Transition(d, toast="toast.stale")
    kind = safe.day(d.answers, ctx.coach, date.fromisoformat(on))[1].kind
    if c.action == "hurt":
        moves = _todays(d, ctx, date.fromisoformat(on))
        asking = goto(d, State.FEEDBACK, WhichHurt(on, kind, moves))
        return Transition(asking, (listen.which_hurt_reply(moves, asking.turn),))
    report = Report(on, kind, (ReportRow(exercise, "hard"),), source="follow_up")
    return replace(report_or_ask(d, report, ctx.coach), close_source=False)


def on_ready_text(d: Dialogue, text: str, ctx: Context) -> Transition:
    """Free text after screening is read as a report on the training, when it is one."""
    heard = _text_report(d, text, ctx)
    return heard if heard is not None else Transition(d, (Reply("ready_text"),))


def _text_report(d: Dialogue, text: str, ctx: Context) -> Transition | None:
    kit = ctx.coach
    on = local_today(d.answers, ctx.now)
    todays = list(_todays(d, ctx, on))
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
        return _unnamed_pain(d, reading, text, on, todays or _week_moves(d, ctx, on))
    return report_or_ask(d, Report(on.isoformat(), "feedback", rows, text), kit)


def _opt(value: object) -> str | None:
    return str(value) if value is not None else None


def _todays(d: Dialogue, ctx: Context, on: date) -> tuple[str, ...]:
    view = safe.day(d.answers, ctx.coach, on)[1]
    return tuple(dict.fromkeys(i.exercise for i in view.items))


def _week_moves(d: Dialogue, ctx: Context, on: date) -> list[str]:
    """The week's moves as the runner saw them (today's first), for a pain report on a day
    with nothing planned (up to eight)."""
    days = [safe.day(d.answers, ctx.coach, on + timedelta(days=o))[1]
            for o in (0, *range(-3, 0), *range(1, 4))]
    during = {i.exercise for v in days for i in v.items if i.when == "during_run"}
    moves = dict.fromkeys(i.exercise for v in days for i in v.items)
    return [m for m in moves if m not in during][:8]


def _red_flag_in_words(d: Dialogue, flags: list[str], ctx: Context) -> Transition:
    """Warning signs said in the runner's own words take the red-flag path, as in screening."""
    answers = answers_of(flagged(d.answers, *flags))
    saved = save_plan("adapt", answers, ctx.coach, local_today(d.answers, ctx.now))
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
    moves = list(_todays(d, ctx, on)) or _week_moves(d, ctx, on)
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
    # Only what was said: the rest of the day's report (Did it stored it already) stands.
    rows = (ReportRow(hurt, "pain", draft.side, draft.severity),
            *(ReportRow(e, "hard") for e in draft.chosen if e != hurt))
    source = "text" if draft.words else "follow_up"
    return report_or_ask(d, Report(draft.date, draft.kind, rows, draft.words, source),
                         ctx.coach)


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
