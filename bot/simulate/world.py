"""Builds the app for one simulated journey: the real services on a database, our clock."""

from __future__ import annotations

import asyncio
from datetime import datetime

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from bot.content.ladders import cached_ladders
from bot.content.library import ContentLibrary
from bot.db.models import ReminderSchedule, User
from bot.domain.catalog import Catalog
from bot.domain.model import parse_button_data
from bot.services.conversation import Sender
from bot.services.reminders import ReminderService
from bot.services.zones import GeoZoneResolver
from bot.simulate.journey import Captured, SimClock, World
from bot.simulate.runner import Hands
from bot.simulate.slots import SlotInspector
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
                  lambda: _next_due(engine),
                  SlotInspector(engine, cached_ladders(content.root), RUNNER_ID),
                  lambda: _user_id(engine))


def _tick(loop: asyncio.AbstractEventLoop, reminders: ReminderService) -> None:
    loop.run_until_complete(reminders.tick())


def _next_due(engine: Engine) -> datetime | None:
    with Session(engine) as db:
        return db.scalar(select(func.min(ReminderSchedule.next_due_at)))


def _user_id(engine: Engine) -> int | None:
    with Session(engine) as db:
        return db.scalar(select(User.id).where(User.telegram_id == RUNNER_ID))


__all__ = ["RUNNER_ID", "build_world"]
