"""A reply as data: the Bot API calls an answered update owes, and their delivery.

Replies are turned into plain JSON actions before the commit, so they can be stored beside the
update (bot/db/inbox.py) and sent again by another process after a crash.
"""

from __future__ import annotations

import asyncio
import base64
import logging
from datetime import timedelta
from typing import Any

from telegram import Bot, InputFile
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from bot.content.library import RenderedMessage
from bot.services.conversation import Response
from bot.services.inbox import Actions
from bot.telegram import bot_api, figures
from bot.telegram.convert import Markup, Target, markup_for

log = logging.getLogger(__name__)

# Telegram's limit for a photo or document caption; longer texts go in a message of their own.
CAPTION_LIMIT = 1024


def seconds_of(value: object) -> float:
    """RetryAfter.retry_after is an int or a timedelta, depending on PTB's settings."""
    seconds = value.total_seconds() if isinstance(value, timedelta) else value
    return float(seconds) if isinstance(seconds, int | float) else 1.0


# A network failure while sending is retried this often (with backoff) before giving up.
SEND_ATTEMPTS = 5


def actions_for(response: Response, target: Target, location_label: str) -> Actions:
    actions: Actions = []
    if target.query_id is not None:
        actions.append({"do": "answer", "query": target.query_id, "toast": response.toast})
    if response.close_source and target.source_message_id and target.source_has_keyboard:
        actions.append({"do": "close", "chat": target.chat_id,
                        "message": target.source_message_id})
    for message in response.messages:
        actions.extend(_message_actions(message, target, location_label))
    return actions


def _message_actions(message: RenderedMessage, target: Target, location_label: str) -> Actions:
    markup = markup_for(message, location_label)
    attachment = message.attachment
    if attachment is None:
        edit = target.source_message_id if message.edit else None
        return [{"do": "text", "chat": target.chat_id, "text": message.text, "markup": markup,
                 "edit": edit}]
    actions: Actions = []
    caption: str | None = message.text
    if len(message.text) > CAPTION_LIMIT:
        actions.append({"do": "text", "chat": target.chat_id, "text": message.text,
                        "markup": None, "edit": None})
        caption = None
    if attachment.path is not None:  # a figure: the path is stored, not the file
        actions.append({"do": "animation", "chat": target.chat_id, "path": str(attachment.path),
                        "caption": caption, "markup": markup})
        return actions
    actions.append({"do": "file", "chat": target.chat_id, "kind": attachment.kind,
                    "filename": attachment.filename, "caption": caption, "markup": markup,
                    "data": base64.b64encode(attachment.data).decode("ascii")})
    return actions


async def deliver(bot: Bot, actions: Actions) -> None:
    """Makes the calls in order; Forbidden (the runner blocked the bot) is raised."""
    for action in actions:
        await _with_retries(bot, action)


async def _with_retries(bot: Bot, action: dict[str, Any]) -> None:
    for attempt in range(SEND_ATTEMPTS):
        try:
            await _perform(bot, action)
            return
        except RetryAfter as exc:
            await asyncio.sleep(seconds_of(exc.retry_after))
        except Forbidden:
            raise
        except BadRequest as exc:
            log.info("Telegram refused a %s (%s); skipped", action["do"], exc)
            return
        except NetworkError as exc:
            log.warning("sending a %s failed (%s); attempt %d", action["do"], exc, attempt + 1)
            await asyncio.sleep(min(2.0**attempt, 10.0))
        except TelegramError as exc:
            log.warning("Telegram refused a %s (%s); skipped", action["do"], exc)
            return
    log.error("gave up sending a %s after %d attempts", action["do"], SEND_ATTEMPTS)


async def _perform(bot: Bot, action: dict[str, Any]) -> None:
    kind = action["do"]
    if kind == "answer":
        await _answer(bot, action)
    elif kind == "close":
        await _close(bot, action)
    elif kind == "text":
        await _text(bot, action)
    elif kind == "animation":
        await figures.send(bot, action)
    else:
        await _file(bot, action)


async def _answer(bot: Bot, action: dict[str, Any]) -> None:
    try:
        await bot_api.answer_callback(bot, action["query"], action["toast"])
    except BadRequest as exc:
        # A press answered late (after a restart) is too old for Telegram; the reply still goes.
        log.debug("could not answer a button press: %s", exc)


async def _close(bot: Bot, action: dict[str, Any]) -> None:
    """Takes the buttons off a question once it is answered, so it cannot be answered twice."""
    try:
        await bot_api.remove_inline_keyboard(bot, action["chat"], action["message"])
    except BadRequest as exc:
        log.debug("keyboard already gone: %s", exc)


async def _text(bot: Bot, action: dict[str, Any]) -> None:
    markup: Markup = action["markup"]
    if action["edit"]:
        try:
            await bot_api.edit_text(bot, action["chat"], action["edit"], action["text"], markup)
            return
        except BadRequest as exc:
            if "not modified" in str(exc).lower():
                return
            log.info("could not edit a message (%s); sending a new one", exc)
    await bot_api.send_text(bot, action["chat"], action["text"], markup)


async def _file(bot: Bot, action: dict[str, Any]) -> None:
    upload = InputFile(base64.b64decode(action["data"]), filename=action["filename"])
    extra = {"reply_markup": action["markup"]} if action["markup"] else None
    if action["kind"] == "photo":
        await bot.send_photo(action["chat"], upload, caption=action["caption"], api_kwargs=extra)
    else:
        await bot.send_document(action["chat"], upload, caption=action["caption"],
                                api_kwargs=extra)
