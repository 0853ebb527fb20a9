"""Stored rows -> ``ClinicianSummary``: what ``/summary`` reads before drawing the page.

Takes rows by shape (Protocols), so the ``screening_answers``, ``exercise_outcomes`` and
``plan_versions`` models fit as they are, and a test can pass plain
records. Dates are the runner's local dates (``zone``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from bot.content.ladders import cached_ladders
from bot.domain.clinician import (
    SELF_TESTS,
    Answer,
    ClinicianSummary,
    PainReport,
    PlanChange,
    PlanDay,
    RedFlagEntry,
    SelfTest,
)
from bot.domain.dialogue.coaching import TRAINING_KEY
from bot.domain.safety import AnswerRow, red_flags_from_history
from bot.domain.training import Change, Ladders, Slot, plan_from_json
from bot.paths import content_dir


class OutcomeRow(Protocol):
    @property
    def exercise_id(self) -> str: ...
    @property
    def outcome(self) -> str: ...
    @property
    def side(self) -> str | None: ...
    @property
    def severity(self) -> str | None: ...
    @property
    def recorded_at(self) -> datetime: ...


class PlanRow(Protocol):
    @property
    def number(self) -> int: ...
    @property
    def plan(self) -> dict[str, Any]: ...
    @property
    def created_at(self) -> datetime: ...


def summary_from_records(*, today: date, zone: str, name: str,
                         answers: Iterable[AnswerRow], outcomes: Iterable[OutcomeRow],
                         plan: PlanRow | None, ladders: Ladders | None = None,
                         cleared_at: datetime | None = None) -> ClinicianSummary:
    """The page's facts. Its changes are the plan's own change log (``plan_versions``, the
    training plan's ``changes``): the one record of what the plan changed, and why."""
    tz = ZoneInfo(zone)
    answers = sorted(answers, key=lambda r: r.answered_at)

    def local(at: datetime) -> date:
        return at.astimezone(tz).date()

    return ClinicianSummary(
        generated_on=today, runner_name=name,
        answers=tuple(Answer(r.question, _values(r.value), local(r.answered_at))
                      for r in answers if r.question not in SELF_TESTS),
        self_tests=_self_tests(answers, local),
        pain_reports=tuple(PainReport(o.exercise_id, local(o.recorded_at), o.side, o.severity)
                           for o in outcomes if o.outcome == "pain"),
        red_flags=tuple(RedFlagEntry(f.reason, local(f.raised_at))
                        for f in red_flags_from_history(answers)),
        cleared_on=local(cleared_at) if cleared_at else None,
        plan_days=_plan_days(plan.plan) if plan else (),
        plan_version=plan.number if plan else None,
        plan_dated=local(plan.created_at) if plan else None,
        changes=_changes(plan.plan, ladders or cached_ladders(content_dir())) if plan else (),
    )


def _changes(stored: Mapping[str, Any], ladders: Ladders) -> tuple[PlanChange, ...]:
    raw = stored.get(TRAINING_KEY)
    if not isinstance(raw, Mapping):
        return ()
    return tuple(_change(c, ladders) for c in plan_from_json(raw).changes)


def _change(change: Change, ladders: Ladders) -> PlanChange:
    """One entry of the change log as the page lists it: the reason code
    (``pain.swap`` -> ``pain_swap``), the move it concerned and what took its place."""
    before = _exercise(change.before, ladders)
    after = _exercise(change.after, ladders)
    moved = change.params.get("exercise")
    side = change.params.get("side")
    return PlanChange(change.on, change.reason.replace(".", "_"),
                      str(moved) if moved else before,
                      after if after != before and not moved else None,
                      str(side) if side else None, change.undone_on is not None)


def _exercise(slot: Slot | None, ladders: Ladders) -> str | None:
    if slot is None or slot.ladder not in ladders:
        return None
    return ladders[slot.ladder].rung(slot.rung).exercise


def _values(value: object) -> tuple[str, ...]:
    if isinstance(value, list | tuple):
        return tuple(str(v) for v in value)
    return () if value is None else (str(value),)


def _self_tests(answers: Sequence[AnswerRow],
                local: Callable[[datetime], date]) -> tuple[SelfTest, ...]:
    """Every self-test answer; the first of each test is the screening, later ones re-tests."""
    seen: set[str] = set()
    tests = []
    for row in answers:
        if row.question in SELF_TESTS:
            tests.append(SelfTest(row.question, str(row.value), local(row.answered_at),
                                  retest=row.question in seen))
            seen.add(row.question)
    return tuple(tests)


def _plan_days(plan: Mapping[str, Any]) -> tuple[PlanDay, ...]:
    days = plan.get("days")
    if not isinstance(days, list):
        return ()
    return tuple(PlanDay(str(d.get("weekday")), _title(d), _exercises(d))
                 for d in days if isinstance(d, dict))


def _exercises(day: Mapping[str, Any]) -> tuple[str, ...]:
    items = day.get("items")
    if not isinstance(items, list):
        return ()
    return tuple(str(i["exercise"]) for i in items if isinstance(i, dict) and "exercise" in i)


def _title(day: Mapping[str, Any]) -> str:
    """The plan.day.* label key for a stored day (the stored plan keeps kind and session)."""
    kind, session = day.get("kind"), day.get("session")
    raw = day.get("items")
    items = raw if isinstance(raw, list) else []
    gentle = bool(items) and all(isinstance(i, dict) and i.get("why") == "red_flag_gentle"
                                 for i in items)
    if kind == "run":
        return "plan.day.run_gentle" if gentle else (
            f"plan.day.run_{session}" if session else "plan.day.run")
    if kind == "strength" and session:
        return f"plan.day.{session}"
    return "plan.day.gentle" if gentle else "plan.day.rest"
