"""The feedback report: ✅ Did it and "anything hard?", which one hurt, where and how bad,
which move a message meant, and free text read as a report (Undo and the day-after hip
check-in are in follow_ups.py).

Owns the ``feedback`` state (its draft is one of WhichHard, WhichHurt, PainDetail, PickMove).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date, timedelta

from bot.domain import listen, training
from bot.domain.buttons import Choice, Feature
from bot.domain.dialogue import safe
from bot.domain.dialogue.plan import (
    answers_of,
    conclude,
    flagged,
    local_today,
    report_or_ask,
    reported_rows,
    save_plan,
    today_reply,
    with_red_flags,
)
from bot.domain.dialogue.state import (
    Dialogue,
    HowWent,
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
    then,
)
from bot.domain.feedback import FeedbackReading, Finding, Intent, OutcomeKind
from bot.domain.model import CoachKit, Context, OptionMatcher, Reply, button

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
    """Free text after screening: a warning sign, a question, a skip or a report."""
    heard = _text_report(d, text, ctx)
    return heard if heard is not None else Transition(d, (Reply("ready_text"),))


def read_ready_text(d: Dialogue, text: str, ctx: Context) -> FeedbackReading:
    """The message read against today's moves (they break ties between names)."""
    return ctx.coach.read_feedback(text, _todays(d, ctx, local_today(d.answers, ctx.now)))


def _text_report(d: Dialogue, text: str, ctx: Context,
                 reading: FeedbackReading | None = None) -> Transition | None:
    reading = reading or read_ready_text(d, text, ctx)
    if reading.red_flag:
        return _red_flag_in_words(d, reading, text, ctx)
    if reading.intent is Intent.QUESTION:
        return _answer(d, reading, text, ctx)
    if reading.intent is Intent.SKIP:
        return _offer_skip(d, reading, ctx)
    if reading.intent is not Intent.REPORT:
        return None
    return _report_text(d, reading, text, ctx)


def _report_text(d: Dialogue, reading: FeedbackReading, text: str,
                 ctx: Context) -> Transition | None:
    """A report: stored when every part of it was read; asked about when not."""
    on = local_today(d.answers, ctx.now)
    named = list(reading.confident)
    rows = [ReportRow(*r) for r in listen.rows_from_findings(named)]
    if reading.ambiguous:
        pending = reading.ambiguous[0]
        return _pick(d, on, rows, pending, pending.candidates, text)
    unread = next((f for f in named if f.outcome is None), None)
    if unread is not None:  # "the squats were a doddle": how did it go?
        return _how_went(d, on, [r for r in rows if r.exercise != unread.exercise_id],
                         str(unread.exercise_id), text, ctx.coach)
    session = next((f for f in reading.findings if f.exercise_id is None), None)
    if session is None:
        return _store(d, on, rows, text, ctx)
    return _session_said(d, on, rows, session, text, ctx)


def _session_said(d: Dialogue, on: date, rows: list[ReportRow], session: Finding, text: str,
                  ctx: Context) -> Transition | None:
    """Something said of no move: a pain (which one?), hard or easy (which one?), or the
    whole of today's session (done, skipped). Soreness said of no move is about a session
    already done: reassured, nothing stored."""
    todays = list(_todays(d, ctx, on))
    if session.outcome is OutcomeKind.PAIN:
        return _unnamed_pain(d, session, text, on, todays or _week_moves(d, ctx, on))
    if session.outcome in WHICH_ONE:
        moves = todays or _week_moves(d, ctx, on)
        return _pick(d, on, rows, session, tuple(moves), text) if moves else None
    if session.outcome is OutcomeKind.SORE:
        return _store(d, on, rows, text, ctx) if rows else _sore_only(d)
    told = {r.exercise for r in rows}
    rest = [ReportRow(e, str(session.outcome)) for e in todays if e not in told]
    return _store(d, on, rows + rest, text, ctx)


