"""The one router: ``step(dialogue, event, context, match) -> Transition``. Pure, no I/O.

Global commands (``/start``, ``/help``, ``/cancel``, the coach's commands) are answered here,
once; everything else goes to the handler of the current state (``HANDLERS``), which belongs to
one feature module. The caller stores the transition's dialogue and effects in one
transaction, then sends the replies.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from bot.domain.buttons import BadButton, Choice, Feature
from bot.domain.dialogue import (
    clearing,
    data_rights,
    follow_ups,
    phrases,
    plan,
    reminders,
    report,
    retest,
    safe,
    screening,
    today,
    views,
)
from bot.domain.dialogue.first_moves import with_first_figures
from bot.domain.dialogue.plan import NOT_RUNNING, local_today
from bot.domain.dialogue.questions import MAX_ANSWER_CHARS
from bot.domain.dialogue.state import (
    COACH_STATES,
    Dialogue,
    ReportKind,
    RestartDraft,
    ShowReport,
    State,
    Transition,
    WalkDraft,
    goto,
    stale,
    then,
)
from bot.domain.model import (
    Command,
    Context,
    Event,
    Location,
    OptionMatcher,
    Reply,
    Text,
    Unsupported,
    button,
)

ChoiceHandler = Callable[[Dialogue, Choice, Context], Transition]
TextHandler = Callable[[Dialogue, str, Context, OptionMatcher], Transition]
Prompt = Callable[[Dialogue, Context], tuple[Reply, ...]]
Cancel = Callable[[Dialogue, Context], Transition]


@dataclass(frozen=True)
class Handler:
    """How one state answers a button, free text, /cancel, and what it shows after a detour."""

    choice: ChoiceHandler
    text: TextHandler
    prompt: Prompt
    cancel: Cancel


def step(d: Dialogue, event: Event, ctx: Context, match: OptionMatcher) -> Transition:
    return with_first_figures(clearing.offer_on_red_flag_path(_step(d, event, ctx, match)), ctx)


def _step(d: Dialogue, event: Event, ctx: Context, match: OptionMatcher) -> Transition:
    if isinstance(event, Command):
        return _on_command(d, event, ctx)
    if isinstance(event, BadButton):
        return Transition(d, toast="toast.unreadable")
    if d.state is State.NEW:
        welcome = screening.welcome(d, ctx)
        foreign = isinstance(event, Text) and phrases.not_english(event.text)
        return phrases.english_only(welcome) if foreign else welcome
    if isinstance(event, Choice):
        return _on_choice(d, event, ctx)
    if isinstance(event, Text):
        return _on_text(d, event.text, ctx, match)
    if isinstance(event, Location):
        return _on_location(d, event, ctx)
    assert isinstance(event, Unsupported)
    return _hint(d, ctx, "hint_unsupported", kind=event.kind)


def prompt(d: Dialogue, ctx: Context) -> tuple[Reply, ...]:
    """What is on the table right now, to show again after a detour."""
    return HANDLERS[d.state].prompt(d, ctx)


def _hint(d: Dialogue, ctx: Context, template: str, **params: object) -> Transition:
    return Transition(d, (Reply(template, params),) + prompt(d, ctx))


# --- commands --------------------------------------------------------------------------------

CommandHandler = Callable[[Dialogue, Command, Context], Transition]
# After screening; each belongs to one feature.
COACH_COMMANDS: dict[str, CommandHandler] = {
    "today": lambda d, cmd, ctx: today.today_command(d, ctx),
    "plan": lambda d, cmd, ctx: views.plan_command(d, ctx),
    "exercise": lambda d, cmd, ctx: views.exercise_command(d, cmd.args, ctx),
    "progress": lambda d, cmd, ctx: Transition(goto(d, State.READY),
                                               effects=(ShowReport(ReportKind.PROGRESS),)),
    "runs": lambda d, cmd, ctx: Transition(goto(d, State.READY),
                                           effects=(ShowReport(ReportKind.RUNS),)),
    "settings": lambda d, cmd, ctx: screening.settings_command(d),
    "retest": lambda d, cmd, ctx: retest.start(d, ctx),
    "summary": lambda d, cmd, ctx: clearing.summary(d),
    "cleared": lambda d, cmd, ctx: clearing.ask(d),
    **{name: lambda d, cmd, ctx: data_rights.command(d, cmd, ())
       for name in data_rights.COMMANDS},
    **{name: lambda d, cmd, ctx: reminders.command(d, cmd)
       for name in ("reminders", "pause", "resume", "quiet", "nudge")},
}


BASIC_COMMANDS = ("help", "start", "cancel")
# /help and Telegram's command menu show every command the router knows, in these groups.
HELP_GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("today", ("today", "plan", "exercise", "settings", "retest")),
    ("reminders", ("reminders", "pause", "resume", "quiet", "nudge")),
    ("progress", ("progress", "runs", "summary")),
    ("data", data_rights.COMMANDS),
    ("basics", (*BASIC_COMMANDS, "cleared")),
)
KNOWN_COMMANDS = frozenset({*BASIC_COMMANDS, *COACH_COMMANDS})


def _on_command(d: Dialogue, cmd: Command, ctx: Context) -> Transition:
    if cmd.name == "start":
        return _on_start(d, ctx)
    if cmd.name == "help":
        return _hint(d, ctx, "help", groups=HELP_GROUPS,
                     screening=d.state not in (State.NEW, *COACH_STATES))
    if cmd.name == "cancel":
        return _on_cancel(d, ctx)
    if d.state is State.NEW:
        return screening.welcome(d, ctx)
    if cmd.name in COACH_COMMANDS:
        return _coach_command(d, cmd, ctx)
    return _hint(d, ctx, "unknown_command", command=cmd.name[:32])


def _coach_command(d: Dialogue, cmd: Command, ctx: Context) -> Transition:
    """Whatever was open is closed first (kept, stored, or put back), then the command runs."""
    if isinstance(d.draft, RestartDraft) and d.draft.back in COACH_STATES:
        d = replace(d, state=d.draft.back, draft=d.draft.back_draft)  # "keep or start over?"
    if screening.in_settings(d, ctx):
        saved = screening.confirm_settings(d, ctx)
        return then(saved, _coach_command(saved.dialogue, cmd, ctx))
    if d.state is State.WALK and cmd.name == "exercise":  # a look-up keeps the session going
        looked = views.exercise_command(d, cmd.args, ctx)
        return Transition(d, _keep_walking(d, looked.replies) + today.prompt(d, ctx))
    if d.state is State.WALK:
        stopped = today.stop_walk(d, ctx)
        return then(stopped, _coach_command(stopped.dialogue, cmd, ctx))
    if d.state not in COACH_STATES and cmd.name in data_rights.COMMANDS:
        return data_rights.command(d, cmd, prompt(d, ctx))
    if d.state not in COACH_STATES:
        return _hint(d, ctx, "screening_first", command=cmd.name)
    return COACH_COMMANDS[cmd.name](d, cmd, ctx)


def _on_cancel(d: Dialogue, ctx: Context) -> Transition:
    if d.state in (State.NEW, State.READY):
        return Transition(d, (Reply("cancel_nothing"),))
    return HANDLERS[d.state].cancel(d, ctx)


# --- /start part-way: keep going or start over ----------------------------------------------


def _on_start(d: Dialogue, ctx: Context) -> Transition:
    if d.state is State.NEW:
        return screening.welcome(d, ctx)
    if d.state is State.CONFIRM_RESTART:
        return Transition(d, (_restart_reply(d),))
    asking = goto(d, State.CONFIRM_RESTART, RestartDraft(d.state, d.draft))
    return Transition(asking, (_restart_reply(asking),))


def _back(d: Dialogue) -> RestartDraft:
    return d.draft if isinstance(d.draft, RestartDraft) else RestartDraft(State.READY, d.draft)


def _restart_reply(d: Dialogue) -> Reply:
    finished = _back(d).back is State.READY
    keep = "restart.keep" if finished else "restart.resume"
    buttons = ((button(keep, Choice(d.turn, Feature.SCREENING, "keep")),),
               (button("restart.fresh", Choice(d.turn, Feature.SCREENING, "fresh")),))
    return Reply("restart_confirm", {"finished": finished}, buttons)


def _restore(d: Dialogue, ctx: Context) -> Transition:
    back = _back(d)
    restored = goto(d, back.back, back.back_draft)
    if back.back is State.READY:
        return Transition(restored, (Reply("restart_kept"),), close_source=True)
    return Transition(restored, (Reply("restart_resumed"),) + prompt(restored, ctx),
                      close_source=True)


def _restart_choice(d: Dialogue, c: Choice, ctx: Context) -> Transition:
    if c.action in ("keep", "resume"):
        return _restore(d, ctx)
    return screening.welcome(d, ctx)


def _restart_text(d: Dialogue, text: str, ctx: Context, match: OptionMatcher) -> Transition:
    picked = match("restart", ("keep", "resume", "fresh"), text)
    if picked is None:
        return _hint(d, ctx, "hint_buttons", said=text)
    return _restart_choice(d, Choice(d.turn, Feature.SCREENING, picked), ctx)


# --- buttons ---------------------------------------------------------------------------------

# Buttons under /today, /exercise and a plan change stay usable after later messages: they
# start something new rather than answer a question, and a second tap finds it already done.
LASTING = frozenset({(Feature.TODAY, "start"), (Feature.VIEW, "week"), (Feature.VIEW, "ex"),
                     (Feature.VIEW, "day"),
                     (Feature.REPORT, "did"), (Feature.REPORT, "undo"),
                     # "Anything hard?" after Did it: each tap amends that day's session.
                     (Feature.REPORT, "hard"), (Feature.REPORT, "hurt")})


def _on_choice(d: Dialogue, c: Choice, ctx: Context) -> Transition:
    if c.feature is Feature.SAFE:
        return _safe_choice(d, c, ctx)
    if c.feature is Feature.REMINDER:
        return _reminder_button(d, c, ctx)
    if c.feature is Feature.DATA and d.state not in COACH_STATES:
        return data_rights.on_choice(d, c, prompt(d, ctx))
    lasting = d.state is State.READY and (c.feature, c.action) in LASTING
    if c.turn != d.turn and not lasting:
        return stale(d)
    return HANDLERS[d.state].choice(d, c, ctx)


def _coach_choice(d: Dialogue, c: Choice, ctx: Context) -> Transition:
    """A button after screening, outside the walk, the re-test and a report's questions."""
    if (c.feature, c.action) == (Feature.REPORT, "undo"):
        return follow_ups.undo(d, c, ctx)
    if (c.feature, c.action) == (Feature.REPORT, "did"):
        return report.did_it(d, ctx)
    if c.feature is Feature.REPORT and c.action in ("hard", "hurt"):
        return report.amend(d, c, ctx)
    if (c.feature, c.action) in ((Feature.REPORT, "skip"), (Feature.REPORT, "keep")):
        return report.skip_chosen(d, c, ctx)
    if (c.feature, c.action) == (Feature.REPORT, "race"):
        return report.note_race(d, ctx)
    if c.feature is Feature.DATA:
        return data_rights.on_choice(d, c, ())
    if (c.feature, c.action) == (Feature.TODAY, "start"):
        return today.start_walk(d, ctx)
    if c.feature is Feature.VIEW:
        return views.on_choice(d, c, ctx)
    return stale(d)


