"""Adapting the plan to how the exercises went (coaching-facts "Adapting").

The plan the user follows is a base plan with adjustments applied on top, oldest first. Every
decision is one more adjustment with a reason code and the numbers a template needs, so the
bot can say why it changed something, and Undo is simply "stop applying the newest one".

- Two clean completions in a row, neither marked hard: progress (the harder neighbour; else one
  more set; else one more round), unless a red flag paused progression.
- Two "hard" in a row: regress (the easier neighbour; else one set fewer).
- Pain: swap to the easier neighbour of the same motion at once and check in the next day.
- Pain twice within 14 days on the same exercise or the same hip, or any sharp pain: the
  red-flag path; progression pauses until the user says they are cleared.
- One side marked harder gets the extra work: a set added on that side only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from enum import StrEnum
from typing import NamedTuple

from bot.domain.feedback import OutcomeKind, Severity, Side

REPEATED_PAIN_WINDOW = timedelta(days=14)
MAX_SETS = 4  # "3-4 or more sets" (Protocol A); past this a step or round is the progression
MAX_ROUNDS = 4  # Protocol C: 2-4 rounds
MIN_SETS = 1
CLEAN_STREAK = 2
HARD_STREAK = 2


class Node(NamedTuple):
    """An exercise's place in the graph: its hip motion and its easier and harder neighbours."""

    motion: str
    easier: str | None
    harder: str | None


ExerciseGraph = Mapping[str, Node]


class Kind(StrEnum):
    SWAP = "swap"
    DOSE = "dose"
    PAUSE = "pause"  # red flag: progression stops
    RESUME = "resume"  # the user says a clinician cleared them


class Reason(StrEnum):
    PROGRESS_STEP = "progress_step"
    PROGRESS_SET = "progress_set"
    PROGRESS_ROUND = "progress_round"
    PROGRESS_WEAK_SIDE = "progress_weak_side"
    REGRESS_STEP = "regress_step"
    REGRESS_SET = "regress_set"
    PAIN_SWAP = "pain_swap"
    PAIN_DROP = "pain_drop"  # pain and nothing easier of that motion: leave it out for now
    SHARP_PAIN = "sharp_pain"
    REPEATED_PAIN = "repeated_pain"
    CLEARED = "cleared"


PROGRESS_REASONS = frozenset({Reason.PROGRESS_STEP, Reason.PROGRESS_SET, Reason.PROGRESS_ROUND,
                              Reason.PROGRESS_WEAK_SIDE})


@dataclass(frozen=True)
class OutcomeRecord:
    day: date
    exercise_id: str
    outcome: OutcomeKind
    side: Side | None = None
    severity: Severity | None = None


@dataclass(frozen=True)
class DoseItem:
    """One exercise of the plan with its dose; sets are counted per side."""

    exercise_id: str
    sets_left: int
    sets_right: int
    rounds: int | None = None  # circuits progress by rounds, not sets

    @property
    def sets(self) -> int:
        return max(self.sets_left, self.sets_right)


@dataclass(frozen=True)
class Adjustment:
    kind: Kind
    reason: Reason
    exercise_id: str | None = None
    replacement_id: str | None = None
    side: Side | None = None
    # {"sets_left": +1}, {"sets_left": -1, "sets_right": -1}, {"rounds": +1}
    dose_change: Mapping[str, int] = field(default_factory=dict)
    params: Mapping[str, str | int] = field(default_factory=dict)


@dataclass(frozen=True)
class AppliedAdjustment:
    """An adjustment in the user's history: when it was made and whether it was undone."""

    adjustment: Adjustment
    made_on: date
    undone: bool = False


@dataclass(frozen=True)
class Decision:
    adjustments: tuple[Adjustment, ...] = ()
    check_in_on: date | None = None  # ask how the painful spot feels on this day
    red_flag: bool = False


def active(history: Sequence[AppliedAdjustment]) -> list[AppliedAdjustment]:
    return [a for a in history if not a.undone]


