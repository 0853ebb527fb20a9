"""Processed Telegram updates and the replies they owe, in SQLAlchemy Core.

The marker row is what makes an update idempotent: it is inserted in the transaction that
stores the update's effects (or alone, for an update that stores nothing), so a re-delivered
update finds it. Its ``outbox`` holds the Bot API calls still to make; ``sent_at`` marks them
made. A lease lets exactly one process resend an outbox that a crash left behind.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Connection, Table, delete, insert, or_, select, update

from bot.db.models import ProcessedUpdate

PROCESSED = cast(Table, ProcessedUpdate.__table__)

Actions = list[dict[str, Any]]
# Matches DialogueWrite.hooks: work done in the dialogue's transaction.
Hook = Callable[[Connection, int], None]


def record(conn: Connection, update_id: int, user_id: int | None, outbox: Actions,
           at: datetime, lease: timedelta = timedelta(0)) -> None:
    """Marks the update processed; raises IntegrityError when it already was. The lease keeps
    a re-delivery elsewhere from sending the replies while this process is sending them."""
    conn.execute(insert(PROCESSED).values(update_id=update_id, user_id=user_id,
                                          processed_at=at, outbox=outbox or None,
                                          lease_until=at + lease if outbox else None))


def record_hook(update_id: int, outbox: Actions, at: datetime,
                lease: timedelta = timedelta(0)) -> Hook:
    def hook(conn: Connection, user_id: int) -> None:
        record(conn, update_id, user_id, outbox, at, lease)
    return hook


def processed_among(conn: Connection, update_ids: Iterable[int]) -> set[int]:
    ids = list(update_ids)
    if not ids:
        return set()
    rows = conn.execute(select(PROCESSED.c.update_id).where(PROCESSED.c.update_id.in_(ids)))
    return {row.update_id for row in rows}


def claim_unsent(conn: Connection, update_id: int, now: datetime,
                 lease: timedelta) -> Actions | datetime | None:
    """The outbox of a processed update nobody has sent, now leased to the caller; the end of
    another sender's lease while it holds one; None when there is nothing left to send."""
    claimed = conn.execute(
        update(PROCESSED)
        .where(PROCESSED.c.update_id == update_id, PROCESSED.c.sent_at.is_(None),
               PROCESSED.c.outbox.is_not(None),
               or_(PROCESSED.c.lease_until.is_(None), PROCESSED.c.lease_until < now))
        .values(lease_until=now + lease)
    )
    row = conn.execute(select(PROCESSED.c.outbox, PROCESSED.c.sent_at, PROCESSED.c.lease_until)
                       .where(PROCESSED.c.update_id == update_id)).one_or_none()
    if row is None or row.sent_at is not None or row.outbox is None:
        return None
    if claimed.rowcount == 1:
        return list(row.outbox)
    return cast(datetime, row.lease_until)


def mark_sent(conn: Connection, update_ids: Sequence[int], at: datetime) -> None:
    if update_ids:
        conn.execute(update(PROCESSED).where(PROCESSED.c.update_id.in_(list(update_ids)))
                     .values(sent_at=at, outbox=None, lease_until=None))


def prune(conn: Connection, before: datetime) -> int:
    """Forgets updates Telegram can no longer re-deliver (it keeps them for 24 hours)."""
    done = conn.execute(delete(PROCESSED).where(PROCESSED.c.processed_at < before))
    return int(done.rowcount or 0)
