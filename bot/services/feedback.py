"""Feedback use cases: reading free text, recording outcomes, adapting the plan, Undo.

Every function works inside the caller's transaction (one unit of work per event) and never
commits: the caller decides when the whole event is done.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from rapidfuzz import fuzz
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from bot.db.models import (
    ExerciseOutcome,
    PlanAdjustment,
    TrainingSession,
    User,
    utc_now,
)
from bot.domain.adaptation import (
    Adjustment,
    AppliedAdjustment,
    Decision,
    DoseItem,
    ExerciseGraph,
    Kind,
    OutcomeRecord,
    Reason,
    apply,
    decide,
)
from bot.domain.feedback import (
    CatalogueEntry,
    FeedbackReading,
    OutcomeKind,
    Severity,
    Side,
    read_feedback,
)

EXPORT_FORMAT = "hipcoach-export"
EXPORT_VERSION = 1


def similarity(one: str, other: str) -> float:
    """Edit-distance similarity 0-100; rapidfuzz is the injected scorer of bot/domain/feedback."""
    return float(fuzz.ratio(one, other))


class FeedbackReader:
    """Reads messages against the exercise names and aliases it was built with."""

    def __init__(self, exercises: Iterable[tuple[str, str, Sequence[str]]]) -> None:
        self.catalogue = tuple(CatalogueEntry(eid, name, tuple(aliases))
                               for eid, name, aliases in exercises)

    def read(self, text: str, session_exercises: Collection[str] = ()) -> FeedbackReading:
        return read_feedback(text, self.catalogue, similarity, session_exercises)


class FeedbackInputError(ValueError):
    """An outcome, side or severity the bot does not know; nothing was stored."""


def start_session(db: Session, user_id: int, local_date: date, kind: str,
                  status: str = "planned") -> TrainingSession:
    row = TrainingSession(user_id=user_id, local_date=local_date, kind=kind, status=status)
    db.add(row)
    db.flush()
    return row


def record_outcome(
    db: Session,
    *,
    user_id: int,
    session_id: int,
    exercise_id: str,
    outcome: str,
    source_key: str,
    side: str | None = None,
    severity: str | None = None,
    reps: int | None = None,
    words: str | None = None,
    recorded_at: datetime | None = None,
) -> bool:
    """Store one outcome; False when ``source_key`` was already recorded (a double tap)."""
    _check_choice(outcome, OutcomeKind, "outcome")
    _check_choice(side, Side, "side")
    _check_choice(severity, Severity, "severity")
    values = {"user_id": user_id, "session_id": session_id, "exercise_id": exercise_id,
              "outcome": outcome, "side": side, "severity": severity, "reps": reps,
              "words": words, "recorded_at": recorded_at or utc_now(),
              "source_key": source_key}
    dialect = db.get_bind().dialect.name
    # Both databases can skip a duplicate key in the statement itself: no exception, no
    # savepoint, and a concurrent second tap waits for the first and then does nothing.
    if dialect == "postgresql":
        result = db.execute(postgresql.insert(ExerciseOutcome).values(values)
                            .on_conflict_do_nothing(index_elements=["source_key"])
                            .returning(ExerciseOutcome.id))
    elif dialect == "sqlite":
        result = db.execute(sqlite.insert(ExerciseOutcome).values(values)
                            .on_conflict_do_nothing(index_elements=["source_key"])
                            .returning(ExerciseOutcome.id))
    else:
        raise FeedbackInputError(f"unsupported database {dialect!r}")
    return result.first() is not None


def _check_choice(value: str | None, choices: type[OutcomeKind] | type[Side] | type[Severity],
                  what: str) -> None:
    if value is not None and value not in {c.value for c in choices}:
        raise FeedbackInputError(f"unknown {what} {value!r}")


def outcome_history(db: Session, user_id: int, since: date | None = None,
                    limit: int | None = None) -> list[OutcomeRecord]:
    """The user's outcomes (from ``since``, the newest ``limit``), oldest first, dated by the
    session's local day."""
    # Plain columns, not ORM objects: this runs on every update of a coached runner.
    query = (select(ExerciseOutcome.exercise_id, ExerciseOutcome.outcome, ExerciseOutcome.side,
                    ExerciseOutcome.severity, TrainingSession.local_date)
             .join(TrainingSession, TrainingSession.id == ExerciseOutcome.session_id)
             .where(ExerciseOutcome.user_id == user_id, TrainingSession.user_id == user_id))
    if since is not None:
        query = query.where(TrainingSession.local_date >= since)
    newest_first = query.order_by(TrainingSession.local_date.desc(),
                                  ExerciseOutcome.recorded_at.desc(), ExerciseOutcome.id.desc())
    rows = list(reversed(db.execute(newest_first.limit(limit)).all()))
    return [OutcomeRecord(day, exercise_id, OutcomeKind(outcome), Side(side) if side else None,
                          Severity(severity) if severity else None)
            for exercise_id, outcome, side, severity, day in rows]


