"""Sessions that fit and messages that fit a phone: the largest plans (6 run days, 30 minutes,
all kit, speed, and its neighbours) give /today, /plan, each day of /plan and the pre-run
reminder under about 2,000 characters; pre-run work fits the minutes given, a strength session
stays at about 40 minutes; a message that must be shortened is never cut inside a tag."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from bot.content.ladders import cached_ladders
from bot.content.library import ContentLibrary, fit_message
from bot.domain import safety
from bot.domain.catalog import Catalog
from bot.domain.dialogue import coaching, safe, views
from bot.domain.dialogue.plan import today_reply
from bot.domain.dialogue.state import Dialogue, State
from bot.domain.model import CoachKit, Context, Reply
from bot.domain.parsing import WEEKDAYS
from bot.paths import content_dir
from bot.services.feedback import FeedbackReader
from bot.services.matching import ExerciseMatcher
from bot.services.zones import GeoZoneResolver

PHONE = 2000
MONDAY = datetime(2026, 11, 23, 5, 0, tzinfo=UTC)
LARGEST = {"pain": "none", "red_flags": [], "thigh_left": "pass", "thigh_right": "pass",
           "knee_lift": "pass", "goal": "speed", "equipment": ["band", "block", "step", "gym"],
           "run_days": ["mon", "tue", "wed", "thu", "fri", "sat"], "run_time": "07:00",
           "timezone": "UTC", "minutes": 30}
VARIANTS = {
    "largest": {},
    "thigh fails": {"thigh_left": "fail", "thigh_right": "fail", "knee_lift": "fail"},
    "thigh hurt": {"thigh_right": "hurt"},
    "every day": {"run_days": list(WEEKDAYS)},
    "hurts most runs": {"pain": "often"},
    "comeback": {"goal": "comeback"},
    "five minutes": {"minutes": 5},
}
TAG = re.compile(r"<(/?)([a-z]+)[^>]*>")


def balanced(text: str) -> bool:
    stack: list[str] = []
    for closing, name in TAG.findall(text):
        if not closing:
            stack.append(name)
        elif not stack or stack.pop() != name:
            return False
    return not stack and text.count("<") == text.count(">")


@pytest.fixture(scope="module")
def kit(catalog: Catalog) -> CoachKit:
    return CoachKit(catalog, ExerciseMatcher(catalog), FeedbackReader(()).read,
                    ladders=cached_ladders(content_dir()))


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_the_largest_plans_fit_a_phone_and_the_clock(
        variant: str, kit: CoachKit, content_with_names: ContentLibrary) -> None:
    answers = {**LARGEST, **VARIANTS[variant]}
    dialogue = Dialogue(State.READY, answers, turn=3)
    for offset in range(7):
        now = MONDAY + timedelta(days=offset)
        ctx = Context(now, GeoZoneResolver(), kit, "Ana")
        replies = [today_reply(dialogue, ctx), views.week_reply(dialogue, ctx),
                   *(views.day_reply(dialogue, ctx, day) for day in WEEKDAYS)]
        day = safe.day(answers, kit, now.date())[1]
        warm_up = [{**coaching.item_view(i, kit.catalog), "seconds": i.cost_seconds()}
                   for i in day.items if i.when == "before_run"]
        replies.append(Reply("reminder_pre_run", {"run_time": "07:00", "exercises": warm_up}))
        for reply in replies:
            text = content_with_names.render(reply).text
            assert len(text) < PHONE, (variant, reply.template, len(text))
            assert balanced(text), (variant, reply.template)

        sections = safe.section_minutes(day)
        # One estimate: the reminder's warm-up minutes are the ones /today shows for it.
        assert -(-sum(int(str(v["seconds"])) for v in warm_up) // 60) == sections["before"]
        assert sum(sections.values()) == safe.minutes_of(day)
        assert sections["before"] <= int(answers["minutes"])  # type: ignore[call-overload]
        assert sections["strength"] <= 40, (variant, day.on, sections)
        if day.items:
            assert "⏱️ about" in content_with_names.render(today_reply(dialogue, ctx)).text


def test_the_week_overview_has_a_button_per_day_that_shows_that_day(
        kit: CoachKit, content_with_names: ContentLibrary) -> None:
    ctx = Context(MONDAY, GeoZoneResolver(), kit, "Ana")
    week = views.week_reply(Dialogue(State.READY, LARGEST, turn=3), ctx)
    days = [b.data.rsplit(":", 1)[1] for row in week.buttons for b in row]
    assert days == list(WEEKDAYS)
    text = content_with_names.render(week).text
    assert text.count("min") >= 6  # a duration for every day with work
    sunday = content_with_names.render(views.day_reply(
        Dialogue(State.READY, LARGEST, turn=3), ctx, "sun")).text
    assert sunday.startswith("<b>Sunday: Strength")
    assert "Start" not in sunday  # another day: looked at, not started


def test_gym_access_pairs_the_strength_day_with_the_lifts_as_an_option(
        kit: CoachKit, content_with_names: ContentLibrary) -> None:
    ctx = Context(MONDAY + timedelta(days=6), GeoZoneResolver(), kit, "Ana")  # Sunday
    with_gym = content_with_names.render(today_reply(Dialogue(State.READY, LARGEST), ctx)).text
    assert "split squats or deadlifts" in with_gym
    no_gym = {**LARGEST, "equipment": ["band"]}
    without = content_with_names.render(today_reply(Dialogue(State.READY, no_gym), ctx)).text
    assert "deadlifts" not in without


def test_a_long_message_is_cut_at_a_line_end_with_its_tags_closed() -> None:
    lines = [f"<b>{n}.</b> <i>move &amp; cue number {n}</i>" for n in range(400)]
    text = "<b>Your week</b>\n<i>" + "\n".join(lines) + "</i>"
    cut = fit_message(text, 4096)
    assert len(cut) <= 4096
    assert balanced(cut)
    assert cut.endswith("…</i>")
    assert fit_message("short <b>one</b>") == "short <b>one</b>"


def test_notes_for_pain_comeback_and_a_painful_test_show_above_the_plan(
        kit: CoachKit, content_with_names: ContentLibrary) -> None:
    ctx = Context(MONDAY, GeoZoneResolver(), kit, "Ana")
    for change, words in (({"pain": "often"}, "Easing in"), ({"goal": "comeback"},
                                                             "Welcome back"),
                          ({"thigh_left": "hurt"}, "test hurt on the left side")):
        answers = {**LARGEST, **change}
        for reply in (today_reply(Dialogue(State.READY, answers), ctx),
                      views.week_reply(Dialogue(State.READY, answers), ctx)):
            assert words in content_with_names.render(reply).text, (change, reply.template)
    # Three weeks after the first plan, the easing-in weeks are over.
    started = replace(kit, started=MONDAY.date())
    later = Context(MONDAY + timedelta(days=21), GeoZoneResolver(), started, "Ana")
    settled = {**LARGEST, "pain": "often"}
    assert "Easing in" not in content_with_names.render(today_reply(
        Dialogue(State.READY, settled), later)).text
    early = Context(MONDAY + timedelta(days=3), GeoZoneResolver(), started, "Ana")
    assert "Easing in" in content_with_names.render(today_reply(
        Dialogue(State.READY, settled), early)).text


def test_a_painful_self_test_keeps_flexion_loading_off_that_side_and_hills_out(
        kit: CoachKit) -> None:
    answers = {**LARGEST, "thigh_right": "hurt"}
    kinds = safety.kinds_from_catalog(kit.catalog)
    for offset in range(7):
        on = (MONDAY + timedelta(days=offset)).date()
        for item in safe.day(answers, kit, on)[1].items:
            loads = safety.candidate(kit.catalog, kinds, item.exercise).loads_flexion
            assert not (loads and item.side in ("both", "right")), (on, item.exercise)
            assert item.exercise not in safety.HILLS


def test_hurting_most_runs_starts_at_the_bottom_of_every_dose_without_hills(
        kit: CoachKit) -> None:
    answers = {**LARGEST, "pain": "often"}
    for offset in range(7):
        on = (MONDAY + timedelta(days=offset)).date()
        for item in safe.day(answers, kit, on)[1].items:
            assert item.exercise not in safety.HILLS
            for pair in (item.reps, item.seconds):
                assert pair is None or pair[0] == pair[1], (item.exercise, pair)
