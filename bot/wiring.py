"""The composition root: settings in, a ready conversation service (and its engine) out."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError

from bot.config import Settings
from bot.content.checks import check_content
from bot.content.library import ContentLibrary
from bot.db import migrate
from bot.db.engine import DatabaseConfigError, make_engine, safe_url
from bot.domain.catalog import Catalog
from bot.paths import content_dir
from bot.services.conversation import ConversationService
from bot.services.zones import GeoZoneResolver


class StartupError(Exception):
    """A problem an operator can fix; the message is one line meant for them."""


@dataclass
class Core:
    engine: Engine
    content: ContentLibrary
    conversation: ConversationService


def load_content() -> tuple[ContentLibrary, Catalog]:
    content = ContentLibrary(content_dir())
    catalog = check_content(content)
    content.add_labels({f"exercise.{e.id}": e.name for e in catalog.exercises.values()})
    return content, catalog


def connect(settings: Settings) -> Engine:
    try:
        engine = make_engine(settings.database_url)
    except DatabaseConfigError as exc:
        raise StartupError(str(exc)) from None
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
        raise StartupError(f"Cannot reach the database at {safe_url(engine)}: {reason}") from None
    return engine


def build_core(settings: Settings, upgrade_schema: bool = True) -> Core:
    content, catalog = load_content()
    engine = connect(settings)
    if upgrade_schema:
        migrate.upgrade(engine)
    service = ConversationService(engine, content, GeoZoneResolver(), catalog=catalog)
    return Core(engine, content, service)
