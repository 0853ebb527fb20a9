"""The reminder engine against a real database: what runners receive, once, and what is stored."""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, insert, select, update

from bot.content.library import ContentLibrary
from bot.db import migrate
from bot.db.engine import make_engine
from bot.db.models import ReminderDelivery, ReminderSchedule, User
from bot.domain.schedule import ScheduleError
from bot.services.reminder_clock import ReminderClock, WorkerAlreadyRunningError
from bot.services.reminders import ReminderService, Sender
from tests.conftest import _postgres_schema, postgres_problem
from tests.support.reminder_sender import FakeSender, RateCappedSender, SimulatedCrashError

# Monday 3 May 2027 in Berlin (UTC+2): runs Mon/Thu at 18:00, reminders due at 17:15.
MONDAY_DUE = datetime(2027, 5, 3, 15, 15, tzinfo=UTC)
MONDAY_RUN = datetime(2027, 5, 3, 16, 0, tzinfo=UTC)
THURSDAY_DUE = datetime(2027, 5, 6, 15, 15, tzinfo=UTC)


@dataclass
class Clock:
    now: datetime

    def __call__(self) -> datetime:
        return self.now


def add_user(engine: Engine, telegram_id: int) -> int:
    with engine.begin() as conn:
        return int(conn.execute(insert(User).values(telegram_id=telegram_id, name="",
                                                    active=True)
                                .returning(User.id)).scalar_one())


def service_for(engine: Engine, content: ContentLibrary, sender: Sender, clock: Clock,
                **kwargs: object) -> ReminderService:
    def activation(_user_id: int, _day: date) -> list[dict[str, str]]:
        return [{"name": "Plank hip flexion", "dose": "5 per side, 5 s holds"}]

    return ReminderService(engine, content, sender, activation_for=activation, clock=clock,
                           rate_per_second=1000, **kwargs)  # type: ignore[arg-type]


def runner(engine: Engine, service: ReminderService, telegram_id: int = 501) -> int:
    user_id = add_user(engine, telegram_id)
    service.upsert_schedule(user_id, days=["mon", "thu"], local_time="18:00",
                            zone="Europe/Berlin")
    return user_id


def deliveries(engine: Engine, user_id: int) -> list[tuple[str, str]]:
    with engine.connect() as conn:
        rows = conn.execute(select(ReminderDelivery.occurrence_key, ReminderDelivery.status)
                            .where(ReminderDelivery.user_id == user_id)
                            .order_by(ReminderDelivery.occurrence_key)).all()
    return [(key, status) for key, status in rows]


def schedule_row(engine: Engine, user_id: int) -> tuple[datetime | None, str | None]:
    with engine.connect() as conn:
        row = conn.execute(select(ReminderSchedule.next_due_at, ReminderSchedule.occurrence_key)
                           .where(ReminderSchedule.user_id == user_id)).one()
    return row[0], row[1]


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2027, 5, 3, 8, 0, tzinfo=UTC))


async def test_a_due_reminder_arrives_once_with_the_days_activation_and_moves_on(
        engine: Engine, content: ContentLibrary, clock: Clock) -> None:
    sender = FakeSender()
    service = service_for(engine, content, sender, clock)
    user_id = runner(engine, service)
    assert schedule_row(engine, user_id) == (MONDAY_DUE, "2027-05-03:pre_run")

    clock.now = MONDAY_DUE - timedelta(seconds=1)
    await service.tick()
    assert sender.delivered == []

    clock.now = MONDAY_DUE
    report = await service.tick()
    assert report.sent == 1
    [text] = sender.texts(501)
    assert "Run at 18:00" in text
    assert "Plank hip flexion: 5 per side, 5 s holds" in text
    assert sender.delivered[0].buttons == ("0|r:start", "0|r:done", "0|r:snooze", "0|r:not_today")
    assert deliveries(engine, user_id) == [("2027-05-03:pre_run", "sent")]
    assert schedule_row(engine, user_id) == (THURSDAY_DUE, "2027-05-06:pre_run")

    clock.now = MONDAY_DUE + timedelta(minutes=5)
    await service.tick()
    assert len(sender.delivered) == 1


