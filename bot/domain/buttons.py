"""Button data as typed values: ``Choice(turn, feature, action, arg)`` and its wire format.

On the wire a button is ``"<turn>|<feature>:<action>"`` or ``"<turn>|<feature>:<action>:<arg>"``
(the argument may itself hold colons, e.g. a time ``06:30``). Telegram allows 64 bytes.
Anything that does not read back becomes a ``BadButton`` event, never an exception: the
dialogue answers it like any other tap.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

MAX_BYTES = 64


class Feature(StrEnum):
    """Who answers a button: one feature module each (``r`` is what reminders have always sent)."""

    QUESTION = "q"  # a screening question's options
    SCREENING = "s"  # summary, change picker, zone and restart confirmations
    TODAY = "today"  # /today's buttons and the walk-through
    VIEW = "view"  # /plan and /exercise
    REPORT = "fb"  # the feedback report and Undo
    RETEST = "rt"
    DATA = "data"  # /delete's confirmation
    SAFE = "sf"  # the red-flag path: "a clinician cleared me", its confirmation, /summary
    REMINDER = "r"


@dataclass(frozen=True)
class Choice:
    """A button press. ``turn`` is the dialogue turn the keyboard was drawn for."""

    turn: int
    feature: Feature
    action: str
    arg: str = ""

    @property
    def data(self) -> str:
        tail = f":{self.arg}" if self.arg else ""
        return f"{self.turn}|{self.feature.value}:{self.action}{tail}"

    def at(self, turn: int) -> Choice:
        return Choice(turn, self.feature, self.action, self.arg)


@dataclass(frozen=True)
class BadButton:
    """Button data we did not draw (or no longer understand); ``problem`` says why."""

    data: str
    problem: str


class ButtonError(ValueError):
    """Raised by ``decode``: the data is not a button this bot draws."""


def decode(data: str) -> Choice:
    if len(data.encode()) > MAX_BYTES:
        raise ButtonError("longer than 64 bytes")
    turn, sep, payload = data.partition("|")
    if not sep:
        raise ButtonError("no '|' between turn and payload")
    if not (turn.isascii() and turn.isdigit()):
        raise ButtonError(f"turn {turn[:8]!r} is not a number")
    feature, _, rest = payload.partition(":")
    action, _, arg = rest.partition(":")
    try:
        known = Feature(feature)
    except ValueError:
        raise ButtonError(f"unknown feature {feature[:12]!r}") from None
    if not action or not (action.isascii() and action.replace("_", "").isalnum()):
        raise ButtonError(f"bad action {action[:12]!r}")
    return Choice(int(turn), known, action, arg)


def parse_button_data(data: str) -> Choice | BadButton:
    """What a press means to the dialogue; a ``BadButton`` (with the reason) when unreadable."""
    try:
        return decode(data)
    except ButtonError as exc:
        return BadButton(data[:MAX_BYTES], str(exc))
