"""Concurrent updates across users, strict order within one user.

Many users are served at once (so their writes can share a group commit), while two updates
from the same user (a quick double tap, two fast messages) are handled one after the other.
An update waits for its user's turn before it takes one of the concurrency slots, so a user
with a backlog never holds slots that other users' updates could use.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

# PTB takes one of its slots before do_process_update is called (process_update is final), so
# an update waiting for its user's turn would hold a slot; PTB's own limit is therefore lifted
# and the real one is applied below, once it is the update's turn.
NO_LIMIT_IN_PTB = 2**31 - 1


class PerUserUpdateProcessor(BaseUpdateProcessor):
    def __init__(self, max_concurrent_updates: int) -> None:
        super().__init__(NO_LIMIT_IN_PTB)
        self.concurrency = max_concurrent_updates
        self._slots = asyncio.Semaphore(max_concurrent_updates)
        self._locks: dict[int, asyncio.Lock] = {}
        self._waiting: dict[int, int] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = _user_key(update)
        if key is None:
            async with self._slots:
                await coroutine
            return
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._waiting[key] = self._waiting.get(key, 0) + 1
        try:
            async with lock, self._slots:
                await coroutine
        finally:
            self._waiting[key] -= 1
            if not self._waiting[key]:  # forget idle users so memory stays flat
                del self._waiting[key], self._locks[key]

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""


def _user_key(update: object) -> int | None:
    if isinstance(update, Update) and update.effective_user is not None:
        return update.effective_user.id
    return None
