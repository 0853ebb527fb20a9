"""The dialogue's side of the safety gate (``bot.domain.safety``): every day a runner can see
(``/today`` and its next session, ``/plan`` and its days, the walk-through) is ``day``: the
training model's ``day_view`` passed through ``gated``; a reminder's activation passes
``gated`` too, ``/exercise`` passes ``exercise_gate``, reminders pass ``allowed_reminders``.
Pure, stdlib only; shared by the feature modules like ``plan.py``.

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
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from bot.domain import safety, training
from bot.domain.catalog import Catalog
from bot.domain.dialogue import coaching
from bot.domain.dialogue.state import Answers, RecordAnswer, strings
from bot.domain.model import CoachKit

EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
SIDES = {"thigh_left": "left", "thigh_right": "right"}


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


# --- the day through the gate ----------------------------------------------------------------


def day(answers: Mapping[str, object], kit: CoachKit,
        on: date) -> tuple[training.Plan, training.DayView]:
    """The one place a day reaches the runner in the chat: the plan, then ``day_of``."""
    plan = coaching.plan_of(answers, kit, on)
    return plan, day_of(plan, answers, kit.ladders, kit.catalog, kit.started, on)


def day_of(plan: training.Plan, answers: Mapping[str, object], ladders: training.Ladders,
           catalog: Catalog, started: date | None, on: date) -> training.DayView:
    """The day a runner should do: the plan's day (moves told off the plan are gone from it,
    sized to the runner's minutes), then the safety gate. Every view of a day renders from
    this: /today, /plan, the walk-through, the pre-run reminder, /exercise's dose, the
    /settings confirmation and the clinician summary's plan."""
    return gated(training.day_view(plan, ladders, on), answers, catalog, started)


def next_session(answers: Mapping[str, object], kit: CoachKit,
                 on: date) -> training.DayView | None:
    for offset in range(1, 8):
        view = day(answers, kit, on + timedelta(days=offset))[1]
        if view.items:
            return view
    return None


def gated(view: training.DayView, answers: Mapping[str, object], catalog: Catalog,
          started: date | None = None) -> training.DayView:
    """The day with everything the gate holds back removed and doses capped; until the
    runner is clear (red flag, or cleared and waiting for the self-tests) the day is gentle.

    Without a stored plan, the day itself stands for the first plan day: the conservative
    and comeback limits apply, the safer reading."""
    status = status_of(answers, started or view.on)
    items = tuple(kept for i in view.items
                  if (kept := _through_gate(status, catalog, view.on, i)) is not None)
    kind = view.kind
    if status.phase is not safety.Phase.CLEAR:
        kind = "gentle" if items else "rest"
    return replace(view, kind=kind, items=items, minutes=training.minutes_of(items))


def _through_gate(status: safety.SafetyStatus, catalog: Catalog, today: date,
                  item: training.DayItem) -> training.DayItem | None:
    """One item through the gate: held back (None), or with its side and dose limit."""
    if item.exercise not in catalog.exercises:
        return None
    wanted = safety.candidate(catalog, _kinds(catalog), item.exercise, item.side)
    shown = safety.gate(status, [wanted], today).shown
    return _limited(item, shown[0]) if shown else None


def _limited(item: training.DayItem, shown: safety.Shown) -> training.DayItem:
    limit = shown.limit
    sets, rounds = item.sets, item.rounds
    reps, seconds = item.reps, item.seconds
    if limit.bottom_of_range:
        reps, seconds = _bottom(reps), _bottom(seconds)
        sets, rounds = min(sets, 2), min(rounds, 2) if rounds else rounds
    if limit.max_sets is not None:
        sets = min(sets, limit.max_sets)
        rounds = min(rounds, limit.max_sets) if rounds else rounds
    return replace(item, sets=sets, rounds=rounds, reps=reps, seconds=seconds, side=shown.side)


def _bottom(value: tuple[int, int] | None) -> tuple[int, int] | None:
    return (value[0], value[0]) if value else None


# --- size: the training model's estimate, one number everywhere ------------------------------


def minutes_of(view: training.DayView) -> int:
    """The estimated minutes of a day's session (moves during the run are not counted)."""
    return sum(view.minutes.values())


def section_minutes(view: training.DayView) -> dict[str, int]:
    """The estimate of each part of a day as /today shows it: the warm-up before a run (the
    pre-run reminder sums the same moves), then the rest (strength and mobility)."""
    parts = view.minutes
    return {"before": parts.get("before_run", 0),
            "strength": parts.get("strength", 0) + parts.get("mobility", 0)}


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
