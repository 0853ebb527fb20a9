"""Hip Coach as a package: the wheel built from this checkout, installed into a fresh venv,
works from any directory with no checkout and no HIPCOACH_HOME (content/ and migrations/
travel inside it), and HIPCOACH_HOME still points an installed copy at other content.

The wheel goes in with ``--no-deps``; its dependencies are borrowed from the environment
running the tests (a ``.pth`` line), so the test needs no network. That environment imports
``bot`` through an editable hook the fresh venv does not load, so the only ``bot`` there is
the wheel's.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy.engine import make_url

from bot.config import Settings

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
HANG_GUARD = float(os.environ.get("HIPCOACH_TEST_HANG_GUARD", "300"))
NOT_SOURCES = shutil.ignore_patterns(".git", ".venv", "venv", "build", "dist", "*.egg-info",
                                     "__pycache__", ".*_cache", "data", "tests", "benchmarks")


@dataclass(frozen=True)
class Installed:
    venv: Path
    wheel: Path

    def run(self, *args: str, cwd: Path, stdin: str = "",
            **env: str) -> subprocess.CompletedProcess[str]:
        clean = {k: v for k, v in os.environ.items()
                 if not k.startswith(("TELEGRAM_", "HIPCOACH_", "VIRTUAL_ENV"))
                 and k not in ("DATABASE_URL", "PYTHONPATH", "LOG_LEVEL")}
        return subprocess.run([str(self.venv / "bin" / args[0]), *args[1:]], cwd=cwd,
                              env={**clean, **env}, input=stdin, capture_output=True,
                              text=True, timeout=HANG_GUARD, check=False)


def _run(*command: str | Path, cwd: Path) -> None:
    subprocess.run([str(c) for c in command], cwd=cwd, check=True, capture_output=True,
                   timeout=HANG_GUARD)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    work = tmp_path_factory.mktemp("package")
    source = work / "src"
    shutil.copytree(ROOT, source, ignore=NOT_SOURCES)  # the build never writes into the checkout
    _run(sys.executable, "-m", "pip", "wheel", "--no-deps",
         "--quiet", "--wheel-dir", work / "dist", source, cwd=work)
    wheel = next((work / "dist").glob("hip_coach-*.whl"))
    venv = work / "venv"
    _run(sys.executable, "-m", "venv", "--without-pip", venv, cwd=work)
    site = Path(subprocess.check_output(
        [venv / "bin" / "python", "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        text=True).strip())
    borrowed = {sysconfig.get_path("purelib"), sysconfig.get_path("platlib")}
    (site / "borrowed_dependencies.pth").write_text("\n".join(sorted(borrowed)) + "\n")
    _run(sys.executable, "-m", "pip", "--python", venv / "bin" / "python", "install",
         "--no-deps", "--quiet", wheel, cwd=work)
    return Installed(venv, wheel)


@pytest.fixture
def elsewhere(tmp_path: Path) -> Path:
    folder = tmp_path / "somewhere-else"
    folder.mkdir()
    return folder


def test_the_installed_copy_is_the_wheel_not_this_checkout(
        installed: Installed, elsewhere: Path) -> None:
    where = installed.run("python", "-c", "import bot; print(bot.__file__)", cwd=elsewhere)
    assert where.returncode == 0, where.stderr
    assert Path(where.stdout.strip()).is_relative_to(installed.venv), where.stdout


def test_content_check_passes_from_any_directory(installed: Installed, elsewhere: Path) -> None:
    result = installed.run("hipcoach", "content", "check", cwd=elsewhere)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("Content OK: "), result.stdout
    assert "34 exercises, 5 protocols" in result.stdout
    assert not (elsewhere / "content").exists()


def test_chat_screens_from_any_directory_and_stores_the_answer(
        installed: Installed, elsewhere: Path, tmp_path: Path) -> None:
    db = tmp_path / "coach.db"
    result = installed.run("hipcoach", "chat", cwd=elsewhere, stdin="1\n",
                           DATABASE_URL=f"sqlite:///{db}")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert "How do your hips feel when you run?" in result.stdout
    assert "Does any of these apply to you right now?" in result.stdout  # the answer moved on
    assert db.exists()  # the shipped migrations made the schema


def test_hipcoach_home_still_points_an_installed_copy_at_other_content(
        installed: Installed, elsewhere: Path, tmp_path: Path) -> None:
    home = tmp_path / "home"
    shutil.copytree(ROOT / "content", home / "content")
    (home / "content" / "texts" / "q_goal.j2").write_text("{% if first_name %}Hi.\n")
    result = installed.run("hipcoach", "content", "check", cwd=elsewhere,
                           HIPCOACH_HOME=str(home))
    assert result.returncode != 0
    assert "q_goal.j2" in result.stderr, result.stderr


# --- compose.yaml: a newcomer can scale it --------------------------------------------------


def _compose() -> dict[str, Any]:
    loaded = yaml.safe_load((ROOT / "compose.yaml").read_text())
    assert isinstance(loaded, dict)
    return loaded


def test_compose_scales_the_bot_behind_one_fixed_port() -> None:
    services = _compose()["services"]
    assert "ports" not in services["bot"]  # --scale bot=3 would take a random host port each
    assert services["balancer"]["ports"] == ["${HIPCOACH_PORT:-8080}:8080"]
    balancer = _compose()["configs"]["balancer"]["content"]
    assert "proxy_pass http://$$bots" in balancer
    assert "set $$bots bot:8080" in balancer


def test_compose_keeps_the_password_out_of_the_url() -> None:
    env = _compose()["x-hipcoach"]["environment"]
    assert "POSTGRES_PASSWORD" not in env["DATABASE_URL"]
    assert env["DATABASE_PASSWORD"].startswith("${POSTGRES_PASSWORD")


@pytest.mark.parametrize("password", ["p@ss/w:rd%41?#", "plain", "ünï cødé"])
def test_any_database_password_reaches_the_driver_as_it_is(
    monkeypatch: pytest.MonkeyPatch, password: str
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://hipcoach@db:5432/hipcoach")
    monkeypatch.setenv("DATABASE_PASSWORD", password)
    url = make_url(Settings(_env_file=None).database_url)  # type: ignore[call-arg]
    assert url.password == password
    assert (url.username, url.host, url.port, url.database) == ("hipcoach", "db", 5432,
                                                                 "hipcoach")
