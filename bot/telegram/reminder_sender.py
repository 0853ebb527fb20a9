"""Reminders out through python-telegram-bot: Bot API errors become the engine's typed errors.

Use a Bot *without* PTB's AIORateLimiter here: the reminder engine paces and honours
``retry_after`` itself, and a second limiter would retry a 429 behind the engine's back.
"""

from __future__ import annotations

import warnings
from datetime import timedelta

import httpx
from telegram import Bot
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.warnings import PTBDeprecationWarning

from bot.content.library import RenderedMessage
from bot.services.reminders import (
    RecipientGoneError,
    RetryAfterError,
    SendError,
    SendTimeoutError,
    TransientSendError,
)
from bot.telegram.bot_api import mute_typed_method_hint, send_text
from bot.telegram.convert import markup_for


class TelegramReminderSender:
    def __init__(self, bot: Bot, location_label: str = "") -> None:
        mute_typed_method_hint()
        self.bot = bot
        self.location_label = location_label

    async def send(self, chat_id: int, message: RenderedMessage) -> int:
        try:
            return await send_text(self.bot, chat_id, message.text,
                                   markup_for(message, self.location_label))
        except Forbidden as exc:
            raise RecipientGoneError(exc.message) from exc
        except RetryAfter as exc:
            raise RetryAfterError(_retry_seconds(exc)) from exc
        except TimedOut as exc:
            if _never_sent(exc):
                raise TransientSendError(exc.message) from exc
            raise SendTimeoutError(exc.message) from exc
        except BadRequest as exc:
            # "chat not found" and its kin: the runner is unreachable, like a 403.
            if "chat not found" in exc.message.lower():
                raise RecipientGoneError(exc.message) from exc
            raise SendError(exc.message) from exc
        except NetworkError as exc:
            if exc.__cause__ is None or _never_sent(exc):
                # The Bot API answered with an error status (5xx and kin), or the request
                # never left: nothing was delivered, so trying again is safe.
                raise TransientSendError(exc.message) from exc
            # The connection broke after the request went out: it may have arrived.
            raise SendTimeoutError(exc.message) from exc
        except TelegramError as exc:
            raise SendError(exc.message) from exc


# httpx errors raised before the whole request was written: the Bot API cannot have acted on it.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.WriteError,
             httpx.WriteTimeout, httpx.UnsupportedProtocol)


def _never_sent(exc: BaseException) -> bool:
    return isinstance(exc.__cause__, _NOT_SENT)


def _retry_seconds(exc: RetryAfter) -> float:
    # PTB 22 warns that the int will become a timedelta; accept either, without the warning.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        retry_after: int | timedelta = exc.retry_after
    return retry_after.total_seconds() if isinstance(retry_after, timedelta) else float(retry_after)
