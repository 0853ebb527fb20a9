"""The screening conversation as a pure state machine.

``step(dialogue, event, context) -> Outcome``: no I/O. The caller loads the dialogue, applies
the outcome's effects and the new dialogue in one transaction, then sends the replies.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Protocol
from zoneinfo import ZoneInfo

from bot.domain import coach
from bot.domain.coach import COACH_COMMANDS, COACH_STATES, CoachEffect, CoachOutcome
from bot.domain.model import (
    Button,
    Choice,
    Command,
    Context,
    Event,
    Keyboard,
    Location,
    Reply,
    Text,
    ZoneMatch,
)
from bot.domain.parsing import WEEKDAYS, parse_clock_time, parse_minutes, parse_weekdays

AnswerValue = str | int | list[str]
Answers = Mapping[str, AnswerValue]

# Long texts are never parsed or echoed: nothing a user could mean here needs more.
MAX_ANSWER_CHARS = 120
MINUTES_RANGE = (3, 120)


@dataclass(frozen=True)
class Question:
    id: str
    kind: str  # "single", "multi", "time", "zone", "minutes"
    options: tuple[str, ...] = ()
    row_width: int = 2


QUESTIONS: tuple[Question, ...] = (
    Question("pain", "single", ("none", "mild", "often"), row_width=1),
    Question("red_flags", "multi", ("sharp", "rest_night", "fall", "numbness", "limp"), 1),
    Question("thigh_left", "single", ("pass", "fail", "hurt"), row_width=1),
    Question("thigh_right", "single", ("pass", "fail", "hurt"), row_width=1),
    Question("knee_lift", "single", ("pass", "fail"), row_width=1),
    Question("goal", "single", ("speed", "endurance", "injury", "comeback"), row_width=1),
    Question("equipment", "multi", ("band", "block", "step", "gym"), row_width=2),
    Question("run_days", "multi", WEEKDAYS, row_width=4),
    Question("run_time", "time", ("06:30", "07:00", "12:00", "18:00"), row_width=4),
    Question("timezone", "zone"),
    Question("minutes", "minutes", ("5", "10", "15", "20", "30"), row_width=5),
)
BY_ID = {q.id: q for q in QUESTIONS}
SELF_TESTS = frozenset({"thigh_left", "thigh_right", "knee_lift"})

NEW, SUMMARY, CHANGE, CONFIRM_ZONE, CONFIRM_RESTART, READY = (
    "new", "summary", "change", "confirm_zone", "confirm_restart", "ready",
)
ASK = "ask:"


@dataclass(frozen=True)
class Dialogue:
    state: str = NEW
    answers: Answers = field(default_factory=dict)
    draft: Mapping[str, object] = field(default_factory=dict)
    turn: int = 0

    @property
    def question(self) -> Question | None:
        return BY_ID.get(self.state.removeprefix(ASK)) if self.state.startswith(ASK) else None


@dataclass(frozen=True)
class RecordAnswer:
    question: str
    value: AnswerValue


@dataclass(frozen=True)
class SetTimezone:
    zone: str


@dataclass(frozen=True)
class CompleteScreening:
    answers: Answers


Effect = RecordAnswer | SetTimezone | CompleteScreening | CoachEffect


@dataclass(frozen=True)
class Outcome:
    dialogue: Dialogue
    replies: tuple[Reply, ...] = ()
    effects: tuple[Effect, ...] = ()
    toast: str | None = None  # label key for a small pop-up on a button press
    close_source: bool = False  # the keyboard that was pressed has done its job


class OptionMatcher(Protocol):
    """Maps free text to one of ``options`` of ``question`` by their visible labels."""

    def __call__(self, question: str, options: Sequence[str], text: str) -> str | None: ...


def required_questions(answers: Answers) -> list[Question]:
    flagged = bool(answers.get("red_flags"))
    return [q for q in QUESTIONS if not (flagged and q.id in SELF_TESTS)]


def first_missing(answers: Answers) -> Question | None:
    return next((q for q in required_questions(answers) if q.id not in answers), None)


def is_editing(dialogue: Dialogue) -> bool:
    """All answers are in, so the question on screen is a change made from the summary."""
    return first_missing(dialogue.answers) is None


# --- replies -------------------------------------------------------------------------------


def _rows(buttons: Sequence[Button], width: int) -> Keyboard:
    return tuple(tuple(buttons[i:i + width]) for i in range(0, len(buttons), width))


def question_reply(d: Dialogue, edit: bool = False) -> Reply:
    q = d.question
    assert q is not None
    params: dict[str, object] = {"current": d.answers.get(q.id), "editing": is_editing(d)}
    return Reply(f"q_{q.id}", params, _question_keyboard(q, d), edit=edit,
                 request_location=q.kind == "zone")


def _question_keyboard(q: Question, d: Dialogue) -> Keyboard:
    turn = str(d.turn)
    if q.kind == "multi":
        chosen = _selection(d)
        toggles = [Button(f"{q.id}.{o}", f"{turn}|t:{o}", o in chosen) for o in q.options]
        finish = "done" if chosen or q.id == "run_days" else "none"
        return _rows(toggles, q.row_width) + ((Button(f"{q.id}.{finish}", f"{turn}|{finish}"),),)
    if q.kind == "zone":
        return ()
    return _rows([Button(f"{q.id}.{o}", f"{turn}|{o}") for o in q.options], q.row_width)


def summary_reply(d: Dialogue) -> Reply:
    turn = str(d.turn)
    buttons = ((Button("summary.confirm", f"{turn}|confirm"),),
               (Button("summary.change", f"{turn}|change"),))
    return Reply("summary", {"answers": dict(d.answers)}, buttons)


def change_reply(d: Dialogue) -> Reply:
    turn = str(d.turn)
    fields = [Button(f"field.{q.id}", f"{turn}|{q.id}") for q in required_questions(d.answers)]
    return Reply("change_pick", {}, _rows(fields, 2) + ((Button("change.back", f"{turn}|back"),),))


def zone_confirm_reply(d: Dialogue, ctx: Context) -> Reply:
    turn = str(d.turn)
    buttons = ((Button("zone.yes", f"{turn}|yes"), Button("zone.no", f"{turn}|no")),)
    return Reply("zone_confirm", {}, buttons)


def zone_found_reply(d: Dialogue, ctx: Context) -> Reply:
    zone, label = str(d.draft["zone"]), str(d.draft["label"])
    local = ctx.now.astimezone(ZoneInfo(zone))
    params = {"zone": zone, "place": label, "local_time": local.strftime("%H:%M"),
              "local_day": local.strftime("%a").lower()}
    return Reply("zone_found", params, dismiss_keyboard=True)


def restart_reply(d: Dialogue) -> Reply:
    turn = str(d.turn)
    keep = "restart.keep" if d.draft.get("back") == READY else "restart.resume"
    buttons = ((Button(keep, f"{turn}|keep"),), (Button("restart.fresh", f"{turn}|fresh"),))
    return Reply("restart_confirm", {"finished": d.draft.get("back") == READY}, buttons)


def current_prompt(d: Dialogue, ctx: Context) -> tuple[Reply, ...]:
    """What is on the table right now, to show again after a detour."""
    if d.question is not None:
        return (question_reply(d),)
    prompts: dict[str, Callable[[], Reply]] = {
        coach.WALK: lambda: coach.walk_reply(d.draft, d.turn),
        coach.RETEST: lambda: coach.retest_reply(d.draft, d.turn),
        coach.FEEDBACK: lambda: _feedback_prompt(d, ctx),
        SUMMARY: lambda: summary_reply(d),
        CHANGE: lambda: change_reply(d),
        CONFIRM_ZONE: lambda: zone_confirm_reply(d, ctx),
        CONFIRM_RESTART: lambda: restart_reply(d),
    }
    make = prompts.get(d.state)
    return (make(),) if make else ()


def _feedback_prompt(d: Dialogue, ctx: Context) -> Reply:
    prompt = coach.feedback_prompt(d.draft, d.turn, ctx.coach.catalog) if ctx.coach else None
    return prompt or Reply("feedback_cancelled")


# --- moving between states ------------------------------------------------------------------


def _goto(d: Dialogue, state: str, **changes: object) -> Dialogue:
    draft = changes.pop("draft", {})
    answers = changes.pop("answers", d.answers)
    assert isinstance(draft, Mapping)
    assert isinstance(answers, Mapping)
    return replace(d, state=state, answers=answers, draft=draft, turn=d.turn + 1)


def _ask(d: Dialogue, q: Question) -> Dialogue:
    draft: dict[str, object] = {}
    if q.kind == "multi":
        current = d.answers.get(q.id)
        draft = {"selected": list(current) if isinstance(current, list) else []}
    return _goto(d, ASK + q.id, draft=draft)


def _advance(d: Dialogue) -> Outcome:
    """After an answer: the next unanswered question, else the summary."""
    nxt = first_missing(d.answers)
    if nxt is None:
        summary = _goto(d, SUMMARY)
        return Outcome(summary, (summary_reply(summary),))
    asked = _ask(d, nxt)
    return Outcome(asked, (question_reply(asked),))


def _answer(d: Dialogue, q: Question, value: AnswerValue, *notes: Reply) -> Outcome:
    answered = replace(d, answers={**d.answers, q.id: value})
    nxt = _advance(answered)
    return Outcome(nxt.dialogue, notes + nxt.replies, (RecordAnswer(q.id, value),),
                   close_source=True)


def _selection(d: Dialogue) -> list[str]:
    chosen = d.draft.get("selected", [])
    return [str(c) for c in chosen] if isinstance(chosen, list) else []


# --- the transition -------------------------------------------------------------------------


def step(d: Dialogue, event: Event, ctx: Context, match: OptionMatcher) -> Outcome:
    if isinstance(event, Command):
        return _on_command(d, event, ctx)
    if d.state == NEW:
        return _welcome(d, ctx)
    if isinstance(event, Choice):
        return _on_choice(d, event, ctx)
    if isinstance(event, Text):
        return _on_text(d, event.text, ctx, match)
    if isinstance(event, Location):
        return _on_location(d, event, ctx)
    return _hint(d, ctx, "hint_unsupported", kind=event.kind)


def _hint(d: Dialogue, ctx: Context, template: str, **params: object) -> Outcome:
    return Outcome(d, (Reply(template, params),) + current_prompt(d, ctx))


def _welcome(d: Dialogue, ctx: Context) -> Outcome:
    fresh = Dialogue(turn=d.turn)
    nxt = _advance(fresh)
    welcome = Reply("welcome", {"first_name": ctx.first_name})
    return Outcome(nxt.dialogue, (welcome,) + nxt.replies)


def _on_command(d: Dialogue, cmd: Command, ctx: Context) -> Outcome:
    if cmd.name == "start":
        return _on_start(d, ctx)
    if cmd.name == "help":
        return _hint(d, ctx, "help", screening=d.state not in (NEW, *COACH_STATES))
    if cmd.name == "cancel":
        return Outcome(d, (Reply("cancel_nothing"),)) if d.state == NEW else _on_cancel(d, ctx)
    if d.state == NEW:
        return _welcome(d, ctx)
    if cmd.name in COACH_COMMANDS:
        return _on_coach_command(d, cmd, ctx)
    return _hint(d, ctx, "unknown_command", command=cmd.name[:32])


# A runner's data is theirs at any point, mid-screening included.
DATA_COMMANDS = ("privacy", "export", "delete")


def _on_coach_command(d: Dialogue, cmd: Command, ctx: Context) -> Outcome:
    if d.state == CONFIRM_RESTART and d.draft.get("back") in COACH_STATES:
        d = _back_from_restart(d)  # a coach command answers "keep or start over?": keep
    if _in_settings(d, ctx):
        saved = _confirm_settings(d, ctx)
        return _then(saved, _on_coach_command(saved.dialogue, cmd, ctx))
    if d.state == coach.WALK and ctx.coach is not None:
        stopped = _from_coach(d, coach.stop_walk(d.draft, d.turn, _answers_dict(d), ctx.coach))
        return _then(stopped, _on_coach_command(stopped.dialogue, cmd, ctx))
    if d.state not in COACH_STATES and cmd.name in DATA_COMMANDS:
        return _data_command_mid_screening(d, cmd, ctx)
    if d.state not in COACH_STATES or ctx.coach is None:
        return _hint(d, ctx, "screening_first", command=cmd.name)
    if cmd.name == "settings":
        picking = _goto(d, CHANGE)
        return Outcome(picking, (Reply("settings_intro"), change_reply(picking)))
    answers = _answers_dict(d)
    return _from_coach(d, coach.on_command(d.state, d.draft, d.turn, cmd, answers, ctx,
                                           ctx.coach))


def _then(first: Outcome, second: Outcome) -> Outcome:
    """Two steps answered as one: the first's replies and effects, then the second's."""
    return Outcome(second.dialogue, first.replies + second.replies,
                   first.effects + second.effects, second.toast,
                   first.close_source or second.close_source)


def _in_settings(d: Dialogue, ctx: Context) -> bool:
    """A screened runner part-way through changing an answer from /settings."""
    if ctx.coach is None or ctx.coach.plan_number == 0 or first_missing(d.answers) is not None:
        return False
    return d.state in (SUMMARY, CHANGE, CONFIRM_ZONE) or d.question is not None


def _confirm_settings(d: Dialogue, ctx: Context) -> Outcome:
    """Leaving /settings keeps what was already answered and re-plans, as "Looks right" does."""
    assert ctx.coach is not None
    done = _goto(d, READY)
    saved = coach.save_plan("settings", _answers_dict(d), ctx.coach)
    reply = Reply("plan_updated", {"answers": dict(d.answers), "changes": list(saved.changes)})
    return Outcome(done, (reply,), (CompleteScreening(dict(d.answers)), saved),
                   close_source=True)


def _data_command_mid_screening(d: Dialogue, cmd: Command, ctx: Context) -> Outcome:
    if cmd.name == "privacy":
        return _hint(d, ctx, "privacy")
    if cmd.name == "export":
        return Outcome(d, current_prompt(d, ctx), (coach.Produce("export"),))
    buttons = ((Button("delete.confirm", f"{d.turn}|delete_all"),),
               (Button("delete.keep", f"{d.turn}|keep_data"),))
    return Outcome(d, (Reply("delete_confirm", {}, buttons),))


def _answers_dict(d: Dialogue) -> dict[str, object]:
    return dict(d.answers)


def _from_coach(d: Dialogue, out: CoachOutcome) -> Outcome:
    answers = d.answers if out.answers is None else _as_answers(out.answers)
    turn = d.turn + 1 if out.advance_turn else d.turn
    moved = replace(d, state=out.state, draft=dict(out.draft), answers=answers, turn=turn)
    recorded: tuple[Effect, ...] = tuple(RecordAnswer(q, v) for q, v in out.recorded)
    return Outcome(moved, out.replies, recorded + out.effects, out.toast, out.close_source)


def _as_answers(raw: Mapping[str, object]) -> dict[str, AnswerValue]:
    return {k: v for k, v in raw.items() if isinstance(v, str | int | list)}


def _on_start(d: Dialogue, ctx: Context) -> Outcome:
    if d.state == NEW:
        return _welcome(d, ctx)
    if d.state == CONFIRM_RESTART:
        return Outcome(d, (restart_reply(d),))
    asking = _goto(d, CONFIRM_RESTART, draft={"back": d.state, "back_draft": dict(d.draft)})
    return Outcome(asking, (restart_reply(asking),))


def _on_cancel(d: Dialogue, ctx: Context) -> Outcome:
    if d.state == READY:
        return Outcome(d, (Reply("cancel_nothing"),))
    if d.state == SUMMARY and _in_settings(d, ctx):
        return _confirm_settings(d, ctx)
    if d.state == coach.WALK and ctx.coach is not None:
        return _from_coach(d, coach.stop_walk(d.draft, d.turn, _answers_dict(d), ctx.coach))
    if d.state == coach.FEEDBACK:
        return _from_coach(d, CoachOutcome(READY, {}, (Reply("feedback_cancelled"),)))
    if d.state == coach.RETEST:
        return _from_coach(d, CoachOutcome(READY, {}, (Reply("retest_cancelled"),)))
    if d.state == CONFIRM_RESTART:
        return _restore(d, ctx)
    if d.state in (CHANGE, CONFIRM_ZONE) or (d.question and is_editing(d)):
        back = _goto(d, SUMMARY) if is_editing(d) else _ask(d, BY_ID["timezone"])
        return Outcome(back, (Reply("cancel_back"),) + current_prompt(back, ctx), close_source=True)
    return Outcome(d, (Reply("cancel_paused"),))


def _back_from_restart(d: Dialogue) -> Dialogue:
    back_draft = d.draft.get("back_draft", {})
    return replace(d, state=str(d.draft.get("back", READY)),
                   draft=back_draft if isinstance(back_draft, Mapping) else {})


def _restore(d: Dialogue, ctx: Context) -> Outcome:
    back_state = str(d.draft.get("back", READY))
    back_draft = d.draft.get("back_draft", {})
    restored = _goto(d, back_state, draft=back_draft if isinstance(back_draft, Mapping) else {})
    if back_state == READY:
        return Outcome(restored, (Reply("restart_kept"),), close_source=True)
    return Outcome(restored, (Reply("restart_resumed"),) + current_prompt(restored, ctx),
                   close_source=True)


# Buttons under /today, /exercise and a plan change stay usable after later messages: they
# start something new rather than answer a question, and a second tap finds it already done.
LASTING_BUTTONS = ("start", "week", "did", "undo")


def _on_choice(d: Dialogue, choice: Choice, ctx: Context) -> Outcome:
    if choice.value.startswith("r:"):
        return _on_reminder_button(d, choice.value, ctx)
    if choice.value in ("delete_all", "keep_data") and d.state not in COACH_STATES:
        return _on_delete_choice(d, choice, ctx)
    lasting = d.state == READY and (choice.value in LASTING_BUTTONS
                                    or choice.value.startswith("ex:"))
    if choice.turn != d.turn and not lasting:
        return Outcome(d, toast="toast.stale")
    if d.state in COACH_STATES:
        if ctx.coach is None:
            return Outcome(d, toast="toast.stale")
        return _from_coach(d, coach.on_choice(d.state, d.draft, d.turn, choice,
                                              _answers_dict(d), ctx, ctx.coach))
    if d.state == CONFIRM_RESTART:
        if choice.value in ("keep", "resume"):
            return _restore(d, ctx)
        return _welcome(Dialogue(turn=d.turn), ctx)
    if d.state == SUMMARY:
        return _on_summary(d, choice.value, ctx)
    if d.state == CHANGE:
        return _on_change(d, choice.value)
    if d.state == CONFIRM_ZONE:
        return _on_zone_confirm(d, choice.value == "yes")
    q = d.question
    if q is None:
        return Outcome(d, toast="toast.stale")
    return _choose(d, q, choice.value, ctx)


def _choose(d: Dialogue, q: Question, value: str, ctx: Context) -> Outcome:
    if q.kind == "multi":
        return _on_multi(d, q, value)
    if q.kind == "time" and value in q.options:
        return _answer(d, q, value)
    if q.kind == "minutes" and value in q.options:
        return _answer(d, q, int(value))
    if q.kind == "single" and value in q.options:
        return _answer(d, q, value, *_notes_for(q.id, value))
    return Outcome(d, toast="toast.stale")


def _notes_for(question: str, value: str) -> tuple[Reply, ...]:
    if question in ("thigh_left", "thigh_right") and value == "hurt":
        return (Reply("note_test_hurt"),)
    return ()


def _on_multi(d: Dialogue, q: Question, value: str) -> Outcome:
    chosen = _selection(d)
    if value.startswith("t:") and value[2:] in q.options:
        option = value[2:]
        chosen = [c for c in chosen if c != option] if option in chosen else chosen + [option]
        ordered = [o for o in q.options if o in chosen]
        toggled = replace(d, draft={"selected": ordered}, turn=d.turn + 1)
        return Outcome(toggled, (question_reply(toggled, edit=True),))
    if value in ("done", "none"):
        return _submit_multi(d, q, chosen if value == "done" else [])
    return Outcome(d, toast="toast.stale")


def _submit_multi(d: Dialogue, q: Question, chosen: list[str]) -> Outcome:
    if q.id == "run_days" and not chosen:
        return Outcome(d, (Reply("hint_pick_a_day"),), toast="toast.pick_a_day")
    ordered = [o for o in q.options if o in chosen]
    if q.id == "red_flags" and ordered:
        # The self-tests are skipped on the red-flag path, so earlier results no longer apply.
        kept = {k: v for k, v in d.answers.items() if k not in SELF_TESTS}
        return _answer(replace(d, answers=kept), q, ordered, Reply("red_flag_notice"))
    return _answer(d, q, ordered)


def _on_delete_choice(d: Dialogue, choice: Choice, ctx: Context) -> Outcome:
    if choice.turn != d.turn:
        return Outcome(d, toast="toast.stale")
    if choice.value == "keep_data":
        return Outcome(d, (Reply("delete_kept"),) + current_prompt(d, ctx), close_source=True)
    gone = replace(Dialogue(), turn=d.turn + 1)
    return Outcome(gone, (Reply("delete_done"),), (coach.DeleteEverything(),),
                   close_source=True)


def _on_reminder_button(d: Dialogue, value: str, ctx: Context) -> Outcome:
    if d.state not in COACH_STATES or ctx.coach is None:
        return Outcome(d, toast="toast.stale")
    return _from_coach(d, coach.on_reminder_button(d.state, d.draft, d.turn, value,
                                                   _answers_dict(d), ctx, ctx.coach))


def _on_confirm(d: Dialogue, ctx: Context) -> Outcome:
    done = _goto(d, READY)
    effects: tuple[Effect, ...] = (CompleteScreening(dict(d.answers)),)
    kit = ctx.coach
    if kit is None:
        return Outcome(done, (Reply("screening_done", {"answers": dict(d.answers)}),),
                       effects, close_source=True)
    answers = _answers_dict(d)
    saved = coach.save_plan("settings" if kit.plan_number else "screening", answers, kit)
    first = kit.plan_number == 0
    reply = Reply("screening_done" if first else "plan_updated",
                  {"answers": dict(d.answers), "changes": list(saved.changes)})
    today = coach.today_reply(done.turn, answers, ctx, kit)
    return Outcome(done, (reply, today), (*effects, saved), close_source=True)


def _on_summary(d: Dialogue, value: str, ctx: Context) -> Outcome:
    if value == "confirm":
        return _on_confirm(d, ctx)
    if value == "change":
        picking = _goto(d, CHANGE)
        return Outcome(picking, (change_reply(picking),), close_source=True)
    return Outcome(d, toast="toast.stale")


def _on_change(d: Dialogue, value: str) -> Outcome:
    if value == "back":
        back = _goto(d, SUMMARY)
        return Outcome(back, (summary_reply(back),), close_source=True)
    q = BY_ID.get(value)
    if q is None or q not in required_questions(d.answers):
        return Outcome(d, toast="toast.stale")
    asked = _ask(d, q)
    return Outcome(asked, (question_reply(asked),), close_source=True)


def _on_zone_confirm(d: Dialogue, yes: bool) -> Outcome:
    if not yes:
        again = _ask(d, BY_ID["timezone"])
        return Outcome(again, (Reply("zone_retry"), question_reply(again)), close_source=True)
    zone = str(d.draft["zone"])
    answered = _answer(replace(d, state=ASK + "timezone"), BY_ID["timezone"], zone)
    return replace(answered, effects=answered.effects + (SetTimezone(zone),))


# --- free text ------------------------------------------------------------------------------


def _on_text(d: Dialogue, text: str, ctx: Context, match: OptionMatcher) -> Outcome:
    if d.state == READY:
        return _on_ready_text(d, text, ctx)
    if len(text) > MAX_ANSWER_CHARS:
        return _hint(d, ctx, "hint_too_long")
    if d.state == coach.FEEDBACK:
        prefix, options = coach.feedback_typed_options(d.draft)
        picked = match(prefix, options, text) if options else None
        if picked is None:
            return _hint(d, ctx, "hint_buttons", said=text)
        return _on_choice(d, Choice(d.turn, picked), ctx)
    if d.state == coach.RETEST:
        picked = match(coach.retest_question(d.draft), coach.retest_options(d.draft), text)
        if picked is None:
            return _hint(d, ctx, "hint_buttons", said=text)
        return _on_choice(d, Choice(d.turn, picked), ctx)
    if d.state == coach.WALK:
        picked = match("walk", coach.WALK_OUTCOMES, text)
        if picked is None:
            return _hint(d, ctx, "hint_buttons", said=text)
        return _on_choice(d, Choice(d.turn, picked), ctx)
    if len(text) > MAX_ANSWER_CHARS:
        return _hint(d, ctx, "hint_too_long")
    q = d.question
    if q is None:
        return _text_on_buttons(d, text, ctx, match)
    if q.kind == "time":
        return _on_time_text(d, q, text, ctx)
    if q.kind == "zone":
        return _propose_zone(d, ctx.zones.from_text(text), ctx, text)
    if q.kind == "minutes":
        return _on_minutes_text(d, q, text, ctx)
    if q.kind == "multi":
        return _on_multi_text(d, q, text, ctx, match)
    picked = match(q.id, q.options, text)
    if picked is None:
        return _hint(d, ctx, "hint_buttons", said=text)
    return _answer(d, q, picked, *_notes_for(q.id, picked))


# Per screen: the label prefix its buttons use, and the values they send.
TYPED_BUTTONS: dict[str, tuple[str, tuple[str, ...]]] = {
    SUMMARY: ("summary", ("confirm", "change")),
    CONFIRM_ZONE: ("zone", ("yes", "no")),
    CONFIRM_RESTART: ("restart", ("keep", "resume", "fresh")),
    CHANGE: ("change", ("back",)),
}


def _on_ready_text(d: Dialogue, text: str, ctx: Context) -> Outcome:
    """Free text after screening is read as a report on the training, when it is one."""
    if ctx.coach is not None:
        heard = coach.on_text_report(text, d.turn, _answers_dict(d), ctx, ctx.coach)
        if heard is not None:
            return _from_coach(d, heard)
    return Outcome(d, (Reply("ready_text"),))


def _text_on_buttons(d: Dialogue, text: str, ctx: Context, match: OptionMatcher) -> Outcome:
    """Typing a button's label on the summary or a confirmation works like tapping it."""
    prefix, options = TYPED_BUTTONS.get(d.state, ("", ()))
    picked = match(prefix, options, text) if options else None
    if picked is None and d.state == CHANGE:
        fields = [q.id for q in required_questions(d.answers)]
        picked = match("field", fields, text)
    if picked is None:
        return _hint(d, ctx, "hint_buttons", said=text)
    return _on_choice(d, Choice(d.turn, picked), ctx)


