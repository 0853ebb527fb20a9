"""The Mini App in a real browser (Debian's chromium driven by Playwright): a phone-sized page,
a whole session run on the page's own controlled clock, then what the database and the chat
show. No real waiting: Playwright's clock moves the page's timers."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from sqlalchemy import Engine, select

from bot.content.library import ContentLibrary
from bot.db.models import ExerciseOutcome, TrainingSession
from bot.web.coach import WebCoach
from bot.web.server import WebApp
from tests.conftest import MONDAY_MORNING, ROOT, Clock
from tests.support.conversation import Runner
from tests.support.web_app import WEB_TOKEN, ChatLines, launch_data, served

CHROMIUM = "/usr/bin/chromium"
PHONE = {"width": 390, "height": 844}
ARTIFACTS = ROOT / "artifacts"

pytestmark = pytest.mark.skipif(shutil.which(CHROMIUM) is None,
                                reason=f"no browser at {CHROMIUM} (apt-get install chromium; "
                                       ".ci/run installs it)")


# One browser for the module. Not the session: Playwright's sync API holds an event loop open
# in this thread while it runs, and later tests start loops of their own.
@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM,
                                             args=["--no-sandbox", "--disable-gpu"])
        yield browser
        browser.close()


@pytest.fixture
def web_app(screened: Runner, content_with_names: ContentLibrary, clock: Clock) -> WebApp:
    return WebApp(WebCoach(screened.service), content_with_names, WEB_TOKEN, clock=clock,
                  notify=ChatLines())


def open_app(browser: Any, base: str, clock: Clock, dark: bool = False) -> Any:
    page = browser.new_page(viewport=PHONE, color_scheme="dark" if dark else "light")
    # Telegram's script cannot load here: the page must work from the URL fragment alone.
    page.route("https://telegram.org/**", lambda route: route.abort())
    page.clock.install(time=clock.now)
    theme = json.dumps({"bg_color": "#17212b", "text_color": "#f5f5f5",
                        "button_color": "#5288c1", "button_text_color": "#ffffff",
                        "secondary_bg_color": "#232e3c", "hint_color": "#708499"}
                       if dark else {})
    init = launch_data(4242, clock.now)
    page.goto(f"{base}/#tgWebAppData={quote(init, safe='')}"
              f"&tgWebAppThemeParams={quote(theme, safe='')}")
    return page


def shot(page: Any, name: str, tmp_path: Path) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    for folder in (tmp_path, ARTIFACTS):
        page.screenshot(path=str(folder / f"webapp-{name}.png"))


def move_seconds(session: dict[str, Any], index: int) -> int:
    return sum(s["seconds"] for s in session["segments"] if s["move"] == index)


def run_session(page: Any, session: dict[str, Any], outcomes: list[str], tmp_path: Path,
                name: str) -> None:
    """Start, then each move: its timer run out on the page's clock, then its outcome."""
    page.click("[data-action=open-session]")
    page.click("[data-action=start]")
    for index, outcome in enumerate(outcomes):
        move = session["moves"][index]
        page.wait_for_selector(f"h2[data-move='{move['id']}']")
        if session["circuit"]:
            if index == 0:
                total = sum(s["seconds"] for s in session["segments"])
                page.clock.run_for(60_000)
                shot(page, f"{name}-timer", tmp_path)
                page.clock.run_for(total * 1000 - 60_000 + 1000)
        else:
            page.clock.run_for(move_seconds(session, index) * 1000 + 1000)
        page.click(f"[data-outcome={outcome}]")
    page.wait_for_selector("[data-finished]")
    shot(page, f"{name}-finished", tmp_path)


def stored(engine: Engine) -> tuple[list[tuple[object, str, str]], list[tuple[str, str]]]:
    with engine.connect() as conn:
        sessions = [(r.local_date, r.kind, r.status) for r in conn.execute(
            select(TrainingSession.local_date, TrainingSession.kind, TrainingSession.status))]
        outcomes = [(r.exercise_id, r.outcome) for r in conn.execute(
            select(ExerciseOutcome.exercise_id, ExerciseOutcome.outcome)
            .order_by(ExerciseOutcome.id))]
    return sessions, outcomes


