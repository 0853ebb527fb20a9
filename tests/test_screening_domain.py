"""The screening dialogue as the user meets it: each message, its words' template, its buttons.

Every outcome goes through the real content (labels.yaml and the Jinja2 templates, with
StrictUndefined), the real LabelMatcher and the real GeoZoneResolver, so a reply that would
not render, or a typed answer the production matcher would not understand, fails here.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.content.ladders import cached_ladders
from bot.content.library import ContentLibrary
from bot.domain.buttons import BadButton, Choice, Feature, decode, parse_button_data
from bot.domain.catalog import Catalog
from bot.domain.dialogue.questions import QUESTIONS
from bot.domain.dialogue.router import HELP_GROUPS, LASTING, step
from bot.domain.dialogue.state import (
    CompleteScreening,
    Dialogue,
    Effect,
    RecordAnswer,
    SavePlan,
    SetTimezone,
    Transition,
)
from bot.domain.model import (
    Button,
    CoachKit,
    Command,
    Context,
    Event,
    Keyboard,
    Location,
    Reply,
    Text,
    Unsupported,
)
from bot.services.drafts import state_name
from bot.services.feedback import FeedbackReader
from bot.services.matching import ExerciseMatcher, LabelMatcher
from bot.services.zones import GeoZoneResolver
from tests.support.screening import complete, screening_steps

CONTENT = ContentLibrary(Path(__file__).resolve().parents[1] / "content")
MATCHER = LabelMatcher(CONTENT)

# 00:30 UTC on Sunday 29 March 2026: 01:30 in Berlin, half an hour before clocks go forward.
NOW = datetime(2026, 3, 29, 0, 30, tzinfo=UTC)
EMOJI_FLOOD = "🏃" * 5000
SAME = "(unchanged)"

# What the happy path below answers, in the order the questions come.
ANSWERS: Mapping[str, object] = complete({
    "pain": "mild",
    "red_flags": [],
    "thigh_left": "pass",
    "thigh_right": "fail",
    "knee_lift": "pass",
    "goal": "endurance",
    "equipment": ["band", "step"],
    "run_days": ["mon", "wed", "sat"],
    "run_time": "07:00",
    "timezone": "Europe/Berlin",
    "minutes": 15,
})
SELF_TESTS = ("thigh_left", "thigh_right", "knee_lift")


@pytest.fixture(scope="module")
def zones() -> GeoZoneResolver:
    resolver = GeoZoneResolver()
    resolver.warm_up()
    return resolver


@pytest.fixture(scope="module")
def ctx(zones: GeoZoneResolver, catalog: Catalog) -> Context:
    kit = CoachKit(catalog, ExerciseMatcher(catalog),
                   FeedbackReader((e.id, e.name, e.aliases)
                                  for e in catalog.exercises.values()).read,
                   ladders=cached_ladders(CONTENT.root))
    # After screening, free text may name a move: its name is a label like any other.
    CONTENT.add_labels({f"exercise.{e.id}": e.name for e in catalog.exercises.values()})
    return Context(now=NOW, zones=zones, coach=kit, first_name="Ana")


# --- what the user sees ----------------------------------------------------------------------


def render_all(out: Transition) -> list[str]:
    """Renders every reply as production would; fails on a missing template, label or variable.

    Also checks that every keyboard drawn is live (carries the new turn) and that its data fits
    Telegram's 64-byte callback limit.
    """
    texts = []
    for reply in out.replies:
        message = CONTENT.render(reply)
        assert message.text.strip(), f"{reply.template} rendered empty"
        texts.append(message.text)
        for row in reply.buttons:
            for button in row:
                assert len(button.data.encode()) <= 64, button
                choice = decode(button.data)
                assert choice.turn == out.dialogue.turn, f"{reply.template}: {button} is stale"
    if out.toast is not None:
        CONTENT.label(out.toast)
    return texts


def templates(out: Transition) -> tuple[str, ...]:
    return tuple(reply.template for reply in out.replies)


def labels(keyboard: Keyboard) -> list[list[str]]:
    """The button captions as rendered, row by row (a ticked option shows a leading ✅)."""
    rendered = CONTENT.render(Reply("zone_confirm", {}, keyboard)).keyboard
    return [[b.label for b in row] for row in rendered]


def records(effects: Sequence[Effect]) -> list[tuple[str, object]]:
    return [(e.question, e.value) for e in effects if isinstance(e, RecordAnswer)]


@dataclass
class Chat:
    """One user's side of the chat: the dialogue, the latest keyboard and every button seen."""

    ctx: Context
    dialogue: Dialogue = field(default_factory=Dialogue)
    keyboard: Keyboard = ()
    seen: list[Choice] = field(default_factory=list)
    effects: list[Effect] = field(default_factory=list)
    history: list[Dialogue] = field(default_factory=list)
    sent: list[Event] = field(default_factory=list)
    prompts: dict[str, Reply] = field(default_factory=dict)  # the latest reply per template
    outcomes: list[Transition] = field(default_factory=list)

    @property
    def state(self) -> str:
        """The state as stored: ``ask:pain``, ``summary``..."""
        return state_name(self.dialogue)

    def send(self, event: Event) -> Transition:
        out = step(self.dialogue, event, self.ctx, MATCHER)
        render_all(out)
        self.history.append(self.dialogue)
        self.sent.append(event)
        self.outcomes.append(out)
        self.dialogue = out.dialogue
        self.effects += out.effects
        for reply in out.replies:
            self.prompts[reply.template] = reply
            if reply.buttons:
                self.keyboard = reply.buttons
                self.seen += [decode(row[0].data) for row in reply.buttons]
        return out

    @property
    def last(self) -> Transition:
        assert self.outcomes, "nothing sent yet"
        return self.outcomes[-1]

    def button(self, label: str) -> Button:
        found = [b for row in self.keyboard for b in row if b.label == label]
        shown = [b.label for row in self.keyboard for b in row]
        assert found, f"no {label!r} button on screen; showing {shown}"
        return found[0]

    def choice(self, label: str) -> Choice:
        return decode(self.button(label).data)

    def tap(self, label: str) -> Transition:
        return self.send(self.choice(label))

    def type(self, text: str) -> Transition:
        return self.send(Text(text))

    def stale_button(self) -> Choice:
        """A button from an earlier keyboard, or an older copy of the one on screen."""
        old = [c for c in self.seen if c.turn != self.dialogue.turn]
        if old:
            return old[-1]
        current = decode(self.keyboard[0][0].data)
        return current.at(current.turn - 1)


