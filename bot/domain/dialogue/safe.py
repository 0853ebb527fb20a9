"""The dialogue's side of the safety gate (``bot.domain.safety``): every list of exercises a
runner can see (``/today``, ``/plan``, the walk-through, a report, a reminder's activation, an
undo's new plan) passes ``gated_week``, ``/exercise`` passes ``exercise_gate``, reminders pass
``reminder_allowed``. Pure, stdlib only; shared by the feature modules like ``plan.py``.

What a runner's safety state is, read from the answers alone (no extra table):
- ``red_flags``: the warning signs in force. They only ever grow (``/settings`` keeps them);
  a confirmed clearance is the one thing that empties them.
- ``cleared_on`` (ISO time) and ``cleared_flags``: the last clearance and what it cleared.
- ``retested_on`` (ISO time): the self-tests taken again after that clearance.
Each is also stored as a screening answer, so its date stays in the history. The first plan's
day (for the conservative and comeback weeks) comes from the stored plans (``CoachKit.started``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from bot.domain import safety
from bot.domain.catalog import Catalog, Dose
from bot.domain.dialogue.state import Answers, RecordAnswer, strings
from bot.domain.sizing import (
    PRE_RUN_MIN_MINUTES,
    Fit,
    Pattern,
    Priority,
    SizedItem,
    fit_pre_run,
    session_seconds,
    trim_strength,
)
from bot.domain.week import DayPlan, PlanItem, WeekPlan

EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
SIDES = {"thigh_left": "left", "thigh_right": "right"}
# Blocks whose items are the six-motion volume (kept when a session is trimmed to ~40 min).
_ESSENTIAL_BLOCKS = frozenset({"volume"})
_CORE_BLOCKS = frozenset({"flexion", "mobility", "gentle"})


def _when(value: object) -> datetime | None:
    try:
        found = datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None
    return found if found is None or found.tzinfo is not None else None


def flags_of(answers: Mapping[str, object]) -> list[str]:
    return strings(answers.get("red_flags"))


def status_of(answers: Mapping[str, object],
              started: date | None = None) -> safety.SafetyStatus:
    """The gate's view of a runner: flags in force are raised after the last clearance,
    cleared ones before it, so ``SafetyStatus.phase`` reads red flag / re-test first / clear."""
    cleared = _when(answers.get("cleared_on"))
    past = tuple(safety.RedFlag(f, cleared - timedelta(seconds=1))
                 for f in strings(answers.get("cleared_flags"))) if cleared else ()
    raised = cleared + timedelta(seconds=1) if cleared else EPOCH
    active = tuple(safety.RedFlag(f, raised) for f in flags_of(answers))
    return safety.SafetyStatus(
        red_flags=past + active,
        hurt_sides=frozenset(side for q, side in SIDES.items() if answers.get(q) == "hurt"),
        cleared_at=cleared, retested_at=_when(answers.get("retested_on")),
        pain_often=answers.get("pain") == "often", plan_started=started,
        comeback_started=started if answers.get("goal") == "comeback" else None)


def on_red_flag_path(answers: Mapping[str, object]) -> bool:
    return status_of(answers).phase is safety.Phase.RED_FLAG


_KINDS: dict[int, tuple[Catalog, safety.Kinds]] = {}


def _kinds(catalog: Catalog) -> safety.Kinds:
    """Each exercise's kind, worked out once per catalog (the catalog is loaded once)."""
    cached = _KINDS.get(id(catalog))
    if cached is None or cached[0] is not catalog:
        cached = _KINDS[id(catalog)] = (catalog, safety.kinds_from_catalog(catalog))
    return cached[1]


# --- the week through the gate ---------------------------------------------------------------


