"""The free-text readers behind the screening: clock times, weekdays and minutes."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.parsing import WEEKDAYS, parse_clock_time, parse_minutes, parse_weekdays

EMOJI_FLOOD = "😀" * 5000

# --- parse_clock_time ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("said", "expected"),
    [
        ("7", "07:00"),
        ("07", "07:00"),
        ("0", "00:00"),
        ("7:30", "07:30"),
        ("07:30", "07:30"),
        ("07.30", "07:30"),
        ("7h30", "07:30"),
        ("7 : 30", "07:30"),
        ("  7:30  ", "07:30"),
        ("19:30", "19:30"),
        ("23:59", "23:59"),
        ("00:00", "00:00"),
        ("0730", "07:30"),
        ("1230", "12:30"),
        ("7pm", "19:00"),
        ("7 pm", "19:00"),
        ("7:30pm", "19:30"),
        ("7:30 PM", "19:30"),
        ("7.30 p.m.", "19:30"),
        ("7:30\u2009pm", "19:30"),  # a thin space, as some keyboards insert
        ("7:30am", "07:30"),
        ("07:30am", "07:30"),
        ("1am", "01:00"),
        ("12am", "00:00"),
        ("12:30am", "00:30"),
        ("12pm", "12:00"),
        ("12:30pm", "12:30"),
        ("11:59pm", "23:59"),
        # In words, as people type them
        ("noon", "12:00"),
        ("Midday", "12:00"),
        ("midnight", "00:00"),
        ("6.30am", "06:30"),
        ("at 6:30", "06:30"),
        ("half past six", "06:30"),
        ("half past 6 pm", "18:30"),
        ("half six", "06:30"),
        ("quarter to seven", "06:45"),
        ("quarter to one", "12:45"),
        ("twenty past six", "06:20"),
        ("seven thirty", "07:30"),
        ("six fifteen pm", "18:15"),
        ("seven oh five", "07:05"),
        ("six o'clock", "06:00"),
        ("seven in the evening", "19:00"),
        ("seven", "07:00"),
    ],
)
def test_clock_time_is_read_as_24_hour_time(said: str, expected: str) -> None:
    parsed = parse_clock_time(said)
    assert parsed.value == expected
    assert parsed.problem is None


@pytest.mark.parametrize(
    ("said", "problem"),
    [
        ("25:99", "range"),
        ("24:00", "range"),
        ("2400", "range"),
        ("7:60", "range"),
        ("99", "range"),
        ("13pm", "twelve_hour"),
        ("0am", "twelve_hour"),
        ("19:30pm", "twelve_hour"),
        ("", "unreadable"),
        ("   ", "unreadable"),
        ("abc", "unreadable"),
        ("banana split", "unreadable"),
        ("7:3", "unreadable"),
        ("7:30:00", "unreadable"),
        ("-7", "unreadable"),
        ("7:30 tomorrow", "unreadable"),
        (EMOJI_FLOOD, "unreadable"),
    ],
)
def test_clock_time_that_is_not_on_the_clock_names_the_problem(said: str, problem: str) -> None:
    parsed = parse_clock_time(said)
    assert parsed.value is None
    assert parsed.problem == problem


@given(st.text())
def test_clock_time_gives_either_a_valid_time_or_a_problem(said: str) -> None:
    parsed = parse_clock_time(said)
    assert (parsed.value is None) != (parsed.problem is None)
    if parsed.value is not None:
        hours, minutes = parsed.value.split(":")
        assert len(hours) == len(minutes) == 2
        assert 0 <= int(hours) <= 23
        assert 0 <= int(minutes) <= 59
    else:
        assert parsed.problem in {"unreadable", "range", "twelve_hour"}


@given(st.integers(0, 23), st.integers(0, 59))
def test_every_24_hour_time_reads_back_as_itself(hour: int, minute: int) -> None:
    assert parse_clock_time(f"{hour}:{minute:02d}").value == f"{hour:02d}:{minute:02d}"
    assert parse_clock_time(f"{hour:02d}{minute:02d}").value == f"{hour:02d}:{minute:02d}"


# --- parse_weekdays --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("said", "expected"),
    [
        ("mon wed fri", ["mon", "wed", "fri"]),
        ("Monday, Thursday", ["mon", "thu"]),
        ("tue/thu/sat", ["tue", "thu", "sat"]),
        ("sat & sun", ["sat", "sun"]),
        ("wed and fri", ["wed", "fri"]),
        ("Mon, wed & Fri", ["mon", "wed", "fri"]),
        ("sun sat fri", ["fri", "sat", "sun"]),  # always in week order
        ("sunday Sunday SUN", ["sun"]),  # repeats count once
        ("tues thurs", ["tue", "thu"]),
        ("weds", ["wed"]),
        ("tu th", ["tue", "thu"]),
        ("mon+tue;wed", ["mon", "tue", "wed"]),
        ("MONDAY", ["mon"]),
        ("mon, , wed", ["mon", "wed"]),
        (" ".join(WEEKDAYS), list(WEEKDAYS)),
        ("weekends", ["sat", "sun"]),
        ("weekdays", ["mon", "tue", "wed", "thu", "fri"]),
        ("every day", list(WEEKDAYS)),
        ("tuesdays thursdays saturdays sundays", ["tue", "thu", "sat", "sun"]),
        ("on Tuesdays and every Saturday", ["tue", "sat"]),
    ],
)
def test_weekdays_are_read_in_week_order(said: str, expected: list[str]) -> None:
    assert parse_weekdays(said) == expected


@pytest.mark.parametrize(
    "said",
    ["someday", "mon funday", "", "   ", ",", "and", "m", "monsoon", "tomorrow", "7",
     EMOJI_FLOOD],
)
def test_anything_that_is_not_all_weekdays_is_rejected(said: str) -> None:
    assert parse_weekdays(said) is None


@given(st.text())
def test_weekdays_never_raise_and_only_name_real_days(said: str) -> None:
    days = parse_weekdays(said)
    if days is not None:
        assert days
        assert days == [d for d in WEEKDAYS if d in days]


# --- parse_minutes ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("said", "expected"),
    [
        ("10", 10),
        ("3", 3),
        ("120", 120),
        ("10 min", 10),
        ("15 minutes", 15),
        ("about 15 minutes", 15),
        ("  20  ", 20),
    ],
)
def test_minutes_are_one_whole_number_in_range(said: str, expected: int) -> None:
    assert parse_minutes(said, 3, 120) == expected


@pytest.mark.parametrize(
    "said",
    ["2", "0", "121", "999", "12345", "ten", "", "5 or 10", "5-10", "15.5", "1,000", "-3",
     "−15 min",
     EMOJI_FLOOD],
)
def test_minutes_out_of_range_or_ambiguous_are_rejected(said: str) -> None:
    assert parse_minutes(said, 3, 120) is None


@given(st.text(), st.integers(0, 50), st.integers(50, 200))
def test_minutes_are_always_within_the_bounds(said: str, low: int, high: int) -> None:
    minutes = parse_minutes(said, low, high)
    assert minutes is None or low <= minutes <= high