Action = Callable[[Chat], Transition]


def tap(label: str) -> Action:
    return lambda chat: chat.tap(label)


def say(text: str) -> Action:
    return lambda chat: chat.type(text)


def send(event: Event) -> Action:
    return lambda chat: chat.send(event)


def path(answers: Mapping[str, object], typed: bool = False) -> tuple[tuple[str, Action], ...]:
    """(the state we expect to be in, what the user does there), from the question table."""
    steps = [(s.state, tap(s.label) if s.how == "tap" else say(s.text))
             for s in screening_steps(answers, typed, CONTENT.label)]
    return (("new", send(Command("start"))), *steps, ("summary", tap("summary.confirm")))


RED_FLAG_ANSWERS: Mapping[str, object] = complete({
    "pain": "often",
    "red_flags": ["rest_night"],
    "goal": "comeback",
    "equipment": [],
    "run_days": ["tue", "thu"],
    "run_time": "18:15",
    "timezone": "Etc/GMT-3",
    "minutes": 10,
})
HAPPY_PATH = path(ANSWERS)
# The red-flag runner types every answer in words.
RED_FLAG_PATH = path(RED_FLAG_ANSWERS, typed=True)


def walk(chat: Chat, until: str, path: Sequence[tuple[str, Action]] | None = None) -> Chat:
    """Follows ``path`` (the happy path) from the chat's state until it first reaches ``until``."""
    path = HAPPY_PATH if path is None else path
    states = [state for state, _ in path]
    assert chat.state in states, f"{chat.state} is not on the path"
    for state, action in path[states.index(chat.state):]:
        if chat.state == until:
            return chat
        assert chat.state == state, f"expected {state}, got {chat.state}"
        action(chat)
    assert chat.state == until
    return chat


def reach(ctx: Context, situation: str) -> Chat:
    """A chat in ``situation``: a state name, or one of the few variants spelled out below."""
    chat = Chat(ctx)
    if situation == "ask:red_flags+sharp":
        walk(chat, "ask:red_flags").tap("red_flags.sharp")
    elif situation == "change":
        walk(chat, "summary").tap("summary.change")
    elif situation == "confirm_restart@mid":
        walk(chat, "ask:goal").send(Command("start"))
    elif situation == "confirm_restart@ready":
        walk(chat, "ready").send(Command("start"))
    else:
        walk(chat, situation)
    return chat


# --- the transition table --------------------------------------------------------------------

SITUATIONS = (
    *(f"ask:{q.id}" for q in QUESTIONS), "ask:red_flags+sharp", "confirm_zone", "summary",
    "change", "confirm_restart@mid", "confirm_restart@ready", "ready",
)

# What is shown again after a detour (a hint, /help, ...), so the user can carry on.
PROMPT = {s: (f"q_{s.removeprefix('ask:').split('+')[0]}",) for s in SITUATIONS
          if s.startswith("ask:")} | {
    "confirm_zone": ("zone_confirm",),
    "summary": ("summary",),
    "change": ("change_pick",),
    "confirm_restart@mid": ("restart_confirm",),
    "confirm_restart@ready": ("restart_confirm",),
    "ready": (),
}

# Typed text each situation cannot use, and the hint it gets.
NO_MATCH = {
    "ask:run_days": ("someday", "hint_days"),
    "ask:run_time": ("25:99", "bad_time"),
    "ask:timezone": ("xyzzy", "bad_zone"),
    "ask:minutes": ("ten", "bad_minutes"),
    "ready": ("banana", "ready_text"),
}


@dataclass(frozen=True)
class Row:
    situation: str
    doing: str
    event: Callable[[Chat], Event]
    state: str  # the state after, or SAME: the dialogue must be exactly as before
    replies: tuple[str, ...]
    effects: tuple[Effect | type, ...] = ()  # a type stands for any effect of that type
    toast: str | None = None
    params: Mapping[str, object] | None = None  # expected params of the first reply


def pressing(label: str) -> Callable[[Chat], Event]:
    return lambda chat: chat.choice(label)


def typing(text: str) -> Callable[[Chat], Event]:
    return lambda _chat: Text(text)


def event(e: Event) -> Callable[[Chat], Event]:
    return lambda _chat: e


def stale(chat: Chat) -> Event:
    return chat.stale_button()


def common_rows(s: str) -> list[Row]:
    """What every situation does with detours: the same everywhere but for the prompt."""
    prompt = PROMPT[s]
    said, hint = NO_MATCH.get(s, ("banana", "hint_buttons"))
    in_screening = s != "ready"
    rows = [
        Row(s, "stale button", stale, SAME, (), toast="toast.stale"),
        Row(s, "/help", event(Command("help")), SAME, ("help", *prompt),
            params={"screening": in_screening, "groups": HELP_GROUPS}),
        Row(s, "unknown command", event(Command("frobnicate")), SAME,
            ("unknown_command", *prompt), params={"command": "frobnicate"}),
        Row(s, "sticker", event(Unsupported("sticker")), SAME, ("hint_unsupported", *prompt),
            params={"kind": "sticker"}),
        Row(s, "5,000 emoji", typing(EMOJI_FLOOD), SAME,
            ("hint_too_long", *prompt) if in_screening else ("ready_text",)),
        Row(s, f"unmatched text {said!r}", typing(said), SAME, (hint, *prompt)),
    ]
    if s.startswith("confirm_restart"):
        rows.append(Row(s, "/start", event(Command("start")), SAME, ("restart_confirm",)))
    else:
        rows.append(Row(s, "/start", event(Command("start")), "confirm_restart",
                        ("restart_confirm",), params={"finished": s == "ready"}))
    if s not in ("ask:timezone", "confirm_zone"):
        rows.append(Row(s, "location", event(Location(52.52, 13.405)), SAME,
                        ("hint_location_unneeded", *prompt)))
    return rows


