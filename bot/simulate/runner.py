"""The simulated runner's hands: read what the coach sent, tap its buttons, type, log it all.

It reads buttons by their label key ("walk.hard", "reminder.start"), never by their English
words or callback data, so the simulation follows the coach through copy and codec changes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from bot.console.runs import import_paths
from bot.content.library import RenderedButton, RenderedMessage
from bot.domain.model import Command, Event, Text
from bot.services.conversation import ConversationService, Response, Sender
from bot.services.runs.service import RunService


@dataclass(frozen=True)
class Sent:
    """One message as the runner saw it, with what prompted it."""

    at: datetime
    trigger: str
    message: RenderedMessage

    def button_keys(self) -> list[str]:
        return [b.key for row in self.message.keyboard for b in row]

    def button(self, key: str) -> RenderedButton | None:
        return next((b for row in self.message.keyboard for b in row if b.key == key), None)


@dataclass
class Hands:
    """Sends the runner's events through the real conversation service and keeps the log."""

    service: ConversationService
    sender: Sender
    clock: Callable[[], datetime]
    decode: Callable[[str], Event | None]
    log: list[Sent] = field(default_factory=list)

    def command(self, name: str, args: str = "") -> list[Sent]:
        return self._send(Command(name, args), f"command:/{name}")

    def type(self, text: str) -> list[Sent]:
        return self._send(Text(text), "text")

    def tap(self, key: str, among: Sequence[Sent] | None = None) -> list[Sent] | None:
        """Taps the newest button with this label key; None when no such button is on screen."""
        for sent in reversed(among if among is not None else self.log):
            button = sent.button(key)
            if button is not None:
                event = self.decode(button.data)
                return self._send(event, f"button:{key}") if event is not None else None
        return None

    def upload(self, path: Path) -> list[Sent]:
        """Sends a run file, as a runner sends a document (the terminal's /upload)."""
        service = self.service
        runs = RunService(service.engine, service.content, self.clock)
        arrived: list[Sent] = []

        def show(_path: str, message: RenderedMessage | None) -> None:
            if message is not None:
                arrived.append(Sent(self.clock(), f"upload:{path.name}", message))

        import_paths(runs, self.sender.telegram_id, [path], show)
        self.log.extend(arrived)
        return arrived

    def receive(self, trigger: str, message: RenderedMessage) -> Sent:
        """A message the coach sent on its own (a reminder)."""
        sent = Sent(self.clock(), trigger, message)
        self.log.append(sent)
        return sent

    def _send(self, event: Event, trigger: str) -> list[Sent]:
        response: Response = self.service.handle(self.sender, event)
        now = self.clock()
        arrived = [Sent(now, trigger, m) for m in response.messages]
        self.log.extend(arrived)
        return arrived
