"""The shared model of the dialogue: states, one typed draft per state, effects, transitions.

Feature modules import this (and ``plan.py``), never each other. Drafts are frozen; the
database boundary (bot/services/drafts.py) reads and writes them with pydantic.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Literal, NamedTuple

from bot.domain import listen
from bot.domain.model import Reply

AnswerValue = str | int | list[str]
Answers = Mapping[str, AnswerValue]


class State(StrEnum):
    NEW = "new"
    ASK = "ask"  # stored as "ask:<question>"; the question sits in the AskDraft
    SUMMARY = "summary"
    CHANGE = "change"
    CONFIRM_ZONE = "confirm_zone"
    CONFIRM_RESTART = "confirm_restart"
    READY = "ready"
    WALK = "walk"
    RETEST = "retest"
    FEEDBACK = "feedback"


COACH_STATES = frozenset({State.READY, State.WALK, State.RETEST, State.FEEDBACK})


# --- drafts: what a state remembers between messages -----------------------------------------


@dataclass(frozen=True)
class NoDraft:
    """new, summary, change, ready: nothing beyond the answers."""


@dataclass(frozen=True)
class AskDraft:
    question: str
    selected: tuple[str, ...] = ()  # ticks of a multi-select question


@dataclass(frozen=True)
class ZoneDraft:
    zone: str
    label: str


class ReportRow(NamedTuple):
    """One exercise in a report; stored as a JSON list, as it always was."""

    exercise: str
    outcome: str
    side: str | None = None
    severity: str | None = None
    reps: int | None = None


class PendingRow(NamedTuple):
    """A finding waiting for the runner to say which move it was."""

    exercise: str | None
    outcome: str
    side: str | None = None
    severity: str | None = None
    reps: int | None = None


@dataclass(frozen=True)
class WalkDraft:
    date: str
    kind: str
    items: tuple[dict[str, Any], ...]  # the exercise views the walk shows, one per message
    index: int = 0
    outcomes: dict[str, str] = field(default_factory=dict)
    # What the runner typed mid-walk about a move (this one, another one, or one not in the
    # walk), with side and severity; a later tap on that move replaces its note.
    notes: tuple[ReportRow, ...] = ()
    words: tuple[str, ...] = ()
    # A typed name that fitted several moves: the finding waits for "which one?".
    pending: PendingRow | None = None
    candidates: tuple[str, ...] = ()


@dataclass(frozen=True)
class RetestDraft:
    step: int = 0
    results: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class WhichHard:
    date: str
    kind: str
    exercises: tuple[str, ...]
    chosen: tuple[str, ...] = ()
    step: Literal["hard"] = "hard"


@dataclass(frozen=True)
class WhichHurt:
    date: str
    kind: str
    exercises: tuple[str, ...]
    chosen: tuple[str, ...] = ()
    words: str | None = None  # set when the runner wrote about a pain without naming a move
    side: str | None = None
    severity: str | None = None
    step: Literal["hurt"] = "hurt"


@dataclass(frozen=True)
class PainDetail:
    date: str
    kind: str
    rows: tuple[ReportRow, ...]
    index: int
    asking: Literal["side", "severity"]
    words: str | None = None
    step: Literal["detail"] = "detail"


@dataclass(frozen=True)
class PickMove:
    date: str
    kind: str
    rows: tuple[ReportRow, ...]
    pending: PendingRow
    candidates: tuple[str, ...]
    words: str | None = None
    step: Literal["pick"] = "pick"


@dataclass(frozen=True)
class HowWent:
    """A move named in free text with no word of how it went: asked, nothing stored yet."""

    date: str
    kind: str
    rows: tuple[ReportRow, ...]
    exercise: str
    words: str | None = None
    step: Literal["how"] = "how"


FeedbackDraft = WhichHard | WhichHurt | PainDetail | PickMove | HowWent


@dataclass(frozen=True)
class RestartDraft:
    """"Start over?" remembers where the runner was, to go back there."""

    back: State
    back_draft: Draft


Draft = NoDraft | AskDraft | ZoneDraft | WalkDraft | RetestDraft | FeedbackDraft | RestartDraft


@dataclass(frozen=True)
class Report:
    """A session's report before it is concluded: each move with its outcome, side and
    severity, the runner's own words, and where it came from: ``walk``, ``did_it``,
    ``reminder``, ``text`` or ``follow_up`` (every way a runner reports ends in one of these)."""

    date: str
    kind: str
    rows: tuple[ReportRow, ...]
    words: str | None = None
    source: str = "text"


@dataclass(frozen=True)
class Dialogue:
    state: State = State.NEW
    answers: Answers = field(default_factory=dict)
    draft: Draft = NoDraft()
    turn: int = 0


# --- effects: what the service stores or produces after a transition -------------------------


@dataclass(frozen=True)
class RecordAnswer:
    question: str
    value: AnswerValue


@dataclass(frozen=True)
class SetTimezone:
    zone: str


@dataclass(frozen=True)
class CompleteScreening:
    answers: Answers


@dataclass(frozen=True)
class SavePlan:
    """Store ``plan`` as the user's next plan version, with the reason it changed."""

    reason: str
    plan: Mapping[str, object]
    progress: Mapping[str, object]
    changes: tuple[str, ...] = ()


@dataclass(frozen=True)
class DeleteEverything:
    """Remove every row of this user from every table."""


class ReportKind(StrEnum):
    """Replies the service builds from stored data; they change nothing."""

    PROGRESS = "progress"
    EXPORT = "export"
    SUMMARY = "summary"  # the clinician's one-page PDF
    REMINDERS = "reminders"  # what comes next, and the settings
    RUNS = "runs"  # the runs a runner sent, newest first


@dataclass(frozen=True)
class ShowReport:
    kind: ReportKind


class ReminderAction(StrEnum):
    PAUSE = "pause"
    RESUME = "resume"
    QUIET = "quiet"
    NUDGE = "nudge"
    LEAD = "lead"
    SNOOZE = "snooze"
    NOT_TODAY = "not_today"


@dataclass(frozen=True)
class ChangeReminders:
    """A reminder setting the runner changes, in the event's own transaction. ``arg`` is
    already read: days (pause), ``HH:MM-HH:MM`` or ``off`` (quiet), ``HH:MM`` (nudge),
    minutes (lead)."""

    action: ReminderAction
    arg: str = ""


Effect = (RecordAnswer | SetTimezone | CompleteScreening | SavePlan | DeleteEverything
          | ShowReport | ChangeReminders | listen.ListenEffect)


@dataclass(frozen=True)
class Transition:
    """The result of one step: the new dialogue, what to say, what to store."""

    dialogue: Dialogue
    replies: tuple[Reply, ...] = ()
    effects: tuple[Effect, ...] = ()
    toast: str | None = None  # label key for a small pop-up on a button press
    close_source: bool = False  # the keyboard that was pressed has done its job


# --- moving between states ------------------------------------------------------------------


def goto(d: Dialogue, state: State, draft: Draft | None = None,
         answers: Answers | None = None) -> Dialogue:
    """A new state is a new turn: keyboards drawn before it become stale."""
    return Dialogue(state, d.answers if answers is None else answers, draft or NoDraft(),
                    d.turn + 1)


def stale(d: Dialogue) -> Transition:
    return Transition(d, toast="toast.stale")


def then(first: Transition, second: Transition) -> Transition:
    """Two steps answered as one: the first's replies and effects, then the second's."""
    return Transition(second.dialogue, first.replies + second.replies,
                      first.effects + second.effects, second.toast,
                      first.close_source or second.close_source)


def strings(value: object) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list | tuple) else []