def answer(question: str, value: object, next_state: str, *replies: str) -> tuple[Row, ...]:
    """Tapping ``value`` records it and moves on to ``next_state``."""
    return (Row(f"ask:{question}", f"tap {value}", pressing(f"{question}.{value}"), next_state,
                replies, (RecordAnswer(question, value),)),)


def answers_by_tap(question: str, options: Sequence[str], next_state: str) -> tuple[Row, ...]:
    return tuple(row for option in options
                 for row in answer(question, option, next_state, f"q_{next_state[4:]}"))


PAUSED = ("cancel_paused",)
# The state and the question's template that come after answering each question.
NEXT = {q.id: f"ask:{n.id}" for q, n in itertools.pairwise(QUESTIONS)}
ASKS = {q.id: f"q_{n.id}" for q, n in itertools.pairwise(QUESTIONS)}
BERLIN = {"zone": "Europe/Berlin", "place": "Berlin, DE", "local_time": "01:30",
          "local_day": "sun"}




SPECIFIC_ROWS: tuple[Row | object, ...] = (
    # new: whatever arrives first is greeted, except asking for help
    Row("new", "/start", event(Command("start")), "ask:pain", ("welcome", "q_pain"),
        params={"first_name": "Ana"}),
    Row("new", "text", typing("hello"), "ask:pain", ("welcome", "q_pain")),
    Row("new", "a button from nowhere", event(Choice(0, Feature.QUESTION, "pick", "none")),
        "ask:pain", ("welcome", "q_pain")),
    Row("new", "unknown command", event(Command("frobnicate")), "ask:pain",
        ("welcome", "q_pain")),
    Row("new", "location", event(Location(52.52, 13.405)), "ask:pain", ("welcome", "q_pain")),
    Row("new", "sticker", event(Unsupported("sticker")), "ask:pain", ("welcome", "q_pain")),
    Row("new", "5,000 emoji", typing(EMOJI_FLOOD), "ask:pain", ("welcome", "q_pain")),
    Row("new", "/help", event(Command("help")), SAME, ("help",),
        params={"screening": False, "groups": HELP_GROUPS}),
    Row("new", "/cancel", event(Command("cancel")), SAME, ("cancel_nothing",)),
    # pain
    *answers_by_tap("pain", ("none", "mild", "often"), NEXT["pain"]),
    Row("ask:pain", "text 'a bit'", typing("a bit"), NEXT["pain"], (ASKS["pain"],),
        (RecordAnswer("pain", "mild"),)),
    Row("ask:pain", "text label", typing("It hurts most runs"), NEXT["pain"],
        (ASKS["pain"],), (RecordAnswer("pain", "often"),)),
    Row("ask:pain", "/cancel", event(Command("cancel")), SAME, PAUSED),
    # red flags
    Row("ask:red_flags", "tap None of these", pressing("red_flags.none"), NEXT["red_flags"],
        (ASKS["red_flags"],), (RecordAnswer("red_flags", []),)),
    Row("ask:red_flags", "tick sharp", pressing("red_flags.sharp"), "ask:red_flags",
        ("q_red_flags",)),
    Row("ask:red_flags", "text label", typing("Numbness or tingling"), "ask:goal",
        ("red_flag_notice", "q_goal"), (RecordAnswer("red_flags", ["numbness"]),)),
    Row("ask:red_flags", "text two labels", typing("sharp and limp"), "ask:goal",
        ("red_flag_notice", "q_goal"), (RecordAnswer("red_flags", ["sharp", "limp"]),)),
    Row("ask:red_flags", "text 'None of these'", typing("None of these"), NEXT["red_flags"],
            (ASKS["red_flags"],), (RecordAnswer("red_flags", []),)),
    Row("ask:red_flags", "/cancel", event(Command("cancel")), SAME, PAUSED),
    Row("ask:red_flags+sharp", "tap Done", pressing("red_flags.done"), "ask:goal",
        ("red_flag_notice", "q_goal"), (RecordAnswer("red_flags", ["sharp"]),)),
    Row("ask:red_flags+sharp", "untick sharp", pressing("red_flags.sharp"), "ask:red_flags",
        ("q_red_flags",)),
    Row("ask:red_flags+sharp", "/cancel", event(Command("cancel")), SAME, PAUSED),
    # the self-tests
    *answers_by_tap("thigh_left", ("pass", "fail"), NEXT["thigh_left"]),
    *answer("thigh_left", "hurt", NEXT["thigh_left"], "note_test_hurt", ASKS["thigh_left"]),
    Row("ask:thigh_left", "text alias", typing("made it"), NEXT["thigh_left"],
        (ASKS["thigh_left"],), (RecordAnswer("thigh_left", "pass"),)),
    Row("ask:thigh_left", "text 'ouch'", typing("ouch"), NEXT["thigh_left"],
        ("note_test_hurt", ASKS["thigh_left"]), (RecordAnswer("thigh_left", "hurt"),)),
    Row("ask:thigh_left", "/cancel", event(Command("cancel")), SAME, PAUSED),
    *answers_by_tap("thigh_right", ("pass", "fail"), NEXT["thigh_right"]),
    *answer("thigh_right", "hurt", NEXT["thigh_right"], "note_test_hurt", ASKS["thigh_right"]),
    Row("ask:thigh_right", "text label", typing("Stopped well short"), NEXT["thigh_right"],
        (ASKS["thigh_right"],), (RecordAnswer("thigh_right", "fail"),)),
    Row("ask:thigh_right", "/cancel", event(Command("cancel")), SAME, PAUSED),
    *answers_by_tap("knee_lift", ("pass", "fail"), NEXT["knee_lift"]),
    Row("ask:knee_lift", "text alias", typing("wobbled"), NEXT["knee_lift"], (ASKS["knee_lift"],),
        (RecordAnswer("knee_lift", "fail"),)),
    Row("ask:knee_lift", "/cancel", event(Command("cancel")), SAME, PAUSED),
    # goal
    *answers_by_tap("goal", ("speed", "endurance", "injury", "comeback"), NEXT["goal"]),
    Row("ask:goal", "text alias", typing("stamina"), NEXT["goal"], (ASKS["goal"],),
        (RecordAnswer("goal", "endurance"),)),
    Row("ask:goal", "text label", typing("Stay injury-free"), NEXT["goal"],
        (ASKS["goal"],), (RecordAnswer("goal", "injury"),)),
    Row("ask:goal", "typo", typing("speeed"), NEXT["goal"], (ASKS["goal"],),
        (RecordAnswer("goal", "speed"),)),
    Row("ask:goal", "/cancel", event(Command("cancel")), SAME, PAUSED),
    # equipment
    Row("ask:equipment", "tick band", pressing("equipment.band"), "ask:equipment",
        ("q_equipment",)),
    Row("ask:equipment", "tap None of these", pressing("equipment.none"), NEXT["equipment"],
        (ASKS["equipment"],), (RecordAnswer("equipment", []),)),
    Row("ask:equipment", "text list", typing("resistance band and gym"), NEXT["equipment"],
        (ASKS["equipment"],), (RecordAnswer("equipment", ["band", "gym"]),)),
    Row("ask:equipment", "text 'None of these'", typing("None of these"), NEXT["equipment"],
            (ASKS["equipment"],), (RecordAnswer("equipment", []),)),
    Row("ask:equipment", "/cancel", event(Command("cancel")), SAME, PAUSED),
    # run days
    Row("ask:run_days", "tick mon", pressing("run_days.mon"), "ask:run_days", ("q_run_days",)),
    Row("ask:run_days", "Done with no day", pressing("run_days.done"), SAME,
        ("hint_pick_a_day",), toast="toast.pick_a_day"),
    Row("ask:run_days", "text days", typing("mon wed fri"), NEXT["run_days"],
        ("heard_answer", ASKS["run_days"]),
        (RecordAnswer("run_days", ["mon", "wed", "fri"]),)),
    Row("ask:run_days", "text day labels", typing("Sat, Sun"), NEXT["run_days"],
        ("heard_answer", ASKS["run_days"]), (RecordAnswer("run_days", ["sat", "sun"]),)),
    Row("ask:run_days", "/cancel", event(Command("cancel")), SAME, PAUSED),
    # run time
    *answers_by_tap("run_time", ("06:30", "07:00", "12:00", "18:00"), NEXT["run_time"]),
    Row("ask:run_time", "text 7:30pm", typing("7:30pm"), NEXT["run_time"],
        ("heard_answer", ASKS["run_time"]),
        (RecordAnswer("run_time", "19:30"),)),
    Row("ask:run_time", "text label", typing("6:30"), NEXT["run_time"],
        ("heard_answer", ASKS["run_time"]),
        (RecordAnswer("run_time", "06:30"),)),
    Row("ask:run_time", "13pm", typing("13pm"), SAME, ("bad_time", "q_run_time"),
        params={"problem": "twelve_hour", "said": "13pm"}),
    Row("ask:run_time", "/cancel", event(Command("cancel")), SAME, PAUSED),
    # time zone
    Row("ask:timezone", "text city", typing("Berlin"), "confirm_zone",
        ("zone_found", "zone_confirm"), params=BERLIN),
    Row("ask:timezone", "location", event(Location(52.52, 13.405)), "confirm_zone",
        ("zone_found", "zone_confirm"), params={**BERLIN, "place": "Europe/Berlin"}),
    Row("ask:timezone", "/cancel", event(Command("cancel")), SAME, PAUSED),
    Row("confirm_zone", "tap yes", pressing("zone.yes"), NEXT["timezone"], (ASKS["timezone"],),
        (RecordAnswer("timezone", "Europe/Berlin"), SetTimezone("Europe/Berlin"))),
    Row("confirm_zone", "tap no", pressing("zone.no"), "ask:timezone",
        ("zone_retry", "q_timezone")),
    Row("confirm_zone", "text 'yep'", typing("yep"), NEXT["timezone"], (ASKS["timezone"],),
        (RecordAnswer("timezone", "Europe/Berlin"), SetTimezone("Europe/Berlin"))),
    Row("confirm_zone", "text 'wrong'", typing("wrong"), "ask:timezone",
        ("zone_retry", "q_timezone")),
    Row("confirm_zone", "text label", typing("Yes, that's right"), NEXT["timezone"],
            (ASKS["timezone"],),
            (RecordAnswer("timezone", "Europe/Berlin"), SetTimezone("Europe/Berlin"))),
    Row("confirm_zone", "/cancel", event(Command("cancel")), "ask:timezone",
        ("cancel_back", "q_timezone")),
    Row("confirm_zone", "location", event(Location(35.68, 139.69)), "confirm_zone",
            ("zone_found", "zone_confirm"), params={"zone": "Asia/Tokyo"}),
    # minutes
    *(row for m in (5, 10, 15, 20, 30)
      for row in (Row("ask:minutes", f"tap {m}", pressing(f"minutes.{m}"), "summary",
                      ("summary",), (RecordAnswer("minutes", m),)),)),
    Row("ask:minutes", "text number", typing("about 25 minutes"), "summary", ("summary",),
        (RecordAnswer("minutes", 25),)),
    Row("ask:minutes", "/cancel", event(Command("cancel")), SAME, PAUSED),
    # summary
    Row("summary", "tap Looks right", pressing("summary.confirm"), "ready",
        ("screening_done", "today"), (CompleteScreening(dict(ANSWERS)), SavePlan)),
    Row("summary", "tap Change something", pressing("summary.change"), "change",
        ("change_pick",)),
    Row("summary", "text label", typing("looks right"), "ready", ("screening_done", "today"),
        (CompleteScreening(dict(ANSWERS)), SavePlan)),
    Row("summary", "text alias", typing("edit"), "change", ("change_pick",)),
    Row("summary", "/cancel", event(Command("cancel")), SAME, PAUSED),
    # change
    *(Row("change", f"tap {q}", pressing(f"field.{q}"), f"ask:{q}", (f"q_{q}",),
          params={"current": ANSWERS[q], "editing": True}) for q in ANSWERS),
    Row("change", "tap Back", pressing("change.back"), "summary", ("summary",)),
    Row("change", "/cancel", event(Command("cancel")), "summary", ("cancel_back", "summary")),
    Row("change", "text label", typing("Run time"), "ask:run_time", ("q_run_time",)),
    # /start part-way through (at the goal question) or after finishing
    Row("confirm_restart@mid", "tap resume", pressing("restart.resume"), "ask:goal",
        ("restart_resumed", "q_goal")),
    Row("confirm_restart@mid", "tap fresh", pressing("restart.fresh"), "ask:pain",
        ("welcome", "q_pain")),
    Row("confirm_restart@mid", "text alias", typing("carry on"), "ask:goal",
        ("restart_resumed", "q_goal")),
    Row("confirm_restart@mid", "text label", typing("Start over"), "ask:pain",
        ("welcome", "q_pain")),
    Row("confirm_restart@mid", "/cancel", event(Command("cancel")), "ask:goal",
        ("restart_resumed", "q_goal")),
    Row("confirm_restart@ready", "tap keep", pressing("restart.keep"), "ready",
        ("restart_kept",)),
    Row("confirm_restart@ready", "tap fresh", pressing("restart.fresh"), "ask:pain",
        ("welcome", "q_pain")),
    Row("confirm_restart@ready", "text alias", typing("keep"), "ready", ("restart_kept",)),
    Row("confirm_restart@ready", "text label", typing("Keep my answers"), "ready",
            ("restart_kept",)),
    Row("confirm_restart@ready", "/cancel", event(Command("cancel")), "ready",
        ("restart_kept",)),
    # ready
    Row("ready", "/cancel", event(Command("cancel")), SAME, ("cancel_nothing",)),
)


