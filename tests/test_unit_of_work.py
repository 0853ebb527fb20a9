"""One event, one transaction: a reminder change commits with the dialogue and the
processed-event record, or not at all; a lost race replays the whole event."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest
from sqlalchemy import Connection, Engine, select
from sqlalchemy.orm import Session

from bot.db.models import ReminderSchedule, User
from bot.domain.model import Command
from bot.services.conversation import Response
from bot.services.reminder_settings import deactivate
from tests.support.conversation import Runner


def schedules(engine: Engine) -> dict[str, ReminderSchedule]:
    with Session(engine) as db:
        rows = db.scalars(select(ReminderSchedule)).all()
        db.expunge_all()
    return {r.kind: r for r in rows}


def test_a_lost_race_replays_the_whole_event_and_the_change_lands_once(
        screened: Runner, make_runner: Callable[[], Runner], engine: Engine,
        caplog: pytest.LogCaptureFixture) -> None:
    """Two processes serve one runner: the first decides on a cached dialogue that the second
    has moved on meanwhile. Its write is refused, nothing of it is kept, and the event is
    replayed on the fresh state: both changes are in the schedule, each reply said once."""
    other = make_runner()
    other.sender = screened.sender
    screened.command("reminders")  # the first process now holds the dialogue in its cache
    other.send_command("pause", "3")  # the second one writes a newer version

    with caplog.at_level(logging.INFO, "bot.services.conversation"):
        screened.send_command("quiet", "22:30-06:30")

    assert "replaying the update" in caplog.text

    rows = schedules(engine)
    assert all((r.quiet_start, r.quiet_end) == ("22:30", "06:30") for r in rows.values())
    assert all(r.paused_until is not None for r in rows.values())
    assert [m.template for m in screened.last] == ["reminder_changed"]


def test_a_failure_in_the_events_transaction_keeps_no_reminder_change(
        screened: Runner, engine: Engine) -> None:
    """The processed-event record fails after the pause was applied in the same transaction
    (as when another process recorded the event first): the pause is gone with it."""
    before = {k: r.paused_until for k, r in schedules(engine).items()}
    event_ids: list[int] = []

    def stamp(response: Response) -> Callable[[Connection, int], None]:
        def record(conn: Connection, user_id: int) -> None:
            event_ids.append(user_id)
            raise RuntimeError("the record could not be written")
        return record

    with pytest.raises(RuntimeError):
        screened.service.handle(screened.sender, Command("pause", "3"), stamp)
    assert event_ids  # the record ran, after the pause, in the one transaction
    assert {k: r.paused_until for k, r in schedules(engine).items()} == before


def test_writing_again_after_blocking_the_bot_re_arms_the_reminders_in_the_same_write(
        screened: Runner, engine: Engine) -> None:
    with Session(engine) as db, db.begin():  # what a 403 from Telegram does to a runner
        deactivate(db, db.scalars(select(User.id)).one())
    assert all(r.next_due_at is None for r in schedules(engine).values())

    screened.command("today")

    armed = schedules(engine)
    assert armed["pre_run"].next_due_at is not None
    assert armed["strength"].next_due_at is not None