def adjustment_rows(db: Session, user_id: int) -> list[PlanAdjustment]:
    return list(db.scalars(select(PlanAdjustment).where(PlanAdjustment.user_id == user_id)
                           .order_by(PlanAdjustment.created_at, PlanAdjustment.id)))


def adjustment_history(db: Session, user_id: int) -> list[AppliedAdjustment]:
    zone = _user_zone(db, user_id)
    return [_applied(row, zone) for row in adjustment_rows(db, user_id)]


def current_plan(db: Session, user_id: int, base: Sequence[DoseItem]) -> tuple[DoseItem, ...]:
    return apply(base, adjustment_history(db, user_id))


@dataclass(frozen=True)
class Adaptation:
    decision: Decision
    stored: tuple[PlanAdjustment, ...]


def adapt(db: Session, user_id: int, base: Sequence[DoseItem], graph: ExerciseGraph,
          now: datetime | None = None) -> Adaptation:
    """Decide on the newest outcomes and store each change; safe to run after every outcome."""
    decision = decide(base, outcome_history(db, user_id), adjustment_history(db, user_id),
                      graph)
    created = now or utc_now()
    rows = tuple(adjustment_row(user_id, a, created) for a in decision.adjustments)
    db.add_all(rows)
    db.flush()
    return Adaptation(decision, rows)


def undo_last_adjustment(db: Session, user_id: int,
                         now: datetime | None = None) -> PlanAdjustment | None:
    """Undo the newest change still in force; the row stays, stamped with ``undone_at``."""
    row = db.scalars(select(PlanAdjustment)
                     .where(PlanAdjustment.user_id == user_id,
                            PlanAdjustment.undone_at.is_(None))
                     .order_by(PlanAdjustment.created_at.desc(), PlanAdjustment.id.desc())
                     .limit(1)).first()
    if row is not None:
        row.undone_at = now or utc_now()
        db.flush()
    return row


def adjustment_row(user_id: int, adjustment: Adjustment, created: datetime) -> PlanAdjustment:
    return PlanAdjustment(
        user_id=user_id, created_at=created, kind=adjustment.kind.value,
        exercise_id=adjustment.exercise_id, replacement_id=adjustment.replacement_id,
        side=adjustment.side.value if adjustment.side else None,
        dose_change=dict(adjustment.dose_change), reason=adjustment.reason.value,
        params=dict(adjustment.params))


def _applied(row: PlanAdjustment, zone: ZoneInfo) -> AppliedAdjustment:
    adjustment = Adjustment(
        Kind(row.kind), Reason(row.reason), row.exercise_id, row.replacement_id,
        Side(row.side) if row.side else None, dict(row.dose_change), dict(row.params))
    # Outcomes are dated in the user's zone, so the change is too.
    return AppliedAdjustment(adjustment, row.created_at.astimezone(zone).date(),
                             undone=row.undone_at is not None)


def _user_zone(db: Session, user_id: int) -> ZoneInfo:
    name = db.scalar(select(User.timezone).where(User.id == user_id))
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")
