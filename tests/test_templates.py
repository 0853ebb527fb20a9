"""Every template under content/texts renders with sample data, in Telegram's length limit."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.content.exercises import load_catalog
from bot.content.library import TELEGRAM_TEXT_LIMIT, ContentLibrary
from bot.domain import coach
from bot.domain.coach import CoachKit
from bot.domain.model import Context, Reply
from bot.services.matching import ExerciseMatcher
from bot.services.zones import GeoZoneResolver
from tests.conftest import ROOT

CATALOG = load_catalog(ROOT / "content")
KIT = CoachKit(CATALOG, ExerciseMatcher(CATALOG))
ANSWERS: dict[str, object] = {
    "pain": "mild", "red_flags": [], "thigh_left": "fail", "thigh_right": "pass",
    "knee_lift": "fail", "goal": "speed", "equipment": [], "run_days": ["mon", "thu"],
    "run_time": "07:30", "timezone": "Asia/Kolkata", "minutes": 20}
CTX = Context(datetime(2026, 11, 23, 3, 0, tzinfo=UTC), GeoZoneResolver(), "Ana", KIT)
WALK = {"items": [coach.item_view(i, CATALOG) for i in
                  coach.plan_for(ANSWERS, KIT).day("mon").items]}
TODAY = coach.today_reply(3, ANSWERS, CTX, KIT).params
WEEK = coach.week_reply(ANSWERS, CTX, KIT).params
HOWTO = coach.exercise_reply("seated_leg_lift_over_block", KIT).params

SAMPLES: dict[str, dict[str, object]] = {
    "bad_minutes": {"low": 3, "high": 120},
    "bad_time": {"problem": "range", "said": "25:99"},
    "bad_zone": {"said": "Atlantis"},
    "button_unreadable": {},
    "cancel_back": {}, "cancel_nothing": {}, "cancel_paused": {},
    "change_pick": {},
    "error_generic": {},
    "exercise_ask": {"examples": ["Side-plank clamshell"]},
    "exercise_howto": dict(HOWTO),
    "exercise_pick": {"said": "bridge"},
    "exercise_unknown": {"said": "hello", "examples": ["Side-plank clamshell"]},
    "help": {"screening": True},
    "hint_buttons": {"said": "maybe"}, "hint_days": {}, "hint_location_unneeded": {},
    "hint_pick_a_day": {}, "hint_too_long": {}, "hint_unsupported": {"kind": "sticker"},
    "note_test_hurt": {},
    "plan_updated": {"answers": ANSWERS, "changes": ["mon:run:rest", "tue:rest:run"]},
    "plan_week": dict(WEEK),
    **{f"progress_chart_{part}": {} for part in ("done", "planned", "title", "week_format", "x",
                                                  "y", "hardest", "hard", "pain", "streak",
                                                  "steps", "retests", "nothing_hard")},
    "adapt_change": {"reason": "progress_weak_side",
                     "params": {"exercise": "Side-plank clamshell", "side": "left", "sets": 2}},
    "adapt_nothing_to_undo": {},
    "adapt_undone": {"reason": "pain_swap", "name": "Single-leg bridge"},
    "ask_pain_severity": {"name": "Single-leg bridge"},
    "ask_pain_side": {"name": "Single-leg bridge"},
    "ask_which_hard": {}, "ask_which_hurt": {},
    "delete_confirm": {}, "delete_done": {}, "delete_kept": {},
    "export_ready": {"rows": 42, "tables": 6},
    "feedback_cancelled": {}, "feedback_dropped": {}, "feedback_pick": {},
    "feedback_red_flag": {},
    "feedback_noted": {"rows": [{"name": "Side-plank clamshell", "outcome": "pain",
                                 "side": "left", "severity": "mild", "reps": 8}], "done": 3},
    "privacy": {},
    "progress": {"weeks": [{"start": "2026-11-23", "planned": 4, "done": 3}], "streak": 5,
                 "hardest": [{"id": "side_plank_clamshell", "hard": 2, "pain": 0}],
                 "steps": 2, "retests": 2},
    "reminders": {"upcoming": [{"when": "Mon 17:45", "kind": "pre_run"}], "lead": 45,
                  "quiet": "22:00-07:00", "paused_until": None},
    "reminder_changed": {"what": "snooze", "next": "17:45", "until": None, "quiet": None,
                         "at": None, "lead": 45},
    "usage_pause": {"said": "forever"}, "usage_quiet": {"said": "late"},
    "usage_nudge": {"said": "soon"},
    "reminders_unavailable": {},
    "red_flag_heard": {"flags": ["numbness", "limp"]},
    "reminder_pre_run": {"run_time": "18:00",
                         "exercises": [{"name": "Side-plank clamshell", "dose": "1 × 10–15"}]},
    "reminder_strength": {}, "reminder_retest": {},
    "checkin_answer": {"feel": "same"},
    "reminder_checkin": {},
    "q_equipment": {"current": ["band"], "editing": True},
    "q_goal": {"current": "speed", "editing": True},
    "q_knee_lift": {"current": "pass", "editing": False},
    "q_minutes": {"current": 15, "editing": True},
    "q_pain": {"current": "none", "editing": True},
    "q_red_flags": {"current": [], "editing": False},
    "q_run_days": {"current": ["mon"], "editing": True},
    "q_run_time": {"current": "07:00", "editing": True},
    "q_thigh_left": {"current": "pass", "editing": False},
    "q_thigh_right": {"current": "fail", "editing": True},
    "q_timezone": {"current": "Europe/Berlin", "editing": True},
    "ready_text": {},
    "red_flag_notice": {},
    "restart_confirm": {"finished": True}, "restart_kept": {}, "restart_resumed": {},
    "retest_cancelled": {}, "retest_intro": {}, "retest_red_flag": {},
    "retest_done": {"before": {"thigh_left": "fail", "thigh_right": "pass",
                               "knee_lift": "fail"},
                    "after": {"thigh_left": "pass", "thigh_right": "pass", "knee_lift": "pass"},
                    "step": 2, "changes": ["mon:run:run"]},
    "screening_done": {"answers": ANSWERS, "changes": []},
    "screening_first": {"command": "today"},
    "settings_intro": {},
    "summary": {"answers": ANSWERS},
    "today": dict(TODAY),
    "unknown_command": {"command": "frobnicate"},
    "walk_done": {"counts": {"done": 3, "hard": 1, "pain": 1, "skip": 1}, "total": 6,
                  "finished": True},
    "walk_pain_stop": {"name": "Side-plank clamshell"},
    "walk_step": {"item": WALK["items"][0], "number": 1, "total": len(WALK["items"])},
    "walk_stopped": {},
    "welcome": {"first_name": "Ana"},
    "zone_confirm": {},
    "zone_found": {"zone": "Asia/Kolkata", "place": "Mumbai, IN", "local_time": "08:30",
                   "local_day": "mon"},
    "zone_retry": {},
}


@pytest.fixture(scope="module")
def content() -> ContentLibrary:
    library = ContentLibrary(ROOT / "content")
    library.add_labels({f"exercise.{e.id}": e.name for e in CATALOG.exercises.values()})
    return library


def test_every_template_has_a_sample(content: ContentLibrary) -> None:
    templates = {t for t in content.template_names() if not t.startswith("_")}
    assert templates - set(SAMPLES) == set()
    assert set(SAMPLES) - templates == set()


@pytest.mark.parametrize("template", sorted(SAMPLES))
def test_template_renders_with_sample_data(content: ContentLibrary, template: str) -> None:
    text = content.render(Reply(template, SAMPLES[template])).text
    assert text.strip()
    assert len(text) < TELEGRAM_TEXT_LIMIT
    assert "{{" not in text
    assert "{%" not in text
