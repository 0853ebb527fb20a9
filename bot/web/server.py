"""The Mini App's server (tornado, which python-telegram-bot's webhook extra already brings).

``/`` is the page, ``/static/`` its scripts and styles (all shipped in this package), ``/api/``
the JSON the page reads and writes. Every API request must carry Telegram's initData in
``Authorization: tma <initData>``; the runner is the one it names, and no URL or parameter can
name another. Nothing on the page is secret; a strict Content-Security-Policy allows no inline
script and nothing from elsewhere but Telegram's own telegram-web-app.js.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import tornado.web
import yaml
from jinja2 import Environment, FileSystemLoader, select_autoescape

from bot.content.library import ContentLibrary, RenderedMessage
from bot.services.conversation import Sender
from bot.web import initdata
from bot.web.coach import WALK_OUTCOMES, MovedOnError, NotReadyError, Said, WebCoach, reply_dicts

log = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
TELEGRAM_SCRIPT = "https://telegram.org/js/telegram-web-app.js"
CSP = ("default-src 'none'; script-src 'self' https://telegram.org; style-src 'self'; "
       "img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; "
       "frame-ancestors https://web.telegram.org https://*.telegram.org 'self'")
# Per runner: a session's taps are a few a minute; this only stops a loop or a flood.
RATE_PER_MINUTE = 120
# The chat's "finished in the app" messages go out through the bot when one is attached.
Notify = Callable[[int, Sequence[RenderedMessage]], Awaitable[None]]


@dataclass
class RateLimit:
    """A token bucket per runner; ``clock`` is monotonic seconds (a test moves its own)."""

    per_minute: int = RATE_PER_MINUTE
    clock: Callable[[], float] = time.monotonic
    buckets: dict[int, tuple[float, float]] = field(default_factory=dict)

    def allow(self, telegram_id: int) -> bool:
        now = self.clock()
        tokens, then = self.buckets.get(telegram_id, (float(self.per_minute), now))
        tokens = min(float(self.per_minute), tokens + (now - then) * self.per_minute / 60)
        if len(self.buckets) > 100_000:
            self.buckets.clear()  # a bounded memory beats a perfect count
        if tokens < 1:
            self.buckets[telegram_id] = (tokens, now)
            return False
        self.buckets[telegram_id] = (tokens - 1, now)
        return True


@dataclass
class WebApp:
    coach: WebCoach
    content: ContentLibrary
    bot_token: str
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    limit: RateLimit = field(default_factory=RateLimit)
    notify: Notify | None = None
    labels: dict[str, str] = field(default_factory=dict)
    dev_user: initdata.WebAppUser | None = None


class Page(tornado.web.RequestHandler):
    def initialize(self, app: WebApp, environment: Environment) -> None:
        self.app = app
        self.environment = environment

    def set_default_headers(self) -> None:
        secure_headers(self)

    def get(self) -> None:
        page = self.environment.get_template("index.html").render(
            labels=self.app.labels, telegram_script=TELEGRAM_SCRIPT,
            dev=self.app.dev_user is not None)
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.set_header("Cache-Control", "no-store")
        self.finish(page)


class DevSignIn(tornado.web.RequestHandler):
    """--dev only: launch data for the terminal chat's runner, signed as Telegram would."""

    def initialize(self, app: WebApp) -> None:
        self.app = app

    def get(self) -> None:
        user = self.app.dev_user
        assert user is not None
        fields = {"auth_date": str(int(self.app.clock().timestamp())),
                  "user": json.dumps({"id": user.telegram_id, "first_name": user.first_name})}
        fields["hash"] = initdata.sign(fields, self.app.bot_token)
        self.redirect("/#tgWebAppData=" + quote(urlencode(fields), safe=""))


class Static(tornado.web.StaticFileHandler):
    def set_default_headers(self) -> None:
        secure_headers(self)


