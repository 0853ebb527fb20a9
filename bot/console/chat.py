"""`hipcoach chat`: the same engine and texts as Telegram, buttons as numbered choices.

The terminal is a channel like Telegram: each line is an event with an idempotency key, handed
to the durable inbox (bot/services/inbox.py); its replies are stored in the event's own
transaction as the terminal's outbox (plain JSON) and printed from there.
"""

from __future__ import annotations

import asyncio
import base64
import html
import logging
import re
import shutil
import time
from pathlib import Path
from typing import Any, TextIO

from bot.console.runs import import_paths
from bot.content.library import RenderedButton, RenderedMessage
from bot.domain.model import (
    Command,
    Event,
    Location,
    Text,
    Unsupported,
    parse_button_data,
    parse_command,
)
from bot.services.conversation import ConversationService, Response, Sender
from bot.services.inbox import Actions, EventInbox, Inbound
from bot.services.runs.service import RunService

# Telegram never issues user id 0, so the terminal's user cannot collide with a real one.
CONSOLE_USER_ID = 0
QUIT = {"/quit", "/exit"}
UPLOAD = "/upload"  # /upload PATH: a run file, as a runner sends one on Telegram
_TAG = re.compile(r"<[^>]+>")
_LOCATION = re.compile(r"^/location\s+(-?\d+(?:\.\d+)?)[\s,]+(-?\d+(?:\.\d+)?)$")


def html_to_plain(text: str, bold: bool) -> str:
    if bold:
        text = text.replace("<b>", "\033[1m").replace("</b>", "\033[0m")
    return html.unescape(_TAG.sub("", text))


def terminal_actions(response: Response) -> Actions:
    """A response as the terminal's outbox: plain JSON, stored with the event."""
    actions: Actions = []
    if response.deleted:  # /delete: the files saved for the runner go with their data
        actions.append({"do": "forget_files"})
    if response.toast:
        actions.append({"do": "toast", "text": response.toast})
    actions.extend(_message_action(m) for m in response.messages)
    return actions


def _message_action(message: RenderedMessage) -> dict[str, Any]:
    file: dict[str, str] | None = None
    if message.attachment is not None:
        attachment = message.attachment
        file = ({"name": attachment.filename, "path": str(attachment.path)}
                if attachment.path is not None else
                {"name": attachment.filename,
                 "data": base64.b64encode(attachment.data).decode("ascii")})
    return {"do": "say", "text": message.text, "file": file,
            "buttons": [[b.label, b.data, b.key] for row in message.keyboard for b in row],
            "location": message.request_location}


class ConsoleInbox(EventInbox[None]):
    """The terminal's adapter: replies are printed by the chat."""

    event_log_level = logging.DEBUG

    def __init__(self, service: ConversationService, chat: ConsoleChat) -> None:
        super().__init__(service)
        self.chat = chat

    def actions(self, response: Response, target: None) -> Actions:
        return terminal_actions(response)

    async def deliver(self, actions: Actions) -> None:
        self.chat.show(actions)


