"""Builds the python-telegram-bot Application: the one place Telegram is wired up."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Protocol

from telegram import BotCommand, LinkPreviewOptions, MenuButtonWebApp, WebAppInfo
from telegram.error import InvalidToken, NetworkError
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    Defaults,
    MessageHandler,
    filters,
)
from telegram.request import BaseRequest

from bot.content.checks import COMMANDS
from bot.content.library import ContentLibrary
from bot.logging_setup import REDACTED
from bot.services.conversation import ConversationService
from bot.telegram.bot_api import LINK_PREVIEW, PARSE_MODE, mute_typed_method_hint
from bot.telegram.handlers import Handlers
from bot.telegram.inbox import DurableInbox
from bot.telegram.ordering import PerUserUpdateProcessor
from bot.telegram.polling import DRAIN_SECONDS, Poller

# The bot, context and data types are PTB defaults; naming them adds nothing here.
# Updates in flight at once: enough to fill a group commit, few enough to stay polite.
DEFAULT_CONCURRENCY = 64

BotApp = Application[Any, Any, Any, Any, Any, Any]


class Lifecycle(Protocol):
    """Work that runs beside the bot, started and stopped with it (the reminder clock)."""

    async def started(self, app: BotApp) -> None: ...

    async def stopping(self, app: BotApp) -> None: ...


def build_application(
    token: str,
    base_url: str,
    service: ConversationService,
    content: ContentLibrary,
    request: BaseRequest | None = None,
    updates_request: BaseRequest | None = None,
    rate_limit: bool = True,
    concurrency: int = DEFAULT_CONCURRENCY,
    lifecycle: Lifecycle | None = None,
    menu: tuple[str, str] | None = None,
) -> BotApp:
    builder: ApplicationBuilder[Any, Any, Any, Any, Any, Any] = (
        ApplicationBuilder().token(token)
               .base_url(f"{base_url}/bot").base_file_url(f"{base_url}/file/bot")
               .concurrent_updates(PerUserUpdateProcessor(concurrency))
               .defaults(Defaults(parse_mode=PARSE_MODE,
                                  link_preview_options=LinkPreviewOptions(**LINK_PREVIEW))))
    if request is not None:
        builder = builder.request(request)
    if updates_request is not None:
        builder = builder.get_updates_request(updates_request)
    if rate_limit:
        builder = builder.rate_limiter(AIORateLimiter(max_retries=2))
    commands = [BotCommand(name, content.label(f"command.{name}")) for name in COMMANDS]

    async def announce_commands(app: BotApp) -> None:
        await app.bot.set_my_commands(commands)
        if menu is not None:  # (text, url): the chat's menu button opens the Mini App
            await app.bot.set_chat_menu_button(
                menu_button=MenuButtonWebApp(menu[0], WebAppInfo(menu[1])))
        if lifecycle is not None:
            await lifecycle.started(app)

    async def wind_down(app: BotApp) -> None:
        if lifecycle is not None:
            await lifecycle.stopping(app)

    app = builder.post_init(announce_commands).post_shutdown(wind_down).build()
    mute_typed_method_hint()
    inbox = DurableInbox(service, app.bot, content.label("location.share"))
    app.bot_data[INBOX] = inbox
    register_handlers(app, Handlers(inbox))
    return app


INBOX = "hipcoach.inbox"


def inbox_of(app: BotApp) -> DurableInbox:
    inbox = app.bot_data[INBOX]
    assert isinstance(inbox, DurableInbox)
    return inbox


def register_handlers(app: BotApp, handlers: Handlers) -> None:
    """For updates handed to the Application itself (tests, benchmarks); a running bot feeds
    the inbox directly from its own getUpdates loop or webhook."""
    app.add_handler(CallbackQueryHandler(handlers.on_update))
    app.add_handler(MessageHandler(filters.ChatType.PRIVATE, handlers.on_update))
    app.add_error_handler(handlers.on_error)


class TelegramStartupError(Exception):
    """Telegram refused or could not be reached at startup; the message is one line."""


def run_polling(app: BotApp, base_url: str) -> None:
    """Long-poll until SIGINT or SIGTERM, confirming updates only once they are handled."""
    run_bot(app, base_url, lambda stop: poll(app, stop))


def run_bot(app: BotApp, base_url: str,
            serve: Callable[[asyncio.Event], Awaitable[None]]) -> None:
    """Startup failures become one line that never holds the token."""
    try:
        asyncio.run(_lifetime(app, serve))
    except InvalidToken:
        # PTB's own message quotes the token, so it is never passed on.
        raise TelegramStartupError(
            "Telegram rejected TELEGRAM_BOT_TOKEN. Copy it again from @BotFather.") from None
    except NetworkError as exc:
        reason = str(exc).replace(app.bot.token, REDACTED)
        raise TelegramStartupError(
            f"Cannot reach the Telegram Bot API at {base_url}: {reason}") from None


async def _lifetime(app: BotApp, serve: Callable[[asyncio.Event], Awaitable[None]]) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await app.initialize()
    try:
        if app.post_init is not None:
            await app.post_init(app)
        await serve(stop)
    finally:
        if app.post_shutdown is not None:
            await app.post_shutdown(app)
        await app.shutdown()


def run_webhook(app: BotApp, base_url: str, url: str, listen: str, secret: str,
                derived: bool, routes: Sequence[Any] = ()) -> None:
    """Serve updates Telegram posts to ``url`` until SIGINT or SIGTERM; every post must carry
    ``secret`` (``derived``: made from the token because none was configured)."""
    from bot.telegram.webhook import WebhookServer  # tornado is needed in webhook mode only

    inbox = inbox_of(app)
    inbox.service.cache_size = 0  # other processes answer the same users
    server = WebhookServer(inbox, app.bot, url, secret, derived, routes)
    run_bot(app, base_url, lambda stop: server.serve(listen, stop))


async def poll(app: BotApp, stop: asyncio.Event) -> None:
    # A webhook left from webhook mode would make getUpdates fail; its updates stay queued.
    await app.bot.delete_webhook(drop_pending_updates=False)
    await inbox_of(app).prune()
    poller = Poller(app.bot, inbox_of(app), DEFAULT_CONCURRENCY)
    polling = asyncio.create_task(poller.run())
    stopped = asyncio.create_task(stop.wait())
    await asyncio.wait([polling, stopped], return_when=asyncio.FIRST_COMPLETED)
    stopped.cancel()
    poller.stop.set()
    done, _ = await asyncio.wait([polling], timeout=DRAIN_SECONDS * 2)
    if not done:
        polling.cancel()
        await asyncio.wait([polling])
    elif (failure := polling.exception()) is not None:
        raise failure
