"""Reminder workers as real processes, killed mid fan-out, against a Bot API double over HTTP
that answers 3% of sends with a 5xx. Measured at the double: no reminder lost, none sent twice,
never more than the configured rate in any one-second window.

What "lost" means here: a runner the API never delivered a reminder to. A worker killed with a
request under way leaves that delivery ``unknown`` (it may have arrived; at most once means it
is never resent): those are counted apart, and there can be no more of them than kills.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, insert, select

from bot.db import migrate
from bot.db.engine import make_engine
from bot.db.models import ReminderDelivery, ReminderSchedule, User
from tests.conftest import _postgres_schema, postgres_problem
from tests.support.fault_bot_api import FaultyBackend
from tests.support.http_bot_api import HttpBotApiDouble

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "123456:FAULT-TEST"
REMINDERS = 2000
RATE = 30
SERVER_ERROR_RATE = 0.03
KILL_AFTER = (300, 900, 1500)  # messages delivered when the sending worker is SIGKILLed
LEASE_SECONDS = 5
GIVE_UP = 600.0  # a hang fails the test after this long; nothing is timed
LEADS = "this process now sends reminders"


@dataclass
class Worker:
    proc: subprocess.Popen[bytes]
    log: Path

    def alive(self) -> bool:
        return self.proc.poll() is None

    def leads(self) -> bool:
        return LEADS in self.log.read_text(encoding="utf-8", errors="replace")


class Fleet:
    """``hipcoach worker`` processes on one database; dead ones are replaced."""

    def __init__(self, folder: Path, env: dict[str, str]) -> None:
        self.folder, self.env = folder, env
        self.workers: list[Worker] = []

    def start(self) -> Worker:
        log = self.folder / f"worker-{len(self.workers)}.log"
        with log.open("wb") as out:
            proc = subprocess.Popen([sys.executable, "-m", "bot", "worker"], cwd=self.folder,
                                    env=self.env, stdin=subprocess.DEVNULL,
                                    stdout=subprocess.DEVNULL, stderr=out)
        worker = Worker(proc, log)
        self.workers.append(worker)
        return worker

    def live(self) -> list[Worker]:
        return [w for w in self.workers if w.alive()]

    def sender(self, elected: bool) -> Worker:
        """The worker sending right now (on PostgreSQL the elected one)."""
        deadline = time.monotonic() + GIVE_UP
        while True:
            live = self.live()
            found = [w for w in live if w.leads()] if elected else live
            if found:
                return found[-1]
            assert time.monotonic() < deadline, "no worker took over sending"
            time.sleep(0.05)

    def kill(self, worker: Worker) -> None:
        worker.proc.send_signal(signal.SIGKILL)
        worker.proc.wait()

    def stop(self) -> list[str]:
        """SIGTERM every live worker; returns the logs of those that did not stop cleanly."""
        for worker in self.live():
            worker.proc.terminate()
        bad = []
        for worker in self.live() + [w for w in self.workers if w.proc.returncode not in
                                     (None, 0, -signal.SIGKILL)]:
            try:
                code = worker.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                worker.proc.kill()
                code = worker.proc.wait()
            if code != 0:
                bad.append(worker.log.read_text(encoding="utf-8", errors="replace"))
        return bad


def populate(engine: Engine, count: int) -> list[int]:
    """``count`` runners, each with a pre-run reminder due now and the run an hour away."""
    now = datetime.now(UTC)
    chats = [1_000_000 + n for n in range(count)]
    with engine.begin() as conn:
        ids = conn.execute(insert(User).returning(User.id), [
            {"telegram_id": chat, "name": "", "active": True} for chat in chats
        ]).scalars().all()
        conn.execute(insert(ReminderSchedule), [
            {"user_id": user_id, "kind": "pre_run", "zone": "Europe/Berlin",
             "local_time": "18:00", "days": ["mon", "thu"], "lead_minutes": 45,
             "quiet_start": None, "quiet_end": None, "skipped_dates": [],
             "next_due_at": now - timedelta(seconds=1), "run_at": now + timedelta(hours=1),
             "occurrence_key": f"{now.date().isoformat()}:pre_run"} for user_id in ids])
    return chats


def settled(engine: Engine) -> bool:
    """Every reminder has its outcome stored and its schedule moved on."""
    now = datetime.now(UTC)
    with engine.connect() as conn:
        done = conn.execute(select(func.count()).select_from(ReminderDelivery)
                            .where(ReminderDelivery.status != "claimed")).scalar_one()
        due = conn.execute(select(func.count()).select_from(ReminderSchedule)
                           .where(ReminderSchedule.next_due_at <= now)).scalar_one()
    return done == REMINDERS and due == 0


def wait_settled(engine: Engine) -> None:
    deadline = time.monotonic() + GIVE_UP
    while not settled(engine):
        assert time.monotonic() < deadline, "the reminders never all got an outcome"
        time.sleep(0.2)


def statuses(engine: Engine) -> dict[int, str]:
    with engine.connect() as conn:
        rows = conn.execute(select(User.telegram_id, ReminderDelivery.status)
                            .join(ReminderDelivery, ReminderDelivery.user_id == User.id)).all()
    return {int(chat): str(status) for chat, status in rows}


def worker_env(base_url: str, database_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("TELEGRAM_", "HIPCOACH_", "REMINDER_"))
           and k not in ("DATABASE_URL", "LOG_LEVEL", "PYTHONPATH")}
    env.update(PYTHONPATH=str(ROOT), HIPCOACH_HOME=str(ROOT), TELEGRAM_BOT_TOKEN=TOKEN,
               TELEGRAM_BASE_URL=base_url, DATABASE_URL=database_url, LOG_LEVEL="INFO",
               REMINDER_RATE=str(RATE), REMINDER_TICK_SECONDS="1",
               REMINDER_LEASE_SECONDS=str(LEASE_SECONDS))
    return env


@pytest.fixture(params=[
    pytest.param(("sqlite", 1), id="sqlite-1-worker"),
    pytest.param(("postgres", 2), id="postgres-2-workers", marks=pytest.mark.postgres),
    pytest.param(("postgres", 4), id="postgres-4-workers", marks=pytest.mark.postgres),
])
def setup(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, int]]:
    kind, workers = request.param
    if kind == "sqlite":
        yield f"sqlite:///{tmp_path / 'faults.db'}", workers
        return
    problem = postgres_problem()
    if problem:
        pytest.skip(problem)
    for url in _postgres_schema():
        yield url, workers


def test_killed_workers_and_5xx_lose_nothing_repeat_nothing_and_keep_the_rate(
        setup: tuple[str, int], tmp_path: Path) -> None:
    database_url, size = setup
    engine = make_engine(database_url)
    migrate.upgrade(engine)
    chats = populate(engine, REMINDERS)
    backend = FaultyBackend(SERVER_ERROR_RATE)
    elected = size > 1
    with HttpBotApiDouble(backend=backend) as api:
        fleet = Fleet(tmp_path, worker_env(api.base_url, database_url))
        try:
            for _ in range(size):
                fleet.start()
            for threshold in KILL_AFTER:
                backend.wait_delivered(threshold, GIVE_UP)
                fleet.kill(fleet.sender(elected))
                fleet.start()  # a supervisor brings it back; the lease hands its claims on
            wait_settled(engine)
        finally:
            failed_logs = fleet.stop()
    arrivals = backend.snapshot()
    stored = statuses(engine)
    engine.dispose()

    assert failed_logs == []
    duplicates = {chat: n for chat, n in arrivals.delivered.items() if n > 1}
    assert duplicates == {}
    never = [chat for chat in chats if arrivals.delivered[chat] == 0]
    lost = [(chat, stored.get(chat)) for chat in never if stored.get(chat) != "unknown"]
    assert lost == []
    assert len(never) <= len(KILL_AFTER)  # only a request under way as its worker died
    assert Counter(stored.values())["failed"] == 0
    assert arrivals.refused > 0  # the 5xx did happen, and were ridden out
    assert arrivals.most_in_any_window(1.0) <= RATE
