"""Telegram's side of the durable inbox (bot/services/inbox.py): an update becomes an event
keyed by its update id, a response becomes Bot API calls (bot/telegram/outbox.py), and a
runner who blocked the bot is reported as gone."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from telegram import Bot, Update
from telegram.error import Forbidden

from bot.services.conversation import ConversationService, Response
from bot.services.inbox import MAX_DELAY, Actions, EventInbox, Inbound, RecipientGoneError
from bot.telegram.convert import Target, intake_of
from bot.telegram.outbox import actions_for, deliver
from bot.telegram.run_files import upload_of

__all__ = ["MAX_DELAY", "DurableInbox"]


class DurableInbox(EventInbox[Target]):
    def __init__(self, service: ConversationService, bot: Bot, location_label: str,
                 clock: Callable[[], datetime] | None = None) -> None:
        super().__init__(service, clock)
        self.bot = bot
        self.location_label = location_label

    async def process(self, update: Update, checked: bool = False) -> None:
        """Returns once the update's effects are committed and its replies made.

        ``checked``: the caller already knows the update was not processed before.
        """
        intake = intake_of(update)
        if intake is None:
            return
        upload = upload_of(self.bot, intake.document) if intake.document else None
        await self.receive(Inbound(update.update_id, intake.sender, intake.event,
                                   intake.target, upload), checked)

    def actions(self, response: Response, target: Target) -> Actions:
        return actions_for(response, target, self.location_label)

    async def deliver(self, actions: Actions) -> None:
        try:
            await deliver(self.bot, actions)
        except Forbidden:
            chat_id = next((a["chat"] for a in actions if "chat" in a), None)
            if chat_id is None:
                return
            raise RecipientGoneError(int(chat_id)) from None
