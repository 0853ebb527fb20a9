"""A runner's reminders end to end, in one process with a clock the test moves: the schedule
follows the screening, the reminder arrives at the right minute with the day's activation,
snooze and "not running today" work, a restart neither loses nor repeats anything, and a pain
report brings a check-in the next morning."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, select

from bot.content.library import ContentLibrary
from bot.db.engine import make_session_factory
from bot.db.models import ReminderDelivery, User
from bot.domain.catalog import Catalog
from bot.domain.model import parse_button_data
from bot.services.reminders import ReminderService
from bot.services.zones import GeoZoneResolver
from bot.wiring import compose
from tests.conftest import Clock
from tests.support.conversation import Runner, path_to
from tests.support.reminder_sender import FakeSender

# Monday 23 Nov 2026, 16:10 in Berlin. The runner runs Mondays and Wednesdays at 17:00.
START = datetime(2026, 11, 23, 15, 10, tzinfo=UTC)
RUN = datetime(2026, 11, 23, 16, 0, tzinfo=UTC)
SCREENING = path_to({
    "pain": "none", "red_flags": [], "thigh_left": "pass", "thigh_right": "pass",
    "knee_lift": "pass", "goal": "endurance", "equipment": [], "run_days": ["mon", "wed"],
    "run_time": "17:00", "timezone": "Europe/Berlin", "minutes": 10})


@dataclass
class Bot:
    """The conversation and the reminder engine of one process, sharing a database."""

    runner: Runner
    reminders: ReminderService
    sender: FakeSender

    def tick(self) -> int:
        return asyncio.run(self.reminders.tick()).sent

    def press(self, data: str) -> str:
        self.runner.send(parse_button_data(data))
        return self.runner.plain()


@pytest.fixture
def start(engine: Engine, content_with_names: ContentLibrary, zones: GeoZoneResolver,
          catalog: Catalog, clock: Clock) -> callable:  # type: ignore[valid-type]
    sender = FakeSender()
    booted: list[ReminderService] = []

    def boot() -> Bot:
        for earlier in booted:  # a restart: the process before it is gone, its session too
            earlier.election.release()
        service, reminders = compose(engine, content_with_names, catalog, zones, sender,
                                     clock=clock)
        booted.append(reminders)
        return Bot(Runner(service), reminders, sender)

    clock.now = START
    return boot


def screen(bot: Bot) -> None:
    bot.runner.command("start")
    bot.runner.walk(SCREENING)
    bot.runner.tap("confirm")


def deliveries(engine: Engine) -> list[tuple[str, str]]:
    with make_session_factory(engine)() as session:
        rows = session.scalars(select(ReminderDelivery).order_by(ReminderDelivery.id))
        return [(r.occurrence_key, r.status) for r in rows]


def test_the_reminder_arrives_at_the_right_minute_with_the_activation(
    start: callable, clock: Clock  # type: ignore[valid-type]
) -> None:
    bot = start()
    screen(bot)
    bot.runner.command("reminders")
    assert "today 16:15: pre-run warm-up" in bot.runner.plain()

    clock.now = RUN - timedelta(minutes=45, seconds=1)
    assert bot.tick() == 0
    clock.now = RUN - timedelta(minutes=45)
    assert bot.tick() == 1

    (reminder,) = bot.sender.delivered
    assert "Run at 17:00" in reminder.text
    assert "Side-plank clamshell" in reminder.text or "bridge" in reminder.text.lower()
    assert reminder.buttons == ("0|r:start", "0|r:done", "0|r:snooze", "0|r:not_today")


def test_snooze_then_a_restart_neither_loses_nor_repeats(
    start: callable, clock: Clock, engine: Engine  # type: ignore[valid-type]
) -> None:
    bot = start()
    screen(bot)
    clock.now = RUN - timedelta(minutes=45)
    bot.tick()

    assert "I'll nudge you again at 16:30" in bot.press("0|r:snooze")
    restarted = start()  # a new process on the same database
    assert restarted.tick() == 0
    clock.now = RUN - timedelta(minutes=30)
    assert restarted.tick() == 1
    assert restarted.tick() == 0
    assert "I'll nudge you again" not in restarted.press("0|r:snooze")  # once per run

    assert len(bot.sender.delivered) == 2
    assert [k for k, _ in deliveries(engine)] == ["2026-11-23:pre_run",
                                                  "2026-11-23:pre_run#snooze"]


def test_not_running_today_drops_the_day_and_names_the_next(
    start: callable, clock: Clock  # type: ignore[valid-type]
) -> None:
    bot = start()
    screen(bot)
    clock.now = RUN - timedelta(minutes=45)
    bot.tick()

    text = bot.press("0|r:not_today")

    assert "No run today, no reminder." in text
    assert "Next one: Wed 16:15." in text


def test_lead_time_and_quiet_hours_take_effect_for_the_next_reminder(
    start: callable, clock: Clock  # type: ignore[valid-type]
) -> None:
    bot = start()
    screen(bot)

    assert "now come 15 min before you run" in bot.press("0|r:lead:15")
    bot.runner.command("reminders")
    assert "today 16:45: pre-run warm-up" in bot.runner.plain()
    bot.runner.send_command("quiet", "25:99")
    assert "I couldn't read “25:99” as quiet hours" in bot.runner.plain()
    bot.runner.send_command("quiet", "23:00-06:00")
    assert "Quiet hours set to 23:00–06:00." in bot.runner.plain()


def test_pause_and_resume(start: callable, clock: Clock) -> None:  # type: ignore[valid-type]
    bot = start()
    screen(bot)
    bot.runner.send_command("pause", "3")
    assert "Reminders paused until Thu 26 Nov." in bot.runner.plain()
    clock.now = RUN - timedelta(minutes=45)
    assert bot.tick() == 0

    bot.runner.command("resume")
    assert "Reminders are back on. Next one: tomorrow 17:00." in bot.runner.plain()


def test_changing_the_run_time_moves_the_next_reminder_at_once(
    start: callable, clock: Clock  # type: ignore[valid-type]
) -> None:
    bot = start()
    screen(bot)
    bot.runner.command("settings")
    bot.runner.tap("run_time")
    bot.runner.type("18:30")
    bot.runner.tap("confirm")

    bot.runner.command("reminders")
    assert "today 17:45: pre-run warm-up" in bot.runner.plain()


def test_a_pain_report_brings_a_check_in_on_the_morning_it_names(
    start: callable, clock: Clock  # type: ignore[valid-type]
) -> None:
    bot = start()
    screen(bot)
    bot.runner.type("my right hip hurt in the clamshell, it stopped me")
    assert "I'll ask Tuesday morning how that hip feels." in bot.runner.plain()

    clock.now = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)  # Tuesday 09:00 in Berlin
    assert bot.tick() == 1
    check_in = bot.sender.delivered[-1]
    assert "How's your hip today?" in check_in.text
    assert "the side-plank clamshell hurt on your right side" in check_in.text
    assert check_in.buttons == ("0|r:hip:better", "0|r:hip:same", "0|r:hip:worse")

    assert "I'm sorry it's worse." in bot.press("0|r:hip:worse")
    bot.runner.command("plan")
    assert "Gentle mobility only for now" in bot.runner.plain()
    clock.now += timedelta(days=1)
    bot.tick()
    assert sum("How's your hip" in d.text for d in bot.sender.delivered) == 1


def test_a_blocked_runner_gets_nothing_until_they_come_back(
    start: callable, clock: Clock, engine: Engine  # type: ignore[valid-type]
) -> None:
    bot = start()
    screen(bot)
    bot.sender.blocked.add(4242)
    clock.now = RUN - timedelta(minutes=45)
    bot.tick()
    with make_session_factory(engine)() as session:
        assert session.scalars(select(User.active)).one() is False

    bot.sender.blocked.clear()
    bot.runner.command("start")
    bot.runner.tap("keep")
    clock.now = RUN + timedelta(days=2) - timedelta(minutes=45)  # Wednesday's run
    assert bot.tick() == 1


def test_resume_when_nothing_is_paused_says_so(start: callable) -> None:  # type: ignore[valid-type]
    bot = start()
    screen(bot)
    bot.runner.command("resume")
    assert "Reminders weren't paused: they're on. Next one: today 16:15." in bot.runner.plain()
