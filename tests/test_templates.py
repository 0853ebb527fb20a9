"""Every template under content/texts renders with sample data, in Telegram's length limit."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest

from bot.content.ladders import cached_ladders
from bot.content.library import TELEGRAM_TEXT_LIMIT, ContentLibrary
from bot.domain import training
from bot.domain.catalog import Catalog
from bot.domain.dialogue import coaching, views
from bot.domain.dialogue.plan import today_reply
from bot.domain.dialogue.questions import QUESTIONS
from bot.domain.dialogue.router import HELP_GROUPS
from bot.domain.dialogue.state import Dialogue, State
from bot.domain.model import CoachKit, Context, Reply
from bot.services.feedback import FeedbackReader
from bot.services.matching import ExerciseMatcher
from bot.services.zones import GeoZoneResolver
from tests.conftest import ROOT
from tests.support.run_files import RUN_SAMPLES
from tests.support.screening import complete
from tests.test_safety_words import SAFETY_SAMPLES

ANSWERS: dict[str, object] = complete({
    "pain": "mild", "red_flags": [], "thigh_left": "fail", "thigh_right": "pass",
    "knee_lift": "fail", "goal": "speed", "equipment": [], "run_days": ["mon", "thu"],
    "run_time": "07:30", "timezone": "Asia/Kolkata", "minutes": 20})
# Drawn from a real plan in the fixture below, not at import time.
FROM_THE_PLAN = ("exercise_howto", "plan_week", "today", "walk_step", "reminder_pre_run")

SAMPLES: dict[str, dict[str, object]] = {
    "bad_minutes": {"low": 3, "high": 120},
    "exercise_off_plan": {},
    "bad_time": {"problem": "range", "said": "25:99"},
    "bad_zone": {"said": "Atlantis"},
    "button_unreadable": {},
    "cancel_back": {}, "cancel_nothing": {}, "cancel_paused": {},
    "change_pick": {},
    "error_generic": {},
    "exercise_ask": {"examples": ["Side-plank clamshell"],
                     "groups": [{"name": "Six hip motions", "moves": ["Side-plank clamshell"]}]},
    "exercise_figure": {"name": "Clamshell", "cues": ["Heels together", "Pelvis still"],
                        "new": True},
    "exercise_pick": {"said": "bridge"},
    "exercise_unknown": {"said": "hello", "examples": ["Side-plank clamshell"]},
    "help": {"screening": True, "groups": HELP_GROUPS},
    "english_only": {}, "heard_injury": {}, "heard_run": {"distance": "10k"},
    "heard_skip": {"moves": [], "kind": "circuit", "scope": "week", "today": ["Hip CARs"]},
    "skip_kept": {}, "heard_sore": {}, "heard_race": {},
    "race_noted": {"words": "I have a race on Sunday"},
    "heard_question": {"moves": [{"id": "side_plank_clamshell", "name": "Side-plank clamshell"}]},
    "ask_how_went": {"name": "Squats"},
    "heard_answer": {"days": ["tue", "sat", "sun"], "time": None},
    "hint_buttons": {"said": "maybe"}, "hint_days": {}, "hint_location_unneeded": {},
    "hint_pick_a_day": {}, "hint_too_long": {}, "hint_unsupported": {"kind": "sticker"},
    "note_test_hurt": {},
    "plan_updated": {"answers": ANSWERS, "changes": ["mon:run:rest", "tue:rest:run"]},
    **{f"progress_chart_{part}": {} for part in ("done", "planned", "title", "week_format", "x",
                                                  "y", "hardest", "hard", "pain",
                                                  "nothing_hard")},
    **{f"progress_chart_{part}": {"count": 1} for part in ("streak", "steps", "retests")},
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
                 "painful": ["single_leg_bridge"], "steps": 2, "retests": 2},
    "reminders": {"upcoming": [{"when": "Mon 17:45", "kind": "pre_run"}], "lead": 45,
                  "quiet": "22:00-07:00", "paused_until": None},
    "reminder_changed": {"what": "snooze", "next": "17:45", "until": None, "quiet": None,
                         "at": None, "lead": 45, "refused": None},
    "usage_pause": {"said": "forever"}, "usage_quiet": {"said": "late"},
    "usage_nudge": {"said": "soon"},
    "red_flag_heard": {"flags": ["numbness", "limp"]},
    "reminder_strength": {}, "reminder_retest": {},
    "checkin_answer": {"feel": "same"}, "checkin_already": {},
    "reminder_checkin": {"move": "Side-plank clamshell", "side": "left"},
    "reminder_safety_checkin": {},
    # Every question, as it is asked when changing an answer.
    **{f"q_{q.id}": {"current": complete({})[q.id], "editing": True} for q in QUESTIONS},
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
    "unknown_command": {"command": "frobnicate"},
    "walk_done": {"counts": {"done": 3, "hard": 1, "pain": 1, "skip": 1}, "total": 6,
                  "finished": True, "kind": "strength"},
    "walk_pain_stop": {"name": "Side-plank clamshell"},
    "walk_skip_offer": {"left": 3},
    "walk_asked": {"whats_next": True, "current": "Glute bridge", "next": "Clamshell"},
    "did_it_follow_up": {},
    "walk_stopped": {},
    "welcome": {"first_name": "Ana"},
    "zone_confirm": {},
    "zone_found": {"zone": "Asia/Kolkata", "place": "Mumbai, IN", "local_time": "08:30",
                   "local_day": "mon"},
    "zone_retry": {},
    **SAFETY_SAMPLES,
    **RUN_SAMPLES,
}


@pytest.fixture(scope="module")
def content(catalog: Catalog) -> ContentLibrary:
    library = ContentLibrary(ROOT / "content")
    library.add_labels({f"exercise.{e.id}": e.name for e in catalog.exercises.values()})
    return library


@pytest.fixture(scope="module")
def samples(catalog: Catalog) -> dict[str, dict[str, object]]:
    """Every template's sample; the plan's views come from a real week of the engine."""
    kit = CoachKit(catalog, ExerciseMatcher(catalog), FeedbackReader(()).read,
                   ladders=cached_ladders(ROOT / "content"))
    ctx = Context(datetime(2026, 11, 23, 3, 0, tzinfo=UTC), GeoZoneResolver(), kit, "Ana")
    ready = Dialogue(State.READY, ANSWERS, turn=3)
    monday = date(2026, 11, 23)
    plan = coaching.plan_of(ANSWERS, kit, monday)
    walk = [coaching.item_view(i, catalog)
            for i in training.day_view(plan, kit.ladders, monday).items]
    return {**SAMPLES,
            "exercise_howto": dict(views.exercise_reply(
                "seated_leg_lift_over_block", kit, ANSWERS, ctx.now.date()).params),
            "plan_week": dict(views.week_reply(ready, ctx).params),
            "today": dict(today_reply(ready, ctx).params),
            "walk_step": {"item": walk[0], "number": 1, "total": len(walk)},
            # A reminder lists the day's warm-up moves as views, or plain words by default.
            "reminder_pre_run": {"run_time": "18:00", "exercises": [
                walk[0], {"name": "Side-plank clamshell", "dose": "1 × 10–15"}]}}


def test_every_template_has_a_sample(content: ContentLibrary) -> None:
    templates = {t for t in content.template_names() if not t.startswith("_")}
    assert templates - {*SAMPLES, *FROM_THE_PLAN} == set()
    assert {*SAMPLES, *FROM_THE_PLAN} - templates == set()


@pytest.mark.parametrize("template", sorted({*SAMPLES, *FROM_THE_PLAN}))
def test_template_renders_with_sample_data(content: ContentLibrary,
                                           samples: dict[str, dict[str, object]],
                                           template: str) -> None:
    text = content.render(Reply(template, samples[template])).text
    assert text.strip()
    assert len(text) < TELEGRAM_TEXT_LIMIT
    assert "{{" not in text
    assert "{%" not in text


NOUNS = ("session", "time", "step", "set", "rep", "minute", "day", "week", "second", "round",
         "move", "row", "table", "exercise", "hour", "snooze", "reminder", "record")
# Stored answers are not counts: their ranges are checked when given (minutes 5-30).
NOT_COUNTS = frozenset({"answers"})
ONE_PLURAL = re.compile(rf"(?<![\d.,])\b1 (?:{'|'.join(NOUNS)})s\b")
MANY_SINGULAR = re.compile(rf"(?<![\d.,])\b[02] (?:{'|'.join(NOUNS)})\b(?!s)")


def _with_count(params: dict[str, object], key: str, n: int) -> dict[str, object]:
    """``params`` with one count set to ``n``; ``key`` may name a count inside a dict."""
    top, _, inner = key.partition(".")
    if not inner:
        return {**params, top: n}
    nested = params[top]
    assert isinstance(nested, dict)
    return {**params, top: {**nested, inner: n}}


def _counts(params: dict[str, object]) -> list[str]:
    keys = [k for k, v in params.items() if isinstance(v, int) and not isinstance(v, bool)]
    keys += [f"{k}.{i}" for k, v in params.items() if isinstance(v, dict) and k not in NOT_COUNTS
             for i, w in v.items() if isinstance(w, int) and not isinstance(w, bool)]
    return keys


@pytest.mark.parametrize("template", sorted({*SAMPLES, *FROM_THE_PLAN}))
def test_every_count_agrees_with_its_noun(content: ContentLibrary,
                                          samples: dict[str, dict[str, object]],
                                          template: str) -> None:
    """Each count in a template's sample, at 0, 1 and 2: "1 session", "2 sessions"."""
    for key in _counts(samples[template]):
        for n in (0, 1, 2):
            text = content.render(Reply(template, _with_count(samples[template], key, n))).text
            plain = re.sub(r"<[^>]+>", "", text)
            assert not ONE_PLURAL.search(plain), (key, n, plain)
            assert not MANY_SINGULAR.search(plain), (key, n, plain)