def gated_week(week: WeekPlan, answers: Mapping[str, object], catalog: Catalog,
               on: date | None = None, started: date | None = None) -> WeekPlan:
    """The week with everything the gate holds back removed, doses capped, strength days
    trimmed to about 40 minutes; on the red-flag path no day is a run day.

    Without ``on`` (a stored plan version), the first plan day stands for today: the
    conservative and comeback limits apply, the safer reading."""
    status = status_of(answers, started or on)  # no plan stored yet: it starts today
    today = on or status.plan_started or date(2000, 1, 1)
    red = status.phase is safety.Phase.RED_FLAG
    days = tuple(_gated_day(day, status, catalog, today, red, answers) for day in week.days)
    return replace(week, days=days)


def _gated_day(day: DayPlan, status: safety.SafetyStatus, catalog: Catalog, today: date,
               red: bool, answers: Mapping[str, object]) -> DayPlan:
    items = tuple(kept for i in day.items
                  if (kept := _through_gate(status, catalog, today, i)) is not None)
    if not red:
        items = fit_day(items, minutes_before_run(answers))
    if red or status.phase is not safety.Phase.CLEAR:
        title = "plan.day.gentle" if items else "plan.day.rest"
        return DayPlan(day.weekday, "rest", title, items, None)
    return replace(day, items=items)


def _through_gate(status: safety.SafetyStatus, catalog: Catalog, today: date,
                  item: PlanItem) -> PlanItem | None:
    """One item through the gate: held back (None), or with its side and dose limit."""
    if item.exercise not in catalog.exercises:
        return None
    wanted = safety.candidate(catalog, _kinds(catalog), item.exercise, item.side)
    shown = safety.gate(status, [wanted], today).shown
    return _limited(item, shown[0]) if shown else None


def _limited(item: PlanItem, shown: safety.Shown) -> PlanItem:
    dose, limit = item.dose, shown.limit
    if limit.bottom_of_range:
        dose = replace(dose, reps=_bottom(dose.reps), hold_seconds=_bottom(dose.hold_seconds),
                       duration_seconds=_bottom(dose.duration_seconds))
        dose = replace(dose, sets=min(dose.sets, 2))
    if limit.max_sets is not None and dose.sets > limit.max_sets:
        dose = replace(dose, sets=limit.max_sets)
    return replace(item, dose=dose, side=shown.side)


def _bottom(value: tuple[int, int] | None) -> tuple[int, int] | None:
    return (value[0], value[0]) if value else None


# --- size --------------------------------------------------------------------------------------


def sized(item: PlanItem) -> SizedItem:
    dose = item.dose
    pattern = (Pattern.CIRCUIT if item.block == "circuit" else
               Pattern.SHUTTLE if dose.distance_m else
               Pattern.HILLS if item.exercise in safety.HILLS else Pattern.SETS)
    priority = (Priority.ESSENTIAL if item.block in _ESSENTIAL_BLOCKS else
                Priority.CORE if item.block in _CORE_BLOCKS else Priority.EXTRA)
    return SizedItem(item.exercise, dose.sets, dose.reps,
                     dose.hold_seconds or dose.duration_seconds, dose.per_side,
                     dose.rest_seconds, dose.distance_m, pattern, priority,
                     min_sets=min(dose.sets, 3) if priority is Priority.ESSENTIAL else 1)


def minutes_before_run(answers: Mapping[str, object]) -> int:
    value = answers.get("minutes")
    return value if isinstance(value, int) else PRE_RUN_MIN_MINUTES


def fit_day(items: Sequence[PlanItem], minutes: int) -> tuple[PlanItem, ...]:
    """The work before a run fits the runner's minutes; the strength session (on its own day
    or after a run) is about 40 minutes at most; the least important work goes first."""
    before = [i for i in items if _group(i) == "before"]
    strength = [i for i in items if _group(i) == "strength"]
    kept = {"before": _kept(fit_pre_run([sized(i) for i in before], minutes)),
            "strength": _kept(trim_strength([sized(i) for i in strength]))}
    fitted: list[PlanItem] = []
    for item in items:
        sets = kept.get(_group(item), {}).get(item.exercise)
        if _group(item) not in kept:
            fitted.append(item)
        elif sets is not None:
            fitted.append(replace(item, dose=replace(item.dose, sets=sets)))
    return tuple(fitted)


