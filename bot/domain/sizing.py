"""How long a session takes, and making it fit. Pure, stdlib only.

Fed by a small input type (``SizedItem``) so both today's plan items and the slot model can be
measured the same way. Estimates use the middle of every range, so a runner at the top of a
range runs a little over and one at the bottom a little under.

Pace assumptions (coaching-facts "Size" and the protocols):
- a rep takes about 3 s, plus any hold at the top; one-sided work counts twice;
- sets are separated by ``SET_REST_SECONDS`` unless the item says otherwise;
- a circuit is rounds of every move (30 s a side or 60 s), with 2 min rest after each round
  but the last;
- a hill rep is the sprint up, a walk down (about four times as long) and the rest;
- backwards running is out backwards and a jog back over the same distance.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, replace
from enum import IntEnum, StrEnum

SECONDS_PER_REP = 3
SET_REST_SECONDS = 30
TRANSITION_SECONDS = 15  # setting up the next exercise
WALK_DOWN_FACTOR = 4  # walking down takes about four times the sprint up
BACKWARDS_M_PER_S = 2.0
JOG_M_PER_S = 3.0

PRE_RUN_MIN_MINUTES = 5
PRE_RUN_MAX_MINUTES = 30
STRENGTH_MAX_MINUTES = 40
VOLUME_SESSIONS_PER_WEEK = 2
VOLUME_MIN_SETS = 3


class Pattern(StrEnum):
    SETS = "sets"  # sets of reps (3 s each plus any hold) or sets of one hold
    CIRCUIT = "circuit"  # one move of a circuit: ``seconds`` a side (or in all) per round
    HILLS = "hills"  # ``reps`` sprints of ``seconds`` uphill, walk down, ``rest_seconds``
    SHUTTLE = "shuttle"  # ``reps`` of ``distance_m`` backwards with a jog back


class Priority(IntEnum):
    """Lower keeps its place longer when a session is trimmed."""

    ESSENTIAL = 0  # six-motion volume: never dropped, only brought to its minimum sets
    CORE = 1  # the flexion step, mobility a failed self-test asked for, first activation
    EXTRA = 2  # drills, loading, stride strength, further activation
    OPTIONAL = 3  # pairings such as gym lifts


Range = tuple[int, int]


@dataclass(frozen=True)
class SizedItem:
    """One exercise as the sizer sees it.

    ``sets`` counts rounds for a circuit move. ``seconds`` is the hold at the top of each rep
    when there are reps, otherwise the work time of a set (or of a circuit move, per side).
    ``min_sets`` is how far trimming may lower ``sets`` (None: the dose is fixed).
    """

    exercise_id: str
    sets: int = 1
    reps: Range | None = None
    seconds: Range | None = None
    per_side: bool = False
    rest_seconds: int | None = None  # between sets; rounds for a circuit; reps for hills
    distance_m: int | None = None
    pattern: Pattern = Pattern.SETS
    priority: Priority = Priority.EXTRA
    min_sets: int | None = None


@dataclass(frozen=True)
class Fit:
    """What stays in a session and what had to go; ``seconds`` is the kept estimate."""

    kept: tuple[SizedItem, ...]
    dropped: tuple[SizedItem, ...]
    seconds: int

    @property
    def minutes(self) -> int:
        return minutes(self.seconds)


@dataclass(frozen=True)
class StrengthFit:
    """One session, or two when the work was split over two days; each at most the cap."""

    sessions: tuple[Fit, ...]
    dropped: tuple[SizedItem, ...]

    @property
    def split(self) -> bool:
        return len(self.sessions) > 1


def minutes(seconds: int) -> int:
    """Whole minutes as a runner would read them: rounded up, at least 1 for any work."""
    return max(1, math.ceil(seconds / 60)) if seconds > 0 else 0


def _middle(value: Range | None, default: int = 0) -> float:
    return (value[0] + value[1]) / 2 if value else default


def work_seconds(item: SizedItem) -> float:
    """Seconds of work in one set (one round for a circuit move), both sides included."""
    sides = 2 if item.per_side else 1
    if item.pattern is Pattern.HILLS:
        sprint = _middle(item.seconds, 8)
        return _middle(item.reps, 1) * sprint * (1 + WALK_DOWN_FACTOR) * sides
    if item.pattern is Pattern.SHUTTLE:
        distance = item.distance_m or 0
        rep = distance / BACKWARDS_M_PER_S + distance / JOG_M_PER_S
        return _middle(item.reps, 1) * rep * sides
    if item.pattern is Pattern.CIRCUIT or item.reps is None:
        return _middle(item.seconds) * sides
    return _middle(item.reps) * (SECONDS_PER_REP + _middle(item.seconds)) * sides


def _rest_seconds(item: SizedItem) -> float:
    if item.pattern is Pattern.HILLS:
        reps = _middle(item.reps, 1)
        return max(reps - 1, 0) * (item.rest_seconds or 0) * item.sets
    if item.pattern is Pattern.CIRCUIT:
        return 0  # counted once per round for the whole circuit
    rest = SET_REST_SECONDS if item.rest_seconds is None else item.rest_seconds
    return max(item.sets - 1, 0) * rest


def item_seconds(item: SizedItem) -> int:
    """The item on its own: its sets, the rests between them and setting it up."""
    total = item.sets * work_seconds(item) + _rest_seconds(item) + TRANSITION_SECONDS
    return round(total)


def session_seconds(items: Iterable[SizedItem]) -> int:
    """The whole session; circuit moves share one rest after every round but the last."""
    items = tuple(items)
    total = sum(item_seconds(i) for i in items)
    circuit = [i for i in items if i.pattern is Pattern.CIRCUIT]
    if circuit:
        rounds = max(i.sets for i in circuit)
        rest = max(SET_REST_SECONDS if i.rest_seconds is None else i.rest_seconds
                   for i in circuit)
        total += max(rounds - 1, 0) * rest
    return total


def session_minutes(items: Iterable[SizedItem]) -> int:
    return minutes(session_seconds(items))


def limited(item: SizedItem, bottom: bool = False, max_sets: int | None = None) -> SizedItem:
    """The item under a safety dose limit (``safety.DoseLimit``): every range at its bottom
    and the fewest sets, and/or at most ``max_sets`` sets (rounds for a circuit)."""
    if bottom:
        item = replace(item, sets=item.min_sets or item.sets,
                       reps=(item.reps[0], item.reps[0]) if item.reps else None,
                       seconds=(item.seconds[0], item.seconds[0]) if item.seconds else None)
    if max_sets is not None and item.sets > max_sets:
        item = replace(item, sets=max_sets)
    return item


def pre_run_minutes_ok(value: int) -> bool:
    """The minutes a runner may give for work before a run (5-30)."""
    return PRE_RUN_MIN_MINUTES <= value <= PRE_RUN_MAX_MINUTES


# ---------------------------------------------------------------- fitting


def _by_priority(items: Sequence[SizedItem]) -> list[int]:
    """Indexes, most important first; the plan's own order breaks ties."""
    return sorted(range(len(items)), key=lambda i: (items[i].priority, i))


