"""In-process fake of the Telegram Bot API for python-telegram-bot (PTB) tests.

Typical use::

    fake = FakeBotApi()
    app = (
        ApplicationBuilder()
        .token(TEST_TOKEN)
        .request(fake)
        .get_updates_request(FakeBotApi(fake.backend))  # shares calls/updates with `fake`
        .build()
    )
    await app.initialize()
    await app.process_update(Update.de_json(message_update(1, 42, "hi"), app.bot))
    assert fake.sent_texts(42) == ["..."]

The module also holds the pieces shared with :mod:`tests.support.http_bot_api`:
:class:`ApiCall`, :class:`BotApiBackend` (thread-safe state + realistic answers) and the
update factories (``message_update`` & co.) which build JSON-serialisable Bot API dicts.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import IO, Any, overload

from telegram import Bot, Update
from telegram._utils.defaultvalue import DEFAULT_NONE
from telegram._utils.types import ODVInput
from telegram.request import BaseRequest, RequestData

__all__ = [
    "BOT_FIRST_NAME",
    "BOT_ID",
    "BOT_USERNAME",
    "TEST_TOKEN",
    "ApiCall",
    "ApiCallPredicate",
    "BotApiBackend",
    "BotApiRecorder",
    "FakeBotApi",
    "JsonDict",
    "Upload",
    "bot_user_dict",
    "callback_update",
    "command_update",
    "location_update",
    "message_update",
    "sticker_update",
    "to_update",
    "user_dict",
]

JsonDict = dict[str, Any]

BOT_ID = 123456
BOT_USERNAME = "hipcoach_test_bot"
BOT_FIRST_NAME = "Hip Coach"
TEST_TOKEN = f"{BOT_ID}:TEST-TOKEN"

# --------------------------------------------------------------------------------------------
# Recorded calls
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Upload:
    """A file that was uploaded (multipart) along with an API call."""

    filename: str
    content: bytes
    mime_type: str | None = None


@dataclass(frozen=True)
class ApiCall:
    """One Bot API call as seen by a double.

    ``params`` holds the decoded parameters: JSON-encoded values (``reply_markup``, ``entities``,
    ``commands``, numbers, booleans) are decoded, so ``params["reply_markup"]`` is a ``dict``.
    Uploaded files appear in ``params`` as the string ``"upload://<filename>"`` (unless the
    parameter already has an ``attach://`` value) and with their content in ``files``.
    """

    method: str
    params: dict[str, object]
    files: dict[str, Upload] = field(default_factory=dict, compare=False)

    @property
    def text(self) -> str | None:
        """``params["text"]`` if it is a string."""
        value = self.params.get("text")
        return value if isinstance(value, str) else None

    @property
    def chat_id(self) -> int | str | None:
        """``params["chat_id"]`` (int for numeric ids, str for ``@channel`` names)."""
        value = self.params.get("chat_id")
        if isinstance(value, bool):
            return None
        if isinstance(value, int):
            return value
        if isinstance(value, str):
            return int(value) if _is_int_string(value) else value
        return None

    def param_dict(self, name: str) -> JsonDict:
        """``params[name]`` as a dict (e.g. ``reply_markup``); ``{}`` if missing/not a dict."""
        value = self.params.get(name)
        return dict(value) if isinstance(value, dict) else {}

    def inline_buttons(self) -> list[JsonDict]:
        """All inline keyboard buttons of ``reply_markup`` (flattened, row by row)."""
        rows = self.param_dict("reply_markup").get("inline_keyboard") or []
        return [button for row in rows for button in row]

    def is_for_chat(self, chat_id: int | str | None) -> bool:
        """Whether the call addresses ``chat_id`` (``None`` matches everything)."""
        return chat_id is None or str(self.params.get("chat_id")) == str(chat_id)


ApiCallPredicate = Callable[[ApiCall], bool]


def _deep_copy(data: Mapping[str, Any]) -> JsonDict:
    """Deep copy through JSON (also proves the data is JSON-serialisable)."""
    copied: JsonDict = json.loads(json.dumps(dict(data)))
    return copied


def _is_int_string(value: str) -> bool:
    return value.lstrip("-").isdigit() and value not in ("", "-")


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


@dataclass
class _Failure:
    status: int
    description: str
    retry_after: int | None


# --------------------------------------------------------------------------------------------
# Shared, thread-safe state + answers
# --------------------------------------------------------------------------------------------


def bot_user_dict() -> JsonDict:
    """The ``getMe`` answer: the bot user of the doubles."""
    return {
        "id": BOT_ID,
        "is_bot": True,
        "first_name": BOT_FIRST_NAME,
        "username": BOT_USERNAME,
        "can_join_groups": True,
        "can_read_all_group_messages": False,
        "supports_inline_queries": False,
        "can_connect_to_business": False,
        "has_main_web_app": False,
    }


_MESSAGE_EDIT_METHODS = frozenset(
    {
        "editMessageText",
        "editMessageCaption",
        "editMessageReplyMarkup",
        "editMessageMedia",
        "editMessageLiveLocation",
        "stopMessageLiveLocation",
    }
)

_TRUE_METHODS_NOT_SENDING = frozenset({"sendChatAction"})


class BotApiBackend:
    """Thread-safe state shared by the doubles: recorded calls, queued updates, scheduled
    failures, sent messages, registered commands and downloadable files.

    It produces realistic ``{"ok": true, "result": ...}`` answers that PTB can parse.
    """

    def __init__(self) -> None:
        self.cond = threading.Condition(threading.RLock())
        self.calls: list[ApiCall] = []
        self._failures: dict[str, deque[_Failure]] = {}
        self._updates: list[JsonDict] = []
        self._next_update_id = 1
        self._message_ids = itertools.count(1)
        self._messages: dict[tuple[str, int], JsonDict] = {}
        self._commands: list[object] = []
        self._files: dict[str, bytes] = {}
        self._stopping = False
        self._confirmed_offset = 0

    # ---- test-facing helpers -------------------------------------------------------------

    def fail_next(
        self, method: str, status: int, description: str, retry_after: int | None = None
    ) -> None:
        """Make the next call of ``method`` fail with HTTP ``status`` and ``description``.

        ``retry_after`` adds ``{"parameters": {"retry_after": N}}`` (PTB raises ``RetryAfter``).
        Several scheduled failures for one method are used in order.
        """
        with self.cond:
            self._failures.setdefault(method, deque()).append(
                _Failure(status, description, retry_after)
            )

    def push(self, update: Mapping[str, Any], *, renumber: bool = False) -> int:
        """Queue an update for ``getUpdates``; returns its ``update_id``.

        ``update_id`` is assigned (one above the highest seen) if missing or if ``renumber``.
        Raises ValueError for an explicit id below the offset already confirmed by a poller:
        Telegram (and this double) would silently drop such an update.
        """
        data = _deep_copy(update)
        with self.cond:
            update_id = data.get("update_id")
            if renumber or not isinstance(update_id, int) or isinstance(update_id, bool):
                update_id = self._next_update_id
                data["update_id"] = update_id
            elif update_id < self._confirmed_offset:
                raise ValueError(
                    f"update_id {update_id} < confirmed offset {self._confirmed_offset}: it "
                    "would never be delivered; omit update_id or use push(..., renumber=True)"
                )
            self._next_update_id = max(self._next_update_id, update_id + 1)
            self._updates.append(data)
            self._updates.sort(key=lambda u: int(u["update_id"]))
            self.cond.notify_all()
        return update_id

    @property
    def pending_updates(self) -> list[JsonDict]:
        """Updates queued and not yet confirmed via ``offset``."""
        with self.cond:
            return list(self._updates)

    def add_file(self, file_id: str, content: bytes) -> None:
        """Make ``getFile(file_id)`` + the file download return ``content``."""
        with self.cond:
            self._files[file_id] = content

    def file_content(self, file_path: str) -> bytes | None:
        """Content served for a download of ``file_path`` (as returned by ``getFile``)."""
        file_id = file_path.rsplit("/", 1)[-1]
        with self.cond:
            return self._files.get(file_id)

    def stop(self) -> None:
        """Release long polls (they answer with an empty list) and refuse new waits."""
        with self.cond:
            self._stopping = True
            self.cond.notify_all()

    def resume(self) -> None:
        """Undo :meth:`stop` (allow long polls to wait again)."""
        with self.cond:
            self._stopping = False

    # ---- request handling -----------------------------------------------------------------

    def record(self, method: str, params: dict[str, object], files: dict[str, Upload]) -> ApiCall:
        call = ApiCall(method, params, files)
        with self.cond:
            self.calls.append(call)
            self.cond.notify_all()
        return call

    def take_failure(self, method: str) -> tuple[int, JsonDict] | None:
        """Pop a scheduled failure for ``method`` and return ``(status, error payload)``."""
        with self.cond:
            queue = self._failures.get(method)
            if not queue:
                return None
            failure = queue.popleft()
        payload: JsonDict = {
            "ok": False,
            "error_code": failure.status,
            "description": failure.description,
        }
        if failure.retry_after is not None:
            payload["parameters"] = {"retry_after": failure.retry_after}
        return failure.status, payload

    def handle(self, method: str, params: dict[str, object]) -> tuple[int, JsonDict]:
        """Answer a (non-``getUpdates``) call that was already recorded."""
        failure = self.take_failure(method)
        if failure is not None:
            return failure
        try:
            result = self._result_for(method, params)
        except _ApiError as exc:
            return exc.status, {"ok": False, "error_code": exc.status, "description": str(exc)}
        return 200, {"ok": True, "result": result}

    def poll_updates(self, params: Mapping[str, object], max_wait: float) -> list[JsonDict]:
        """``getUpdates`` semantics: drop updates below ``offset``, wait up to
        ``min(timeout, max_wait)`` seconds for one, return at most ``limit``."""
        offset = _as_int(params.get("offset"))
        limit = _as_int(params.get("limit")) or 100
        limit = max(1, min(limit, 100))
        timeout = _as_float(params.get("timeout")) or 0.0
        deadline = time.monotonic() + max(0.0, min(timeout, max_wait))
        with self.cond:
            if offset is not None:
                if offset < 0:
                    self._updates = self._updates[offset:]
                else:
                    self._updates = [u for u in self._updates if u["update_id"] >= offset]
                    self._confirmed_offset = max(self._confirmed_offset, offset)
            while not self._updates and not self._stopping:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self.cond.wait(remaining)
            return [_deep_copy(u) for u in self._updates[:limit]]

    # ---- realistic results ---------------------------------------------------------------

    def _result_for(self, method: str, params: dict[str, object]) -> object:
        handler = _SPECIAL_METHODS.get(method)
        if handler is not None:
            return handler(self, params)
        if method in _MESSAGE_EDIT_METHODS:
            return self._edit_message(method, params)
        if method.startswith("send") and method not in _TRUE_METHODS_NOT_SENDING:
            return self._send_message(method, params)
        return True

    def _new_message(self, params: Mapping[str, object]) -> JsonDict:
        message: JsonDict = {
            "message_id": next(self._message_ids),
            "from": bot_user_dict(),
            "date": int(time.time()),
            "chat": _chat_dict(params.get("chat_id")),
        }
        thread_id = _as_int(params.get("message_thread_id"))
        if thread_id is not None:
            message["message_thread_id"] = thread_id
        markup = params.get("reply_markup")
        # Telegram only echoes *inline* keyboards; PTB parses Message.reply_markup as
        # InlineKeyboardMarkup, so echoing a ReplyKeyboardMarkup would break parsing.
        if isinstance(markup, dict) and "inline_keyboard" in markup:
            message["reply_markup"] = markup
        return message

    def _store(self, message: JsonDict) -> JsonDict:
        with self.cond:
            self._messages[(str(message["chat"]["id"]), int(message["message_id"]))] = message
        return _deep_copy(message)

    def _send_message(self, method: str, params: dict[str, object]) -> object:
        if method == "sendMediaGroup":
            return self._send_media_group(params)
        message = self._new_message(params)
        n = message["message_id"]
        caption = params.get("caption")
        if isinstance(caption, str):
            message["caption"] = caption
            if isinstance(params.get("caption_entities"), list):
                message["caption_entities"] = params["caption_entities"]
        if method == "sendMessage":
            message["text"] = str(params.get("text", ""))
            if isinstance(params.get("entities"), list):
                message["entities"] = params["entities"]
        elif method == "sendPhoto":
            message["photo"] = _photo_sizes(n)
        elif method == "sendDocument":
            message["document"] = {
                "file_id": f"document-{n}",
                "file_unique_id": f"udocument-{n}",
                "file_name": _filename_of(params.get("document"), "document"),
                "mime_type": "application/octet-stream",
                "file_size": 1024,
            }
        elif method == "sendSticker":
            message["sticker"] = _sticker_dict(f"sticker-{n}", str(params.get("emoji", "👍")))
        elif method == "sendLocation":
            message["location"] = {
                "latitude": _as_float(params.get("latitude")) or 0.0,
                "longitude": _as_float(params.get("longitude")) or 0.0,
            }
        elif method == "sendAudio":
            message["audio"] = {
                "file_id": f"audio-{n}",
                "file_unique_id": f"uaudio-{n}",
                "duration": 1,
            }
        elif method == "sendVoice":
            message["voice"] = {
                "file_id": f"voice-{n}",
                "file_unique_id": f"uvoice-{n}",
                "duration": 1,
            }
        elif method in ("sendVideo", "sendAnimation"):
            key = "video" if method == "sendVideo" else "animation"
            message[key] = {
                "file_id": f"{key}-{n}",
                "file_unique_id": f"u{key}-{n}",
                "width": 640,
                "height": 480,
                "duration": 1,
            }
        elif method == "sendDice":
            message["dice"] = {"emoji": str(params.get("emoji", "🎲")), "value": 3}
        return self._store(message)

    def _send_media_group(self, params: dict[str, object]) -> list[JsonDict]:
        media = params.get("media")
        items = media if isinstance(media, list) else []
        group_id = f"group-{time.monotonic_ns()}"
        messages = []
        for item in items:
            message = self._new_message(params)
            message["media_group_id"] = group_id
            n = message["message_id"]
            if isinstance(item, dict):
                if isinstance(item.get("caption"), str):
                    message["caption"] = item["caption"]
                if item.get("type") == "document":
                    message["document"] = {
                        "file_id": f"document-{n}",
                        "file_unique_id": f"udocument-{n}",
                    }
                else:
                    message["photo"] = _photo_sizes(n)
            messages.append(self._store(message))
        return messages

    def _edit_message(self, method: str, params: dict[str, object]) -> object:
        if params.get("inline_message_id") is not None:
            return True
        message_id = _as_int(params.get("message_id"))
        if message_id is None:
            raise _ApiError(400, "Bad Request: message identifier is not specified")
        chat_key = str(params.get("chat_id"))
        with self.cond:
            stored = self._messages.get((chat_key, message_id))
        if stored is not None:
            message = _deep_copy(stored)
        else:
            message = self._new_message(params)
            message["message_id"] = message_id
            message["text"] = "…"
        message["edit_date"] = int(time.time())
        # Like Telegram: editing without reply_markup removes an inline keyboard.
        message.pop("reply_markup", None)
        markup = params.get("reply_markup")
        if isinstance(markup, dict) and "inline_keyboard" in markup:
            message["reply_markup"] = markup
        if method == "editMessageText":
            message["text"] = str(params.get("text", ""))
            message.pop("entities", None)
            if isinstance(params.get("entities"), list):
                message["entities"] = params["entities"]
        elif method == "editMessageCaption":
            if isinstance(params.get("caption"), str):
                message["caption"] = params["caption"]
            else:
                message.pop("caption", None)
        return self._store(message)

    def _get_updates_now(self, params: dict[str, object]) -> object:
        return self.poll_updates(params, max_wait=0.0)

    def _get_me(self, params: dict[str, object]) -> object:
        return bot_user_dict()

    def _set_my_commands(self, params: dict[str, object]) -> object:
        commands = params.get("commands")
        with self.cond:
            self._commands = list(commands) if isinstance(commands, list) else []
        return True

    def _delete_my_commands(self, params: dict[str, object]) -> object:
        with self.cond:
            self._commands = []
        return True

    def _get_my_commands(self, params: dict[str, object]) -> object:
        with self.cond:
            return json.loads(json.dumps(self._commands))

    def _get_webhook_info(self, params: dict[str, object]) -> object:
        with self.cond:
            pending = len(self._updates)
        return {"url": "", "has_custom_certificate": False, "pending_update_count": pending}

    def _get_file(self, params: dict[str, object]) -> object:
        file_id = str(params.get("file_id", ""))
        with self.cond:
            content = self._files.get(file_id, b"")
        return {
            "file_id": file_id,
            "file_unique_id": f"u{file_id}",
            "file_size": len(content),
            "file_path": f"documents/{file_id}",
        }

    def _get_chat(self, params: dict[str, object]) -> object:
        chat = _chat_dict(params.get("chat_id"))
        chat.update(
            {
                "accent_color_id": 0,
                "max_reaction_count": 11,
                "accepted_gift_types": {
                    "unlimited_gifts": False,
                    "limited_gifts": False,
                    "unique_gifts": False,
                    "premium_subscription": False,
                    "gifts_from_channels": False,
                },
            }
        )
        return chat

    def _copy_message(self, params: dict[str, object]) -> object:
        return {"message_id": next(self._message_ids)}

    def _forward_message(self, params: dict[str, object]) -> object:
        message = self._new_message(params)
        message["text"] = "…"
        return self._store(message)

    def _delete_message(self, params: dict[str, object]) -> object:
        message_id = _as_int(params.get("message_id"))
        with self.cond:
            self._messages.pop((str(params.get("chat_id")), message_id or -1), None)
        return True


class _ApiError(Exception):
    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = status


_SPECIAL_METHODS: dict[str, Callable[[BotApiBackend, dict[str, object]], object]] = {
    "getMe": BotApiBackend._get_me,
    "getUpdates": BotApiBackend._get_updates_now,
    "setMyCommands": BotApiBackend._set_my_commands,
    "deleteMyCommands": BotApiBackend._delete_my_commands,
    "getMyCommands": BotApiBackend._get_my_commands,
    "getWebhookInfo": BotApiBackend._get_webhook_info,
    "getFile": BotApiBackend._get_file,
    "getChat": BotApiBackend._get_chat,
    "copyMessage": BotApiBackend._copy_message,
    "forwardMessage": BotApiBackend._forward_message,
    "deleteMessage": BotApiBackend._delete_message,
}


def _as_int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and _is_int_string(value):
        return int(value)
    return None


def _as_float(value: object) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def _chat_dict(chat_id: object) -> JsonDict:
    cid = _as_int(chat_id)
    if cid is None:
        name = str(chat_id).lstrip("@") or "channel"
        return {"id": -1001000000001, "type": "channel", "title": name, "username": name}
    if cid > 0:
        return {"id": cid, "type": "private"}
    if str(cid).startswith("-100"):
        return {"id": cid, "type": "supergroup", "title": "Test Supergroup"}
    return {"id": cid, "type": "group", "title": "Test Group"}


def _photo_sizes(n: int) -> list[JsonDict]:
    return [
        {
            "file_id": f"photo-{n}-s",
            "file_unique_id": f"uphoto-{n}-s",
            "width": 90,
            "height": 90,
            "file_size": 1000,
        },
        {
            "file_id": f"photo-{n}-m",
            "file_unique_id": f"uphoto-{n}-m",
            "width": 800,
            "height": 800,
            "file_size": 40000,
        },
    ]


def _sticker_dict(file_id: str, emoji: str) -> JsonDict:
    return {
        "file_id": file_id,
        "file_unique_id": f"u{file_id}",
        "type": "regular",
        "width": 512,
        "height": 512,
        "is_animated": False,
        "is_video": False,
        "emoji": emoji,
    }


def _filename_of(value: object, default: str) -> str:
    if isinstance(value, str) and value.startswith("upload://"):
        return value.removeprefix("upload://") or default
    return default


# --------------------------------------------------------------------------------------------
# Facade shared by both doubles
# --------------------------------------------------------------------------------------------


class BotApiRecorder:
    """Assertion helpers over a :class:`BotApiBackend` (mixed into both doubles)."""

    backend: BotApiBackend

    @property
    def calls(self) -> list[ApiCall]:
        """Snapshot of all recorded calls, in order."""
        with self.backend.cond:
            return list(self.backend.calls)

    def calls_of(self, method: str) -> list[ApiCall]:
        return [call for call in self.calls if call.method == method]

    def last(self, method: str) -> ApiCall:
        """The most recent call of ``method``; AssertionError if there is none."""
        calls = self.calls_of(method)
        if not calls:
            raise AssertionError(f"no {method} call recorded; methods: {self.methods()}")
        return calls[-1]

    def methods(self) -> list[str]:
        """Recorded method names, in order."""
        return [call.method for call in self.calls]

    def sent_texts(self, chat_id: int | str | None = None) -> list[str]:
        """Texts of all ``sendMessage`` calls (optionally only to ``chat_id``)."""
        return [
            call.text
            for call in self.calls_of("sendMessage")
            if call.text is not None and call.is_for_chat(chat_id)
        ]

    def clear(self) -> None:
        """Forget recorded calls (queued updates and scheduled failures are kept)."""
        with self.backend.cond:
            self.backend.calls.clear()

    def mark(self) -> int:
        """Number of calls recorded so far; pass as ``since=`` to ``wait_for``."""
        with self.backend.cond:
            return len(self.backend.calls)

    def fail_next(
        self, method: str, status: int, description: str, retry_after: int | None = None
    ) -> None:
        """See :meth:`BotApiBackend.fail_next`."""
        self.backend.fail_next(method, status, description, retry_after)

    def push(self, update: Mapping[str, Any], *, renumber: bool = False) -> int:
        """Queue an update for ``getUpdates``; see :meth:`BotApiBackend.push`."""
        return self.backend.push(update, renumber=renumber)

    def add_file(self, file_id: str, content: bytes) -> None:
        """Serve ``content`` for ``getFile(file_id)`` + download."""
        self.backend.add_file(file_id, content)

    @property
    def pending_updates(self) -> list[JsonDict]:
        return self.backend.pending_updates

    def _find(self, predicate: ApiCallPredicate | str, since: int) -> ApiCall | None:
        match = _as_predicate(predicate)
        for call in self.backend.calls[since:]:
            if match(call):
                return call
        return None

    def wait_for(
        self, predicate: ApiCallPredicate | str, timeout: float = 10.0, *, since: int = 0
    ) -> ApiCall:
        """Block the *current thread* until a recorded call (index >= ``since``) matches.

        ``predicate`` may be a method name. Raises AssertionError listing the recorded methods
        on timeout. Do not call this from the event loop that runs the bot: use
        :meth:`wait_for_async` there.
        """
        deadline = time.monotonic() + timeout
        with self.backend.cond:
            while True:
                found = self._find(predicate, since)
                if found is not None:
                    return found
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(self._timeout_message(predicate, timeout))
                self.backend.cond.wait(remaining)

    async def wait_for_async(
        self, predicate: ApiCallPredicate | str, timeout: float = 10.0, *, since: int = 0
    ) -> ApiCall:
        """Like :meth:`wait_for` but yields to the event loop while waiting."""
        deadline = time.monotonic() + timeout
        while True:
            with self.backend.cond:
                found = self._find(predicate, since)
            if found is not None:
                return found
            if time.monotonic() >= deadline:
                with self.backend.cond:
                    raise AssertionError(self._timeout_message(predicate, timeout))
            await asyncio.sleep(0.01)

    def _timeout_message(self, predicate: ApiCallPredicate | str, timeout: float) -> str:
        what = predicate if isinstance(predicate, str) else getattr(predicate, "__name__", "?")
        return (
            f"no API call matching {what!r} within {timeout}s; "
            f"recorded methods: {[c.method for c in self.backend.calls]}"
        )


def _as_predicate(predicate: ApiCallPredicate | str) -> ApiCallPredicate:
    if isinstance(predicate, str):
        method = predicate
        return lambda call: call.method == method
    return predicate


# --------------------------------------------------------------------------------------------
# In-process fake request
# --------------------------------------------------------------------------------------------


class FakeBotApi(BotApiRecorder, BaseRequest):
    """A :class:`telegram.request.BaseRequest` that answers like the Bot API, in process.

    Pass the same ``backend`` to two instances (``.request(a).get_updates_request(b)``) to share
    recorded calls, queued updates and failures; or pass one instance to both builder methods.
    ``getUpdates`` returns queued updates (see :meth:`push`), waiting at most
    ``max_poll_wait`` seconds (and only if a ``timeout`` parameter is given) for one.
    """

    def __init__(
        self,
        backend: BotApiBackend | None = None,
        *,
        read_timeout: float | None = 5.0,
        max_poll_wait: float = 0.05,
    ) -> None:
        self.backend = backend if backend is not None else BotApiBackend()
        self._read_timeout = read_timeout
        self.max_poll_wait = max_poll_wait
        self.initialized = False
        self.shutdown_called = False

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        self.initialized = True

    async def shutdown(self) -> None:
        self.initialized = False
        self.shutdown_called = True

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = DEFAULT_NONE,
        write_timeout: ODVInput[float] = DEFAULT_NONE,
        connect_timeout: ODVInput[float] = DEFAULT_NONE,
        pool_timeout: ODVInput[float] = DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if "/file/bot" in url:  # Bot.retrieve -> File.download_*
            content = self.backend.file_content(url.split("/file/bot", 1)[1].split("/", 1)[-1])
            if content is None:
                return 404, _dumps({"ok": False, "error_code": 404, "description": "Not Found"})
            return 200, content

        api_method = url.rstrip("/").rsplit("/", 1)[-1].split("?", 1)[0]
        params, files = decode_request_data(request_data)
        self.backend.record(api_method, params, files)

        if api_method != "getUpdates":
            status, payload = self.backend.handle(api_method, params)
            return status, _dumps(payload)

        failure = self.backend.take_failure(api_method)
        if failure is not None:
            return failure[0], _dumps(failure[1])
        updates = self.backend.poll_updates(params, max_wait=0.0)
        timeout = _as_float(params.get("timeout")) or 0.0
        wait = min(timeout, self.max_poll_wait)
        deadline = time.monotonic() + wait
        while not updates and time.monotonic() < deadline:
            await asyncio.sleep(min(0.01, wait))
            updates = self.backend.poll_updates(params, max_wait=0.0)
        if not updates:
            await asyncio.sleep(0)  # always yield: poll_interval=0 must not starve the loop
        return 200, _dumps({"ok": True, "result": updates})


def _dumps(payload: object) -> bytes:
    return json.dumps(payload).encode("utf-8")


def decode_request_data(
    request_data: RequestData | None,
) -> tuple[dict[str, object], dict[str, Upload]]:
    """Decode PTB's RequestData like the Bot API server would: JSON values are decoded (string
    parameters, which PTB does not JSON-encode, stay strings); uploads go to the second dict."""
    if request_data is None:
        return {}, {}
    raw = request_data.parameters
    params: dict[str, object] = {}
    for name, encoded in request_data.json_parameters.items():
        params[name] = encoded if isinstance(raw.get(name), str) else json.loads(encoded)
    files: dict[str, Upload] = {}
    if request_data.contains_files:
        for name, field_tuple in request_data.multipart_data.items():
            filename, content, mime_type = _unpack_field_tuple(field_tuple)
            files[name] = Upload(filename, content, mime_type)
            params.setdefault(name, f"upload://{filename}")
    return params, files


def _unpack_field_tuple(field_tuple: tuple[Any, ...]) -> tuple[str, bytes, str | None]:
    filename = str(field_tuple[0]) if field_tuple and field_tuple[0] else "file"
    content_obj: object = field_tuple[1] if len(field_tuple) > 1 else b""
    mime_type = str(field_tuple[2]) if len(field_tuple) > 2 and field_tuple[2] else None
    if isinstance(content_obj, bytes):
        content = content_obj
    elif hasattr(content_obj, "read"):
        handle: IO[bytes] = content_obj  # type: ignore[assignment]
        position = handle.tell() if handle.seekable() else None
        data = handle.read()
        if position is not None:
            handle.seek(position)
        content = data if isinstance(data, bytes) else str(data).encode()
    else:
        content = str(content_obj).encode()
    return filename, content, mime_type


# --------------------------------------------------------------------------------------------
# Update factories (JSON-serialisable Bot API dicts, or telegram.Update with bot=...)
# --------------------------------------------------------------------------------------------


def to_update(data: Mapping[str, Any], bot: Bot) -> Update:
    """``Update.de_json`` on a copy of ``data`` (PTB may mutate the dict it parses)."""
    update = Update.de_json(_deep_copy(data), bot)
    assert update is not None
    return update


def user_dict(
    user_id: int,
    first_name: str = "Ana",
    *,
    username: str | None = None,
    language_code: str | None = None,
    last_name: str | None = None,
) -> JsonDict:
    user: JsonDict = {"id": user_id, "is_bot": False, "first_name": first_name}
    if last_name is not None:
        user["last_name"] = last_name
    if username is not None:
        user["username"] = username
    if language_code is not None:
        user["language_code"] = language_code
    return user


def _user_chat(user: JsonDict, chat_id: int | None) -> JsonDict:
    if chat_id is None or chat_id == user["id"]:
        chat: JsonDict = {"id": user["id"], "type": "private", "first_name": user["first_name"]}
        if "username" in user:
            chat["username"] = user["username"]
        return chat
    return _chat_dict(chat_id)


def _message_dict(
    update_id: int,
    user_id: int,
    first_name: str,
    *,
    chat_id: int | None,
    message_id: int | None,
    date: int | None,
    username: str | None,
    language_code: str | None,
) -> JsonDict:
    user = user_dict(user_id, first_name, username=username, language_code=language_code)
    return {
        "message_id": message_id if message_id is not None else update_id,
        "from": user,
        "chat": _user_chat(user, chat_id),
        "date": date if date is not None else int(time.time()),
    }


def _finish(update: JsonDict, bot: Bot | None) -> JsonDict | Update:
    return update if bot is None else to_update(update, bot)


@overload
def message_update(
    update_id: int,
    user_id: int,
    text: str,
    first_name: str = ...,
    bot: None = ...,
    *,
    chat_id: int | None = ...,
    message_id: int | None = ...,
    date: int | None = ...,
    username: str | None = ...,
    language_code: str | None = ...,
    entities: list[JsonDict] | None = ...,
) -> JsonDict: ...
@overload
def message_update(
    update_id: int,
    user_id: int,
    text: str,
    first_name: str = ...,
    *,
    bot: Bot,
    chat_id: int | None = ...,
    message_id: int | None = ...,
    date: int | None = ...,
    username: str | None = ...,
    language_code: str | None = ...,
    entities: list[JsonDict] | None = ...,
) -> Update: ...
@overload
def message_update(
    update_id: int,
    user_id: int,
    text: str,
    first_name: str,
    bot: Bot,
    *,
    chat_id: int | None = ...,
    message_id: int | None = ...,
    date: int | None = ...,
    username: str | None = ...,
    language_code: str | None = ...,
    entities: list[JsonDict] | None = ...,
) -> Update: ...
def message_update(
    update_id: int,
    user_id: int,
    text: str,
    first_name: str = "Ana",
    bot: Bot | None = None,
    *,
    chat_id: int | None = None,
    message_id: int | None = None,
    date: int | None = None,
    username: str | None = None,
    language_code: str | None = None,
    entities: list[JsonDict] | None = None,
) -> JsonDict | Update:
    """A text message from ``user_id`` (private chat unless ``chat_id`` is given).

    Returns a JSON-serialisable dict, or a ``telegram.Update`` when ``bot`` is given.
    ``message_id`` defaults to ``update_id``. No entities are added (see ``command_update``).
    """
    message = _message_dict(
        update_id,
        user_id,
        first_name,
        chat_id=chat_id,
        message_id=message_id,
        date=date,
        username=username,
        language_code=language_code,
    )
    message["text"] = text
    if entities:
        message["entities"] = entities
    return _finish({"update_id": update_id, "message": message}, bot)


@overload
def command_update(
    update_id: int,
    user_id: int,
    text: str,
    first_name: str = ...,
    bot: None = ...,
    *,
    chat_id: int | None = ...,
    message_id: int | None = ...,
    date: int | None = ...,
    username: str | None = ...,
    language_code: str | None = ...,
) -> JsonDict: ...
@overload
def command_update(
    update_id: int,
    user_id: int,
    text: str,
    first_name: str = ...,
    *,
    bot: Bot,
    chat_id: int | None = ...,
    message_id: int | None = ...,
    date: int | None = ...,
    username: str | None = ...,
    language_code: str | None = ...,
) -> Update: ...
@overload
def command_update(
    update_id: int,
    user_id: int,
    text: str,
    first_name: str,
    bot: Bot,
    *,
    chat_id: int | None = ...,
    message_id: int | None = ...,
    date: int | None = ...,
    username: str | None = ...,
    language_code: str | None = ...,
) -> Update: ...
def command_update(
    update_id: int,
    user_id: int,
    text: str,
    first_name: str = "Ana",
    bot: Bot | None = None,
    *,
    chat_id: int | None = None,
    message_id: int | None = None,
    date: int | None = None,
    username: str | None = None,
    language_code: str | None = None,
) -> JsonDict | Update:
    """Like :func:`message_update`, plus a ``bot_command`` entity at offset 0 when ``text``
    starts with ``/`` (``"/start arg"`` -> entity over ``"/start"``), as CommandHandler needs."""
    entities: list[JsonDict] | None = None
    if text.startswith("/"):
        command = text.split(maxsplit=1)[0] if text.strip() else text
        entities = [{"type": "bot_command", "offset": 0, "length": _utf16_len(command)}]
    data = message_update(
        update_id,
        user_id,
        text,
        first_name,
        chat_id=chat_id,
        message_id=message_id,
        date=date,
        username=username,
        language_code=language_code,
        entities=entities,
    )
    return _finish(data, bot)


@overload
def callback_update(
    update_id: int,
    user_id: int,
    data: str,
    message_id: int,
    message_text: str = ...,
    first_name: str = ...,
    bot: None = ...,
    *,
    chat_id: int | None = ...,
    callback_id: str | None = ...,
    reply_markup: JsonDict | None = ...,
    username: str | None = ...,
    language_code: str | None = ...,
) -> JsonDict: ...
@overload
def callback_update(
    update_id: int,
    user_id: int,
    data: str,
    message_id: int,
    message_text: str = ...,
    first_name: str = ...,
    *,
    bot: Bot,
    chat_id: int | None = ...,
    callback_id: str | None = ...,
    reply_markup: JsonDict | None = ...,
    username: str | None = ...,
    language_code: str | None = ...,
) -> Update: ...
def callback_update(
    update_id: int,
    user_id: int,
    data: str,
    message_id: int,
    message_text: str = "…",
    first_name: str = "Ana",
    bot: Bot | None = None,
    *,
    chat_id: int | None = None,
    callback_id: str | None = None,
    reply_markup: JsonDict | None = None,
    username: str | None = None,
    language_code: str | None = None,
) -> JsonDict | Update:
    """A press on an inline button with ``data`` under the bot's message ``message_id``.

    ``callback_id`` defaults to ``"cbq-<update_id>"``; ``reply_markup`` (an inline keyboard
    dict) is attached to the bot's message if given.
    """
    user = user_dict(user_id, first_name, username=username, language_code=language_code)
    message: JsonDict = {
        "message_id": message_id,
        "from": bot_user_dict(),
        "chat": _user_chat(user, chat_id),
        "date": int(time.time()) - 60,
        "text": message_text,
    }
    if reply_markup is not None:
        message["reply_markup"] = reply_markup
    query: JsonDict = {
        "id": callback_id if callback_id is not None else f"cbq-{update_id}",
        "from": user,
        "chat_instance": f"ci-{message['chat']['id']}",
        "message": message,
        "data": data,
    }
    return _finish({"update_id": update_id, "callback_query": query}, bot)


@overload
def location_update(
    update_id: int,
    user_id: int,
    lat: float,
    lon: float,
    first_name: str = ...,
    bot: None = ...,
    *,
    chat_id: int | None = ...,
    message_id: int | None = ...,
    horizontal_accuracy: float | None = ...,
    live_period: int | None = ...,
) -> JsonDict: ...
@overload
def location_update(
    update_id: int,
    user_id: int,
    lat: float,
    lon: float,
    first_name: str = ...,
    *,
    bot: Bot,
    chat_id: int | None = ...,
    message_id: int | None = ...,
    horizontal_accuracy: float | None = ...,
    live_period: int | None = ...,
) -> Update: ...
def location_update(
    update_id: int,
    user_id: int,
    lat: float,
    lon: float,
    first_name: str = "Ana",
    bot: Bot | None = None,
    *,
    chat_id: int | None = None,
    message_id: int | None = None,
    horizontal_accuracy: float | None = None,
    live_period: int | None = None,
) -> JsonDict | Update:
    """A message with a shared location (``filters.LOCATION``)."""
    message = _message_dict(
        update_id,
        user_id,
        first_name,
        chat_id=chat_id,
        message_id=message_id,
        date=None,
        username=None,
        language_code=None,
    )
    location: JsonDict = {"latitude": lat, "longitude": lon}
    if horizontal_accuracy is not None:
        location["horizontal_accuracy"] = horizontal_accuracy
    if live_period is not None:
        location["live_period"] = live_period
    message["location"] = location
    return _finish({"update_id": update_id, "message": message}, bot)


@overload
def sticker_update(
    update_id: int,
    user_id: int,
    emoji: str = ...,
    first_name: str = ...,
    bot: None = ...,
    *,
    chat_id: int | None = ...,
    message_id: int | None = ...,
    file_id: str | None = ...,
) -> JsonDict: ...
@overload
def sticker_update(
    update_id: int,
    user_id: int,
    emoji: str = ...,
    first_name: str = ...,
    *,
    bot: Bot,
    chat_id: int | None = ...,
    message_id: int | None = ...,
    file_id: str | None = ...,
) -> Update: ...
def sticker_update(
    update_id: int,
    user_id: int,
    emoji: str = "👍",
    first_name: str = "Ana",
    bot: Bot | None = None,
    *,
    chat_id: int | None = None,
    message_id: int | None = None,
    file_id: str | None = None,
) -> JsonDict | Update:
    """A message with a (regular, static) sticker (``filters.Sticker.ALL``)."""
    message = _message_dict(
        update_id,
        user_id,
        first_name,
        chat_id=chat_id,
        message_id=message_id,
        date=None,
        username=None,
        language_code=None,
    )
    message["sticker"] = _sticker_dict(file_id or f"user-sticker-{update_id}", emoji)
    return _finish({"update_id": update_id, "message": message}, bot)
