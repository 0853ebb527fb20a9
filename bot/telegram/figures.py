"""Sending an exercise's figure: uploaded once per bot, then sent by Telegram's file_id.

A file_id works only for the bot that uploaded the file, so it is remembered under the bot's
id and the file's name (the name carries a hash of the figure, so an edited pose uploads anew).
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

from telegram import Bot, InputFile, Message
from telegram.error import BadRequest

from bot.figures.store import file_id_in, remember_file_id_in

log = logging.getLogger(__name__)


async def send(bot: Bot, action: dict[str, Any]) -> None:
    path = Path(action["path"])
    key = f"{await _bot_id(bot)}/{path.name}"
    known = await asyncio.to_thread(file_id_in, path.parent, key)
    if known is not None:
        try:
            await _send(bot, action, known)
            return
        except BadRequest as exc:  # the file is gone on Telegram's side: upload it again
            log.info("a stored figure file_id was refused (%s); uploading", exc)
    try:
        data = await asyncio.to_thread(path.read_bytes)
    except OSError as exc:  # the cache was cleared since this reply was stored
        log.warning("figure %s is missing (%s); skipped", path.name, exc)
        return
    sent = await _send(bot, action, InputFile(data, filename=path.name))
    file_id = _file_id_of(sent)
    if file_id is not None:
        await asyncio.to_thread(remember_file_id_in, path.parent, key, file_id)


async def _send(bot: Bot, action: dict[str, Any], animation: str | InputFile) -> Message:
    extra = {"reply_markup": action["markup"]} if action["markup"] else None
    return await bot.send_animation(action["chat"], animation, caption=action["caption"],
                                    api_kwargs=extra)


async def _bot_id(bot: Bot) -> int:
    try:
        return bot.id
    except RuntimeError:  # a Bot not initialised yet knows its id only after getMe
        return (await bot.get_me()).id


def _file_id_of(message: Message) -> str | None:
    """Telegram answers with an animation, or a document if it did not take the file as one."""
    media = message.animation or message.document
    return media.file_id if media is not None else None
