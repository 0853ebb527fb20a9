"""Telegram updates in, domain events out; rendered messages in, Telegram markup out."""

from __future__ import annotations

import html

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)

from bot.content.library import RenderedMessage
from bot.domain.model import Event, Location, Text, Unsupported, parse_command
from bot.services.conversation import Sender

Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | None


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
        return InlineKeyboardMarkup(
            [[InlineKeyboardButton(html.unescape(b.label), callback_data=b.data) for b in row]
             for row in message.keyboard]
        )
    if message.request_location:
        return ReplyKeyboardMarkup([[KeyboardButton(location_label, request_location=True)]],
                                   resize_keyboard=True, one_time_keyboard=True)
    if message.dismiss_keyboard:
        return ReplyKeyboardRemove()
    return None
