"""Real ``python -m bot run`` processes and Telegram users who talk to them concurrently.

The users drive the screening through an :class:`HttpBotApiDouble`. Each waits for a prompt it
has not seen before (a reply re-sent after a crash is recognised as one it has seen) and always
answers the newest question (the highest turn on any keyboard), so crashes, restarts and
re-deliveries in between cannot confuse it.
"""

from __future__ import annotations

import itertools
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from tests.support.buttons import matches
from tests.support.conversation import HAPPY_PATH
from tests.support.fake_request import ApiCall, callback_update, command_update, message_update
from tests.support.http_bot_api import HttpBotApiDouble

ROOT = Path(__file__).resolve().parent.parent.parent
TOKEN = "123456:DURABLE-SECRET-TOKEN"
KEYBOARD_METHODS = ("sendMessage", "editMessageText")
DONE_TEXT = "You're all set"
QUESTION_IDS = ("pain", "red_flags", "thigh_left", "thigh_right", "knee_lift", "goal",
                "equipment", "run_days", "run_time", "timezone", "minutes")
# The whole screening: /start, the happy path, and "Looks right".
STEPS: list[tuple[str, str]] = [("type", "/start"),
                                *((s.how, s.alias if s.how == "tap" else s.text)
                                  for s in HAPPY_PATH),
                                ("tap", "confirm")]


def bot_env(double: HttpBotApiDouble, database_url: str, **overrides: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("TELEGRAM_", "HIPCOACH_", "WEBHOOK_"))
           and k not in ("DATABASE_URL", "LOG_LEVEL", "PYTHONPATH")}
    env.update(PYTHONPATH=str(ROOT), HIPCOACH_HOME=str(ROOT), TELEGRAM_BOT_TOKEN=TOKEN,
               TELEGRAM_BASE_URL=double.base_url, DATABASE_URL=database_url,
               LOG_LEVEL="INFO", REMINDER_TICK_SECONDS="300")
    env.update(overrides)
    return env


@dataclass
class Bot:
    """One ``python -m bot run ...`` with its output in files under ``folder``."""

    env: dict[str, str]
    folder: Path
    name: str
    args: tuple[str, ...] = ()
    proc: subprocess.Popen[bytes] | None = None
    files: list[IO[bytes]] = field(default_factory=list)

    def start(self) -> Bot:
        self.files = [(self.folder / f"{self.name}.{s}").open("wb") for s in ("out", "err")]
        self.proc = subprocess.Popen([sys.executable, "-m", "bot", "run", *self.args],
                                     env=self.env, cwd=self.folder, stdin=subprocess.DEVNULL,
                                     stdout=self.files[0], stderr=self.files[1])
        return self

    def stop(self, sig: signal.Signals = signal.SIGTERM, timeout: float = 30.0) -> int:
        assert self.proc is not None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError(f"{self.name} ignored {sig.name}:\n{self.output()}") from None
        for file in self.files:
            file.close()
        return self.proc.returncode

    def output(self, tail: int = 6000) -> str:
        return "".join((self.folder / f"{self.name}.{s}").read_text("utf-8", "replace")
                       for s in ("out", "err"))[-tail:]

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None


def is_prompt(call: ApiCall) -> bool:
    markup = call.param_dict("reply_markup")
    return call.method in KEYBOARD_METHODS and ("inline_keyboard" in markup or "keyboard" in markup)


def turn_of(call: ApiCall) -> int:
    buttons = call.inline_buttons() if call.method in KEYBOARD_METHODS else []
    turns = [int(str(b.get("callback_data", "")).split("|", 1)[0]) for b in buttons
             if "|" in str(b.get("callback_data", ""))]
    return max(turns, default=-1)


