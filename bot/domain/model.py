"""Events the dialogue reacts to and replies it produces, independent of any channel."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Protocol

from bot.domain.buttons import BadButton, Choice, parse_button_data
from bot.domain.catalog import Catalog
from bot.domain.feedback import FeedbackReading

if TYPE_CHECKING:  # the training package imports Reply from here
    from bot.domain.training.ladders import Ladder

__all__ = ["BadButton", "Choice", "parse_button_data"]


@dataclass(frozen=True)
class Command:
    """A slash command such as ``/start``; ``name`` has no slash and is lower-case."""

    name: str
    args: str = ""


@dataclass(frozen=True)
class Text:
    text: str


@dataclass(frozen=True)
class Location:
    latitude: float
    longitude: float


@dataclass(frozen=True)
class Unsupported:
    """A sticker, photo, voice note or anything else we cannot read."""

    kind: str


Event = Command | Text | Choice | BadButton | Location | Unsupported


@dataclass(frozen=True)
class Button:
    """``label`` is a key into content/labels.yaml; ``data`` is what a press sends back."""

    label: str
    data: str
    selected: bool | None = None


Keyboard = tuple[tuple[Button, ...], ...]


def button(label: str, choice: Choice, selected: bool | None = None) -> Button:
    return Button(label, choice.data, selected)


# The template of a figure's caption (the move's name and cues). A reply with a figure is sent
# as the animation captioned by it, then the reply's own text, unless the reply is that caption.
FIGURE_CAPTION = "exercise_figure"


@dataclass(frozen=True)
class FigureRequest:
    """The moving figure of an exercise; ``side`` is the working side of a one-sided move
    (left when not given)."""

    exercise_id: str
    side: str | None = None


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
    figure: FigureRequest | None = None


@dataclass(frozen=True)
class ZoneMatch:
    """A resolved IANA zone and how it was found (``name``, ``city``, ``offset``, ``location``)."""

    zone: str
    via: str
    label: str


class OptionMatcher(Protocol):
    """Maps free text to one of ``options`` of ``question`` by their visible labels."""

    def __call__(self, question: str, options: Sequence[str], text: str) -> str | None: ...


class ZoneResolver(Protocol):
    def from_text(self, text: str) -> ZoneMatch | None: ...

    def from_location(self, latitude: float, longitude: float) -> ZoneMatch | None: ...


# Free text -> exercise ids, best match first; empty when nothing is close.
ExerciseFinder = Callable[[str], Sequence[str]]
# Free text (and today's exercise ids, which break ties) -> what the runner reported.
FeedbackRead = Callable[[str, Sequence[str]], FeedbackReading]


@dataclass(frozen=True)
class CoachKit:
    """What the coach reads besides the dialogue: the library and what is stored so far."""

    catalog: Catalog
    find_exercises: ExerciseFinder
    read_feedback: FeedbackRead
    plan_number: int = 0
    last_plan: Mapping[str, object] | None = None
    ladders: Mapping[str, Ladder] = field(default_factory=dict)
    started: date | None = None  # the first plan's local day (the first weeks are gentler)


@dataclass(frozen=True)
class Context:
    """What a transition may know about the world besides the dialogue itself."""

    now: datetime
    zones: ZoneResolver
    coach: CoachKit
    first_name: str = ""


def parse_command(text: str) -> Command | None:
    """``/start``, ``/Help@hipcoach_bot args`` -> Command; anything else -> None."""
    if not text.startswith("/") or len(text) < 2:
        return None
    head, _, args = text[1:].partition(" ")
    name = head.split("@", 1)[0].lower()
    return Command(name, args.strip()) if name.isascii() and name.isalnum() else None
