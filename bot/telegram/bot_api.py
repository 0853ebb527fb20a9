"""The four Bot API calls a reply needs, sent as plain JSON through PTB's public escape hatch.

PTB's typed methods build a TelegramObject for every keyboard and parse every returned Message;
a reply needs neither, and in the update benchmark they cost more than the whole conversation
service. `Bot.do_api_request` still goes through `ExtBot._do_post`, so the rate limiter, the
error mapping (BadRequest, Forbidden, RetryAfter) and the configured request stay in force.
It skips `Defaults`, so the parse mode and link previews are spelled out here (app.py hands the
same values to the typed methods through `Defaults`).
"""

from __future__ import annotations

import warnings
from typing import Any

from telegram import Bot
from telegram.constants import ParseMode
from telegram.warnings import PTBUserWarning

JsonDict = dict[str, Any]

PARSE_MODE = ParseMode.HTML
LINK_PREVIEW: JsonDict = {"is_disabled": True}


def mute_typed_method_hint() -> None:
    """do_api_request nudges callers of methods PTB knows towards the typed method; skipping
    the typed method is the whole point here, so that one hint (only for these calls) is muted.
    Called while wiring the application, so it also holds inside test warning scopes."""
    warnings.filterwarnings(
        "ignore",
        message=r"Please use 'Bot\.(sendMessage|editMessageText|editMessageReplyMarkup"
                r"|answerCallbackQuery)' instead of",
        category=PTBUserWarning,
    )


async def send_text(bot: Bot, chat_id: int, text: str, markup: JsonDict | None) -> int:
    """Sends a message; its message id, or 0 when the answer carries none."""
    sent = await _call(bot, "sendMessage", {"chat_id": chat_id, "text": text,
                                            "parse_mode": PARSE_MODE,
                                            "link_preview_options": LINK_PREVIEW,
                                            "reply_markup": markup})
    return int(sent.get("message_id", 0)) if isinstance(sent, dict) else 0


async def edit_text(bot: Bot, chat_id: int, message_id: int, text: str,
                    markup: JsonDict | None) -> None:
    await _call(bot, "editMessageText", {"chat_id": chat_id, "message_id": message_id,
                                         "text": text, "parse_mode": PARSE_MODE,
                                         "link_preview_options": LINK_PREVIEW,
                                         "reply_markup": markup})


async def remove_inline_keyboard(bot: Bot, chat_id: int, message_id: int) -> None:
    await _call(bot, "editMessageReplyMarkup", {"chat_id": chat_id, "message_id": message_id})


async def answer_callback(bot: Bot, query_id: str, toast: str | None) -> None:
    await _call(bot, "answerCallbackQuery", {"callback_query_id": query_id, "text": toast})


async def _call(bot: Bot, method: str, params: JsonDict) -> object:
    # PTB drops None values (no keyboard, no toast) before the request, as for typed methods.
    return await bot.do_api_request(method, api_kwargs=params)
