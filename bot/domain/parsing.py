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
    """Digits ("7", "6.30am", "1930") or words ("noon", "half past six", "seven thirty")."""
    raw = _tidy_time(text)
    match = _TIME.match(raw) or _FOUR_DIGITS.match(raw)
    if match:
        hour, minute = int(match["h"]), int(match.groupdict().get("m") or 0)
        meridiem = (match.groupdict().get("ampm") or "")[:1]
    else:
        spoken = spoken_time(raw)
        if spoken is None:
            return TimeParse(problem="unreadable")
        hour, minute, meridiem = spoken
    return _clock(hour, minute, meridiem)


def _clock(hour: int, minute: int, meridiem: str) -> TimeParse:
    if meridiem and not 1 <= hour <= 12:
        return TimeParse(problem="twelve_hour")
    if hour > 23 or minute > 59:
        return TimeParse(problem="range")
    if meridiem:
        hour = hour % 12 + (12 if meridiem == "p" else 0)
    return TimeParse(value=f"{hour:02d}:{minute:02d}")


# Words around the days that say nothing about which ("on tuesdays and every saturday").
_DAY_FILLER = frozenset({"on", "and", "every", "each", "the", "i", "run", "usually", "most",
                         "normally", "also", "plus"})
_DAY_GROUPS = {"weekdays": WEEKDAYS[:5], "weekday": WEEKDAYS[:5], "weekends": WEEKDAYS[5:],
               "weekend": WEEKDAYS[5:], "everyday": WEEKDAYS, "daily": WEEKDAYS}


def parse_weekdays(text: str) -> list[str] | None:
    """Weekdays in any order ("Mon, wed & Fri", "tuesdays", "weekends", "every day");
    None if a word is not a day."""
    said = re.sub(r"\bevery ?day\b|\ball week\b|\bseven days\b", " everyday ", text.lower())
    words = [w for w in re.split(r"[\s,;/&+.]+|\band\b", said) if w and w not in _DAY_FILLER]
    if not words:
        return None
    days: set[str] = set()
    for word in words:
        found = _DAY_GROUPS.get(word) or _one_day(word)
        if found is None:
            return None
        days.update(found)
    return [d for d in WEEKDAYS if d in days]


def _one_day(word: str) -> tuple[str, ...] | None:
    day = next((d for d in WEEKDAYS if len(word) >= 2 and d.startswith(word[:3])), None)
    if day is None or not _is_weekday_spelling(word, day):
        return None
    return (day,)


_FULL_NAMES = dict(zip(WEEKDAYS, ("monday", "tuesday", "wednesday", "thursday", "friday",
                                  "saturday", "sunday"), strict=True))


def _is_weekday_spelling(word: str, day: str) -> bool:
    full = _FULL_NAMES[day]
    single = word[:-1] if word.endswith("s") and len(word) > 4 else word  # "tuesdays"
    return full.startswith(word) or single == full or word in {"tues", "thur", "thurs", "weds"}


# --- times in words -------------------------------------------------------------------------

_HOURS = {w: n for n, w in enumerate(("one", "two", "three", "four", "five", "six", "seven",
                                      "eight", "nine", "ten", "eleven", "twelve"), start=1)}
_MINUTES = {"oh five": 5, "o five": 5, "five": 5, "ten": 10, "fifteen": 15, "quarter": 15,
            "twenty": 20, "twenty five": 25, "half": 30, "thirty": 30, "thirty five": 35,
            "forty": 40, "forty five": 45, "fifty": 50, "fifty five": 55}
_NOON = {"noon": (12, 0), "midday": (12, 0), "12 noon": (12, 0), "midnight": (0, 0)}
_AMPM = r"(?:\s*(?P<ampm>[ap])\.?\s*m\.?)?"
_HOUR = r"(?P<h>\d{1,2}|[a-z]+)"
_MIN = r"(?P<m>\d{1,2}|[a-z]+(?: (?![ap]\.?m\b)[a-z]+)?)"
_PAST = re.compile(rf"^{_MIN} (?P<dir>past|after|to|before) {_HOUR}{_AMPM}$")
_HALF_H = re.compile(rf"^half {_HOUR}{_AMPM}$")  # British "half six" is 6:30
_H_MIN = re.compile(rf"^{_HOUR} {_MIN}{_AMPM}$")
_H_ONLY = re.compile(rf"^{_HOUR}{_AMPM}$")


def _tidy_time(text: str) -> str:
    raw = text.strip().lower().replace("\u2009", " ").replace("’", "'")
    raw = re.sub(r"^(?:at|around|about|by|usually|normally)\s+", "", raw)
    raw = re.sub(r"\s*(?:o'?clock|ish|-ish)$", "", raw)
    raw = re.sub(r"\s+(?:in the morning|am)$", " am", raw)
    raw = re.sub(r"\s+(?:in the (?:afternoon|evening)|at night|tonight)$", " pm", raw)
    raw = re.sub(r"(?<=[a-z])-(?=[a-z])", " ", raw)  # "twenty-five"
    return re.sub(r"\s+", " ", raw).strip()


def spoken_time(raw: str) -> tuple[int, int, str] | None:
    """(hour, minute, "a"/"p"/"") from a time in words, already tidied; None if it is not one."""
    if raw in _NOON:
        return (*_NOON[raw], "")
    for pattern, minutes in ((_PAST, None), (_HALF_H, 30), (_H_MIN, None), (_H_ONLY, 0)):
        found = pattern.match(raw)
        read = _from_words(found.groupdict(), minutes) if found else None
        if read is not None:
            return read
    return None


def _number(word: str | None, names: dict[str, int]) -> int | None:
    if word is None:
        return None
    return int(word) if word.isdigit() else names.get(word)


def _from_words(parts: dict[str, str | None], minutes: int | None
                ) -> tuple[int, int, str] | None:
    hour = _number(parts["h"], _HOURS)
    minute = minutes if minutes is not None else _number(parts.get("m"), _MINUTES)
    if hour is None or minute is None:
        return None
    if parts.get("dir") in ("to", "before"):
        hour, minute = (hour - 1) % 24 or (12 if hour <= 12 else 0), 60 - minute
    return hour, minute, (parts.get("ampm") or "")[:1]


def parse_minutes(text: str, low: int, high: int) -> int | None:
    if _NEGATIVE.search(text):
        return None  # "-3" is not three minutes
    found = _NUMBER.findall(text)
    if len(found) != 1:
        return None
    value = int(found[0])
    return value if low <= value <= high else None