async def test_the_default_activation_comes_from_content(
        engine: Engine, content: ContentLibrary, clock: Clock) -> None:
    sender = FakeSender()
    service = ReminderService(engine, content, sender, clock=clock)
    runner(engine, service)
    clock.now = MONDAY_DUE
    await service.tick()
    [text] = sender.texts(501)
    assert content.label("reminder.default_exercise.1") in text
    assert content.label("reminder.default_dose") in text


async def test_a_settings_change_applies_to_the_very_next_reminder(
        engine: Engine, content: ContentLibrary, clock: Clock) -> None:
    sender = FakeSender()
    service = service_for(engine, content, sender, clock)
    user_id = runner(engine, service)
    nxt = service.upsert_schedule(user_id, days=["mon"], local_time="19:30",
                                  zone="Europe/Berlin", lead_minutes=30)
    assert nxt is not None
    assert nxt.due_at == datetime(2027, 5, 3, 17, 0, tzinfo=UTC)
    clock.now = MONDAY_DUE
    await service.tick()
    assert sender.delivered == []
    clock.now = nxt.due_at
    await service.tick()
    assert "Run at 19:30" in sender.texts(501)[0]


async def test_unusable_settings_are_refused_and_the_stored_schedule_is_kept(
        engine: Engine, content: ContentLibrary, clock: Clock) -> None:
    service = service_for(engine, content, FakeSender(), clock)
    user_id = runner(engine, service)
    with pytest.raises(ScheduleError):
        service.upsert_schedule(user_id, days=["mon"], local_time="18:00", zone="Moon/Base")
    assert schedule_row(engine, user_id) == (MONDAY_DUE, "2027-05-03:pre_run")


async def test_after_downtime_a_reminder_whose_run_began_is_skipped_not_sent_late(
        engine: Engine, content: ContentLibrary, clock: Clock,
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="bot.services.reminders")
    sender = FakeSender()
    service = service_for(engine, content, sender, clock)
    user_id = runner(engine, service)
    clock.now = MONDAY_RUN + timedelta(minutes=1)
    report = await service.tick()
    assert sender.delivered == []
    assert report.skipped == 1
    assert deliveries(engine, user_id) == [("2027-05-03:pre_run", "skipped")]
    assert schedule_row(engine, user_id) == (THURSDAY_DUE, "2027-05-06:pre_run")
    assert "2027-05-03:pre_run for user" in caplog.text
    assert "skipped: its run began" in caplog.text


async def test_after_downtime_a_reminder_still_ahead_of_its_run_is_sent_once(
        engine: Engine, content: ContentLibrary, clock: Clock) -> None:
    sender = FakeSender()
    service = service_for(engine, content, sender, clock)
    runner(engine, service)
    clock.now = MONDAY_RUN - timedelta(minutes=10)
    await service.tick()
    await service.tick()
    assert len(sender.texts(501)) == 1


async def test_a_runner_who_blocked_the_bot_is_marked_inactive_and_not_retried(
        engine: Engine, content: ContentLibrary, clock: Clock) -> None:
    sender = FakeSender(blocked={501})
    service = service_for(engine, content, sender, clock)
    user_id = runner(engine, service)
    clock.now = MONDAY_DUE
    report = await service.tick()
    assert report.recipients_gone == 1
    with engine.connect() as conn:
        assert conn.execute(select(User.active).where(User.id == user_id)).scalar_one() is False
    assert deliveries(engine, user_id) == [("2027-05-03:pre_run", "failed")]
    assert schedule_row(engine, user_id) == (None, None)
    clock.now = THURSDAY_DUE
    assert (await service.tick()).claimed == 0


