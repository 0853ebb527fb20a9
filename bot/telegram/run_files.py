"""A document from the runner, as the channel-neutral inbox takes it: its declared name and size,
and how to download it from Telegram (called only once the size is within the limit).

The inbox (bot/services/inbox.py) reads it as runs and commits them with the update's
processed record and replies, so a re-delivered upload is answered from the outbox and its
runs are never stored twice; an upload that is refused stores nothing at all.
"""

from __future__ import annotations

import logging

from telegram import Bot
from telegram.error import TelegramError

from bot.services.inbox import FileUpload
from bot.telegram.convert import DocumentRef

log = logging.getLogger(__name__)


def upload_of(bot: Bot, document: DocumentRef) -> FileUpload:
    async def fetch() -> bytes | None:
        try:
            file = await bot.get_file(document.file_id)
            return bytes(await file.download_as_bytearray())
        except TelegramError as exc:  # gone, or too big for the Bot API after all
            log.info("a document could not be downloaded (%s)", exc)
            return None

    return FileUpload(document.name, document.size, fetch)
