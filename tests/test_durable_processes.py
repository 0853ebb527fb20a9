"""Nothing acknowledged is lost: real ``hipcoach run`` processes, killed, cut off from their
database, and three of them serving one bot through webhooks.

Each test drives several runners through the screening at once over the HTTP Bot API double
and then looks at what Telegram was told (the getUpdates offset, the webhook answers), what
each runner received and what the database holds.
"""

from __future__ import annotations

import itertools
import signal
import socket
import threading
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text

from bot.db import migrate
from bot.db.engine import make_engine
from tests.conftest import _postgres_schema, postgres_problem
from tests.support.bot_process import (
    QUESTION_IDS,
    STEPS,
    TOKEN,
    Bot,
    ChatUser,
    answers_to,
    bot_env,
    is_prompt,
    join_all,
    post_json,
    run_all,
)
from tests.support.buttons import matches
from tests.support.fake_request import ApiCall, callback_update
from tests.support.http_bot_api import HttpBotApiDouble
from tests.support.tcp_proxy import TcpProxy

pytestmark = pytest.mark.slow

WAIT = 120.0


@pytest.fixture
def postgres_url() -> Iterator[str]:
    problem = postgres_problem()
    if problem:
        pytest.skip(problem)
    yield from _postgres_schema()


def stored_answers(engine: Engine, telegram_id: int) -> tuple[list[str], str | None]:
    with engine.connect() as conn:
        questions = [q for (q,) in conn.execute(text(
            "SELECT a.question FROM screening_answers a JOIN users u ON u.id = a.user_id "
            "WHERE u.telegram_id = :t ORDER BY a.id"), {"t": telegram_id})]
        state = conn.execute(text(
            "SELECT d.state FROM dialogue_states d JOIN users u ON u.id = d.user_id "
            "WHERE u.telegram_id = :t"), {"t": telegram_id}).scalar()
    return questions, state


def assert_every_screening_stored_once(database_url: str, users: list[ChatUser]) -> None:
    engine = make_engine(database_url)
    try:
        for user in users:
            assert stored_answers(engine, user.user_id) == (list(QUESTION_IDS), "ready")
    finally:
        engine.dispose()


def confirmed_offset(double: HttpBotApiDouble) -> int:
    with double.backend.cond:
        return int(double.backend._confirmed_offset)


def calls_for(double: HttpBotApiDouble, chat: int, since: int) -> list[ApiCall]:
    return [c for c in double.calls[since:] if c.is_for_chat(chat)]


# --- SIGKILL in the middle of screenings --------------------------------------------------


def test_a_killed_bot_loses_no_acknowledged_update(tmp_path: Path, database_url: str) -> None:
    """Six runners answer at once; the bot is SIGKILLed twice part-way and started again.
    Every runner still finishes, every answer is stored exactly once, and every update was
    acknowledged to Telegram in the end."""
    with HttpBotApiDouble() as double:
        env = bot_env(double, database_url)
        users = [ChatUser(double, 7001 + n, wait=WAIT) for n in range(6)]
        bots = [Bot(env, tmp_path, "bot-1").start()]
        threads = run_all(users)
        for kill_at in (25, 60):  # prompts sent to the runners so far, then SIGKILL mid-stream
            double.wait_for(lambda _c, n=kill_at: prompts(double) >= n, timeout=WAIT)
            assert bots[-1].stop(signal.SIGKILL) == -signal.SIGKILL
            bots.append(Bot(env, tmp_path, f"bot-{len(bots) + 1}").start())
        join_all(users, threads, WAIT, *bots)
        last = max(i for u in users for i in u.update_ids)
        double.wait_for(lambda c: c.method == "getUpdates"
                        and int(str(c.params.get("offset", 0))) > last, timeout=WAIT)
        assert bots[-1].stop() == 0, bots[-1].output()
    assert confirmed_offset(double) > last
    assert_every_screening_stored_once(database_url, users)
    for bot in bots:
        assert "Traceback" not in bot.output()


def prompts(double: HttpBotApiDouble) -> int:
    return sum(1 for c in double.calls if is_prompt(c))


# --- a database outage --------------------------------------------------------------------


@pytest.mark.postgres
def test_updates_wait_out_a_database_outage_and_are_answered_once(
    tmp_path: Path, postgres_url: str
) -> None:
    """The database disappears behind a proxy while three runners answer. Nothing they sent
    is acknowledged or answered during the outage; once it is back, every answer is stored
    once and every runner gets exactly one reply to it, and no apology claiming safety."""
    host, port = "127.0.0.1", 5432
    with TcpProxy(host, port) as proxy, HttpBotApiDouble() as double:
        url = postgres_url.replace(f"@{host}:{port}/", f"@127.0.0.1:{proxy.port}/")
        bot = Bot(bot_env(double, url), tmp_path, "bot").start()
        users = [ChatUser(double, 8001 + n, wait=WAIT) for n in range(3)]
        join_all(users, run_all(users, STEPS[:3]), WAIT, bot)  # /start, pain, red flags

        proxy.cut()
        since, refused = double.mark(), proxy.refused
        pressed = [user.press("pass") for user in users]  # each answers the left-thigh test
        sent = [double.push(update, renumber=True) for update, _ in pressed]
        proxy.wait_refused(refused + 3, timeout=WAIT)  # the bot tried the database, and retries
        assert confirmed_offset(double) <= min(sent)  # not acknowledged to Telegram
        for user in users:
            assert calls_for(double, user.user_id, since) == []  # and nothing said meanwhile

        proxy.restore()
        for user, (_, expect) in zip(users, pressed, strict=True):
            user.answered(since, expect)
        double.wait_for(lambda c: c.method == "getUpdates"
                        and int(str(c.params.get("offset", 0))) > max(sent), timeout=WAIT)
        for user, (update, _) in zip(users, pressed, strict=True):
            calls = calls_for(double, user.user_id, since)
            assert answers_to(double, update) == 1
            assert len([c for c in calls if is_prompt(c)]) == 1, [c.text for c in calls]
            assert not [c for c in calls if "safe" in (c.text or "")]
        assert bot.stop() == 0, bot.output()
    engine = make_engine(postgres_url)
    try:
        for user in users:
            assert stored_answers(engine, user.user_id)[0] == list(QUESTION_IDS[:3])
    finally:
        engine.dispose()


