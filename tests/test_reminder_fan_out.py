"""600 reminders at 30/s, the sender killed three times on the way, 3% of sends answered with
a 5xx: none lost, none sent twice, never more than 30 in any second, measured at the API.

The sender runs on a virtual clock (tests/support/virtual_clock.py): the pacer's waits, the
backoff between tries, leases and run times all follow it, so the fan-out takes the CPU it
needs and no real minute. A "kill" cancels the sender mid-flight and lets the database work
it had started finish or not, as a killed process's commits land or do not; the next sender
starts with a new pacer, as a new process does. Killing real processes (SIGKILL) is
tests/test_reminder_faults.py.
"""

from __future__ import annotations

import asyncio
import itertools
import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, func, select

from bot.content.library import ContentLibrary, RenderedMessage
from bot.db.models import ReminderDelivery, ReminderSchedule, User
from bot.services.reminder_status import reminder_status
from bot.services.reminders import SEND_CONCURRENCY, ReminderService, TransientSendError
from bot.services.send_budget import Pacer
from tests.support.fault_bot_api import Arrivals
from tests.support.virtual_clock import VirtualClock
from tests.support.worker_fleet import populate

REMINDERS = 600
RATE = 30
SERVER_ERROR_RATE = 0.03
KILL_AFTER = (100, 250, 400)  # messages delivered when the sender is killed
LEASE = timedelta(seconds=15)
TICK_SECONDS = 1.0
UNDER_WAY = timedelta(seconds=10)
GIVE_UP = 3600.0  # virtual seconds: the runs begin an hour after the reminders fall due


@dataclass
class FlakyApi:
    """The Bot API at the end of the wire: 3% of sends refused with a 5xx, every arrival
    stamped on the virtual clock; ``killed`` is set when the delivered count hits ``kill_at``."""

    clock: VirtualClock
    random: random.Random = field(default_factory=lambda: random.Random(11))
    arrivals: Arrivals = field(default_factory=Arrivals)
    kill_at: int | None = None
    killed: asyncio.Event = field(default_factory=asyncio.Event)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    async def send(self, chat_id: int, message: RenderedMessage) -> int:
        self.arrivals.times.append(self.clock.time())
        if self.random.random() < SERVER_ERROR_RATE:
            self.arrivals.refused += 1
            raise TransientSendError("Bad Gateway")
        self.arrivals.delivered[chat_id] += 1
        if sum(self.arrivals.delivered.values()) == self.kill_at:
            self.killed.set()
        return next(self._ids)


def settled(engine: Engine, now: datetime) -> bool:
    """Every reminder has its outcome stored and its schedule moved on."""
    with engine.connect() as conn:
        done = conn.execute(select(func.count()).select_from(ReminderDelivery)
                            .where(ReminderDelivery.status != "claimed")).scalar_one()
        due = conn.execute(select(func.count()).select_from(ReminderSchedule)
                           .where(ReminderSchedule.next_due_at <= now)).scalar_one()
    return bool(done == REMINDERS and due == 0)


async def keep_ticking(service: ReminderService, clock: VirtualClock) -> None:
    """What ReminderClock does: a drain every tick until everything is settled."""
    while not settled(service.engine, clock.now()):
        # Virtual hours cost no real time: a sender that never settles fails, it does not hang.
        assert clock.time() < GIVE_UP, "the reminders never all got an outcome"
        await service.tick()
        await clock.sleep(TICK_SECONDS)


def new_sender(engine: Engine, content: ContentLibrary, api: FlakyApi,
               clock: VirtualClock) -> ReminderService:
    service = ReminderService(engine, content, api, clock=clock.now, rate_per_second=RATE,
                              lease=LEASE, pacer_clock=clock)
    # As ReminderClock.start: a new process leaves the one before it its last second.
    service.pacer.hold(Pacer.WINDOW + Pacer.SLACK)
    return service


