"""A TCP proxy the test can cut and restore: a database outage on demand.

It runs its own asyncio loop in a daemon thread and forwards ``127.0.0.1:<port>`` to the
target. ``cut()`` drops every open connection and turns new ones away (accepted, then closed
at once, as a server that just went down); ``restore()`` forwards again. Tests wait on
``wait_refused`` (connections turned away so far) rather than on the clock.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from types import TracebackType
from typing import Self


class TcpProxy:
    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.cond = threading.Condition()
        self.up = True
        self.refused = 0
        self.forwarded = 0
        self._loop = asyncio.new_event_loop()
        self._writers: set[asyncio.StreamWriter] = set()
        self._server: asyncio.Server | None = None
        self._thread = threading.Thread(target=self._loop.run_forever, name="TcpProxy",
                                        daemon=True)
        self.port = 0

    def start(self) -> Self:
        self._thread.start()
        future = asyncio.run_coroutine_threadsafe(self._listen(), self._loop)
        self.port = future.result(timeout=10)
        return self

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self._close(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    def cut(self) -> None:
        """The database goes away: open connections drop, new ones are turned away."""
        with self.cond:
            self.up = False
        asyncio.run_coroutine_threadsafe(self._drop_all(), self._loop).result(timeout=10)

    def restore(self) -> None:
        with self.cond:
            self.up = True

    def wait_refused(self, count: int, timeout: float) -> None:
        """Until ``count`` connections in all have been turned away."""
        with self.cond:
            if not self.cond.wait_for(lambda: self.refused >= count, timeout=timeout):
                raise AssertionError(f"only {self.refused} of {count} connections were tried "
                                     f"within {timeout}s")

    async def _listen(self) -> int:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return int(self._server.sockets[0].getsockname()[1])

    async def _close(self) -> None:
        if self._server is not None:
            self._server.close()
        await self._drop_all()

    async def _drop_all(self) -> None:
        for writer in list(self._writers):
            writer.close()
        self._writers.clear()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with self.cond:
            up = self.up
            if not up:
                self.refused += 1
                self.cond.notify_all()
        if not up:
            writer.close()
            return
        try:
            target_reader, target_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.close()
            return
        with self.cond:
            self.forwarded += 1
        self._writers.update((writer, target_writer))
        await asyncio.gather(self._pipe(reader, target_writer), self._pipe(target_reader, writer))

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            self._writers.discard(writer)
            with contextlib.suppress(Exception):
                writer.close()
