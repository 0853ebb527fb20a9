"""The training model's data: slots, plan-wide flags, change records and the session history.

Everything is frozen; every rule is a function from one ``Plan`` to the next. Stdlib only.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from functools import cached_property

SEVERITIES = ("mild", "stopped", "sharp")
SIDES = ("left", "right")
START_WEEKS = 2
BREAK_DAYS = 14  # no counted session for this long is a break
# The six-motion volume's set count: one slot for the whole session (the protocol doses the
# six moves together); each motion's own slot holds its exercise.
VOLUME_SETS = "volume.sets"
OUTCOME_WEIGHT = {"skipped": 0, "done": 1, "mixed": 2, "hard": 3, "pain": 4}
Params = Mapping[str, str | int]


@dataclass(frozen=True)
class Slot:
    """One protocol role (e.g. six-motion volume, abduction) and where it sits on its ladder."""

    id: str
    protocol: str
    role: str
    motion: str
    kind: str
    when: str
    side: str  # "both" | "left" | "right"
    ladder: str
    rung: int
    dropped: bool = False  # pain and no easier exercise of that motion
    excluded: tuple[str, ...] = ()  # circuit moves taken out for pain
    origin: str = "protocol"  # "failed_test": mobility a failed self-test put in
    # The flexion progression keeps one slot per side; these say what that side may do.
    locked: bool = False
    step_cap: int | None = None
    test_hurt: bool = False
    ever_unlocked: bool = False


@dataclass(frozen=True)
class Flags:
    red_flag: bool = False
    red_flag_on: date | None = None
    fall: bool = False  # never foam-roll after a fall
    cleared_on: date | None = None
    awaiting_retest: bool = False  # cleared: the self-tests come again before strength


@dataclass(frozen=True)
class Schedule:
    """Which weekdays carry what, fixed at screening from the runner's answers."""

    run_days: tuple[str, ...]
    strength_days: tuple[str, ...]
    circuit_day: str | None
    hills_day: str | None
    backwards_day: str | None
    minutes: int
    equipment: frozenset[str]
    start_mode: str = "normal"
    motion_order: tuple[str, ...] = ()  # pre-run activation: the goal's weak motions first


@dataclass(frozen=True)
class Change:
    """One change to the plan, told with its reason, undoable on its own.

    ``before``/``after`` are the whole slot as it was and became; flag changes carry
    ``flags_before``/``flags_after`` instead. Undo restores exactly ``before``."""

    id: int
    kind: str
    on: date
    slot: str | None
    reason: str
    params: Params = field(default_factory=dict)
    before: Slot | None = None
    after: Slot | None = None
    flags_before: Flags | None = None
    flags_after: Flags | None = None
    undoable: bool = True
    undone_on: date | None = None
    undoes: int | None = None


@dataclass(frozen=True)
class SlotOutcome:
    slot: str
    outcome: str  # done | hard | pain | skipped
    side: str = "both"
    severity: str | None = None  # pain only: mild | stopped | sharp
    exercise: str | None = None  # which circuit move, for a whole-circuit slot


# The slot of an outcome on a move the plan no longer has: kept for safety only.
OFF_PLAN = ""


@dataclass(frozen=True)
class Session:
    """What the runner reported for one local date ("Did it" = every slot done).

    ``amends``: the day's report told again with more in it (a follow-up after "Did it", a
    later "X was hard"): it replaces what that date counted instead of being a second session.
    """

    on: date
    outcomes: tuple[SlotOutcome, ...]
    amends: bool = False


@dataclass(frozen=True)
class Counted:
    """The one session that counts for a slot on a local date."""

    slot: str
    on: date
    outcome: str


@dataclass(frozen=True)
class PainMark:
    on: date
    side: str
    slot: str  # OFF_PLAN for a move the plan no longer has
    exercise: str | None = None


@dataclass(frozen=True)
class RetestResult:
    thigh_left: str  # pass | fail | hurt
    thigh_right: str
    knee_lift: str | None = None  # pass | fail; None keeps the screening's answer

    def thigh(self, side: str) -> str:
        return self.thigh_left if side == "left" else self.thigh_right


@dataclass(frozen=True)
class Plan:
    start: date
    slots: Mapping[str, Slot]
    schedule: Schedule
    flags: Flags = Flags()
    knee_lift_held: bool = False
    last_test: date | None = None  # screening or the latest re-test
    changes: tuple[Change, ...] = ()
    log: tuple[Counted, ...] = ()
    pains: tuple[PainMark, ...] = ()

    def slot(self, slot_id: str) -> Slot:
        return self.slots[slot_id]

    def with_slot(self, slot: Slot) -> Plan:
        return replace(self, slots={**self.slots, slot.id: slot})

    def next_change_id(self) -> int:
        return max((c.id for c in self.changes), default=0) + 1

    def change(self, change_id: int) -> Change | None:
        return next((c for c in self.changes if c.id == change_id), None)

    def in_start_window(self, on: date) -> bool:
        return self.mode_on(on) != "normal"

    def mode_on(self, on: date) -> str:
        """normal | conservative | comeback on the local date ``on``: the screening's start
        mode for its first 2 weeks; after a break (coaching-facts: no counted session for 14
        days), the comeback rules for 2 weeks from the first day back."""
        screened = self.schedule.start_mode
        if screened != "normal" and (on - self.start).days < 7 * START_WEEKS:
            return screened
        back = self.back_from_break(on)
        return "comeback" if back is not None and (on - back).days < 7 * START_WEEKS \
            else "normal"

    def back_from_break(self, on: date) -> date | None:
        """The first day back after the latest break up to ``on`` (``on`` itself when the last
        counted session was 14 or more days before it), or None when there was no break."""
        days = [d for d in self._session_days if d <= on]
        if days and days[-1] < on and (on - days[-1]).days >= BREAK_DAYS:
            return on
        backs = [later for earlier, later in itertools.pairwise(days)
                 if (later - earlier).days >= BREAK_DAYS]
        return backs[-1] if backs else None

    @cached_property
    def _session_days(self) -> tuple[date, ...]:
        """The local days with a counted session, in order (read on every dose of a day)."""
        return tuple(sorted({c.on for c in self.log}))


@dataclass(frozen=True)
class Step:
    """A rule's answer: the new plan and the changes to tell (each with its own Undo)."""

    plan: Plan
    changes: tuple[Change, ...] = ()


@dataclass(frozen=True)
class Refusal:
    """Nothing changed, and why (a reason key with parameters for the words)."""

    reason: str
    params: Params = field(default_factory=dict)


def flexion_slot_id(side: str) -> str:
    return f"flexion.{side}"