def undo_last(history: Sequence[AppliedAdjustment]) -> list[AppliedAdjustment]:
    """The history with its newest active adjustment marked undone (kept, not deleted)."""
    result = list(history)
    for index in range(len(result) - 1, -1, -1):
        if not result[index].undone:
            result[index] = replace(result[index], undone=True)
            break
    return result


def progression_paused(history: Sequence[AppliedAdjustment]) -> bool:
    state = [a.adjustment.kind for a in active(history)
             if a.adjustment.kind in (Kind.PAUSE, Kind.RESUME)]
    return bool(state) and state[-1] is Kind.PAUSE


def apply(base: Sequence[DoseItem], history: Sequence[AppliedAdjustment]) -> tuple[DoseItem, ...]:
    """The plan the user follows now: the base plan with every active adjustment applied."""
    items = list(base)
    for applied in active(history):
        items = _apply_one(items, applied.adjustment)
    return tuple(items)


def _apply_one(items: list[DoseItem], adjustment: Adjustment) -> list[DoseItem]:
    result: list[DoseItem] = []
    for item in items:
        if item.exercise_id != adjustment.exercise_id:
            result.append(item)
        elif adjustment.kind is Kind.SWAP and adjustment.replacement_id is None:
            continue
        elif adjustment.kind is Kind.SWAP:
            result.append(replace(item, exercise_id=adjustment.replacement_id or item.exercise_id))
        elif adjustment.kind is Kind.DOSE:
            result.append(_dosed(item, adjustment.dose_change))
        else:
            result.append(item)
    return result


def _dosed(item: DoseItem, change: Mapping[str, int]) -> DoseItem:
    rounds = item.rounds
    if rounds is not None:
        rounds = max(1, rounds + change.get("rounds", 0))
    return replace(item,
                   sets_left=max(MIN_SETS, item.sets_left + change.get("sets_left", 0)),
                   sets_right=max(MIN_SETS, item.sets_right + change.get("sets_right", 0)),
                   rounds=rounds)


def decide(
    base: Sequence[DoseItem],
    outcomes: Sequence[OutcomeRecord],
    history: Sequence[AppliedAdjustment],
    graph: ExerciseGraph,
) -> Decision:
    """What to change after the newest outcomes; an empty Decision when nothing should.

    Outcomes on or before the day an exercise was last adjusted were already acted on, so
    running this twice on the same data changes nothing the second time.
    """
    plan = apply(base, history)
    paused = progression_paused(history)
    changes: list[Adjustment] = []
    check_in: date | None = None
    red_flag = False
    for item in plan:
        fresh = _fresh_outcomes(item.exercise_id, outcomes, history)
        if not fresh:
            continue
        pain = _pain_decision(item, fresh[-1], outcomes, graph, paused or red_flag)
        if pain is not None:
            changes += pain.adjustments
            red_flag = red_flag or pain.red_flag
            check_in = check_in or pain.check_in_on
            continue
        step = _streak_decision(item, fresh, graph, paused or red_flag)
        if step is not None:
            changes.append(step)
    return Decision(tuple(changes), check_in, red_flag)


def _fresh_outcomes(exercise_id: str, outcomes: Sequence[OutcomeRecord],
                    history: Sequence[AppliedAdjustment]) -> list[OutcomeRecord]:
    touched = [a.made_on for a in active(history)
               if exercise_id in (a.adjustment.exercise_id, a.adjustment.replacement_id)]
    since = max(touched, default=date.min)
    mine = [o for o in outcomes if o.exercise_id == exercise_id and o.day > since]
    return sorted(mine, key=lambda o: o.day)


