"""End to end: the real `hipcoach` process against a real HTTP Bot API double.

Nothing is imported from the bot here except to read content (labels): the bot runs as
``python -m bot run`` / ``python -m bot chat`` in a clean working directory, talks HTTP to
:class:`HttpBotApiDouble`, and we look at what it sent, what it logged and what it stored.
"""

from __future__ import annotations

import itertools
import os
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import pytest

from bot.domain.buttons import decode
from bot.domain.dialogue.questions import BY_ID
from tests.support.buttons import matches
from tests.support.conversation import ANSWERS, HAPPY_PATH
from tests.support.fake_request import ApiCall, callback_update, command_update, message_update
from tests.support.http_bot_api import HttpBotApiDouble
from tests.support.screening import Step, onwards, upto

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "123456:E2E-SECRET-TOKEN"
SECRETS = (TOKEN, "123456%3AE2E-SECRET-TOKEN", "E2E-SECRET")
USER_ID = 5151
# Only a hang guard: every wait ends on an event; a busy machine must not turn slow into failed.
WAIT = float(os.environ.get("HIPCOACH_TEST_HANG_GUARD", "120"))

# The questions HAPPY_PATH answers, to check the database at the end.
QUESTION_IDS = tuple(ANSWERS)
GOAL_TEXT = "What do you most want from stronger hips?"
GOAL_VALUES = set(BY_ID["goal"].options)
DONE_TEXT = "You're all set"
KEYBOARD_METHODS = ("sendMessage", "editMessageText")


# --- processes ----------------------------------------------------------------------------


