"""`hipcoach web`: the Mini App's server on its own, until SIGINT or SIGTERM."""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import signal
from collections.abc import AsyncIterator, Sequence
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager

import tornado.httpserver
import tornado.netutil

from bot.web.server import WebApp, make_app

log = logging.getLogger(__name__)

DEFAULT_LISTEN = "127.0.0.1:8090"


class ListenError(ValueError):
    """--listen is not HOST:PORT, or --dev was asked for on an address that is not loopback."""


def parse_listen(listen: str) -> tuple[str, int]:
    host, _, port = listen.rpartition(":")
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise ListenError(f"--listen must be HOST:PORT or PORT, not {listen!r}")
    return host.strip("[]") or "127.0.0.1", int(port)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_listen(listen: str, dev: bool) -> tuple[str, int]:
    host, port = parse_listen(listen)
    if dev and not is_loopback(host):
        raise ListenError(f"--dev signs anyone in: it serves on a loopback address only, "
                          f"not {host}")
    return host, port


def run_web(app: WebApp, listen: str,
            resources: Sequence[AbstractAsyncContextManager[object]] = ()) -> None:
    host, port = check_listen(listen, app.dev_user is not None)
    asyncio.run(_serve(app, host, port, resources))


async def _serve(app: WebApp, host: str, port: int,
                 resources: Sequence[AbstractAsyncContextManager[object]]) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with AsyncExitStack() as stack:
        for resource in resources:
            await stack.enter_async_context(resource)
        async with listening(app, host, port) as bound:
            if app.dev_user is not None:
                log.warning("DEVELOPMENT SIGN-IN: anyone who opens http://%s:%s/dev is signed in "
                            "as the terminal chat's runner. Never expose this server.", host, bound)
            log.info("web app: serving on http://%s:%s/", host, bound)
            await stop.wait()


@asynccontextmanager
async def listening(app: WebApp, host: str, port: int) -> AsyncIterator[int]:
    """Serves ``app`` while the block runs; yields the port (0 picks a free one, for tests)."""
    server = tornado.httpserver.HTTPServer(make_app(app))
    sockets = tornado.netutil.bind_sockets(port, address=host)
    server.add_sockets(sockets)
    try:
        yield int(sockets[0].getsockname()[1])
    finally:
        server.stop()
        await server.close_all_connections()