def test_the_week_and_a_whole_six_motion_session(browser: Any, web_app: WebApp,
                                                 screened: Runner, engine: Engine,
                                                 clock: Clock, tmp_path: Path) -> None:
    clock.now = MONDAY_MORNING + timedelta(days=1)  # Tuesday: the six-motion session
    session = web_app.coach.session(4242)
    outcomes = ["hard" if i % 4 == 1 else "done" for i in range(len(session["moves"]))]
    with served(web_app) as base:
        page = open_app(browser, base, clock)
        page.wait_for_selector("article.card.today")
        assert page.locator("#week article.card").count() == 7
        assert page.locator("#week article.card").first.get_attribute("data-date") == \
            "2026-11-24"
        shot(page, "week", tmp_path)
        page.click("[data-action=open-session]")
        page.click("[data-action=start]")
        page.wait_for_selector(f"h2[data-move='{session['moves'][0]['id']}']")
        first = session["segments"][0]
        page.clock.run_for(first["seconds"] * 1000 - 500)
        assert page.get_attribute(".phase", "data-kind") == first["kind"]
        shot(page, "six-timer", tmp_path)
        page.clock.run_for(1000)  # the left side is over: switch
        assert page.get_attribute(".phase", "data-kind") == session["segments"][1]["kind"]
        page.reload()  # a reload resumes the walk where it is
        page.click(".tabs [data-show=session]")
        rest = session["moves"][0]["id"]
        page.wait_for_selector(f"h2[data-move='{rest}']")
        page.click("[data-outcome=hard]")
        for index, outcome in enumerate(outcomes[1:], start=1):
            page.wait_for_selector(f"h2[data-move='{session['moves'][index]['id']}']")
            page.clock.run_for(move_seconds(session, index) * 1000 + 1000)
            page.click(f"[data-outcome={outcome}]")
        page.wait_for_selector("[data-finished]")
        shot(page, "six-finished", tmp_path)
        page.click(".tabs [data-show=week]")
        page.wait_for_selector("article.card.today .badge.done")
    sessions, rows = stored(engine)
    assert sessions == [(clock.now.date(), session["kind"], "done")]
    assert rows == [(m["id"], "hard" if i == 0 else outcomes[i])
                    for i, m in enumerate(session["moves"])]
    assert web_app.notify is not None
    assert "walk_done" in [m.template for _, m in web_app.notify.sent]  # type: ignore[attr-defined]
    screened.command("today")
    assert screened.last[0].template == "today"
    assert screened.last[0].params["day"]["date"] == clock.now.date().isoformat()


def test_a_whole_circuit_with_its_rounds(browser: Any, web_app: WebApp, engine: Engine,
                                         clock: Clock, tmp_path: Path) -> None:
    clock.now = MONDAY_MORNING + timedelta(days=6)  # Sunday: the circuit
    session = web_app.coach.session(4242)
    assert session["circuit"]
    with served(web_app) as base:
        page = open_app(browser, base, clock, dark=True)
        page.wait_for_selector("article.card.today")
        shot(page, "week-dark", tmp_path)
        run_session(page, session, ["done"] * len(session["moves"]), tmp_path, "circuit")
        page.click(".tabs [data-show=progress]")
        page.wait_for_selector("[data-figure=streak]")
        assert page.text_content("[data-figure=streak]") == "1"
        shot(page, "progress", tmp_path)
    sessions, rows = stored(engine)
    assert sessions == [(clock.now.date(), session["kind"], "done")]
    assert [e for e, _ in rows] == [m["id"] for m in session["moves"]]


def test_forged_launch_data_shows_nothing(browser: Any, web_app: WebApp, clock: Clock,
                                          tmp_path: Path) -> None:
    with served(web_app) as base:
        page = browser.new_page(viewport=PHONE)
        page.route("https://telegram.org/**", lambda route: route.abort())
        forged = launch_data(4242, clock.now, token="1:not-this-bot")
        page.goto(f"{base}/#tgWebAppData={quote(forged, safe='')}")
        page.wait_for_selector("#notice:not([hidden])")
        assert page.locator("#week article").count() == 0
        shot(page, "forged", tmp_path)


def answered(page: Any, tap: Any) -> None:
    """Tap, then wait until the conversation's answer is on the page."""
    before = page.get_attribute("#settings", "data-answered") or "0"
    tap()
    page.wait_for_function(
        f"() => document.querySelector('#settings').dataset.answered > {int(before)}")


