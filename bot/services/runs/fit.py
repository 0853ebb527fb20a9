"""FIT files through Garmin's official SDK (``garmin-fit-sdk``) -> activities.

FIT running cadence counts one foot (strides per minute); ``fractional_cadence`` carries its
fraction. Running dynamics arrive in millimetres and milliseconds and leave here in metres and
seconds. A file without position (a treadmill) still has the watch's distance or speed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from garmin_fit_sdk import Decoder, Stream

from bot.domain.runs import RUNNING, Activity, Point, Totals
from bot.services.runs.unpack import RefusedError

SEMICIRCLE = 180.0 / 2**31
INDOOR = {"treadmill", "indoor_running", "virtual_activity"}
# FIT names for sports we read but do not count, so the runner sees what they sent.
SPORT_NAMES = {"cycling": "cycling", "swimming": "swimming", "e_biking": "cycling"}


def read_fit(data: bytes, check: Callable[[], None]) -> list[Activity]:
    """Every session of the file as an activity; ``check`` is called per message (deadline)."""
    decoder = Decoder(Stream.from_byte_array(bytearray(data)))
    if not decoder.is_fit():
        raise RefusedError("not_a_run_file")

    def listen(_mesg_num: int, _message: dict[str, Any]) -> None:
        check()

    messages, errors = decoder.read(mesg_listener=listen)
    for error in errors:  # the decoder collects what the listener raised (the deadline)
        if isinstance(error, RefusedError):
            raise error
    if errors:  # a truncated or altered file: a short read or a failed CRC
        raise RefusedError("corrupt")
    records = [_point(r) for r in messages.get("record_mesgs", []) if "timestamp" in r]
    sessions = messages.get("session_mesgs", [])
    if not sessions and not records:
        raise RefusedError("no_activity")
    if not sessions:
        return [Activity(RUNNING, records[0].at, tuple(records), "fit", cadence_one_foot=True)]
    return [_activity(s, records) for s in sessions]


def _activity(session: Mapping[str, object], records: list[Point]) -> Activity:
    start = _utc(session.get("start_time") or (records[0].at if records else None))
    end = _utc(session.get("timestamp")) if session.get("timestamp") else None
    mine = tuple(p for p in records if p.at >= start and (end is None or p.at <= end))
    sport = str(session.get("sport") or RUNNING)
    sub = str(session.get("sub_sport") or "")
    totals = Totals(_number(session.get("total_distance")),
                    _number(session.get("total_timer_time")),
                    _number(session.get("total_ascent")))
    return Activity(sport if sport == RUNNING else SPORT_NAMES.get(sport, sport), start, mine,
                    "fit", indoor=sub in INDOOR, cadence_one_foot=True, totals=totals)


def _point(record: Mapping[str, object]) -> Point:
    lat, lon = record.get("position_lat"), record.get("position_long")
    cadence = _number(record.get("cadence"))
    if cadence is not None:
        cadence += _number(record.get("fractional_cadence")) or 0.0
    return Point(
        at=_utc(record["timestamp"]),
        latitude=lat * SEMICIRCLE if isinstance(lat, int) and isinstance(lon, int) else None,
        longitude=lon * SEMICIRCLE if isinstance(lat, int) and isinstance(lon, int) else None,
        altitude=_number(record.get("enhanced_altitude", record.get("altitude"))),
        distance=_number(record.get("distance")),
        speed=_number(record.get("enhanced_speed", record.get("speed"))),
        heart_rate=_number(record.get("heart_rate")),
        cadence=cadence,
        step_length=_scaled(record.get("step_length"), 0.001),
        stance_time=_scaled(record.get("stance_time"), 0.001),
        vertical_oscillation=_scaled(record.get("vertical_oscillation"), 0.001))


def _utc(value: object) -> datetime:
    if not isinstance(value, datetime):
        raise RefusedError("corrupt")
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _scaled(value: object, factor: float) -> float | None:
    number = _number(value)
    return number * factor if number is not None and number > 0 else None
