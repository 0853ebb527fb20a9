"""A Telegram user talking to the real PTB Application through the in-process fake Bot API."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from telegram.ext import Application

from tests.support.buttons import matches
from tests.support.fake_request import (
    ApiCall,
    FakeBotApi,
    callback_update,
    command_update,
    location_update,
    message_update,
    sticker_update,
    to_update,
)
from tests.support.screening import Step

_update_ids = itertools.count(1)


@dataclass
class TelegramUser:
    app: Application[Any, Any, Any, Any, Any, Any]
    api: FakeBotApi
    user_id: int = 4242
    first_name: str = "Ana"
    seen: int = field(default=0)

    async def _process(self, update: dict[str, Any]) -> list[ApiCall]:
        self.seen = len(self.api.calls)
        await self.app.process_update(to_update(update, self.app.bot))
        return self.api.calls[self.seen:]

    async def say(self, text: str) -> list[ApiCall]:
        make = command_update if text.startswith("/") else message_update
        return await self._process(make(next(_update_ids), self.user_id, text, self.first_name))

    async def share_location(self, latitude: float, longitude: float) -> list[ApiCall]:
        update = location_update(next(_update_ids), self.user_id, latitude, longitude,
                                 self.first_name)
        return await self._process(update)

    async def send_sticker(self) -> list[ApiCall]:
        return await self._process(sticker_update(next(_update_ids), self.user_id))

    async def walk(self, steps: Sequence[Step]) -> list[ApiCall]:
        """Taps or types each step (tests/support/screening.py); the last step's calls."""
        calls: list[ApiCall] = []
        for step in steps:
            calls = await (self.tap(step.alias) if step.how == "tap" else self.say(step.text))
        return calls

    async def tap(self, value: str) -> list[ApiCall]:
        """Taps the button ``value`` names (see tests/support/buttons.py) on the newest keyboard."""
        message_id, data = self.find_button(value)
        return await self.tap_data(data, message_id)

    async def tap_data(self, data: str, message_id: int) -> list[ApiCall]:
        """Like Telegram, the pressed message arrives with the keyboard it had."""
        update = callback_update(next(_update_ids), self.user_id, data, message_id,
                                 first_name=self.first_name,
                                 reply_markup=self.keyboard_of(message_id))
        return await self._process(update)

    def find_button(self, value: str) -> tuple[int, str]:
        for call in reversed(self.api.calls):
            buttons = call.inline_buttons() if call.method in KEYBOARD_METHODS else []
            if buttons:
                for button in buttons:
                    if matches(str(button.get("callback_data", "")), value):
                        return self.message_id_of(call), str(button["callback_data"])
                raise AssertionError(f"no button {value!r} on the newest keyboard: {buttons}")
        raise AssertionError("no keyboard has been shown")

    def keyboard_of(self, message_id: int) -> dict[str, Any] | None:
        for call in reversed(self.api.calls):
            if call.method in KEYBOARD_METHODS and self.message_id_of(call) == message_id:
                markup = call.params.get("reply_markup")
                return markup if isinstance(markup, dict) and "inline_keyboard" in markup else None
        return None

    def message_id_of(self, call: ApiCall) -> int:
        if "message_id" in call.params:
            return int(str(call.params["message_id"]))
        index = self.api.calls.index(call)
        return sum(1 for c in self.api.calls[: index + 1] if c.method == "sendMessage")


KEYBOARD_METHODS = ("sendMessage", "editMessageText")


def texts(calls: list[ApiCall]) -> str:
    return "\n".join(c.text or "" for c in calls if c.method in KEYBOARD_METHODS)
