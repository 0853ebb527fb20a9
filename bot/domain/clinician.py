"""What goes into the one-page summary a runner can hand to a clinician. Pure data, stdlib only.

Values are ids and codes (question ids, answer values, exercise ids, reason codes); the words
for them come from content/ when the page is drawn (bot/services/clinician_summary.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

SELF_TESTS = ("thigh_left", "thigh_right", "knee_lift")


@dataclass(frozen=True)
class Answer:
    question: str  # a screening question id (pain, red_flags, goal, equipment, ...)
    values: tuple[str, ...]  # one value, or the ticks of a multi-select
    answered_on: date


@dataclass(frozen=True)
class SelfTest:
    test: str  # thigh_left | thigh_right | knee_lift
    result: str  # pass | fail | hurt
    taken_on: date
    retest: bool = False  # False: at screening


@dataclass(frozen=True)
class PainReport:
    exercise_id: str
    reported_on: date
    side: str | None = None  # left | right | both
    severity: str | None = None  # mild | stopped | sharp


@dataclass(frozen=True)
class PlanDay:
    weekday: str  # mon..sun
    title: str  # a plan.day.* label key
    exercise_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class PlanChange:
    made_on: date
    reason: str  # an adaptation reason code (pain_swap, regress_set, sharp_pain, cleared, ...)
    exercise_id: str | None = None
    replacement_id: str | None = None
    side: str | None = None
    undone: bool = False


@dataclass(frozen=True)
class RedFlagEntry:
    reason: str  # a screening flag or sharp_pain / repeated_pain / worse
    raised_on: date


@dataclass(frozen=True)
class ClinicianSummary:
    """Everything on the page. Lists may be any length; the page keeps the newest entries."""

    generated_on: date
    runner_name: str = ""
    answers: tuple[Answer, ...] = ()
    self_tests: tuple[SelfTest, ...] = ()
    pain_reports: tuple[PainReport, ...] = ()
    red_flags: tuple[RedFlagEntry, ...] = ()
    cleared_on: date | None = None
    plan_days: tuple[PlanDay, ...] = ()
    plan_version: int | None = None
    plan_dated: date | None = None
    changes: tuple[PlanChange, ...] = ()