def _at_minimum(item: SizedItem) -> SizedItem:
    if item.min_sets is None or item.min_sets >= item.sets:
        return item
    return replace(item, sets=item.min_sets)


def fit_pre_run(items: Sequence[SizedItem], minutes_available: int) -> Fit:
    """Keep the most important items that fit the runner's minutes, in the plan's order.

    More moves beat more sets: every item goes in at its minimum sets first, most important
    first; spare time then brings items back to their full dose in the same order. Minutes
    outside 5-30 are clamped, so a caller that skipped validation still gets a sane session
    (a clear answer to a bad number is ``pre_run_minutes_ok``'s job).
    """
    budget = min(max(minutes_available, PRE_RUN_MIN_MINUTES), PRE_RUN_MAX_MINUTES) * 60
    chosen: dict[int, SizedItem] = {}
    order = _by_priority(items)
    for index in order:
        if session_seconds([*chosen.values(), _at_minimum(items[index])]) <= budget:
            chosen[index] = _at_minimum(items[index])
    for index in order:
        if index in chosen:
            trial = {**chosen, index: items[index]}
            if session_seconds(trial.values()) <= budget:
                chosen = trial
    return _fit(items, chosen)


def _fit(items: Sequence[SizedItem], chosen: dict[int, SizedItem]) -> Fit:
    kept = tuple(chosen[i] for i in sorted(chosen))
    dropped = tuple(items[i] for i in range(len(items)) if i not in chosen)
    return Fit(kept, dropped, session_seconds(kept))