def _group(item: PlanItem) -> str:
    return {"before": "before", "after": "strength", "main": "strength"}.get(item.phase, "")


def _kept(fit: Fit) -> dict[str, int]:
    return {s.exercise_id: s.sets for s in fit.kept}


def minutes_of(items: Iterable[PlanItem]) -> int:
    """The estimated minutes of a session (moves during the run are not counted)."""
    seconds = session_seconds([sized(i) for i in items if i.phase != "during"])
    return -(-seconds // 60) if seconds else 0


def section_minutes(items: Sequence[PlanItem]) -> dict[str, int]:
    """The estimate of each part of a day: the warm-up before a run, the strength session."""
    return {group: minutes_of(i for i in items if _group(i) == group)
            for group in ("before", "strength")}


def view_seconds(view: Mapping[str, object]) -> int:
    """One item view's own estimate (the reminder adds them up)."""
    def pair(key: str) -> tuple[int, int] | None:
        raw = view.get(key)
        return (int(raw[0]), int(raw[1])) if isinstance(raw, list | tuple) and raw else None
    sets = view.get("sets")
    dose = Dose(sets=sets if isinstance(sets, int) else 1, reps=pair("reps"),
                hold_seconds=pair("hold"), duration_seconds=pair("duration"),
                per_side=bool(view.get("per_side")))
    return session_seconds([SizedItem(str(view.get("id")), dose.sets, dose.reps,
                                      dose.hold_seconds or dose.duration_seconds,
                                      dose.per_side)])


# --- /exercise and reminders ------------------------------------------------------------------


def exercise_gate(answers: Mapping[str, object], catalog: Catalog, exercise_id: str,
                  today: date) -> safety.ExerciseView:
    status = status_of(answers)
    return safety.exercise_view(status, safety.candidate(catalog, _kinds(catalog), exercise_id),
                                today)


def allowed_reminders(answers: Mapping[str, object]) -> frozenset[str]:
    return safety.allowed_reminders(status_of(answers))


def notes(answers: Mapping[str, object], today: date, started: date | None = None) -> list[str]:
    """The safety notes a view shows above the plan (template names, most important first)."""
    return list(safety.notices(status_of(answers, started or today), today))


def hurt_sides(answers: Mapping[str, object]) -> list[str]:
    return [side for q, side in SIDES.items() if answers.get(q) == "hurt"]


# --- answers that change the safety state ------------------------------------------------------


def cleared(answers: Answers, now: datetime) -> dict[str, object]:
    """The answers after a confirmed clearance: flags moved to ``cleared_flags``."""
    past = strings(answers.get("cleared_flags"))
    return {**answers, "red_flags": [], "cleared_on": now.isoformat(),
            "cleared_flags": [*past, *(f for f in flags_of(answers) if f not in past)]}


def awaiting_retest(answers: Mapping[str, object]) -> bool:
    return status_of(answers).phase is safety.Phase.AWAITING_RETEST


def after_retest(answers: Answers, now: datetime) -> tuple[Answers, tuple[RecordAnswer, ...]]:
    """Self-tests taken after a clearance are noted with their time: strength may return."""
    if not awaiting_retest(answers):
        return answers, ()
    stamp = now.isoformat()
    return {**answers, "retested_on": stamp}, (RecordAnswer("retested_on", stamp),)


_HOW = re.compile(r"\bhow\b.*\b(do|does|to|should)\b|\bhow\s*\?|\bwhat do i do\b|\bshow me\b|"
                  r"\bexplain\b|\bhow\b$")


def asks_how(text: str) -> bool:
    """Mid-walk questions such as "how do I do this?" ask for the move's how-to."""
    return bool(_HOW.search(" ".join(text.lower().split())))