async def test_a_timeout_is_recorded_unknown_and_never_resent(
        engine: Engine, content: ContentLibrary, clock: Clock) -> None:
    sender = FakeSender(slow={501})
    service = service_for(engine, content, sender, clock)
    user_id = runner(engine, service)
    clock.now = MONDAY_DUE
    report = await service.tick()
    assert report.unknown == 1
    assert deliveries(engine, user_id) == [("2027-05-03:pre_run", "unknown")]
    # Even if the schedule were pointed back at the same occurrence, the key stops a resend.
    with engine.begin() as conn:
        conn.execute(update(ReminderSchedule).values(next_due_at=MONDAY_DUE,
                                                     occurrence_key="2027-05-03:pre_run",
                                                     run_at=MONDAY_RUN))
    report = await service.tick()
    assert report.already_handled == 1
    assert len(sender.delivered) == 1
    assert schedule_row(engine, user_id) == (THURSDAY_DUE, "2027-05-06:pre_run")


async def test_crash_between_claim_and_send_is_retried_once_after_the_lease(
        engine: Engine, content: ContentLibrary, clock: Clock) -> None:
    sender = FakeSender()
    service = service_for(engine, content, sender, clock, lease=timedelta(minutes=2))
    user_id = runner(engine, service)
    clock.now = MONDAY_DUE
    assert len(service.claim_due()) == 1  # ...and the worker dies before sending

    restarted = service_for(engine, content, sender, clock, lease=timedelta(minutes=2))
    clock.now = MONDAY_DUE + timedelta(minutes=1)
    assert (await restarted.tick()).claimed == 0  # the lease still holds
    clock.now = MONDAY_DUE + timedelta(minutes=3)
    await restarted.tick()
    assert len(sender.texts(501)) == 1
    assert deliveries(engine, user_id) == [("2027-05-03:pre_run", "sent")]


async def test_a_claim_whose_worker_dies_again_and_again_is_still_sent_once(
        engine: Engine, content: ContentLibrary, clock: Clock) -> None:
    sender = FakeSender()
    service = service_for(engine, content, sender, clock, lease=timedelta(minutes=2))
    user_id = runner(engine, service)
    clock.now = MONDAY_DUE
    for _crash in range(4):  # claimed, then the worker dies before sending; four times over
        assert len(service.claim_due()) == 1
        clock.now += timedelta(minutes=3)
    await service.tick()
    assert len(sender.texts(501)) == 1
    assert deliveries(engine, user_id) == [("2027-05-03:pre_run", "sent")]
    assert schedule_row(engine, user_id) == (THURSDAY_DUE, "2027-05-06:pre_run")


async def test_crash_between_send_and_record_is_never_resent(
        engine: Engine, content: ContentLibrary, clock: Clock) -> None:
    sender = FakeSender(crash_after_send={501})
    service = service_for(engine, content, sender, clock, lease=timedelta(minutes=2))
    user_id = runner(engine, service)
    clock.now = MONDAY_DUE
    with pytest.raises(SimulatedCrashError):
        await service.tick()
    assert deliveries(engine, user_id) == [("2027-05-03:pre_run", "unknown")]
    service.election.release()  # the process died, and its database session with it

    sender.crash_after_send.clear()
    restarted = service_for(engine, content, sender, clock)
    clock.now = MONDAY_DUE + timedelta(minutes=5)
    report = await restarted.tick()
    assert report.already_handled == 1
    assert len(sender.texts(501)) == 1
    assert schedule_row(engine, user_id) == (THURSDAY_DUE, "2027-05-06:pre_run")


async def test_flood_control_is_honoured_and_every_runner_gets_exactly_one(
        engine: Engine, content: ContentLibrary, clock: Clock) -> None:
    api = RateCappedSender(rate=10, retry_after=0.5)
    service = service_for(engine, content, api, clock)  # paced at 1000/s: far past the cap
    users = [runner(engine, service, telegram_id) for telegram_id in range(1, 31)]
    clock.now = MONDAY_DUE
    report = await service.tick()
    assert report.sent == 30
    assert report.flood_waits == len(api.refused) > 0
    assert api.refused_during_ban == 0
    assert sorted(d.chat_id for d in api.delivered) == list(range(1, 31))
    assert all(deliveries(engine, u) == [("2027-05-03:pre_run", "sent")] for u in users)


