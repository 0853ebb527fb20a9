"""Updates from one user run in order; a user's backlog never blocks other users' updates."""

from __future__ import annotations

import asyncio

from telegram import Update

from bot.telegram.ordering import PerUserUpdateProcessor
from tests.support.fake_request import message_update


class Handled:
    """Records which updates have started and lets the test decide when each one finishes."""

    def __init__(self, processor: PerUserUpdateProcessor) -> None:
        self.processor = processor
        self.started: list[int] = []
        self.release: dict[int, asyncio.Event] = {}
        self.tasks: list[asyncio.Task[None]] = []

    def arrive(self, user_id: int, update_id: int) -> None:
        update = Update.de_json(message_update(update_id, user_id, f"update {update_id}"), None)
        self.release[update_id] = asyncio.Event()
        self.tasks.append(asyncio.create_task(
            self.processor.process_update(update, self._handle(update_id))))

    async def _handle(self, update_id: int) -> None:
        self.started.append(update_id)
        await self.release[update_id].wait()

    async def finish(self, *update_ids: int) -> None:
        for update_id in update_ids:
            self.release[update_id].set()
        await settle()


async def settle() -> None:
    """Lets every task run as far as it can before the test looks."""
    for _ in range(20):
        await asyncio.sleep(0)


async def test_a_users_backlog_leaves_the_free_slot_to_another_user() -> None:
    handled = Handled(PerUserUpdateProcessor(2))
    for user_id, update_id in ((1, 1), (1, 2), (1, 3), (2, 4)):
        handled.arrive(user_id, update_id)
    await settle()
    assert handled.started == [1, 4]

    await handled.finish(4)
    assert handled.started == [1, 4]  # user 1's next update waits for update 1, not for a slot
    await handled.finish(1)
    assert handled.started == [1, 4, 2]
    await handled.finish(2, 3)
    assert handled.started == [1, 4, 2, 3]
    await asyncio.gather(*handled.tasks)


async def test_never_more_updates_at_once_than_the_configured_concurrency() -> None:
    handled = Handled(PerUserUpdateProcessor(2))
    for user_id in (1, 2, 3):
        handled.arrive(user_id, user_id)
    await settle()
    assert handled.started == [1, 2]

    await handled.finish(1)
    assert handled.started == [1, 2, 3]
    await handled.finish(2, 3)
    await asyncio.gather(*handled.tasks)
