"""GeoZoneResolver against the real geonames, tzdata and timezonefinder data (no doubles)."""

from __future__ import annotations

import math
import random
import subprocess
import sys
import zoneinfo
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.domain.model import ZoneMatch, ZoneResolver
from bot.services import zones
from bot.services.zones import FRACTIONAL_OFFSET_ZONES, GeoZoneResolver

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def resolver() -> GeoZoneResolver:
    built = GeoZoneResolver()
    built.warm_up()
    return built


def zone_of(resolver: GeoZoneResolver, text: str) -> str | None:
    found = resolver.from_text(text)
    return found.zone if found else None


def standard_offset(zone: str) -> timedelta:
    """The zone's offset without daylight saving, this January."""
    moment = datetime(2026, 1, 15, tzinfo=UTC).astimezone(zoneinfo.ZoneInfo(zone))
    offset, dst = moment.utcoffset(), moment.dst()
    assert offset is not None
    assert dst is not None
    return offset - dst


def test_is_a_zone_resolver(resolver: GeoZoneResolver) -> None:
    typed: ZoneResolver = resolver
    assert isinstance(typed.from_text("Berlin"), ZoneMatch)


# --- IANA names ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "zone"),
    [
        ("Europe/Berlin", "Europe/Berlin"),
        ("europe/berlin", "Europe/Berlin"),
        ("EUROPE/BERLIN", "Europe/Berlin"),
        ("America/New York", "America/New_York"),
        ("america / new_york", "America/New_York"),
        ("  America/Argentina/Buenos Aires ", "America/Argentina/Buenos_Aires"),
        ("UTC", "UTC"),
        ("utc", "UTC"),
        ("Etc/GMT+3", "Etc/GMT+3"),
    ],
)
def test_iana_names(resolver: GeoZoneResolver, text: str, zone: str) -> None:
    assert resolver.from_text(text) == ZoneMatch(zone=zone, via="name", label=zone)


@pytest.mark.parametrize("text", ["Factory", "localtime", "Europe/Atlantis", "Europe/"])
def test_names_that_are_not_places(resolver: GeoZoneResolver, text: str) -> None:
    assert resolver.from_text(text) is None


# --- cities -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "zone", "label"),
    [
        ("Berlin", "Europe/Berlin", "Berlin, DE"),
        ("berlin", "Europe/Berlin", "Berlin, DE"),
        ("Zurich", "Europe/Zurich", "Zürich, CH"),
        ("Zürich", "Europe/Zurich", "Zürich, CH"),
        ("new york", "America/New_York", "New York City, NY, US"),
        ("NYC", "America/New_York", "New York City, NY, US"),
        ("São Paulo", "America/Sao_Paulo", "São Paulo, BR"),
        ("sao paulo", "America/Sao_Paulo", "São Paulo, BR"),
        ("Sao-Paulo!", "America/Sao_Paulo", "São Paulo, BR"),
        ("Kiev", "Europe/Kyiv", "Kyiv, UA"),
        ("Bombay", "Asia/Kolkata", "Mumbai, IN"),
        ("Москва", "Europe/Moscow", "Moscow, RU"),
        ("東京", "Asia/Tokyo", "Tokyo, JP"),
    ],
)
def test_city_names_and_alternate_names(
    resolver: GeoZoneResolver, text: str, zone: str, label: str
) -> None:
    assert resolver.from_text(text) == ZoneMatch(zone=zone, via="city", label=label)


@pytest.mark.parametrize(
    ("text", "zone"),
    [
        ("Paris", "Europe/Paris"),  # not Paris, Texas
        ("London", "Europe/London"),  # not London, Ontario
        ("Portland", "America/Los_Angeles"),  # Oregon's 650k beats Maine's 67k
        ("Moscow", "Europe/Moscow"),  # not Moscow, Idaho
        ("Frankfurt", "Europe/Berlin"),
    ],
)
def test_shared_names_pick_the_most_populous(
    resolver: GeoZoneResolver, text: str, zone: str
) -> None:
    assert zone_of(resolver, text) == zone


@pytest.mark.parametrize(
    ("text", "zone", "label"),
    [
        ("Portland, ME", "America/New_York", "Portland, ME, US"),
        ("Portland, Maine", "America/New_York", "Portland, ME, US"),
        ("Portland, OR", "America/Los_Angeles", "Portland, OR, US"),
        ("Paris, TX", "America/Chicago", "Paris, TX, US"),
        ("Paris, Texas", "America/Chicago", "Paris, TX, US"),
        ("London, Canada", "America/Toronto", "London, CA"),
        ("London, CA", "America/Toronto", "London, CA"),
        ("Berlin, Germany", "Europe/Berlin", "Berlin, DE"),
        ("Berlin, DE", "Europe/Berlin", "Berlin, DE"),
        ("Berlin, DEU", "Europe/Berlin", "Berlin, DE"),
    ],
)
def test_a_country_or_us_state_narrows_the_city(
    resolver: GeoZoneResolver, text: str, zone: str, label: str
) -> None:
    assert resolver.from_text(text) == ZoneMatch(zone=zone, via="city", label=label)


