"""A runner's run file in, a short answer out; /runs; the runs beside the hip work.

Channel-neutral: the Telegram adapter downloads the document and calls ``receive_async``
(the terminal's ``/upload`` and ``hipcoach import-runs`` call ``receive``). Reading is CPU
work in a worker thread with a time limit; storing is one transaction that also runs the
caller's hook (the Telegram update recorded as processed), so a re-delivered upload is
answered again and stored once. Bad input stores nothing and gets a clear reason.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine

from bot.content.library import ContentLibrary, RenderedMessage
from bot.db.models import utc_now
from bot.domain.model import Reply
from bot.domain.runs import OTHER_SPORTS, RunSummary
from bot.services.runs import store
from bot.services.runs.unpack import MAX_UPLOAD, TIME_LIMIT, RefusedError
from bot.services.runs.views import run_view

if TYPE_CHECKING:
    from bot.services.runs.read import Reading

log = logging.getLogger(__name__)

# Work for the storing transaction: (connection, user id) -> None; given the reply first, so
# the Telegram adapter can store the reply it owes with the runs.
Hook = Callable[[Connection, int], None]
Stamp = Callable[[RenderedMessage], Hook]
SPORTS = OTHER_SPORTS[:-1]  # the rest are "other"


@dataclass(frozen=True)
class Upload:
    """A file as a channel hands it over. ``size``: what the channel declared, before reading."""

    name: str
    size: int
    data: bytes = b""


@dataclass(frozen=True)
class Outcome:
    message: RenderedMessage
    stored: tuple[RunSummary, ...] = ()
    # The hook was committed with the runs (or alone, when nothing new was stored).
    hooked: bool = False


class RunService:
    def __init__(self, engine: Engine, content: ContentLibrary,
                 clock: Callable[[], datetime] = utc_now, time_limit: float = TIME_LIMIT) -> None:
        self.engine = engine
        self.content = content
        self.clock = clock
        self.time_limit = time_limit

    def too_big(self, upload: Upload) -> RenderedMessage | None:
        """Checked before downloading: the answer for a file over the limit, else None."""
        if upload.size > MAX_UPLOAD:
            return self.refused("too_big")
        return None

    def receive(self, telegram_id: int, upload: Upload, stamp: Stamp | None = None) -> Outcome:
        """Reads, stores and answers (synchronous: the terminal, the command line, tests)."""
        checked = self._prepare(telegram_id, upload)
        if isinstance(checked, RenderedMessage):
            return Outcome(checked)
        zone, done = checked
        from bot.services.runs.read import read_upload  # the parsers load on the first file

        try:
            reading = read_upload(upload.name, upload.data, zone, self.clock(), self.time_limit,
                                  done)
        except RefusedError as exc:
            return Outcome(self.refused(exc.reason))
        return self._store(telegram_id, upload, reading, stamp)

    async def receive_async(self, telegram_id: int, upload: Upload,
                            stamp: Stamp | None = None) -> Outcome:
        """For the event loop: reading and storing run in worker threads, reading time-boxed."""
        checked = await asyncio.to_thread(self._prepare, telegram_id, upload)
        if isinstance(checked, RenderedMessage):
            return Outcome(checked)
        zone, done = checked
        from bot.services.runs.read import read_upload  # the parsers load on the first file

        try:
            reading = await asyncio.wait_for(asyncio.to_thread(
                read_upload, upload.name, upload.data, zone, self.clock(), self.time_limit,
                done), self.time_limit + 1)
        except RefusedError as exc:
            return Outcome(self.refused(exc.reason))
        except TimeoutError:
            return Outcome(self.refused("too_slow"))
        return await asyncio.to_thread(self._store, telegram_id, upload, reading, stamp)

    def _prepare(self, telegram_id: int,
                 upload: Upload) -> tuple[str, set[str]] | RenderedMessage:
        """The runner's zone and the files their runs came from, or the answer that ends it."""
        refused = self.too_big(upload) or (self.refused("empty") if not upload.data else None)
        if refused is not None:
            return refused
        with self.engine.connect() as conn:
            found = store.user_and_zone(conn, telegram_id)
            done = store.file_names(conn, found[0]) if found is not None else set()
        if found is None:
            return self.content.render(Reply("run_start_first"))
        return found[1], done

    def _store(self, telegram_id: int, upload: Upload, reading: Reading,
               stamp: Stamp | None) -> Outcome:
        with self.engine.begin() as conn:
            found = store.user_and_zone(conn, telegram_id)
            if found is None:  # deleted while the file was read
                return Outcome(self.content.render(Reply("run_start_first")))
            new, repeated = store.store(conn, found[0], reading.runs, upload.name)
            message = self._read_message(new, repeated, reading)
            if stamp is not None:
                stamp(message)(conn, found[0])
        log.info("run file read: %d new, %d already stored, %d not counted",
                 len(new), repeated, len(reading.skipped))
        return Outcome(message, tuple(new), stamp is not None)

    def _read_message(self, new: Sequence[RunSummary], repeated: int,
                      reading: Reading) -> RenderedMessage:
        skipped = [{"reason": s.reason, "sport": s.sport if s.sport in SPORTS else "other"}
                   for s in reading.skipped]
        return self.content.render(Reply("run_read", {
            "runs": [run_view(r) for r in new[-5:]], "more": max(len(new) - 5, 0),
            "repeated": repeated + reading.already, "skipped": skipped[:5],
            "unread": reading.unread}))

    def refused(self, reason: str) -> RenderedMessage:
        return self.content.render(Reply("run_refused", {"reason": reason}))


def recent_runs_message(engine: Engine, content: ContentLibrary, user_id: int,
                        limit: int = 8) -> RenderedMessage:
    """/runs: the latest runs, newest first."""
    with engine.connect() as conn:
        runs = store.recent(conn, user_id, limit)
    return content.render(Reply("runs_list", {"runs": [run_view(r) for r in runs]}))
