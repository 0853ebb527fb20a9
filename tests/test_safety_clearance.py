"""Leaving the red-flag path: the two-step clearance and the free text that opens it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.clearance import says_cleared
from bot.domain.safety import Phase, RedFlag, SafetyStatus

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


def test_the_stored_dates_drive_the_gate_strength_only_after_the_self_tests() -> None:
    flag = RedFlag("sharp", datetime(2026, 11, 1, tzinfo=UTC))
    assert SafetyStatus((flag,)).phase is Phase.RED_FLAG
    assert SafetyStatus((flag,), cleared_at=NOW).phase is Phase.AWAITING_RETEST
    assert SafetyStatus((flag,), cleared_at=NOW, retested_at=NOW).phase is Phase.CLEAR


@pytest.mark.parametrize("text", [
    "my physio cleared me", "My physio cleared me today", "I'm cleared", "I am cleared!",
    "the doctor said I'm fine", "I\u2019m cleared", "I've been cleared by my physio",
    "Dr said I'm fine to run", "got the all-clear from the physio", "Cleared by my doctor",
    "my GP says I'm OK", "physio signed me off", "I got cleared to run",
    "Saw the physio, she cleared me", "The physiotherapist gave me the green light",
])
def test_free_text_saying_a_clinician_cleared_me_matches(text: str) -> None:
    assert says_cleared(text)


@pytest.mark.parametrize("text", [
    "I'm not cleared", "not cleared yet", "I'm not cleared yet", "Im not cleared",
    "not yet cleared", "my physio hasn't cleared me", "I wasn't cleared", "am I cleared?",
    "once my physio clears me", "I hope to be cleared soon", "waiting to be cleared",
    "the doctor didn't say I'm fine", "my doctor never cleared me", "when I'm cleared",
    "I will be cleared next week", "I have not been cleared", "no, the doctor said rest",
    "I'm fine", "I cleared my schedule", "I'm clear on the plan", "physio appointment tomorrow",
    "", "   ",
])
def test_free_text_that_is_not_a_clearance_does_not_match(text: str) -> None:
    assert not says_cleared(text)


@given(st.text(max_size=80))
def test_any_text_with_a_negation_never_matches(text: str) -> None:
    assert not says_cleared(f"I'm not cleared {text}")
    assert not says_cleared(f"{text} not cleared yet")
