"""Composes `hipcoach web`: the core, the app, the bot that tells the chat, the dev sign-in."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager

from bot.config import Settings
from bot.console.chat import CONSOLE_USER_ID
from bot.content.library import RenderedMessage
from bot.services.reminders import Sender
from bot.web.coach import WebCoach
from bot.web.initdata import WebAppUser
from bot.web.serve import check_listen, run_web
from bot.web.server import Notify, WebApp

log = logging.getLogger(__name__)


def launch(settings: Settings, listen: str, dev: bool) -> None:
    from bot.wiring import build_core

    check_listen(listen, dev)  # before anything is opened
    core = build_core(settings)
    # Another process (the bot) answers the same runners: read the database, never a cache.
    core.conversation.cache_size = 0
    token = settings.token()
    resources: list[AbstractAsyncContextManager[object]] = []
    notify: Notify | None = None
    if token is not None and not dev:
        notify, bot = _chat_notifier(token, settings.telegram_base_url)
        resources.append(bot)
    dev_user = WebAppUser(CONSOLE_USER_ID, "", None) if dev else None
    # In --dev the launch data is signed with a key made up for this process only.
    key = secrets.token_hex(24) if dev else token
    assert key is not None
    app = WebApp(WebCoach(core.conversation), core.content, key, notify=notify,
                 dev_user=dev_user)
    run_web(app, listen, resources)


def _chat_notifier(token: str, base_url: str) -> tuple[Notify, AbstractAsyncContextManager[object]]:
    from bot.telegram.reminder_sender import TelegramReminderSender
    from bot.telegram.reminders import reminder_bot

    bot = reminder_bot(token, base_url)
    return notifier(TelegramReminderSender(bot)), bot


def notifier(sender: Sender) -> Notify:
    """The replies of a session finished in the app, sent to the runner's chat by the bot."""

    async def notify(chat_id: int, messages: Sequence[RenderedMessage]) -> None:
        for message in messages:
            await sender.send(chat_id, message)
    return notify
