"""PTB callbacks: turn an update into an event, let the service handle it, deliver the replies."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from telegram import CallbackQuery, InputFile, Message, Update
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import ContextTypes

from bot.content.library import RenderedMessage
from bot.domain.model import Event, parse_button_data
from bot.services.conversation import ConversationService, Response, Sender
from bot.telegram import bot_api
from bot.telegram.convert import Markup, event_of, markup_for, sender_of

log = logging.getLogger(__name__)


@dataclass
class Handlers:
    service: ConversationService
    location_label: str

    async def on_message(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message, sender = update.effective_message, sender_of(update)
        if message is None or sender is None or update.edited_message is not None:
            return
        response = await self._handle(sender, event_of(message))
        await self._deliver(response, message.chat_id, context, source=None)

    async def on_callback(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query, sender = update.callback_query, sender_of(update)
        if query is None or sender is None:
            return
        choice = parse_button_data(query.data or "")
        if choice is None:
            await bot_api.answer_callback(context.bot, query.id, None)
            return
        response = await self._handle(sender, choice)
        await bot_api.answer_callback(context.bot, query.id, response.toast)
        chat_id = query.message.chat.id if query.message else sender.telegram_id
        await self._deliver(response, chat_id, context, source=query)

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        log.error("error while handling an update", exc_info=context.error)
        if isinstance(update, Update) and update.effective_chat is not None:
            try:
                await context.bot.send_message(update.effective_chat.id,
                                               self.service.render_error().text)
            except TelegramError:
                log.warning("could not tell the user about the error")

    async def _handle(self, sender: Sender, event: Event) -> Response:
        return await self.service.handle_async(sender, event)

    async def _deliver(self, response: Response, chat_id: int,
                       context: ContextTypes.DEFAULT_TYPE, source: CallbackQuery | None) -> None:
        try:
            if source is not None and response.close_source:
                await _close_keyboard(context, source)
            for message in response.messages:
                await self._send_one(message, chat_id, context, source)
        except Forbidden:
            log.info("user %s blocked the bot; marking inactive", chat_id)
            self.service.mark_unreachable(chat_id)

    async def _send_one(self, message: RenderedMessage, chat_id: int,
                        context: ContextTypes.DEFAULT_TYPE, source: CallbackQuery | None) -> None:
        markup = markup_for(message, self.location_label)
        if message.attachment is not None:
            await _send_attachment(context, chat_id, message, markup)
            return
        if message.edit and source is not None and isinstance(source.message, Message):
            try:
                await bot_api.edit_text(context.bot, source.message.chat.id,
                                        source.message.message_id, message.text, markup)
                return
            except BadRequest as exc:
                if "not modified" in str(exc).lower():
                    return
                log.info("could not edit a message (%s); sending a new one", exc)
        await bot_api.send_text(context.bot, chat_id, message.text, markup)


# Telegram's limit for a photo or document caption; longer texts go in a message of their own.
CAPTION_LIMIT = 1024


async def _send_attachment(context: ContextTypes.DEFAULT_TYPE, chat_id: int,
                           message: RenderedMessage, markup: Markup) -> None:
    attachment = message.attachment
    assert attachment is not None
    caption: str | None = message.text
    if len(message.text) > CAPTION_LIMIT:
        await bot_api.send_text(context.bot, chat_id, message.text, None)
        caption = None
    upload = InputFile(attachment.data, filename=attachment.filename)
    extra = {"reply_markup": markup} if markup else None
    if attachment.kind == "photo":
        await context.bot.send_photo(chat_id, upload, caption=caption, api_kwargs=extra)
    else:
        await context.bot.send_document(chat_id, upload, caption=caption, api_kwargs=extra)


async def _close_keyboard(context: ContextTypes.DEFAULT_TYPE, query: CallbackQuery) -> None:
    """Takes the buttons off a question once it is answered, so it cannot be answered twice."""
    if not isinstance(query.message, Message) or query.message.reply_markup is None:
        return
    try:
        await bot_api.remove_inline_keyboard(context.bot, query.message.chat.id,
                                             query.message.message_id)
    except BadRequest as exc:
        log.debug("keyboard already gone: %s", exc)
