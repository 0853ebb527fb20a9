"""Reminders through PTB's real Bot and the in-process fake Bot API: markup and error mapping."""

from __future__ import annotations

import socket
from typing import Any

import pytest
from telegram import Bot
from telegram.error import TimedOut

from bot.content.library import ContentLibrary
from bot.domain.model import Button, Reply
from bot.services.reminders import (
    RecipientGoneError,
    RetryAfterError,
    SendError,
    SendTimeoutError,
    TransientSendError,
)
from bot.telegram.reminder_sender import TelegramReminderSender
from tests.support.fake_request import TEST_TOKEN, FakeBotApi


class TimingOutApi(FakeBotApi):
    async def do_request(self, url: str, method: str, *args: Any, **kwargs: Any
                         ) -> tuple[int, bytes]:
        if url.endswith("/sendMessage"):
            raise TimedOut("read timed out")
        return await super().do_request(url, method, *args, **kwargs)


async def started(api: FakeBotApi) -> Bot:
    bot = Bot(TEST_TOKEN, request=api, get_updates_request=FakeBotApi(api.backend))
    await bot.initialize()
    return bot


@pytest.fixture
def api() -> FakeBotApi:
    return FakeBotApi()


def reminder(content: ContentLibrary) -> Any:
    return content.render(Reply(
        "reminder_pre_run", {"run_time": "18:00", "exercises": [{"name": "Hip CARs",
                                                                 "dose": "5 per side"}]},
        ((Button("reminder.snooze", "0|r:snooze"),
          Button("reminder.not_today", "0|r:not_today")),)))


async def test_a_reminder_goes_out_as_html_with_its_buttons(
        api: FakeBotApi, content: ContentLibrary) -> None:
    bot = await started(api)
    message_id = await TelegramReminderSender(bot).send(42, reminder(content))
    call = api.last("sendMessage")
    assert call.chat_id == 42
    assert call.params["parse_mode"] == "HTML"
    assert "Hip CARs: 5 per side" in (call.text or "")
    assert [b["callback_data"] for b in call.inline_buttons()] == ["0|r:snooze",
                                                                   "0|r:not_today"]
    assert isinstance(message_id, int)
    await bot.shutdown()


@pytest.mark.parametrize(("status", "description", "retry_after", "expected"), [
    (403, "Forbidden: bot was blocked by the user", None, RecipientGoneError),
    (400, "Bad Request: chat not found", None, RecipientGoneError),
    (400, "Bad Request: message is too long", None, SendError),
    (429, "Too Many Requests: retry after 3", 3, RetryAfterError),
    (500, "Internal Server Error", None, TransientSendError),
    (502, "Bad Gateway", None, TransientSendError),
    (503, "Service Unavailable", None, TransientSendError),
])
async def test_bot_api_errors_become_the_engines_typed_errors(
        api: FakeBotApi, content: ContentLibrary, status: int, description: str,
        retry_after: int | None, expected: type[SendError]) -> None:
    bot = await started(api)
    api.fail_next("sendMessage", status, description, retry_after)
    with pytest.raises(expected) as raised:
        await TelegramReminderSender(bot).send(42, reminder(content))
    if isinstance(raised.value, RetryAfterError):
        assert raised.value.retry_after == 3.0
    await bot.shutdown()


async def test_a_timeout_is_reported_as_ambiguous(content: ContentLibrary) -> None:
    bot = await started(TimingOutApi())
    with pytest.raises(SendTimeoutError):
        await TelegramReminderSender(bot).send(42, reminder(content))
    await bot.shutdown()


async def test_a_bot_api_that_cannot_be_reached_is_worth_another_try(
        content: ContentLibrary) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    bot = Bot(TEST_TOKEN, base_url=f"http://127.0.0.1:{port}/bot")
    with pytest.raises(TransientSendError):
        await TelegramReminderSender(bot).send(42, reminder(content))
