"""The red-flag path through the real service and database: every command, every reminder
button and every reminder kind for a flagged runner leaks no strength, drill or running work;
the way out is an explicit two-step clearance, then the self-tests; /settings cannot remove a
warning sign; /summary sends the one-page PDF."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, select

from bot.content.library import ContentLibrary, RenderedMessage
from bot.db.engine import make_session_factory
from bot.db.models import ReminderSchedule, ScreeningAnswer
from bot.domain import safety
from bot.domain.buttons import Choice, Feature
from bot.domain.catalog import Catalog
from bot.domain.dialogue.router import COACH_COMMANDS
from bot.domain.model import Command
from bot.domain.schedule import KINDS, SAFETY_CHECKIN
from bot.services.reminder_link import ReminderGate
from bot.services.reminders import ReminderService
from bot.services.zones import GeoZoneResolver
from bot.wiring import compose
from tests.conftest import Clock
from tests.support.conversation import Runner, path_to
from tests.support.reminder_sender import FakeSender

# Monday 23 Nov 2026, 08:00 in Berlin. Runs Mon, Wed, Fri at 17:00.
START = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)
CLEAN = {"pain": "none", "red_flags": [], "thigh_left": "pass", "thigh_right": "pass",
         "knee_lift": "pass", "goal": "speed", "equipment": ["band", "block", "step", "gym"],
         "run_days": ["mon", "wed", "fri"], "run_time": "17:00", "timezone": "Europe/Berlin",
         "minutes": 15}
FLAGGED = {**CLEAN, "red_flags": ["sharp"]}
# Every button a reminder can carry, and every schedule button, pressed from any state.
REMINDER_PRESSES = ("start", "done", "today", "retest", "hip:better", "hip:same", "hip:worse",
                    "snooze", "not_today", "lead:30", "pause:7", "resume", "clear", "summary")


@dataclass
class Bot:
    runner: Runner
    reminders: ReminderService
    sender: FakeSender
    clock: Clock

    def tick(self) -> int:
        return asyncio.run(self.reminders.tick()).sent


@pytest.fixture
def boot(engine: Engine, content_with_names: ContentLibrary, zones: GeoZoneResolver,
         catalog: Catalog, clock: Clock) -> Callable[[], Bot]:
    sender = FakeSender()
    clock.now = START

    def make() -> Bot:
        service, reminders = compose(engine, content_with_names, catalog, zones, sender,
                                     clock=clock)
        return Bot(Runner(service), reminders, sender, clock)
    return make


def screen(bot: Bot, answers: Mapping[str, object]) -> None:
    bot.runner.command("start")
    bot.runner.walk(path_to(answers))
    bot.runner.tap("confirm")


def shown_exercises(message: RenderedMessage) -> Iterator[str]:
    """Every exercise a message puts in front of the runner as work to do."""
    params = message.params
    for key in ("day", "next"):
        day = params.get(key)
        if isinstance(day, Mapping):
            yield from (str(m["id"]) for m in day["moves"])
    for day in params.get("days", []) if isinstance(params.get("days"), list) else []:
        yield from (str(m["id"]) for m in day["moves"])
    item = params.get("item")
    if isinstance(item, Mapping):
        yield str(item["id"])
    for item in params.get("exercises", []) if isinstance(params.get("exercises"), list) else []:
        yield str(item.get("id"))


def assert_gentle_only(messages: tuple[RenderedMessage, ...], catalog: Catalog) -> None:
    kinds = safety.kinds_from_catalog(catalog)
    for message in messages:
        for exercise in shown_exercises(message):
            assert kinds.of(exercise) is safety.Kind.MOBILITY, (message.template, exercise)
        assert message.template not in ("reminder_pre_run", "reminder_strength",
                                        "reminder_retest", "retest_intro", "screening_done")
        if message.template == "exercise_howto":
            assert message.params["show_dose"] is False
            assert "Dose" not in message.text
        assert "You're all set" not in message.text
        assert "build it back up" not in message.text
        assert "Run day" not in message.text


def schedules(engine: Engine) -> dict[str, bool]:
    """Each reminder kind and whether it is armed."""
    with make_session_factory(engine)() as session:
        return {r.kind: r.next_due_at is not None
                for r in session.scalars(select(ReminderSchedule))}


def every_event() -> Iterator[object]:
    """Every command the router knows (with and without words), then every reminder button."""
    for name in (*COACH_COMMANDS, "help", "cancel", "frobnicate"):
        yield Command(name)
    yield Command("exercise", "single leg squat")
    yield Command("exercise", "hill sprints")
    yield Command("exercise", "foam roll")
    yield Choice(0, Feature.TODAY, "start")
    yield Choice(0, Feature.VIEW, "week")
    for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun"):
        yield Choice(0, Feature.VIEW, "day", day)
    yield Choice(0, Feature.REPORT, "undo")
    yield Choice(0, Feature.REPORT, "did")
    for press in REMINDER_PRESSES:
        action, _, arg = press.partition(":")
        yield Choice(0, Feature.REMINDER, action, arg)


def test_a_flagged_runner_gets_nothing_but_gentle_mobility_from_any_command(
        boot: Callable[[], Bot], catalog: Catalog, engine: Engine) -> None:
    bot = boot()
    screen(bot, FLAGGED)
    first = bot.runner.last
    assert first[0].template == "safety/red_flag_welcome"
    assert {"clear", "summary"} <= bot.runner.button_names()
    assert_gentle_only(first, catalog)

    for event in every_event():
        response = bot.runner.send(event)  # type: ignore[arg-type]
        assert_gentle_only(response.messages, catalog)
        if event == Choice(0, Feature.TODAY, "start") and "start" in bot.runner.keyboard_turn:
            bot.runner.tap("start")
    # Walk a whole gentle session, asking How? on the way: still nothing else.
    bot.runner.command("today")
    if "start" in bot.runner.keyboard_turn:
        bot.runner.tap("start")
        while "how" in bot.runner.keyboard_turn:
            assert_gentle_only(bot.runner.tap("how").messages, catalog)
            assert_gentle_only(bot.runner.tap("done").messages, catalog)

    armed = schedules(engine)
    assert armed.get(SAFETY_CHECKIN) is True
    assert not any(armed.get(k) for k in ("pre_run", "strength", "retest"))


def test_a_red_flag_after_screening_stops_every_reminder_but_the_weekly_check_in(
        boot: Callable[[], Bot], engine: Engine) -> None:
    bot = boot()
    screen(bot, CLEAN)
    assert schedules(engine)["pre_run"] is True

    bot.runner.type("sharp pain in my groin since yesterday")
    assert "pause running that hurts" in bot.runner.plain()
    assert {"clear", "summary"} <= bot.runner.button_names()

    gate = ReminderGate(engine)
    user = _user_id(engine)
    assert {k for k in KINDS if gate(user, k)} == {SAFETY_CHECKIN}
    for day in range(36):  # five weeks: a re-test would have come due too
        for hour in (14, 16):  # before a pre-run reminder's run; inside a nudge's window
            bot.clock.now = START.replace(hour=hour, minute=30) + timedelta(days=day)
            bot.tick()
    sent = bot.sender.texts(4242)
    assert sent, "the weekly check-in arrives"
    assert all("Weekly check-in" in text for text in sent)
    assert 4 <= len(sent) <= 6


def test_the_weekly_check_in_arrives_while_the_runner_keeps_doing_gentle_sessions(
        boot: Callable[[], Bot]) -> None:
    """Each session saves the plan again and re-syncs the reminders: the check-in keeps the
    weekday the path began on instead of moving a week out every time."""
    bot = boot()
    screen(bot, FLAGGED)  # a Monday
    for day in range(22):
        bot.clock.now = START.replace(hour=12) + timedelta(days=day)
        bot.runner.command("today")
        if "start" in bot.runner.keyboard_turn:
            bot.runner.tap("start")
            while "done" in bot.runner.keyboard_turn:
                bot.runner.tap("done")
        bot.clock.now = START.replace(hour=16, minute=30) + timedelta(days=day)
        bot.tick()
    checkins = [t for t in bot.sender.texts(4242) if "Weekly check-in" in t]
    assert len(checkins) == 4  # the Mondays 23 and 30 Nov, 7 and 14 Dec


def test_clearance_takes_two_steps_and_the_self_tests_before_strength(
        boot: Callable[[], Bot], engine: Engine) -> None:
    bot = boot()
    screen(bot, FLAGGED)

    bot.runner.type("My physio cleared me today")
    assert "Just to be sure" in bot.runner.plain()
    bot.runner.tap("no")
    assert "nothing has changed" in bot.runner.plain()
    bot.runner.command("plan")
    assert "Strength" not in bot.runner.plain()

    bot.runner.command("today")
    bot.runner.tap("clear")
    bot.runner.tap("yes")
    assert "cleared on 2026-11-23" in bot.runner.plain()
    assert "thigh" in bot.runner.plain().lower()  # the first self-test follows at once
    bot.runner.command("plan")
    assert "Strength" not in bot.runner.plain()  # not before the self-tests

    bot.runner.command("retest")
    for alias in ("pass", "pass", "pass"):
        bot.runner.tap(alias)
    assert "welcome back" in bot.runner.plain().lower()
    bot.runner.command("plan")
    assert "Strength" in bot.runner.plain()
    with make_session_factory(engine)() as session:
        rows = {r.question: r.value for r in session.scalars(select(ScreeningAnswer))}
    assert rows["red_flags"] == []
    assert rows["cleared_flags"] == ["sharp"]
    assert str(rows["cleared_on"]).startswith("2026-11-23")
    assert str(rows["retested_on"]).startswith("2026-11-23")


def test_settings_can_add_a_warning_sign_but_not_remove_one(boot: Callable[[], Bot]) -> None:
    bot = boot()
    screen(bot, CLEAN)
    bot.runner.type("my hip hurts at night, it woke me")
    assert "pause running that hurts" in bot.runner.plain()

    bot.runner.command("settings")
    bot.runner.tap("red_flags")
    bot.runner.tap("done")  # the hidden sign from the chat counts: tapping Done keeps it
    assert "Warning signs: none" not in bot.runner.plain()
    bot.runner.tap("confirm")
    bot.runner.command("plan")
    assert "Strength" not in bot.runner.plain()
    assert "Gentle mobility only" in bot.runner.plain()


def test_summary_sends_the_one_page_pdf(boot: Callable[[], Bot]) -> None:
    bot = boot()
    screen(bot, FLAGGED)
    bot.runner.tap("summary")
    (message,) = bot.runner.last
    assert message.attachment is not None
    assert message.attachment.kind == "document"
    assert message.attachment.data.startswith(b"%PDF")
    assert message.attachment.filename == "hip-summary-2026-11-23.pdf"
    bot.runner.command("summary")
    assert bot.runner.last[0].attachment is not None


def _user_id(engine: Engine) -> int:
    with make_session_factory(engine)() as session:
        row = session.scalars(select(ReminderSchedule)).first()
        assert row is not None
        return row.user_id


def test_minutes_outside_five_to_thirty_get_a_clear_answer(boot: Callable[[], Bot]) -> None:
    bot = boot()
    screen(bot, CLEAN)
    bot.runner.command("settings")
    bot.runner.tap("minutes")
    bot.runner.type("90")
    assert "most I'll plan before a run is 30" in bot.runner.plain()
    bot.runner.type("3")
    assert "5 minutes is the least" in bot.runner.plain()
    bot.runner.type("25")
    assert "25" in bot.runner.plain()




def test_settings_offers_the_clearance_on_the_red_flag_path(boot: Callable[[], Bot]) -> None:
    bot = boot()
    screen(bot, FLAGGED)
    bot.runner.command("settings")
    assert "clear" in bot.runner.button_names()
    bot.runner.tap("clear")
    assert "Just to be sure" in bot.runner.plain()
    bot.runner.tap("yes")
    assert "cleared on" in bot.runner.plain()
    bot.runner.command("cleared")  # asked again with nothing open: nothing to clear
    assert "nothing to clear" in bot.runner.plain()
