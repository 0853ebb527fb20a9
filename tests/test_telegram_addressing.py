"""Over the Telegram double: commands meant for another bot, and edited messages."""

from __future__ import annotations

import itertools

from tests.support.fake_request import BOT_USERNAME, command_update, message_update
from tests.support.telegram_user import TelegramUser, texts

_ids = itertools.count(70_000)


async def test_a_command_for_another_bot_gets_no_answer(telegram: TelegramUser) -> None:
    calls = await telegram._process(command_update(next(_ids), telegram.user_id,
                                                   "/start@SomeOtherBot", "Ana"))
    assert [c for c in calls if c.method == "sendMessage"] == []


async def test_a_command_addressed_to_this_bot_is_answered(telegram: TelegramUser) -> None:
    calls = await telegram._process(command_update(next(_ids), telegram.user_id,
                                                   f"/start@{BOT_USERNAME}", "Ana"))
    assert "Hip Coach" in texts(calls)


async def test_an_edited_answer_gets_a_word_that_edits_are_not_read(
        telegram: TelegramUser) -> None:
    await telegram.say("/start")
    update = message_update(next(_ids), telegram.user_id, "It hurts most runs", "Ana")
    update["edited_message"] = {**update.pop("message"), "edit_date": 1_800_000_000}

    calls = await telegram._process(update)

    said = texts(calls)
    assert "Edits don't reach me" in said
    assert "How do your hips feel when you run?" in said  # the open question, again
