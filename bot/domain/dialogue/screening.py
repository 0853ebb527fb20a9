"""The screening feature: the questions, the summary, changing an answer, the time zone.

Owns the states ``ask:<question>``, ``summary``, ``change`` and ``confirm_zone``, and
``/settings`` (which reuses the change picker once the runner is screened).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from zoneinfo import ZoneInfo

from bot.domain.buttons import Choice, Feature
from bot.domain.dialogue.plan import local_today, save_plan, today_reply
from bot.domain.dialogue.questions import (
    BY_ID,
    MAX_ANSWER_CHARS,
    MINUTES_RANGE,
    SELF_TESTS,
    Question,
    first_missing,
    required_questions,
)
from bot.domain.dialogue.safe import on_red_flag_path
from bot.domain.dialogue.state import (
    AnswerValue,
    AskDraft,
    CompleteScreening,
    Dialogue,
    Effect,
    RecordAnswer,
    SavePlan,
    SetTimezone,
    State,
    Transition,
    ZoneDraft,
    goto,
    stale,
    strings,
)
from bot.domain.model import (
    Button,
    Context,
    Keyboard,
    OptionMatcher,
    Reply,
    ZoneMatch,
    button,
)
from bot.domain.parsing import parse_clock_time, parse_minutes, parse_weekdays
from bot.domain.safety import flags_after_edit


def question_of(d: Dialogue) -> Question | None:
    return BY_ID.get(d.draft.question) if isinstance(d.draft, AskDraft) else None


def is_editing(d: Dialogue) -> bool:
    """All answers are in, so the question on screen is a change made from the summary."""
    return first_missing(d.answers) is None


def _tap(turn: int, action: str, arg: str = "") -> Choice:
    return Choice(turn, Feature.SCREENING, action, arg)


def _option(turn: int, action: str, arg: str = "") -> Choice:
    return Choice(turn, Feature.QUESTION, action, arg)


# --- replies -------------------------------------------------------------------------------


def _rows(buttons: Sequence[Button], width: int) -> Keyboard:
    return tuple(tuple(buttons[i:i + width]) for i in range(0, len(buttons), width))


def question_reply(d: Dialogue, edit: bool = False) -> Reply:
    q = question_of(d)
    assert q is not None
    params: dict[str, object] = {"current": d.answers.get(q.id), "editing": is_editing(d)}
    return Reply(f"q_{q.id}", params, _question_keyboard(q, d), edit=edit,
                 request_location=q.kind == "zone")


def _question_keyboard(q: Question, d: Dialogue) -> Keyboard:
    if q.kind == "multi":
        chosen = _selection(d)
        toggles = [button(f"{q.id}.{o}", _option(d.turn, "t", o), o in chosen)
                   for o in q.options]
        finish = "done" if chosen or q.id == "run_days" else "none"
        return _rows(toggles, q.row_width) + (
            (button(f"{q.id}.{finish}", _option(d.turn, finish)),),)
    if q.kind == "zone":
        return ()
    return _rows([button(f"{q.id}.{o}", _option(d.turn, "pick", o)) for o in q.options],
                 q.row_width)


def summary_reply(d: Dialogue) -> Reply:
    buttons = ((button("summary.confirm", _tap(d.turn, "confirm")),),
               (button("summary.change", _tap(d.turn, "change")),))
    return Reply("summary", {"answers": dict(d.answers)}, buttons)


def change_reply(d: Dialogue) -> Reply:
    fields = [button(f"field.{q.id}", _tap(d.turn, "field", q.id))
              for q in required_questions(d.answers)]
    return Reply("change_pick", {},
                 _rows(fields, 2) + ((button("change.back", _tap(d.turn, "back")),),))


def zone_confirm_reply(d: Dialogue) -> Reply:
    buttons = ((button("zone.yes", _tap(d.turn, "yes")), button("zone.no", _tap(d.turn, "no"))),)
    return Reply("zone_confirm", {}, buttons)


def _zone_found_reply(draft: ZoneDraft, ctx: Context) -> Reply:
    local = ctx.now.astimezone(ZoneInfo(draft.zone))
    params = {"zone": draft.zone, "place": draft.label, "local_time": local.strftime("%H:%M"),
              "local_day": local.strftime("%a").lower()}
    return Reply("zone_found", params, dismiss_keyboard=True)


def prompt(d: Dialogue, ctx: Context) -> tuple[Reply, ...]:
    """What is on the table right now, to show again after a detour."""
    if d.state is State.SUMMARY:
        return (summary_reply(d),)
    if d.state is State.CHANGE:
        return (change_reply(d),)
    if d.state is State.CONFIRM_ZONE:
        return (zone_confirm_reply(d),)
    return (question_reply(d),) if question_of(d) else ()


# --- moving through the questions ------------------------------------------------------------


def ask(d: Dialogue, q: Question) -> Dialogue:
    current = d.answers.get(q.id)
    selected = tuple(current) if q.kind == "multi" and isinstance(current, list) else ()
    return goto(d, State.ASK, AskDraft(q.id, selected))


def advance(d: Dialogue) -> Transition:
    """After an answer: the next unanswered question, else the summary."""
    nxt = first_missing(d.answers)
    if nxt is None:
        summary = goto(d, State.SUMMARY)
        return Transition(summary, (summary_reply(summary),))
    asked = ask(d, nxt)
    return Transition(asked, (question_reply(asked),))


def welcome(d: Dialogue, ctx: Context) -> Transition:
    nxt = advance(Dialogue(turn=d.turn))
    return Transition(nxt.dialogue, (Reply("welcome", {"first_name": ctx.first_name}),)
                      + nxt.replies)


def _answer(d: Dialogue, q: Question, value: AnswerValue, *notes: Reply) -> Transition:
    nxt = advance(replace(d, answers={**d.answers, q.id: value}))
    return Transition(nxt.dialogue, notes + nxt.replies, (RecordAnswer(q.id, value),),
                      close_source=True)


def _selection(d: Dialogue) -> list[str]:
    return list(d.draft.selected) if isinstance(d.draft, AskDraft) else []


# --- button presses --------------------------------------------------------------------------


def on_choice(d: Dialogue, c: Choice, ctx: Context) -> Transition:
    if d.state is State.SUMMARY:
        return _on_summary(d, c.action, ctx)
    if d.state is State.CHANGE:
        return _on_change(d, c)
    if d.state is State.CONFIRM_ZONE:
        return _on_zone_confirm(d, c.action == "yes")
    q = question_of(d)
    if q is None or c.feature is not Feature.QUESTION:
        return stale(d)
    return _choose(d, q, c, ctx.coach.plan_number > 0)


def _choose(d: Dialogue, q: Question, c: Choice, locked: bool = False) -> Transition:
    if q.kind == "multi":
        return _on_multi(d, q, c, locked)
    if c.action != "pick" or c.arg not in q.options:
        return stale(d)
    if q.kind == "minutes":
        return _answer(d, q, int(c.arg))
    return _answer(d, q, c.arg, *q.notes_for(c.arg))


def _on_multi(d: Dialogue, q: Question, c: Choice, locked: bool = False) -> Transition:
    chosen = _selection(d)
    if c.action == "t" and c.arg in q.options:
        chosen = [x for x in chosen if x != c.arg] if c.arg in chosen else [*chosen, c.arg]
        ordered = tuple(o for o in q.options if o in chosen)
        toggled = replace(d, draft=AskDraft(q.id, ordered), turn=d.turn + 1)
        return Transition(toggled, (question_reply(toggled, edit=True),))
    if c.action in ("done", "none"):
        return _submit_multi(d, q, chosen if c.action == "done" else [], locked)
    return stale(d)


def _submit_multi(d: Dialogue, q: Question, chosen: list[str],
                  locked: bool = False) -> Transition:
    """A multi-select's answer. ``locked``: a plan exists, so warning signs only accumulate."""
    if q.id == "run_days" and not chosen:
        return Transition(d, (Reply("hint_pick_a_day"),), toast="toast.pick_a_day")
    ordered = [o for o in q.options if o in chosen]
    if q.id == "red_flags" and locked:
        # Once a plan was given, an edit never removes a warning sign: only a clearance does.
        ordered = list(flags_after_edit(strings(d.answers.get("red_flags")), ordered))
    if q.id == "red_flags" and ordered:
        # The self-tests are skipped on the red-flag path, so earlier results no longer apply.
        kept = {k: v for k, v in d.answers.items() if k not in SELF_TESTS}
        return _answer(replace(d, answers=kept), q, ordered, Reply("red_flag_notice"))
    return _answer(d, q, ordered)


