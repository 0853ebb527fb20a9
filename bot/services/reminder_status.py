"""What `hipcoach status` shows an operator: reminder deliveries and schedules, by state."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, case, func, select

from bot.db.models import ReminderDelivery, ReminderSchedule, utc_now
from bot.services.reminder_model import STATUSES

# What each delivery state means to someone reading the counts.
MEANINGS = {
    "claimed": "being sent, or back to the queue when its lease ends",
    "unknown": "went out without an answer: may have arrived, never resent",
    "sent": "delivered",
    "failed": "not delivered (runner blocked the bot, or the Bot API kept refusing)",
    "skipped": "the run had begun before it could be sent",
}


@dataclass(frozen=True)
class ReminderStatus:
    deliveries: dict[str, int]
    due_waiting: int
    leased: int
    later: int
    off: int

    def lines(self) -> list[str]:
        width = max(len(f"{n:,}") for n in (*self.deliveries.values(), self.due_waiting,
                                              self.leased, self.later, self.off))
        out = ["Reminder deliveries by state:"]
        out += [f"  {state:<8} {self.deliveries[state]:>{width},}  {MEANINGS[state]}"
                for state in STATUSES]
        out += ["Reminder schedules:",
                f"  {'due now':<8} {self.due_waiting:>{width},}  waiting for a worker",
                f"  {'leased':<8} {self.leased:>{width},}  claimed by a worker right now",
                f"  {'later':<8} {self.later:>{width},}  next reminder still ahead",
                f"  {'off':<8} {self.off:>{width},}  nothing scheduled (e.g. a blocked bot)"]
        return out


def reminder_status(engine: Engine, now: datetime | None = None) -> ReminderStatus:
    now = now or utc_now()
    schedule = ReminderSchedule
    state = case(
        (schedule.next_due_at.is_(None), "off"),
        (schedule.lease_until > now, "leased"),
        (schedule.next_due_at <= now, "due"),
        else_="later")
    with engine.connect() as conn:
        deliveries = {str(k): int(n) for k, n in conn.execute(
            select(ReminderDelivery.status, func.count()).group_by(ReminderDelivery.status))}
        schedules = {str(k): int(n) for k, n in conn.execute(
            select(state, func.count()).group_by(state))}
    return ReminderStatus(
        {s: deliveries.get(s, 0) for s in STATUSES}, schedules.get("due", 0),
        schedules.get("leased", 0), schedules.get("later", 0), schedules.get("off", 0))
