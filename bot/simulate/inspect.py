"""What the journal records besides messages: the day's plan, the changes, the flags.

Read from the database the services wrote, through the same domain functions `/today` uses,
never from the message text.
"""

from __future__ import annotations

from datetime import date
from typing import Protocol

from bot.simulate.journal import DayEntry
from bot.simulate.runner import Sent


class Inspector(Protocol):
    def day(self, user_id: int, day: date) -> DayEntry:
        """The entry for ``day`` with its planned kind, items and minutes filled in."""

    def close_day(self, user_id: int, day: date, entry: DayEntry, sent: list[Sent]) -> None:
        """Adds the changes made and the flags as they stand at the end of ``day``."""