def _walk_choice(d: Dialogue, c: Choice, ctx: Context) -> Transition:
    if c.feature is Feature.TODAY and c.action in today.WALK_ACTIONS:
        return today.on_choice(d, c, ctx)
    if (c.feature, c.action) == (Feature.TODAY, "how"):
        return _how(d, ctx)
    if (c.feature, c.action) == (Feature.VIEW, "ex") and c.arg in ctx.coach.catalog.exercises:
        on = plan.local_today(d.answers, ctx.now)
        shown = views.exercise_reply(c.arg, ctx.coach, d.answers, on)
        return Transition(d, (shown,) + today.prompt(d, ctx))
    return _coach_choice(d, c, ctx)


def _how(d: Dialogue, ctx: Context) -> Transition:
    """How? on a step: the move's how-to (as /exercise shows it), then the same step again."""
    current = today.current_exercise(d)
    if current is None or current not in ctx.coach.catalog.exercises:
        return Transition(d, today.prompt(d, ctx))
    on = plan.local_today(d.answers, ctx.now)
    step = d.draft.items[d.draft.index] if isinstance(d.draft, WalkDraft) else None
    return Transition(d, (views.exercise_reply(current, ctx.coach, d.answers, on, step),)
                      + today.prompt(d, ctx))


def _keep_walking(d: Dialogue, replies: tuple[Reply, ...]) -> tuple[Reply, ...]:
    """Pick buttons drawn for the walk's own turn, so a tap answers without ending it."""
    return tuple(replace(r, buttons=tuple(tuple(replace(b, data=_at_turn(b.data, d.turn))
                                                for b in row) for row in r.buttons))
                 for r in replies)


