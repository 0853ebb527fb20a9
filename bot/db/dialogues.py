"""The conversation hot path in SQLAlchemy Core: one read per user, batched versioned writes.

Writes carry the version they were computed from. A batch locks the rows it touches, and a
write whose version no longer matches (another process got there first) is reported as a
conflict and changes nothing, so the caller can reload and replay it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Connection, Table, bindparam, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from bot.db.models import DialogueState, PlanVersion, ScreeningAnswer, User

USERS = cast(Table, User.__table__)
DIALOGUES = cast(Table, DialogueState.__table__)
ANSWERS = cast(Table, ScreeningAnswer.__table__)
PLANS = cast(Table, PlanVersion.__table__)


@dataclass(frozen=True)
class StoredPlan:
    """The newest plan version: its number (0: none yet), plan and the progress behind it."""

    number: int = 0
    plan: dict[str, Any] | None = None
    progress: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class NewPlan:
    reason: str
    plan: dict[str, Any]
    progress: dict[str, Any]
    changes: list[str]


@dataclass(frozen=True)
class StoredDialogue:
    """A user's conversation as last read or written. ``version`` 0: no dialogue row yet."""

    user_id: int | None
    version: int
    state: str
    answers: dict[str, Any]
    draft: dict[str, Any]
    turn: int
    active: bool = True
    plan: StoredPlan = StoredPlan()


NEW_USER = StoredDialogue(None, 0, "new", {}, {}, 0)


@dataclass(frozen=True)
class DialogueWrite:
    telegram_id: int
    name: str
    language: str | None
    base: StoredDialogue
    state: str
    answers: dict[str, Any]
    draft: dict[str, Any]
    turn: int
    at: datetime
    new_answers: Sequence[tuple[str, Any]] = ()
    user_changes: dict[str, Any] = field(default_factory=dict)
    new_plan: NewPlan | None = None
    # Further work in the same transaction, given the connection and the user's row id.
    hooks: Sequence[Callable[[Connection, int], None]] = ()
    deletes_user: bool = False
    # Run before ``hooks`` when this write finds the runner marked unreachable (they blocked
    # the bot and wrote again): the same transaction re-arms what being unreachable stopped.
    reactivated_hooks: Sequence[Callable[[Connection, int], None]] = ()

    def stored(self, user_id: int) -> StoredDialogue:
        plan = self.base.plan
        if self.new_plan is not None:
            plan = StoredPlan(plan.number + 1, self.new_plan.plan, self.new_plan.progress)
        return StoredDialogue(user_id, self.base.version + 1, self.state, self.answers,
                              self.draft, self.turn, True, plan)


def load(conn: Connection, telegram_id: int) -> StoredDialogue:
    row = conn.execute(
        select(USERS.c.id, USERS.c.active, DIALOGUES.c.version, DIALOGUES.c.state,
               DIALOGUES.c.answers, DIALOGUES.c.draft, DIALOGUES.c.turn)
        .select_from(USERS.outerjoin(DIALOGUES, DIALOGUES.c.user_id == USERS.c.id))
        .where(USERS.c.telegram_id == telegram_id)
    ).one_or_none()
    if row is None:
        return NEW_USER
    if row.version is None:
        return StoredDialogue(row.id, 0, "new", {}, {}, 0, row.active)
    return StoredDialogue(row.id, row.version, row.state, row.answers, row.draft, row.turn,
                          row.active, latest_plan(conn, row.id))


def latest_plan(conn: Connection, user_id: int) -> StoredPlan:
    row = conn.execute(
        select(PLANS.c.number, PLANS.c.plan, PLANS.c.details)
        .where(PLANS.c.user_id == user_id).order_by(PLANS.c.number.desc()).limit(1)
    ).one_or_none()
    if row is None:
        return StoredPlan()
    progress = row.details.get("progress") if isinstance(row.details, dict) else None
    return StoredPlan(row.number, row.plan, progress if isinstance(progress, dict) else {})


def set_active(conn: Connection, telegram_id: int, active: bool) -> None:
    conn.execute(update(USERS).where(USERS.c.telegram_id == telegram_id).values(active=active))


def write_batch(conn: Connection, writes: Sequence[DialogueWrite]) -> list[StoredDialogue | None]:
    """Applies each write whose base version is current; None marks a conflict."""
    user_ids = _ensure_users(conn, writes)
    current, inactive = _lock_versions(conn, [u for u in user_ids if u is not None])
    results: list[StoredDialogue | None] = []
    accepted: list[tuple[int, DialogueWrite]] = []
    for user_id, write in zip(user_ids, writes, strict=True):
        fresh = user_id is not None and current.get(user_id, 0) == write.base.version
        results.append(write.stored(user_id) if fresh and user_id is not None else None)
        if fresh and user_id is not None:
            accepted.append((user_id, write))
            current[user_id] = write.base.version + 1  # a second write in one batch conflicts
    _reactivate(conn, [u for u, _ in accepted if u in inactive])
    _store(conn, accepted, inactive)
    return results