class ConsoleChat:
    def __init__(self, service: ConversationService, stdin: TextIO, stdout: TextIO,
                 name: str = "", files: Path = Path("data") / "files") -> None:
        self.service = service
        self.stdin = stdin
        self.stdout = stdout
        self.sender = Sender(CONSOLE_USER_ID, name, None)
        self.buttons: list[RenderedButton] = []
        self.bold = stdout.isatty()
        self.files = files
        self.inbox = ConsoleInbox(service, self)
        self.last_key = 0

    def run(self) -> int:
        return asyncio.run(self._run())

    async def _run(self) -> int:
        self._say("Hip Coach in your terminal. Type a number to tap a button, /quit to leave.\n")
        await self.inbox.prune()
        await self._send(Command("start"))
        while (line := self._prompt()) is not None:
            text = line.strip()
            if text.lower() in QUIT:
                break
            if text.lower().startswith(UPLOAD):
                self._upload(text[len(UPLOAD):].strip())
            elif text:
                await self._send(self._event_for(text))
        self._say("Bye for now. Your answers are saved; run `hipcoach chat` to carry on.")
        return 0

    def _prompt(self) -> str | None:
        self.stdout.write("> ")
        self.stdout.flush()
        line = self.stdin.readline()
        if not line:
            # End of input (Ctrl-D) leaves the cursor after the prompt.
            self.stdout.write("\n")
            return None
        return line

    def _event_for(self, text: str) -> Event:
        # A button that reads exactly what was typed wins over the one numbered so: at
        # "minutes before a run" (5 10 15 20 30) a typed 5 means five minutes, not button [5].
        said = next((b for b in self.buttons if html.unescape(b.label).strip() == text), None)
        if said is not None:
            return parse_button_data(said.data)
        if text.isdigit() and 1 <= int(text) <= len(self.buttons):
            return parse_button_data(self.buttons[int(text) - 1].data)
        location = _LOCATION.match(text)
        if location:
            return Location(float(location[1]), float(location[2]))
        if text.lower().startswith("/location"):
            self._say("  (type it as /location <latitude> <longitude>, e.g. /location 52.52 13.40)")
            return Unsupported("location")
        return parse_command(text) or Text(text)

    def _upload(self, raw: str) -> None:
        runs = RunService(self.service.engine, self.service.content, self.service.clock)

        def show(path: str, message: RenderedMessage | None) -> None:
            if message is None:
                self._say(f"  (no file at {path}; type it as /upload PATH)")
            else:
                self._print_message(_message_action(message))

        import_paths(runs, self.sender.telegram_id, [Path(raw).expanduser()], show)

    async def _send(self, event: Event) -> None:
        await self.inbox.receive(Inbound(self._next_key(), self.sender, event, None))

    def _next_key(self) -> int:
        """Negative, so it never meets a Telegram update id; falling, so never used twice."""
        self.last_key = min(-(time.time_ns() // 1000), self.last_key - 1)
        return self.last_key

    def show(self, actions: Actions) -> None:
        if any(a["do"] == "say" for a in actions):
            self.buttons = []
        for action in actions:
            if action["do"] == "toast":
                self._say(f"({action['text']})")
            elif action["do"] == "forget_files":
                self._forget_files()
            else:
                self._print_message(action)

    def _print_message(self, action: dict[str, Any]) -> None:
        self._say("\n" + html_to_plain(action["text"], self.bold))
        if action["file"] is not None:
            self._say(f"  (saved to {self._save(action['file'])})")
        if action["buttons"]:
            # Numbered on from the messages above it: every button shown stays tappable
            # (three change messages each carry an Undo, and each Undo has its own number).
            first = len(self.buttons) + 1
            self.buttons.extend(RenderedButton(label, data, key)
                                for label, data, key in action["buttons"])
            for number, button in enumerate(self.buttons[first - 1:], start=first):
                self._say(f"  [{number}] {html.unescape(button.label)}")
        if action["location"]:
            self._say("  (or type /location <latitude> <longitude>)")

    def _save(self, file: dict[str, str]) -> Path:
        """The terminal cannot show a picture or hand over a file, so it lands on disk."""
        self.files.mkdir(parents=True, exist_ok=True)
        path = (self.files / Path(file["name"]).name).resolve()
        if "path" in file:  # a figure already drawn into the cache
            shutil.copyfile(file["path"], path)
        else:
            path.write_bytes(base64.b64decode(file["data"]))
        return path

    def _forget_files(self) -> None:
        """/delete: the exports, summaries, charts and figures saved for this runner go too
        (the folder holds only what the terminal saved for its one runner)."""
        if not self.files.is_dir():
            return
        for path in self.files.iterdir():
            if path.is_file() or path.is_symlink():
                path.unlink()

    def _say(self, text: str) -> None:
        self.stdout.write(text + "\n")
        self.stdout.flush()
