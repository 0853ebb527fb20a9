"""An exercise's moving figure where a runner meets the move: /exercise, the first time a move
enters the plan; over Telegram (uploaded once, then sent by file_id) and in the terminal."""

from __future__ import annotations

import html
import io
import json
import threading
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine

from bot.console.chat import CONSOLE_USER_ID, ConsoleChat
from bot.content.library import ContentLibrary
from bot.content.poses import figure_store_for
from bot.domain.catalog import Catalog
from bot.domain.dialogue.first_moves import moves_in
from bot.domain.model import Command, Reply
from bot.figures.store import FigureStore, Kind
from bot.services.conversation import ConversationService, Sender
from bot.services.figures import FigureReplies
from bot.services.zones import GeoZoneResolver
from bot.telegram.app import build_application
from bot.telegram.outbox import deliver
from tests.conftest import ROOT, SCREENED, SCREENING, Clock, make_service
from tests.support.conversation import Runner, path_to
from tests.support.fake_request import TEST_TOKEN, ApiCall, FakeBotApi
from tests.support.screening import Step
from tests.support.telegram_user import TelegramUser

NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
CLAMSHELL = "side_plank_clamshell"
GIF_MAGIC = b"GIF89a"


@pytest.fixture
def store(tmp_path: Path) -> FigureStore:
    return figure_store_for(ROOT / "content", tmp_path / "figures")


@pytest.fixture
def moving_clock() -> Clock:
    return Clock(NOW)


@pytest.fixture
def service(engine: Engine, content_with_names: ContentLibrary, zones: GeoZoneResolver,
            catalog: Catalog, store: FigureStore, moving_clock: Clock) -> ConversationService:
    service = make_service(engine, content_with_names, zones, catalog, moving_clock)
    service.figures = FigureReplies(store, content_with_names, catalog)
    return service


@pytest.fixture
async def telegram(service: ConversationService,
                   content_with_names: ContentLibrary) -> AsyncIterator[TelegramUser]:
    api = FakeBotApi()
    app = build_application(TEST_TOKEN, "http://bot-api.invalid", service, content_with_names,
                            request=api, updates_request=FakeBotApi(api.backend))
    await app.initialize()
    yield TelegramUser(app, api)
    await app.shutdown()


def screened(service: ConversationService, telegram_id: int = 4242,
             steps: Sequence[Step] = SCREENING) -> Runner:
    runner = Runner(service, Sender(telegram_id, "Ana", "en"))
    runner.command("start")
    for step in steps:
        runner.tap(step.alias) if step.how == "tap" else runner.type(step.text)
    runner.tap("confirm")
    return runner


def animations(calls: list[ApiCall]) -> list[ApiCall]:
    return [c for c in calls if c.method == "sendAnimation"]


async def test_exercise_sends_the_figure_with_its_cues_then_reuses_the_upload(
        telegram: TelegramUser, service: ConversationService, store: FigureStore,
        catalog: Catalog) -> None:
    screened(service, telegram.user_id)
    calls = await telegram.say("/exercise clamshel")

    (sent,) = animations(calls)
    assert sent.params["parse_mode"] == "HTML"
    caption = html.unescape(str(sent.params["caption"]))
    assert caption.startswith("<b>Side-plank clamshell</b>\n")
    for cue in catalog.exercise(CLAMSHELL).cues:
        assert cue in caption
    (upload,) = sent.files.values()
    assert upload.content.startswith(GIF_MAGIC)
    assert upload.filename.startswith(f"{CLAMSHELL}-")
    # The how-to's words follow the figure.
    assert [c.method for c in calls][-1] == "sendMessage"
    assert str(calls[-1].params["text"]).startswith("<b>Side-plank clamshell</b>")
    assert store.renders == 1

    again = await telegram.say("/exercise clamshell")

    (resent,) = animations(again)
    assert resent.files == {}  # no second upload
    (upload,) = sent.files.values()
    remembered = store.file_id(f"{telegram.app.bot.id}/{upload.filename}")
    assert remembered is not None
    assert remembered.startswith("animation-")
    assert resent.params["animation"] == remembered
    assert resent.params["caption"] == sent.params["caption"]
    assert store.renders == 1  # nothing drawn again


async def test_the_file_id_belongs_to_the_bot_that_uploaded_it(
        telegram: TelegramUser, service: ConversationService, store: FigureStore) -> None:
    screened(service, telegram.user_id)
    await telegram.say("/exercise clamshell")
    (sent,) = animations(telegram.api.calls)
    (upload,) = sent.files.values()
    remembered = json.loads((store.cache_dir / "telegram_file_ids.json").read_text())
    assert {key.split("/", 1)[0] for key in remembered} == {str(telegram.app.bot.id)}
    assert store.file_id(f"{telegram.app.bot.id}/{upload.filename}") is not None
    assert store.file_id(f"999/{upload.filename}") is None


def test_the_terminal_saves_the_figure_and_prints_its_path(
        service: ConversationService, tmp_path: Path) -> None:
    screened(service, CONSOLE_USER_ID)
    out = io.StringIO()
    chat = ConsoleChat(service, io.StringIO("/exercise clamshell\n"), out,
                       files=tmp_path / "files")
    assert chat.run() == 0

    shown = out.getvalue()
    saved = [line.split("saved to ", 1)[1].rstrip(")") for line in shown.splitlines()
             if "saved to " in line]
    assert len(saved) == 1, shown
    path = Path(saved[0])
    assert path.parent == (tmp_path / "files").resolve()
    assert path.name.startswith(f"{CLAMSHELL}-")
    assert path.suffix == ".gif"
    assert path.read_bytes().startswith(GIF_MAGIC)
    assert "Side-plank clamshell" in shown


