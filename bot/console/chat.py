"""`hipcoach chat`: the same engine and texts as Telegram, buttons as numbered choices."""

from __future__ import annotations

import html
import re
import shutil
from pathlib import Path
from typing import TextIO

from bot.console.runs import import_paths
from bot.content.library import Attachment, RenderedButton, RenderedMessage
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

    def run(self) -> int:
        self._say("Hip Coach in your terminal. Type a number to tap a button, /quit to leave.\n")
        self._send(Command("start"))
        while (line := self._prompt()) is not None:
            text = line.strip()
            if text.lower() in QUIT:
                break
            if text.lower().startswith(UPLOAD):
                self._upload(text[len(UPLOAD):].strip())
            elif text:
                self._send(self._event_for(text))
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
                self._print_message(message)

        import_paths(runs, self.sender.telegram_id, [Path(raw).expanduser()], show)

    def _send(self, event: Event) -> None:
        self._show(self.service.handle(self.sender, event))

    def _show(self, response: Response) -> None:
        if response.toast:
            self._say(f"({response.toast})")
        if response.messages:
            self.buttons = []
        for message in response.messages:
            self._print_message(message)

    def _print_message(self, message: RenderedMessage) -> None:
        self._say("\n" + html_to_plain(message.text, self.bold))
        if message.attachment is not None:
            self._say(f"  (saved to {self._save(message.attachment)})")
        if message.keyboard:
            self.buttons = [b for row in message.keyboard for b in row]
            for number, button in enumerate(self.buttons, start=1):
                self._say(f"  [{number}] {html.unescape(button.label)}")
        if message.request_location:
            self._say("  (or type /location <latitude> <longitude>)")

    def _save(self, attachment: Attachment) -> Path:
        """The terminal cannot show a picture or hand over a file, so it lands on disk."""
        self.files.mkdir(parents=True, exist_ok=True)
        path = (self.files / Path(attachment.filename).name).resolve()
        if attachment.path is not None:  # a figure already drawn into the cache
            shutil.copyfile(attachment.path, path)
        else:
            path.write_bytes(attachment.data)
        return path

    def _say(self, text: str) -> None:
        self.stdout.write(text + "\n")
        self.stdout.flush()
