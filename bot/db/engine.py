"""Engines for SQLite (WAL, busy timeout, foreign keys) and PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import Session, sessionmaker

SQLITE_BUSY_TIMEOUT_MS = 5000


class DatabaseConfigError(Exception):
    """DATABASE_URL is malformed or names a driver that is not installed."""


def parse_database_url(raw: str) -> URL:
    try:
        url = make_url(raw)
    except ArgumentError:
        raise DatabaseConfigError(
            "DATABASE_URL is not a valid database URL (expected e.g. sqlite:///data/hipcoach.db "
            "or postgresql+psycopg://user@host/db)"
        ) from None
    if url.drivername == "postgresql" or url.drivername == "postgres":
        url = url.set(drivername="postgresql+psycopg")
    return url


def make_engine(raw_url: str, **kwargs: Any) -> Engine:
    url = parse_database_url(raw_url)
    if url.get_backend_name() == "sqlite":
        return _sqlite_engine(url, **kwargs)
    try:
        return create_engine(url, pool_pre_ping=True, **kwargs)
    except (ArgumentError, ImportError) as exc:
        raise DatabaseConfigError(f"DATABASE_URL: unsupported database ({exc})") from None


def _sqlite_engine(url: URL, **kwargs: Any) -> Engine:
    if url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, **kwargs)
    event.listen(engine, "connect", _sqlite_pragmas)
    event.listen(engine, "begin", _begin_immediate)
    return engine


def _begin_immediate(connection: Any) -> None:
    """Take the write lock up front, so a read-then-write can't be overtaken by another process."""
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Hand transaction control to SQLAlchemy's "begin" event (pysqlite's own is lazy).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    # WAL with synchronous=NORMAL is durable across application crashes, and much faster.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def safe_url(engine_or_url: Engine | URL) -> str:
    url = engine_or_url.url if isinstance(engine_or_url, Engine) else engine_or_url
    return url.render_as_string(hide_password=True)