def _at_turn(data: str, turn: int) -> str:
    return f"{turn}|{data.partition('|')[2]}"


def _safe_choice(d: Dialogue, c: Choice, ctx: Context) -> Transition:
    """The red-flag path's buttons: "cleared" and "summary" work like their commands from any
    screened state; the confirmation answers only its own question."""
    if c.action in ("clear", "summary"):
        if d.state not in COACH_STATES and not screening.in_settings(d, ctx):
            return stale(d)
        name = "cleared" if c.action == "clear" else "summary"
        return _coach_command(d, Command(name), ctx)
    answered = clearing.on_choice(d, c, ctx)
    if c.action == "yes" and answered.dialogue.answers != d.answers:
        return then(answered, retest.start(answered.dialogue, ctx))  # the self-tests come next
    return answered


def _retest_choice(d: Dialogue, c: Choice, ctx: Context) -> Transition:
    if c.feature is Feature.RETEST:
        return retest.on_choice(d, c, ctx)
    return _coach_choice(d, c, ctx)


def _reminder_button(d: Dialogue, c: Choice, ctx: Context) -> Transition:
    """Buttons under a reminder or /reminders: they work from any state after screening."""
    if d.state not in COACH_STATES:
        return stale(d)
    if d.state is State.READY and c.action in READY_REMINDER_ACTIONS:
        return READY_REMINDER_ACTIONS[c.action](d, ctx)
    if c.action == "hip" and c.arg in ("better", "same", "worse"):
        if safe.on_red_flag_path(d.answers):  # the path answers it: no building back up
            return Transition(d, (Reply("checkin_answer", {"feel": c.arg, "red_flag": True}),),
                              close_source=True)
        return follow_ups.hip_check_in(d, c.arg, ctx)
    if c.action == "not_today":  # /today stops talking about today's run
        on = local_today(d.answers, ctx.now).isoformat()
        d = replace(d, answers={**d.answers, NOT_RUNNING: on})
    return reminders.on_choice(d, c)