def clean_env(**overrides: str) -> dict[str, str]:
    """The test runner's environment without anything that configures the bot."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("TELEGRAM_", "HIPCOACH_")) and k not in ("DATABASE_URL",
                                                                           "LOG_LEVEL")}
    env.update(overrides)
    return env


@dataclass
class BotProcess:
    """``python -m bot run`` with stdout/stderr captured to files in ``folder``."""

    env: dict[str, str]
    folder: Path
    name: str
    proc: subprocess.Popen[bytes] | None = None
    files: list[IO[bytes]] = field(default_factory=list)

    def start(self) -> BotProcess:
        out = (self.folder / f"{self.name}.stdout").open("wb")
        err = (self.folder / f"{self.name}.stderr").open("wb")
        self.files = [out, err]
        self.proc = subprocess.Popen([sys.executable, "-m", "bot", "run"], env=self.env,
                                     cwd=self.folder, stdin=subprocess.DEVNULL,
                                     stdout=out, stderr=err)
        return self

    def stop(self, sig: signal.Signals = signal.SIGTERM) -> int:
        """Send ``sig`` and wait for the exit (SIGKILL after WAIT seconds); the exit code."""
        assert self.proc is not None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=WAIT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=WAIT)
                raise AssertionError(f"{self.name} ignored {sig.name} for {WAIT}s") from None
        for file in self.files:
            file.close()
        return self.proc.returncode

    def output(self) -> str:
        return "".join((self.folder / f"{self.name}.{s}").read_text("utf-8", "replace")
                       for s in ("stdout", "stderr"))

    def stderr(self) -> str:
        return (self.folder / f"{self.name}.stderr").read_text("utf-8", "replace")

    def assert_alive(self, double: HttpBotApiDouble) -> None:
        assert self.proc is not None
        if self.proc.poll() is not None:
            raise AssertionError(f"{self.name} exited with {self.proc.returncode}:\n"
                                 f"{self.output()[-3000:]}\ncalls: {double.methods()}")


@contextmanager
def bot_process(env: dict[str, str], folder: Path, name: str) -> Iterator[BotProcess]:
    bot = BotProcess(env, folder, name).start()
    try:
        yield bot
    finally:
        assert bot.proc is not None
        if bot.proc.poll() is None:
            bot.proc.kill()
            bot.proc.wait(timeout=WAIT)
        for file in bot.files:
            file.close()


# --- a Telegram user on the HTTP double -----------------------------------------------------


def has_prompt(call: ApiCall) -> bool:
    """A message that asks for something: inline buttons, or the share-location keyboard."""
    markup = call.param_dict("reply_markup")
    return call.method in KEYBOARD_METHODS and ("inline_keyboard" in markup or "keyboard" in markup)


@dataclass
class User:
    double: HttpBotApiDouble
    bot: BotProcess | None = None
    user_id: int = USER_ID
    first_name: str = "Ana"
    update_ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def send(self, update: dict[str, Any], expect: Callable[[ApiCall], bool] = has_prompt
             ) -> list[ApiCall]:
        """Push ``update``; wait for a call matching ``expect``; the calls made meanwhile."""
        since = self.double.mark()
        self.double.push(update)
        try:
            self.double.wait_for(lambda c: c.is_for_chat(self.user_id) and expect(c),
                                 timeout=WAIT, since=since)
        except AssertionError:
            if self.bot is not None:
                self.bot.assert_alive(self.double)
            raise
        return self.double.calls[since:]

    def say(self, text: str, expect: Callable[[ApiCall], bool] = has_prompt) -> list[ApiCall]:
        make = command_update if text.startswith("/") else message_update
        return self.send(make(next(self.update_ids), self.user_id, text, self.first_name), expect)

    def tap(self, value: str, expect: Callable[[ApiCall], bool] = has_prompt
            ) -> list[ApiCall]:
        """Taps the button ``value`` names (see tests/support/buttons.py) on the newest keyboard."""
        message_id, data = self.find_button(value)
        return self.send(self.callback(data, message_id), expect)

    def callback(self, data: str, message_id: int) -> dict[str, Any]:
        """A press, with the pressed message and its keyboard, as Telegram sends it."""
        return callback_update(next(self.update_ids), self.user_id, data, message_id,
                               first_name=self.first_name,
                               reply_markup=self.keyboard_of(message_id))

    def walk(self, steps: list[Step]) -> None:
        for step in steps:
            self.tap(step.alias) if step.how == "tap" else self.say(step.text)

    def newest_keyboard(self) -> tuple[ApiCall, list[dict[str, Any]]]:
        for call in reversed(self.double.calls):
            buttons = call.inline_buttons() if call.method in KEYBOARD_METHODS else []
            if buttons:
                return call, buttons
        raise AssertionError(f"no keyboard has been shown; calls: {self.double.methods()}")

    def find_button(self, value: str) -> tuple[int, str]:
        call, buttons = self.newest_keyboard()
        for button in buttons:
            data = str(button.get("callback_data", ""))
            if matches(data, value):
                return self.message_id_of(call), data
        raise AssertionError(f"no button {value!r} on the newest keyboard: {buttons}")

    def keyboard_of(self, message_id: int) -> dict[str, Any] | None:
        """The inline keyboard the message shows now (the newest send or edit of it)."""
        for call in reversed(self.double.calls):
            if call.method == "editMessageReplyMarkup" and self._is(call, message_id):
                markup = call.params.get("reply_markup")
                return markup if isinstance(markup, dict) and markup else None
            if call.method in KEYBOARD_METHODS and self._is(call, message_id):
                markup = call.param_dict("reply_markup")
                return markup if "inline_keyboard" in markup else None
        return None

    def _is(self, call: ApiCall, message_id: int) -> bool:
        return self.message_id_of(call) == message_id

    def message_id_of(self, call: ApiCall) -> int:
        """An edit names its message; a send got the next id (the double counts sends)."""
        if "message_id" in call.params:
            return int(str(call.params["message_id"]))
        calls = self.double.calls
        index = next(i for i, c in enumerate(calls) if c is call)
        return sum(1 for c in calls[: index + 1] if c.method.startswith("send")
                   and c.method != "sendChatAction")


def text_has(fragment: str) -> Callable[[ApiCall], bool]:
    def match(call: ApiCall) -> bool:
        return call.method in KEYBOARD_METHODS and fragment in (call.text or "")
    match.__name__ = f"text containing {fragment!r}"
    return match


def texts(calls: list[ApiCall]) -> str:
    return "\n".join(c.text or "" for c in calls if c.method in KEYBOARD_METHODS)


def assert_goal_question_is_on_screen(user: User) -> None:
    call, buttons = user.newest_keyboard()
    assert GOAL_TEXT in (call.text or "")
    values = {decode(str(b["callback_data"])).arg for b in buttons}
    assert values == GOAL_VALUES


def assert_no_secrets(*bots: BotProcess) -> None:
    for bot in bots:
        output = bot.output()
        assert bot.stderr().strip(), f"{bot.name} logged nothing at DEBUG"
        for secret in SECRETS:
            assert secret not in output, f"{bot.name} printed {secret!r}"


def assert_stored_screening(db: Path) -> None:
    with sqlite3.connect(db) as conn:
        users = conn.execute("SELECT id, telegram_id, timezone, screened_at, active FROM users"
                             ).fetchall()
        assert len(users) == 1, users
        user_pk, telegram_id, timezone, screened_at, active = users[0]
        assert (telegram_id, timezone) == (USER_ID, "Europe/Berlin")
        assert screened_at is not None
        assert active
        answered = [q for (q,) in conn.execute(
            "SELECT question FROM screening_answers WHERE user_id = ? ORDER BY id", (user_pk,))]
        assert answered == list(QUESTION_IDS)  # one row per question, in order, none twice
        (state,) = conn.execute("SELECT state FROM dialogue_states WHERE user_id = ?",
                                (user_pk,)).fetchone()
        assert state == "ready"


# --- 1-4: Telegram, with a restart mid-way ----------------------------------------------------


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["sigterm", "sigkill"])
def test_screening_survives_a_restart(tmp_path: Path, sig: signal.Signals) -> None:
    db = tmp_path / "e2e.db"
    with HttpBotApiDouble() as double:
        env = clean_env(TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_BASE_URL=double.base_url,
                        DATABASE_URL=f"sqlite:///{db}", LOG_LEVEL="DEBUG")
        user = User(double)
        with bot_process(env, tmp_path, "first") as first:
            user.bot = first
            first_words = user.say("/start")
            assert "I'm Hip Coach" in texts(first_words)
            user.walk(upto(HAPPY_PATH, "ask:goal"))
            assert_goal_question_is_on_screen(user)
            # Telegram re-delivers what the poller did not confirm; make the cut clean.
            last_update = max(u for u in double.backend._next_update_id - 1 for _ in [0]) \
                if False else double.backend._next_update_id - 1
            double.wait_for(lambda c: c.method == "getUpdates"
                            and int(str(c.params.get("offset", 0))) > last_update, timeout=WAIT)
            code = first.stop(sig)
        assert code == (0 if sig == signal.SIGTERM else -signal.SIGKILL), first.output()[-2000:]

        with bot_process(env, tmp_path, "second") as second:
            user.bot = second
            if sig == signal.SIGTERM:
                offer = user.say("/start")
                assert "Pick up where you stopped" in texts(offer)
                _, buttons = user.newest_keyboard()
                assert "Pick up where I left off" in [b["text"] for b in buttons]
                resumed = user.tap("keep")
                assert "Picking up where you left off" in texts(resumed)
            else:
                again = user.say("hello")
                assert "didn't catch" in texts(again)
            assert_goal_question_is_on_screen(user)

            user.walk(onwards(HAPPY_PATH, "ask:goal"))
            summary, _ = user.newest_keyboard()
            assert "Here's what I've got" in (summary.text or "")
            assert "Europe/Berlin" in (summary.text or "")
            done = user.tap("confirm", expect=text_has(DONE_TEXT))
            assert [c for c in done if c.method == "answerCallbackQuery"]
            assert second.stop(signal.SIGTERM) == 0, second.output()[-2000:]

    assert double.tokens_seen == {TOKEN}  # the processes did talk to the double, with the token
    assert_no_secrets(first, second)
    assert_stored_screening(db)
