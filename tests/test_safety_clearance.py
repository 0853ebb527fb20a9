"""Leaving the red-flag path: the two-step clearance and the free text that opens it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.clearance import (
    Clearance,
    ClearanceError,
    Stage,
    ask,
    confirm,
    decline,
    flagged_again,
    retested,
    says_cleared,
)
from bot.domain.safety import Phase, RedFlag, SafetyStatus

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


def test_two_steps_then_the_self_tests() -> None:
    asked = ask(Clearance())
    assert asked.stage is Stage.ASKED
    assert asked.cleared_at is None
    cleared = confirm(asked, NOW)
    assert (cleared.stage, cleared.cleared_at) == (Stage.CLEARED, NOW)
    done = retested(cleared, NOW)
    assert (done.stage, done.retested_at) == (Stage.RETESTED, NOW)
    # The stored dates drive the gate: strength only after the self-tests.
    flag = RedFlag("sharp", datetime(2026, 11, 1, tzinfo=UTC))
    assert SafetyStatus((flag,), cleared_at=cleared.cleared_at).phase is Phase.AWAITING_RETEST
    assert SafetyStatus((flag,), cleared_at=done.cleared_at,
                        retested_at=done.retested_at).phase is Phase.CLEAR


def test_nothing_is_cleared_without_the_confirm_press() -> None:
    with pytest.raises(ClearanceError):
        confirm(Clearance(), NOW)
    assert decline(ask(Clearance())) == Clearance()
    with pytest.raises(ClearanceError):
        retested(ask(Clearance()), NOW)


def test_asking_twice_is_harmless_and_a_cleared_runner_is_not_asked_again() -> None:
    assert ask(ask(Clearance())).stage is Stage.ASKED
    cleared = confirm(ask(Clearance()), NOW)
    assert ask(cleared) == cleared
    assert decline(cleared) == cleared


def test_a_naive_time_is_refused_and_a_new_flag_starts_over() -> None:
    with pytest.raises(ValueError, match="aware"):
        confirm(ask(Clearance()), datetime(2026, 11, 30, 9, 0))
    assert flagged_again(confirm(ask(Clearance()), NOW)) == Clearance()


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