def _on_summary(d: Dialogue, action: str, ctx: Context) -> Transition:
    if action == "confirm":
        return _on_confirm(d, ctx)
    if action == "change":
        picking = goto(d, State.CHANGE)
        return Transition(picking, (change_reply(picking),), close_source=True)
    return stale(d)


def _on_confirm(d: Dialogue, ctx: Context) -> Transition:
    kit = ctx.coach
    first = kit.plan_number == 0
    complete = CompleteScreening(dict(d.answers))
    done = goto(d, State.READY)
    saved = save_plan("settings" if kit.plan_number else "screening", d.answers, kit,
                      local_today(d.answers, ctx.now))
    reply = Reply(_done_template(d, first),
                  {"answers": dict(d.answers), "changes": list(saved.changes),
                   "first_name": ctx.first_name, "sessions": _sessions(saved)})
    # /today as it is after the change: the plan just saved, not the one it replaces.
    after = replace(ctx, coach=replace(kit, last_plan=saved.plan,
                                       plan_number=kit.plan_number + 1))
    today = today_reply(done, after)
    return Transition(done, (reply, today),
                      (complete, saved), close_source=True)


def _sessions(saved: SavePlan) -> list[str]:
    """The week's sessions as the plan just saved has them (volume, circuit, speed...), so
    the welcome counts the strength days /plan shows."""
    days = saved.plan.get("days")
    return [str(day["session"]) for day in days if isinstance(day, dict) and day.get("session")
            and day.get("kind") == "strength"] if isinstance(days, list) else []


