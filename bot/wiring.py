"""The composition root: settings in, a ready conversation service (and its engine) out."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from bot.config import Settings
from bot.content.checks import check_content
from bot.content.library import ContentError, ContentLibrary, RenderedMessage
from bot.content.poses import figure_store_for
from bot.content.safety import add_safety_labels, check_safety_content
from bot.db.engine import DatabaseConfigError, make_engine, parse_database_url, safe_url
from bot.db.models import utc_now
from bot.domain.catalog import Catalog
from bot.domain.model import ZoneResolver
from bot.figures.store import FigureStore
from bot.paths import content_dir
from bot.services.conversation import ConversationService
from bot.services.figures import FigureReplies
from bot.services.reminder_link import (
    Activation,
    PainAbout,
    ReminderGate,
    ReminderLink,
    session_done_on,
)
from bot.services.reminders import (
    DEFAULT_LEASE,
    DEFAULT_RATE_PER_SECOND,
    ReminderService,
    Sender,
    SendError,
)
from bot.services.zones import GeoZoneResolver

BAD_URL = ("DATABASE_URL is not a valid database URL (expected e.g. sqlite:///data/hipcoach.db "
           "or postgresql+psycopg://user@host/db)")


class StartupError(Exception):
    """A problem an operator can fix; the message is one line meant for them."""


@dataclass
class Core:
    engine: Engine
    content: ContentLibrary
    conversation: ConversationService
    reminders: ReminderService


class NoSender:
    """Until a front end that can deliver reminders is attached (the terminal cannot)."""

    async def send(self, chat_id: int, message: RenderedMessage) -> int:
        raise SendError("no reminder sender attached")


def load_content() -> tuple[ContentLibrary, Catalog]:
    content = add_safety_labels(ContentLibrary(content_dir()))
    catalog = check_content(content)
    check_safety_content(content)
    content.add_labels({f"exercise.{e.id}": e.name for e in catalog.exercises.values()})
    return content, catalog


def connect(settings: Settings) -> Engine:
    try:
        engine = make_engine(settings.database_url)
    except DatabaseConfigError as exc:
        raise StartupError(str(exc)) from None
    except ValueError:
        # e.g. a port that is not a number; the message would echo part of the URL.
        raise StartupError(BAD_URL) from None
    except ImportError as exc:
        raise StartupError(f"DATABASE_URL: unsupported database ({exc})") from None
    except OSError as exc:
        raise StartupError(f"Cannot create the folder for the database at "
                           f"{safe_url(parse_database_url(settings.database_url))}: "
                           f"{exc.strerror or exc}") from None
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except DBAPIError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
        raise StartupError(f"Cannot reach the database at {safe_url(engine)}: {reason}") from None
    return engine


def bring_schema_up_to_date(engine: Engine) -> None:
    # Imported here: Alembic takes a while to load, and a start-up that fails early (a bad
    # setting) should say so at once.
    from alembic.util import CommandError

    from bot.db import migrate

    try:
        migrate.upgrade(engine)
    except CommandError as exc:
        # Typically a database already upgraded by a newer hipcoach than this one.
        raise StartupError(f"Cannot bring the database at {safe_url(engine)} up to date: "
                           f"{_first_line(exc)} (is it from a newer hipcoach?)") from None


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def build_core(settings: Settings, upgrade_schema: bool = True) -> Core:
    try:
        content, catalog = load_content()
    except ContentError as exc:
        raise StartupError(f"Content problem: {exc}") from None
    engine = connect(settings)
    if upgrade_schema:
        bring_schema_up_to_date(engine)
    service, reminders = compose(engine, content, catalog, GeoZoneResolver(), NoSender(),
                                 rate_per_second=settings.reminder_rate,
                                 lease=timedelta(seconds=settings.reminder_lease_seconds),
                                 figures=figure_store_for(content_dir(),
                                                                 Path(settings.figure_cache_dir)))
    return Core(engine, content, service, reminders)


def compose(engine: Engine, content: ContentLibrary, catalog: Catalog, zones: ZoneResolver,
            sender: Sender, rate_per_second: float = DEFAULT_RATE_PER_SECOND,
            clock: Callable[[], datetime] = utc_now,
            lease: timedelta = DEFAULT_LEASE, figures: FigureStore | None = None,
            ) -> tuple[ConversationService, ReminderService]:
    """The conversation and the reminder engine over one database, each built whole."""
    add_safety_labels(content)
    reminders = ReminderService(engine, content, sender, activation_for=Activation(engine, catalog),
                                checkin_about=PainAbout(engine, catalog),
                                allowed=ReminderGate(engine),
                                day_done=session_done_on(engine),
                                rate_per_second=rate_per_second, lease=lease, clock=clock)
    link = ReminderLink(engine, reminders, content, clock)
    service = ConversationService(engine, content, zones, catalog, link, clock)
    if figures is not None:
        service.figures = FigureReplies(figures, content, catalog)
    return service, reminders