def _as_param(row: Row | object) -> object:
    if isinstance(row, Row):
        return pytest.param(row, id=f"{row.situation} | {row.doing}")
    return row


TABLE = [_as_param(r) for r in SPECIFIC_ROWS] + [
    pytest.param(row, id=f"{row.situation} | {row.doing}")
    for s in SITUATIONS for row in common_rows(s)
]


@pytest.mark.parametrize("row", TABLE)
def test_transition_table(ctx: Context, row: Row) -> None:
    chat = reach(ctx, row.situation)
    before, prompts = chat.dialogue, dict(chat.prompts)

    out = chat.send(row.event(chat))

    assert templates(out) == row.replies
    assert len(out.effects) == len(row.effects)
    for made, expected in zip(out.effects, row.effects, strict=True):
        assert isinstance(made, expected) if isinstance(expected, type) else made == expected
    assert out.toast == row.toast
    if row.params is not None:
        assert {k: out.replies[0].params.get(k) for k in row.params} == dict(row.params)
    if row.state == SAME:
        assert out.dialogue == before
        if row.replies and row.replies[-1] in PROMPT.get(row.situation, ()):
            # the same question again, with the very buttons already on screen
            assert out.replies[-1].buttons == prompts[row.replies[-1]].buttons
    else:
        assert state_name(out.dialogue) == row.state
        assert out.dialogue.turn > before.turn, "a move must make the old keyboards stale"