def _done_template(d: Dialogue, first: bool) -> str:
    if not first:
        return "plan_updated"
    return "safety/red_flag_welcome" if on_red_flag_path(d.answers) else "screening_done"


def _on_change(d: Dialogue, c: Choice) -> Transition:
    if c.action == "back":
        back = goto(d, State.SUMMARY)
        return Transition(back, (summary_reply(back),), close_source=True)
    q = BY_ID.get(c.arg) if c.action == "field" else None
    if q is None or q not in required_questions(d.answers):
        return stale(d)
    asked = ask(d, q)
    return Transition(asked, (question_reply(asked),), close_source=True)


def _on_zone_confirm(d: Dialogue, yes: bool) -> Transition:
    timezone = BY_ID["timezone"]
    if not yes or not isinstance(d.draft, ZoneDraft):
        again = ask(d, timezone)
        return Transition(again, (Reply("zone_retry"), question_reply(again)),
                          close_source=True)
    zone = d.draft.zone
    answered = _answer(replace(d, state=State.ASK, draft=AskDraft("timezone")), timezone, zone)
    return replace(answered, effects=answered.effects + (SetTimezone(zone),))


# --- /settings and leaving it ----------------------------------------------------------------


def settings_command(d: Dialogue) -> Transition:
    picking = goto(d, State.CHANGE)
    return Transition(picking, (Reply("settings_intro"), change_reply(picking)))


def in_settings(d: Dialogue, ctx: Context) -> bool:
    """A screened runner part-way through changing an answer from /settings."""
    if ctx.coach.plan_number == 0 or first_missing(d.answers) is not None:
        return False
    return d.state in (State.SUMMARY, State.CHANGE, State.CONFIRM_ZONE, State.ASK)


def confirm_settings(d: Dialogue, ctx: Context) -> Transition:
    """Leaving /settings keeps what was already answered and re-plans, as "Looks right" does."""
    done = goto(d, State.READY)
    saved = save_plan("settings", d.answers, ctx.coach, local_today(d.answers, ctx.now))
    reply = Reply("plan_updated", {"answers": dict(d.answers), "changes": list(saved.changes)})
    effects: tuple[Effect, ...] = (CompleteScreening(dict(d.answers)), saved)
    return Transition(done, (reply,), effects, close_source=True)


def on_cancel(d: Dialogue, ctx: Context) -> Transition:
    if d.state is State.SUMMARY and in_settings(d, ctx):
        return confirm_settings(d, ctx)
    if d.state in (State.CHANGE, State.CONFIRM_ZONE) or (question_of(d) and is_editing(d)):
        back = goto(d, State.SUMMARY) if is_editing(d) else ask(d, BY_ID["timezone"])
        return Transition(back, (Reply("cancel_back"),) + prompt(back, ctx), close_source=True)
    return Transition(d, (Reply("cancel_paused"),))


# --- free text and locations -----------------------------------------------------------------


def _hint(d: Dialogue, ctx: Context, template: str, **params: object) -> Transition:
    return Transition(d, (Reply(template, params),) + prompt(d, ctx))


# Per screen: the label prefix its buttons use, and the actions they send.
TYPED_BUTTONS: dict[State, tuple[str, tuple[str, ...]]] = {
    State.SUMMARY: ("summary", ("confirm", "change")),
    State.CONFIRM_ZONE: ("zone", ("yes", "no")),
    State.CHANGE: ("change", ("back",)),
}