# --- three webhook processes, one bot --------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Webhooks:
    """Telegram's side of webhook mode: it posts each update to one of the processes."""

    def __init__(self, ports: list[int], secret: str) -> None:
        self.urls = [f"http://127.0.0.1:{p}/telegram" for p in ports]
        self.secret = secret
        self.ids = itertools.count(1)
        self.turn = itertools.count()
        self.lock = threading.Lock()
        self.statuses: list[int] = []
        self.delivered: list[dict[str, Any]] = []

    def deliver(self, update: dict[str, Any]) -> None:
        with self.lock:
            update = {**update, "update_id": next(self.ids)}
            url = self.urls[next(self.turn) % len(self.urls)]
            self.delivered.append(update)
        status = post_json(url, update, self.secret)
        with self.lock:
            self.statuses.append(status)


@pytest.mark.postgres
def test_three_webhook_processes_serve_one_bot_in_order(
    tmp_path: Path, postgres_url: str
) -> None:
    engine = make_engine(postgres_url)
    migrate.upgrade(engine)  # once, before three processes start on it
    secret = "webhook-secret-1"
    ports = [free_port() for _ in range(3)]
    hooks = Webhooks(ports, secret)
    with HttpBotApiDouble() as double:
        env = bot_env(double, postgres_url, WEBHOOK_SECRET=secret, LOG_LEVEL="DEBUG")
        bots = [Bot(env, tmp_path, f"web-{p}", ("--webhook", url, "--listen", f"127.0.0.1:{p}"))
                .start() for p, url in zip(ports, hooks.urls, strict=True)]
        double.wait_for(lambda c: len(double.calls_of("setWebhook")) >= 3, timeout=WAIT)
        assert {str(c.params.get("secret_token")) for c in double.calls_of("setWebhook")} == {
            secret}
        for port in ports:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10) as r:
                assert r.status == 200

        users = [ChatUser(double, 9001 + n, deliver=hooks.deliver, wait=WAIT) for n in range(4)]
        join_all(users, run_all(users), WAIT, *bots)  # each update to the next process
        assert set(hooks.statuses) == {200}
        assert_every_screening_stored_once(postgres_url, users)
        final = hooks.delivered[-1]  # someone's "Looks right", stored and answered

        # A double tap reaching two processes at once: one answer stored, one stale toast.
        racer = ChatUser(double, 9100, deliver=hooks.deliver, wait=WAIT)
        racer.screening(STEPS[:2])
        assert racer.error is None
        question = racer.newest_keyboard()
        message_id = racer.message_id_of(question)
        data = next(str(b["callback_data"]) for b in question.inline_buttons()
                    if matches(str(b["callback_data"]), "none"))
        since = double.mark()
        taps = [callback_update(900 + n, racer.user_id, data, message_id,
                                reply_markup=question.param_dict("reply_markup"),
                                callback_id=f"race-{n}")
                for n in range(2)]
        statuses: list[int] = []
        racing = [threading.Thread(target=lambda u=u, url=url: statuses.append(
            post_json(url, u, secret))) for u, url in zip(taps, hooks.urls[:2], strict=True)]
        for thread in racing:
            thread.start()
        for thread in racing:
            thread.join(WAIT)
        assert statuses == [200, 200]
        assert stored_answers(engine, racer.user_id)[0] == ["pain", "red_flags"]
        assert [answers_to(double, tap) for tap in taps] == [1, 1]
        assert len([c for c in calls_for(double, racer.user_id, since) if is_prompt(c)]) == 1

        # Telegram retrying a delivery it already made (to another process): no second effect.
        since = double.mark()
        last = final
        assert post_json(hooks.urls[0], last, secret) == 200
        assert post_json(hooks.urls[1], last, secret) == 200
        assert calls_for(double, int(last["callback_query"]["from"]["id"]), since) == []
        assert_every_screening_stored_once(postgres_url, users)
        assert post_json(hooks.urls[0], taps[0], "wrong") == 403

        for bot in bots:
            assert bot.stop() == 0, bot.output()
            everything = bot.output(tail=10**8)
            assert "Traceback" not in everything
            assert "setWebhook" in everything  # DEBUG logs the calls, without the secrets:
            assert secret not in everything
            assert TOKEN.split(":")[1] not in everything
    engine.dispose()


def test_a_bad_listen_address_is_one_clear_line(tmp_path: Path) -> None:
    with HttpBotApiDouble() as double:
        env = bot_env(double, f"sqlite:///{tmp_path / 'x.db'}")
        bot = Bot(env, tmp_path, "bad", ("--webhook", "https://x.example/t", "--listen", "here"))
        code = _wait(bot)
    assert code == 2
    lines = [line for line in bot.output().splitlines() if line.strip()]
    assert lines == ["hipcoach: --listen must be HOST:PORT or PORT, not 'here'"]


def _wait(bot: Bot) -> int:
    bot.start()
    assert bot.proc is not None
    code = bot.proc.wait(timeout=WAIT)
    for file in bot.files:
        file.close()
    return code