def _reactivate(conn: Connection, user_ids: list[int]) -> None:
    """Writing again after blocking the bot (another process may have marked it) reactivates."""
    if user_ids:
        conn.execute(update(USERS).where(USERS.c.id.in_(user_ids)).values(active=True))


def _ensure_users(conn: Connection, writes: Sequence[DialogueWrite]) -> list[int | None]:
    """Creates the users that are new; a user created meanwhile elsewhere is a conflict."""
    new = {w.telegram_id: w for w in writes if w.base.user_id is None}
    created: dict[int, int] = {}
    if new:
        rows = [{"telegram_id": w.telegram_id, "name": w.name[:128], "language": w.language,
                 "active": True, "created_at": w.at, "updated_at": w.at} for w in new.values()]
        stmt = _insert_ignoring_conflicts(conn, rows).returning(USERS.c.id, USERS.c.telegram_id)
        created = {row.telegram_id: row.id for row in conn.execute(stmt)}
    return [w.base.user_id if w.base.user_id is not None else created.pop(w.telegram_id, None)
            for w in writes]


def _insert_ignoring_conflicts(conn: Connection, rows: list[dict[str, Any]]) -> Any:
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    return dialect.insert(USERS).values(rows).on_conflict_do_nothing(
        index_elements=[USERS.c.telegram_id])


def _lock_versions(conn: Connection, user_ids: list[int]) -> tuple[dict[int, int], set[int]]:
    """Each user's dialogue version (locked on PostgreSQL), and who is marked inactive."""
    if not user_ids:
        return {}, set()
    if conn.dialect.name == "postgresql":
        # Lock first, read after: a statement that waited for the lock still reads from the
        # snapshot it started with, so reading in the same statement could miss the version
        # another process committed while we waited, and apply a second write on top.
        conn.execute(select(USERS.c.id).where(USERS.c.id.in_(user_ids))
                     .order_by(USERS.c.id).with_for_update())
    stmt = (select(USERS.c.id, USERS.c.active, DIALOGUES.c.version)
            .select_from(USERS.outerjoin(DIALOGUES, DIALOGUES.c.user_id == USERS.c.id))
            .where(USERS.c.id.in_(user_ids)))
    rows = conn.execute(stmt).all()
    versions = {row.id: row.version for row in rows if row.version is not None}
    return versions, {row.id for row in rows if not row.active}


def _store(conn: Connection, accepted: list[tuple[int, DialogueWrite]],
           reactivated: set[int]) -> None:
    _store_dialogues(conn, accepted)
    _store_answers_and_plans(conn, accepted)
    # Before the hooks: they read the runner as this write leaves them (zone, screened_at).
    for user_id, write in accepted:
        if write.user_changes:
            conn.execute(update(USERS).where(USERS.c.id == user_id)
                         .values(**write.user_changes, updated_at=write.at))
    for user_id, write in accepted:
        for hook in (*(write.reactivated_hooks if user_id in reactivated else ()), *write.hooks):
            hook(conn, user_id)


def _store_dialogues(conn: Connection, accepted: list[tuple[int, DialogueWrite]]) -> None:
    inserts = [_dialogue_row(u, w) for u, w in accepted if w.base.version == 0]
    updates = [{"b_user_id": u, **_dialogue_row(u, w)} for u, w in accepted if w.base.version > 0]
    if inserts:
        conn.execute(insert(DIALOGUES), inserts)
    if updates:
        conn.execute(_UPDATE_DIALOGUE, [{k: v for k, v in r.items() if k != "user_id"}
                                        for r in updates])


def _store_answers_and_plans(conn: Connection,
                             accepted: list[tuple[int, DialogueWrite]]) -> None:
    answers = [{"user_id": u, "question": q, "value": v, "answered_at": w.at}
               for u, w in accepted for q, v in w.new_answers]
    if answers:
        conn.execute(insert(ANSWERS), answers)
    plans = [_plan_row(u, w) for u, w in accepted if w.new_plan is not None]
    if plans:
        conn.execute(insert(PLANS), plans)


_UPDATE_DIALOGUE = (
    update(DIALOGUES)
    .where(DIALOGUES.c.user_id == bindparam("b_user_id"))
    .values(state=bindparam("state"), answers=bindparam("answers"), draft=bindparam("draft"),
            turn=bindparam("turn"), version=bindparam("version"),
            updated_at=bindparam("updated_at"))
)


def _plan_row(user_id: int, write: DialogueWrite) -> dict[str, Any]:
    assert write.new_plan is not None
    new = write.new_plan
    return {"user_id": user_id, "number": write.base.plan.number + 1, "reason": new.reason,
            "details": {"progress": new.progress, "changes": new.changes}, "plan": new.plan,
            "created_at": write.at}


def _dialogue_row(user_id: int, write: DialogueWrite) -> dict[str, Any]:
    return {"user_id": user_id, "state": write.state,
            "answers": write.answers, "draft": write.draft, "turn": write.turn,
            "version": write.base.version + 1, "updated_at": write.at}
