"""Reminder settings survive SIGKILLs: real ``hipcoach run`` processes, killed while runners
change their reminders, lose no acknowledged change and no reply.

Four screened runners each send /quiet, /nudge, Snooze, "Not running today", /pause and a
/settings change of their run time, one after another, each waiting for its reply. Meanwhile
the bot is SIGKILLed three times and started again. After each reply the test reads the
reminder schedule: the change it confirms is there. At the end every reply has arrived, and a
reply arrived twice only when its update was one a kill caught between the Bot API's answer
and the record that it was sent (sending is at least once: Telegram has no idempotent send).
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Connection, Engine, Table, insert, select
from sqlalchemy.orm import Session

from bot.db import migrate
from bot.db.engine import make_engine
from bot.db.models import Base, ProcessedUpdate, ReminderDelivery, ReminderSchedule, User
from bot.services.conversation import Sender
from bot.services.zones import GeoZoneResolver
from bot.wiring import NoSender, compose, load_content
from tests.support.bot_process import Bot, ChatUser, bot_env, turn_of
from tests.support.buttons import matches
from tests.support.conversation import ANSWERS, HAPPY_PATH, Runner
from tests.support.fake_request import ApiCall, callback_update, command_update, message_update
from tests.support.http_bot_api import HttpBotApiDouble

pytestmark = pytest.mark.slow

WAIT = 120.0
RUNNERS = 4
FIRST_ID = 7601
ZONE = ZoneInfo(str(ANSWERS["timezone"]))
# Replies seen by all runners together when each SIGKILL comes.
KILL_AT = (6, 17, 30)
# The reminder message whose buttons a runner presses: the double never sent it, so an edit
# of it fails (and the bot sends its reply as a new message instead).
REMINDER_MESSAGE = 10**6

Check = Callable[[dict[str, ReminderSchedule], datetime, datetime], None]


# --- four screened runners, with a pre-run reminder just sent --------------------------------


def seed(engine: Engine, zones: GeoZoneResolver, ids: list[int]) -> None:
    """Screens the first runner through the real service, copies them to the others (a
    screening costs seconds of CPU; a copy costs nothing), and records for each a pre-run
    reminder sent a moment ago, so that Snooze has something to snooze."""
    migrate.upgrade(engine)
    content, catalog = load_content()
    service = compose(engine, content, catalog, zones, NoSender())[0]
    first = Runner(service, Sender(ids[0], "Ana", "en"))
    first.command("start")
    first.walk(HAPPY_PATH)
    first.tap("confirm")
    with engine.begin() as conn:
        source = conn.execute(select(User.id).where(User.telegram_id == ids[0])).scalar_one()
        for telegram_id in ids[1:]:
            _copy_runner(conn, source, telegram_id)
    now = datetime.now(UTC)
    with Session(engine) as db, db.begin():
        for user_id in db.scalars(select(User.id)):
            db.add(ReminderDelivery(
                user_id=user_id, kind="pre_run", status="sent",
                occurrence_key=f"{now.astimezone(ZONE).date().isoformat()}:pre_run",
                run_at=now + timedelta(hours=3), attempted_at=now, sent_at=now))


def _copy_runner(conn: Connection, source: int, telegram_id: int) -> None:
    users = Base.metadata.tables["users"]
    row = dict(conn.execute(select(users).where(users.c.id == source)).mappings().one())
    row.pop("id")
    new_id = conn.execute(insert(users).values({**row, "telegram_id": telegram_id})
                          ).inserted_primary_key[0]
    for table in Base.metadata.sorted_tables:
        if "user_id" in table.c and table.name != "processed_updates":
            _copy_rows(conn, table, source, new_id)


def _copy_rows(conn: Connection, table: Table, source: int, user_id: int) -> None:
    rows = [{**{k: v for k, v in r.items() if k != "id"}, "user_id": user_id}
            for r in conn.execute(select(table).where(table.c.user_id == source)).mappings()]
    if rows:
        conn.execute(insert(table), rows)


# --- what each runner does, and what the schedule must say after each reply -----------------


@dataclass
class Step:
    """One update and the words that identify its reply (unique per runner)."""

    make: Callable[[ChatUser], dict[str, Any]]
    reply: str
    check: Check | None = None
    keyboard: bool = False  # the next step taps a button of this reply's keyboard
    update_id: int = 0
    copies: int = 0


def text(words: str) -> Callable[[ChatUser], dict[str, Any]]:
    make = command_update if words.startswith("/") else message_update
    return lambda user: dict(make(0, user.user_id, words, "Ana"))


def reminder_button(action: str) -> Callable[[ChatUser], dict[str, Any]]:
    return lambda user: dict(callback_update(
        0, user.user_id, f"0|r:{action}", REMINDER_MESSAGE, first_name="Ana",
        callback_id=f"r-{user.user_id}-{action}"))


def tap(value: str) -> Callable[[ChatUser], dict[str, Any]]:
    """The button on the keyboard that offers it: after a kill, a re-delivered older reply
    may be the newest keyboard on screen, and a runner taps the one they mean."""
    def make(user: ChatUser) -> dict[str, Any]:
        offering = user.double.wait_for(
            lambda c: c.is_for_chat(user.user_id) and turn_of(c) >= 0 and any(
                matches(str(b.get("callback_data", "")), value) for b in c.inline_buttons()),
            timeout=WAIT)
        return user.press(value, offering)[0]
    return make


def rows_all(check: Callable[[ReminderSchedule], bool]) -> Check:
    def checked(rows: dict[str, ReminderSchedule], _sent: datetime, _got: datetime) -> None:
        assert rows
        assert all(check(r) for r in rows.values()), {k: vars(r) for k, r in rows.items()}
    return checked


def kind(name: str, check: Callable[[ReminderSchedule], bool]) -> Check:
    def checked(rows: dict[str, ReminderSchedule], _sent: datetime, _got: datetime) -> None:
        assert check(rows[name]), vars(rows[name])
    return checked


def paused_for(days: int) -> Check:
    def checked(rows: dict[str, ReminderSchedule], sent: datetime, got: datetime) -> None:
        for row in rows.values():
            assert row.paused_until is not None
            assert sent + timedelta(days=days) <= row.paused_until <= got + timedelta(days=days)
    return checked


def skipped_today(rows: dict[str, ReminderSchedule], sent: datetime, got: datetime) -> None:
    days = {sent.astimezone(ZONE).date().isoformat(), got.astimezone(ZONE).date().isoformat()}
    assert days & set(rows["pre_run"].skipped_dates), rows["pre_run"].skipped_dates


def quiet(start: str, end: str) -> Check:
    return rows_all(lambda r: (r.quiet_start, r.quiet_end) == (start, end))


def script(n: int) -> list[Step]:
    pause_days = (2 + n, 9 + n)
    until = [(datetime.now(UTC) + timedelta(days=d)).astimezone(ZONE) for d in pause_days]
    return [
        Step(text(f"/quiet 22:1{n}-06:4{n}"), f"Quiet hours set to 22:1{n}–06:4{n}",
             quiet(f"22:1{n}", f"06:4{n}")),
        Step(text(f"/nudge 17:2{n}"), f"will come at 17:2{n}",
             kind("strength", lambda r, n=n: r.local_time == f"17:2{n}")),
        Step(reminder_button("snooze"), "nudge you again at",
             kind("pre_run", lambda r: str(r.occurrence_key).endswith("#snooze"))),
        Step(reminder_button("not_today"), "No run today, no reminder.", skipped_today),
        Step(text(f"/pause {pause_days[0]}"), f"paused until {until[0]:%a %d %b}",
             paused_for(pause_days[0])),
        Step(text("/settings"), "Pick what to change", keyboard=True),
        Step(tap("run_time"), "What time do you usually head out"),
        Step(text(f"05:4{n}"), f"Got it: 05:4{n}", keyboard=True),
        Step(tap("confirm"), "Saved.",
             kind("pre_run", lambda r, n=n: r.local_time == f"05:4{n}")),
        Step(text(f"/quiet 23:0{n}-07:1{n}"), f"Quiet hours set to 23:0{n}–07:1{n}",
             quiet(f"23:0{n}", f"07:1{n}")),
        Step(text(f"/nudge 16:3{n}"), f"will come at 16:3{n}",
             kind("strength", lambda r, n=n: r.local_time == f"16:3{n}")),
        Step(text(f"/pause {pause_days[1]}"), f"paused until {until[1]:%a %d %b}",
             paused_for(pause_days[1])),
    ]


@dataclass
class Changer:
    """A runner changing their reminders, one step at a time, each after the last reply."""

    user: ChatUser
    engine: Engine
    steps: list[Step]
    done: bool = False
    error: BaseException | None = None
    log: list[str] = field(default_factory=list)

    def run(self) -> None:
        try:
            for step in self.steps:
                self._take(step)
            self.done = True
        except BaseException as exc:  # noqa: BLE001 - the test thread fails on it
            self.error = exc

    def _take(self, step: Step) -> None:
        double, chat = self.user.double, self.user.user_id
        since, sent = double.mark(), datetime.now(UTC)
        step.update_id = double.push(step.make(self.user), renumber=True)
        found = double.wait_for(lambda c: c.is_for_chat(chat) and step.reply in (c.text or ""),
                                timeout=WAIT, since=since)
        self.user.seen.add(str(found.text))
        if step.keyboard:  # the buttons may come in a message of their own
            double.wait_for(lambda c: c.is_for_chat(chat) and turn_of(c) >= 0, timeout=WAIT,
                            since=since)
        if step.check is not None:  # acknowledged: the change is in the schedule now
            step.check(schedules(self.engine, chat), sent, datetime.now(UTC))


def schedules(engine: Engine, telegram_id: int) -> dict[str, ReminderSchedule]:
    with Session(engine, expire_on_commit=False) as db:
        rows = db.scalars(select(ReminderSchedule).join(User, User.id == ReminderSchedule.user_id)
                          .where(User.telegram_id == telegram_id)).all()
        db.expunge_all()
    return {r.kind: r for r in rows}


def unsent_updates(engine: Engine) -> set[int]:
    """Updates stored with replies not yet recorded as sent (a re-delivery sends them)."""
    with engine.connect() as conn:
        return set(conn.execute(select(ProcessedUpdate.update_id).where(
            ProcessedUpdate.sent_at.is_(None), ProcessedUpdate.outbox.is_not(None))).scalars())


def replies(double: HttpBotApiDouble) -> int:
    return sum(1 for c in double.calls if c.method == "sendMessage"
               and FIRST_ID <= int(str(c.params.get("chat_id", 0))) < FIRST_ID + RUNNERS)


# --- the test ---------------------------------------------------------------------------------


@pytest.fixture
def seeded(database_url: str, zones: GeoZoneResolver) -> Iterator[Engine]:
    engine = make_engine(database_url)
    seed(engine, zones, [FIRST_ID + n for n in range(RUNNERS)])
    yield engine
    engine.dispose()


def test_killed_bots_lose_no_reminder_change_and_no_reply(
        tmp_path: Path, database_url: str, seeded: Engine) -> None:
    with HttpBotApiDouble() as double:
        env = bot_env(double, database_url)
        changers = [Changer(ChatUser(double, FIRST_ID + n, wait=WAIT), seeded, script(n))
                    for n in range(RUNNERS)]
        bots = [Bot(env, tmp_path, "bot-1").start()]
        threads = [threading.Thread(target=c.run, daemon=True) for c in changers]
        for thread in threads:
            thread.start()
        caught: set[int] = set()  # updates a kill caught with replies not recorded as sent
        for kill_at in KILL_AT:
            double.wait_for(lambda _c, n=kill_at: replies(double) >= n, timeout=WAIT)
            assert bots[-1].stop(signal.SIGKILL) == -signal.SIGKILL
            caught |= unsent_updates(seeded)
            bots.append(Bot(env, tmp_path, f"bot-{len(bots) + 1}").start())
        for thread in threads:
            thread.join(WAIT)
        failed = [(c.user.user_id, c.error) for c in changers if not c.done]
        assert not failed, (failed, "\n".join(b.output() for b in bots))
        last = max(s.update_id for c in changers for s in c.steps)
        double.wait_for(lambda c: c.method == "getUpdates"
                        and int(str(c.params.get("offset", 0))) > last, timeout=WAIT)
        assert bots[-1].stop() == 0, bots[-1].output()
        calls = double.calls

    for changer in changers:
        for step in changer.steps:
            step.copies = _copies(calls, changer.user.user_id, step.reply)
            assert step.copies >= 1
            assert step.copies == 1 or step.update_id in caught, (
                step.reply, step.copies, step.update_id, caught,
                [(c.method, c.params.get("message_id"), c.text) for c in calls
                 if c.is_for_chat(changer.user.user_id) and step.reply in (c.text or "")])
        n = changer.user.user_id - FIRST_ID  # the last word of each setting stays
        final = schedules(seeded, changer.user.user_id)
        assert (final["pre_run"].local_time, final["strength"].local_time) == (
            f"05:4{n}", f"16:3{n}")
        assert (final["pre_run"].quiet_start, final["pre_run"].quiet_end) == (
            f"23:0{n}", f"07:1{n}")
    for bot in bots:
        assert "Traceback" not in bot.output(tail=10**8)


def _copies(calls: list[ApiCall], chat: int, words: str) -> int:
    """How often the runner saw these words: sent, or edited into a message they have."""
    return sum(1 for c in calls if c.is_for_chat(chat) and words in (c.text or "") and (
        c.method == "sendMessage" or (c.method == "editMessageText"
                                      and c.params.get("message_id") != REMINDER_MESSAGE)))