def test_table_covers_every_state() -> None:
    situations = {r.situation for r in SPECIFIC_ROWS if isinstance(r, Row)} | set(SITUATIONS)
    covered = {s.split("@")[0].split("+")[0] for s in situations}
    questions = {f"ask:{q}" for q in ANSWERS}
    assert covered == {"new", "confirm_zone", "summary", "change", "confirm_restart",
                       "ready"} | questions


# --- the happy path --------------------------------------------------------------------------


def test_happy_path_records_every_answer_then_completes(ctx: Context) -> None:
    chat = walk(Chat(ctx), "ready")

    assert records(chat.effects) == list(ANSWERS.items())
    assert SetTimezone("Europe/Berlin") in chat.effects
    completed, saved = chat.effects[-2:]
    assert completed == CompleteScreening(dict(ANSWERS))
    assert isinstance(saved, SavePlan)
    assert saved.reason == "screening"
    assert chat.dialogue.answers == ANSWERS
    turns = [d.turn for d in [*chat.history, chat.dialogue]]
    assert turns == sorted(set(turns)), "every step must move the turn on"


def test_each_step_shows_what_the_user_needs(ctx: Context) -> None:
    chat = Chat(ctx)
    out = chat.send(Command("start"))
    welcome, pain = render_all(out)
    assert welcome.startswith("👋 Hi Ana!")
    assert labels(out.replies[1].buttons) == [["No pain"], ["A niggle now and then"],
                                              ["It hurts most runs"]]
    assert "How do your hips feel" in pain

    walk(chat, "ask:run_days")
    assert labels(chat.keyboard) == [["Mon", "Tue", "Wed", "Thu"], ["Fri", "Sat", "Sun"],
                                     ["Done"]]

    out = walk(chat, "ask:timezone").last
    assert out.replies[-1].request_location
    assert out.replies[-1].buttons == ()

    out = walk(chat, "summary").last
    (summary,) = render_all(out)
    for line in ("Hips when running: A niggle now and then", "Warning signs: none",
                 "Thigh to ribcage: left reached, right fell short",
                 "Knee-lift hold: held steady", "Goal: 🔋 Go longer, more easily",
                 "Kit: Resistance band, A step or box", "Runs: Mon, Wed, Sat at 07:00",
                 "Time zone: Europe/Berlin", "Warm-up time before a run: 15 min"):
        assert line in summary
    assert labels(out.replies[0].buttons) == [["👍 Looks right"], ["✏️ Change something"]]

    done, today = render_all(chat.tap("summary.confirm"))
    assert "15 minutes" in done
    assert "Sunday" in today


