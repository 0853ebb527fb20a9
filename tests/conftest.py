"""Shared fixtures: a migrated database on SQLite always, and on PostgreSQL when reachable."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import Engine

from bot.content.exercises import load_catalog
from bot.content.library import ContentLibrary
from bot.db import migrate
from bot.db.engine import make_engine
from bot.domain.catalog import Catalog
from bot.services.conversation import ConversationService
from bot.services.zones import GeoZoneResolver
from bot.telegram.app import build_application
from bot.wiring import NoSender, compose
from tests.support.conversation import Runner, path_to
from tests.support.fake_request import TEST_TOKEN, FakeBotApi
from tests.support.screening import complete
from tests.support.telegram_user import TelegramUser

ROOT = Path(__file__).resolve().parent.parent
POSTGRES_URL = os.environ.get(
    "HIPCOACH_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def postgres_problem() -> str | None:
    """Why PostgreSQL cannot be used for tests, or None when it can."""
    dsn = POSTGRES_URL.replace("postgresql+psycopg://", "postgresql://")
    try:
        with psycopg.connect(dsn, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return f"PostgreSQL is not reachable at {POSTGRES_URL} ({first})"
    return None


@pytest.fixture(scope="session")
def content() -> ContentLibrary:
    return ContentLibrary(ROOT / "content")


@pytest.fixture(scope="session")
def zones() -> GeoZoneResolver:
    return GeoZoneResolver()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database: a fresh SQLite file, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'hipcoach.db'}"
        return
    problem = postgres_problem()
    if problem:
        pytest.skip(problem)
    yield from _postgres_schema()


def _postgres_schema() -> Iterator[str]:
    schema = f"t_{uuid.uuid4().hex[:12]}"
    dsn = POSTGRES_URL.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """A database at the newest schema."""
    engine = make_engine(database_url)
    migrate.upgrade(engine)
    yield engine
    engine.dispose()


# --- a screened runner and a clock the test can move ---------------------------------------

MONDAY_MORNING = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)  # 09:00 in Berlin

# Runs Monday, Wednesday and Saturday at 18:00 in Berlin; speed; a band; 15 minutes.
SCREENED: dict[str, object] = complete({
    "pain": "none", "red_flags": [], "thigh_left": "pass", "thigh_right": "pass",
    "knee_lift": "pass", "goal": "speed", "equipment": ["band"],
    "run_days": ["mon", "wed", "sat"], "run_time": "18:00", "timezone": "Europe/Berlin",
    "minutes": 15,
})
SCREENING = path_to(SCREENED)


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return load_catalog(ROOT / "content")


@pytest.fixture
def content_with_names(catalog: Catalog) -> ContentLibrary:
    content = ContentLibrary(ROOT / "content")
    content.add_labels({f"exercise.{e.id}": e.name for e in catalog.exercises.values()})
    return content


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock(MONDAY_MORNING)


def make_service(engine: Engine, content: ContentLibrary, zones: GeoZoneResolver,
                 catalog: Catalog, clock: Callable[[], datetime]) -> ConversationService:
    """The production composition (bot/wiring.py) with reminders that cannot be delivered."""
    return compose(engine, content, catalog, zones, NoSender(), clock=clock)[0]


@pytest.fixture
def make_runner(engine: Engine, content_with_names: ContentLibrary, zones: GeoZoneResolver,
                catalog: Catalog, clock: Clock) -> Callable[[], Runner]:
    def make() -> Runner:
        return Runner(make_service(engine, content_with_names, zones, catalog, clock))
    return make


@pytest.fixture
def screened(make_runner: Callable[[], Runner]) -> Runner:
    runner = make_runner()
    runner.command("start")
    runner.walk(SCREENING)
    runner.tap("confirm")
    return runner


# --- a Telegram user on PTB's real Application and the in-process fake Bot API ------------

SCREENING_NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)


@pytest.fixture
async def telegram(
    engine: Engine, content_with_names: ContentLibrary, zones: GeoZoneResolver, catalog: Catalog
) -> AsyncIterator[TelegramUser]:
    """The screening over Telegram: PTB's real Application on the in-process fake Bot API."""
    api = FakeBotApi()
    content = content_with_names
    service = make_service(engine, content, zones, catalog, lambda: SCREENING_NOW)
    app = build_application(TEST_TOKEN, "http://bot-api.invalid", service, content,
                            request=api, updates_request=FakeBotApi(api.backend))
    await app.initialize()
    yield TelegramUser(app, api)
    await app.shutdown()
