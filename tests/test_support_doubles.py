"""Prove the Bot API test doubles in ``tests/support`` work with a real PTB Application."""

from __future__ import annotations

import asyncio
import json
import threading
import urllib.error
import urllib.parse
import urllib.request

import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import Forbidden, RetryAfter
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from tests.support.fake_request import (
    BOT_ID,
    BOT_USERNAME,
    TEST_TOKEN,
    FakeBotApi,
    callback_update,
    command_update,
    location_update,
    message_update,
    sticker_update,
)
from tests.support.http_bot_api import HttpBotApiDouble

USER = 4242

# PTB 22.x warns from RetryAfter.__init__ itself unless PTB_TIMEDELTA=1 is set.
ignore_retry_after_int_deprecation = pytest.mark.filterwarnings(
    "ignore:Deprecated since version v22.2:telegram.warnings.PTBDeprecationWarning"
)


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    assert message is not None
    assert message.text is not None
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("again", callback_data="again")]])
    await message.reply_text(message.text, reply_markup=keyboard)


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer("noted")
    await query.edit_message_text(
        f"you pressed {query.data}",
        reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("done", callback_data="x")]]),
    )


def build_fake_app(fake: FakeBotApi) -> Application:  # type: ignore[type-arg]
    app = (
        ApplicationBuilder()
        .token(TEST_TOKEN)
        .request(fake)
        .get_updates_request(FakeBotApi(fake.backend))
        .build()
    )
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    app.add_handler(CallbackQueryHandler(on_button))
    return app


# ------------------------------------------------------------------------------------------
# FakeBotApi (in process)
# ------------------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_fake_echo_and_callback() -> None:
    fake = FakeBotApi()
    app = build_fake_app(fake)
    await app.initialize()
    try:
        assert fake.last("getMe").params == {}
        assert app.bot.id == BOT_ID
        assert app.bot.username == BOT_USERNAME

        await app.process_update(Update.de_json(message_update(1, USER, "hello hips"), app.bot))
        assert fake.sent_texts(USER) == ["hello hips"]
        assert fake.sent_texts(USER + 1) == []
        sent = fake.last("sendMessage")
        assert sent.chat_id == USER
        assert sent.param_dict("reply_markup") == {
            "inline_keyboard": [[{"text": "again", "callback_data": "again"}]]
        }
        assert [b["callback_data"] for b in sent.inline_buttons()] == ["again"]

        await app.process_update(
            callback_update(2, USER, "again", message_id=7, message_text="hello", bot=app.bot)
        )
        answer = fake.last("answerCallbackQuery")
        assert answer.params == {"callback_query_id": "cbq-2", "text": "noted"}
        edit = fake.last("editMessageText")
        assert edit.params["text"] == "you pressed again"
        assert edit.params["message_id"] == 7
        assert edit.chat_id == USER
        assert edit.inline_buttons()[0]["text"] == "done"
        assert fake.methods()[-2:] == ["answerCallbackQuery", "editMessageText"]
    finally:
        await app.shutdown()
    assert fake.shutdown_called


@ignore_retry_after_int_deprecation
@pytest.mark.asyncio
async def test_fake_returns_parseable_objects() -> None:
    fake = FakeBotApi()
    builder = ApplicationBuilder().token(TEST_TOKEN).request(fake)
    # NB: without get_updates_request(), getUpdates would go to api.telegram.org via httpx
    async with builder.get_updates_request(fake).build() as app:
        bot = app.bot
        keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("a", callback_data="a")]])
        first = await bot.send_message(USER, "one", reply_markup=keyboard)
        second = await bot.send_message(USER, "two")
        assert second.message_id == first.message_id + 1
        assert first.text == "one"
        assert first.chat.id == USER
        assert first.chat.type == "private"
        assert first.reply_markup == keyboard
        assert first.from_user is not None
        assert first.from_user.is_bot

        edited = await bot.edit_message_reply_markup(USER, first.message_id, reply_markup=None)
        assert not isinstance(edited, bool)
        assert edited.text == "one"
        assert edited.reply_markup is None
        assert edited.edit_date is not None
        edited_text = await bot.edit_message_text("uno", USER, first.message_id)
        assert not isinstance(edited_text, bool)
        assert edited_text.text == "uno"

        photo = await bot.send_photo(USER, b"\x89PNG fake bytes", caption="chart")
        assert photo.photo
        assert photo.caption == "chart"
        photo_call = fake.last("sendPhoto")
        assert photo_call.files["photo"].content == b"\x89PNG fake bytes"
        assert str(photo_call.params["photo"]).startswith("upload://")
        document = await bot.send_document(USER, b"csv,data", filename="plan.csv")
        assert document.document is not None
        assert document.document.file_name == "plan.csv"

        assert await bot.send_chat_action(USER, "typing") is True
        assert await bot.set_my_commands([("start", "Start"), ("help", "Help")]) is True
        assert fake.last("setMyCommands").params["commands"] == [
            {"command": "start", "description": "Start"},
            {"command": "help", "description": "Help"},
        ]
        assert [c.command for c in await bot.get_my_commands()] == ["start", "help"]
        assert await bot.delete_my_commands() is True
        assert await bot.delete_webhook() is True
        assert await bot.set_my_description("whatever") is True  # unknown -> true

        fake.add_file("doc-1", b"file body")
        tg_file = await bot.get_file("doc-1")
        assert bytes(await tg_file.download_as_bytearray()) == b"file body"

        assert await bot.get_updates(timeout=1) == ()
        fake.push(message_update(0, USER, "queued") | {"update_id": 10})
        updates = await bot.get_updates(offset=0)
        assert [u.update_id for u in updates] == [10]
        assert await bot.get_updates(offset=11) == ()
        assert fake.pending_updates == []

        fake.fail_next("sendMessage", 403, "Forbidden: bot was blocked by the user")
        with pytest.raises(Forbidden, match="blocked"):
            await bot.send_message(USER, "hi")
        fake.fail_next("sendMessage", 429, "Too Many Requests: retry after 3", retry_after=3)
        with pytest.raises(RetryAfter, match="Retry in 3"):
            await bot.send_message(USER, "hi")
        await bot.send_message(USER, "works again")
        assert fake.sent_texts(USER)[-1] == "works again"
        # failed calls are recorded too
        assert fake.sent_texts(USER)[-3:] == ["hi", "hi", "works again"]

        fake.clear()
        assert fake.calls == []


