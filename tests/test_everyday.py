"""Everyday conversation after screening: /help and the menu, and the phrases runners type."""

from __future__ import annotations

import re
from typing import Any

from telegram.ext import Application

from bot.domain.dialogue.router import KNOWN_COMMANDS
from tests.support.conversation import Runner
from tests.support.telegram_user import TelegramUser


def listed(text: str) -> set[str]:
    return set(re.findall(r"(?m)^/([a-z]+)", text))


async def test_the_command_menu_has_every_command_the_router_knows(
        telegram: TelegramUser) -> None:
    app: Application[Any, Any, Any, Any, Any, Any] = telegram.app
    assert app.post_init is not None
    await app.post_init(app)
    commands = telegram.api.last("setMyCommands").params["commands"]
    names = [c["command"] for c in commands]  # type: ignore[index, union-attr]
    assert len(names) == len(set(names))
    assert set(names) == KNOWN_COMMANDS
    assert all(c["description"] for c in commands)  # type: ignore[index, union-attr]


def test_help_lists_every_command_in_groups(screened: Runner) -> None:
    screened.command("help")
    text = screened.plain()
    assert listed(text) == KNOWN_COMMANDS
    for group in ("Today and your plan", "Reminders", "Progress", "Your data and privacy"):
        assert group in text
    assert text.index("Reminders") < text.index("/pause") < text.index("Progress")
    assert "/cancel always means the same thing" in text