def on_text(d: Dialogue, text: str, ctx: Context, match: OptionMatcher) -> Transition:
    if len(text) > MAX_ANSWER_CHARS:
        return _hint(d, ctx, "hint_too_long")
    q = question_of(d)
    if q is None:
        return _text_on_buttons(d, text, ctx, match)
    if q.kind == "time":
        parsed = parse_clock_time(text)
        if parsed.value is None:
            return _hint(d, ctx, "bad_time", problem=parsed.problem, said=text)
        heard = Reply("heard_answer", {"time": parsed.value, "days": []})
        return _answer(d, q, parsed.value, heard)
    if q.kind == "zone":
        return _propose_zone(d, ctx.zones.from_text(text), ctx, text)
    if q.kind == "minutes":
        return _on_minutes_text(d, q, text, ctx)
    if q.kind == "multi":
        return _on_multi_text(d, q, text, ctx, match)
    picked = match(q.id, q.options, text)
    if picked is None:
        return _hint(d, ctx, "hint_buttons", said=text)
    return _answer(d, q, picked, *q.notes_for(picked))


def asks_for_a_place(d: Dialogue) -> bool:
    """A city in any script is a fair answer to the time-zone question."""
    q = question_of(d)
    return d.state is State.CONFIRM_ZONE or (q is not None and q.kind == "zone")


def _text_on_buttons(d: Dialogue, text: str, ctx: Context, match: OptionMatcher) -> Transition:
    """Typing a button's label on the summary or a confirmation works like tapping it."""
    prefix, options = TYPED_BUTTONS.get(d.state, ("", ()))
    picked = match(prefix, options, text) if options else None
    if picked is not None:
        return on_choice(d, _tap(d.turn, picked), ctx)
    if d.state is State.CHANGE:
        field = match("field", [q.id for q in required_questions(d.answers)], text)
        if field is not None:
            return on_choice(d, _tap(d.turn, "field", field), ctx)
    return _hint(d, ctx, "hint_buttons", said=text)


def _on_minutes_text(d: Dialogue, q: Question, text: str, ctx: Context) -> Transition:
    minutes = parse_minutes(text, *MINUTES_RANGE)
    low, high = MINUTES_RANGE
    said = parse_minutes(text, 0, 10_000)
    if minutes is None and said is not None:  # a number, just not one that fits a warm-up
        return _hint(d, ctx, "size/minutes_range", low=low, high=high, said=said)
    if minutes is None:
        return _hint(d, ctx, "bad_minutes", low=low, high=high)
    return _answer(d, q, minutes)


def _on_multi_text(d: Dialogue, q: Question, text: str, ctx: Context,
                   match: OptionMatcher) -> Transition:
    finish = match(q.id, ("done", "none"), text)
    if finish is not None:
        return _submit_multi(d, q, _selection(d) if finish == "done" else [],
                             ctx.coach.plan_number > 0)
    if q.id == "run_days":
        return _on_days_text(d, q, text, ctx)
    return _on_items_text(d, q, text, ctx, match)


def _on_items_text(d: Dialogue, q: Question, text: str, ctx: Context,
                   match: OptionMatcher) -> Transition:
    parts = [p for p in _split_list(text) if p]
    picked = [match(q.id, q.options, p) for p in parts]
    if not parts or None in picked:
        return _hint(d, ctx, "hint_buttons", said=text)
    if q.id in TOGGLED_BY_NAME and len(picked) == 1:
        return _on_multi(d, q, _tap(d.turn, "t", str(picked[0])))
    return _submit_multi(d, q, [p for p in picked if p is not None], ctx.coach.plan_number > 0)


def _on_days_text(d: Dialogue, q: Question, text: str, ctx: Context) -> Transition:
    days = parse_weekdays(text)
    if days is None:
        return _hint(d, ctx, "hint_days")
    return _answer(d, q, days, Reply("heard_answer", {"days": days, "time": None}))


# On the kit list one typed item ("bottle") ticks or unticks it like its button; a list answers.
TOGGLED_BY_NAME = frozenset({"equipment"})


def _split_list(text: str) -> list[str]:
    for sep in (" and ", "&", "/", ";", "+"):
        text = text.replace(sep, ",")
    return [p.strip() for p in text.split(",")]


def on_location(d: Dialogue, latitude: float, longitude: float, ctx: Context) -> Transition:
    q = question_of(d)
    if d.state is not State.CONFIRM_ZONE and (q is None or q.kind != "zone"):
        return _hint(d, ctx, "hint_location_unneeded")
    return _propose_zone(d, ctx.zones.from_location(latitude, longitude), ctx, "")


def _propose_zone(d: Dialogue, found: ZoneMatch | None, ctx: Context, said: str) -> Transition:
    if found is None:
        return _hint(d, ctx, "bad_zone", said=said)
    draft = ZoneDraft(found.zone, found.label)
    confirming = goto(d, State.CONFIRM_ZONE, draft)
    return Transition(confirming, (_zone_found_reply(draft, ctx), zone_confirm_reply(confirming)))