def _on_time_text(d: Dialogue, q: Question, text: str, ctx: Context) -> Outcome:
    parsed = parse_clock_time(text)
    if parsed.value is None:
        return _hint(d, ctx, "bad_time", problem=parsed.problem, said=text)
    return _answer(d, q, parsed.value)


def _on_minutes_text(d: Dialogue, q: Question, text: str, ctx: Context) -> Outcome:
    minutes = parse_minutes(text, *MINUTES_RANGE)
    if minutes is None:
        low, high = MINUTES_RANGE
        return _hint(d, ctx, "bad_minutes", low=low, high=high)
    return _answer(d, q, minutes)


def _on_multi_text(
    d: Dialogue, q: Question, text: str, ctx: Context, match: OptionMatcher
) -> Outcome:
    finish = match(q.id, ("done", "none"), text)
    if finish is not None:
        return _submit_multi(d, q, _selection(d) if finish == "done" else [])
    if q.id == "run_days":
        days = parse_weekdays(text)
        if days is None:
            return _hint(d, ctx, "hint_days")
        return _submit_multi(d, q, days)
    parts = [p for p in _split_list(text) if p]
    picked = [match(q.id, q.options, p) for p in parts]
    if not parts or None in picked:
        return _hint(d, ctx, "hint_buttons", said=text)
    return _submit_multi(d, q, [p for p in picked if p is not None])


def _split_list(text: str) -> list[str]:
    for sep in (" and ", "&", "/", ";", "+"):
        text = text.replace(sep, ",")
    return [p.strip() for p in text.split(",")]


def _on_location(d: Dialogue, loc: Location, ctx: Context) -> Outcome:
    q = d.question
    if d.state != CONFIRM_ZONE and (q is None or q.kind != "zone"):
        return _hint(d, ctx, "hint_location_unneeded")
    return _propose_zone(d, ctx.zones.from_location(loc.latitude, loc.longitude), ctx, "")


def _propose_zone(d: Dialogue, found: ZoneMatch | None, ctx: Context, said: str) -> Outcome:
    if found is None:
        return _hint(d, ctx, "bad_zone", said=said)
    confirming = _goto(d, CONFIRM_ZONE, draft={"zone": found.zone, "label": found.label})
    return Outcome(confirming, (zone_found_reply(confirming, ctx),
                                zone_confirm_reply(confirming, ctx)))
