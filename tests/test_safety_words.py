"""The red-flag path's, clearance's and sizing's words: present, rendering, phone-sized, and
saying what the policy says (no "all set" on the red-flag path, a clinician, a pause)."""

from __future__ import annotations

import pytest

from bot.content.library import ContentLibrary
from bot.content.safety import TEMPLATES, add_safety_labels, check_safety_content
from bot.domain.model import Button, Reply
from tests.conftest import ROOT

PHONE_LIMIT = 2000
SAFETY_SAMPLES: dict[str, dict[str, object]] = {
    "safety/red_flag_welcome": {"first_name": "Ana"},
    "safety/red_flag_advice": {},
    "safety/clear_ask": {}, "safety/clear_confirmed": {"cleared_on": "2026-11-30"},
    "safety/clear_declined": {}, "safety/clear_retested": {}, "safety/clear_nothing": {},
    "safety/retest_first": {},
    "safety/weekly_checkin": {},
    "safety/exercise_notice": {}, "safety/exercise_retest_first": {},
    "safety/exercise_side_notice": {"side": "left"},
    "safety/exercise_fall_notice": {}, "safety/exercise_not_yet_notice": {},
    "safety/test_hurt_note": {"sides": ["left", "right"]},
    "safety/conservative_note": {}, "safety/comeback_note": {},
    "safety/summary_ready": {}, "safety/summary_saved": {"path": "/tmp/hip-summary.pdf"},
    "size/duration": {"minutes": 25},
    "size/minutes_range": {"said": 90, "low": 5, "high": 30},
}


@pytest.fixture(scope="module")
def content() -> ContentLibrary:
    return add_safety_labels(ContentLibrary(ROOT / "content"))


def render(content: ContentLibrary, template: str, **params: object) -> str:
    return content.render(Reply(template, {**SAFETY_SAMPLES[template], **params})).text


def test_every_safety_template_and_label_is_there(content: ContentLibrary) -> None:
    check_safety_content(content)
    on_disk = {t for t in content.template_names() if t.startswith(("safety/", "size/"))}
    assert on_disk == set(SAFETY_SAMPLES)
    assert set(TEMPLATES) == on_disk


@pytest.mark.parametrize("template", sorted(SAFETY_SAMPLES))
def test_each_renders_phone_sized(content: ContentLibrary, template: str) -> None:
    text = render(content, template)
    assert text.strip()
    assert len(text) < PHONE_LIMIT
    assert "{{" not in text


def test_the_red_flag_welcome_is_its_own(content: ContentLibrary) -> None:
    text = render(content, "safety/red_flag_welcome")
    assert "all set" not in text
    assert "🎉" not in text
    assert "Pause any running that hurts" in text
    assert "physio or doctor" in text
    assert "not medical advice" in text
    assert "/summary" in text
    assert "Ana" in text
    assert "Ana" not in render(content, "safety/red_flag_welcome", first_name="")


def test_the_clearance_buttons_have_words(content: ContentLibrary) -> None:
    reply = Reply("safety/clear_ask", {}, ((Button("safety.clear_yes", "1|clear_yes"),
                                            Button("safety.clear_not_yet", "1|clear_no")),))
    labels = [b.label for row in content.render(reply).keyboard for b in row]
    assert labels == ["✅ Yes, I've been cleared", "Not yet"]
    assert "examined your hip" in content.render(reply).text


def test_the_side_notice_names_both_sides_the_right_way_round(content: ContentLibrary) -> None:
    text = render(content, "safety/exercise_side_notice", side="left")
    assert "Your right thigh test hurt" in text
    assert "on your left side only" in text
    assert "waits until a re-test" in render(content, "safety/exercise_side_notice",
                                              side="both")


def test_minutes_out_of_range_get_a_clear_answer(content: ContentLibrary) -> None:
    high = render(content, "size/minutes_range", said=90)
    assert "90 minutes" in high
    assert "from 5 to 30" in high
    low = render(content, "size/minutes_range", said=2)
    assert "5 minutes is the least" in low
