"""Telegram updates in, domain events out; rendered messages in, Telegram markup out."""

from __future__ import annotations

import html
from typing import Any

from telegram import Message, Update

from bot.content.library import RenderedMessage
from bot.domain.model import Event, Location, Text, Unsupported, parse_command
from bot.services.conversation import Sender

# A reply_markup as the Bot API spells it: plain JSON, no PTB objects to build and serialise.
Markup = dict[str, Any] | None


def sender_of(update: Update) -> Sender | None:
    user = update.effective_user
    if user is None or user.is_bot:
        return None
    return Sender(user.id, user.first_name or "", user.language_code)


def event_of(message: Message) -> Event:
    if message.location is not None:
        return Location(message.location.latitude, message.location.longitude)
    if message.text is not None:
        return parse_command(message.text) or Text(message.text)
    return Unsupported(_kind_of(message))


def _kind_of(message: Message) -> str:
    for kind in ("sticker", "photo", "voice", "video", "audio", "document", "animation",
                 "contact", "poll", "video_note"):
        if getattr(message, kind, None):
            return kind.replace("_", " ")
    return "message"


def markup_for(message: RenderedMessage, location_label: str) -> Markup:
    if message.keyboard:
        return {"inline_keyboard": [
            [{"text": html.unescape(b.label), "callback_data": b.data} for b in row]
            for row in message.keyboard]}
    if message.request_location:
        return {"keyboard": [[{"text": location_label, "request_location": True}]],
                "resize_keyboard": True, "one_time_keyboard": True}
    if message.dismiss_keyboard:
        return {"remove_keyboard": True}
    return None
