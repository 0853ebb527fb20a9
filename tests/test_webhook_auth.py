"""The webhook is never open: a post without the secret, with a wrong one, or whose private chat
is not its sender changes nothing and sends nothing. The real tornado server, PTB's real
Application and the in-process fake Bot API."""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import tornado.httpclient
import tornado.httpserver
import tornado.testing
from sqlalchemy import Engine, text

from bot.cli import main, secrets_of
from bot.config import Settings, derive_webhook_secret
from bot.content.library import ContentLibrary
from bot.domain.catalog import Catalog
from bot.logging_setup import RedactingFormatter
from bot.services.zones import GeoZoneResolver
from bot.telegram.app import build_application, inbox_of
from bot.telegram.webhook import SECRET_HEADER, WebhookServer
from tests.conftest import SCREENING_NOW, make_service
from tests.support.fake_request import TEST_TOKEN, FakeBotApi, command_update

RUNNER = 4242
STRANGER = 777


@dataclass
class Hook:
    server: WebhookServer
    api: FakeBotApi
    url: str
    secret: str

    async def post(self, update: dict[str, Any], secret: str | None) -> int:
        headers = {"Content-Type": "application/json"}
        if secret is not None:
            headers[SECRET_HEADER] = secret
        client = tornado.httpclient.AsyncHTTPClient()
        response = await client.fetch(self.url, method="POST", body=json.dumps(update),
                                      headers=headers, raise_error=False)
        return response.code

    def sent_to(self, chat_id: int) -> list[str]:
        return [str(c.text) for c in self.api.calls
                if c.method.startswith("send") and c.chat_id == chat_id]


@pytest.fixture
async def hook(engine: Engine, content_with_names: ContentLibrary, zones: GeoZoneResolver,
               catalog: Catalog) -> AsyncIterator[Hook]:
    api = FakeBotApi()
    service = make_service(engine, content_with_names, zones, catalog, lambda: SCREENING_NOW)
    app = build_application(TEST_TOKEN, "http://bot-api.invalid", service, content_with_names,
                            request=api, updates_request=FakeBotApi(api.backend))
    await app.initialize()
    secret = derive_webhook_secret(TEST_TOKEN)
    server = WebhookServer(inbox_of(app), app.bot, "https://hooks.example/tg", secret, True)
    sock, port = tornado.testing.bind_unused_port()
    http = tornado.httpserver.HTTPServer(server.app)
    http.add_sockets([sock])
    yield Hook(server, api, f"http://127.0.0.1:{port}/tg", secret)
    http.stop()
    await app.shutdown()


def stored_rows(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM dialogue_states")).scalar() or 0)


@pytest.mark.parametrize("sent", [None, "", "wrong-secret", derive_webhook_secret("1:other")])
async def test_a_post_without_the_right_secret_is_refused_and_changes_nothing(
    hook: Hook, engine: Engine, sent: str | None, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        status = await hook.post(command_update(1, RUNNER, "/start"), sent)
    assert status == 403
    assert stored_rows(engine) == 0
    assert hook.api.calls_of("sendMessage") == []
    assert any("without the right secret" in r.getMessage() for r in caplog.records)


async def test_the_right_secret_is_served(hook: Hook, engine: Engine) -> None:
    assert await hook.post(command_update(1, RUNNER, "/start"), hook.secret) == 200
    assert stored_rows(engine) == 1
    assert hook.sent_to(RUNNER)


async def test_a_private_chat_that_is_not_its_sender_gets_nothing(
    hook: Hook, engine: Engine
) -> None:
    """A forged update: ``from`` a runner, ``chat`` somebody else's private chat."""
    assert await hook.post(command_update(1, RUNNER, "/start"), hook.secret) == 200
    before = len(hook.api.calls)
    for number, command in enumerate(("/export", "/summary", "/delete", "/start"), start=2):
        forged = command_update(number, RUNNER, command, chat_id=STRANGER)
        assert await hook.post(forged, hook.secret) == 200  # nothing for Telegram to retry
    assert hook.api.calls[before:] == []
    with engine.connect() as conn:
        assert conn.execute(text("SELECT state FROM dialogue_states")).scalar() == "ask:pain"


def test_a_derived_secret_is_strong_stable_and_of_the_token() -> None:
    one = derive_webhook_secret(TEST_TOKEN)
    assert one == derive_webhook_secret(TEST_TOKEN)  # every process behind a balancer agrees
    assert one != derive_webhook_secret("1:another-token")
    assert re.fullmatch(r"[A-Za-z0-9_-]{64}", one)  # what Telegram accepts as secret_token
    assert TEST_TOKEN not in one


def test_settings_derive_a_secret_unless_one_is_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TEST_TOKEN)
    monkeypatch.delenv("WEBHOOK_SECRET", raising=False)
    assert Settings(_env_file=None).webhook_secret_value() == (  # type: ignore[call-arg]
        derive_webhook_secret(TEST_TOKEN), True)
    monkeypatch.setenv("WEBHOOK_SECRET", "chosen_secret-1")
    assert Settings(_env_file=None).webhook_secret_value() == (  # type: ignore[call-arg]
        "chosen_secret-1", False)


def test_a_secret_telegram_would_refuse_is_one_clear_line_without_the_secret(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)  # no .env of the developer's
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TEST_TOKEN)
    monkeypatch.setenv("WEBHOOK_SECRET", "has spaces!")
    assert main(["run"]) != 0
    said = capsys.readouterr().err
    assert "WEBHOOK_SECRET must be 1-256 characters" in said
    assert "has spaces" not in said
    assert TEST_TOKEN not in said


async def test_the_derived_secret_is_registered_with_telegram_and_never_logged(
    hook: Hook, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TEST_TOKEN)
    monkeypatch.delenv("WEBHOOK_SECRET", raising=False)
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    # The formatter `hipcoach` logs through, with the secrets it is given (DEBUG logs requests).
    formatter = RedactingFormatter("%(message)s", secrets_of(settings))
    stop = asyncio.Event()
    stop.set()  # serve registers the webhook, then stops at once
    with caplog.at_level(logging.DEBUG):
        await hook.server.serve("127.0.0.1:0", stop)
    registered = hook.api.last("setWebhook").params
    assert registered["secret_token"] == hook.secret
    assert registered["url"] == "https://hooks.example/tg"
    logged = "\n".join(formatter.format(r) for r in caplog.records)
    assert "derived from the bot token" in logged
    assert hook.secret not in logged
    assert TEST_TOKEN not in logged