async def test_pacing_below_the_cap_draws_no_flood_control(
        engine: Engine, content: ContentLibrary, clock: Clock) -> None:
    api = RateCappedSender(rate=20, retry_after=1.0)
    service = ReminderService(engine, content, api, clock=clock, rate_per_second=20)
    for telegram_id in range(1, 41):
        runner(engine, service, telegram_id)
    clock.now = MONDAY_DUE
    report = await service.tick()
    assert report.sent == 40
    assert api.refused == []


async def test_snooze_sends_the_reminder_again_in_15_minutes_once(
        engine: Engine, content: ContentLibrary, clock: Clock) -> None:
    sender = FakeSender()
    service = service_for(engine, content, sender, clock)
    user_id = runner(engine, service)
    clock.now = MONDAY_DUE
    await service.tick()
    clock.now = MONDAY_DUE + timedelta(minutes=2)
    snoozed = service.snooze(user_id)
    assert snoozed is not None
    assert snoozed.due_at == MONDAY_DUE + timedelta(minutes=17)
    assert [o.key for o in service.upcoming(user_id)][:2] == ["2027-05-03:pre_run#snooze",
                                                             "2027-05-06:pre_run"]
    clock.now = snoozed.due_at
    await service.tick()
    assert len(sender.texts(501)) == 2
    assert service.snooze(user_id) is None  # one snooze per run
    assert schedule_row(engine, user_id) == (THURSDAY_DUE, "2027-05-06:pre_run")


async def test_snooze_too_close_to_the_run_is_refused(
        engine: Engine, content: ContentLibrary, clock: Clock) -> None:
    service = service_for(engine, content, FakeSender(), clock)
    user_id = runner(engine, service)
    clock.now = MONDAY_DUE
    await service.tick()
    clock.now = MONDAY_RUN - timedelta(minutes=10)
    assert service.snooze(user_id) is None


async def test_not_running_today_drops_todays_reminder_only(
        engine: Engine, content: ContentLibrary, clock: Clock) -> None:
    sender = FakeSender()
    service = service_for(engine, content, sender, clock)
    user_id = runner(engine, service)
    nxt = service.not_running_today(user_id)
    assert nxt is not None
    assert nxt.key == "2027-05-06:pre_run"
    clock.now = MONDAY_DUE
    await service.tick()
    assert sender.delivered == []
    clock.now = THURSDAY_DUE
    await service.tick()
    assert len(sender.delivered) == 1


async def test_pause_and_resume(engine: Engine, content: ContentLibrary, clock: Clock) -> None:
    sender = FakeSender()
    service = service_for(engine, content, sender, clock)
    user_id = runner(engine, service)
    service.pause(user_id, 7)
    assert schedule_row(engine, user_id)[1] == "2027-05-10:pre_run"
    with pytest.raises(ScheduleError):
        service.pause(user_id, 0)
    assert [o.key for o in service.resume(user_id)] == [
        "2027-05-03:pre_run", "2027-05-06:pre_run", "2027-05-10:pre_run"]
    assert schedule_row(engine, user_id) == (MONDAY_DUE, "2027-05-03:pre_run")


async def test_strength_and_retest_nudges_use_their_own_templates(
        engine: Engine, content: ContentLibrary, clock: Clock) -> None:
    sender = FakeSender()
    service = service_for(engine, content, sender, clock)
    user_id = add_user(engine, 777)
    service.upsert_schedule(user_id, kind="strength", days=["tue"], local_time="16:00",
                            zone="Europe/Berlin")
    service.upsert_schedule(user_id, kind="retest", local_time="18:00", zone="Europe/Berlin",
                            anchor_at=datetime(2027, 4, 6, 9, 0, tzinfo=UTC))
    assert [o.key for o in service.upcoming(user_id)] == [
        "2027-05-04:strength", "2027-05-04:retest", "2027-05-11:strength"]
    clock.now = datetime(2027, 5, 4, 16, 0, tzinfo=UTC)
    await service.tick()
    assert sorted(sender.texts(777)) == sorted([content.render_text("reminder_strength", {}),
                                                content.render_text("reminder_retest", {})])


