"""Durable input through PTB's real Application and the in-process fake Bot API: a re-delivered
update is applied and answered once, replies a crash left unsent go out on the re-delivery,
unreadable buttons and failures get an honest, friendly answer."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, text

from bot.content.library import ContentLibrary
from bot.domain.catalog import Catalog
from bot.services.zones import GeoZoneResolver
from bot.telegram.app import build_application, inbox_of
from tests.conftest import SCREENING_NOW, Clock, make_service
from tests.support.conversation import HAPPY_PATH
from tests.support.fake_request import (
    TEST_TOKEN,
    FakeBotApi,
    callback_update,
    command_update,
    to_update,
)
from tests.support.screening import upto
from tests.support.telegram_user import TelegramUser, texts

USER = 4242


def answers(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return [q for (q,) in conn.execute(text("SELECT question FROM screening_answers "
                                                "ORDER BY id"))]


async def test_a_re_delivered_update_is_applied_and_answered_once(
    telegram: TelegramUser, engine: Engine
) -> None:
    await telegram.say("/start")
    message_id, data = telegram.find_button("none")
    press = callback_update(501, USER, data, message_id,
                            reply_markup=telegram.keyboard_of(message_id))
    first = await telegram._process(press)
    assert "Does any of these apply" in texts(first)
    again = await telegram._process(press)  # Telegram sends it again (not confirmed in time)
    assert again == []
    assert answers(engine) == ["pain"]


async def test_replies_a_crash_left_unsent_go_out_once_on_the_re_delivery(
    engine: Engine, content: ContentLibrary, zones: GeoZoneResolver, catalog: Catalog
) -> None:
    api = StallingBotApi()
    clock = Clock(SCREENING_NOW)
    service = make_service(engine, content, zones, catalog, lambda: SCREENING_NOW)
    app = build_application(TEST_TOKEN, "http://bot-api.invalid", service, content,
                            request=api, updates_request=FakeBotApi(api.backend),
                            rate_limit=False)
    await app.initialize()
    inbox = inbox_of(app)
    inbox.clock = clock
    start = to_update(command_update(601, USER, "/start"), app.bot)
    # The process dies after the commit, while the welcome is on its way.
    crashed = asyncio.create_task(inbox.process(start))
    await api.sending.wait()
    crashed.cancel()
    with pytest.raises(asyncio.CancelledError):
        await crashed
    with engine.connect() as conn:
        assert conn.execute(text("SELECT state FROM dialogue_states")).scalar() == "ask:pain"
    api.stall = False

    clock.now += timedelta(minutes=1)  # the dead process's hold on the replies has run out
    since = api.mark()
    await inbox.process(start)  # re-delivered after the restart
    resent = api.calls[since:]
    assert "I'm Hip Coach" in texts(resent)
    assert "How do your hips feel" in texts(resent)
    since = api.mark()
    await inbox.process(start)
    assert api.calls[since:] == []
    await app.shutdown()


class StallingBotApi(FakeBotApi):
    """Holds the first sendMessage until the test lets go (a send cut short by a crash)."""

    def __init__(self) -> None:
        super().__init__()
        self.stall = True
        self.sending = asyncio.Event()

    async def do_request(self, url: str, method: str, *args: Any, **kwargs: Any
                         ) -> tuple[int, bytes]:
        if self.stall and url.endswith("/sendMessage"):
            self.sending.set()
            await asyncio.Event().wait()  # until cancelled
        return await super().do_request(url, method, *args, **kwargs)


@pytest.mark.parametrize("data", ["²|x", "junk", "", "1|" + "x" * 80, "٣|none"])
async def test_a_button_we_cannot_read_gets_an_answered_tap_and_a_friendly_word(
    telegram: TelegramUser, engine: Engine, caplog: pytest.LogCaptureFixture, data: str
) -> None:
    await telegram.say("/start")
    with caplog.at_level(logging.WARNING):
        calls = await telegram.tap_data(data, 1)
    answered = [c for c in calls if c.method == "answerCallbackQuery"]
    assert len(answered) == 1
    # "٣|none": an Arabic-Indic digit is no turn the codec draws, so it is unreadable too.
    assert answered[0].params["text"] == ("I can't read that button any more. "
                                          "Carry on from the latest message.")
    assert "can't read that button" in texts(calls)
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert answers(engine) == []


class BrokenZones(GeoZoneResolver):
    """A zone lookup with a bug in it."""

    def from_text(self, text: str) -> None:
        raise RuntimeError("zone index is broken")


async def test_a_failure_is_admitted_honestly_and_nothing_claims_to_be_safe(
    engine: Engine, content: ContentLibrary, catalog: Catalog
) -> None:
    api = FakeBotApi()
    service = make_service(engine, content, BrokenZones(), catalog, lambda: SCREENING_NOW)
    app = build_application(TEST_TOKEN, "http://bot-api.invalid", service, content,
                            request=api, updates_request=FakeBotApi(api.backend))
    await app.initialize()
    user = TelegramUser(app, api)
    await user.say("/start")
    await user.walk(upto(HAPPY_PATH, "ask:timezone"))
    calls = await user.say("Berlin")
    said = texts(calls)
    assert "went wrong on my side" in said
    assert "safe" not in said
    await app.shutdown()


async def test_records_of_updates_too_old_to_come_again_are_forgotten(
    telegram: TelegramUser, engine: Engine
) -> None:
    await telegram.say("/start")
    inbox = inbox_of(telegram.app)
    await inbox.prune()
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM processed_updates")).scalar() == 1
    inbox.clock = Clock(datetime.now(UTC) + timedelta(days=4))
    await inbox.prune()
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM processed_updates")).scalar() == 0
