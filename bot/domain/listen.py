"""The coach that listens: what was hard or hurt, and how the plan adapts. Pure.

Reports arrive three ways: the walk-through's per-exercise buttons, "Which one was hard?" after
a session marked done, and free text at any time. Each ends in ``conclude``: the outcomes are
stored, the adaptation policy (domain/adaptation.py) decides, and every change is told with its
reason and an Undo button.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date

from bot.domain.adaptation import (
    Adjustment,
    AppliedAdjustment,
    DoseItem,
    ExerciseGraph,
    Kind,
    Node,
    OutcomeRecord,
    active,
    decide,
    undo_last,
)
from bot.domain.buttons import Choice, Feature
from bot.domain.catalog import Catalog
from bot.domain.feedback import Finding, OutcomeKind, Severity, Side
from bot.domain.model import Reply, button
from bot.domain.week import PlanItem, WeekPlan, Why

FEEDBACK = "feedback"
SIDES = ("left", "right", "both")
SEVERITIES = ("mild", "stopped", "sharp")
# The walk's "skip" is the feedback table's "skipped".
WALK_TO_OUTCOME = {"done": "done", "hard": "hard", "pain": "pain", "skip": "skipped"}


@dataclass(frozen=True)
class StoreOutcomes:
    """One session's outcomes, as (exercise, outcome, side, severity, reps) rows."""

    local_date: str
    kind: str
    status: str
    rows: tuple[tuple[str, str, str | None, str | None, int | None], ...]
    words: str | None = None


@dataclass(frozen=True)
class StoreAdjustments:
    adjustments: tuple[Adjustment, ...]


@dataclass(frozen=True)
class UndoAdjustment:
    """Undo the newest change still in force (the row stays, marked undone)."""


@dataclass(frozen=True)
class ScheduleCheckIn:
    """Ask how the painful spot feels on ``on`` (the runner's local date)."""

    on: str
    exercise: str
    side: str | None


ListenEffect = StoreOutcomes | StoreAdjustments | UndoAdjustment | ScheduleCheckIn


# --- the exercise graph and the plan with its adjustments ------------------------------------


def graph_of(catalog: Catalog) -> ExerciseGraph:
    return {e.id: Node("|".join(e.motions), e.easier, e.harder)
            for e in catalog.exercises.values()}


def dose_items(week: WeekPlan) -> list[DoseItem]:
    """The exercises of a week with their largest dose: what the policy reasons about."""
    best: dict[str, DoseItem] = {}
    for day in week.days:
        for item in day.items:
            rounds = item.dose.sets if item.block == "circuit" else None
            known = best.get(item.exercise)
            if known is None or item.dose.sets > known.sets:
                best[item.exercise] = DoseItem(item.exercise, item.dose.sets, item.dose.sets,
                                               rounds)
    return list(best.values())


def adjust_week(week: WeekPlan, history: Sequence[AppliedAdjustment],
                catalog: Catalog) -> WeekPlan:
    changes = [a.adjustment for a in active(history)]
    if not changes:
        return week
    days = tuple(replace(day, items=tuple(i for item in day.items
                                          for i in _adjusted(item, changes, catalog)))
                 for day in week.days)
    return replace(week, days=days)


def _adjusted(item: PlanItem, changes: Sequence[Adjustment],
              catalog: Catalog) -> list[PlanItem]:
    current, left, right = item, 0, 0
    for change in changes:
        if change.exercise_id != current.exercise:
            continue
        if change.kind is Kind.SWAP:
            if change.replacement_id not in catalog.exercises:
                return []  # dropped for pain: nothing easier of that motion
            current = _swapped(current, change, catalog)
        elif change.kind is Kind.DOSE:
            both = change.dose_change.get("rounds", 0)
            left += change.dose_change.get("sets_left", 0) + both
            right += change.dose_change.get("sets_right", 0) + both
    return _split_sides(current, left, right)


