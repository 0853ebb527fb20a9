"""The Telegram adapter through PTB's real Application and an in-process fake Bot API."""

from __future__ import annotations

import io
import logging
from typing import Any

from sqlalchemy import Engine, select
from telegram.ext import Application

from bot.db.engine import make_session_factory
from bot.db.models import DialogueState, User
from bot.logging_setup import configure_logging
from tests.support.conversation import path_to
from tests.support.screening import onwards, upto
from tests.support.telegram_user import TelegramUser, texts


async def test_the_command_menu_is_set_from_content(telegram: TelegramUser) -> None:
    app: Application[Any, Any, Any, Any, Any, Any] = telegram.app
    assert app.post_init is not None
    await app.post_init(app)
    commands = telegram.api.last("setMyCommands").params["commands"]
    assert [c["command"] for c in commands] == [  # type: ignore[index, union-attr]
        "today", "plan", "exercise", "settings", "retest", "reminders", "pause", "resume",
        "quiet", "nudge", "progress", "runs", "summary", "privacy", "export", "delete", "help",
        "start", "cancel", "cleared"]


async def test_screening_over_telegram_with_buttons_edits_and_a_location(
    telegram: TelegramUser, engine: Engine
) -> None:
    calls = await telegram.say("/start")
    assert "I'm Hip Coach" in texts(calls)
    assert calls[-1].params["parse_mode"] == "HTML"
    assert next(b["text"] for b in calls[-1].inline_buttons()) == "No pain"

    calls = await telegram.tap("none")
    methods = [c.method for c in calls]
    assert methods[:2] == ["answerCallbackQuery", "editMessageReplyMarkup"]
    assert "Does any of these apply" in texts(calls)

    calls = await telegram.tap("t:limp")
    edit = next(c for c in calls if c.method == "editMessageText")
    assert "✅ I'm limping" in [b["text"] for b in edit.inline_buttons()]
    await telegram.tap("t:sharp")
    calls = await telegram.tap("t:sharp")
    assert "Sharp hip or groin pain" in [b["text"] for b in calls[-1].inline_buttons()]
    calls = await telegram.tap("done")
    assert "a doctor or physio should look at" in texts(calls)
    assert "What do you most want" in texts(calls)  # red-flag path skips the self-tests

    flagged = path_to({"pain": "none", "red_flags": ["limp"], "goal": "injury",
                       "equipment": [], "run_days": ["mon", "thu"], "run_time": "07:00",
                       "timezone": "Australia/Sydney", "minutes": 10})
    await telegram.walk(upto(onwards(flagged, "ask:goal"), "ask:run_time"))
    calls = await telegram.say("7")
    assert "Which time zone" in texts(calls)
    keyboard = calls[-1].param_dict("reply_markup")
    assert keyboard["keyboard"][0][0]["request_location"] is True

    calls = await telegram.share_location(-33.87, 151.21)
    assert "Australia/Sydney" in texts(calls)
    assert calls[0].param_dict("reply_markup") == {"remove_keyboard": True}
    await telegram.tap("yes")
    calls = await telegram.walk(onwards(flagged, "ask:minutes"))
    assert "Here's what I've got" in texts(calls)
    calls = await telegram.tap("confirm")
    assert "gentle, pain-free mobility" in texts(calls)

    with make_session_factory(engine)() as session:
        user = session.scalars(select(User)).one()
        state = session.get(DialogueState, user.id)
        assert state is not None
        assert (user.timezone, state.state, state.answers["red_flags"]) == (
            "Australia/Sydney", "ready", ["limp"])


async def test_a_double_tap_answers_once_and_tells_the_user(telegram: TelegramUser) -> None:
    await telegram.say("/start")
    message_id, data = telegram.find_button("mild")
    await telegram.tap_data(data, message_id)
    calls = await telegram.tap_data(data, message_id)
    assert [c.method for c in calls] == ["answerCallbackQuery"]
    assert calls[0].params["text"] == "That button belongs to an earlier question."


async def test_stray_input_gets_a_helpful_answer(telegram: TelegramUser) -> None:
    await telegram.say("/start")
    calls = await telegram.send_sticker()
    assert "can't use that sticker" in texts(calls)
    calls = await telegram.say("/frobnicate")
    assert "I don't know /frobnicate" in texts(calls)
    calls = await telegram.say("<b>bold?</b>")
    assert "&lt;b&gt;bold?&lt;/b&gt;" in texts(calls)
    assert "How do your hips feel" in texts(calls)


async def test_a_blocked_user_is_marked_inactive(telegram: TelegramUser, engine: Engine) -> None:
    await telegram.say("/start")
    telegram.api.fail_next("sendMessage", 403, "Forbidden: bot was blocked by the user")
    await telegram.say("/help")
    with make_session_factory(engine)() as session:
        assert session.scalars(select(User.active)).one() is False


def test_the_token_never_reaches_a_log_line() -> None:
    token = "987654:SECRET-token_value"
    stream = io.StringIO()
    configure_logging("DEBUG", [token])
    logging.getLogger().handlers[0].setStream(stream)  # type: ignore[attr-defined]
    log = logging.getLogger("httpx")
    log.warning("POST https://api.telegram.org/bot%s/getMe", token)
    try:
        raise RuntimeError(f"failed https://x/bot{token.replace(':', '%3A')}/sendMessage")
    except RuntimeError:
        logging.getLogger("bot").exception("boom")
    output = stream.getvalue()
    assert "getMe" in output
    assert "boom" in output
    assert token not in output
    assert "SECRET" not in output
