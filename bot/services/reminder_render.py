"""What a reminder says: the template for its kind, the day's activation, its buttons."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from bot.content.library import ContentLibrary, RenderedMessage
from bot.domain.model import Button, Reply
from bot.domain.schedule import CHECKIN, PRE_RUN, STRENGTH, key_date, zone_info
from bot.services.reminder_model import (
    NUDGE_BUTTONS,
    SKIPPED,
    Activation,
    Allowed,
    CheckinAbout,
    Claim,
    Outcome,
)


def held_back(allowed: Allowed, claim: Claim) -> Outcome | None:
    """The safety gate has the last word at claim time, whatever a schedule still says."""
    if allowed(claim.user_id, claim.kind):
        return None
    return Outcome(SKIPPED, error="held back by the safety gate")


DayDone = Callable[[int, date], bool]


def render_claim(content: ContentLibrary, activation_for: Activation,
                 checkin_about: CheckinAbout, claim: Claim, now: datetime,
                 day_done: DayDone | None = None) -> RenderedMessage | Outcome:
    """Blocking (the activation may read the database): call it from a worker thread.

    An Outcome instead of a message: the reminder is not sent (the day's work is done)."""
    local_run = claim.run_at.astimezone(zone_info(claim.zone))
    if claim.kind == STRENGTH and day_done and day_done(claim.user_id, key_date(claim.key)):
        return Outcome(SKIPPED, error="the day's session is already done")
    if claim.kind == PRE_RUN:
        snoozed = claim.key.endswith("#snooze")
        params: dict[str, object] = {
            "run_time": local_run.strftime("%H:%M"),
            "exercises": activation_for(claim.user_id, key_date(claim.key)),
            "left": max(1, round((claim.run_at - now).total_seconds() / 60)) if snoozed else None,
        }
        # "r:" buttons are read by the conversation whatever its turn, hence turn 0.
        buttons = ((Button("reminder.start", "0|r:start"),
                    Button("reminder.done", "0|r:done")),
                   (Button("reminder.snooze", "0|r:snooze"),
                    Button("reminder.not_today", "0|r:not_today")))
        return content.render(Reply("reminder_pre_run", params, buttons))
    about = checkin_about(claim.user_id) if claim.kind == CHECKIN else {}
    return content.render(Reply(f"reminder_{claim.kind}", dict(about),
                                NUDGE_BUTTONS.get(claim.kind, ())))


def default_activation(content: ContentLibrary) -> Activation:
    """Until the program engine says otherwise: the same short activation before every run."""

    def activation(_user_id: int, _day: date) -> list[dict[str, str]]:
        dose = content.label("reminder.default_dose")
        return [{"name": content.label(f"reminder.default_exercise.{n}"), "dose": dose}
                for n in (1, 2, 3)]

    return activation
