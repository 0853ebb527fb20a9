"""Reminder settings from the chat: ``/reminders``, ``/pause``, ``/resume``, ``/quiet``,
``/nudge``, and the buttons under a reminder that change its schedule.

The dialogue only reads the command; the service carries out the ``ChangeReminders`` effect
(or builds the ``ShowReport`` of /reminders).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bot.domain.buttons import Choice, Feature
from bot.domain.dialogue.state import (
    ChangeReminders,
    Dialogue,
    ReminderAction,
    ReportKind,
    ShowReport,
    State,
    Transition,
    goto,
    stale,
)
from bot.domain.model import Command, Reply, button
from bot.domain.parsing import parse_clock_time

REMINDER_LEADS = (15, 30, 45, 60, 90)
MAX_PAUSE_DAYS = 365
# Buttons under a reminder that change its schedule and leave the dialogue as it is.
SCHEDULE_ACTIONS = ("snooze", "not_today", "resume")


def command(d: Dialogue, cmd: Command) -> Transition:
    ready = goto(d, State.READY)
    if cmd.name == "reminders":
        return Transition(ready, effects=(ShowReport(ReportKind.REMINDERS),))
    if cmd.name == "resume":
        return Transition(ready, effects=(ChangeReminders(ReminderAction.RESUME),))
    arg = setting_arg(cmd.name, cmd.args.strip().lower())
    if arg is None:
        return Transition(ready, (Reply(f"usage_{cmd.name}", {"said": cmd.args[:40]}),))
    return Transition(ready, effects=(ChangeReminders(ReminderAction(cmd.name), arg),))


def setting_arg(name: str, said: str) -> str | None:
    """The normalised argument of /pause, /quiet or /nudge; None when it can't be read."""
    if name == "pause":
        days = said.split()[0] if said else "7"
        return days if days.isdigit() and 1 <= int(days) <= MAX_PAUSE_DAYS else None
    if name == "quiet":
        return said if said == "off" else _time_range(said)
    clock = parse_clock_time(said) if said else None
    return clock.value if clock is not None else None


def _time_range(said: str) -> str | None:
    for sep in ("-", "–", " to ", " "):
        if sep in said:
            start, _, end = said.partition(sep)
            first, last = parse_clock_time(start), parse_clock_time(end)
            if first.value and last.value and first.value != last.value:
                return f"{first.value}-{last.value}"
    return None


def on_choice(d: Dialogue, c: Choice) -> Transition:
    """Lead time, pause, resume, snooze, not today: the schedule changes, the dialogue stays."""
    if c.action in SCHEDULE_ACTIONS or (c.action in ("lead", "pause") and c.arg):
        return Transition(d, effects=(ChangeReminders(ReminderAction(c.action), c.arg),))
    return stale(d)


def reminders_reply(turn: int, upcoming: Sequence[Mapping[str, object]], lead: int,
                    quiet: str | None, paused_until: str | None) -> Reply:
    leads = tuple(button(f"reminder.lead_{m}", Choice(turn, Feature.REMINDER, "lead", str(m)),
                         m == lead) for m in REMINDER_LEADS)
    pause = (button("reminder.resume", Choice(turn, Feature.REMINDER, "resume")) if paused_until
             else button("reminder.pause_week", Choice(turn, Feature.REMINDER, "pause", "7")))
    return Reply("reminders", {"upcoming": list(upcoming), "lead": lead, "quiet": quiet,
                               "paused_until": paused_until}, (leads, (pause,)))
