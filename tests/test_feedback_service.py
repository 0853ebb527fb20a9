"""Feedback against a real database: outcomes, adjustments, Undo, /export and /delete."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import Column, Engine, ForeignKey, Integer, String, Table, func, select
from sqlalchemy.orm import Session

from bot.db.models import (
    Base,
    DialogueState,
    ExerciseOutcome,
    ScreeningAnswer,
    TrainingSession,
    User,
)
from bot.services import data_rights, feedback

NOON = datetime(2026, 11, 2, 12, tzinfo=UTC)


def add_user(db: Session, telegram_id: int) -> int:
    user = User(telegram_id=telegram_id, name=f"runner {telegram_id}", timezone="Europe/Berlin")
    db.add(user)
    db.flush()
    db.add(DialogueState(user_id=user.id, state="idle", answers={"goal": "speed"}, draft={}))
    db.add(ScreeningAnswer(user_id=user.id, question="thigh_left", value="pass"))
    return user.id


def add_training(db: Session, user_id: int, tag: str) -> None:
    """Two sessions with outcomes."""
    for offset in range(2):
        session = feedback.start_session(db, user_id, date(2026, 11, 2) + timedelta(offset),
                                         "strength", status="done")
        feedback.record_outcome(db, user_id=user_id, session_id=session.id,
                                exercise_id="running_bike_pedal", outcome="done",
                                source_key=f"{tag}:{offset}", words="felt smooth",
                                recorded_at=NOON + timedelta(days=offset))


@pytest.fixture
def db(engine: Engine) -> Iterator[Session]:
    with Session(engine) as session, session.begin():
        yield session


def test_a_double_tapped_outcome_is_recorded_once(engine: Engine) -> None:
    with Session(engine) as db, db.begin():
        user_id = add_user(db, 101)
        session_id = feedback.start_session(db, user_id, date(2026, 11, 2), "strength").id
    taps = []
    for _ in range(2):  # two taps, two separate updates, two transactions
        with Session(engine) as db, db.begin():
            taps.append(feedback.record_outcome(
                db, user_id=user_id, session_id=session_id, exercise_id="single_leg_bridge",
                outcome="hard", side="left", source_key="cb:101:555:single_leg_bridge"))
    assert taps == [True, False]
    with Session(engine) as db:
        rows = db.scalars(select(ExerciseOutcome)).all()
    assert [(r.exercise_id, r.outcome, r.side) for r in rows] == [
        ("single_leg_bridge", "hard", "left")]


def test_an_unknown_outcome_is_refused_and_nothing_is_stored(db: Session) -> None:
    user_id = add_user(db, 102)
    session_id = feedback.start_session(db, user_id, date(2026, 11, 2), "strength").id
    with pytest.raises(feedback.FeedbackInputError, match="outcome 'meh'"):
        feedback.record_outcome(db, user_id=user_id, session_id=session_id,
                                exercise_id="squats", outcome="meh", source_key="k")
    assert db.scalar(select(func.count()).select_from(ExerciseOutcome)) == 0


def test_export_holds_every_row_of_the_user_and_none_of_anyone_else(db: Session) -> None:
    me, other = add_user(db, 201), add_user(db, 202)
    add_training(db, me, "me")
    add_training(db, other, "other")
    document = json.loads(data_rights.export_user_json(db, me, now=NOON))
    tables = document["tables"]
    assert document["user_id"] == me
    assert [u["telegram_id"] for u in tables["users"]] == [201]
    assert [d["answers"] for d in tables["dialogue_states"]] == [{"goal": "speed"}]
    assert [a["question"] for a in tables["screening_answers"]] == ["thigh_left"]
    assert [s["local_date"] for s in tables["sessions"]] == ["2026-11-02", "2026-11-03"]
    assert [(o["source_key"], o["words"]) for o in tables["exercise_outcomes"]] == [
        ("me:0", "felt smooth"), ("me:1", "felt smooth")]
    every_user_id = {row["user_id"] for rows in tables.values() for row in rows
                     if "user_id" in row}
    assert every_user_id == {me}


def row_counts(db: Session) -> dict[str, int]:
    return {t.name: db.scalar(select(func.count()).select_from(t)) or 0
            for t in Base.metadata.sorted_tables}


@pytest.fixture
def later_tables(engine: Engine) -> Iterator[tuple[Table, Table]]:
    """Two tables another feature might add: one keyed by user, one hanging off it."""
    notes = Table("later_notes", Base.metadata,
                  Column("id", Integer, primary_key=True),
                  Column("owner", ForeignKey("users.id")), Column("text", String(50)))
    replies = Table("later_replies", Base.metadata,
                    Column("id", Integer, primary_key=True),
                    Column("note_id", ForeignKey("later_notes.id")), Column("text", String(50)))
    notes.create(engine)
    replies.create(engine)
    try:
        yield notes, replies
    finally:
        replies.drop(engine)
        notes.drop(engine)
        Base.metadata.remove(replies)
        Base.metadata.remove(notes)


def add_later_rows(db: Session, tables: tuple[Table, Table], user_id: int) -> None:
    notes, replies = tables
    note_id = db.execute(notes.insert().values(owner=user_id, text="note")).inserted_primary_key
    db.execute(replies.insert().values(note_id=note_id[0], text="reply"))


def test_delete_leaves_no_row_of_the_user_in_any_table(
    engine: Engine, later_tables: tuple[Table, Table]
) -> None:
    with Session(engine) as db, db.begin():
        keep = add_user(db, 301)
        add_training(db, keep, "keep")
        add_later_rows(db, later_tables, keep)
        kept_export = data_rights.export_user_data(db, keep, now=NOON)
        before = row_counts(db)
        gone = add_user(db, 302)
        add_training(db, gone, "gone")
        add_later_rows(db, later_tables, gone)
        with_both = row_counts(db)
    filled = {t for t in before if with_both[t] > before[t]}
    assert filled >= {"users", "dialogue_states", "screening_answers", "sessions",
                      "exercise_outcomes", "later_notes", "later_replies"}
    with Session(engine) as db, db.begin():
        exported = data_rights.export_user_data(db, gone, now=NOON)
        assert len(exported["tables"]["later_replies"]) == 1
        removed = data_rights.delete_user_data(db, gone)
    assert removed == {t: with_both[t] - before[t] for t in before}
    with Session(engine) as db:
        assert row_counts(db) == before
        assert db.scalar(select(User).where(User.telegram_id == 302)) is None
        assert data_rights.export_user_data(db, keep, now=NOON) == kept_export


def test_deleting_twice_or_an_unknown_user_removes_nothing(db: Session) -> None:
    keep = add_user(db, 401)
    add_training(db, keep, "k")
    before = row_counts(db)
    assert set(data_rights.delete_user_data(db, 999_999).values()) == {0}
    assert row_counts(db) == before
    assert db.scalar(select(func.count()).select_from(TrainingSession)) == 2
