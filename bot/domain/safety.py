"""The one safety gate every view, reminder and command goes through. Pure, stdlib only.

Policy (coaching-facts "Safety and fit"), and the readings chosen where it is open:
- **Red-flag path** (a red flag raised after the last clearance): gentle mobility only, never on
  a side that hurt, no foam rolling after a fall; reminders: only the weekly gentle check-in;
  ``/exercise`` shows the how-to with a notice and no dose.
- **Cleared, self-tests not yet retaken**: still mobility only (strength returns after the
  self-tests); the re-test reminder is the one nudge allowed.
- **A side whose self-test hurt**: nothing that loads hip flexion on that side. The policy
  names the knee hug, the knee-to-chest bridge and the flexion progression; the safer reading
  taken here is every exercise with flexion among its motions, so mountain climbers, lunges,
  squats and hills go too. One-sided work stays on the other side; two-sided work goes.
- **"It hurts most runs"**: 2 weeks with every dose at the bottom, no hills or backwards running.
- **Coming back from a break**: 2 weeks at 2 sets / 2 rounds at most, no hills until week 3.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any, Protocol

from bot.domain.catalog import Catalog
from bot.domain.schedule import CHECKIN, PRE_RUN, RETEST, SAFETY_CHECKIN, STRENGTH

SIDES = ("left", "right")
CONSERVATIVE_DAYS = 14
COMEBACK_DAYS = 14
COMEBACK_MAX_SETS = 2
# The exercises the policy names for end-range flexion, whatever their listed motions.
END_RANGE_FLEXION = frozenset({"knee_hug_flexion_mobility", "knee_to_chest_bridge",
                               "abdominal_march", "running_bike_pedal", "plank_hip_flexion",
                               "standing_hip_march"})
SOFT_TISSUE = frozenset({"foam_roll_hips"})
HILLS = frozenset({"hill_sprints"})

ALL_REMINDERS = frozenset({PRE_RUN, STRENGTH, RETEST, CHECKIN})

# Templates (content/texts/safety/) the gate asks the views to show.
NOTICE_RED_FLAG = "safety/red_flag_advice"
NOTICE_AWAITING_RETEST = "safety/retest_first"
NOTICE_TEST_HURT = "safety/test_hurt_note"
NOTICE_CONSERVATIVE = "safety/conservative_note"
NOTICE_COMEBACK = "safety/comeback_note"
EXERCISE_NOTICE_RED_FLAG = "safety/exercise_notice"
EXERCISE_NOTICE_SIDE = "safety/exercise_side_notice"


class Kind(StrEnum):
    STRENGTH = "strength"
    MOBILITY = "mobility"
    DRILL = "drill"
    RUNNING = "running"
    STRETCH = "stretch"


class Phase(StrEnum):
    CLEAR = "clear"
    RED_FLAG = "red_flag"
    AWAITING_RETEST = "awaiting_retest"  # cleared by a clinician, self-tests not yet retaken


class Blocked(StrEnum):
    """Why an item is not shown (a reason code, for logs and tests; never shown as is)."""

    RED_FLAG = "red_flag"
    AWAITING_RETEST = "awaiting_retest"
    FALL = "fall"
    HURT_SIDE = "hurt_side"
    CONSERVATIVE = "conservative"
    COMEBACK = "comeback"


EXERCISE_NOTICES: Mapping[Blocked, str] = {
    Blocked.RED_FLAG: "safety/exercise_notice",
    Blocked.AWAITING_RETEST: "safety/exercise_retest_first",
    Blocked.HURT_SIDE: "safety/exercise_side_notice",
    Blocked.FALL: "safety/exercise_fall_notice",
    Blocked.CONSERVATIVE: "safety/exercise_not_yet_notice",
    Blocked.COMEBACK: "safety/exercise_not_yet_notice",
}


@dataclass(frozen=True)
class RedFlag:
    # A screening flag (sharp, rest_night, fall, numbness, limp), "pain_reports" (what the coach
    # stores today after sharp or repeated pain), or sharp_pain / repeated_pain / worse.
    reason: str
    raised_at: datetime


@dataclass(frozen=True)
class SafetyStatus:
    """What the gate needs to know about a runner, all from stored rows."""

    red_flags: tuple[RedFlag, ...] = ()
    hurt_sides: frozenset[str] = frozenset()  # a self-test hurt, no pain-free re-test since
    cleared_at: datetime | None = None  # the runner confirmed a clinician cleared them
    retested_at: datetime | None = None  # self-tests taken again after that clearance
    pain_often: bool = False  # "It hurts most runs" at screening
    plan_started: date | None = None  # the first day of the plan (the conservative start)
    comeback_started: date | None = None  # goal "coming back from a break" chosen on this day

    def active_flags(self) -> tuple[RedFlag, ...]:
        """Flags raised after the last clearance (all of them when never cleared)."""
        cleared = self.cleared_at
        return tuple(f for f in self.red_flags if cleared is None or f.raised_at > cleared)

    @property
    def phase(self) -> Phase:
        if self.active_flags():
            return Phase.RED_FLAG
        if self.red_flags and (self.retested_at is None or self.cleared_at is None
                               or self.retested_at < self.cleared_at):
            return Phase.AWAITING_RETEST
        return Phase.CLEAR

    @property
    def fall(self) -> bool:
        """A fall anywhere in the history: foam rolling stays out even after clearance."""
        return any(f.reason == "fall" for f in self.red_flags)

    def conservative(self, today: date) -> bool:
        """The first two weeks for "it hurts most runs"; with no start date yet, it is the
        start."""
        if not self.pain_often:
            return False
        return self.plan_started is None or _within(self.plan_started, today, CONSERVATIVE_DAYS)

    def comeback(self, today: date) -> bool:
        return _within(self.comeback_started, today, COMEBACK_DAYS)


def _within(start: date | None, today: date, days: int) -> bool:
    return start is not None and start <= today < start + timedelta(days=days)


@dataclass(frozen=True)
class Candidate:
    """An item a view or reminder would like to show."""

    exercise_id: str
    kind: Kind
    motions: tuple[str, ...] = ()
    side: str = "both"  # "both" | "left" | "right"
    one_sided: bool = True  # can be done on one side only

    @property
    def loads_flexion(self) -> bool:
        return self.exercise_id in END_RANGE_FLEXION or "flexion" in self.motions


@dataclass(frozen=True)
class DoseLimit:
    """A cap on every shown dose: the bottom of each range, or at most so many sets/rounds."""

    bottom_of_range: bool = False
    max_sets: int | None = None


@dataclass(frozen=True)
class Shown:
    exercise_id: str
    side: str  # "both", or the one side it may be done on
    show_dose: bool = True
    limit: DoseLimit = DoseLimit()


@dataclass(frozen=True)
class Gate:
    """What may be shown, what was held back and why, and the notes to show with it."""

    phase: Phase
    shown: tuple[Shown, ...]
    blocked: tuple[tuple[str, Blocked], ...]
    notices: tuple[str, ...]
    reminders: frozenset[str]
    show_dose: bool


def gate(status: SafetyStatus, candidates: Iterable[Candidate], today: date) -> Gate:
    """The single filter: every list of exercises goes through here before a runner sees it."""
    phase = status.phase
    limit = dose_limit(status, today)
    shown: list[Shown] = []
    blocked: list[tuple[str, Blocked]] = []
    for candidate in candidates:
        reason = _block_reason(status, phase, candidate, today)
        side = _allowed_side(status, phase, candidate)
        if reason is None and side is not None:
            shown.append(Shown(candidate.exercise_id, side, phase is not Phase.RED_FLAG, limit))
        else:
            blocked.append((candidate.exercise_id, reason or Blocked.HURT_SIDE))
    return Gate(phase, tuple(shown), tuple(blocked), notices(status, today),
                allowed_reminders(status), phase is not Phase.RED_FLAG)


def _block_reason(status: SafetyStatus, phase: Phase, candidate: Candidate,
                  today: date) -> Blocked | None:
    if phase is not Phase.CLEAR and candidate.kind is not Kind.MOBILITY:
        return Blocked.RED_FLAG if phase is Phase.RED_FLAG else Blocked.AWAITING_RETEST
    if status.fall and candidate.exercise_id in SOFT_TISSUE:
        return Blocked.FALL
    if candidate.kind is Kind.RUNNING and status.conservative(today):
        return Blocked.CONSERVATIVE
    if candidate.exercise_id in HILLS and status.comeback(today):
        return Blocked.COMEBACK
    return None


def _allowed_side(status: SafetyStatus, phase: Phase, candidate: Candidate) -> str | None:
    """The side it may be done on, or None when every side it would use is off limits.

    On the red-flag path a side that hurt gets nothing at all; otherwise only flexion
    loading is kept off it."""
    strict = phase is Phase.RED_FLAG or candidate.loads_flexion
    avoid = status.hurt_sides if strict else frozenset()
    wanted = SIDES if candidate.side == "both" else (candidate.side,)
    left = [s for s in wanted if s not in avoid]
    if len(left) == len(wanted):
        return candidate.side
    if not left or not candidate.one_sided:
        return None
    return left[0]


def dose_limit(status: SafetyStatus, today: date) -> DoseLimit:
    if status.conservative(today):
        return DoseLimit(bottom_of_range=True)
    if status.comeback(today):
        return DoseLimit(max_sets=COMEBACK_MAX_SETS)
    return DoseLimit()


def notices(status: SafetyStatus, today: date) -> tuple[str, ...]:
    """Template names of the notes a view shows above the plan, most important first."""
    phase = status.phase
    if phase is Phase.RED_FLAG:
        return (NOTICE_RED_FLAG,)
    found = [NOTICE_AWAITING_RETEST] if phase is Phase.AWAITING_RETEST else []
    if status.hurt_sides:
        found.append(NOTICE_TEST_HURT)
    if status.conservative(today):
        found.append(NOTICE_CONSERVATIVE)
    if status.comeback(today):
        found.append(NOTICE_COMEBACK)
    return tuple(found)


def allowed_reminders(status: SafetyStatus) -> frozenset[str]:
    """Reminder kinds that may be sent. On the red-flag path only the weekly gentle check-in
    (the day-after pain check-in too is held: the red-flag message has already answered it)."""
    phase = status.phase
    if phase is Phase.RED_FLAG:
        return frozenset({SAFETY_CHECKIN})
    if phase is Phase.AWAITING_RETEST:
        return frozenset({RETEST})
    return ALL_REMINDERS


def retest_allowed(status: SafetyStatus) -> bool:
    """A re-test is refused on the red-flag path and is the way out after a clearance."""
    return status.phase is not Phase.RED_FLAG


@dataclass(frozen=True)
class ExerciseView:
    """How ``/exercise NAME`` shows one exercise: the how-to always; a dose or a notice."""

    show_dose: bool
    notice: str | None = None
    side: str = "both"


def exercise_view(status: SafetyStatus, candidate: Candidate, today: date) -> ExerciseView:
    result = gate(status, [candidate], today)
    if result.phase is Phase.RED_FLAG:
        return ExerciseView(False, EXERCISE_NOTICE_RED_FLAG)
    if not result.shown:
        return ExerciseView(False, EXERCISE_NOTICES[result.blocked[0][1]])
    shown = result.shown[0]
    notice = EXERCISE_NOTICE_SIDE if shown.side != candidate.side else None
    return ExerciseView(True, notice, shown.side)



def flags_after_edit(stored: Sequence[str], edited: Sequence[str]) -> tuple[str, ...]:
    """Editing the warning-signs answer can add a sign but never silently remove one."""
    return tuple(dict.fromkeys([*stored, *edited]))


# ---------------------------------------------------------------- from stored answers


class AnswerRow(Protocol):
    """A stored screening answer (``screening_answers`` rows satisfy this)."""

    @property
    def question(self) -> str: ...
    @property
    def value(self) -> Any: ...
    @property
    def answered_at(self) -> datetime: ...


def red_flags_from_history(rows: Iterable[AnswerRow]) -> tuple[RedFlag, ...]:
    """Each warning sign with the time it first appeared in the ``red_flags`` answers.

    Flags only ever accumulate (``flags_after_edit``), so a later row without one does not
    clear it; a clearance is the only way out."""
    seen: dict[str, datetime] = {}
    for row in sorted((r for r in rows if r.question == "red_flags"),
                      key=lambda r: r.answered_at):
        values = row.value if isinstance(row.value, list) else []
        for flag in values:
            seen.setdefault(str(flag), row.answered_at)
    return tuple(RedFlag(flag, at) for flag, at in seen.items())


# ---------------------------------------------------------------- the catalog's kinds

_BLOCK_KINDS: Mapping[tuple[str, str], Kind] = {
    ("hip_loading", "mobility"): Kind.MOBILITY,
    ("flexion", "mobility"): Kind.MOBILITY,
    ("stride", "pre_run"): Kind.DRILL,
    ("stride", "hills"): Kind.RUNNING,
    ("stride", "backwards"): Kind.RUNNING,
}
_STRETCHES = frozenset({"kneeling_hip_flexor_stretch"})
# Where an exercise sits in two blocks, the stricter kind wins.
_STRICTNESS = (Kind.MOBILITY, Kind.STRETCH, Kind.DRILL, Kind.RUNNING, Kind.STRENGTH)


@dataclass(frozen=True)
class Kinds:
    """Each exercise's kind, read off the protocol blocks it sits in (strength otherwise)."""

    by_id: Mapping[str, Kind] = field(default_factory=dict)

    def of(self, exercise_id: str) -> Kind:
        return self.by_id.get(exercise_id, Kind.STRENGTH)


def kinds_from_catalog(catalog: Catalog) -> Kinds:
    found: dict[str, Kind] = {}
    blocks = ((p_id, b_id, block) for p_id, protocol in catalog.protocols.items()
              for b_id, block in protocol.blocks.items())
    for protocol, block_id, block in blocks:
        for exercise_id in block.exercise_ids():
            kind = _BLOCK_KINDS.get((protocol, block_id), Kind.STRENGTH)
            if exercise_id in _STRETCHES:
                kind = Kind.STRETCH
            old = found.get(exercise_id, Kind.MOBILITY)
            found[exercise_id] = max(old, kind, key=_STRICTNESS.index)
    return Kinds(found)


def candidate(catalog: Catalog, kinds: Kinds, exercise_id: str, side: str = "both") -> Candidate:
    """A catalog exercise as the gate sees it."""
    exercise = catalog.exercise(exercise_id)
    return Candidate(exercise_id, kinds.of(exercise_id), exercise.motions, side,
                     exercise.one_sided)
