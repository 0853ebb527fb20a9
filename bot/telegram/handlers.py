"""PTB callbacks: every update the Application dispatches goes through the durable inbox."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from telegram import Update
from telegram.ext import ContextTypes

from bot.telegram.inbox import DurableInbox

log = logging.getLogger(__name__)


@dataclass
class Handlers:
    inbox: DurableInbox

    async def on_update(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self.inbox.process(update)

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        # The inbox answers every failure it meets itself; this is a bug in the adapter.
        log.error("error while handling an update", exc_info=context.error)
