"""The runner's own data: every row of theirs as one JSON document (/export), or gone (/delete).

A table belongs to a user by a ``user_id`` column, a foreign key to ``users.id``, or a foreign
key to a table that does; so tables added later are covered without a change here.
Every function works inside the caller's transaction and never commits.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Table, delete, select
from sqlalchemy.orm import Session

from bot.db.models import Base, User, utc_now

EXPORT_FORMAT = "hipcoach-export"
EXPORT_VERSION = 1


def _owner_filter(table: Table, user_id: int,
                  seen: frozenset[str] = frozenset()) -> ColumnElement[bool] | None:
    """A filter to one user's rows of any table, or None when the table holds no user data.

    A table belongs to a user by a ``user_id`` column, by a foreign key to ``users.id``, or
    through a foreign key to a table that does; so tables added later are covered too.
    """
    if table.name == User.__tablename__:
        return table.c.id == user_id
    for column in table.columns:
        refers_to_users = any(fk.column.table.name == User.__tablename__ for fk in
                              column.foreign_keys)
        if column.name == "user_id" or refers_to_users:
            return column == user_id
    for fk in table.foreign_keys:
        parent = fk.column.table
        if parent.name in seen or parent is table:
            continue
        parent_filter = _owner_filter(parent, user_id, seen | {table.name})
        if parent_filter is not None:
            return fk.parent.in_(select(fk.column).where(parent_filter))
    return None


def export_user_data(db: Session, user_id: int, now: datetime | None = None) -> dict[str, Any]:
    """All of the user's rows, table by table, as a JSON-ready document."""
    tables: dict[str, list[dict[str, Any]]] = {}
    for table in Base.metadata.sorted_tables:
        owned = _owner_filter(table, user_id)
        if owned is None:
            continue
        key = list(table.primary_key.columns)
        rows = db.execute(select(table).where(owned).order_by(*key)).mappings().all()
        tables[table.name] = [{k: _jsonable(v) for k, v in row.items()} for row in rows]
    return {"format": EXPORT_FORMAT, "version": EXPORT_VERSION, "user_id": user_id,
            "exported_at": _jsonable(now or utc_now()), "tables": tables}


def export_user_json(db: Session, user_id: int, now: datetime | None = None) -> str:
    return json.dumps(export_user_data(db, user_id, now), ensure_ascii=False, indent=1,
                      sort_keys=True)


def delete_user_data(db: Session, user_id: int) -> dict[str, int]:
    """Remove every row of the user from every table; the count removed per table.

    Children go first, so nothing relies on ON DELETE CASCADE being enforced.
    """
    removed: dict[str, int] = {}
    for table in reversed(Base.metadata.sorted_tables):
        owned = _owner_filter(table, user_id)
        if owned is None:
            continue
        result = db.execute(delete(table).where(owned))
        removed[table.name] = int(getattr(result, "rowcount", 0) or 0)
    return removed


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value