async def run_until_killed(service: ReminderService, api: FlakyApi,
                           clock: VirtualClock) -> bool:
    """Runs one sender until it is killed (True) or everything is settled (False)."""
    loop = asyncio.get_running_loop()
    threads = clock.executor()  # this "process's" own threads, to die with it
    loop.set_default_executor(threads)
    outside = asyncio.all_tasks()
    ticking = asyncio.create_task(keep_ticking(service, clock))
    killed = asyncio.create_task(api.killed.wait())
    await asyncio.wait({ticking, killed}, return_when=asyncio.FIRST_COMPLETED)
    was_killed = not ticking.done()
    # Everything this "process" started dies with it (a batch being sent is its own task).
    mine = asyncio.all_tasks() - outside
    for task in mine:
        task.cancel()
    await asyncio.gather(*mine, return_exceptions=True)
    # Database work under way when it died lands or not, but nothing new starts.
    loop.set_default_executor(clock.executor())
    await asyncio.to_thread(threads.shutdown, True)
    await asyncio.to_thread(service.election.release)  # its session died with it
    return was_killed


def quiet_about_the_killed(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    """A killed sender's batch is cancelled with nobody left to hear it: no log for that."""
    if not isinstance(context.get("exception"), asyncio.CancelledError):
        loop.default_exception_handler(context)


async def fan_out(engine: Engine, content: ContentLibrary, api: FlakyApi,
                  clock: VirtualClock) -> list[datetime]:
    kills: list[datetime] = []
    thresholds = iter(KILL_AFTER)
    time_goes_on = asyncio.create_task(clock.run())
    asyncio.get_running_loop().set_exception_handler(quiet_about_the_killed)
    try:
        while True:
            api.kill_at, api.killed = next(thresholds, None), asyncio.Event()
            if not await run_until_killed(new_sender(engine, content, api, clock), api, clock):
                return kills
            kills.append(clock.now())
    finally:
        time_goes_on.cancel()


def stored(engine: Engine) -> dict[int, tuple[str, datetime]]:
    with engine.connect() as conn:
        rows = conn.execute(select(User.telegram_id, ReminderDelivery.status,
                                   ReminderDelivery.attempted_at)
                            .join(ReminderDelivery, ReminderDelivery.user_id == User.id)).all()
    return {int(chat): (str(status), at.replace(tzinfo=at.tzinfo or UTC))
            for chat, status, at in rows}


async def test_fan_out_with_kills_and_5xx_loses_nothing_repeats_nothing_and_keeps_the_rate(
        engine: Engine, content: ContentLibrary) -> None:
    chats = populate(engine, REMINDERS)
    clock = VirtualClock(datetime.now(UTC))
    api = FlakyApi(clock)

    kills = await fan_out(engine, content, api, clock)

    assert len(kills) == len(KILL_AFTER)
    arrivals, rows = api.arrivals, stored(engine)
    assert {chat: n for chat, n in arrivals.delivered.items() if n > 1} == {}
    never = [chat for chat in chats if arrivals.delivered[chat] == 0]
    assert [(chat, rows[chat][0]) for chat in never if rows[chat][0] != "unknown"] == []
    # Those never delivered were going out when their sender died: at most once, not resent.
    assert [chat for chat in never
            if not any(timedelta(0) <= kill - rows[chat][1] <= UNDER_WAY for kill in kills)] == []
    assert len(never) <= len(kills) * SEND_CONCURRENCY
    counts = Counter(status for status, _ in rows.values())
    assert counts["failed"] == counts["claimed"] == counts["skipped"] == 0
    # Delivered but stored "unknown": its sender died between the request and the record.
    unrecorded = [chat for chat in chats if arrivals.delivered[chat] and rows[chat][0] != "sent"]
    assert {rows[chat][0] for chat in unrecorded} <= {"unknown"}
    assert len(unrecorded) <= len(kills) * SEND_CONCURRENCY
    assert arrivals.refused > 0  # the 5xx did happen, and were ridden out
    assert arrivals.most_in_any_window(1.0) <= RATE
    # Paced, not bunched: the fan-out took at least as long as the rate allows.
    assert clock.time() >= (REMINDERS - len(never)) / RATE - 1
    # What an operator sees agrees with what the API received.
    assert reminder_status(engine, clock.now()).deliveries["sent"] == counts["sent"]
