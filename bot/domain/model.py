"""Events the dialogue reacts to and replies it produces, independent of any channel."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from bot.domain.coach import CoachKit


@dataclass(frozen=True)
class Command:
    """A slash command such as ``/start``; ``name`` has no slash and is lower-case."""

    name: str
    args: str = ""


@dataclass(frozen=True)
class Text:
    text: str


@dataclass(frozen=True)
class Choice:
    """A button press. ``turn`` is the dialogue turn the keyboard was drawn for."""

    turn: int
    value: str


@dataclass(frozen=True)
class Location:
    latitude: float
    longitude: float


@dataclass(frozen=True)
class Unsupported:
    """A sticker, photo, voice note or anything else we cannot read."""

    kind: str


Event = Command | Text | Choice | Location | Unsupported


@dataclass(frozen=True)
class Button:
    """``label`` is a key into content/labels.yaml; ``data`` is what a press sends back."""

    label: str
    data: str
    selected: bool | None = None


Keyboard = tuple[tuple[Button, ...], ...]


@dataclass(frozen=True)
class Reply:
    """A message to show: ``template`` names a file under content/texts/ (without ``.j2``)."""

    template: str
    params: Mapping[str, object] = field(default_factory=dict)
    buttons: Keyboard = ()
    edit: bool = False
    request_location: bool = False
    # Telegram's "share location" keyboard stays up until a message takes it down.
    dismiss_keyboard: bool = False


@dataclass(frozen=True)
class ZoneMatch:
    """A resolved IANA zone and how it was found (``name``, ``city``, ``offset``, ``location``)."""

    zone: str
    via: str
    label: str


class ZoneResolver(Protocol):
    def from_text(self, text: str) -> ZoneMatch | None: ...

    def from_location(self, latitude: float, longitude: float) -> ZoneMatch | None: ...


@dataclass(frozen=True)
class Context:
    """What a transition may know about the world besides the dialogue itself."""

    now: datetime
    zones: ZoneResolver
    first_name: str = ""
    coach: CoachKit | None = None  # the library and stored progress, once screening is done


def parse_button_data(data: str) -> Choice | None:
    """Reads what a button sends back; None for anything we did not draw."""
    turn, sep, value = data.partition("|")
    if not sep or not turn.isdigit() or not value or len(data) > 64:
        return None
    return Choice(int(turn), value)


def parse_command(text: str) -> Command | None:
    """``/start``, ``/Help@hipcoach_bot args`` -> Command; anything else -> None."""
    if not text.startswith("/") or len(text) < 2:
        return None
    head, _, args = text[1:].partition(" ")
    name = head.split("@", 1)[0].lower()
    return Command(name, args.strip()) if name.isascii() and name.isalnum() else None