@dataclass
class ChatUser:
    """One runner; ``deliver`` hands an update to the bot (push to getUpdates, or a webhook)."""

    double: HttpBotApiDouble
    user_id: int
    deliver: Callable[[dict[str, Any]], None] | None = None
    wait: float = 90.0
    seen: set[str] = field(default_factory=set)
    update_ids: list[int] = field(default_factory=list)
    done: bool = False
    error: BaseException | None = None
    presses: Iterator[int] = field(default_factory=itertools.count)

    def screening(self, steps: list[tuple[str, str]] = STEPS) -> None:
        try:
            for how, what in steps:
                self.tap(what) if how == "tap" else self.say(what)
            self.done = True
        except Exception as exc:  # noqa: BLE001 - handed to the test thread, which fails on it
            self.error = exc

    def say(self, text: str) -> None:
        make = command_update if text.startswith("/") else message_update
        self.send(make(0, self.user_id, text, "Ana"))

    def tap(self, value: str) -> None:
        update, expect = self.press(value)
        self.send(update, expect)

    def press(self, value: str, call: ApiCall | None = None
              ) -> tuple[dict[str, Any], Callable[[ApiCall], bool]]:
        """A press on the button ``value`` of ``call`` (the newest question when not given),
        and what answers it."""
        call = call or self.newest_keyboard()
        data = next(str(b["callback_data"]) for b in call.inline_buttons()
                    if matches(str(b.get("callback_data", "")), value))
        update = callback_update(0, self.user_id, data, self.message_id_of(call),
                                 first_name="Ana", reply_markup=call.param_dict("reply_markup"),
                                 callback_id=f"cbq-{self.user_id}-{next(self.presses)}")
        return update, self._done_text if value == "confirm" else self._new_prompt

    def answered(self, since: int, expect: Callable[[ApiCall], bool] | None = None) -> None:
        """Waits for the bot's answer to what this runner sent after ``since``."""
        found = self.double.wait_for(expect or self._new_prompt, timeout=self.wait, since=since)
        self.seen.add(_signature(found))

    def send(self, update: dict[str, Any], expect: Callable[[ApiCall], bool] | None = None
             ) -> None:
        since = self.double.mark()
        if self.deliver is not None:
            self.deliver(update)
        else:
            self.update_ids.append(self.double.push(update, renumber=True))
        self.answered(since, expect)

    def _new_prompt(self, call: ApiCall) -> bool:
        return (call.is_for_chat(self.user_id) and is_prompt(call)
                and _signature(call) not in self.seen)

    def _done_text(self, call: ApiCall) -> bool:
        return call.is_for_chat(self.user_id) and DONE_TEXT in (call.text or "")

    def newest_keyboard(self) -> ApiCall:
        calls = [c for c in self.double.calls if c.is_for_chat(self.user_id) and turn_of(c) >= 0]
        assert calls, f"user {self.user_id} has seen no keyboard"
        return max(calls, key=turn_of)

    def message_id_of(self, call: ApiCall) -> int:
        """An edit names its message; a send's id is read from what the double stored."""
        if "message_id" in call.params:
            return int(str(call.params["message_id"]))
        markup = call.param_dict("reply_markup")
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with self.double.backend.cond:
                ids = [mid for (chat, mid), m in self.double.backend._messages.items()
                       if chat == str(self.user_id) and m.get("reply_markup") == markup]
            if ids:
                return max(ids)
            time.sleep(0.01)  # the double stores a message just after recording the call
        raise AssertionError(f"the double never stored the message of {call}")


def _signature(call: ApiCall) -> str:
    return json.dumps([call.method, call.text, call.params.get("reply_markup")], sort_keys=True,
                      default=str)


def run_all(users: list[ChatUser], steps: list[tuple[str, str]] = STEPS) -> list[threading.Thread]:
    threads = [threading.Thread(target=u.screening, args=(steps,), daemon=True) for u in users]
    for thread in threads:
        thread.start()
    return threads


def join_all(users: list[ChatUser], threads: list[threading.Thread], timeout: float,
             *bots: Bot) -> None:
    deadline = time.monotonic() + timeout
    for thread in threads:
        thread.join(max(deadline - time.monotonic(), 0.1))
    for user in users:
        if user.error is not None or not user.done:
            logs = "\n".join(f"--- {b.name}:\n{b.output()}" for b in bots)
            seen = "\n".join(f"{c.method} {(c.text or '')[:60]!r} {turn_of(c)}"
                             for c in user.double.calls if c.is_for_chat(user.user_id))
            raise AssertionError(f"user {user.user_id} did not finish: {user.error!s:.300}\n"
                                 f"it saw:\n{seen}\n{logs}")


def post_json(url: str, payload: dict[str, Any], secret: str | None = None,
              timeout: float = 60.0) -> int:
    """A webhook delivery as Telegram makes it; the HTTP status the bot answered."""
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    request = urllib.request.Request(url, json.dumps(payload).encode(), headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


def answers_to(double: HttpBotApiDouble, update: dict[str, Any]) -> int:
    """How often the press in ``update`` was answered (answerCallbackQuery names no chat)."""
    query_id = update["callback_query"]["id"]
    return sum(1 for c in double.calls_of("answerCallbackQuery")
               if c.params.get("callback_query_id") == query_id)
