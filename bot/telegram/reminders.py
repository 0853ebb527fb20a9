"""Reminders beside the bot: a Bot of their own (no PTB rate limiter: the engine paces and
honours retry_after itself) and the one-job clock, started and stopped with the application."""

from __future__ import annotations

import asyncio
import logging
import signal

from telegram import Bot
from telegram.error import InvalidToken, NetworkError

from bot.logging_setup import REDACTED
from bot.services.reminder_clock import ReminderClock, WorkerAlreadyRunningError
from bot.services.reminders import ReminderService
from bot.telegram.app import BotApp, TelegramStartupError
from bot.telegram.reminder_sender import TelegramReminderSender

log = logging.getLogger(__name__)


def reminder_bot(token: str, base_url: str) -> Bot:
    return Bot(token, base_url=f"{base_url}/bot", base_file_url=f"{base_url}/file/bot")


class ReminderRunner:
    """Starts the reminder clock with the bot; on SQLite, steps aside if a worker has it."""

    def __init__(self, service: ReminderService, bot: Bot, every_seconds: float) -> None:
        self.service = service
        self.bot = bot
        self.clock = ReminderClock(service, every_seconds)
        self.running = False

    async def started(self, app: BotApp) -> None:
        await self.bot.initialize()
        self.service.sender = TelegramReminderSender(self.bot)
        try:
            self.clock.start()
        except WorkerAlreadyRunningError as exc:
            log.warning("reminders not started here: %s", exc)
            return
        self.running = True

    async def stopping(self, app: BotApp) -> None:
        if self.running:
            await self.clock.stop()
        await self.bot.shutdown()


async def run_worker(service: ReminderService, bot: Bot, every_seconds: float,
                     base_url: str) -> None:
    """Reminders only, until SIGINT or SIGTERM."""
    try:
        await bot.initialize()
    except InvalidToken:
        # PTB's own message quotes the token, so it is never passed on.
        raise TelegramStartupError(
            "Telegram rejected TELEGRAM_BOT_TOKEN. Copy it again from @BotFather.") from None
    except NetworkError as exc:
        reason = str(exc).replace(bot.token, REDACTED)
        raise TelegramStartupError(
            f"Cannot reach the Telegram Bot API at {base_url}: {reason}") from None
    service.sender = TelegramReminderSender(bot)
    clock = ReminderClock(service, every_seconds)
    clock.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    log.info("reminder worker running")
    try:
        await stop.wait()
    finally:
        await clock.stop()
        await bot.shutdown()
