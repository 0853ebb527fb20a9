"""One runner's slow work never holds up another's reply, and per-update work stays bounded.

The slow city lookup is a real resolver held on an event the test releases, so "the other
runner was answered first" is an order of events, not a measured time.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import threading
from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from bot.content.library import ContentLibrary
from bot.db.models import User
from bot.domain.catalog import Catalog
from bot.domain.model import Command, Text, ZoneMatch
from bot.services.conversation import Sender
from bot.services.matching import MAX_MATCH_LENGTH, ExerciseMatcher, LabelMatcher
from bot.services.zones import GeoZoneResolver
from tests.conftest import MONDAY_MORNING, make_service
from tests.support.conversation import HAPPY_PATH, Runner
from tests.support.screening import upto

HANG_GUARD = float(os.environ.get("HIPCOACH_TEST_HANG_GUARD", "300"))
ROOT = Path(__file__).resolve().parent.parent


class HeldLookup:
    """The real resolver, except that a city lookup waits until the test lets it go."""

    def __init__(self, real: GeoZoneResolver) -> None:
        self.real = real
        self.started = threading.Event()
        self.release = threading.Event()

    def from_text(self, text: str) -> ZoneMatch | None:
        self.started.set()
        assert self.release.wait(HANG_GUARD), "the test never released the lookup"
        return self.real.from_text(text)

    def from_location(self, latitude: float, longitude: float) -> ZoneMatch | None:
        return self.real.from_location(latitude, longitude)


async def test_another_runner_is_answered_while_a_city_lookup_is_still_running(
        engine: Engine, content: ContentLibrary, zones: GeoZoneResolver,
        catalog: Catalog) -> None:
    lookup = HeldLookup(zones)
    service = make_service(engine, content, lookup, catalog, lambda: MONDAY_MORNING)
    ana = Runner(service, Sender(1, "Ana", "en"))
    ana.command("start")
    ana.walk(upto(HAPPY_PATH, "ask:timezone"))

    city = asyncio.create_task(service.handle_async(ana.sender, Text("Berlin")))
    assert await asyncio.to_thread(lookup.started.wait, HANG_GUARD)
    help_for_ben = await service.handle_async(Sender(2, "Ben", "en"), Command("help"))

    assert not city.done()  # Ben's answer came while Ana's lookup was still held
    assert help_for_ben.messages
    lookup.release.set()
    found = await city
    assert "Europe/Berlin" in "\n".join(m.text for m in found.messages)


def _runner_id(engine: Engine) -> int:
    with Session(engine) as db:
        return db.scalars(select(User.id)).one()


def test_a_pasted_page_is_not_matched_to_a_button_or_an_exercise(
        content: ContentLibrary, catalog: Catalog) -> None:
    labels, exercises = LabelMatcher(content), ExerciseMatcher(catalog)
    assert labels("goal", ["speed", "injury", "both"], "speed") == "speed"
    pasted = "speed " * (MAX_MATCH_LENGTH // 2)
    assert labels("goal", ["speed", "injury", "both"], pasted) is None
    name = next(iter(catalog.exercises.values())).name
    assert exercises(name)
    assert exercises(f"{name} " * (MAX_MATCH_LENGTH // 4)) == []


def test_templates_are_read_once_and_a_later_edit_on_disk_is_not_served(
        tmp_path: Path) -> None:
    shutil.copytree(ROOT / "content", tmp_path / "content")
    library = ContentLibrary(tmp_path / "content")
    before = library.render_text("error_generic", {})
    (tmp_path / "content" / "texts" / "error_generic.j2").write_text("{{ nonsense.unchecked }}")
    assert library.render_text("error_generic", {}) == before


def test_each_runner_gets_their_own_reply_when_many_arrive_at_once(
        engine: Engine, content: ContentLibrary, zones: GeoZoneResolver,
        catalog: Catalog) -> None:
    service = make_service(engine, content, zones, catalog, lambda: MONDAY_MORNING)

    async def all_at_once() -> list[str]:
        replies = await asyncio.gather(*(service.handle_async(Sender(n, f"R{n}", "en"),
                                                              Command("start"))
                                         for n in range(1, 41)))
        return [r.messages[0].text for r in replies]

    texts = asyncio.run(all_at_once())
    assert all("R" in t for t in texts)
    assert all(f"R{n}" in texts[n - 1] for n in range(1, 41))
