"""The journal `hipcoach simulate` writes: one entry a day, in the JSON format of the README."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from bot.simulate.runner import Sent


@dataclass(frozen=True)
class Item:
    exercise: str
    slot: str
    protocol: str
    motion: str
    kind: str
    when: str
    sets: int | None = None
    reps: tuple[int, int] | None = None
    seconds: int | None = None
    rounds: int | None = None
    per_side: bool = False
    side: str = "both"


@dataclass(frozen=True)
class Change:
    id: int
    kind: str
    slot: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    reason: str
    undoable: bool

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "kind": self.kind, "slot": self.slot, "from": self.before,
                "to": self.after, "reason": self.reason, "undoable": self.undoable}


@dataclass
class DayEntry:
    date: dt.date
    kind: str = "rest"
    items: list[Item] = field(default_factory=list)
    minutes: dict[str, int] = field(default_factory=dict)
    outcomes: list[dict[str, str]] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    flags: dict[str, Any] = field(default_factory=dict)
    messages: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def empty(cls, day: dt.date) -> DayEntry:
        return cls(day)

    def as_json(self) -> dict[str, Any]:
        return {"date": self.date.isoformat(), "kind": self.kind,
                "items": [_item_json(i) for i in self.items], "minutes": self.minutes,
                "outcomes": self.outcomes, "changes": [c.as_json() for c in self.changes],
                "flags": self.flags, "messages": self.messages}


@dataclass
class Journal:
    persona: str
    weeks: int
    days: list[DayEntry] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {"persona": self.persona, "weeks": self.weeks,
                "days": [d.as_json() for d in self.days]}


def _item_json(item: Item) -> dict[str, Any]:
    raw = asdict(item)
    raw["reps"] = list(item.reps) if item.reps else None
    return raw


def message_entry(sent: Sent, zone: ZoneInfo) -> dict[str, Any]:
    return {"at": sent.at.astimezone(zone).isoformat(), "trigger": sent.trigger,
            "text": sent.message.text,
            "buttons": [b.label for row in sent.message.keyboard for b in row]}
