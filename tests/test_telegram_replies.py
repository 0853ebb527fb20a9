"""Replies go out as plain Bot API calls: same words, same formatting, still rate-limited."""

from __future__ import annotations

from tests.support.telegram_user import TelegramUser, texts

HTML_WITHOUT_PREVIEWS = {"parse_mode": "HTML", "link_preview_options": {"is_disabled": True}}


async def test_sent_and_edited_texts_are_html_without_link_previews(
    telegram: TelegramUser,
) -> None:
    calls = await telegram.say("/start")
    assert all({k: c.params[k] for k in HTML_WITHOUT_PREVIEWS} == HTML_WITHOUT_PREVIEWS
               for c in calls)
    await telegram.tap("none")
    calls = await telegram.tap("t:limp")
    edit = next(c for c in calls if c.method == "editMessageText")
    assert {k: edit.params[k] for k in HTML_WITHOUT_PREVIEWS} == HTML_WITHOUT_PREVIEWS
    assert edit.params["message_id"] == telegram.message_id_of(edit)


async def test_an_answered_question_loses_its_buttons_and_only_its_buttons(
    telegram: TelegramUser,
) -> None:
    await telegram.say("/start")
    message_id, data = telegram.find_button("none")
    calls = await telegram.tap_data(data, message_id)
    close = next(c for c in calls if c.method == "editMessageReplyMarkup")
    assert close.params == {"chat_id": telegram.user_id, "message_id": message_id}


async def test_a_flood_wait_from_telegram_is_waited_out_and_the_reply_arrives(
    telegram: TelegramUser,
) -> None:
    telegram.api.fail_next("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)
    calls = await telegram.say("/start")
    assert [c.method for c in calls][:2] == ["sendMessage", "sendMessage"]
    assert "I'm Hip Coach" in texts(calls[1:])
