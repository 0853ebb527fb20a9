"""The coach over Telegram: PTB's real Application, the in-process fake Bot API, a real DB."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine

from bot.content.exercises import load_catalog
from bot.content.library import ContentLibrary
from bot.services.zones import GeoZoneResolver
from bot.telegram.app import build_application
from tests.conftest import ROOT, make_service
from tests.support.conversation import path_to
from tests.support.fake_request import TEST_TOKEN, FakeBotApi
from tests.support.telegram_user import TelegramUser, texts

MONDAY = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


@pytest.fixture
async def telegram(engine: Engine, zones: GeoZoneResolver) -> AsyncIterator[TelegramUser]:
    catalog = load_catalog(ROOT / "content")
    content = ContentLibrary(ROOT / "content")
    content.add_labels({f"exercise.{e.id}": e.name for e in catalog.exercises.values()})
    api = FakeBotApi()
    service = make_service(engine, content, zones, catalog, lambda: MONDAY)
    app = build_application(TEST_TOKEN, "http://bot-api.invalid", service, content,
                            request=api, updates_request=FakeBotApi(api.backend))
    await app.initialize()
    yield TelegramUser(app, api)
    await app.shutdown()


# Runs Monday and Thursday at 18:30; both self-tests on the right fall short.
ANSWERS = {"pain": "none", "red_flags": [], "thigh_left": "pass", "thigh_right": "fail",
           "knee_lift": "fail", "goal": "injury", "equipment": [], "run_days": ["mon", "thu"],
           "run_time": "18:30", "timezone": "Europe/Berlin", "minutes": 10}


async def screen(telegram: TelegramUser) -> str:
    await telegram.say("/start")
    await telegram.walk(path_to(ANSWERS))
    return texts(await telegram.tap("confirm"))


async def test_screening_ends_with_the_plan_and_today_is_walked_step_by_step(
    telegram: TelegramUser,
) -> None:
    done = await screen(telegram)
    assert "You're all set" in done
    assert "Monday: Run day" in done
    assert "Before your 18:30 run:" in done

    calls = await telegram.tap("start")
    assert [c.method for c in calls][:2] == ["answerCallbackQuery", "editMessageReplyMarkup"]
    steps = 0
    while "Session done" not in texts(calls):
        assert f"{steps + 1}/" in texts(calls)
        assert [b["text"] for b in calls[-1].inline_buttons()] == [
            "✅ Done", "😤 Hard", "⚠️ Pain", "⏭️ Skip", "❓ How?"]
        calls = await telegram.tap("done")
        steps += 1
    assert steps >= 3
    assert f"{steps} done of {steps}" in texts(calls)


async def test_settings_change_run_days_and_the_week_follows(telegram: TelegramUser) -> None:
    await screen(telegram)
    calls = await telegram.say("/settings")
    assert "Pick what to change" in texts(calls)
    await telegram.tap("run_days")
    await telegram.tap("t:thu")
    await telegram.tap("t:sat")
    await telegram.tap("done")
    calls = await telegram.tap("confirm")

    assert "Your plan changed:" in texts(calls)
    assert "Saturday: rest day → run day" in texts(calls)
    calls = await telegram.say("/plan")
    assert "<b>Saturday</b>: Run day" in texts(calls)
    assert "<b>Thursday</b>: Run day" not in texts(calls)


async def test_exercise_how_to_and_an_unknown_name(telegram: TelegramUser) -> None:
    await screen(telegram)
    calls = await telegram.say("/exercise clamshel")
    assert texts(calls).startswith("<b>Side-plank clamshell</b>")
    calls = await telegram.say("/exercise <b>hello</b>")
    assert "“&lt;b&gt;hello&lt;/b&gt;”" in texts(calls)