@pytest.mark.asyncio
async def test_fake_update_factories_match_filters() -> None:
    fake = FakeBotApi()
    app = build_fake_app(fake)
    seen: list[str] = []

    async def on_start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        seen.append(f"start:{context.args}")

    async def on_location(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        location = update.effective_message.location
        assert location is not None
        seen.append(f"loc:{location.latitude},{location.longitude}")

    async def on_sticker(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        assert update.effective_message.sticker is not None
        seen.append(f"sticker:{update.effective_message.sticker.emoji}")

    app.add_handler(CommandHandler("start", on_start), group=-1)
    app.add_handler(MessageHandler(filters.LOCATION, on_location), group=-1)
    app.add_handler(MessageHandler(filters.Sticker.ALL, on_sticker), group=-1)
    async with app:
        for raw in (
            command_update(1, USER, "/start deep-link"),
            command_update(2, USER, f"/start@{BOT_USERNAME}"),
            location_update(3, USER, 38.72, -9.14),
            sticker_update(4, USER, "🔥"),
        ):
            json.dumps(raw)  # the dicts are plain JSON
            await app.process_update(Update.de_json(raw, app.bot))
        update = message_update(5, USER, "plain", "Zé", app.bot, chat_id=-100123)
        assert update.effective_chat is not None
        assert update.effective_chat.type == "supergroup"
        assert update.effective_user is not None
        assert update.effective_user.first_name == "Zé"
    assert seen == [
        "start:['deep-link']",
        "start:[]",
        "loc:38.72,-9.14",
        "sticker:🔥",
    ]
    assert fake.sent_texts() == []  # commands are not echoed


@pytest.mark.asyncio
async def test_fake_polling_with_updater() -> None:
    fake = FakeBotApi()
    app = build_fake_app(fake)
    await app.initialize()
    await app.start()
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0, timeout=1)
    try:
        fake.push(message_update(0, USER, "via polling") | {"update_id": 1})
        call = await fake.wait_for_async("sendMessage", timeout=5)
        assert call.text == "via polling"
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()
    assert fake.pending_updates == []


# ------------------------------------------------------------------------------------------
# HttpBotApiDouble (real HTTP)
# ------------------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_http_double_with_polling_application() -> None:
    with HttpBotApiDouble() as double:
        app = (
            ApplicationBuilder()
            .token(TEST_TOKEN)
            .base_url(f"{double.base_url}/bot")
            .base_file_url(f"{double.base_url}/file/bot")
            .build()
        )
        app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
        app.add_handler(CallbackQueryHandler(on_button))
        await app.initialize()
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=1)
        try:
            assert app.bot.username == BOT_USERNAME
            update_id = double.push(message_update(0, USER, "olá ana") | {"update_id": 100})
            assert update_id == 100
            call = await double.wait_for_async(
                lambda c: c.method == "sendMessage" and c.text == "olá ana", timeout=10
            )
            assert call.chat_id == USER
            assert call.param_dict("reply_markup")["inline_keyboard"][0][0]["text"] == "again"
            assert double.sent_texts(USER) == ["olá ana"]

            mark = double.mark()
            double.push(
                callback_update(0, USER, "again", message_id=1, message_text="olá ana"),
                renumber=True,
            )
            edit = await double.wait_for_async("editMessageText", since=mark)
            assert edit.params["text"] == "you pressed again"
            assert double.last("answerCallbackQuery").params["callback_query_id"] == "cbq-0"

            double.add_file("doc-9", b"\x00\x01binary\r\n")
            tg_file = await app.bot.get_file("doc-9")
            assert tg_file.file_path is not None
            assert tg_file.file_path.startswith(f"{double.base_url}/file/bot{TEST_TOKEN}/")
            assert bytes(await tg_file.download_as_bytearray()) == b"\x00\x01binary\r\n"

            await app.bot.send_photo(USER, b"\x89PNG\r\n\x1a\n\x00", caption="c")
            upload = double.last("sendPhoto")
            assert upload.files["photo"].content == b"\x89PNG\r\n\x1a\n\x00"
            assert upload.params["caption"] == "c"
            assert upload.chat_id == USER
        finally:
            await app.updater.stop()
            await app.stop()
            await app.shutdown()
        assert double.tokens_seen == {TEST_TOKEN}
        assert {"getMe", "deleteWebhook", "getUpdates"} <= set(double.methods())
        # the updater's final getUpdates confirmed everything
        assert double.pending_updates == []


