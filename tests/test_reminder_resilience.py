"""The reminder engine under faults, in one process against a real database: Bot API errors
that are worth another try, errors that are not, a database that refuses a write, and a send
budget that holds whatever the network does."""

from __future__ import annotations

import asyncio
import logging
import random
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import Engine, insert, select
from sqlalchemy.exc import OperationalError

from bot.content.library import ContentLibrary, RenderedMessage
from bot.db import migrate
from bot.db.engine import make_engine
from bot.db.models import ReminderDelivery, ReminderSchedule, User
from bot.services.reminder_model import Claim, Outcome
from bot.services.reminder_status import reminder_status
from bot.services.reminders import (
    ReminderService,
    Sender,
    SendTimeoutError,
    TransientSendError,
)
from tests.conftest import _postgres_schema, postgres_problem
from tests.support.fault_bot_api import Arrivals
from tests.support.reminder_sender import FakeSender

DUE = datetime(2027, 5, 3, 15, 15, tzinfo=UTC)  # Monday, runs at 18:00 Berlin
RUN = datetime(2027, 5, 3, 16, 0, tzinfo=UTC)


@dataclass
class Clock:
    now: datetime = DUE

    def __call__(self) -> datetime:
        return self.now


def due_runners(engine: Engine, count: int) -> list[int]:
    chats = [5_000 + n for n in range(count)]
    with engine.begin() as conn:
        ids = conn.execute(insert(User).returning(User.id), [
            {"telegram_id": chat, "name": "", "active": True} for chat in chats
        ]).scalars().all()
        conn.execute(insert(ReminderSchedule), [
            {"user_id": user_id, "kind": "pre_run", "zone": "Europe/Berlin",
             "local_time": "18:00", "days": ["mon", "thu"], "lead_minutes": 45,
             "quiet_start": None, "quiet_end": None, "skipped_dates": [],
             "next_due_at": DUE, "run_at": RUN, "occurrence_key": "2027-05-03:pre_run"}
            for user_id in ids])
    return chats


def service(engine: Engine, content: ContentLibrary, sender: Sender,
            **kwargs: object) -> ReminderService:
    return ReminderService(engine, content, sender, clock=Clock(),
                           activation_for=lambda _u, _d: [], rate_per_second=1000,
                           backoff=0.01, **kwargs)  # type: ignore[arg-type]


def stored(engine: Engine) -> Counter[str]:
    with engine.connect() as conn:
        return Counter(conn.execute(select(ReminderDelivery.status)).scalars().all())


@dataclass
class Flaky(FakeSender):
    """Each chat's first ``failures`` sends fail with ``error`` (never delivered)."""

    failures: int = 2
    error: Exception = field(default_factory=lambda: TransientSendError("Bad Gateway"))
    tries: Counter[int] = field(default_factory=Counter)

    async def send(self, chat_id: int, message: RenderedMessage) -> int:
        self.tries[chat_id] += 1
        if self.tries[chat_id] <= self.failures:
            raise self.error
        return await super().send(chat_id, message)


async def test_5xx_and_refused_connections_are_tried_again_and_each_arrives_once(
        engine: Engine, content: ContentLibrary) -> None:
    chats = due_runners(engine, 20)
    sender = Flaky(failures=2)
    report = await service(engine, content, sender).tick()
    assert Counter(sender.chats()) == Counter(dict.fromkeys(chats, 1))
    assert report.sent == 20
    assert report.retries == 40
    assert stored(engine) == Counter({"sent": 20})


async def test_a_bot_api_that_keeps_failing_is_given_up_after_bounded_tries_and_logged_once(
        engine: Engine, content: ContentLibrary, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="bot.services.reminders")
    [chat] = due_runners(engine, 1)
    sender = Flaky(failures=100)
    report = await service(engine, content, sender, send_attempts=4).tick()
    assert sender.tries[chat] == 4
    assert report.failed == 1
    assert stored(engine) == Counter({"failed": 1})
    lines = [r.getMessage() for r in caplog.records if "failed" in r.getMessage()]
    assert len(lines) == 1
    assert "gave up after 4 tries" in lines[0]
    assert "Bad Gateway" in lines[0]


async def test_a_timeout_after_sending_is_unknown_never_resent_and_logged_once(
        engine: Engine, content: ContentLibrary, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="bot.services.reminders")
    [chat] = due_runners(engine, 1)
    sender = Flaky(failures=100, error=SendTimeoutError("Timed out"))
    await service(engine, content, sender).tick()
    assert sender.tries[chat] == 1
    assert stored(engine) == Counter({"unknown": 1})
    lines = [r.getMessage() for r in caplog.records if "may not have arrived" in r.getMessage()]
    assert len(lines) == 1
    assert "Timed out" in lines[0]


@dataclass
class Broken(FakeSender):
    """A sender with a bug for one chat: it raises something no one planned for."""

    broken_chat: int = 0

    async def send(self, chat_id: int, message: RenderedMessage) -> int:
        if chat_id == self.broken_chat:
            raise RuntimeError("a bug in the sender")
        return await super().send(chat_id, message)