def test_ticking_options_redraws_the_same_message(ctx: Context) -> None:
    chat = walk(Chat(ctx), "ask:equipment")
    assert labels(chat.keyboard)[-1] == ["None of these"]

    out = chat.tap("equipment.gym")
    (reply,) = out.replies
    assert reply.edit
    assert labels(reply.buttons) == [["Resistance band", "Yoga block or bottle"],
                                     ["A step or box", "✅ Gym access"], ["Done"]]

    out = chat.tap("equipment.gym")
    assert labels(out.replies[0].buttons)[-1] == ["None of these"]
    assert "✅ Gym access" not in labels(out.replies[0].buttons)[1]


def test_a_double_tap_is_a_stale_no_op(ctx: Context) -> None:
    chat, double_taps = Chat(ctx), 0
    for state, action in HAPPY_PATH:
        assert chat.state == state
        action(chat)
        pressed = chat.sent[-1]
        if isinstance(pressed, Choice):
            before = chat.dialogue
            assert chat.send(pressed) == Transition(before, toast="toast.stale")
            double_taps += 1
    taps = sum(1 for s in screening_steps(ANSWERS) if s.how == "tap") + 1  # and Looks right
    assert double_taps == taps
    assert chat.state == "ready"
    assert chat.dialogue.answers == ANSWERS


# --- red flags -------------------------------------------------------------------------------


@pytest.mark.parametrize("flag", ["sharp", "rest_night", "fall", "numbness", "limp"])
def test_any_red_flag_skips_the_self_tests(ctx: Context, flag: str) -> None:
    chat = walk(Chat(ctx), "ask:red_flags")
    chat.tap(f"red_flags.{flag}")
    out = chat.tap("red_flags.done")

    assert templates(out) == ("red_flag_notice", "q_goal")
    assert "a doctor or physio" in render_all(out)[0]
    assert records(out.effects) == [("red_flags", [flag])]


def test_red_flag_path_summary_has_no_self_tests(ctx: Context) -> None:
    chat = walk(Chat(ctx), "summary", RED_FLAG_PATH)

    assert chat.dialogue.answers == RED_FLAG_ANSWERS
    assert records(chat.effects) == list(RED_FLAG_ANSWERS.items())
    (summary,) = render_all(chat.last)
    assert "Warning signs: Pain at rest or at night" in summary
    assert "Thigh to ribcage" not in summary
    assert "Knee-lift" not in summary

    chat.tap("summary.change")
    fields = [b.label for row in chat.keyboard for b in row]
    assert not {f"field.{t}" for t in SELF_TESTS} & set(fields)

    done, _today = render_all(walk(chat, "ready", (("change", tap("change.back")),
                                                   ("summary", tap("summary.confirm")))).last)
    assert "gentle, pain-free mobility" in done
    assert chat.effects[-2] == CompleteScreening(dict(RED_FLAG_ANSWERS))


def test_clearing_red_flags_asks_the_self_tests_then_returns_to_the_summary(
    ctx: Context,
) -> None:
    chat = walk(Chat(ctx), "summary", RED_FLAG_PATH)
    chat.tap("summary.change")
    chat.tap("field.red_flags")
    assert labels(chat.keyboard)[1] == ["✅ Pain at rest or at night"]
    assert labels(chat.keyboard)[-1] == ["Done"]

    chat.tap("red_flags.rest_night")
    assert labels(chat.keyboard)[-1] == ["None of these"]
    out = chat.tap("red_flags.none")
    assert templates(out) == ("q_thigh_left",)
    assert chat.tap("thigh_left.pass").replies[-1].template == "q_thigh_right"
    assert chat.tap("thigh_right.hurt").replies[-1].template == "q_knee_lift"
    out = chat.tap("knee_lift.fail")

    assert templates(out) == ("summary",)
    tests = {"thigh_left": "pass", "thigh_right": "hurt", "knee_lift": "fail"}
    assert chat.dialogue.answers == {**RED_FLAG_ANSWERS, "red_flags": [], **tests}
    (summary,) = render_all(out)
    assert "Thigh to ribcage: left reached, right hurt" in summary
    assert "Knee-lift hold: wobbled" in summary


def test_adding_a_red_flag_later_drops_the_self_test_results(ctx: Context) -> None:
    chat = walk(Chat(ctx), "summary")
    chat.tap("summary.change")
    chat.tap("field.red_flags")
    chat.tap("red_flags.fall")
    out = chat.tap("red_flags.done")

    assert templates(out) == ("red_flag_notice", "summary")
    summary = render_all(out)[-1]
    assert "Warning signs: Pain since a fall" in summary
    assert "Thigh to ribcage" not in summary


# --- changing something ----------------------------------------------------------------------


