"""Typed tables. Times are stored in UTC; the user's IANA zone sits beside them."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import DateTime, TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utc_now() -> datetime:
    return datetime.now(UTC)


class UtcDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in and out, on SQLite (which has no zones) as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; pass an aware UTC time")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Telegram user id; the terminal chat uses 0, which Telegram never issues.
    telegram_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    name: Mapped[str] = mapped_column(String(128), default="")
    language: Mapped[str | None] = mapped_column(String(16))
    timezone: Mapped[str | None] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(default=True)
    screened_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now, onupdate=utc_now)


class DialogueState(Base):
    """Where the conversation stands; the only conversation state there is."""

    __tablename__ = "dialogue_states"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    state: Mapped[str] = mapped_column(String(64))
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    draft: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    turn: Mapped[int] = mapped_column(Integer, default=0)
    # Optimistic locking (bot/db/dialogues.py): two writers of one user cannot both win.
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now, onupdate=utc_now)

    @property
    def pending_question(self) -> str | None:
        return self.state.removeprefix("ask:") if self.state.startswith("ask:") else None


class ScreeningAnswer(Base):
    """Every answer ever given, with its time: a re-test adds rows, history stays."""

    __tablename__ = "screening_answers"
    __table_args__ = (Index("ix_screening_answers_user_question", "user_id", "question"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    question: Mapped[str] = mapped_column(String(32))
    value: Mapped[Any] = mapped_column(JSON)
    answered_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)


class PlanVersion(Base):
    """Every program a user has been given, newest last, with why it changed."""

    __tablename__ = "plan_versions"
    __table_args__ = (UniqueConstraint("user_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(32))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    plan: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)


class TrainingSession(Base):
    """One day's training: planned when scheduled, then done or skipped."""

    __tablename__ = "sessions"
    __table_args__ = (
        Index("ix_sessions_user_date", "user_id", "local_date"),
        CheckConstraint("status IN ('planned', 'done', 'skipped')", name="status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # The day in the user's own zone: a session belongs to the day they trained.
    local_date: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default="planned")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)


class ExerciseOutcome(Base):
    """How one exercise went, as the user said it; ``source_key`` makes a double tap count once."""

    __tablename__ = "exercise_outcomes"
    __table_args__ = (
        Index("ix_exercise_outcomes_user_exercise", "user_id", "exercise_id"),
        CheckConstraint("outcome IN ('done', 'hard', 'pain', 'skipped', 'easy', 'unfinished', "
                        "'sore')", name="outcome"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    exercise_id: Mapped[str] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(16))
    side: Mapped[str | None] = mapped_column(String(8))
    severity: Mapped[str | None] = mapped_column(String(16))
    reps: Mapped[int | None] = mapped_column(Integer)
    words: Mapped[str | None] = mapped_column(Text)  # the user's message, verbatim
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
    source_key: Mapped[str] = mapped_column(String(128), unique=True)


class ReminderSchedule(Base):
    """One kind of reminder for one user: its settings and the single occurrence that is next.

    ``next_due_at`` is the only clock: the worker claims rows whose time has come (taking a lease
    so no other worker sends the same one), sends, then moves ``next_due_at`` on.
    """

    __tablename__ = "reminder_schedules"
    __table_args__ = (UniqueConstraint("user_id", "kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    zone: Mapped[str] = mapped_column(String(64))
    local_time: Mapped[str] = mapped_column(String(5))
    days: Mapped[list[str]] = mapped_column(JSON, default=list)
    lead_minutes: Mapped[int] = mapped_column(Integer, default=45)
    # Null quiet hours mean "none": the runner asked for reminders at any hour.
    quiet_start: Mapped[str | None] = mapped_column(String(5))
    quiet_end: Mapped[str | None] = mapped_column(String(5))
    anchor_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    paused_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    snoozed_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    skipped_dates: Mapped[list[str]] = mapped_column(JSON, default=list)
    next_due_at: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)
    run_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    occurrence_key: Mapped[str | None] = mapped_column(String(48))
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now, onupdate=utc_now)


class ReminderDelivery(Base):
    """At most one per (user, occurrence): the unique key is what stops a second send."""

    __tablename__ = "reminder_deliveries"
    __table_args__ = (UniqueConstraint("user_id", "occurrence_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    occurrence_key: Mapped[str] = mapped_column(String(48))
    kind: Mapped[str] = mapped_column(String(16))
    # claimed -> unknown (the send is under way) -> sent | failed; or skipped (too late).
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    run_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    attempted_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    telegram_message_id: Mapped[int | None] = mapped_column(BigInteger)
    error: Mapped[str | None] = mapped_column(String(200))


class ProcessedUpdate(Base):
    """A Telegram update whose effects are committed, with the replies it owes (the outbox).

    Written in the same transaction as the dialogue, so a re-delivered update is recognised
    and never applied twice; ``sent_at`` stays empty until the replies went out, so a crash
    between the commit and the send still ends in one reply.
    """

    __tablename__ = "processed_updates"

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    # Whose update it was: /delete and /export cover these rows like every other.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                                index=True)
    processed_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    # Bot API calls still to make; emptied once sent (the texts are the runner's data).
    outbox: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    lease_until: Mapped[datetime | None] = mapped_column(UtcDateTime)


class Run(Base):
    """One run from a runner's file: its summary and per-kilometre splits, never its GPS track.

    Figures are SI (metres, seconds, metres per second); cadence is steps per minute.
    ``start_minute`` (the UTC start to the minute) keeps the same run from being stored twice
    by two racing uploads; a run from another source a few seconds off is caught by the
    dedupe query (bot/services/runs/store.py).
    """

    __tablename__ = "runs"
    __table_args__ = (UniqueConstraint("user_id", "start_minute"),
                      Index("ix_runs_user_date", "user_id", "local_date"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    started_at: Mapped[datetime] = mapped_column(UtcDateTime)
    start_minute: Mapped[str] = mapped_column(String(16))
    # The day and time in the runner's zone when the run was read in.
    local_date: Mapped[date] = mapped_column(Date)
    local_time: Mapped[str] = mapped_column(String(5))
    distance_m: Mapped[float] = mapped_column(Float)
    moving_s: Mapped[float] = mapped_column(Float)
    elapsed_s: Mapped[float] = mapped_column(Float)
    ascent_m: Mapped[float | None] = mapped_column(Float)
    cadence_spm: Mapped[float | None] = mapped_column(Float)
    step_length_m: Mapped[float | None] = mapped_column(Float)
    ground_contact_s: Mapped[float | None] = mapped_column(Float)
    vertical_oscillation_m: Mapped[float | None] = mapped_column(Float)
    heart_rate_bpm: Mapped[float | None] = mapped_column(Float)
    indoor: Mapped[bool] = mapped_column(default=False)
    source: Mapped[str] = mapped_column(String(8))
    file_name: Mapped[str] = mapped_column(String(255), default="")
    splits: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
