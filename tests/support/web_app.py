"""The Mini App's server on a thread of its own (a browser test drives it from the main thread)
and launch data signed the way Telegram signs it."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlencode

from bot.content.library import RenderedMessage
from bot.web import initdata
from bot.web.serve import listening
from bot.web.server import WebApp

WEB_TOKEN = "123456:web-app-test-token"


def launch_data(telegram_id: int, at: datetime, token: str = WEB_TOKEN,
                first_name: str = "Ana") -> str:
    fields = {"auth_date": str(int(at.timestamp())), "query_id": "AAH-test",
              "user": json.dumps({"id": telegram_id, "first_name": first_name,
                                  "language_code": "en"})}
    fields["hash"] = initdata.sign(fields, token)
    return urlencode(fields)


@dataclass
class ChatLines:
    """What the app asked the bot to send to each chat (the Bot API is the boundary)."""

    sent: list[tuple[int, RenderedMessage]] = field(default_factory=list)

    async def __call__(self, chat_id: int, messages: Sequence[RenderedMessage]) -> None:
        self.sent += [(chat_id, m) for m in messages]


@contextmanager
def served(app: WebApp) -> Iterator[str]:
    """The app's base URL while the block runs."""
    ready: list[object] = []
    started = threading.Event()
    loop = asyncio.new_event_loop()
    stop = asyncio.Event()

    async def main() -> None:
        async with listening(app, "127.0.0.1", 0) as port:
            ready.append(port)
            started.set()
            await stop.wait()

    thread = threading.Thread(target=loop.run_until_complete, args=(main(),), daemon=True)
    thread.start()
    assert started.wait(30), "the web app did not start"
    try:
        yield f"http://127.0.0.1:{ready[0]}"
    finally:
        loop.call_soon_threadsafe(stop.set)
        thread.join(30)
        loop.close()
