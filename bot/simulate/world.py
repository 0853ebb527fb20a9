"""Builds the app for one simulated journey: the real services on a database, our clock."""

from __future__ import annotations

import asyncio
from datetime import date, datetime

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from bot.content.library import ContentLibrary
from bot.db import dialogues
from bot.db.models import ReminderSchedule, User
from bot.domain.catalog import Catalog
from bot.domain.dialogue.plan import plan_for
from bot.domain.model import CoachKit, parse_button_data
from bot.domain.week import PlanItem, today
from bot.services import feedback
from bot.services.conversation import ConversationService, Sender
from bot.services.reminders import ReminderService
from bot.services.zones import GeoZoneResolver
from bot.simulate.journal import Change, DayEntry, Item
from bot.simulate.journey import Captured, SimClock, World
from bot.simulate.runner import Hands, Sent
from bot.wiring import compose

RUNNER_ID = 4242


def build_world(engine: Engine, content: ContentLibrary, catalog: Catalog,
                clock: SimClock) -> World:
    captured = Captured()
    service, reminders = compose(engine, content, catalog, GeoZoneResolver(), captured,
                                 clock=clock)
    hands = Hands(service, Sender(RUNNER_ID, "Sim"), clock, parse_button_data)
    loop = asyncio.new_event_loop()
    return World(hands, clock, captured, lambda: _tick(loop, reminders),
                  lambda: _next_due(engine), LegacyInspector(engine, service, catalog),
                  lambda: _user_id(engine))


def _tick(loop: asyncio.AbstractEventLoop, reminders: ReminderService) -> None:
    loop.run_until_complete(reminders.tick())


def _next_due(engine: Engine) -> datetime | None:
    with Session(engine) as db:
        return db.scalar(select(func.min(ReminderSchedule.next_due_at)))


def _user_id(engine: Engine) -> int | None:
    with Session(engine) as db:
        return db.scalar(select(User.id).where(User.telegram_id == RUNNER_ID))


class LegacyInspector:
    """Reads today's plan shape (before the slot model) for the journal."""

    def __init__(self, engine: Engine, service: ConversationService, catalog: Catalog) -> None:
        self.engine = engine
        self.service = service
        self.catalog = catalog
        self.seen: set[tuple[str, str]] = set()

    def day(self, user_id: int, day: date) -> DayEntry:
        kit, stored = self._kit()
        if kit is None:
            return DayEntry.empty(day)
        planned = today(plan_for(stored.answers, kit), day)
        items = [self._item(i) for i in planned.items]
        return DayEntry(day, kind=planned.kind, items=items)

    def _kit(self) -> tuple[CoachKit | None, dialogues.StoredDialogue]:
        with self.engine.connect() as conn:
            stored = dialogues.load(conn, RUNNER_ID)
        return self.service._coach_kit(stored, self.service.clock()), stored

    def _item(self, item: object) -> Item:
        assert isinstance(item, PlanItem)
        exercise = self.catalog.exercise(item.exercise)
        reps = item.dose.reps
        return Item(exercise.id, item.block, item.block, exercise.motions[0]
                    if exercise.motions else "mixed", "strength",
                    {"before": "before_run", "during": "during_run"}.get(item.phase, "strength"),
                    item.dose.sets, (reps[0], reps[1]) if reps else None, None, None,
                    item.dose.per_side, item.side)

    def close_day(self, user_id: int, day: date, entry: DayEntry, sent: list[Sent]) -> None:
        with Session(self.engine) as db:
            history = feedback.adjustment_history(db, user_id)
        for n, applied in enumerate(history):
            if applied.made_on == day:
                a = applied.adjustment
                entry.changes.append(Change(n + 1, a.kind, a.exercise_id or "",
                                            {"exercise": a.exercise_id},
                                            {"exercise": a.replacement_id}, a.reason.key
                                            if hasattr(a.reason, "key") else str(a.reason),
                                            not applied.undone))


__all__ = ["RUNNER_ID", "build_world"]