def _store(d: Dialogue, on: date, rows: list[ReportRow], text: str,
           ctx: Context) -> Transition | None:
    if not rows:
        return None
    concluded = report_or_ask(d, Report(on.isoformat(), "feedback", tuple(rows), text),
                              ctx.coach)
    if any(r.outcome == OutcomeKind.SORE for r in rows):
        return then(concluded, _sore_only(concluded.dialogue))
    return concluded


# An outcome said of no move in particular that needs its move: "too easy" - which one?
WHICH_ONE = (OutcomeKind.HARD, OutcomeKind.EASY, OutcomeKind.UNFINISHED)


def _pick(d: Dialogue, on: date, rows: list[ReportRow], pending: Finding,
          candidates: Sequence[str], text: str) -> Transition:
    draft = PickMove(on.isoformat(), "feedback", tuple(rows),
                     # No outcome said ("the bridge?"): asked once the move is known.
                     PendingRow(None, str(pending.outcome or ""), _opt(pending.side),
                                _opt(pending.severity), pending.reps),
                     tuple(candidates), text)
    asking = goto(d, State.FEEDBACK, draft)
    return Transition(asking, (listen.pick_reply(candidates, asking.turn),))


def _how_went(d: Dialogue, on: date, rows: list[ReportRow], exercise: str, text: str,
              kit: CoachKit) -> Transition:
    draft = HowWent(on.isoformat(), "feedback", tuple(rows), exercise, text)
    asking = goto(d, State.FEEDBACK, draft)
    return Transition(asking, (listen.how_went_reply(exercise, asking.turn, kit.catalog),))


def _sore_only(d: Dialogue) -> Transition:
    """Day-after soreness: a word of reassurance; nothing counts against the session."""
    return Transition(d, (Reply("heard_sore"),))


def _answer(d: Dialogue, reading: FeedbackReading, text: str, ctx: Context) -> Transition:
    """A question: the race rule where it applies, else where the answer lives. Never a report."""
    if reading.topic == "race":
        buttons = ((button("race.note", Choice(d.turn, Feature.REPORT, "race")),),)
        return Transition(replace(d, answers={**d.answers, RACE_ASKED: text[:200]}),
                          (Reply("heard_race", {}, buttons),))
    names = [{"id": e, "name": _move_name(ctx, e)} for e in reading.named[:3]]
    return Transition(d, (Reply("heard_question", {"moves": names}),))


# What the runner said about a race when they asked, and the day they asked to note it.
RACE_ASKED = "race_asked"
RACE_NOTED = "race_noted_on"


def note_race(d: Dialogue, ctx: Context) -> Transition:
    """"Note my race": kept with the runner's answers, in their words, and the rule again."""
    on = local_today(d.answers, ctx.now).isoformat()
    noted = replace(d, answers={**d.answers, RACE_NOTED: on})
    return Transition(noted, (Reply("race_noted", {"words": d.answers.get(RACE_ASKED)}),),
                      close_source=True)


def _move_name(ctx: Context, exercise: str) -> str:
    found = ctx.coach.catalog.exercises.get(exercise)
    return found.name if found else exercise


def _offer_skip(d: Dialogue, reading: FeedbackReading, ctx: Context) -> Transition:
    """"Skip today", "skip the circuit this week": offer exactly that, with buttons."""
    on = local_today(d.answers, ctx.now)
    named = [f.exercise_id for f in reading.findings if f.exercise_id]
    what = ",".join(named) or reading.skip_kind or "today"
    moves = _skippable(d, ctx, on, named, reading.skip_kind)
    params = {"moves": [_move_name(ctx, e) for e in named], "kind": reading.skip_kind,
              "scope": reading.skip_scope, "today": [_move_name(ctx, e) for e in moves]}
    buttons = ((button("skip.yes", Choice(d.turn, Feature.REPORT, "skip", what[:40])),
                button("skip.no", Choice(d.turn, Feature.REPORT, "keep"))),)
    return Transition(d, (Reply("heard_skip", params, buttons if moves else ()),))


