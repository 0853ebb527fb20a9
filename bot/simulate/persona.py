"""A simulated runner, read from YAML: who they are (their screening answers) and how they train.

The persona format is public (see the README): its words are the runner's, not the bot's ids,
so `to_answers` maps them onto the screening's option ids in one place.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from bot.domain.parsing import WEEKDAYS, parse_clock_time

Side = Literal["left", "right", "both"]
Severity = Literal["mild", "stopped", "sharp"]
Thigh = Literal["reached", "short", "hurt"]
Feel = Literal["better", "same", "worse"]


class PersonaError(Exception):
    """A persona that cannot be used; the message names the file and the field."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Answers(_Strict):
    pain: Literal["none", "niggle", "most_runs"] = "none"
    red_flags: tuple[Literal["sharp", "rest_or_night", "fall", "numbness", "limp"], ...] = ()
    thigh_left: Thigh = "reached"
    thigh_right: Thigh = "reached"
    knee_lift: Literal["held", "wobbled"] = "held"
    goal: Literal["speed", "endurance", "injury_prevention", "comeback"] = "speed"
    equipment: tuple[Literal["band", "block", "step", "gym"], ...] = ()
    run_days: tuple[str, ...] = ("tue", "thu", "sat")
    run_time: str = "07:30"
    minutes: int = Field(default=10, ge=5, le=30)

    @field_validator("run_days")
    @classmethod
    def _weekdays(cls, days: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [d for d in days if d not in WEEKDAYS]
        if unknown or not days:
            raise ValueError(f"expected some of {', '.join(WEEKDAYS)}; got {list(days)}")
        return days

    @field_validator("run_time")
    @classmethod
    def _clock(cls, value: str) -> str:
        parsed = parse_clock_time(str(value))
        if parsed.value is None:
            raise ValueError(f"expected a time such as 07:30; got {value!r}")
        return parsed.value


class PainEvent(_Strict):
    on: date
    exercise: str
    side: Side = "both"
    severity: Severity = "mild"


class TypedText(_Strict):
    """A message the runner types on a day: at a clock time, or (``during: walk``) while the
    walk-through shows move ``at`` (its number, 1 for the first, or its exercise id)."""

    on: date
    at: str = "19:00"
    text: str = Field(min_length=1, max_length=5000)
    during: Literal["walk"] | None = None

    @field_validator("at", mode="before")
    @classmethod
    def _text(cls, value: object) -> str:
        return str(value)

    @model_validator(mode="after")
    def _when(self) -> TypedText:
        if self.during is None:  # a clock time, written the one way (7:30 -> 07:30)
            object.__setattr__(self, "at", Answers._clock(self.at))
        elif not re.fullmatch(r"[1-9]\d*|[a-z][a-z0-9_]*", self.at):
            raise ValueError(f"at: during a walk, a move's number or exercise id; got {self.at!r}")
        return self

    def typed_at(self, number: int, exercise: str) -> bool:
        """Typed while the walk shows this move?"""
        return self.during == "walk" and self.at in (str(number), exercise)


class Retest(_Strict):
    on: date
    thigh_left: Thigh = "reached"
    thigh_right: Thigh = "reached"
    knee_lift: Literal["held", "wobbled"] = "held"


class RunFile(_Strict):
    """A run file the runner sends that day (relative paths: from the current directory)."""

    on: date
    at: str = "19:00"
    file: Path

    @field_validator("at")
    @classmethod
    def _clock(cls, value: str) -> str:
        return Answers._clock(value)


class Behaviour(_Strict):
    does: float = Field(default=1.0, ge=0, le=1)
    reports: Literal["walk", "did_it"] = "walk"
    hard: Literal["none", "all"] | tuple[str, ...] = "none"
    hard_rate: float = Field(default=0.0, ge=0, le=1)
    pain: tuple[PainEvent, ...] = ()
    texts: tuple[TypedText, ...] = ()
    retests: tuple[Retest, ...] = ()
    checkin: Feel = "better"
    undo: tuple[date, ...] = ()
    clearance: date | None = None
    runs: tuple[RunFile, ...] = ()


class Persona(_Strict):
    name: str = ""
    start: date = date(2027, 1, 4)
    timezone: str = "Europe/Berlin"
    answers: Answers
    behaviour: Behaviour = Behaviour()
    seed: int = 1

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (use an IANA name such as "
                             "Europe/Berlin)") from None
        return value


_PAIN = {"none": "none", "niggle": "mild", "most_runs": "often"}
_FLAG = {"rest_or_night": "rest_night"}
_THIGH = {"reached": "pass", "short": "fail", "hurt": "hurt"}
_HOLD = {"held": "pass", "wobbled": "fail"}
_GOAL = {"injury_prevention": "injury"}


def to_answers(answers: Answers) -> dict[str, str | list[str]]:
    """The persona's answers as the screening's option ids, question by question."""
    return {
        "pain": _PAIN[answers.pain],
        "red_flags": [_FLAG.get(f, f) for f in answers.red_flags],
        "thigh_left": _THIGH[answers.thigh_left],
        "thigh_right": _THIGH[answers.thigh_right],
        "knee_lift": _HOLD[answers.knee_lift],
        "goal": _GOAL.get(answers.goal, answers.goal),
        "equipment": list(answers.equipment),
        "run_days": list(answers.run_days),
        "run_time": answers.run_time,
        "minutes": str(answers.minutes),
    }


def retest_answers(retest: Retest) -> dict[str, str]:
    return {"thigh_left": _THIGH[retest.thigh_left], "thigh_right": _THIGH[retest.thigh_right],
            "knee_lift": _HOLD[retest.knee_lift]}


class _PersonaLoader(yaml.SafeLoader):
    """YAML 1.2 booleans only: the persona format's `on:` key must stay the word "on"."""


_PersonaLoader.yaml_implicit_resolvers = {
    first: [(tag, regex) for tag, regex in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
for _first in "tTfF":
    _PersonaLoader.add_implicit_resolver(
        "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
        list(_first))


def load_persona(path: Path) -> Persona:
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_PersonaLoader)
    except OSError as exc:
        raise PersonaError(f"{path}: cannot read it ({exc.strerror or exc})") from None
    except yaml.YAMLError as exc:
        raise PersonaError(f"{path}: not valid YAML ({_first_line(exc)})") from None
    if not isinstance(raw, dict):
        raise PersonaError(f"{path}: expected a mapping with at least 'answers'")
    raw.setdefault("name", path.stem)
    try:
        return Persona.model_validate(raw)
    except ValidationError as exc:
        raise PersonaError(f"{path}: {_describe(exc)}") from None


def _describe(exc: ValidationError) -> str:
    problems = []
    for error in exc.errors()[:3]:
        where = ".".join(str(part) for part in error["loc"]) or "(top level)"
        problems.append(f"{where}: {error['msg']}")
    more = exc.error_count() - len(problems)
    return "; ".join(problems) + (f" (and {more} more)" if more > 0 else "")


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