def test_a_move_new_to_the_plan_shows_its_figure_once(
        service: ConversationService, catalog: Catalog, moving_clock: Clock) -> None:
    # Both thigh tests short: flexion strength comes in only after a passing re-test.
    runner = screened(service, steps=path_to({**SCREENED, "thigh_left": "fail",
                                              "thigh_right": "fail"}))
    first_plan = service.cache[4242].plan.plan
    # The first plan's moves are met with their figures in the walk-through, not all at once.
    assert not [m for m in runner.last if m.attachment is not None]

    moving_clock.now += timedelta(weeks=4)  # a re-test is offered every four weeks
    runner.command("retest")
    for _ in range(3):
        runner.tap("pass")

    new_plan = service.cache[4242].plan.plan
    added = [m for m in moves_in(new_plan) if m not in moves_in(first_plan)]
    assert added, "the re-test should bring in the next flexion step"
    figures = [m.attachment for m in runner.last if m.attachment is not None]
    assert len(figures) == len(added[:3])
    for attachment, move in zip(figures, added, strict=False):
        assert attachment.kind == "animation"
        assert attachment.path is not None
        assert attachment.path.name.startswith(f"{move}-")
    first = next(m for m in runner.last if m.attachment is not None)
    assert first.text.startswith(f"New in your plan: <b>{catalog.exercise(added[0]).name}</b>")
    for cue in catalog.exercise(added[0]).cues:
        assert html.escape(cue, quote=False) in first.text

    moving_clock.now += timedelta(weeks=4)
    runner.command("retest")
    for _ in range(3):
        runner.tap("pass")
    assert not [m for m in runner.last if m.attachment is not None]


def test_without_a_figure_store_the_words_still_go(
        engine: Engine, content_with_names: ContentLibrary, zones: GeoZoneResolver,
        catalog: Catalog) -> None:
    plain = make_service(engine, content_with_names, zones, catalog, lambda: NOW)
    runner = screened(plain)
    response = runner.send(Command("exercise", "clamshell"))
    assert [m.attachment for m in response.messages] == [None]
    assert response.messages[0].text.startswith("<b>Side-plank clamshell</b>")


async def test_a_refused_file_id_is_uploaded_again(
        telegram: TelegramUser, service: ConversationService, store: FigureStore) -> None:
    screened(service, telegram.user_id)
    await telegram.say("/exercise clamshell")
    telegram.api.fail_next("sendAnimation", 400, "Bad Request: wrong file identifier")

    calls = await telegram.say("/exercise clamshell")

    refused, uploaded = animations(calls)
    assert refused.files == {}
    (upload,) = uploaded.files.values()
    assert upload.content.startswith(GIF_MAGIC)
    assert store.file_id(f"{telegram.app.bot.id}/{upload.filename}") is not None
    assert str(calls[-1].params["text"]).startswith("<b>Side-plank clamshell</b>")


async def test_a_figure_gone_before_the_reply_is_made_costs_only_the_picture(
        telegram: TelegramUser, service: ConversationService, store: FigureStore) -> None:
    """The cache emptied between drawing and replying: the words still go."""
    screened(service, telegram.user_id)
    gif = store.animation(CLAMSHELL)
    real_prepare = service.figures.prepare if service.figures else None
    assert real_prepare is not None

    def clear_after_drawing(replies: tuple[Reply, ...]) -> None:
        real_prepare(replies)
        gif.unlink()

    service.figures.prepare = clear_after_drawing  # type: ignore[method-assign,union-attr]
    calls = await telegram.say("/exercise clamshell")

    assert animations(calls) == []
    assert str(calls[-1].params["text"]).startswith("<b>Side-plank clamshell</b>")


async def test_a_stored_figure_reply_whose_file_is_gone_is_skipped(
        telegram: TelegramUser, tmp_path: Path) -> None:
    """A reply stored before a crash and sent after the cache was emptied."""
    gone = tmp_path / "figures" / f"{CLAMSHELL}-left-0000.gif"
    await deliver(telegram.app.bot, [
        {"do": "animation", "chat": telegram.user_id, "path": str(gone), "caption": "cues",
         "markup": None},
        {"do": "text", "chat": telegram.user_id, "text": "how-to", "markup": None,
         "edit": None}])
    assert [c.method for c in telegram.api.calls if c.method != "getMe"] == ["sendMessage"]


class WatchedStore(FigureStore):
    """Notes the thread of every figure drawn, to show the event loop never draws."""

    drawn_on: list[threading.Thread]

    def _file(self, exercise_id: str, side: str | None, kind: Kind) -> Path:
        before = self.renders
        path = super()._file(exercise_id, side, kind)
        if self.renders > before:
            self.drawn_on.append(threading.current_thread())
        return path


async def test_figures_are_drawn_off_the_event_loop(
        engine: Engine, content_with_names: ContentLibrary, zones: GeoZoneResolver,
        catalog: Catalog, tmp_path: Path) -> None:
    base = figure_store_for(ROOT / "content", tmp_path / "watched")
    watched = WatchedStore(base.poses, base.cache_dir, base.one_sided)
    watched.drawn_on = []
    service = make_service(engine, content_with_names, zones, catalog, lambda: NOW)
    service.figures = FigureReplies(watched, content_with_names, catalog)
    screened(service, 77)

    response = await service.handle_async(Sender(77, "Ana", "en"), Command("exercise", "clamshell"))

    assert [m.attachment.kind for m in response.messages if m.attachment] == ["animation"]
    assert len(watched.drawn_on) == 1
    assert watched.drawn_on[0] is not threading.main_thread()
