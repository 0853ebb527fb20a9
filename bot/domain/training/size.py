"""How long a day's work takes, and fitting a strength session into about 40 minutes.

The one estimate (coaching-facts "Size"): about 3 s a rep, holds, both sides when per side,
30 s between sets unless the rung says, 15 s to change to the next move; a circuit rests
2 minutes after each round but the last, counted once for the block. Stdlib only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from bot.domain.training.ladders import Range

if TYPE_CHECKING:
    from bot.domain.training.day import DayItem

SECONDS_PER_REP = 3
SECONDS_BETWEEN = 15  # the change from one move to the next
SECONDS_BETWEEN_SETS = 30  # the rest between sets of one move
RUN_PACE_M_PER_S = 3
STRENGTH_SECONDS = 40 * 60
# Extras first; the six motions and the flexion progression always stay.
TRIM_ORDER = ("stride", "loading")
VOLUME_FLOOR_SETS = 3  # the six-motion volume is 3-4 sets: a long session keeps 3


def item_seconds(item: DayItem) -> int:
    """One move: its sets (or rounds) of reps, holds or bouts, both sides, its rests."""
    return (item.rounds or item.sets) * _one(item) * _sides(item) + _rests(item) \
        + SECONDS_BETWEEN


def _one(item: DayItem) -> int:
    """One set (or one round) on one side."""
    if item.distance_m is not None:
        return _mid(item.reps) * 2 * item.distance_m // RUN_PACE_M_PER_S
    if item.rest_seconds and item.reps and item.when == "during_run":
        return _mid(item.reps) * (_mid(item.seconds) + item.rest_seconds)
    if item.reps:
        return _mid(item.reps) * (SECONDS_PER_REP + (_mid(item.seconds) if item.seconds else 0))
    return _mid(item.seconds)


def _sides(item: DayItem) -> int:
    return 2 if item.per_side and item.side == "both" else 1


def _rests(item: DayItem) -> int:
    if item.when == "during_run" or item.rounds:
        return 0
    return (item.rest_seconds or SECONDS_BETWEEN_SETS) * (item.sets - 1)


def _mid(value: Range | None) -> int:
    return (value[0] + value[1] + 1) // 2 if value else 1


def rounds_rest_seconds(items: Sequence[DayItem]) -> int:
    """The rests of a circuit: after each round but the last, for the whole block once."""
    circuit = [i for i in items if i.rounds and i.when != "during_run"]
    if not circuit:
        return 0
    rounds = max(i.rounds or 1 for i in circuit)
    return (rounds - 1) * max(i.rest_seconds or 0 for i in circuit)


def minutes_of(items: Sequence[DayItem]) -> dict[str, int]:
    totals = {"before_run": 0, "strength": 0, "mobility": 0}
    for item in items:
        if item.when in totals:
            totals[item.when] += item.cost_seconds()
    totals["strength"] += rounds_rest_seconds([i for i in items if i.when == "strength"])
    return {k: -(-v // 60) for k, v in totals.items()}


def fit(items: Sequence[DayItem]) -> tuple[list[DayItem], tuple[str, ...]]:
    """A strength session stays within about 40 minutes, rests counted: stride strength goes
    first, then hip loading; then the six-motion volume's reps come to the bottom of their
    10-15, then its sets to the protocol's 3. The six motions and the flexion progression
    always stay."""
    kept = list(items)
    said: list[str] = []
    for part in TRIM_ORDER:
        for item in reversed([i for i in kept if i.when == "strength"
                              and i.slot.split(".")[0] == part]):
            if _strength_seconds(kept) <= STRENGTH_SECONDS:
                return kept, tuple(said)
            kept.remove(item)
            said = ["trimmed"]  # extras left out
    for notice, lighter in (("trimmed_reps", _bottom_reps), ("trimmed_sets", _three_sets)):
        if _strength_seconds(kept) <= STRENGTH_SECONDS:
            break
        kept = [lighter(i) if i.when == "strength" and i.slot.startswith("volume.") else i
                for i in kept]
        said.append(notice)  # the six motions made lighter
    return kept, tuple(said)


def _strength_seconds(items: Sequence[DayItem]) -> int:
    """The session after (or instead of) a run: strength and the mobility done with it."""
    strength = [i for i in items if i.when in ("strength", "mobility")]
    return sum(i.cost_seconds() for i in strength) + rounds_rest_seconds(strength)


def _bottom_reps(item: DayItem) -> DayItem:
    return replace(item, reps=_bottom_range(item.reps))


def _three_sets(item: DayItem) -> DayItem:
    return replace(item, sets=min(item.sets, VOLUME_FLOOR_SETS))


def _bottom_range(value: Range | None) -> Range | None:
    return (value[0], value[0]) if value else None