def _pain_decision(item: DoseItem, latest: OutcomeRecord, outcomes: Sequence[OutcomeRecord],
                   graph: ExerciseGraph, paused: bool) -> Decision | None:
    if latest.outcome is not OutcomeKind.PAIN:
        return None
    side_param = {"side": latest.side.value} if latest.side else {}
    swap = _pain_swap(item, latest, graph)
    if latest.severity is Severity.SHARP:
        flag = _red_flag(Reason.SHARP_PAIN, item, latest, {**side_param}, paused)
        return Decision((swap, *flag), latest.day + timedelta(days=1), red_flag=True)
    reports = _pain_reports_near(latest, outcomes)
    if reports >= 2:
        params: dict[str, str | int] = {**side_param, "reports": reports,
                                        "days": REPEATED_PAIN_WINDOW.days}
        flag = _red_flag(Reason.REPEATED_PAIN, item, latest, params, paused)
        return Decision((swap, *flag), latest.day + timedelta(days=1), red_flag=True)
    return Decision((swap,), latest.day + timedelta(days=1))


def _red_flag(reason: Reason, item: DoseItem, latest: OutcomeRecord,
              params: Mapping[str, str | int], paused: bool) -> tuple[Adjustment, ...]:
    if paused:
        return ()  # already on the red-flag path; one pause is enough to undo
    return (Adjustment(Kind.PAUSE, reason, item.exercise_id, side=latest.side,
                       params={"exercise": item.exercise_id, **params}),)


def _easier_same_motion(exercise_id: str, graph: ExerciseGraph) -> str | None:
    """The nearest easier exercise that trains the same motion, walking down the chain."""
    node = graph.get(exercise_id)
    if node is None:
        return None
    candidate, seen = node.easier, {exercise_id}
    while candidate is not None and candidate not in seen:
        below = graph.get(candidate)
        if below is None or _shares_motion(below.motion, node.motion):
            return candidate
        seen.add(candidate)
        candidate = below.easier
    return None


def _shares_motion(one: str, other: str) -> bool:
    """Motions are one name or several joined by "|" (a move can train more than one)."""
    return one == other or bool(set(one.split("|")) & set(other.split("|")))


def _pain_swap(item: DoseItem, latest: OutcomeRecord, graph: ExerciseGraph) -> Adjustment:
    node = graph.get(item.exercise_id)
    easier = _easier_same_motion(item.exercise_id, graph)
    params: dict[str, str | int] = {"exercise": item.exercise_id}
    if node:
        params["motion"] = node.motion
    if latest.side:
        params["side"] = latest.side.value
    if easier is None:
        return Adjustment(Kind.SWAP, Reason.PAIN_DROP, item.exercise_id, None, latest.side,
                          params=params)
    return Adjustment(Kind.SWAP, Reason.PAIN_SWAP, item.exercise_id, easier, latest.side,
                      params={**params, "replacement": easier})


def _pain_reports_near(latest: OutcomeRecord, outcomes: Sequence[OutcomeRecord]) -> int:
    """Pain reports in the 14 days up to ``latest`` on its exercise or on the same hip."""
    start = latest.day - REPEATED_PAIN_WINDOW + timedelta(days=1)
    return sum(1 for o in outcomes
               if o.outcome is OutcomeKind.PAIN and start <= o.day <= latest.day
               and (o.exercise_id == latest.exercise_id or _same_hip(o.side, latest.side)))


def _same_hip(one: Side | None, other: Side | None) -> bool:
    if one is None or other is None:
        return False
    return one is other or Side.BOTH in (one, other)


def _streak_decision(item: DoseItem, fresh: list[OutcomeRecord], graph: ExerciseGraph,
                     paused: bool) -> Adjustment | None:
    last = fresh[-HARD_STREAK:]
    if len(last) == HARD_STREAK and all(o.outcome is OutcomeKind.HARD for o in last):
        return _regress(item, last, graph)
    last = fresh[-CLEAN_STREAK:]
    clean = (OutcomeKind.DONE, OutcomeKind.EASY)
    if len(last) == CLEAN_STREAK and all(o.outcome in clean for o in last) and not paused:
        return _progress(item, fresh, graph)
    return None


