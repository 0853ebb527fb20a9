"""Webhook mode: Telegram POSTs each update; we answer 200 only once it is committed.

Several processes may serve one bot behind a load balancer: nothing here lives in process
memory. A user's updates keep their order across processes through the database (the write
locks the user's row and carries the dialogue version; a write that lost the race is replayed
on the fresh state), and a webhook Telegram retries is recognised by its update id.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

import tornado.httpserver
import tornado.web
from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError
from telegram import Bot, Update

from bot.telegram.inbox import DurableInbox
from bot.telegram.polling import ALLOWED_UPDATES

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# Telegram gives a webhook about a minute; past this we answer 503 and let it come again
# (the work goes on, and the retry finds it stored).
PATIENCE_SECONDS = 50.0
HEALTH_PATH = "/healthz"


class UpdateEndpoint(tornado.web.RequestHandler):
    def initialize(self, inbox: DurableInbox, bot: Bot, secret: str,
                   in_flight: set[asyncio.Task[None]]) -> None:
        self.inbox = inbox
        self.bot = bot
        self.secret = secret
        self.in_flight = in_flight

    async def post(self) -> None:
        if not carries_secret(self.request.headers.get(SECRET_HEADER), self.secret):
            log.warning("refused a webhook post without the right secret from %s",
                        self.request.remote_ip)
            self.set_status(403)
            return
        try:
            update = Update.de_json(json.loads(self.request.body), self.bot)
        except (ValueError, TypeError, KeyError, AttributeError):
            self.set_status(400)
            return
        work = asyncio.ensure_future(self.inbox.process(update))
        self.in_flight.add(work)
        work.add_done_callback(self.in_flight.discard)
        done, _ = await asyncio.wait([work], timeout=PATIENCE_SECONDS)
        if work not in done:
            self.set_status(503)
        elif work.exception() is not None:
            log.error("update %s failed", update.update_id, exc_info=work.exception())
            self.set_status(500)
        else:
            self.set_status(200)


def carries_secret(sent: str | None, secret: str) -> bool:
    """Only Telegram knows the secret (set with setWebhook); compared in constant time."""
    if not secret:  # never an open webhook, whatever the caller passed
        return False
    return sent is not None and hmac.compare_digest(sent.encode(), secret.encode())


class HealthEndpoint(tornado.web.RequestHandler):
    def initialize(self, engine: Engine) -> None:
        self.engine = engine

    async def get(self) -> None:
        healthy = await asyncio.to_thread(_database_answers, self.engine)
        self.set_status(200 if healthy else 503)
        self.write({"ok": healthy})


def _database_answers(engine: Engine) -> bool:
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except SQLAlchemyError:
        return False
    return True


def parse_listen(listen: str) -> tuple[str, int]:
    """``HOST:PORT`` or ``PORT``."""
    host, _, port = listen.rpartition(":")
    # Behind a load balancer the bot listens on every interface unless told otherwise.
    return host or "0.0.0.0", int(port)


class WebhookServer:
    def __init__(self, inbox: DurableInbox, bot: Bot, url: str, secret: str,
                 derived: bool = False, routes: Sequence[Any] = ()) -> None:
        self.inbox = inbox
        self.bot = bot
        self.url = url
        self.secret = secret
        self.derived = derived
        self.in_flight: set[asyncio.Task[None]] = set()
        path = urlsplit(url).path or "/"
        self.app = tornado.web.Application([
            (HEALTH_PATH, HealthEndpoint, {"engine": inbox.engine}),
            (path, UpdateEndpoint, {"inbox": inbox, "bot": bot, "secret": secret,
                                    "in_flight": self.in_flight}),
            *routes,  # the Mini App on the same port, when WEBAPP_URL is set
        ])
        self.server: tornado.httpserver.HTTPServer | None = None

    async def serve(self, listen: str, stop: asyncio.Event) -> None:
        host, port = parse_listen(listen)
        await self.inbox.prune()
        self.server = tornado.httpserver.HTTPServer(self.app)
        self.server.listen(port, address=host)
        await self.bot.set_webhook(self.url, allowed_updates=ALLOWED_UPDATES,
                                   secret_token=self.secret, drop_pending_updates=False)
        log.info("webhook mode: listening on %s:%s; posts must carry the secret %s", host, port,
                 "derived from the bot token (set WEBHOOK_SECRET to choose one)"
                 if self.derived else "from WEBHOOK_SECRET")
        try:
            await stop.wait()
        finally:
            self.server.stop()
            if self.in_flight:
                await asyncio.wait([*self.in_flight], timeout=PATIENCE_SECONDS)
            await self.server.close_all_connections()