def _skippable(d: Dialogue, ctx: Context, on: date, named: Sequence[str],
               kind: str | None) -> list[str]:
    """Today's moves a skip would leave out: the ones named, the kind named, or all."""
    items = safe.day(d.answers, ctx.coach, on)[1].items
    if named:
        return [e for e in dict.fromkeys(i.exercise for i in items) if e in named]
    return list(dict.fromkeys(i.exercise for i in items if _of_kind(i, kind)))


def _of_kind(item: training.DayItem, kind: str | None) -> bool:
    if kind is None:
        return True
    return kind in (item.protocol, item.kind) or (kind, item.exercise) == ("hills",
                                                                           "hill_sprints") \
        or (kind, item.when) == ("pre_run", "before_run") \
        or (kind == "mobility" and item.kind == "stretch")


def skip_chosen(d: Dialogue, c: Choice, ctx: Context) -> Transition:
    """The skip offer's buttons: today's matching moves are stored as skipped (they never count
    against progress), or nothing changes."""
    if c.action == "keep":
        return Transition(d, (Reply("skip_kept"),), close_source=True)
    on = local_today(d.answers, ctx.now)
    named = [e for e in c.arg.split(",") if e in ctx.coach.catalog.exercises]
    kind = None if named or c.arg == "today" else c.arg
    moves = _skippable(d, ctx, on, named, kind)
    if not moves:
        return Transition(d, (Reply("skip_kept"),), close_source=True)
    rows = tuple(ReportRow(e, "skipped") for e in moves)
    return report_or_ask(d, Report(on.isoformat(), "feedback", rows), ctx.coach)


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


def _red_flag_in_words(d: Dialogue, reading: FeedbackReading, text: str,
                       ctx: Context) -> Transition:
    """Warning signs said in the runner's own words take the red-flag path, as in screening;
    the pain they name is kept in the history too (on or off the plan), with the words."""
    flags = list(reading.red_flags)
    on = local_today(d.answers, ctx.now)
    rows = tuple(ReportRow(*r) for r in listen.rows_from_findings(
        [f for f in reading.confident if f.outcome is not None]))
    if rows:
        after = conclude(d, Report(on.isoformat(), "feedback", rows, text), ctx.coach)
        flagged_after = with_red_flags(after, flags, ctx.coach, on)
        # The warning comes first; what was noted and changed follows it.
        urgent = tuple(r for r in flagged_after.replies if r.template == "red_flag_heard")
        rest = tuple(r for r in flagged_after.replies if r.template != "red_flag_heard")
        return replace(flagged_after, replies=(*urgent, *rest))
    answers = answers_of(flagged(d.answers, *flags))
    saved = save_plan("adapt", answers, ctx.coach, local_today(d.answers, ctx.now))
    return Transition(goto(d, State.READY, answers=answers),
                      (Reply("red_flag_heard", {"flags": list(flags)}),),
                      (RecordAnswer("red_flags", strings(answers["red_flags"])), saved))


def _unnamed_pain(d: Dialogue, pain: Finding, text: str, on: date,
                  moves: list[str]) -> Transition | None:
    if not moves:
        return None
    draft = WhichHurt(on.isoformat(), "feedback", tuple(moves), (), text, _opt(pain.side),
                      _opt(pain.severity))
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
    if isinstance(draft, HowWent) and c.action == "how" and c.arg in listen.HOW_WENT:
        rows = (*draft.rows, ReportRow(draft.exercise, c.arg))
        return report_or_ask(d, Report(draft.date, draft.kind, rows, draft.words), ctx.coach)
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
    if exercise in draft.candidates and not draft.pending.outcome:
        on = date.fromisoformat(draft.date)
        return _how_went(d, on, list(rows), exercise, draft.words or "", ctx.coach)
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
    if isinstance(draft, HowWent):
        return (listen.how_went_reply(draft.exercise, turn, ctx.coach.catalog),)
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