def _swapped(item: PlanItem, change: Adjustment, catalog: Catalog) -> PlanItem:
    replacement = catalog.exercise(str(change.replacement_id))
    dose = replace(replacement.dose, sets=item.dose.sets, rest_seconds=item.dose.rest_seconds)
    why = Why("adapted", {"reason": change.reason.value, "from": item.exercise})
    return replace(item, exercise=replacement.id, dose=dose, why=why, replaces=item.exercise)


def _split_sides(item: PlanItem, left: int, right: int) -> list[PlanItem]:
    """Extra sets for one side become an item of their own for that side only."""
    sets = item.dose.sets
    low = max(1, sets + min(left, right))
    base = replace(item, dose=replace(item.dose, sets=low))
    if left == right or item.side != "both":
        return [base]
    side = "left" if left > right else "right"
    extra = replace(item, dose=replace(item.dose, sets=abs(left - right)), side=side,
                    why=Why("weak_side", {"side": side}))
    return [base, extra]


# --- concluding a report ---------------------------------------------------------------------


@dataclass(frozen=True)
class Report:
    """What the runner told us about one session, ready to be stored and acted on."""

    local_date: date
    kind: str
    rows: tuple[tuple[str, str, str | None, str | None, int | None], ...]
    words: str | None = None


def records_of(report: Report) -> list[OutcomeRecord]:
    return [OutcomeRecord(report.local_date, exercise, OutcomeKind(outcome),
                          Side(side) if side else None, Severity(severity) if severity else None)
            for exercise, outcome, side, severity, _reps in report.rows]


@dataclass(frozen=True)
class Conclusion:
    replies: tuple[Reply, ...]
    effects: tuple[ListenEffect, ...]
    history: tuple[AppliedAdjustment, ...]
    red_flag: bool


def conclude(report: Report, turn: int, base: Sequence[DoseItem],
             outcomes: Sequence[OutcomeRecord], history: Sequence[AppliedAdjustment],
             catalog: Catalog) -> Conclusion:
    fresh = records_of(report)
    decision = decide(base, [*outcomes, *fresh], history, graph_of(catalog))
    made = tuple(AppliedAdjustment(a, report.local_date) for a in decision.adjustments)
    skipped = all(row[1] == "skipped" for row in report.rows)
    effects: list[ListenEffect] = [StoreOutcomes(report.local_date.isoformat(), report.kind,
                                                 "skipped" if skipped else "done", report.rows,
                                                 report.words)]
    if made:
        effects.append(StoreAdjustments(decision.adjustments))
    effects += _check_ins(report, decision.check_in_on)
    replies = [_noted(report, catalog)]
    replies += [_change_reply(a, catalog, turn, last=i == len(made) - 1)
                for i, a in enumerate(decision.adjustments)]
    if decision.red_flag:
        replies.append(Reply("feedback_red_flag"))
    return Conclusion(tuple(replies), tuple(effects), (*history, *made), decision.red_flag)


def _check_ins(report: Report, on: date | None) -> list[ListenEffect]:
    pains = [r for r in report.rows if r[1] == "pain"]
    if on is None or not pains:
        return []
    exercise, _, side, _, _ = pains[-1]
    return [ScheduleCheckIn(on.isoformat(), exercise, side)]


def _noted(report: Report, catalog: Catalog) -> Reply:
    rows = [{"name": _name(catalog, e), "outcome": o, "side": s, "severity": v, "reps": r}
            for e, o, s, v, r in report.rows if o != "done"]
    done = sum(1 for row in report.rows if row[1] == "done")
    return Reply("feedback_noted", {"rows": rows, "done": done})


def _change_reply(change: Adjustment, catalog: Catalog, turn: int, last: bool) -> Reply:
    params = {k: _name(catalog, str(v)) if k in ("exercise", "replacement") else v
              for k, v in change.params.items()}
    buttons = ((button("feedback.undo", Choice(turn, Feature.REPORT, "undo")),),) if last else ()
    return Reply("adapt_change", {"reason": change.reason.value, "params": params}, buttons)