@ignore_retry_after_int_deprecation
@pytest.mark.asyncio
async def test_http_double_failures_map_to_ptb_errors() -> None:
    with HttpBotApiDouble() as double:
        builder = ApplicationBuilder().token(TEST_TOKEN).base_url(double.bot_base_url)
        async with builder.build() as app:
            double.fail_next("sendMessage", 403, "Forbidden: bot was blocked by the user")
            with pytest.raises(Forbidden):
                await app.bot.send_message(USER, "x")
            double.fail_next("sendMessage", 429, "Too Many Requests: retry after 5", 5)
            with pytest.raises(RetryAfter):
                await app.bot.send_message(USER, "x")
            message = await app.bot.send_message(USER, "123")  # numeric text stays a string
            assert message.text == "123"
            assert double.last("sendMessage").params["text"] == "123"


def _post(url: str, data: bytes | None = None, content_type: str | None = None) -> object:
    request = urllib.request.Request(url, data=data)
    if content_type:
        request.add_header("Content-Type", content_type)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return {"status": exc.code, **json.loads(exc.read())}


def test_http_double_raw_protocol() -> None:
    # Long enough that only an update (or the request's own timeout) ends a poll.
    with HttpBotApiDouble(max_long_poll=600.0) as double:
        api = f"{double.base_url}/bot{TEST_TOKEN}"

        # GET with query, form and JSON bodies all decode to the same params
        got = _post(f"{api}/sendMessage?chat_id=5&text=hi")
        assert isinstance(got, dict)
        assert got["result"]["text"] == "hi"
        markup = json.dumps({"inline_keyboard": [[{"text": "b", "callback_data": "d"}]]})
        form = urllib.parse.urlencode({"chat_id": "5", "text": "42", "reply_markup": markup})
        got = _post(f"{api}/sendMessage", form.encode(), "application/x-www-form-urlencoded")
        assert isinstance(got, dict)
        assert got["result"]["reply_markup"]["inline_keyboard"]
        body = json.dumps({"chat_id": 5, "text": "json"}).encode()
        _post(f"{api}/sendMessage", body, "application/json")
        assert double.sent_texts(5) == ["hi", "42", "json"]
        assert double.calls_of("sendMessage")[1].params["reply_markup"] == json.loads(markup)
        assert _post(f"{double.base_url}/nope") == {
            "status": 404,
            "ok": False,
            "error_code": 404,
            "description": "Not Found",
        }

        # long polling: the request is held until an update arrives
        result: list[object] = []
        poller = threading.Thread(
            target=lambda: result.append(_post(f"{api}/getUpdates?timeout=600&offset=0"))
        )
        poller.start()
        double.wait_for("getUpdates", timeout=5)
        double.push({"message": message_update(0, 5, "late")["message"]})
        poller.join(30)  # a hang guard: only the pushed update can end this poll
        assert not poller.is_alive()
        assert isinstance(result[0], dict)
        assert [u["message"]["text"] for u in result[0]["result"]] == ["late"]
        first_id = result[0]["result"][0]["update_id"]

        # the request's own timeout elapses with nothing new -> empty list
        assert _post(f"{api}/getUpdates?timeout=1&offset={first_id + 1}") == {
            "ok": True,
            "result": [],
        }

        # limit and offset
        ids = [double.push(message_update(0, 5, f"m{i}") | {"update_id": 50 + i}) for i in range(3)]
        got = _post(f"{api}/getUpdates?offset=0&limit=2")
        assert isinstance(got, dict)
        assert [u["update_id"] for u in got["result"]] == ids[:2]
        got = _post(f"{api}/getUpdates?offset={ids[1] + 1}")
        assert isinstance(got, dict)
        assert [u["update_id"] for u in got["result"]] == ids[2:]

        with pytest.raises(AssertionError, match="recorded methods"):
            double.wait_for(lambda c: c.method == "neverCalled", timeout=0.1)
        assert double.tokens_seen == {TEST_TOKEN}


@pytest.mark.asyncio
async def test_http_double_stop_releases_long_poll() -> None:
    # Neither the poll's timeout nor the cap could end it within _post's own 10 s: only stop.
    double = HttpBotApiDouble(max_long_poll=600.0).start()
    url = f"{double.base_url}/bot{TEST_TOKEN}/getUpdates?timeout=600"
    task = asyncio.create_task(asyncio.to_thread(_post, url))
    await double.wait_for_async("getUpdates")
    double.stop()
    result = await task
    assert result == {"ok": True, "result": []}
