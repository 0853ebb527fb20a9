"""In-process stand-ins for the Telegram end of reminder sending (a boundary, not under test)."""

from __future__ import annotations

import asyncio
import itertools
from collections import deque
from dataclasses import dataclass, field

from bot.content.library import RenderedMessage
from bot.services.reminders import (
    RecipientGoneError,
    RetryAfterError,
    SendTimeoutError,
)


class SimulatedCrashError(BaseException):
    """The process dies here: nothing after this line of the worker runs."""


@dataclass
class Delivered:
    chat_id: int
    text: str
    at: float  # event-loop time
    buttons: tuple[str, ...] = ()  # callback data, row by row


@dataclass
class FakeSender:
    """Records every message; ``blocked``/``slow``/``crash_after_send`` chats misbehave."""

    blocked: set[int] = field(default_factory=set)
    slow: set[int] = field(default_factory=set)
    crash_after_send: set[int] = field(default_factory=set)
    delivered: list[Delivered] = field(default_factory=list)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1000))

    async def send(self, chat_id: int, message: RenderedMessage) -> int:
        if chat_id in self.blocked:
            raise RecipientGoneError("Forbidden: bot was blocked by the user")
        loop_time = asyncio.get_running_loop().time()
        buttons = tuple(b.data for row in message.keyboard for b in row)
        self.delivered.append(Delivered(chat_id, message.text, loop_time, buttons))
        if chat_id in self.slow:
            raise SendTimeoutError("Timed out")
        if chat_id in self.crash_after_send:
            raise SimulatedCrashError
        return next(self._ids)

    def texts(self, chat_id: int) -> list[str]:
        return [d.text for d in self.delivered if d.chat_id == chat_id]

    def chats(self) -> list[int]:
        return [d.chat_id for d in self.delivered]


@dataclass
class RateCappedSender:
    """Telegram's flood control, simplified: at most ``rate`` messages in any one-second window.

    A send past the cap is refused with RetryAfterError(``retry_after``) and starts a ban: every
    send before the ban ends is refused too. Refused sends are not delivered.
    """

    rate: int = 30
    retry_after: float = 1.0
    delivered: list[Delivered] = field(default_factory=list)
    refused: list[float] = field(default_factory=list)
    # Sends that came while a ban was on: a client that honours retry_after makes none.
    refused_during_ban: int = 0
    _recent: deque[float] = field(default_factory=deque)
    _banned_until: float = 0.0
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    async def send(self, chat_id: int, message: RenderedMessage) -> int:
        now = asyncio.get_running_loop().time()
        while self._recent and self._recent[0] <= now - 1.0:
            self._recent.popleft()
        if now < self._banned_until:
            self.refused.append(now)
            self.refused_during_ban += 1
            raise RetryAfterError(self._banned_until - now)
        if len(self._recent) >= self.rate:
            self._banned_until = now + self.retry_after
            self.refused.append(now)
            raise RetryAfterError(self.retry_after)
        self._recent.append(now)
        self.delivered.append(Delivered(chat_id, message.text, now))
        return next(self._ids)
