"""The exercise library as plain data: exercises, doses and protocols. Stdlib only.

``bot.content.exercises`` builds these from content/exercises and content/protocols after
validating them; the program engine reads them and never sees YAML or pydantic.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

MOTIONS = ("flexion", "extension", "abduction", "adduction", "internal_rotation",
           "external_rotation")
# "roller" is never asked in screening; gym members are assumed to have one.
EQUIPMENT = ("band", "block", "step", "gym", "roller")
SOURCES = ("000", "001", "002", "003", "004")

Range = tuple[int, int]

# Every protocol block the engine reads, with the rule numbers it needs from that block.
REQUIRED_RULES: Mapping[tuple[str, str], frozenset[str]] = {
    ("six_motions", "activation"): frozenset({"exercises_min", "exercises_max", "sets_min",
                                              "sets_max", "reps_min", "reps_max"}),
    ("six_motions", "volume"): frozenset({"sets_min", "sets_max", "reps_min", "reps_max",
                                          "sessions_per_week"}),
    ("hip_loading", "mobility"): frozenset(),
    ("hip_loading", "loading"): frozenset(),
    ("circuit", "circuit"): frozenset({"move_seconds", "side_seconds", "rounds_min",
                                       "rounds_max", "rest_seconds"}),
    ("stride", "stride_strength"): frozenset({"reps", "hold_seconds", "sets",
                                              "sessions_per_week"}),
    ("stride", "pre_run"): frozenset({"stretch_hold_seconds", "stretch_sets"}),
    ("stride", "hills"): frozenset({"sprint_seconds_min", "sprint_seconds_max",
                                    "reps_start_min", "reps_start_max", "reps_build_min",
                                    "reps_build_max", "rest_seconds", "sessions_per_week"}),
    ("stride", "backwards"): frozenset({"distance_m", "reps_min", "reps_max",
                                        "sessions_per_week"}),
    ("flexion", "steps"): frozenset({"placement_pass", "placement_fail", "retest_weeks"}),
    ("flexion", "mobility"): frozenset(),
}

# Rough pace used to size a session to the minutes a runner has.
SECONDS_PER_REP = 3
SECONDS_BETWEEN_EXERCISES = 15
RUN_PACE_M_PER_S = 3


@dataclass(frozen=True)
class Dose:
    """How much of one exercise: ``sets`` of reps, a hold, a duration or a distance.

    Ranges are (min, max); a fixed number is (n, n). ``per_side`` means each side gets it.
    """

    sets: int
    reps: Range | None = None
    hold_seconds: Range | None = None
    duration_seconds: Range | None = None
    distance_m: int | None = None
    rest_seconds: int | None = None
    per_side: bool = False

    def seconds_per_set(self) -> int:
        """An estimate of one set's working time, both sides included."""
        reps = _middle(self.reps) if self.reps else 1
        if self.distance_m is not None:
            # Out backwards and a jog back.
            one = reps * 2 * self.distance_m // RUN_PACE_M_PER_S
        elif self.duration_seconds is not None:
            one = reps * _middle(self.duration_seconds) if self.reps else _middle(
                self.duration_seconds)
        else:
            hold = _middle(self.hold_seconds) if self.hold_seconds else 0
            one = reps * (SECONDS_PER_REP + hold) if self.reps else hold
        return one * (2 if self.per_side else 1)

    def total_seconds(self) -> int:
        rests = (self.rest_seconds or 0) * max(self.sets - 1, 0)
        return self.sets * self.seconds_per_set() + rests + SECONDS_BETWEEN_EXERCISES


def _middle(value: Range) -> int:
    return (value[0] + value[1] + 1) // 2


@dataclass(frozen=True)
class Exercise:
    id: str
    name: str
    aliases: tuple[str, ...]
    motions: tuple[str, ...]
    muscles: tuple[str, ...]
    equipment: tuple[str, ...]
    without_equipment: str | None
    one_sided: bool
    dose: Dose
    cues: tuple[str, ...]
    mistake: str
    easier: str | None
    harder: str | None
    source: str
    how_to: str


@dataclass(frozen=True)
class ProtocolItem:
    exercise: str
    dose: Dose | None = None  # None: the exercise's own default dose
    step: int | None = None


@dataclass(frozen=True)
class Block:
    items: tuple[ProtocolItem, ...]
    rules: Mapping[str, int] = field(default_factory=dict)

    def exercise_ids(self) -> tuple[str, ...]:
        return tuple(item.exercise for item in self.items)


@dataclass(frozen=True)
class Protocol:
    id: str
    name: str
    source: str
    blocks: Mapping[str, Block]


@dataclass(frozen=True)
class Catalog:
    exercises: Mapping[str, Exercise]
    protocols: Mapping[str, Protocol]

    def exercise(self, exercise_id: str) -> Exercise:
        return self.exercises[exercise_id]

    def block(self, protocol: str, block: str) -> Block:
        return self.protocols[protocol].blocks[block]

    def rules(self, protocol: str, block: str) -> Mapping[str, int]:
        return self.block(protocol, block).rules

    def dose_in(self, protocol: str, block: str, exercise_id: str) -> Dose:
        """The dose a protocol block gives an exercise, else the exercise's default."""
        for item in self.block(protocol, block).items:
            if item.exercise == exercise_id and item.dose is not None:
                return item.dose
        return self.exercise(exercise_id).dose

    def find(self, text: str) -> Exercise | None:
        """An exercise by id, name or alias, ignoring case, spaces, hyphens and underscores."""
        wanted = normalise_name(text)
        for exercise in self.exercises.values():
            names = (exercise.id, exercise.name, *exercise.aliases)
            if any(normalise_name(name) == wanted for name in names):
                return exercise
        return None


def normalise_name(text: str) -> str:
    return " ".join(text.lower().replace("-", " ").replace("_", " ").split())
