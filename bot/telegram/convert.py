"""Telegram updates in, domain events out; rendered messages in, Telegram markup out."""

from __future__ import annotations

import html
import logging
from dataclasses import dataclass
from typing import Any

from telegram import CallbackQuery, Message, Update
from telegram.constants import ChatType

from bot.content.library import RenderedMessage
from bot.domain.model import (
    Choice,
    Event,
    Location,
    Text,
    Unsupported,
    parse_button_data,
    parse_command,
)
from bot.services.conversation import Sender

log = logging.getLogger(__name__)

# A reply_markup as the Bot API spells it: plain JSON, no PTB objects to build and serialise.
Markup = dict[str, Any] | None


@dataclass(frozen=True)
class Target:
    """Where the replies of one update go, and the button press they answer, if any."""

    chat_id: int
    query_id: str | None = None
    source_message_id: int | None = None
    source_has_keyboard: bool = False


@dataclass(frozen=True)
class DocumentRef:
    """A file the runner sent (maybe a run): fetched only once its declared size passes."""

    file_id: str
    name: str
    size: int


@dataclass(frozen=True)
class Intake:
    """One update as the conversation sees it. ``event`` None: a press we cannot read.
    ``document``: a file to read as runs (``event`` then says "document" for the dialogue)."""

    sender: Sender
    event: Event | None
    target: Target
    document: DocumentRef | None = None


def intake_of(update: Update) -> Intake | None:
    """None for what the bot does not answer: other bots, groups, commands addressed to another
    bot, other update kinds. An edit is answered with a word that edits are not read."""
    sender = sender_of(update)
    if sender is None:
        return None
    if not _chat_is_its_sender(update, sender):
        # Forged or misrouted: replies would carry this runner's data into someone else's chat.
        log.warning("refused update %s: its private chat is not its sender's", update.update_id)
        return None
    if update.callback_query is not None:
        return _press(update.callback_query, sender)
    edited = update.edited_message
    if edited is not None and edited.chat.type == ChatType.PRIVATE:
        return Intake(sender, Unsupported(EDIT), Target(edited.chat_id))
    message = update.message
    if message is None or message.chat.type != ChatType.PRIVATE:
        return None
    if _for_another_bot(message):
        return None
    return Intake(sender, event_of(message), Target(message.chat_id), document_of(message))


def document_of(message: Message) -> DocumentRef | None:
    document = message.document
    if document is None:
        return None
    return DocumentRef(document.file_id, document.file_name or "", document.file_size or 0)


def _chat_is_its_sender(update: Update, sender: Sender) -> bool:
    """In a private chat the chat's id is the user's own id, always; anything else is forged."""
    chat = update.effective_chat
    if chat is None or chat.type != ChatType.PRIVATE:
        return True  # not a private chat: groups and the like are ignored further on
    return chat.id == sender.telegram_id


def _for_another_bot(message: Message) -> bool:
    """``/start@SomeOtherBot``: a command meant for a different bot."""
    text = message.text or ""
    head = text.split(maxsplit=1)[0] if text.startswith("/") else ""
    _, at, addressee = head.partition("@")
    if not at:
        return False
    try:
        ours = message.get_bot().username
    except RuntimeError:  # no bot attached: nothing to compare with
        return False
    return bool(ours) and addressee.lower() != ours.lower()


def _press(query: CallbackQuery, sender: Sender) -> Intake:
    source = query.message if isinstance(query.message, Message) else None
    chat_id = query.message.chat.id if query.message is not None else sender.telegram_id
    target = Target(chat_id, query.id, source.message_id if source else None,
                    source is not None and source.reply_markup is not None)
    return Intake(sender, read_button(query.data), target)


def read_button(data: str | None) -> Choice | None:
    """What a button sent back, or None when it is nothing we drew (old, forged, garbled)."""
    parsed = parse_button_data(data or "")  # e.g. "²|x": a digit that is no number
    return parsed if isinstance(parsed, Choice) else None


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


# What an edited message is called when it is answered as something the coach cannot read.
EDIT = "edit"


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
