"""Group commit: writes from concurrent updates share one transaction.

A handler submits its write and waits; the first submitter starts a flush that yields once to
the event loop (so every update already in flight can add its write), then commits the whole
batch in a worker thread. Replies are sent only after the commit, so nothing is acknowledged
that is not stored. One flush runs at a time; writes arriving meanwhile form the next batch.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

from sqlalchemy.exc import IntegrityError

log = logging.getLogger(__name__)

W = TypeVar("W")
R = TypeVar("R")

MAX_BATCH = 256


class GroupCommitter(Generic[W, R]):
    def __init__(self, write_batch: Callable[[Sequence[W]], list[R | None]]) -> None:
        self.write_batch = write_batch
        self.pending: list[tuple[W, asyncio.Future[R | None]]] = []
        self.flushing = False

    async def submit(self, write: W) -> R | None:
        """The stored result, or None when the write conflicted and must be replayed."""
        future: asyncio.Future[R | None] = asyncio.get_running_loop().create_future()
        self.pending.append((write, future))
        if not self.flushing:
            self.flushing = True
            asyncio.get_running_loop().create_task(self._flush_all())
        return await future

    async def _flush_all(self) -> None:
        try:
            while self.pending:
                await asyncio.sleep(0)
                batch, self.pending = self.pending[:MAX_BATCH], self.pending[MAX_BATCH:]
                await self._flush(batch)
        finally:
            self.flushing = False

    async def _flush(self, batch: list[tuple[W, asyncio.Future[R | None]]]) -> None:
        if len(batch) == 1:
            results = [await self._write_alone(batch[0])]
        else:
            try:
                results = await asyncio.to_thread(self.write_batch, [w for w, _ in batch])
            except Exception:  # noqa: BLE001 - isolate the failing write, keep the others
                log.warning("a batch of %d writes failed; writing them one by one", len(batch))
                results = [await self._write_alone(item) for item in batch]
        for (_, future), result in zip(batch, results, strict=True):
            if not future.done():
                future.set_result(result)

    async def _write_alone(self, item: tuple[W, asyncio.Future[R | None]]) -> R | None:
        write, future = item
        try:
            return (await asyncio.to_thread(self.write_batch, [write]))[0]
        except IntegrityError:
            return None  # created concurrently elsewhere: a conflict, replayed by the caller
        except Exception as exc:  # noqa: BLE001 - handed to the waiting handler to report
            future.set_exception(exc)
            return None