def test_an_unknown_qualifier_is_ignored(resolver: GeoZoneResolver) -> None:
    assert zone_of(resolver, "Berlin, Deutschland") == "Europe/Berlin"


def test_a_known_qualifier_that_does_not_fit_finds_nothing(resolver: GeoZoneResolver) -> None:
    assert resolver.from_text("Paris, Japan") is None


@pytest.mark.parametrize(
    ("typo", "zone", "label"),
    [
        ("Berln", "Europe/Berlin", "Berlin, DE"),
        ("Amsterdm", "Europe/Amsterdam", "Amsterdam, NL"),
        ("Barcelna", "Europe/Madrid", "Barcelona, ES"),
        ("Los Angles", "America/Los_Angeles", "Los Angeles, CA, US"),
        ("Montrael", "America/Toronto", "Montréal, CA"),
        ("Philadelfia", "America/New_York", "Philadelphia, PA, US"),
        ("Berln, Germany", "Europe/Berlin", "Berlin, DE"),
    ],
)
def test_small_typos_still_match(
    resolver: GeoZoneResolver, typo: str, zone: str, label: str
) -> None:
    assert resolver.from_text(typo) == ZoneMatch(zone=zone, via="city", label=label)


JUNK = [
    "",
    "   ",
    "asdfgh",
    "hello",
    "7:30",
    "07:30 am",
    "😀🏃‍♀️🔥",
    "?",
    "yes",  # an airport code (Yasuj) in geonames
    "the",  # an airport code (Teresina)
    "no",  # a two-letter alternate name (Ho, Ghana)
    "start",  # one letter off Settat and Stuart
    "later",  # one letter off Latur
    "thanks",
    "tomorrow",
    "I don't know",
    "30 minutes",
    "Europe",
]


@pytest.mark.parametrize("text", JUNK)
def test_junk_finds_nothing(resolver: GeoZoneResolver, text: str) -> None:
    assert resolver.from_text(text) is None


def test_a_long_message_is_refused_without_searching(
    resolver: GeoZoneResolver, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_search(_: str) -> None:
        raise AssertionError("a long message reached a search")

    for search in ("_from_offset", "_from_zone_name", "_from_city"):
        monkeypatch.setattr(zones, search, no_search)
    message = "I run in Berlin most mornings and my hip hurts after long runs. " * 80
    assert resolver.from_text(message) is None
    assert resolver.from_text("Berlin" + "x" * 5000) is None


def test_the_city_index_is_not_built_at_import() -> None:
    probe = (
        "import bot.services.zones as z, sys; "
        "assert z._load_city_index.cache_info().currsize == 0; "
        "assert z._timezone_finder.cache_info().currsize == 0; "
        "assert 'timezonefinder.timezonefinder' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", probe], cwd=ROOT, check=True, timeout=60)


# --- UTC offsets --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "zone", "label"),
    [
        ("UTC+3", "Etc/GMT-3", "UTC+03:00"),
        ("GMT-5", "Etc/GMT+5", "UTC-05:00"),
        ("+3", "Etc/GMT-3", "UTC+03:00"),
        ("-11", "Etc/GMT+11", "UTC-11:00"),
        ("UTC−3", "Etc/GMT+3", "UTC-03:00"),  # U+2212 MINUS SIGN
        ("UTC–3", "Etc/GMT+3", "UTC-03:00"),  # U+2013 EN DASH
        ("utc +05:30", "Asia/Kolkata", "UTC+05:30"),
        ("UTC+5:30", "Asia/Kolkata", "UTC+05:30"),
        ("gmt+0530", "Asia/Kolkata", "UTC+05:30"),
        ("UTC+5:45", "Asia/Kathmandu", "UTC+05:45"),
        ("UTC+9:30", "Australia/Darwin", "UTC+09:30"),
        ("UTC+12:45", "Pacific/Chatham", "UTC+12:45"),
        ("UTC-3:30", "America/St_Johns", "UTC-03:30"),
        ("GMT-9:30", "Pacific/Marquesas", "UTC-09:30"),
        ("UTC+3:00", "Etc/GMT-3", "UTC+03:00"),
        ("UTC+14", "Etc/GMT-14", "UTC+14:00"),
        ("UTC-12", "Etc/GMT+12", "UTC-12:00"),
        ("UTC+0", "UTC", "UTC"),
        ("GMT-0", "UTC", "UTC"),
    ],
)
def test_utc_offsets(resolver: GeoZoneResolver, text: str, zone: str, label: str) -> None:
    assert resolver.from_text(text) == ZoneMatch(zone=zone, via="offset", label=label)


