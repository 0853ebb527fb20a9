"""A real HTTP server speaking the Telegram Bot API URL scheme, for end-to-end bot tests.

Typical use (inside an async test)::

    with HttpBotApiDouble() as api:
        app = (
            ApplicationBuilder()
            .token(TEST_TOKEN)
            .base_url(f"{api.base_url}/bot")
            .base_file_url(f"{api.base_url}/file/bot")
            .build()
        )
        ...
        api.push(message_update(1, 42, "hi"))
        call = await api.wait_for_async("sendMessage")

The server runs stdlib ``ThreadingHTTPServer`` in a daemon thread on ``127.0.0.1`` and a random
free port. Answers, recorded calls, failures and the update queue come from
:class:`tests.support.fake_request.BotApiBackend`, shared with :class:`FakeBotApi`.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self
from urllib.parse import parse_qsl, unquote, urlsplit

from tests.support.fake_request import (
    ApiCall,
    BotApiBackend,
    BotApiRecorder,
    JsonDict,
    Upload,
)

__all__ = ["ApiCall", "HttpBotApiDouble"]

# Parameters the Bot API treats as plain strings: never JSON-decode their form values
# (PTB sends string values un-encoded, so e.g. the text "123" must stay a string).
_STRING_PARAMS = frozenset(
    [
        "text",
        "caption",
        "callback_query_id",
        "parse_mode",
        "url",
        "description",
        "short_description",
        "name",
        "title",
        "query",
        "emoji",
        "action",
        "inline_message_id",
        "file_id",
        "business_connection_id",
        "question",
        "explanation",
        "custom_title",
        "message_effect_id",
        "language_code",
        "address",
        "foursquare_id",
        "phone_number",
        "first_name",
        "last_name",
        "vcard",
        "payload",
        "currency",
        "provider_token",
        "start_parameter",
        "secret_token",
        "ip_address",
        "photo",
        "document",
        "sticker",
        "audio",
        "video",
        "voice",
        "animation",
        "video_note",
        "thumbnail",
        "certificate",
        "sticker_set_name",
        "chat_id",
        "from_chat_id",
        "web_app_query_id",
        "result_id",
    ]
)


def _decode_value(name: str, value: str) -> object:
    if name in ("chat_id", "from_chat_id"):
        stripped = value.lstrip("-")
        return int(value) if stripped.isdigit() and stripped else value
    if name in _STRING_PARAMS:
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


def _decode_form(pairs: list[tuple[str, str]]) -> dict[str, object]:
    return {name: _decode_value(name, value) for name, value in pairs}


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self, double: HttpBotApiDouble) -> None:
        self.double = double
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Condition()
        self.active_requests = 0
        super().__init__(("127.0.0.1", 0), _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Stay silent (the default prints tracebacks, e.g. for clients that hang up)."""


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, like api.telegram.org
    server: _Server
    timeout = 30  # socket timeout for idle keep-alive connections

    def setup(self) -> None:
        super().setup()
        with self.server.connections_lock:
            self.server.connections.add(self.connection)

    def finish(self) -> None:
        with self.server.connections_lock:
            self.server.connections.discard(self.connection)
        with contextlib.suppress(OSError):
            super().finish()

    def log_message(self, format: str, *args: Any) -> None:
        """Log nothing."""

    def do_GET(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks = []
            while True:
                size_line = self.rfile.readline().split(b";", 1)[0].strip()
                size = int(size_line or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            return b"".join(chunks)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        if len(body) < length:
            # The client died mid-request (a killed worker): Telegram would not act on half a
            # request, and half a form can still parse, without its chat_id.
            raise ConnectionResetError("the client hung up before the body ended")
        return body

    def _parse_params(self, query: str) -> tuple[dict[str, object], dict[str, Upload]]:
        params: dict[str, object] = _decode_form(parse_qsl(query, keep_blank_values=True))
        files: dict[str, Upload] = {}
        body = self._read_body() if self.command != "GET" else b""
        if not body:
            return params, files
        content_type = self.headers.get("Content-Type", "")
        main_type = content_type.split(";", 1)[0].strip().lower()
        if main_type == "application/json":
            decoded = json.loads(body.decode("utf-8"))
            if isinstance(decoded, dict):
                params.update(decoded)
        elif main_type == "multipart/form-data":
            form, files = _parse_multipart(content_type, body)
            params.update(form)
            for name, upload in files.items():
                params.setdefault(name, f"upload://{upload.filename}")
        else:
            pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True)
            params.update(_decode_form(pairs))
        return params, files

    def _send(self, status: int, body: bytes, content_type: str = "application/json") -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()

    def _send_json(self, status: int, payload: JsonDict) -> None:
        self._send(status, json.dumps(payload).encode("utf-8"))

    def _dispatch(self) -> None:
        with self.server.connections_lock:
            self.server.active_requests += 1
        try:
            self._dispatch_request()
        finally:
            with self.server.connections_lock:
                self.server.active_requests -= 1
                self.server.connections_lock.notify_all()

    def _dispatch_request(self) -> None:
        double = self.server.double
        backend = double.backend
        parts = urlsplit(self.path)
        path = unquote(parts.path)
        try:
            if path.startswith("/file/bot"):
                self._read_body()
                token, _, file_path = path.removeprefix("/file/bot").partition("/")
                double._saw_token(token)
                content = backend.file_content(file_path)
                if content is None:
                    self._send_json(404, _error(404, "Not Found"))
                else:
                    self._send(200, content, "application/octet-stream")
                return
            if not path.startswith("/bot") or "/" not in path.removeprefix("/bot"):
                self._read_body()
                self._send_json(404, _error(404, "Not Found"))
                return
            token, _, method = path.removeprefix("/bot").partition("/")
            method = method.strip("/")
            double._saw_token(token)
            try:
                params, files = self._parse_params(parts.query)
            except (ValueError, UnicodeDecodeError) as exc:
                self._send_json(400, _error(400, f"Bad Request: cannot parse body: {exc}"))
                return
            backend.record(method, params, files)
            if method.lower() == "getupdates":
                failure = backend.take_failure(method)
                if failure is not None:
                    self._send_json(*failure)
                    return
                updates = backend.poll_updates(params, max_wait=double.max_long_poll)
                self._send_json(200, {"ok": True, "result": updates})
                return
            self._send_json(*backend.handle(method, params))
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True


def _error(status: int, description: str) -> JsonDict:
    return {"ok": False, "error_code": status, "description": description}


def _parse_multipart(content_type: str, body: bytes) -> tuple[dict[str, object], dict[str, Upload]]:
    header = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    message = BytesParser(policy=HTTP).parsebytes(header + body)
    params: dict[str, object] = {}
    files: dict[str, Upload] = {}
    if not isinstance(message, EmailMessage) or not message.is_multipart():
        raise ValueError("malformed multipart body")
    for part in message.iter_parts():
        if not isinstance(part, EmailMessage):
            continue
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        payload = part.get_payload(decode=True)
        content = payload if isinstance(payload, bytes) else b""
        filename = part.get_filename()
        if filename is not None:
            mime = part.get_content_type() if part.get("Content-Type") else None
            files[name] = Upload(filename, content, mime)
        else:
            params[name] = _decode_value(name, content.decode("utf-8"))
    return params, files


class HttpBotApiDouble(BotApiRecorder):
    """Bot API over real HTTP on ``127.0.0.1``: ``/bot<token>/<method>`` (POST JSON, form or
    multipart; GET with query) and ``/file/bot<token>/<file_path>`` downloads.

    ``getUpdates`` long-polls: it holds the request until an update is pushed or ``timeout``
    elapses (capped at ``max_long_poll`` seconds), honours ``offset`` (drops confirmed updates)
    and ``limit``. All state is guarded by ``backend.cond`` (a ``threading.Condition``).
    """

    def __init__(self, *, max_long_poll: float = 2.0, backend: BotApiBackend | None = None) -> None:
        self.backend = backend if backend is not None else BotApiBackend()
        self.max_long_poll = max_long_poll
        self._tokens: set[str] = set()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # ---- lifecycle ------------------------------------------------------------------------

    def start(self) -> Self:
        if self._server is not None:
            raise RuntimeError("HttpBotApiDouble already started")
        self.backend.resume()
        server = _Server(self)
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"HttpBotApiDouble:{server.server_address[1]}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving: pending long polls answer ``[]``, open connections are closed."""
        server, thread = self._server, self._thread
        if server is None:
            return
        self.backend.stop()
        server.shutdown()
        with server.connections_lock:
            # let in-flight requests (e.g. released long polls) finish writing their answer
            server.connections_lock.wait_for(lambda: server.active_requests == 0, timeout=2)
            connections = list(server.connections)
        for conn in connections:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        server.server_close()
        if thread is not None:
            thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # ---- addresses ------------------------------------------------------------------------

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("HttpBotApiDouble not started")
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        """Server root, e.g. ``http://127.0.0.1:PORT`` (append ``/bot`` for PTB's base_url)."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def bot_base_url(self) -> str:
        """``f"{base_url}/bot"`` - what PTB's ``ApplicationBuilder.base_url`` wants."""
        return f"{self.base_url}/bot"

    @property
    def file_base_url(self) -> str:
        """``f"{base_url}/file/bot"`` - for ``ApplicationBuilder.base_file_url``."""
        return f"{self.base_url}/file/bot"

    # ---- observations ---------------------------------------------------------------------

    @property
    def tokens_seen(self) -> set[str]:
        """Tokens used in request URLs so far."""
        with self.backend.cond:
            return set(self._tokens)

    def _saw_token(self, token: str) -> None:
        with self.backend.cond:
            self._tokens.add(token)
