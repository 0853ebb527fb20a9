"""``hipcoach worker`` processes on one database, started, killed and replaced by a test or a
benchmark, and the runners they send to."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, insert

from bot.db.models import ReminderSchedule, User

ROOT = Path(__file__).resolve().parent.parent.parent
TOKEN = "123456:FLEET-TEST"
GIVE_UP = 600.0  # a hang fails after this long; nothing is timed
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

    def kill(self, worker: Worker) -> datetime:
        worker.proc.send_signal(signal.SIGKILL)
        worker.proc.wait()
        return datetime.now(UTC)

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


def worker_env(base_url: str, database_url: str, rate: int, lease_seconds: float
               ) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("TELEGRAM_", "HIPCOACH_", "REMINDER_"))
           and k not in ("DATABASE_URL", "LOG_LEVEL", "PYTHONPATH")}
    env.update(PYTHONPATH=str(ROOT), HIPCOACH_HOME=str(ROOT), TELEGRAM_BOT_TOKEN=TOKEN,
               TELEGRAM_BASE_URL=base_url, DATABASE_URL=database_url, LOG_LEVEL="INFO",
               REMINDER_RATE=str(rate), REMINDER_TICK_SECONDS="1",
               REMINDER_LEASE_SECONDS=str(lease_seconds))
    return env
