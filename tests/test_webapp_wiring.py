"""WEBAPP_URL: the chat's menu button opens the Mini App, and in webhook mode the webhook's
port serves it too. Without it, nothing changes for the chat."""

from __future__ import annotations

import json

import pytest
import tornado.httpclient
import tornado.httpserver
import tornado.testing
from sqlalchemy import Engine

from bot.cli import _menu_button, _web_routes
from bot.config import Settings, derive_webhook_secret
from bot.content.library import ContentLibrary
from bot.domain.catalog import Catalog
from bot.services.zones import GeoZoneResolver
from bot.telegram.app import build_application, inbox_of
from bot.telegram.webhook import WebhookServer
from tests.conftest import SCREENING_NOW, make_service
from tests.support.fake_request import TEST_TOKEN, FakeBotApi

APP_URL = "https://coach.example/"


def _settings(**values: str) -> Settings:
    return Settings(telegram_bot_token=TEST_TOKEN, **values)  # type: ignore[arg-type]


@pytest.mark.parametrize("url", [APP_URL, None])
async def test_the_menu_button_opens_the_app_only_when_it_is_set(
        url: str | None, engine: Engine, content_with_names: ContentLibrary,
        zones: GeoZoneResolver, catalog: Catalog) -> None:
    api = FakeBotApi()
    service = make_service(engine, content_with_names, zones, catalog, lambda: SCREENING_NOW)
    settings = _settings(webapp_url=url) if url else _settings()
    app = build_application(TEST_TOKEN, "http://bot-api.invalid", service, content_with_names,
                            request=api, updates_request=FakeBotApi(api.backend),
                            menu=_menu_button(settings, content_with_names))
    await app.initialize()
    assert app.post_init is not None
    await app.post_init(app)
    calls = api.calls_of("setChatMenuButton")
    if url is None:
        assert calls == []
    else:
        button = calls[0].params["menu_button"]
        assert isinstance(button, dict)
        assert (button["type"], button["web_app"]) == ("web_app", {"url": APP_URL})
    await app.shutdown()


def test_webapp_url_must_be_https() -> None:
    with pytest.raises(ValueError, match="webapp_url"):
        _settings(webapp_url="http://coach.example/")


async def test_the_webhook_port_serves_the_app_beside_the_webhook(
        engine: Engine, content_with_names: ContentLibrary, zones: GeoZoneResolver,
        catalog: Catalog) -> None:
    api = FakeBotApi()
    service = make_service(engine, content_with_names, zones, catalog, lambda: SCREENING_NOW)
    settings = _settings(webapp_url=APP_URL, webhook_url="https://hooks.example/tg")
    app = build_application(TEST_TOKEN, "http://bot-api.invalid", service, content_with_names,
                            request=api, updates_request=FakeBotApi(api.backend))
    await app.initialize()
    routes = _web_routes(settings, service, content_with_names, app)
    server = WebhookServer(inbox_of(app), app.bot, "https://hooks.example/tg",
                           derive_webhook_secret(TEST_TOKEN), True, routes)
    sock, port = tornado.testing.bind_unused_port()
    http = tornado.httpserver.HTTPServer(server.app)
    http.add_sockets([sock])
    client = tornado.httpclient.AsyncHTTPClient()
    base = f"http://127.0.0.1:{port}"
    try:
        page = await client.fetch(base + "/", raise_error=False)
        api_call = await client.fetch(base + "/api/week", raise_error=False)
        hook = await client.fetch(base + "/tg", method="POST", body="{}", raise_error=False)
    finally:
        http.stop()
        await app.shutdown()
    assert page.code == 200
    assert "Content-Security-Policy" in page.headers
    assert (api_call.code, json.loads(api_call.body)) == (401, {"error": "unauthorized"})
    assert hook.code == 403  # the webhook still wants its secret


def test_a_webhook_at_the_root_leaves_the_app_to_hipcoach_web(
        engine: Engine, content_with_names: ContentLibrary, zones: GeoZoneResolver,
        catalog: Catalog) -> None:
    service = make_service(engine, content_with_names, zones, catalog, lambda: SCREENING_NOW)
    settings = _settings(webapp_url=APP_URL, webhook_url="https://hooks.example/")
    assert _web_routes(settings, service, content_with_names, None) == []  # type: ignore[arg-type]