def test_settings_are_the_chats_settings(browser: Any, web_app: WebApp, screened: Runner,
                                         clock: Clock, tmp_path: Path) -> None:
    """A typed run time is read and checked as the chat reads it; the plan is saved."""
    with served(web_app) as base:
        page = open_app(browser, base, clock)
        page.wait_for_selector("article.card.today")
        page.click(".tabs [data-show=settings]")
        # Each tap waits for its own answer: a late one would redraw the box being typed in.
        answered(page, lambda: page.click("[data-action=open-settings]"))
        answered(page, lambda: page.click("[data-press$='|s:field:run_time']"))
        page.fill("input[name=answer]", "25:99")  # not a time: asked again, nothing stored
        answered(page, lambda: page.click("form.typed button[type=submit]"))
        assert page.locator("[data-press*='|q:pick:']").count() > 0
        assert screened.service._load(4242).answers["run_time"] == "18:00"
        page.fill("input[name=answer]", "19:30")
        answered(page, lambda: page.click("form.typed button[type=submit]"))
        shot(page, "settings", tmp_path)
        answered(page, lambda: page.click("[data-press$='|s:confirm']"))
    stored_now = screened.service._load(4242)
    assert stored_now.answers["run_time"] == "19:30"
    assert stored_now.state == "ready"


def test_taps_made_offline_go_out_once_when_back_online(browser: Any, web_app: WebApp,
                                                        engine: Engine, clock: Clock,
                                                        tmp_path: Path) -> None:
    session = web_app.coach.session(4242)  # Monday: the run-day warm-up
    moves = [m["id"] for m in session["moves"]]
    with served(web_app) as base:
        page = open_app(browser, base, clock)
        page.click("[data-action=open-session]")
        page.click("[data-action=start]")
        page.wait_for_selector(f"h2[data-move='{moves[0]}']")
        page.click("[data-outcome=done]")
        page.wait_for_selector(f"h2[data-move='{moves[1]}']")
        page.context.set_offline(True)
        page.click("[data-outcome=hard]")
        page.wait_for_selector(f"h2[data-move='{moves[2]}']")  # shown from this phone
        page.click("[data-outcome=done]")
        page.wait_for_selector(f"h2[data-move='{moves[3]}']")
        shot(page, "offline", tmp_path)
        assert stored(engine)[1] == []  # the walk's outcomes are stored when it ends
        assert web_app.coach.session(4242)["index"] == 1  # nothing reached the server
        page.context.set_offline(False)
        page.wait_for_function("() => localStorage.getItem('hipcoach.pending.4242') === '[]'")
        assert web_app.coach.session(4242)["index"] == 3
        for index in range(3, len(moves)):
            page.wait_for_selector(f"h2[data-move='{moves[index]}']")
            page.click("[data-outcome=done]")
        page.wait_for_selector("[data-finished]")
    assert stored(engine)[1] == [(m, "hard" if i == 1 else "done") for i, m in enumerate(moves)]


def test_did_it_on_the_page_then_one_hard_move(browser: Any, web_app: WebApp, engine: Engine,
                                               clock: Clock, tmp_path: Path) -> None:
    """"I did it all" stores the day at once; the chat's "anything hard?" buttons follow on
    the page, and a tap on one amends that day's session."""
    with served(web_app) as base:
        page = open_app(browser, base, clock)
        page.click("[data-action=open-session]")
        page.click("[data-action=did]")
        page.wait_for_selector("[data-finished]")
        hard = page.locator("[data-press*=':hard:']").first
        move = str(hard.get_attribute("data-press")).split(":")[2]
        hard.click()
        page.wait_for_selector("[data-press*=':hard:']", state="detached")  # answered
        page.wait_for_selector("[data-finished]")
        shot(page, "did-it", tmp_path)
        page.click(".tabs [data-show=week]")
        page.wait_for_selector("article.card.today .badge.done")
        assert page.locator("[data-action=open-session]").count() == 0
    sessions, rows = stored(engine)
    assert sessions == [(clock.now.date(), sessions[0][1], "done")]
    assert dict(rows)[move] == "hard"