class Api(tornado.web.RequestHandler):
    """Signs the runner in from initData, applies the rate limit, answers JSON."""

    def initialize(self, app: WebApp) -> None:
        self.app = app
        self.sender = Sender(0)

    def set_default_headers(self) -> None:
        secure_headers(self)
        self.set_header("Content-Type", "application/json; charset=utf-8")
        self.set_header("Cache-Control", "no-store")

    def prepare(self) -> None:
        header = self.request.headers.get("Authorization", "")
        scheme, _, raw = header.partition(" ")
        try:
            if scheme.lower() != "tma":
                raise initdata.InvalidInitDataError("no tma authorization")
            user = initdata.validate(raw.strip(), self.app.bot_token, self.app.clock())
        except initdata.InvalidInitDataError as exc:
            log.info("web app: refused a request from %s (%s)", self.request.remote_ip, exc)
            self.answer(401, {"error": "unauthorized"})
            return
        if not self.app.limit.allow(user.telegram_id):
            self.answer(429, {"error": "too_many_requests"})
            return
        self.sender = Sender(user.telegram_id, user.first_name, user.language)

    def answer(self, status: int, body: dict[str, Any]) -> None:
        self.set_status(status)
        self.finish(json.dumps(body))

    def body(self) -> dict[str, Any]:
        try:
            value = json.loads(self.request.body or b"{}")
        except ValueError:
            value = None
        if not isinstance(value, dict):
            raise tornado.web.HTTPError(400)
        return value

    async def run(self, work: Callable[[], Awaitable[dict[str, Any]]]) -> None:
        try:
            self.answer(200, await work())
        except NotReadyError:
            self.answer(409, {"error": "not_ready"})
        except MovedOnError:
            self.answer(409, {"error": "moved_on"})
        except ValueError:
            self.answer(400, {"error": "bad_request"})

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        self.finish(json.dumps({"error": "bad_request" if status_code == 400 else "error"}))


class Read(Api):
    async def get(self, what: str) -> None:
        readers = {"week": self.app.coach.week, "session": self.app.coach.session,
                   "progress": self.app.coach.progress}
        reader = readers.get(what)
        if reader is None:
            raise tornado.web.HTTPError(404)
        telegram_id = self.sender.telegram_id

        async def read() -> dict[str, Any]:
            return await asyncio.to_thread(reader, telegram_id)
        await self.run(read)


class Act(Api):
    """The chat's own events: Start, a move's outcome, Did it, a reply's button."""

    async def post(self, what: str) -> None:
        body = self.body()
        coach, sender = self.app.coach, self.sender
        actions: dict[str, Callable[[], Awaitable[Said]]] = {
            "start": lambda: coach.start(sender),
            "move": lambda: coach.move(sender, _int(body.get("index")), str(body.get("outcome"))),
            "did": lambda: coach.did_it(sender),
            "press": lambda: coach.press(sender, str(body.get("data", ""))[:64]),
            "settings": lambda: coach.settings(sender),
            "text": lambda: coach.text(sender, str(body.get("text", ""))),
        }
        action = actions.get(what)
        if action is None:
            raise tornado.web.HTTPError(404)

        async def act() -> dict[str, Any]:
            said = await action()
            if said.for_chat:
                await self._tell_chat(said.for_chat)
            return {"replies": reply_dicts(said.replies), "concluded": bool(said.for_chat)}
        await self.run(act)

    async def _tell_chat(self, messages: Sequence[RenderedMessage]) -> None:
        if self.app.notify is None:
            return
        try:
            await self.app.notify(self.sender.telegram_id, messages)
        except Exception:  # the app's report is stored; a chat line that fails is only logged
            log.exception("web app: could not tell the chat a session was finished")


def _int(value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError("not an integer")
    return value


def secure_headers(handler: tornado.web.RequestHandler) -> None:
    handler.set_header("Content-Security-Policy", CSP)
    handler.set_header("X-Content-Type-Options", "nosniff")
    handler.set_header("Referrer-Policy", "no-referrer")


def page_labels(content: ContentLibrary) -> dict[str, str]:
    """The page's own words (content/web.yaml) and the chat's walk-through buttons."""
    raw = yaml.safe_load((content.root / "web.yaml").read_text(encoding="utf-8"))
    labels = {str(k): str(v) for k, v in raw["labels"].items()}
    return {**labels, **{f"walk.{o}": content.label(f"walk.{o}") for o in WALK_OUTCOMES}}


def make_app(app: WebApp) -> tornado.web.Application:
    return tornado.web.Application(routes(app), xheaders=False)


def routes(app: WebApp) -> list[Any]:
    """The page, its files and the API (also served on the webhook's port)."""
    if not app.labels:
        app.labels = page_labels(app.content)
    environment = Environment(loader=FileSystemLoader(HERE / "templates"),
                              autoescape=select_autoescape(default=True))
    rules: list[Any] = [
        (r"/", Page, {"app": app, "environment": environment}),
        (r"/static/(.*)", Static, {"path": str(HERE / "static")}),
        (r"/api/(week|session|progress)", Read, {"app": app}),
        (r"/api/(start|move|did|press|settings|text)", Act, {"app": app}),
    ]
    if app.dev_user is not None:
        rules.append((r"/dev", DevSignIn, {"app": app}))
    return rules
