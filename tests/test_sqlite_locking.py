"""SQLite and its one writer: reads never queue behind a write; units of work that read and then
write wait their turn instead of failing half-way with "database is locked"."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, event, func, insert, select
from sqlalchemy.orm import Session

from bot.db import migrate
from bot.db.engine import make_engine
from bot.db.models import User


@pytest.fixture
def sqlite(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'locking.db'}")
    migrate.upgrade(engine)
    yield engine
    engine.dispose()


def users(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(User)).scalar_one())


def test_reads_go_ahead_while_another_transaction_holds_the_write_lock(sqlite: Engine) -> None:
    with sqlite.begin() as writer:
        writer.execute(insert(User).values(telegram_id=1, name="", active=True))
        # Still uncommitted: the write lock is held. A read that wanted it would wait out the
        # busy timeout and fail with "database is locked".
        assert users(sqlite) == 0
        with Session(sqlite) as session:
            assert session.scalars(select(User.telegram_id)).all() == []
    assert users(sqlite) == 1


def test_two_units_of_work_that_read_then_write_both_succeed_in_turn(sqlite: Engine) -> None:
    started = threading.Event()
    errors: list[Exception] = []

    def trace(dbapi_connection: sqlite3.Connection, _record: object) -> None:
        # The moment the second unit of work sends its first statement (its BEGIN).
        dbapi_connection.set_trace_callback(lambda _sql: started.set())

    def second() -> None:
        try:
            with sqlite.begin() as conn:
                seen = conn.execute(select(func.count()).select_from(User)).scalar_one()
                conn.execute(insert(User).values(telegram_id=100 + seen, name="", active=True))
        except Exception as exc:  # noqa: BLE001 - handed to the test thread
            errors.append(exc)

    with sqlite.begin() as first:
        seen = first.execute(select(func.count()).select_from(User)).scalar_one()
        event.listen(sqlite, "connect", trace)
        thread = threading.Thread(target=second)
        thread.start()
        assert started.wait(10)
        first.execute(insert(User).values(telegram_id=100 + seen, name="", active=True))
    thread.join(30)
    event.remove(sqlite, "connect", trace)
    assert errors == []
    with sqlite.connect() as conn:
        ids = conn.execute(select(User.telegram_id).order_by(User.telegram_id)).scalars().all()
    assert ids == [100, 101]  # the second read saw the first write: it waited for it


def test_each_way_of_opening_a_transaction_tells_sqlite_whether_it_will_write(
        sqlite: Engine) -> None:
    sent: list[str] = []

    def trace(dbapi_connection: sqlite3.Connection, _record: object) -> None:
        dbapi_connection.set_trace_callback(sent.append)

    sqlite.dispose()  # fresh connections, traced from their first statement
    event.listen(sqlite, "connect", trace)
    count = select(func.count()).select_from(User)

    def first_statement(run: object) -> str:
        sent.clear()
        assert callable(run)
        run()
        return sent[0]

    def core_write() -> None:
        with sqlite.begin() as conn:
            conn.execute(count)

    def core_read() -> None:
        with sqlite.connect() as conn:
            conn.execute(count)

    def orm_write() -> None:
        with Session(sqlite) as session, session.begin():
            session.execute(count)

    def orm_read() -> None:
        with Session(sqlite) as session:
            session.execute(count)

    def orm_on_a_connection() -> None:
        with sqlite.connect() as conn, Session(bind=conn) as session:
            session.execute(count)

    assert first_statement(core_write) == "BEGIN IMMEDIATE"
    assert first_statement(orm_write) == "BEGIN IMMEDIATE"
    assert first_statement(core_read) == "BEGIN"
    assert first_statement(orm_read) == "BEGIN"
    assert first_statement(orm_on_a_connection) == "BEGIN"
