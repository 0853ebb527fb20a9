"""The training model: the plan as slots on ladders, paced by the runner's history.

Pure and stdlib only. The dialogue calls:

- ``build_plan(profile, ladders, start)`` once at screening (and after ``/settings``);
- ``day_view(plan, ladders, on)`` for ``/today``, ``/plan``, reminders and the walk-through;
- ``record_session(plan, ladders, session)`` when a walk-through or a report ends;
- ``progressions(plan, ladders, today)`` when progress may be told (never beside pain);
- ``undo(plan, change_id, on)`` for a change's own Undo button;
- ``retest(plan, ladders, result, on)`` / ``retest_due(plan, on)`` for re-tests;
- ``checkin(plan, slot_id, answer, on)`` for the morning-after question;
- ``clear(plan, on)`` when a clinician's clearance is confirmed.
"""

from bot.domain.training.build import REQUIRED_LADDERS, build_plan, schedule_for
from bot.domain.training.day import DayItem, DayView, day_view, minutes_of, off_plan
from bot.domain.training.ladders import Ladder, Ladders, Rung
from bot.domain.training.legacy import from_legacy
from bot.domain.training.messages import (
    REASONS,
    REFUSALS,
    change_params,
    change_reply,
    refusal_reply,
)
from bot.domain.training.model import (
    OFF_PLAN,
    Change,
    Flags,
    Plan,
    Refusal,
    RetestResult,
    Schedule,
    Session,
    Slot,
    SlotOutcome,
    Step,
)
from bot.domain.training.retest import retest, retest_allowed_from, retest_due
from bot.domain.training.rules import checkin, clear, progressions, record_session, red_flag, undo
from bot.domain.training.serial import plan_from_json, plan_to_json

__all__ = [
    "OFF_PLAN", "REASONS", "REFUSALS", "REQUIRED_LADDERS", "Change", "DayItem", "DayView",
    "Flags", "Ladder",
    "Ladders", "Plan", "Refusal", "RetestResult", "Rung", "Schedule", "Session", "Slot",
    "SlotOutcome", "Step", "build_plan", "change_params", "change_reply", "checkin", "clear",
    "day_view", "from_legacy", "minutes_of", "off_plan", "plan_from_json", "plan_to_json",
    "progressions", "record_session", "red_flag", "refusal_reply", "retest", "retest_allowed_from",
    "retest_due", "schedule_for", "undo",
]
