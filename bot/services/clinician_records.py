"""Stored rows -> ``ClinicianSummary``: what ``/summary`` reads before drawing the page.

Takes rows by shape (Protocols), so the ``screening_answers``, ``exercise_outcomes``,
``plan_adjustments`` and ``plan_versions`` models fit as they are, and a test can pass plain
records. Dates are the runner's local dates (``zone``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any, Protocol
from zoneinfo import ZoneInfo

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
from bot.domain.safety import AnswerRow, red_flags_from_history


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


class AdjustmentRow(Protocol):
    @property
    def created_at(self) -> datetime: ...
    @property
    def reason(self) -> str: ...
    @property
    def exercise_id(self) -> str | None: ...
    @property
    def replacement_id(self) -> str | None: ...
    @property
    def side(self) -> str | None: ...
    @property
    def undone_at(self) -> datetime | None: ...


class PlanRow(Protocol):
    @property
    def number(self) -> int: ...
    @property
    def plan(self) -> dict[str, Any]: ...
    @property
    def created_at(self) -> datetime: ...


def summary_from_records(*, today: date, zone: str, name: str,
                         answers: Iterable[AnswerRow], outcomes: Iterable[OutcomeRow],
                         adjustments: Iterable[AdjustmentRow], plan: PlanRow | None,
                         cleared_at: datetime | None = None) -> ClinicianSummary:
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
        changes=tuple(PlanChange(local(a.created_at), a.reason, a.exercise_id,
                                 a.replacement_id, a.side, a.undone_at is not None)
                      for a in adjustments),
    )


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
