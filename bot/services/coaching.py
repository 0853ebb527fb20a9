"""The coach's side of the database: what it reads before deciding and what it writes after.

Writes are hooks run inside the dialogue's own transaction (bot/db/dialogues.py), so a report,
its plan change and the new dialogue state are stored together or not at all.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session

from bot.content.library import Attachment, ContentLibrary, RenderedMessage
from bot.domain.dialogue.state import DeleteEverything, ReportKind
from bot.domain.listen import StoreOutcomes
from bot.services import data_rights, feedback, progress
from bot.services.runs.service import recent_runs_message

Hook = Callable[[Connection, int], None]


def hook_for(effect: object, turn: int, now: datetime) -> Hook | None:
    """The database work an effect needs, or None when it needs none."""
    if isinstance(effect, StoreOutcomes):
        return lambda conn, user_id: _in_session(conn, _store_outcomes(effect, user_id, turn,
                                                                       now))
    if isinstance(effect, DeleteEverything):
        return lambda conn, user_id: _in_session(
            conn, lambda db: data_rights.delete_user_data(db, user_id))
    return None


def _in_session(conn: Connection, work: Callable[[Session], object]) -> None:
    with Session(bind=conn) as db:
        work(db)
        db.flush()


def _store_outcomes(effect: StoreOutcomes, user_id: int, turn: int,
                    now: datetime) -> Callable[[Session], None]:
    def store(db: Session) -> None:
        day = date.fromisoformat(effect.local_date)
        stored = feedback.day_outcomes(db, user_id, day)
        fresh = [(i, r) for i, r in enumerate(effect.rows) if r[0] not in stored]
        # A move already reported that day is amended in place: one session a day counts.
        for exercise, outcome, side, severity, reps in effect.rows:
            if exercise in stored:
                feedback.amend_outcome(stored[exercise], outcome=outcome, side=side,
                                       severity=severity, reps=reps, words=effect.words,
                                       recorded_at=now)
        if not fresh:
            return
        session = (feedback.day_session(db, user_id, day)
                   or feedback.start_session(db, user_id, day, effect.kind, effect.status))
        if effect.status == "done":
            session.status = "done"
        for index, (exercise, outcome, side, severity, reps) in fresh:
            # The dialogue turn makes the key: a replayed or doubled report is stored once.
            feedback.record_outcome(
                db, user_id=user_id, session_id=session.id, exercise_id=exercise,
                outcome=outcome, side=side, severity=severity, reps=reps, words=effect.words,
                source_key=f"u{user_id}:t{turn}:{index}", recorded_at=now)
    return store


# --- /progress and /export -------------------------------------------------------------------


def produce(kind: ReportKind, engine: Engine, user_id: int, zone: str, today: date,
            plan: Mapping[str, object] | None, content: ContentLibrary) -> RenderedMessage:
    if kind is ReportKind.RUNS:
        return recent_runs_message(engine, content, user_id)
    # Read, then let go of the connection before the slow part (a chart, a JSON dump): on
    # SQLite an open transaction holds the file's lock, and every other runner waits on it.
    with engine.connect() as conn, Session(bind=conn) as db:
        if kind is ReportKind.EXPORT:
            document = data_rights.export_user_data(db, user_id)
        else:
            board, hardest = progress.read_dashboard(db, user_id, today, zone, plan, content)
    if kind is ReportKind.EXPORT:
        return _export(document, today, content)
    return progress.progress_message(board, hardest, today, content)


def _export(document: dict[str, Any], today: date, content: ContentLibrary) -> RenderedMessage:
    rows = sum(len(v) for v in document["tables"].values())
    data = json.dumps(document, ensure_ascii=False, indent=1, sort_keys=True).encode()
    text = content.render_text("export_ready", {"rows": rows,
                                                "tables": len(document["tables"])})
    return RenderedMessage(text, attachment=Attachment(
        "document", f"hipcoach-export-{today.isoformat()}.json", data))
