"""GPX (through ``gpxpy``) and TCX (a small reader) -> activities.

Both are XML from outside, so each is first parsed by ``defusedxml``, which refuses entity
tricks (a "billion laughs" file) before anything else reads it. A time without an offset is
UTC, as both formats specify. Cadence is taken as written; ``bot.domain.runs`` tells strides
from steps per source by its range.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from xml.etree.ElementTree import Element

import gpxpy
import gpxpy.gpx
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring

from bot.domain.runs import RUNNING, Activity, Point, Totals
from bot.services.runs.unpack import RefusedError

# What files call a sport, lower-cased -> the name the bot uses. Strava writes numbers in GPX.
SPORTS = {"running": RUNNING, "run": RUNNING, "9": RUNNING, "trail_running": RUNNING,
          "treadmill_running": RUNNING, "street_running": RUNNING, "other": RUNNING,
          "biking": "cycling", "cycling": "cycling", "ride": "cycling", "1": "cycling",
          "road_biking": "cycling", "mountain_biking": "cycling",
          "swimming": "swimming", "swim": "swimming", "open_water_swimming": "swimming",
          "walking": "walking", "hiking": "hiking", "10": "walking", "4": "hiking"}


def _trimmed(data: bytes) -> bytes:
    """Strava's TCX files start with spaces before ``<?xml``, which XML parsers refuse."""
    return data.lstrip(b" \t\r\n")


def safe_tree(data: bytes) -> Element:
    try:
        root: Element = fromstring(_trimmed(data), forbid_dtd=True)
    except (ParseError, DefusedXmlException, ValueError) as exc:
        raise RefusedError("corrupt") from exc
    return root


def read_gpx(data: bytes, check: Callable[[], None]) -> list[Activity]:
    safe_tree(data)
    try:
        document = gpxpy.parse(_trimmed(data).decode("utf-8", errors="replace"))
    except (gpxpy.gpx.GPXException, ValueError) as exc:
        raise RefusedError("corrupt") from exc
    activities = []
    for track in document.tracks:
        points = [_gpx_point(p) for s in track.segments for p in s.points if p.time is not None]
        check()
        if points:
            sport = SPORTS.get((track.type or "running").strip().lower(), "other")
            activities.append(Activity(sport, points[0].at, tuple(points), "gpx"))
    if not activities:
        raise RefusedError("no_activity")
    return activities


def _gpx_point(p: gpxpy.gpx.GPXTrackPoint) -> Point:
    assert p.time is not None
    extras = _extension_values(e for x in p.extensions for e in x.iter())
    speed = p.speed if p.speed is not None else extras.get("speed")
    return Point(at=_utc(p.time), latitude=p.latitude, longitude=p.longitude,
                 altitude=p.elevation, speed=speed,
                 heart_rate=extras.get("hr"), cadence=extras.get("cad"))


def _extension_values(elements: Iterable[Element]) -> dict[str, float]:
    names = {"hr": "hr", "heartrate": "hr", "cad": "cad", "cadence": "cad",
             "runcadence": "cad", "speed": "speed"}
    out: dict[str, float] = {}
    for element in elements:
        key = names.get(_local(element.tag).lower())
        if key and element.text:
            number = _float(element.text)
            if number is not None:
                out.setdefault(key, number)
    return out


def read_tcx(data: bytes, check: Callable[[], None]) -> list[Activity]:
    root = safe_tree(data)
    activities = []
    for node in _children(root, "Activities", "Activity"):
        sport = SPORTS.get((node.get("Sport") or "other").lower(), "other")
        points = [p for t in _all(node, "Trackpoint") if (p := _tcx_point(t)) is not None]
        check()
        started = _tcx_start(node, points)
        if started is not None:
            activities.append(Activity(sport, started, tuple(points), "tcx",
                                       totals=_tcx_totals(node)))
    if not activities:
        raise RefusedError("no_activity")
    return activities


def _tcx_start(node: Element, points: list[Point]) -> datetime | None:
    text = _text(node, "Id")
    when = _time(text) if text else None
    return when or (points[0].at if points else None)


def _tcx_totals(node: Element) -> Totals:
    laps = list(_all(node, "Lap"))
    distance = sum(_float(_text(lap, "DistanceMeters")) or 0.0 for lap in laps)
    seconds = sum(_float(_text(lap, "TotalTimeSeconds")) or 0.0 for lap in laps)
    return Totals(distance or None, seconds or None)


def _tcx_point(node: Element) -> Point | None:
    when = _time(_text(node, "Time"))
    if when is None:
        return None
    extras = _extension_values(e for x in _all(node, "Extensions") for e in x.iter())
    heart = next(_all(node, "HeartRateBpm"), None)
    return Point(at=when, latitude=_float(_text(node, "LatitudeDegrees")),
                 longitude=_float(_text(node, "LongitudeDegrees")),
                 altitude=_float(_text(node, "AltitudeMeters")),
                 distance=_float(_text(node, "DistanceMeters")),
                 speed=extras.get("speed"),
                 heart_rate=_float(_text(heart, "Value")) if heart is not None else None,
                 cadence=extras.get("cad", _float(_text(node, "Cadence"))))


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _all(node: Element, name: str) -> Iterator[Element]:
    return (e for e in node.iter() if _local(e.tag) == name)


def _children(root: Element, *path: str) -> list[Element]:
    level = [root]
    for name in path:
        level = [c for n in level for c in n if _local(c.tag) == name]
    return level


def _text(node: Element, name: str) -> str:
    found = next(_all(node, name), None)
    return (found.text or "").strip() if found is not None else ""


def _float(text: str | None) -> float | None:
    try:
        return float(text) if text else None
    except ValueError:
        return None


def _time(text: str) -> datetime | None:
    try:
        return _utc(datetime.fromisoformat(text.replace("Z", "+00:00")))
    except ValueError:
        return None


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
