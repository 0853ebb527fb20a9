"""Reminders in everyday use: they follow the answers, keep out of quiet hours, stay quiet once
the day's work is done, and say what they mean about snoozes and lead times."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, select

from bot.content.library import ContentLibrary
from bot.db.engine import make_session_factory
from bot.db.models import ReminderDelivery, ReminderSchedule, User
from bot.domain.catalog import Catalog
from bot.domain.model import parse_button_data
from bot.domain.schedule import CHECKIN, PRE_RUN, STRENGTH, Occurrence
from bot.services.reminders import ReminderService
from bot.services.zones import GeoZoneResolver
from bot.wiring import compose
from tests.conftest import Clock
from tests.support.conversation import Runner, path_to
from tests.support.reminder_sender import FakeSender

BERLIN = ZoneInfo("Europe/Berlin")
# Monday 23 Nov 2026, 16:10 in Berlin.
START = datetime(2026, 11, 23, 15, 10, tzinfo=UTC)


def answers(run_time: str) -> dict[str, object]:
    return {"pain": "none", "red_flags": [], "thigh_left": "pass", "thigh_right": "pass",
            "knee_lift": "pass", "goal": "endurance", "equipment": [],
            "run_days": ["mon", "wed"], "run_time": run_time, "timezone": "Europe/Berlin",
            "minutes": 10}


@dataclass
class Bot:
    runner: Runner
    reminders: ReminderService
    sender: FakeSender
    engine: Engine

    def tick(self) -> int:
        return asyncio.run(self.reminders.tick()).sent

    def press(self, data: str) -> str:
        self.runner.send(parse_button_data(data))
        return self.runner.plain()

    def user_id(self) -> int:
        with make_session_factory(self.engine)() as session:
            return session.scalars(select(User.id)).one()

    def upcoming(self, kind: str) -> list[Occurrence]:
        return [o for o in self.reminders.upcoming(self.user_id()) if o.kind == kind]

    def schedule(self, kind: str) -> ReminderSchedule:
        with make_session_factory(self.engine)() as session:
            return session.scalars(select(ReminderSchedule)
                                   .where(ReminderSchedule.kind == kind)).one()


@pytest.fixture
def screened_bot(engine: Engine, content_with_names: ContentLibrary, zones: GeoZoneResolver,
                 catalog: Catalog, clock: Clock) -> Callable[[str], Bot]:
    def boot(run_time: str = "17:00") -> Bot:
        clock.now = START
        sender = FakeSender()
        service, reminders = compose(engine, content_with_names, catalog, zones, sender,
                                     clock=clock)
        bot = Bot(Runner(service), reminders, sender, engine)
        bot.runner.command("start")
        bot.runner.walk(path_to(answers(run_time)))
        bot.runner.tap("confirm")
        return bot
    return boot


def local(instant: datetime) -> str:
    return f"{instant.astimezone(BERLIN):%a %H:%M}"


def test_the_strength_nudge_follows_the_run_time_and_keeps_out_of_quiet_hours(
        screened_bot: Callable[[str], Bot]) -> None:
    bot = screened_bot("06:30")
    bot.runner.command("settings")
    bot.runner.tap("run_time")
    bot.runner.type("05:45")
    bot.runner.tap("confirm")

    assert bot.schedule(STRENGTH).local_time == "05:45"  # followed the new run time
    nudges = bot.upcoming(STRENGTH)
    assert nudges
    for nudge in nudges:  # quiet hours are 22:00-07:00: the nudge waits for them to end
        assert local(nudge.due_at).endswith("07:00")


def test_no_strength_nudge_once_the_days_session_is_done(
        screened_bot: Callable[[str], Bot], clock: Clock, engine: Engine) -> None:
    bot = screened_bot("17:00")
    nudge = bot.upcoming(STRENGTH)[0]
    clock.now = nudge.due_at - timedelta(hours=1)
    bot.runner.command("today")
    bot.runner.tap("did")  # stored at once: no "All good" needed

    clock.now = nudge.due_at
    assert bot.tick() == 0
    assert not any("strength" in d.text.lower() for d in bot.sender.delivered)
    with make_session_factory(engine)() as session:
        statuses = session.scalars(select(ReminderDelivery.status)
                                   .where(ReminderDelivery.kind == STRENGTH)).all()
    assert statuses == ["skipped"]


def test_a_second_snooze_says_why_and_the_snoozed_reminder_says_how_long_is_left(
        screened_bot: Callable[[str], Bot], clock: Clock) -> None:
    bot = screened_bot("17:00")
    clock.now = datetime(2026, 11, 23, 15, 15, tzinfo=UTC)  # 16:15, 45 min before the run
    assert bot.tick() == 1
    assert "I'll nudge you again at 16:30" in bot.press("0|r:snooze")

    second = bot.press("0|r:snooze")
    assert "one snooze per reminder" in second
    assert "starts before a snooze would end" not in second

    clock.now = datetime(2026, 11, 23, 15, 30, tzinfo=UTC)
    assert bot.tick() == 1
    assert "your run starts in 30 min" in bot.sender.delivered[-1].text


def test_the_lead_time_confirmation_names_the_next_pre_run_reminder(
        screened_bot: Callable[[str], Bot], clock: Clock) -> None:
    bot = screened_bot("17:00")
    clock.now = datetime(2026, 11, 23, 17, 0, tzinfo=UTC)  # Monday 18:00: today's run is over
    text = bot.press("0|r:lead:15")
    (pre_run,) = bot.upcoming(PRE_RUN)[:1]
    assert local(pre_run.due_at) == "Wed 16:45"
    # A strength nudge comes first; the confirmation is about pre-run reminders all the same.
    assert any(o.due_at < pre_run.due_at for o in bot.upcoming(STRENGTH))
    assert "Next one: Wed 16:45." in text


def test_a_pain_report_after_midnight_brings_the_check_in_on_the_morning_it_names(
        screened_bot: Callable[[str], Bot], clock: Clock) -> None:
    bot = screened_bot("17:00")
    clock.now = datetime(2026, 11, 23, 22, 50, tzinfo=UTC)  # Monday 23:50 in Berlin
    bot.runner.command("today")
    bot.runner.tap("start")
    clock.now = datetime(2026, 11, 23, 23, 48, tzinfo=UTC)  # Tuesday 00:48
    bot.runner.tap("pain")
    while "skip" in bot.runner.keyboard_turn:  # the rest of the walk
        bot.runner.tap("done")
    bot.runner.tap("right")
    bot.runner.tap("mild")

    # The message names the morning, and the check-in comes then: a night's sleep later.
    assert "ask Tuesday morning" in bot.runner.plain()
    check_in = bot.schedule(CHECKIN)
    assert check_in.next_due_at is not None
    assert local(check_in.next_due_at) == "Tue 09:00"


def test_the_check_in_counts_its_first_answer_only(
        screened_bot: Callable[[str], Bot], clock: Clock) -> None:
    bot = screened_bot("17:00")
    bot.runner.type("my right hip hurt in the clamshell, it stopped me")
    clock.now = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)  # Tuesday 09:00 in Berlin
    assert bot.tick() == 1

    assert "Keep to the easier version" in bot.press("0|r:hip:same")
    second = bot.press("0|r:hip:worse")
    assert "Already noted" in second
    assert "sorry it's worse" not in second
    bot.runner.command("plan")
    assert "Gentle mobility only for now" not in bot.runner.plain()  # "worse" was not taken


def test_today_after_not_running_today_does_not_talk_about_the_run(
        screened_bot: Callable[[str], Bot], clock: Clock) -> None:
    bot = screened_bot("17:00")
    bot.runner.command("today")
    assert "Before your 17:00 run" in bot.runner.plain()
    clock.now = datetime(2026, 11, 23, 15, 15, tzinfo=UTC)
    assert bot.tick() == 1
    assert "No run today, no reminder." in bot.press("0|r:not_today")

    bot.runner.command("today")
    assert "Before your 17:00 run" not in bot.runner.plain()
    assert "No run today, you said." in bot.runner.plain()
    clock.now += timedelta(days=2)  # Wednesday's run is on again
    bot.runner.command("today")
    assert "Before your 17:00 run" in bot.runner.plain()


def test_the_re_test_reminder_counts_from_the_last_re_test_and_comes_after_the_run(
        screened_bot: Callable[[str], Bot], clock: Clock) -> None:
    bot = screened_bot("17:00")
    first = bot.schedule("retest").next_due_at
    assert first is not None
    assert local(first) == "Mon 18:30"  # four weeks on, after the 17:00 run
    assert first.astimezone(BERLIN).date() == (START + timedelta(days=28)).date()
    clock.now = START + timedelta(days=35)  # a re-test five weeks in
    bot.runner.command("retest")
    for _ in range(3):
        bot.runner.tap("pass")
    assert "Re-test saved." in bot.runner.plain()
    after = bot.schedule("retest").next_due_at
    assert after is not None
    assert after.astimezone(BERLIN).date() == (START + timedelta(days=35 + 28)).date()


def test_quiet_hours_never_send_the_pre_run_reminder_the_evening_before(
        screened_bot: Callable[[str], Bot]) -> None:
    bot = screened_bot("07:00")
    (pre_run,) = bot.upcoming(PRE_RUN)[:1]
    due = pre_run.due_at.astimezone(BERLIN)
    assert due.date() == pre_run.local_date
    assert due.hour < 7


def test_quiet_hours_that_move_a_pre_run_reminder_say_so(
        screened_bot: Callable[[str], Bot], clock: Clock) -> None:
    bot = screened_bot("07:30")
    bot.runner.send_command("quiet", "23:00-07:00")
    assert "now comes as they end" in bot.runner.plain()
    (pre_run,) = bot.upcoming(PRE_RUN)[:1]
    assert local(pre_run.due_at).endswith("07:00")
    bot.runner.command("reminders")
    assert "(moved out of your quiet hours)" in bot.runner.plain()
