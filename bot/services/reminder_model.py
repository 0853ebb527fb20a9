"""What the reminder engine works with: the Telegram boundary as typed errors, claims, outcomes."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Protocol

from bot.content.library import RenderedMessage
from bot.domain.model import Button, Keyboard

CLAIMED, UNKNOWN, SENT, FAILED, SKIPPED = "claimed", "unknown", "sent", "failed", "skipped"
STATUSES = (CLAIMED, UNKNOWN, SENT, FAILED, SKIPPED)

# Nudges that want an answer: "r:" buttons are read by the conversation whatever its turn.
NUDGE_BUTTONS: dict[str, Keyboard] = {
    "checkin": ((Button("reminder.hip_better", "0|r:hip:better"),
                 Button("reminder.hip_same", "0|r:hip:same"),
                 Button("reminder.hip_worse", "0|r:hip:worse")),),
    "retest": ((Button("reminder.retest", "0|r:retest"),),),
    "strength": ((Button("reminder.today", "0|r:today"),),),
}
REMINDER_LABELS = ("reminder.snooze", "reminder.not_today", "reminder.start", "reminder.done",
                   "reminder.hip_better", "reminder.hip_same", "reminder.hip_worse",
                   "reminder.retest", "reminder.today", "reminder.default_dose",
                   "reminder.default_exercise.1", "reminder.default_exercise.2",
                   "reminder.default_exercise.3")

Activation = Callable[[int, date], Sequence[Mapping[str, object]]]
# The check-in names the move that hurt and its side (empty: the words stay general).
CheckinAbout = Callable[[int], Mapping[str, object]]


class SendError(Exception):
    """The message was not delivered, for a reason that retrying will not fix."""


class RecipientGoneError(SendError):
    """403: the runner blocked the bot or deleted the account."""


class RetryAfterError(SendError):
    """429: Telegram asks for a pause of ``retry_after`` seconds before any further send."""

    def __init__(self, retry_after: float) -> None:
        super().__init__(f"flood control: retry after {retry_after} s")
        self.retry_after = retry_after


class SendTimeoutError(SendError):
    """The request went out and no answer came: the message may or may not have arrived."""


class TransientSendError(SendError):
    """Not delivered, and worth another try shortly: the connection could not be made, or the
    Bot API answered with a server error (5xx)."""


class Sender(Protocol):
    async def send(self, chat_id: int, message: RenderedMessage) -> int:
        """Deliver ``message``; return Telegram's message id or raise a SendError subclass."""
        ...


@dataclass(frozen=True)
class Claim:
    schedule_id: int
    delivery_id: int
    attempt: int
    user_id: int
    chat_id: int
    kind: str
    key: str
    zone: str
    run_at: datetime


@dataclass(frozen=True)
class Outcome:
    status: str
    message_id: int | None = None
    error: str | None = None
    recipient_gone: bool = False
    # Another worker re-claimed this delivery after our lease ran out; it is theirs to record.
    taken_over: bool = False


@dataclass
class TickReport:
    claimed: int = 0
    sent: int = 0
    unknown: int = 0
    failed: int = 0
    skipped: int = 0
    already_handled: int = 0
    recipients_gone: int = 0
    flood_waits: int = 0
    retries: int = 0
    # Left claimed for the lease to hand back (a database hiccup): never given up.
    deferred: int = 0
    statuses: dict[str, int] = field(default_factory=dict)

    def merge(self, other: TickReport) -> None:
        for name in ("claimed", "skipped", "already_handled", "deferred"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def count(self, outcome: Outcome | None) -> None:
        if outcome is None:
            self.deferred += 1
            return
        self.statuses[outcome.status] = self.statuses.get(outcome.status, 0) + 1
        if outcome.status == SENT:
            self.sent += 1
        elif outcome.status == UNKNOWN:
            self.unknown += 1
        elif outcome.status == FAILED:
            self.failed += 1
        elif outcome.status == SKIPPED:
            self.skipped += 1
        if outcome.recipient_gone:
            self.recipients_gone += 1


def short_error(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:200]