async def test_the_clock_runs_one_job_whatever_the_number_of_runners(
        engine: Engine, content: ContentLibrary, clock: Clock) -> None:
    sender = FakeSender()
    service = service_for(engine, content, sender, clock)
    for telegram_id in range(1, 51):
        runner(engine, service, telegram_id)
    clock.now = MONDAY_DUE
    reminders = ReminderClock(service, every_seconds=60)
    reminders.start()
    try:
        assert len(reminders.scheduler.get_jobs()) == 1
        assert reminders._drain is not None
        await reminders._drain
    finally:
        await reminders.stop()
    assert sorted(sender.chats()) == list(range(1, 51))


async def test_the_clock_job_keeps_ticking_on_the_event_loop(
        engine: Engine, content: ContentLibrary, clock: Clock) -> None:
    sender = FakeSender()
    service = service_for(engine, content, sender, clock)
    runner(engine, service)
    reminders = ReminderClock(service, every_seconds=0.05)
    reminders.start()
    try:
        assert reminders._drain is not None
        assert (await reminders._drain).claimed == 0
        clock.now = MONDAY_DUE  # due only after the first tick has run
        for _ in range(200):
            if sender.delivered:
                break
            await asyncio.sleep(0.05)
    finally:
        await reminders.stop()
    assert sender.chats() == [501]


async def test_a_second_worker_on_the_same_sqlite_file_refuses_to_start(
        tmp_path: Path, content: ContentLibrary, clock: Clock) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'hipcoach.db'}")
    migrate.upgrade(engine)
    first = ReminderClock(service_for(engine, content, FakeSender(), clock))
    second = ReminderClock(service_for(engine, content, FakeSender(), clock))
    first.start()
    try:
        with pytest.raises(WorkerAlreadyRunningError, match=r"already running.*PostgreSQL"):
            second.start()
    finally:
        await first.stop()
    second.start()  # the first one has gone: now it may
    await second.stop()
    engine.dispose()


@pytest.fixture
def postgres_engines() -> Iterator[tuple[Engine, Engine]]:
    problem = postgres_problem()
    if problem:
        pytest.skip(problem)
    for url in _postgres_schema():
        first, second = make_engine(url), make_engine(url)
        migrate.upgrade(first)
        yield first, second
        first.dispose()
        second.dispose()


@pytest.mark.postgres
async def test_of_two_postgres_workers_one_sends_all_500_once_and_the_other_stands_by(
        postgres_engines: tuple[Engine, Engine], content: ContentLibrary, clock: Clock) -> None:
    first_engine, second_engine = postgres_engines
    sender = FakeSender()
    first = service_for(first_engine, content, sender, clock, batch_size=40, worker_id="a")
    second = service_for(second_engine, content, sender, clock, batch_size=40, worker_id="b")
    with first_engine.begin() as conn:
        ids = conn.execute(insert(User).returning(User.id),
                           [{"telegram_id": 10_000 + n, "name": "", "active": True}
                            for n in range(500)]).scalars().all()
        conn.execute(insert(ReminderSchedule), [
            {"user_id": user_id, "kind": "pre_run", "zone": "Europe/Berlin",
             "local_time": "18:00", "days": ["mon", "thu"], "lead_minutes": 45,
             "quiet_start": "22:00", "quiet_end": "07:00", "skipped_dates": [],
             "next_due_at": MONDAY_DUE, "run_at": MONDAY_RUN,
             "occurrence_key": "2027-05-03:pre_run"} for user_id in ids])
    clock.now = MONDAY_DUE
    reports = await asyncio.gather(first.tick(), second.tick())
    assert sorted(r.sent for r in reports) == [0, 500]  # one send budget: one sender
    assert Counter(sender.chats()) == Counter({10_000 + n: 1 for n in range(500)})
    with first_engine.connect() as conn:
        statuses = conn.execute(select(ReminderDelivery.status)).scalars().all()
        due = conn.execute(select(ReminderSchedule.next_due_at).distinct()).scalars().all()
    assert Counter(statuses) == Counter({"sent": 500})
    assert due == [THURSDAY_DUE]