@pytest.mark.parametrize(
    "text",
    [
        "UTC+25",
        "UTC+15",
        "UTC-13",
        "UTC+14:15",
        "GMT+3:70",
        "UTC+3:10",
        "GMT-5:30",
        "UTC+13:45",
        "UTC+",
        "+",
        "UTC+3+4",
        "UTC 3",
    ],
)
def test_offsets_out_of_range_or_unused_find_nothing(resolver: GeoZoneResolver, text: str) -> None:
    assert resolver.from_text(text) is None


def test_whole_hour_offsets_really_have_that_offset(resolver: GeoZoneResolver) -> None:
    for hours in range(-12, 15):
        found = resolver.from_text(f"UTC{hours:+d}")
        assert found is not None
        assert standard_offset(found.zone) == timedelta(hours=hours), hours


def test_fractional_zones_have_that_standard_offset() -> None:
    for minutes, zone in FRACTIONAL_OFFSET_ZONES.items():
        assert standard_offset(zone) == timedelta(minutes=minutes), zone


def test_every_fractional_standard_offset_in_tzdata_is_covered() -> None:
    used = {standard_offset(zone) for zone in zoneinfo.available_timezones() - {"Factory"}}
    fractional = {offset for offset in used if offset % timedelta(hours=1)}
    assert fractional == {timedelta(minutes=m) for m in FRACTIONAL_OFFSET_ZONES}


# --- coordinates --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("latitude", "longitude", "zone"),
    [
        (52.52, 13.405, "Europe/Berlin"),
        (40.71, -74.0, "America/New_York"),
        (-33.87, 151.21, "Australia/Sydney"),
        (27.7, 85.32, "Asia/Kathmandu"),
        (0.0, -30.0, "Etc/GMT+2"),  # mid-Atlantic: timezonefinder answers with an Etc zone
    ],
)
def test_from_location(
    resolver: GeoZoneResolver, latitude: float, longitude: float, zone: str
) -> None:
    assert resolver.from_location(latitude, longitude) == ZoneMatch(
        zone=zone, via="location", label=zone
    )


@pytest.mark.parametrize(
    ("latitude", "longitude"),
    [(91.0, 0.0), (-90.5, 0.0), (0.0, 180.5), (0.0, -181.0), (math.nan, 0.0), (0.0, math.inf)],
)
def test_invalid_coordinates_find_nothing(
    resolver: GeoZoneResolver, latitude: float, longitude: float
) -> None:
    assert resolver.from_location(latitude, longitude) is None


# --- robustness ---------------------------------------------------------------------------


ODD_TEXTS = [
    "\x00",
    "\ud800",  # a lone surrogate, which Telegram cannot send but a bug might
    "\u0301\u0301",  # combining marks and nothing else
    "Berlin\u200b",
    "\u202eBerlin",
    ",",
    ", ,",
    "Paris,",
    ",Paris",
    "/",
    "//",
    "+99999999999999999999",
    "UTC+99:99",
    "%s %d {} \\",
    "null",
    "ß" * 80,
]


@pytest.mark.parametrize("text", ODD_TEXTS)
def test_odd_text_never_raises(resolver: GeoZoneResolver, text: str) -> None:
    found = resolver.from_text(text)
    assert found is None or isinstance(found, ZoneMatch)


def test_random_text_never_raises(resolver: GeoZoneResolver) -> None:
    rng = random.Random(20240601)
    alphabet = "abcdefghijklmnopqrstuvwxyzÄÖÜßéçñ +-:/,.0123456789УТСМосква東京😀\u2212"
    for _ in range(300):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 90)))
        found = resolver.from_text(text)
        assert found is None or found.via in {"name", "city", "offset"}


def test_lookups_from_many_threads_agree(resolver: GeoZoneResolver) -> None:
    points = [(52.52, 13.405), (40.71, -74.0), (-33.87, 151.21), (35.68, 139.69)] * 25
    with ThreadPoolExecutor(max_workers=8) as pool:
        zones = list(pool.map(lambda p: resolver.from_location(*p), points))
    assert [z.zone if z else None for z in zones[:4]] * 25 == [z.zone if z else None for z in zones]
    assert zones[3] is not None
    assert zones[3].zone == "Asia/Tokyo"