def _name(catalog: Catalog, exercise_id: str) -> str:
    found = catalog.exercises.get(exercise_id)
    return found.name if found else exercise_id


def undo(history: Sequence[AppliedAdjustment],
         catalog: Catalog) -> tuple[Reply, tuple[ListenEffect, ...], list[AppliedAdjustment]]:
    live = active(history)
    if not live:
        return Reply("adapt_nothing_to_undo"), (), list(history)
    last = live[-1].adjustment
    name = _name(catalog, last.exercise_id or "")
    return (Reply("adapt_undone", {"reason": last.reason.value, "name": name}),
            (UndoAdjustment(),), undo_last(history))


# --- free text -------------------------------------------------------------------------------


def rows_from_findings(findings: Sequence[Finding]
                       ) -> list[tuple[str, str, str | None, str | None, int | None]]:
    return [(str(f.exercise_id), (f.outcome or OutcomeKind.DONE).value,
             f.side.value if f.side else None, f.severity.value if f.severity else None, f.reps)
            for f in findings if f.exercise_id is not None]


def missing_pain_detail(rows: Sequence[Sequence[object]]) -> tuple[int, str] | None:
    """The first pain row still lacking a side or a severity, and which is missing."""
    for index, row in enumerate(rows):
        if row[1] == "pain" and row[2] is None:
            return index, "side"
        if row[1] == "pain" and row[3] is None:
            return index, "severity"
    return None


def detail_reply(rows: Sequence[Sequence[object]], index: int, asking: str, turn: int,
                 catalog: Catalog) -> Reply:
    name = _name(catalog, str(rows[index][0]))
    options = SIDES if asking == "side" else SEVERITIES
    buttons = tuple((button(f"pain_{asking}.{o}", Choice(turn, Feature.REPORT, asking, o)),)
                    for o in options)
    return Reply(f"ask_pain_{asking}", {"name": name}, buttons)


def _report(turn: int, action: str, arg: str = "") -> Choice:
    return Choice(turn, Feature.REPORT, action, arg)


def pick_reply(candidates: Sequence[str], turn: int) -> Reply:
    buttons = tuple((button(f"exercise.{c}", _report(turn, "pick", c)),) for c in candidates[:4])
    return Reply("feedback_pick", {}, (*buttons,
                                       (button("feedback.none", _report(turn, "pick", "none")),)))


def which_hard_reply(exercises: Sequence[str], chosen: Sequence[str], turn: int) -> Reply:
    toggles = tuple((button(f"exercise.{e}", _report(turn, "t", e), e in chosen),)
                    for e in exercises)
    finish = (button("feedback.all_good" if not chosen else "feedback.these_hard",
                     _report(turn, "good")), button("feedback.hurt", _report(turn, "hurt")))
    return Reply("ask_which_hard", {}, (*toggles, finish))


def which_hurt_reply(exercises: Sequence[str], turn: int) -> Reply:
    buttons = tuple((button(f"exercise.{e}", _report(turn, "h", e)),) for e in exercises)
    return Reply("ask_which_hurt", {}, buttons)


# Words that mean a red flag whatever the exercise (coaching-facts: screening, red flags).
RED_FLAG_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("rest_night", ("at night", "at rest", "in bed", "wakes me", "woke me", "keeps me up")),
    ("numbness", ("numb", "tingl", "pins and needles")),
    ("fall", ("i fell", "after a fall", "since a fall", "since i fell", "fell over")),
    ("limp", ("limp",)),
    ("sharp", ("groin",)),
)


def red_flag_words(text: str) -> list[str]:
    """The red flags a message names; sharp pain in a named move is the policy's to judge."""
    said = " ".join(text.lower().split())[:600]
    return [flag for flag, words in RED_FLAG_WORDS if any(w in said for w in words)]
