"""The Mini App's security and its API: initData validated as Telegram documents it, the runner
taken from it alone, and taps that go through the chat's own conversation."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qsl, urlencode

import pytest
from sqlalchemy import Engine, select

from bot.content.library import ContentLibrary
from bot.db.models import TrainingSession
from bot.services.conversation import Sender
from bot.web import initdata
from bot.web.coach import WebCoach
from bot.web.server import CSP, RateLimit, WebApp
from bot.web.timer import CIRCUIT_REST_SECONDS, REP_SECONDS, segments
from tests.conftest import MONDAY_MORNING, SCREENING, Clock
from tests.support.conversation import Runner
from tests.support.web_app import WEB_TOKEN, ChatLines, launch_data, served

# --- initData -------------------------------------------------------------------------------


def test_genuine_launch_data_names_its_runner() -> None:
    user = initdata.validate(launch_data(4242, MONDAY_MORNING), WEB_TOKEN, MONDAY_MORNING)
    assert (user.telegram_id, user.first_name, user.language) == (4242, "Ana", "en")


def test_the_data_check_string_is_the_sorted_fields_without_the_hash() -> None:
    assert initdata.data_check_string({"user": "u", "hash": "h", "auth_date": "1"}) == \
        "auth_date=1\nuser=u"


def _tampered(raw: str, **changes: str) -> str:
    return urlencode({**dict(parse_qsl(raw)), **changes})


@pytest.mark.parametrize("forge", [
    lambda raw: _tampered(raw, user=json.dumps({"id": 1, "first_name": "Eve"})),
    lambda raw: _tampered(raw, hash="0" * 64),
    lambda raw: _tampered(raw, auth_date=str(int(MONDAY_MORNING.timestamp()) + 60)),
    lambda raw: launch_data(4242, MONDAY_MORNING, token="999:another-bot"),
    lambda raw: launch_data(4242, MONDAY_MORNING - timedelta(hours=24, seconds=1)),
    lambda raw: raw + "&user=" + json.dumps({"id": 1}),
    lambda raw: "",
], ids=["other user", "bad hash", "moved auth_date", "other bot", "expired", "field twice",
        "empty"])
def test_forged_tampered_or_expired_launch_data_is_refused(forge: Any) -> None:
    with pytest.raises(initdata.InvalidInitDataError):
        initdata.validate(forge(launch_data(4242, MONDAY_MORNING)), WEB_TOKEN, MONDAY_MORNING)


# --- the timer's structure ------------------------------------------------------------------


def test_reps_run_at_a_steady_count_a_side_then_switch() -> None:
    move = {"sets": 1, "reps": [10, 15], "hold": None, "per_side": True, "phase": "before"}
    timeline = segments([move], circuit=False)
    assert [(s["kind"], s.get("side"), s["seconds"]) for s in timeline] == [
        ("reps", "left", 15 * REP_SECONDS), ("switch", "right", 5),
        ("reps", "right", 15 * REP_SECONDS)]


def test_a_circuit_runs_round_after_round_with_the_circuit_rest_between() -> None:
    # A circuit move as the chat sizes it: its rounds, its work time each round, the rest after.
    moves = [{"sets": 1, "rounds": 2, "work": [30, 30], "reps": None, "hold": None,
              "per_side": False, "block": "circuit", "rest_after_round": CIRCUIT_REST_SECONDS},
             {"sets": 1, "rounds": 2, "work": [60, 60], "reps": None, "hold": None,
              "per_side": False, "block": "circuit", "rest_after_round": CIRCUIT_REST_SECONDS}]
    timeline = segments(moves, circuit=True)
    assert [(s["kind"], s["move"], s["seconds"], s["round"]) for s in timeline] == [
        ("hold", 0, 30, 1), ("hold", 1, 60, 1), ("rest", 1, CIRCUIT_REST_SECONDS, 1),
        ("hold", 0, 30, 2), ("hold", 1, 60, 2)]


def test_work_during_a_run_has_no_timer() -> None:
    hills = {"sets": 1, "reps": [4, 5], "hold": None, "per_side": False, "phase": "during"}
    assert segments([hills], circuit=False) == []


def test_the_rate_limit_stops_a_flood_and_refills() -> None:
    now = [0.0]
    limit = RateLimit(per_minute=3, clock=lambda: now[0])
    assert [limit.allow(1) for _ in range(4)] == [True, True, True, False]
    assert limit.allow(2)  # another runner has a bucket of their own
    now[0] = 20.0
    assert limit.allow(1)


# --- over HTTP ------------------------------------------------------------------------------


def request(base: str, path: str, init: str | None, body: dict[str, Any] | None = None,
            ) -> tuple[int, dict[str, Any], dict[str, str]]:
    headers = {"Authorization": f"tma {init}"} if init is not None else {}
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(base + path, data=data, headers=headers,
                                 method="GET" if body is None else "POST")
    try:
        with urllib.request.urlopen(req, timeout=30) as response:
            return response.status, json.loads(response.read()), dict(response.headers)
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}"), dict(exc.headers)


@pytest.fixture
def web_app(screened: Runner, content_with_names: ContentLibrary, clock: Clock) -> WebApp:
    return WebApp(WebCoach(screened.service), content_with_names, WEB_TOKEN, clock=clock,
                  notify=ChatLines())


def _sessions(engine: Engine) -> list[tuple[object, str]]:
    with engine.connect() as conn:
        return [(r.local_date, r.status) for r in conn.execute(
            select(TrainingSession.local_date, TrainingSession.status))]


def test_forged_or_expired_data_gets_401_and_changes_nothing(web_app: WebApp, screened: Runner,
                                                             engine: Engine) -> None:
    before = screened.service._load(4242)
    forged = _tampered(launch_data(4242, MONDAY_MORNING), first_name="x", hash="1" * 64)
    expired = launch_data(4242, MONDAY_MORNING - timedelta(hours=25))
    other_bot = launch_data(4242, MONDAY_MORNING, token="1:other")
    with served(web_app) as base:
        for init in (forged, expired, other_bot, None, ""):
            assert request(base, "/api/start", init, {})[0] == 401
            assert request(base, "/api/did", init, {})[0] == 401
            assert request(base, "/api/week", init)[0] == 401
    assert screened.service._load(4242) == before
    assert _sessions(engine) == []


def test_another_runners_id_in_the_url_reaches_nothing(web_app: WebApp) -> None:
    stranger = launch_data(777, MONDAY_MORNING, first_name="Eve")
    with served(web_app) as base:
        for path in ("/api/week?telegram_id=4242", "/api/session?user=4242",
                     "/api/progress?id=4242"):
            status, body, _ = request(base, path, stranger)
            assert (status, body) == (409, {"error": "not_ready"})  # Eve's own (empty) account
        status, _, _ = request(base, "/api/start?telegram_id=4242", stranger, {"id": 4242})
        assert status == 409


def test_the_page_has_a_strict_policy_and_no_secret(web_app: WebApp) -> None:
    with served(web_app) as base, urllib.request.urlopen(base + "/", timeout=30) as response:
        page = response.read().decode()
        assert response.headers["Content-Security-Policy"] == CSP
    assert "'unsafe-inline'" not in CSP
    assert "script-src 'self' https://telegram.org" in CSP
    assert WEB_TOKEN not in page
    assert WEB_TOKEN.split(":")[1] not in page
    assert "<script>" not in page  # every script is a file of its own


def test_a_walk_in_the_app_is_the_chats_walk(web_app: WebApp, screened: Runner,
                                             engine: Engine) -> None:
    init = launch_data(4242, MONDAY_MORNING)
    with served(web_app) as base:
        week = request(base, "/api/week", init)[1]
        assert week["today"] == "2026-11-23"
        assert len(week["days"]) == 7
        session = request(base, "/api/session", init)[1]
        assert request(base, "/api/start", init, {})[0] == 200
        assert request(base, "/api/session", init)[1]["walking"] is True
        for index in range(len(session["moves"])):
            status, said, _ = request(base, "/api/move", init, {"index": index,
                                                                 "outcome": "done"})
            assert status == 200
            # a double tap answers a move already passed: refused, nothing changes
            assert request(base, "/api/move", init, {"index": index, "outcome": "pain"})[0] \
                == 409
        assert said["concluded"] is True
    assert _sessions(engine) == [(MONDAY_MORNING.date(), "done")]
    assert web_app.notify is not None
    lines = web_app.notify.sent  # type: ignore[attr-defined]
    assert {chat for chat, _ in lines} == {4242}
    assert "walk_done" in [m.template for _, m in lines]
    screened.command("today")
    assert screened.last[0].template == "today"
    assert screened.service._load(4242).state == "ready"


def test_the_same_taps_give_the_same_plan_as_in_the_chat(web_app: WebApp, screened: Runner,
                                                          engine: Engine, clock: Clock) -> None:
    """One runner reports the session in the app, another the same in the chat."""
    chat = Runner(screened.service, sender=Sender(5151, "Bo", "en"))
    chat.command("start")
    chat.walk(SCREENING)
    chat.tap("confirm")
    init = launch_data(4242, MONDAY_MORNING)
    with served(web_app) as base:
        # What Start walks before the run (the run's own hills come after it, as in the chat).
        moves = len(request(base, "/api/session", init)[1]["moves"])
        outcomes = ["hard" if i % 3 == 1 else "done" for i in range(moves)]
        request(base, "/api/start", init, {})
        for index, outcome in enumerate(outcomes):
            request(base, "/api/move", init, {"index": index, "outcome": outcome})
    chat.command("today")
    chat.tap("start")
    for outcome in outcomes:
        chat.tap(outcome)
    app_side, chat_side = screened.service._load(4242), screened.service._load(5151)
    assert app_side.plan.plan == chat_side.plan.plan
    assert app_side.state == chat_side.state == "ready"


def test_dev_sign_in_is_refused_off_loopback(capsys: pytest.CaptureFixture[str]) -> None:
    from bot.cli import main

    assert main(["web", "--dev", "--listen", "0.0.0.0:8090"]) == 2
    assert "loopback" in capsys.readouterr().err


def test_without_a_token_web_points_to_dev(capsys: pytest.CaptureFixture[str],
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.cli import main

    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "")
    assert main(["web"]) == 2
    assert "hipcoach web --dev" in capsys.readouterr().err


def test_dev_sign_in_signs_in_as_the_terminal_runner(web_app: WebApp, clock: Clock) -> None:
    from dataclasses import replace

    from bot.console.chat import CONSOLE_USER_ID
    dev = replace(web_app, dev_user=initdata.WebAppUser(CONSOLE_USER_ID, "", None))
    with served(dev) as base:
        opener = urllib.request.build_opener(NoRedirect)
        with pytest.raises(urllib.error.HTTPError) as redirect:
            opener.open(base + "/dev", timeout=30)
    location = redirect.value.headers["Location"]
    init = dict(parse_qsl(location.split("#", 1)[1]))["tgWebAppData"]
    assert initdata.validate(init, WEB_TOKEN, clock.now).telegram_id == CONSOLE_USER_ID
    with served(web_app) as base:  # without --dev there is no such page
        assert urllib.request.urlopen(base + "/", timeout=30).status == 200
        with pytest.raises(urllib.error.HTTPError):
            urllib.request.urlopen(base + "/dev", timeout=30)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def test_every_word_the_page_asks_for_is_in_content(content_with_names: ContentLibrary) -> None:
    import re

    from bot.web.server import HERE, page_labels

    scripts = " ".join(p.read_text() for p in (HERE / "static").glob("*.js"))
    page = (HERE / "templates" / "index.html").read_text()
    asked = set(re.findall(r"""label\(\s*["'`]((?:web|walk)\.[a-z_.]+)["'`]""", scripts))
    asked |= set(re.findall(r"""labels\[["']((?:web)\.[a-z_.]+)["']\]""", page))
    asked |= {f"web.{k}" for k in ("not_ready", "signed_out", "offline", "report_circuit",
                                   "after_run", "timer_done", "hold", "rest", "switch")}
    labels = page_labels(content_with_names)
    assert asked
    assert asked <= set(labels), sorted(asked - set(labels))


def test_a_runner_on_the_red_flag_path_sees_what_the_chat_allows(
        web_app: WebApp, make_runner: Any) -> None:
    from tests.support.conversation import path_to
    from tests.support.screening import complete

    flagged = Runner(make_runner().service, sender=Sender(6161, "Cy", "en"))
    answers = complete({"pain": "none", "red_flags": ["sharp"], "thigh_left": "pass",
                        "thigh_right": "pass", "knee_lift": "pass", "goal": "speed",
                        "equipment": ["band"], "run_days": ["mon", "wed", "sat"],
                        "run_time": "18:00", "timezone": "Europe/Berlin", "minutes": 15})
    flagged.command("start")
    flagged.walk(path_to(answers))
    flagged.tap("confirm")
    flagged.command("today")
    chat_day = flagged.last[0].params["day"]
    week = WebCoach(flagged.service).week(6161)
    assert week["red_flags"] is True
    assert week["safety_notes"] == flagged.last[0].params["safety_notes"]
    assert week["safety_text"]
    assert [m["id"] for m in week["days"][0]["moves"]] == [m["id"] for m in chat_day["moves"]]
    # gentle mobility only, every day: the gate's view, as in the chat
    assert {m["why"] for d in week["days"] for m in d["moves"]} == {"red_flag_gentle"}


def test_a_pain_and_its_questions_go_the_chats_way(web_app: WebApp, screened: Runner) -> None:
    """Pain mid-session: the app answers the follow-up questions with the chat's buttons, and
    ends with the same plan, outcomes and check-in as a runner who did it all in the chat."""
    chat = Runner(screened.service, sender=Sender(5151, "Bo", "en"))
    chat.command("start")
    chat.walk(SCREENING)
    chat.tap("confirm")
    init = launch_data(4242, MONDAY_MORNING)
    with served(web_app) as base:
        moves = len(request(base, "/api/session", init)[1]["moves"])
        outcomes = ["done", "pain", *["done"] * (moves - 2)]
        request(base, "/api/start", init, {})
        said: dict[str, Any] = {}
        for index, outcome in enumerate(outcomes):
            said = request(base, "/api/move", init, {"index": index, "outcome": outcome})[1]
        presses = []
        while not said["concluded"]:
            data = said["replies"][-1]["buttons"][0]["data"]
            presses.append(data.split("|", 1)[1])
            said = request(base, "/api/press", init, {"data": data})[1]
    assert presses  # the side or the severity was asked
    chat.command("today")
    chat.tap("start")
    for outcome in outcomes:
        chat.tap(outcome)
    for press in presses:  # the very buttons the app pressed
        chat.send(next(c for c in chat.keyboard_turn.values()
                       if c.data.split("|", 1)[1] == press))
    app_side, chat_side = screened.service._load(4242), screened.service._load(5151)
    assert app_side.plan.plan == chat_side.plan.plan
    assert app_side.answers.get("red_flags") == chat_side.answers.get("red_flags")
    assert app_side.state == chat_side.state == "ready"


def test_the_first_load_is_small(web_app: WebApp) -> None:
    """Everything the page loads from this server (Telegram's own script aside)."""
    import re

    with served(web_app) as base:
        page = urllib.request.urlopen(base + "/", timeout=30).read()
        assets = re.findall(rb'(?:src|href)="(/static/[^"]+)"', page)
        scripts = [urllib.request.urlopen(base + a.decode(), timeout=30).read() for a in assets]
        imported = {m for s in scripts for m in re.findall(rb'from "\./([a-z]+\.js)"', s)}
        scripts += [urllib.request.urlopen(f"{base}/static/{m.decode()}", timeout=30).read()
                    for m in imported]
    assert len(assets) == 2  # the stylesheet and the one module
    assert len(page) + sum(len(s) for s in scripts) < 200_000


def test_did_it_in_the_app_stores_the_day_at_once_and_its_follow_up_amends_it(
        web_app: WebApp, screened: Runner, engine: Engine) -> None:
    """One tap stores the whole session (as the chat's Did it); "anything hard?" follows with
    the chat's buttons, and a tap on one amends that day's session, never a second one."""
    from bot.db.models import ExerciseOutcome

    init = launch_data(4242, MONDAY_MORNING)
    with served(web_app) as base:
        status, said, _ = request(base, "/api/did", init, {})
        assert (status, said["concluded"]) == (200, True)
        assert _sessions(engine) == [(MONDAY_MORNING.date(), "done")]
        follow_up = [b["data"] for b in said["replies"][-1]["buttons"]]
        first = next(d for d in follow_up if ":hard:" in d)
        move = first.split(":")[2]
        said = request(base, "/api/press", init, {"data": first})[1]
        assert said["concluded"] is True
        session = request(base, "/api/session", init)[1]
        week = request(base, "/api/week", init)[1]
    assert _sessions(engine) == [(MONDAY_MORNING.date(), "done")]  # amended, not doubled
    with engine.connect() as conn:
        outcomes = dict(conn.execute(select(ExerciseOutcome.exercise_id,
                                            ExerciseOutcome.outcome)).all())
    assert outcomes[move] == "hard"
    assert {o for e, o in outcomes.items() if e != move} == {"done"}
    # /today's "done today": nothing left to start or to report twice, in the app as in chat
    assert (session["done"], session["moves"], week["days"][0]["done"]) == (True, [], True)
    screened.command("today")
    assert screened.last[0].params["done_today"] is True
    lines = web_app.notify.sent  # type: ignore[attr-defined]
    assert "did_it_follow_up" in [m.template for _, m in lines]


def test_the_runs_own_work_waits_for_the_run_as_in_the_chat(web_app: WebApp, screened: Runner,
                                                           clock: Clock) -> None:
    init = launch_data(4242, MONDAY_MORNING)
    with served(web_app) as base:
        morning = request(base, "/api/session", init)[1]
        assert morning["moves"]
        assert "during" not in {m["phase"] for m in morning["moves"]}
        request(base, "/api/start", init, {})
        for index in range(len(morning["moves"])):
            request(base, "/api/move", init, {"index": index, "outcome": "done"})
        warmed_up = request(base, "/api/session", init)[1]
        clock.now = MONDAY_MORNING.replace(hour=17, minute=30)  # 18:30 in Berlin: run's over
        evening = request(base, "/api/session", launch_data(4242, clock.now))[1]
    assert (warmed_up["later"], warmed_up["done"], warmed_up["moves"]) == (True, False, [])
    assert evening["moves"]
    assert {m["phase"] for m in evening["moves"]} == {"during"}
    screened.command("today")
    assert screened.last[0].params["can_start"] is True