async def test_one_reminder_failing_in_an_unplanned_way_does_not_stop_the_others(
        engine: Engine, content: ContentLibrary) -> None:
    chats = due_runners(engine, 10)
    sender = Broken(broken_chat=chats[3])
    report = await service(engine, content, sender).tick()
    assert sorted(sender.chats()) == sorted(c for c in chats if c != chats[3])
    assert report.sent == 9
    assert report.deferred == 1


class RefusingRecords(ReminderService):
    """The database refuses the first ``refusals`` records ("database is locked")."""

    refusals = 2

    def record(self, claim: Claim, outcome: Outcome) -> None:
        if self.refusals:
            self.refusals -= 1
            raise OperationalError("UPDATE reminder_deliveries", {}, Exception("locked"))
        super().record(claim, outcome)


async def test_a_record_the_database_refuses_is_tried_again_not_lost(
        engine: Engine, content: ContentLibrary) -> None:
    due_runners(engine, 1)
    sender = FakeSender()
    engine_service = RefusingRecords(engine, content, sender, clock=Clock(),
                                     activation_for=lambda _u, _d: [], rate_per_second=1000)
    report = await engine_service.tick()
    assert report.sent == 1
    assert stored(engine) == Counter({"sent": 1})
    assert reminder_status(engine, DUE).later == 1  # moved on to Thursday


async def test_rendering_happens_off_the_event_loop(
        engine: Engine, content: ContentLibrary) -> None:
    due_runners(engine, 3)
    on_loop: list[bool] = []

    def activation(_user_id: int, _day: date) -> list[dict[str, str]]:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            on_loop.append(False)
        else:
            on_loop.append(True)
        return []

    sender = FakeSender()
    reminders = ReminderService(engine, content, sender, clock=Clock(),
                                activation_for=activation, rate_per_second=1000)
    await reminders.tick()
    assert on_loop == [False, False, False]
    assert len(sender.delivered) == 3


@dataclass
class Wobbly:
    """An API at the end of a network that delays requests and answers unevenly: each
    request arrives somewhere between being sent and being answered."""

    arrivals: Arrivals = field(default_factory=Arrivals)
    random: random.Random = field(default_factory=lambda: random.Random(5))

    async def send(self, chat_id: int, message: RenderedMessage) -> int:
        await asyncio.sleep(self.random.choice((0.0, 0.0, 0.001, 0.02, 0.08)))
        self.arrivals.times.append(asyncio.get_running_loop().time())
        self.arrivals.delivered[chat_id] += 1
        await asyncio.sleep(self.random.choice((0.0, 0.001, 0.03, 0.15)))
        return 1


async def test_never_more_than_the_rate_in_any_second_however_the_network_wobbles(
        engine: Engine, content: ContentLibrary) -> None:
    due_runners(engine, 90)
    api = Wobbly()
    reminders = ReminderService(engine, content, api, clock=Clock(),
                                activation_for=lambda _u, _d: [], rate_per_second=30)
    report = await reminders.tick()
    assert report.sent == 90
    assert api.arrivals.most_in_any_window(1.0) == 30  # the budget is used, never overdrawn


async def test_status_counts_reminders_by_state(engine: Engine, content: ContentLibrary) -> None:
    chats = due_runners(engine, 4)
    sender = FakeSender(blocked={chats[0]}, slow={chats[1]})
    reminders = service(engine, content, sender)
    await reminders.tick()
    counts = reminder_status(engine, DUE)
    assert counts.deliveries == {"claimed": 0, "unknown": 1, "sent": 2, "failed": 1,
                                 "skipped": 0}
    assert (counts.due_waiting, counts.leased, counts.later, counts.off) == (0, 0, 3, 1)
    assert any(line.split()[:2] == ["sent", "2"] for line in counts.lines())


@pytest.fixture
def postgres() -> Iterator[Engine]:
    """PostgreSQL only: on SQLite one worker runs at all (the file lock), none stands by."""
    problem = postgres_problem()
    if problem:
        pytest.skip(problem)
    for url in _postgres_schema():
        engine = make_engine(url)
        migrate.upgrade(engine)
        yield engine
        engine.dispose()


@pytest.mark.postgres
async def test_a_standby_worker_takes_over_when_the_sender_is_gone(
        postgres: Engine, content: ContentLibrary) -> None:
    engine = postgres
    chats = due_runners(engine, 6)
    sender = FakeSender()
    first, second = service(engine, content, sender), service(engine, content, sender)
    assert (await first.tick()).sent == 6
    clock = Clock(DUE + timedelta(days=3))  # Thursday's reminders are due
    first.clock = second.clock = clock
    assert (await second.tick()).claimed == 0  # standing by: the first still sends
    first.election.release()  # the first worker is gone, its database session with it
    assert (await second.tick()).sent == 6
    assert Counter(sender.chats()) == Counter(dict.fromkeys(chats, 2))
