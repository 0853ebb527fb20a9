"""The plan as JSON for the database (``plan_versions.plan["training"]``), and back.

Dates are ISO strings; every dataclass is a plain object of its fields. ``FORMAT`` names the
shape so a later change of shape can be recognised and migrated.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict
from datetime import date
from typing import Any

from bot.domain.training.model import (
    Change,
    Counted,
    Flags,
    PainMark,
    Plan,
    Schedule,
    Slot,
)

FORMAT = "training/1"
Json = dict[str, Any]


def plan_to_json(plan: Plan) -> Json:
    return {
        "format": FORMAT,
        "start": plan.start.isoformat(),
        "slots": [_plain(asdict(s)) for s in plan.slots.values()],
        "schedule": _plain({**asdict(plan.schedule),
                            "equipment": sorted(plan.schedule.equipment)}),
        "flags": _plain(asdict(plan.flags)),
        "knee_lift_held": plan.knee_lift_held,
        "last_test": _day(plan.last_test),
        "changes": [_change_json(c) for c in plan.changes],
        "log": [[c.slot, c.on.isoformat(), c.outcome] for c in plan.log],
        "pains": [[p.on.isoformat(), p.side, p.slot, *([p.exercise] if p.exercise else [])]
                  for p in plan.pains],
    }


def plan_from_json(raw: Mapping[str, Any]) -> Plan:
    if raw.get("format") != FORMAT:
        raise ValueError(f"not a stored training plan (format {raw.get('format')!r})")
    slots = [_slot(s) for s in raw["slots"]]
    schedule = raw["schedule"]
    return Plan(
        start=date.fromisoformat(raw["start"]),
        slots={s.id: s for s in slots},
        schedule=Schedule(**{**schedule, "run_days": tuple(schedule["run_days"]),
                             "strength_days": tuple(schedule["strength_days"]),
                             "motion_order": tuple(schedule.get("motion_order", ())),
                             "equipment": frozenset(schedule["equipment"])}),
        flags=_flags(raw["flags"]),
        knee_lift_held=bool(raw["knee_lift_held"]),
        last_test=_parse_day(raw.get("last_test")),
        changes=tuple(_change(c) for c in raw["changes"]),
        log=tuple(Counted(s, date.fromisoformat(d), o) for s, d, o in raw["log"]),
        pains=tuple(PainMark(date.fromisoformat(d), side, s, *rest)
                    for d, side, s, *rest in raw["pains"]),
    )


def _plain(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | frozenset | set):
        return [_plain(v) for v in value]
    return value


def _day(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _parse_day(value: object) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) else None


def _slot(raw: Mapping[str, Any]) -> Slot:
    return Slot(**{**raw, "excluded": tuple(raw.get("excluded", ()))})


def _flags(raw: Mapping[str, Any]) -> Flags:
    return Flags(**{**raw, "red_flag_on": _parse_day(raw.get("red_flag_on")),
                    "cleared_on": _parse_day(raw.get("cleared_on"))})


def _change_json(change: Change) -> Json:
    return {
        "id": change.id, "kind": change.kind, "on": change.on.isoformat(),
        "slot": change.slot, "reason": change.reason, "params": dict(change.params),
        "before": _plain(asdict(change.before)) if change.before else None,
        "after": _plain(asdict(change.after)) if change.after else None,
        "flags_before": _plain(asdict(change.flags_before)) if change.flags_before else None,
        "flags_after": _plain(asdict(change.flags_after)) if change.flags_after else None,
        "undoable": change.undoable, "undone_on": _day(change.undone_on),
        "undoes": change.undoes,
    }


def _change(raw: Mapping[str, Any]) -> Change:
    return Change(
        id=int(raw["id"]), kind=raw["kind"], on=date.fromisoformat(raw["on"]),
        slot=raw["slot"], reason=raw["reason"], params=dict(raw["params"]),
        before=_slot(raw["before"]) if raw["before"] else None,
        after=_slot(raw["after"]) if raw["after"] else None,
        flags_before=_flags(raw["flags_before"]) if raw["flags_before"] else None,
        flags_after=_flags(raw["flags_after"]) if raw["flags_after"] else None,
        undoable=bool(raw["undoable"]), undone_on=_parse_day(raw.get("undone_on")),
        undoes=raw.get("undoes"),
    )
