"""Feedback use cases: reading free text and recording outcomes (the training plan adapts).

Every function works inside the caller's transaction (one unit of work per event) and never
commits: the caller decides when the whole event is done.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from datetime import date, datetime

from rapidfuzz.distance import DamerauLevenshtein
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from bot.content.words import cached_words
from bot.db.models import (
    ExerciseOutcome,
    TrainingSession,
    utc_now,
)
from bot.domain.feedback import (
    CatalogueEntry,
    FeedbackReading,
    MoveIndex,
    OutcomeKind,
    Severity,
    Side,
    read_message,
)
from bot.domain.feedback_words import Vocabulary
from bot.domain.progress import OutcomeRecord
from bot.paths import content_dir

EXPORT_FORMAT = "hipcoach-export"
EXPORT_VERSION = 1


def similarity(one: str, other: str) -> float:
    """Edit-distance similarity 0-100, the injected scorer of bot/domain/feedback. Damerau-
    Levenshtein counts a swapped pair of letters ("brigde") as one slip, so typos score high
    while different words that share letters ("thing", "hinge") stay apart."""
    return 100.0 * DamerauLevenshtein.normalized_similarity(one, other)


class FeedbackReader:
    """Reads messages against the exercise names and aliases it was built with, in the words
    of content/words (the default content's when none are given). The names are indexed once,
    here: a message then costs a few look-ups per word."""

    def __init__(self, exercises: Iterable[tuple[str, str, Sequence[str]]],
                 words: Vocabulary | None = None) -> None:
        self.catalogue = tuple(CatalogueEntry(eid, name, tuple(aliases))
                               for eid, name, aliases in exercises)
        self.index = MoveIndex(self.catalogue, words or cached_words(content_dir()), similarity)

    def read(self, text: str, session_exercises: Collection[str] = ()) -> FeedbackReading:
        return read_message(text, self.index, session_exercises)


def understood(text: str, reading: FeedbackReading) -> dict[str, object]:
    """What ``hipcoach listen --json`` prints for one message (a stable format coaches use)."""
    return {"text": text, "intent": reading.intent.value, "red_flag": reading.red_flag,
            "moves": [{"exercise": f.exercise_id, "outcome": _value(f.outcome),
                       "side": _value(f.side), "severity": _value(f.severity)}
                      for f in reading.findings],
            "candidates": list(reading.candidates)}


def _value(choice: OutcomeKind | Side | Severity | None) -> str | None:
    return choice.value if choice is not None else None


class FeedbackInputError(ValueError):
    """An outcome, side or severity the bot does not know; nothing was stored."""


def start_session(db: Session, user_id: int, local_date: date, kind: str,
                  status: str = "planned") -> TrainingSession:
    row = TrainingSession(user_id=user_id, local_date=local_date, kind=kind, status=status)
    db.add(row)
    db.flush()
    return row


def day_session(db: Session, user_id: int, local_date: date) -> TrainingSession | None:
    """The first session stored for that local day, if any."""
    return db.scalars(select(TrainingSession)
                      .where(TrainingSession.user_id == user_id,
                             TrainingSession.local_date == local_date)
                      .order_by(TrainingSession.id).limit(1)).first()


def day_outcomes(db: Session, user_id: int, local_date: date) -> dict[str, ExerciseOutcome]:
    """The newest stored outcome of each move reported on that local day."""
    rows = db.scalars(select(ExerciseOutcome)
                      .join(TrainingSession, TrainingSession.id == ExerciseOutcome.session_id)
                      .where(ExerciseOutcome.user_id == user_id,
                             TrainingSession.local_date == local_date)
                      .order_by(ExerciseOutcome.id)).all()
    return {row.exercise_id: row for row in rows}


def amend_outcome(row: ExerciseOutcome, *, outcome: str, side: str | None,
                  severity: str | None, reps: int | None, words: str | None,
                  recorded_at: datetime) -> None:
    """The day's report told again: the move's one row takes the newer outcome (and the
    runner's newer words, when they wrote some)."""
    _check_choice(outcome, OutcomeKind, "outcome")
    _check_choice(side, Side, "side")
    _check_choice(severity, Severity, "severity")
    row.outcome, row.side, row.severity, row.reps = outcome, side, severity, reps
    row.words = words or row.words
    row.recorded_at = recorded_at


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