def trim_strength(items: Sequence[SizedItem],
                  max_minutes: int = STRENGTH_MAX_MINUTES) -> Fit:
    """Bring a strength session under the cap, a step at a time, least important first:
    drop EXTRA and OPTIONAL items one by one; then bring a whole priority level down to its
    minimum sets (so the six moves keep one dose between them); then drop CORE items.
    ESSENTIAL items (the six-motion volume) are never dropped."""
    budget = max_minutes * 60
    chosen = dict(enumerate(items))
    order = list(reversed(_by_priority(items)))
    levels = sorted({i.priority for i in items}, reverse=True)
    steps: list[tuple[str, list[int]]] = [
        *(("drop", u) for u in _units(items, order, Priority.EXTRA)),
        *(("shrink", [i for i in order if items[i].priority == p]) for p in levels),
        *(("drop", u) for u in _units(items, order, Priority.CORE, Priority.CORE))]
    for action, indexes in steps:
        if session_seconds(chosen.values()) <= budget:
            break
        for index in indexes:
            if action == "drop":
                chosen.pop(index, None)
            elif index in chosen:
                chosen[index] = _at_minimum(chosen[index])
    return _fit(items, chosen)


def _units(items: Sequence[SizedItem], order: Sequence[int], lowest: Priority,
           highest: Priority = Priority.OPTIONAL) -> list[list[int]]:
    """What is dropped together: a circuit goes as a whole, anything else alone."""
    units: dict[object, list[int]] = {}
    for index in order:
        item = items[index]
        if lowest <= item.priority <= highest:
            key = ("circuit", item.priority) if item.pattern is Pattern.CIRCUIT else index
            units.setdefault(key, []).append(index)
    return list(units.values())


def fit_strength(items: Sequence[SizedItem], max_minutes: int = STRENGTH_MAX_MINUTES,
                 split: bool = True) -> StrengthFit:
    """Trim a strength session to the cap and, when ``split``, give what was trimmed a
    second session of its own (also under the cap); what fits neither is dropped."""
    first = trim_strength(items, max_minutes)
    if not split or not first.dropped:
        return StrengthFit((first,), first.dropped)
    second = trim_strength(first.dropped, max_minutes)
    rest = second.dropped
    if not second.kept:
        return StrengthFit((first,), rest)
    return StrengthFit((first, second), rest)


def volume_sessions(week: Iterable[Sequence[SizedItem]], volume_ids: Collection[str],
                    min_sets: int = VOLUME_MIN_SETS) -> int:
    """How many sessions of a week carry the whole six-motion volume at a real dose."""
    wanted = set(volume_ids)
    count = 0
    for session in week:
        done = {i.exercise_id for i in session if i.sets >= min_sets}
        count += wanted <= done
    return count


def volume_twice_a_week(week: Iterable[Sequence[SizedItem]],
                        volume_ids: Collection[str]) -> bool:
    return volume_sessions(week, volume_ids) >= VOLUME_SESSIONS_PER_WEEK
