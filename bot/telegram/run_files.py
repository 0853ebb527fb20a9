"""A document from the runner: checked for size, downloaded, read as runs, answered.

The runs and the update's processed record (with its replies) are committed together, so a
re-delivered upload is answered from the outbox and its runs are never stored twice. An upload
that is refused stores nothing at all.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import TYPE_CHECKING

from telegram.error import TelegramError

from bot.content.library import RenderedMessage
from bot.db import inbox as store
from bot.db.inbox import Actions, Hook
from bot.services.conversation import Response
from bot.services.runs.service import RunService, Upload
from bot.telegram.convert import DocumentRef, Intake
from bot.telegram.outbox import actions_for

if TYPE_CHECKING:  # the inbox imports this module
    from bot.telegram.inbox import DurableInbox

log = logging.getLogger(__name__)


async def read_run_file(inbox: DurableInbox, update_id: int, intake: Intake,
                        document: DocumentRef, lease: timedelta) -> tuple[Actions, bool]:
    runs = RunService(inbox.engine, inbox.service.content, inbox.service.clock)
    upload = Upload(document.name, document.size)
    too_big = runs.too_big(upload)  # before downloading a byte
    if too_big is not None:
        return _actions(inbox, intake, too_big), False
    data = await _download(inbox, document)
    if data is None:
        return _actions(inbox, intake, runs.refused("not_fetched")), False
    stamped: list[Actions] = []

    def stamp(message: RenderedMessage) -> Hook:
        stamped.append(_actions(inbox, intake, message))
        return store.record_hook(update_id, stamped[-1], inbox.clock(), lease)

    outcome = await runs.receive_async(intake.sender.telegram_id,
                                       Upload(document.name, document.size, data), stamp)
    return _actions(inbox, intake, outcome.message), outcome.hooked


async def _download(inbox: DurableInbox, document: DocumentRef) -> bytes | None:
    try:
        file = await inbox.bot.get_file(document.file_id)
        return bytes(await file.download_as_bytearray())
    except TelegramError as exc:  # gone, or too big for the Bot API after all
        log.info("a document could not be downloaded (%s)", exc)
        return None


def _actions(inbox: DurableInbox, intake: Intake, message: RenderedMessage) -> Actions:
    return actions_for(Response((message,)), intake.target, inbox.location_label)
