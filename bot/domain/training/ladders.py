"""Ladders: the ordered (exercise, dose) rungs a slot climbs. Stdlib only.

``bot.content.ladders`` builds these from content/ladders/*.yaml after validating them (a ladder
never leaves its motion or its kind); this module only walks them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

Range = tuple[int, int]

KINDS = ("strength", "mobility", "drill", "running", "stretch")


@dataclass(frozen=True)
class Rung:
    """One exercise at one dose. ``exercise`` is None on a whole-block ladder (the circuit,
    stride strength): the dose is then every move's."""

    exercise: str | None
    sets: int = 1
    reps: Range | None = None
    seconds: Range | None = None  # a hold, or a timed bout
    rounds: int | None = None  # whole-circuit rounds
    distance_m: int | None = None
    rest_seconds: int | None = None
    step: int | None = None  # the flexion progression's step
    per_side: bool = False
    equipment: tuple[str, ...] = ()

    def same_exercise(self, other: Rung) -> bool:
        return self.exercise == other.exercise


@dataclass(frozen=True)
class Ladder:
    id: str
    protocol: str
    role: str
    motion: str  # one of the six motions, or "mixed"
    kind: str
    when: str
    rungs: tuple[Rung, ...]
    start: int = 0  # the protocol's own starting rung
    moves: tuple[str, ...] = ()  # a whole-block ladder's moves (activation, circuit, stride)
    move_seconds: int = 60  # a circuit move done on both legs at once
    side_seconds: int = 30  # a one-sided circuit move, each side
    one_sided_moves: frozenset[str] = frozenset()
    flexion_moves: frozenset[str] = frozenset()  # end-range flexion: locked with the test
    hold_moves: frozenset[str] = frozenset()  # moves held for time rather than counted
    per_side_moves: frozenset[str] = frozenset()
    move_motions: Mapping[str, str] = field(default_factory=dict)

    def rung(self, index: int) -> Rung:
        return self.rungs[index]


Ladders = Mapping[str, Ladder]


def next_rung(ladder: Ladder, index: int, step_cap: int | None = None) -> int | None:
    """One rung up; None at the top, or when the next rung's step is not allowed yet."""
    if index + 1 >= len(ladder.rungs):
        return None
    step = ladder.rungs[index + 1].step
    if step_cap is not None and step is not None and step > step_cap:
        return None
    return index + 1


def lower_rung(ladder: Ladder, index: int) -> int | None:
    """One step down: the dose first; below an exercise's bottom dose, the easier exercise at
    its own bottom dose (the safer reading of "then the easier exercise")."""
    if index == 0:
        return None
    below = ladder.rungs[index - 1]
    if below.same_exercise(ladder.rungs[index]):
        return index - 1
    return first_rung_of(ladder, below.exercise)


def easier_exercise_rung(ladder: Ladder, index: int) -> int | None:
    """Pain: straight to the easier exercise at its bottom dose; None when there is none."""
    current = ladder.rungs[index].exercise
    for i in range(index - 1, -1, -1):
        if ladder.rungs[i].exercise != current:
            return first_rung_of(ladder, ladder.rungs[i].exercise)
    return None


def first_rung_of(ladder: Ladder, exercise: str | None) -> int:
    return next(i for i, r in enumerate(ladder.rungs) if r.exercise == exercise)


def first_rung_of_step(ladder: Ladder, step: int) -> int:
    """The first rung at ``step``, or the last one below it when the ladder stops short."""
    best = 0
    for i, rung in enumerate(ladder.rungs):
        if rung.step is not None and rung.step <= step:
            if rung.step == step:
                return i
            best = i
    return first_rung_of(ladder, ladder.rungs[best].exercise)


def bottom_of(ladder: Ladder, index: int) -> Rung:
    """The rung's exercise at its bottom dose (the conservative start)."""
    return ladder.rungs[first_rung_of(ladder, ladder.rungs[index].exercise)]