READY_REMINDER_ACTIONS: dict[str, Callable[[Dialogue, Context], Transition]] = {
    "start": today.start_walk,
    "done": lambda d, ctx: report.did_it(d, ctx, "reminder"),
    "today": today.today_command,
    "retest": lambda d, ctx: retest.start(d, ctx),
    "clear": lambda d, ctx: clearing.ask(d),
    "summary": lambda d, ctx: clearing.summary(d),
}


# --- free text and the rest ------------------------------------------------------------------


def _on_text(d: Dialogue, text: str, ctx: Context, match: OptionMatcher) -> Transition:
    if phrases.not_english(text) and not screening.asks_for_a_place(d):
        return phrases.english_only(Transition(d, prompt(d, ctx)))
    if d.state is State.READY and clearing.heard_cleared(d, text):
        return clearing.ask(d)
    if d.state is State.READY:
        return _ready_text(d, text, ctx, match)
    if d.state is State.WALK and len(text) <= MAX_ANSWER_CHARS and safe.asks_how(text):
        return _how(d, ctx)
    if d.state is State.WALK:  # read whatever its length: a warning sign may be in it
        return _walk_text(d, text, ctx, match)
    if len(text) > MAX_ANSWER_CHARS:
        return _hint(d, ctx, "hint_too_long")
    return HANDLERS[d.state].text(d, text, ctx, match)


def _on_location(d: Dialogue, loc: Location, ctx: Context) -> Transition:
    if d.state in (State.ASK, State.CONFIRM_ZONE):
        return screening.on_location(d, loc.latitude, loc.longitude, ctx)
    return _hint(d, ctx, "hint_location_unneeded")


def _nothing(d: Dialogue, ctx: Context) -> tuple[Reply, ...]:
    return ()


def _ready_text(d: Dialogue, text: str, ctx: Context, match: OptionMatcher) -> Transition:
    heard = phrases.everyday(d, text, ctx)
    return heard if heard is not None else report.on_ready_text(d, text, ctx)


def _walk_text(d: Dialogue, text: str, ctx: Context, match: OptionMatcher) -> Transition:
    """Words mid-walk: the walk reads and answers them (the move named, a question, a skip)."""
    return today.on_text(d, text, ctx, match)


def _welcome_choice(d: Dialogue, c: Choice, ctx: Context) -> Transition:
    return screening.welcome(d, ctx)


def _welcome_text(d: Dialogue, text: str, ctx: Context, match: OptionMatcher) -> Transition:
    return screening.welcome(d, ctx)


def _nothing_to_cancel(d: Dialogue, ctx: Context) -> Transition:
    return Transition(d, (Reply("cancel_nothing"),))


SCREENING = Handler(screening.on_choice, screening.on_text, screening.prompt,
                    screening.on_cancel)

HANDLERS: dict[State, Handler] = {
    State.NEW: Handler(_welcome_choice, _welcome_text, _nothing, _nothing_to_cancel),
    State.ASK: SCREENING,
    State.SUMMARY: SCREENING,
    State.CHANGE: SCREENING,
    State.CONFIRM_ZONE: SCREENING,
    State.CONFIRM_RESTART: Handler(_restart_choice, _restart_text,
                                   lambda d, ctx: (_restart_reply(d),), _restore),
    State.READY: Handler(_coach_choice, _ready_text, _nothing, _nothing_to_cancel),
    State.WALK: Handler(_walk_choice, _walk_text, today.prompt, today.stop_walk),
    State.RETEST: Handler(_retest_choice, retest.on_text, retest.prompt,
                          lambda d, ctx: retest.cancel(d)),
    State.FEEDBACK: Handler(report.on_choice, report.on_text, report.prompt,
                            lambda d, ctx: report.cancel(d)),
}
