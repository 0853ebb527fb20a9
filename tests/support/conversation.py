"""Drives a ConversationService like a user: reads the last keyboard, taps buttons by value."""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from bot.content.library import RenderedMessage
from bot.domain.buttons import Choice, decode
from bot.domain.model import Command, Event, Location, Text
from bot.services.conversation import ConversationService, Response, Sender
from tests.support.buttons import aliases
from tests.support.screening import Step, complete, screening_steps

# The runner of most service tests: a right thigh that fell short, runs Tue and Sat evenings.
ANSWERS: dict[str, object] = complete({
    "pain": "none", "red_flags": [], "thigh_left": "pass", "thigh_right": "fail",
    "knee_lift": "pass", "goal": "speed", "equipment": ["band"], "run_days": ["tue", "sat"],
    "run_time": "19:30", "timezone": "Europe/Berlin", "minutes": 15,
})


def path_to(answers: Mapping[str, object]) -> list[Step]:
    """The screening that gives ``answers``, step by step (see tests/support/screening.py)."""
    return list(screening_steps(answers))


HAPPY_PATH = path_to(ANSWERS)


@dataclass
class Runner:
    service: ConversationService
    sender: Sender = field(default_factory=lambda: Sender(4242, "Ana", "en"))
    last: tuple[RenderedMessage, ...] = ()
    last_response: Response | None = None
    keyboard_turn: dict[str, Choice] = field(default_factory=dict)  # by every alias

    def send(self, event: Event) -> Response:
        response = self.service.handle(self.sender, event)
        self.last_response = response
        if response.messages:
            self.last = response.messages
            self.keyboard_turn = {}
            for message in response.messages:
                for row in message.keyboard:
                    for button in row:
                        choice = decode(button.data)
                        for alias in aliases(button.data):
                            self.keyboard_turn.setdefault(alias, choice)
        return response

    def button_names(self) -> set[str]:
        """The last keyboard's buttons, each by its shortest name (``start``, ``band``...)."""
        return {min(aliases(choice.data), key=len) for choice in self.keyboard_turn.values()}

    def tap(self, value: str) -> Response:
        assert value in self.keyboard_turn, f"no button {value!r}; have {list(self.keyboard_turn)}"
        return self.send(self.keyboard_turn[value])

    def type(self, text: str) -> Response:
        return self.send(Text(text))

    def command(self, name: str) -> Response:
        return self.send(Command(name))

    def send_command(self, name: str, args: str) -> Response:
        return self.send(Command(name, args))

    def share_location(self, latitude: float, longitude: float) -> Response:
        return self.send(Location(latitude, longitude))

    def texts(self) -> str:
        return "\n".join(m.text for m in self.last)

    def plain(self) -> str:
        """The last messages as a reader sees them: no HTML tags, entities decoded."""
        return html.unescape(re.sub(r"<[^>]+>", "", self.texts()))

    def walk(self, steps: Sequence[Step]) -> None:
        for step in steps:
            self.tap(step.alias) if step.how == "tap" else self.type(step.text)