def test_change_one_answer_keeps_the_rest(ctx: Context) -> None:
    chat = walk(Chat(ctx), "summary")
    chat.tap("summary.change")
    out = chat.tap("field.run_time")
    assert "Now: 07:00" in render_all(out)[0]

    out = chat.type("6:45pm")

    assert templates(out) == ("heard_answer", "summary")
    assert out.effects == (RecordAnswer("run_time", "18:45"),)
    assert chat.dialogue.answers == {**ANSWERS, "run_time": "18:45"}
    assert "Got it: 18:45" in render_all(out)[0]
    assert "Runs: Mon, Wed, Sat at 18:45" in render_all(out)[1]


def test_change_a_multi_choice_starts_from_the_current_ticks(ctx: Context) -> None:
    chat = walk(Chat(ctx), "summary")
    chat.tap("summary.change")
    chat.tap("field.run_days")
    assert labels(chat.keyboard)[0] == ["✅ Mon", "Tue", "✅ Wed", "Thu"]

    chat.tap("run_days.wed")
    out = chat.tap("run_days.done")

    assert out.effects == (RecordAnswer("run_days", ["mon", "sat"]),)
    assert chat.dialogue.answers == {**ANSWERS, "run_days": ["mon", "sat"]}


@pytest.mark.parametrize(
    ("field_label", "then"),
    [
        ("field.goal", ()),
        ("field.run_time", (say("25:00"),)),
        ("field.equipment", (tap("equipment.gym"), tap("equipment.band"))),
        ("field.timezone", (say("Tokyo"),)),  # /cancel from the zone confirmation
        ("field.minutes", (say("lots"),)),
    ],
)
def test_cancel_while_changing_goes_back_to_the_summary_unchanged(
    ctx: Context, field_label: str, then: tuple[Action, ...]
) -> None:
    chat = walk(Chat(ctx), "summary")
    chat.tap("summary.change")
    chat.tap(field_label)
    for action in then:
        action(chat)
    effects_before = len(chat.effects)

    out = chat.send(Command("cancel"))

    assert templates(out) == ("cancel_back", "summary")
    assert chat.state == "summary"
    assert chat.dialogue.answers == ANSWERS
    assert chat.effects[effects_before:] == []
    assert out.replies[-1].params["answers"] == ANSWERS


def test_restart_part_way_keeps_the_ticks_on_screen(ctx: Context) -> None:
    chat = walk(Chat(ctx), "ask:equipment")
    chat.tap("equipment.block")
    chat.send(Command("start"))
    assert labels(chat.keyboard) == [["Pick up where I left off"], ["Start over"]]

    out = chat.tap("restart.resume")

    assert templates(out) == ("restart_resumed", "q_equipment")
    assert labels(chat.keyboard)[0] == ["Resistance band", "✅ Yoga block or bottle"]


def test_start_over_forgets_the_answers(ctx: Context) -> None:
    chat = walk(Chat(ctx), "ready")
    chat.send(Command("start"))
    assert labels(chat.keyboard) == [["Keep my answers"], ["Start over"]]

    out = chat.tap("restart.fresh")

    assert templates(out) == ("welcome", "q_pain")
    assert chat.dialogue.answers == {}


def test_typing_done_on_run_days_submits_the_ticked_days(ctx: Context) -> None:
    chat = walk(Chat(ctx), "ask:run_days")
    chat.tap("run_days.mon")

    out = chat.type("Done")

    assert out.effects == (RecordAnswer("run_days", ["mon"]),)


# --- time zone -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("event", "zone", "place", "local"),
    [
        (Text("Berlin"), "Europe/Berlin", "Berlin, DE", ("01:30", "sun")),
        (Text("america/new_york"), "America/New_York", "America/New_York", ("20:30", "sat")),
        (Text("UTC+3"), "Etc/GMT-3", "UTC+03:00", ("03:30", "sun")),
        (Text("UTC−05:30"), None, None, None),  # nobody uses -05:30
        (Location(35.6762, 139.6503), "Asia/Tokyo", "Asia/Tokyo", ("09:30", "sun")),
    ],
    ids=["city", "iana", "offset", "unused offset", "location"],
)
def test_time_zone_is_confirmed_before_it_is_saved(
    ctx: Context, event: Event, zone: str | None, place: str | None,
    local: tuple[str, str] | None,
) -> None:
    chat = walk(Chat(ctx), "ask:timezone")

    out = chat.send(event)

    if zone is None:
        assert templates(out) == ("bad_zone", "q_timezone")
        assert chat.state == "ask:timezone"
        return
    assert templates(out) == ("zone_found", "zone_confirm")
    assert local is not None
    assert out.replies[0].params == {"zone": zone, "place": place, "local_time": local[0],
                                     "local_day": local[1]}
    assert out.replies[0].dismiss_keyboard, "the share-location keyboard must go away"
    assert f"<b>{local[0]}</b>" in render_all(out)[0]
    assert labels(chat.keyboard) == [["👍 Yes, that's right", "🔁 No, try again"]]
    assert not any(isinstance(e, SetTimezone) for e in chat.effects)

    yes = chat.choice("zone.yes")
    out = chat.tap("zone.no")
    assert templates(out) == ("zone_retry", "q_timezone")
    assert chat.state == "ask:timezone"
    assert out.effects == ()
    assert chat.send(yes).toast == "toast.stale"

    chat.send(event)
    out = chat.tap("zone.yes")
    assert out.effects == (RecordAnswer("timezone", zone), SetTimezone(zone))
    assert templates(out) == ("q_minutes",)


def test_changing_the_time_zone_returns_to_the_summary(ctx: Context) -> None:
    chat = walk(Chat(ctx), "summary")
    chat.tap("summary.change")
    out = chat.tap("field.timezone")
    assert "Now: Europe/Berlin" in render_all(out)[0]

    chat.type("Tokyo")
    out = chat.tap("zone.yes")

    assert out.effects == (RecordAnswer("timezone", "Asia/Tokyo"), SetTimezone("Asia/Tokyo"))
    assert templates(out) == ("summary",)
    assert chat.dialogue.answers == {**ANSWERS, "timezone": "Asia/Tokyo"}


