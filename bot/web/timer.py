"""The session player's timeline: each move's dose as timed segments the page plays in order.

Reps run at a steady count, holds for their seconds, one-sided work does one side, a short
switch, then the other; sets rest between them; a circuit runs its moves round after round with
the circuit's rest between rounds. Work done during a run (hill reps, backwards running) has no
segments: it is reported after the run.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

REP_SECONDS = 3  # one rep at a steady, controlled count
SWITCH_SECONDS = 5
SET_REST_SECONDS = 30  # when the dose names no rest of its own
CIRCUIT_REST_SECONDS = 120  # the circuit's rest between rounds (coaching facts: 2 min)

Segment = dict[str, Any]


def segments(moves: Sequence[Mapping[str, Any]], circuit: bool) -> list[Segment]:
    if circuit:
        return _circuit(moves)
    timeline: list[Segment] = []
    for index, move in enumerate(moves):
        sets = _top(move.get("sets")) or 1
        for number in range(1, sets + 1):
            timeline += _work(index, move, number, sets)
            if number < sets and _timed(move):
                timeline.append(_rest(index, int(move.get("rest") or SET_REST_SECONDS)))
    return timeline


def _circuit(moves: Sequence[Mapping[str, Any]]) -> list[Segment]:
    # A circuit move's dose names its rounds and the rest after each round (the chat's sizes).
    rounds = max((_top(m.get("rounds")) or _top(m.get("sets")) or 1) for m in moves)
    rest = _top(moves[-1].get("rest_after_round")) or CIRCUIT_REST_SECONDS
    timeline: list[Segment] = []
    for number in range(1, rounds + 1):
        for index, move in enumerate(moves):
            timeline += [{**s, "round": number, "rounds": rounds}
                         for s in _work(index, move, 1, 1)]
        if number < rounds:
            timeline.append({**_rest(len(moves) - 1, rest), "round": number,
                             "rounds": rounds})
    return timeline


def _held(move: Mapping[str, Any]) -> Mapping[str, Any]:
    """A circuit move's work time each round (``work``) runs as a hold of that time."""
    if move.get("work") and not (move.get("reps") or move.get("hold")):
        return {**move, "hold": move["work"]}
    return move


def _timed(move: Mapping[str, Any]) -> bool:
    return move.get("phase") != "during" and bool(move.get("reps") or move.get("hold"))


def _work(index: int, move: Mapping[str, Any], number: int, sets: int) -> list[Segment]:
    move = _held(move)
    if not _timed(move):
        return []
    reps, hold = _top(move.get("reps")), _top(move.get("hold"))
    kind, count = ("hold", None) if hold and not reps else ("reps", reps)
    # Reps that each end in a hold (plank hip flexion: 5 reps, hold 10 s) take the hold's time.
    seconds = hold if kind == "hold" else (reps or 1) * max(hold or 0, REP_SECONDS)
    base = {"move": index, "kind": kind, "seconds": seconds, "count": count,
            "set": number, "sets": sets}
    if not move.get("per_side"):
        return [{**base, "side": move.get("side")}]
    return [{**base, "side": "left"},
            {"move": index, "kind": "switch", "seconds": SWITCH_SECONDS, "side": "right"},
            {**base, "side": "right"}]


def _rest(index: int, seconds: int) -> Segment:
    return {"move": index, "kind": "rest", "seconds": seconds}


def _top(value: object) -> int | None:
    """The top of a dose range ([8, 12] -> 12): the timer runs to it, Next moves on sooner."""
    if isinstance(value, list | tuple) and value:
        return int(value[-1])
    return int(value) if isinstance(value, int) else None