def _regress(item: DoseItem, hard: list[OutcomeRecord], graph: ExerciseGraph) -> Adjustment:
    params: dict[str, str | int] = {"exercise": item.exercise_id, "times": len(hard)}
    easier = _easier_same_motion(item.exercise_id, graph)
    if easier:
        return Adjustment(Kind.SWAP, Reason.REGRESS_STEP, item.exercise_id, easier,
                          params={**params, "replacement": easier})
    side = _one_side({o.side for o in hard})
    change = _per_side(side, -1)
    return Adjustment(Kind.DOSE, Reason.REGRESS_SET, item.exercise_id, side=side,
                      dose_change=change,
                      params={**params, "sets": max(MIN_SETS, item.sets - 1),
                              **({"side": side.value} if side else {})})


def _progress(item: DoseItem, fresh: list[OutcomeRecord], graph: ExerciseGraph
              ) -> Adjustment | None:
    params: dict[str, str | int] = {"exercise": item.exercise_id}
    weak = _weaker_side(fresh)
    if weak is not None and _side_sets(item, weak) < MAX_SETS:
        # The harder side catches up before the whole exercise moves on.
        return Adjustment(Kind.DOSE, Reason.PROGRESS_WEAK_SIDE, item.exercise_id, side=weak,
                          dose_change=_per_side(weak, +1),
                          params={**params, "side": weak.value,
                                  "sets": _side_sets(item, weak) + 1})
    node = graph.get(item.exercise_id)
    if node and node.harder:
        return Adjustment(Kind.SWAP, Reason.PROGRESS_STEP, item.exercise_id, node.harder,
                          params={**params, "replacement": node.harder})
    if item.rounds is not None:
        if item.rounds >= MAX_ROUNDS:
            return None
        return Adjustment(Kind.DOSE, Reason.PROGRESS_ROUND, item.exercise_id,
                          dose_change={"rounds": 1}, params={**params, "rounds": item.rounds + 1})
    if item.sets >= MAX_SETS:
        return None
    return Adjustment(Kind.DOSE, Reason.PROGRESS_SET, item.exercise_id,
                      dose_change=_per_side(None, +1), params={**params, "sets": item.sets + 1})


def _weaker_side(fresh: list[OutcomeRecord]) -> Side | None:
    """The side last marked harder on its own since the exercise last changed."""
    one_sided = [o.side for o in fresh if o.outcome is OutcomeKind.HARD
                 and o.side in (Side.LEFT, Side.RIGHT)]
    return one_sided[-1] if one_sided else None


def _side_sets(item: DoseItem, side: Side) -> int:
    return item.sets_left if side is Side.LEFT else item.sets_right


def _one_side(sides: set[Side | None]) -> Side | None:
    return next(iter(sides)) if len(sides) == 1 and sides <= {Side.LEFT, Side.RIGHT} else None


def _per_side(side: Side | None, delta: int) -> dict[str, int]:
    if side is Side.LEFT:
        return {"sets_left": delta}
    if side is Side.RIGHT:
        return {"sets_right": delta}
    return {"sets_left": delta, "sets_right": delta}


def level_offsets(history: Sequence[AppliedAdjustment]) -> dict[str, int]:
    """Steps up (+) or down (-) from each base exercise, following chains of swaps.

    This is the shape the program engine's ``Progress.levels`` takes; swaps that drop an
    exercise for pain have no level and are left to the plan itself.
    """
    origin: dict[str, str] = {}
    levels: dict[str, int] = {}
    for applied in active(history):
        change = applied.adjustment
        if change.kind is not Kind.SWAP or not change.exercise_id or not change.replacement_id:
            continue
        base = origin.get(change.exercise_id, change.exercise_id)
        step = 1 if change.reason is Reason.PROGRESS_STEP else -1
        levels[base] = levels.get(base, 0) + step
        origin[change.replacement_id] = base
    return {k: v for k, v in levels.items() if v}


def resume(exercise_id: str | None = None) -> Adjustment:
    """The user says a clinician cleared them: progression may start again."""
    return Adjustment(Kind.RESUME, Reason.CLEARED, exercise_id)