# --- properties over every reachable state ---------------------------------------------------


def _reachable(ctx: Context) -> list[Dialogue]:
    """Every dialogue met on the happy and red-flag paths, plus the detours off them."""
    happy, flagged = walk(Chat(ctx), "ready"), walk(Chat(ctx), "ready", RED_FLAG_PATH)
    extra = [reach(ctx, s).dialogue for s in ("change", "confirm_restart@mid",
                                              "confirm_restart@ready")]
    editing = walk(Chat(ctx), "summary")
    editing.tap("summary.change")
    editing.tap("field.timezone")
    editing.type("Lisbon")
    found = [*happy.history, happy.dialogue, *flagged.history, *extra, *editing.history,
             editing.dialogue]
    unique: list[Dialogue] = []
    for d in found:
        if d not in unique:
            unique.append(d)
    return unique


@pytest.fixture(scope="module")
def reachable(ctx: Context) -> list[Dialogue]:
    return _reachable(ctx)


_WORDS = sorted({w for v in CONTENT.aliases.values() for w in v} | set(CONTENT.labels.values()))
TEXTS = st.one_of(
    st.text(),
    st.text(min_size=100, max_size=140),
    st.text(min_size=1000, max_size=6000),
    st.lists(st.sampled_from(_WORDS), min_size=1, max_size=3).map(" and ".join),
    st.sampled_from(["yes", "no", "Berlin", "7:30pm", "mon wed", "15", "start over", "\x00",
                     "\u202e", "<b>", "{{ x }}", "💥" * 5000, " ", "/start"]),
)
# 200 random inputs beside the sampled edge cases: the screening's replies are cheap, yet 400
# long texts each cost more than they still found.
PROPERTY_SETTINGS = settings(max_examples=200, deadline=None,
                             suppress_health_check=[HealthCheck.too_slow])


def test_reachable_states_include_every_state(reachable: list[Dialogue]) -> None:
    states = {state_name(d) for d in reachable}
    assert states >= {"new", "confirm_zone", "summary", "change", "confirm_restart", "ready"}
    assert {f"ask:{q}" for q in ANSWERS} <= states


@PROPERTY_SETTINGS
@given(data=st.data())
def test_any_text_is_handled(ctx: Context, reachable: list[Dialogue], data: st.DataObject) -> None:
    d = data.draw(st.sampled_from(reachable), label="dialogue")
    text = data.draw(TEXTS, label="text")

    out = step(d, Text(text), ctx, MATCHER)

    render_all(out)
    if not any(isinstance(e, RecordAnswer) for e in out.effects):
        if "welcome" in templates(out):  # a deliberate "start over"
            assert out.dialogue.answers == {}
        else:  # a typed report may note the day's report ("reported"); no answer changes
            assert screening_answers(out.dialogue) == screening_answers(d)


def screening_answers(d: Dialogue) -> dict[str, object]:
    return {k: v for k, v in d.answers.items() if k in ANSWERS}


@PROPERTY_SETTINGS
@given(data=st.data())
def test_any_wrong_turn_button_changes_nothing(
    ctx: Context, reachable: list[Dialogue], data: st.DataObject
) -> None:
    d = data.draw(st.sampled_from([d for d in reachable if d.state != "new"]), label="dialogue")
    turn = data.draw(st.integers(min_value=0).filter(lambda t: t != d.turn), label="turn")
    # Reminder buttons carry no turn, and a few buttons in "ready" last: both by design.
    feature = data.draw(st.sampled_from([f for f in Feature if f is not Feature.REMINDER]))
    action = data.draw(st.one_of(st.text(max_size=20), st.sampled_from(
        ["yes", "no", "keep", "fresh", "confirm", "change", "back", "done", "none", "t", "pick",
         "field", "delete_all", "keep_data"])).filter(lambda a: (feature, a) not in LASTING),
        label="action")
    arg = data.draw(st.one_of(st.text(max_size=20), st.sampled_from(
        ["mon", "pain", "07:00", "15", "band"])), label="arg")

    out = step(d, Choice(turn, feature, action, arg), ctx, MATCHER)

    assert out == Transition(d, toast="toast.stale")


@pytest.mark.parametrize("data", ["²|x", "", "|", "7", "7|", "7|nope:x", "x|q:pick:none",
                                  "7|q:", "7|q:pick:" + "x" * 80])
def test_unreadable_button_data_gets_a_friendly_toast(ctx: Context, reachable: list[Dialogue],
                                                      data: str) -> None:
    pressed = parse_button_data(data)
    assert isinstance(pressed, BadButton)
    assert pressed.problem

    for d in reachable:
        out = step(d, pressed, ctx, MATCHER)
        assert out == Transition(d, toast="toast.unreadable")
        assert CONTENT.label("toast.unreadable")


@PROPERTY_SETTINGS
@given(data=st.data())
def test_any_location_is_handled(
    ctx: Context, reachable: list[Dialogue], data: st.DataObject
) -> None:
    d = data.draw(st.sampled_from(reachable), label="dialogue")
    lat, lng = data.draw(st.floats()), data.draw(st.floats())

    out = step(d, Location(lat, lng), ctx, MATCHER)

    render_all(out)
    assert out.effects == ()
    assert out.dialogue.answers == d.answers


def test_each_time_problem_gets_its_own_explanation(ctx: Context) -> None:
    chat = walk(Chat(ctx), "ask:run_time")
    said = {"25:99": "isn't on the clock", "13pm": "With am or pm", "soon": "couldn't read"}
    for text, explanation in said.items():
        assert explanation in render_all(chat.type(text))[0]
    assert chat.state == "ask:run_time"
