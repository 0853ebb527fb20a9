"""Drives a ConversationService like a user: reads the last keyboard, taps buttons by value."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

from bot.content.library import RenderedMessage
from bot.domain.model import Choice, Command, Event, Location, Text, parse_button_data
from bot.services.conversation import ConversationService, Response, Sender

# Each answer of the screening, as the value of the button to tap or the text to type.
HAPPY_PATH: list[tuple[str, str]] = [
    ("tap", "none"),        # pain
    ("tap", "none"),        # red flags
    ("tap", "pass"),        # thigh, left
    ("tap", "fail"),        # thigh, right
    ("tap", "pass"),        # knee lift
    ("tap", "speed"),       # goal
    ("tap", "t:band"),      # equipment
    ("tap", "done"),
    ("tap", "t:tue"),       # run days
    ("tap", "t:sat"),
    ("tap", "done"),
    ("type", "7:30pm"),     # run time
    ("type", "Berlin"),     # time zone
    ("tap", "yes"),
    ("tap", "15"),          # minutes
]


@dataclass
class Runner:
    service: ConversationService
    sender: Sender = field(default_factory=lambda: Sender(4242, "Ana", "en"))
    last: tuple[RenderedMessage, ...] = ()
    last_response: Response | None = None
    keyboard_turn: dict[str, Choice] = field(default_factory=dict)

    def send(self, event: Event) -> Response:
        response = self.service.handle(self.sender, event)
        self.last_response = response
        if response.messages:
            self.last = response.messages
            self.keyboard_turn = {}
            for message in response.messages:
                for row in message.keyboard:
                    for button in row:
                        choice = parse_button_data(button.data)
                        assert choice is not None
                        self.keyboard_turn[choice.value] = choice
        return response

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

    def walk(self, steps: list[tuple[str, str]]) -> None:
        for how, what in steps:
            self.tap(what) if how == "tap" else self.type(what)
