"""Engines for SQLite (WAL, busy timeout, foreign keys) and PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import Session, SessionTransaction, sessionmaker
from sqlalchemy.orm.session import SessionTransactionOrigin

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
    engine._connection_cls = _SqliteConnection
    event.listen(engine, "connect", _sqlite_pragmas)
    event.listen(engine, "begin", _note_begin)
    event.listen(engine, "before_cursor_execute", _emit_begin)
    event.listen(engine, "commit", _forget_begin)
    event.listen(engine, "rollback", _forget_begin)
    return engine


# How a transaction starts on SQLite, decided by how the code asked for it:
# - ``engine.begin()`` / ``session.begin()`` (an explicit begin) is a unit of work that may read
#   and then write: ``BEGIN IMMEDIATE`` takes the write lock up front, so it waits its turn
#   (busy_timeout) instead of failing half-way with "database is locked" when another process
#   wrote after its first read.
# - ``engine.connect()`` or a ``Session`` used without ``begin()`` (autobegin) only reads: a
#   deferred ``BEGIN`` never takes the write lock, so readers never queue behind the reminder
#   worker or the bot's writes (WAL lets them read alongside a writer).
# The BEGIN itself is sent just before the first statement, once the ORM has said how its
# transaction started (its ``after_begin`` hook runs after the connection's ``begin``).
_BEGIN = "hipcoach_begin"
_WRITE, _READ = "BEGIN IMMEDIATE", "BEGIN"


class _SqliteConnection(Connection):
    _autobeginning = False

    def _autobegin(self) -> None:
        self._autobeginning = True
        try:
            super()._autobegin()
        finally:
            self._autobeginning = False


def _note_begin(connection: Connection) -> None:
    # A connection of another class (from an ``engine.execution_options()`` copy) cannot tell
    # an autobegin apart, so it takes the write lock as before: slower, never wrong.
    autobegun = isinstance(connection, _SqliteConnection) and connection._autobeginning
    connection.info[_BEGIN] = _READ if autobegun else _WRITE


@event.listens_for(Session, "after_begin")
def _session_began(session: Session, transaction: SessionTransaction,
                   connection: Connection) -> None:
    root = transaction
    while root.parent is not None:
        root = root.parent
    if root.origin is SessionTransactionOrigin.AUTOBEGIN and _BEGIN in connection.info:
        connection.info[_BEGIN] = _READ


def _emit_begin(connection: Connection, cursor: Any, _statement: str, _parameters: Any,
                _context: Any, _executemany: bool) -> None:
    begin = connection.info.pop(_BEGIN, None)
    if begin is not None:
        cursor.execute(begin)


def _forget_begin(connection: Connection) -> None:
    connection.info.pop(_BEGIN, None)


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
