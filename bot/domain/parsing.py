"""Reading the few free-text answers the screening accepts: clock times, weekdays, minutes."""

from __future__ import annotations

import re
from dataclasses import dataclass

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

_TIME = re.compile(
    r"^(?P<h>\d{1,2})(?:\s*[:.h]\s*(?P<m>\d{2}))?\s*(?P<ampm>[ap]\.?\s*m\.?)?$", re.IGNORECASE
)
_FOUR_DIGITS = re.compile(r"^(?P<h>\d{2})(?P<m>\d{2})$")
_NUMBER = re.compile(r"\d{1,4}")
_NEGATIVE = re.compile(r"[-−–]\s*\d")


@dataclass(frozen=True)
class TimeParse:
    """Either ``value`` ("HH:MM") or ``problem`` (a key naming what was wrong)."""

    value: str | None = None
    problem: str | None = None


def parse_clock_time(text: str) -> TimeParse:
    raw = text.strip().lower().replace("\u2009", " ")
    match = _TIME.match(raw) or _FOUR_DIGITS.match(raw)
    if not match:
        return TimeParse(problem="unreadable")
    hour, minute = int(match["h"]), int(match.groupdict().get("m") or 0)
    meridiem = (match.groupdict().get("ampm") or "")[:1]
    if meridiem and not 1 <= hour <= 12:
        return TimeParse(problem="twelve_hour")
    if hour > 23 or minute > 59:
        return TimeParse(problem="range")
    if meridiem:
        hour = hour % 12 + (12 if meridiem == "p" else 0)
    return TimeParse(value=f"{hour:02d}:{minute:02d}")


def parse_weekdays(text: str) -> list[str] | None:
    """Weekday names in any order ("Mon, wed & Fri"); None if any word is not a weekday."""
    words = [w for w in re.split(r"[\s,;/&+]+|\band\b", text.lower()) if w]
    if not words:
        return None
    days: set[str] = set()
    for word in words:
        day = next((d for d in WEEKDAYS if len(word) >= 2 and d.startswith(word[:3])), None)
        if day is None or not _is_weekday_spelling(word, day):
            return None
        days.add(day)
    return [d for d in WEEKDAYS if d in days]


_FULL_NAMES = dict(zip(WEEKDAYS, ("monday", "tuesday", "wednesday", "thursday", "friday",
                                  "saturday", "sunday"), strict=True))


def _is_weekday_spelling(word: str, day: str) -> bool:
    full = _FULL_NAMES[day]
    return full.startswith(word) or word in {"tues", "thur", "thurs", "weds"}


def parse_minutes(text: str, low: int, high: int) -> int | None:
    if _NEGATIVE.search(text):
        return None  # "-3" is not three minutes
    found = _NUMBER.findall(text)
    if len(found) != 1:
        return None
    value = int(found[0])
    return value if low <= value <= high else None
