"""Every benchmark runs once, at a toy size, so one that breaks (or stops reaching the state it
claims to measure) fails here the day it breaks. The figures themselves are not judged."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks import (
    cli_help,
    latency,
    reminders_fanout,
    reminders_startup,
    run_files,
    update_path,
)
from benchmarks.__main__ import BENCHMARKS

SMOKE: dict[str, list[str]] = {
    "update_path": ["--users", "2", "--rounds", "1", "--database", "sqlite"],
    "latency": ["coached", "--runners", "2", "--weeks", "1", "--rounds", "1",
                "--database", "sqlite"],
    "cli_help": ["--runs", "1"],
    "reminders_fanout": ["--reminders", "20", "--rate", "1000"],
    "reminders_startup": ["--users", "50"],
    "reader": ["--rounds", "1"],
    "run_files": ["--rounds", "1"],
    "webapp": ["--runners", "2", "--rounds", "1", "--weeks", "1", "--database", "sqlite"],
}
# Not run here: what needs PostgreSQL and worker processes (db_access, reminders_workers), and
# figures (draws every exercise cold: minutes). tests/test_figures.py covers the drawing.
NOT_SMOKED = {"db_access", "reminders_workers", "figures"}
# The benchmarks that write result files (redirected below).
MODULES = [update_path, latency, cli_help, reminders_fanout, reminders_startup, run_files]


@pytest.fixture(autouse=True)
def results_elsewhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A smoke run must not overwrite the figures the README quotes."""
    for module in MODULES:
        monkeypatch.setattr(module, "RESULTS", tmp_path)


def test_every_benchmark_is_smoked_or_named_as_not() -> None:
    assert set(BENCHMARKS) == set(SMOKE) | NOT_SMOKED


@pytest.mark.parametrize("name", sorted(SMOKE))
def test_benchmark_runs_once(name: str) -> None:
    assert BENCHMARKS[name](SMOKE[name]) == 0


def test_update_path_fails_when_the_script_stops_short(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    script = update_path.screening_script()
    monkeypatch.setattr(update_path, "screening_script", lambda: script[:-1])  # no "Looks right"
    with pytest.raises(update_path.NotReadyError, match="no longer reaches the end"):
        update_path.measure(f"sqlite:///{tmp_path / 'short.db'}", 2, 1, threaded=False)
