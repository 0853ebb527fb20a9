"""The terminal chat is a channel on the same durable inbox and outbox as Telegram."""

from __future__ import annotations

import asyncio
import io

from sqlalchemy import Engine, select

from bot.console.chat import ConsoleChat, terminal_actions
from bot.content.library import ContentLibrary, RenderedButton, RenderedMessage
from bot.db.models import ProcessedUpdate, ScreeningAnswer
from bot.domain.buttons import Choice, Feature
from bot.domain.catalog import Catalog
from bot.domain.model import Command
from bot.services.conversation import Response
from bot.services.inbox import Inbound
from bot.services.zones import GeoZoneResolver
from tests.conftest import Clock, make_service


def undo(n: int) -> RenderedMessage:
    data = Choice(0, Feature.REPORT, "undo", str(n)).data
    return RenderedMessage(f"change {n}", ((RenderedButton("Undo", data, "fb.undo"),),))


def test_every_button_on_screen_has_its_own_number(
        engine: Engine, content_with_names: ContentLibrary, zones: GeoZoneResolver,
        catalog: Catalog, clock: Clock) -> None:
    service = make_service(engine, content_with_names, zones, catalog, clock)
    out = io.StringIO()
    chat = ConsoleChat(service, io.StringIO(""), out)
    chat.show(terminal_actions(Response((undo(1), undo(2), undo(3)))))

    assert [line.strip() for line in out.getvalue().splitlines() if "Undo" in line] == [
        "[1] Undo", "[2] Undo", "[3] Undo"]
    for number in (1, 2, 3):  # each number taps its own message's Undo
        event = chat._event_for(str(number))
        assert isinstance(event, Choice)
        assert event.arg == str(number)


def test_a_terminal_event_is_stored_once_under_its_key_with_its_replies_sent(
        engine: Engine, content_with_names: ContentLibrary, zones: GeoZoneResolver,
        catalog: Catalog, clock: Clock) -> None:
    service = make_service(engine, content_with_names, zones, catalog, clock)
    out = io.StringIO()
    chat = ConsoleChat(service, io.StringIO(""), out)
    assert chat.run() == 0  # /start, then the end of input
    with engine.connect() as conn:
        rows = conn.execute(select(ProcessedUpdate.update_id, ProcessedUpdate.sent_at)).all()
    assert len(rows) == 1
    assert rows[0].update_id < 0  # never a Telegram update id
    assert rows[0].sent_at is not None

    # The same event again (a terminal that crashed and replays its line): nothing twice.
    before = out.getvalue()
    again = Inbound(rows[0].update_id, chat.sender, Command("start"), None)
    asyncio.run(chat.inbox.receive(again))
    assert out.getvalue() == before
    with engine.connect() as conn:
        assert conn.execute(select(ScreeningAnswer.id)).all() == []
        assert len(conn.execute(select(ProcessedUpdate.update_id)).all()) == 1


def test_a_typed_number_that_is_a_buttons_own_label_taps_that_button(
        engine: Engine, content_with_names: ContentLibrary, zones: GeoZoneResolver,
        catalog: Catalog, clock: Clock) -> None:
    """Minutes before a run are offered as 5 10 15 20 30: typing 5 means five minutes."""
    service = make_service(engine, content_with_names, zones, catalog, clock)
    chat = ConsoleChat(service, io.StringIO(""), io.StringIO())
    minutes = [Choice(7, Feature.QUESTION, "pick", m).data for m in ("5", "10", "15", "20", "30")]
    chat.show(terminal_actions(Response((RenderedMessage("How many minutes?", tuple(
        (RenderedButton(label, data, f"minutes.{label}"),)
        for label, data in zip(("5", "10", "15", "20", "30"), minutes, strict=True))),))))

    typed_five = chat._event_for("5")
    assert isinstance(typed_five, Choice)
    assert typed_five.arg == "5"  # not button [5], which is 30
    numbered = chat._event_for("2")  # no button reads "2": the second button
    assert isinstance(numbered, Choice)
    assert numbered.arg == "10"
