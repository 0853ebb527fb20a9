"""One upload -> the runs it holds and what it held besides, under a time limit.

The work is pure CPU and runs in a worker thread (never on the event loop). The deadline is
checked between messages and tracks, so a pathological file ends with a clear answer instead
of holding a thread; the caller also stops waiting at the same limit.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection
from dataclasses import dataclass, field, replace
from datetime import datetime

from bot.domain.runs import NotARunError, RunSummary, summarise
from bot.services.runs.fit import read_fit
from bot.services.runs.unpack import (
    FIT,
    GPX,
    TCX,
    TIME_LIMIT,
    ZIP,
    RefusedError,
    RunFile,
    sniff,
    unpack,
)
from bot.services.runs.xml_formats import read_gpx, read_tcx

READERS = {FIT: read_fit, GPX: read_gpx, TCX: read_tcx}


@dataclass(frozen=True)
class Skipped:
    """An activity read but not counted: ``reason`` (a label tail) and the sport it was."""

    reason: str
    sport: str = ""


@dataclass
class Reading:
    runs: list[RunSummary] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    # Archive members stored from an earlier go, and those the time limit left for the next.
    already: int = 0
    unread: int = 0


class Deadline:
    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.until = clock() + seconds

    def check(self) -> None:
        if self.clock() > self.until:
            raise RefusedError("too_slow")


def read_upload(name: str, data: bytes, zone: str, now: datetime,
                limit: float = TIME_LIMIT, done: Collection[str] = (),
                deadline: Deadline | None = None) -> Reading:
    """Every run in the upload, summarised in ``zone``; RefusedError when nothing could be read.

    A big export may not fit in the time limit: what was read is kept and ``unread`` says how
    much is left; sent again, its members already stored (``done``, by ``file_key``) are
    skipped, so each go carries on where the last one stopped.
    """
    deadline = deadline or Deadline(limit)
    reading = Reading()
    files = unpack(name, data)
    archive = sniff(data) == ZIP
    todo = [(f, key) for f in files if (key := file_key(name, f, archive)) not in done]
    reading.already = len(files) - len(todo)
    problems = _read_all(todo, zone, now, deadline, reading, archive)
    if not reading.runs and not reading.skipped and not reading.already and problems:
        raise problems[0]
    return reading


def _read_all(todo: list[tuple[RunFile, str]], zone: str, now: datetime, deadline: Deadline,
              reading: Reading, archive: bool) -> list[RefusedError]:
    """Reads file after file into ``reading``; returns the problems of single members."""
    problems: list[RefusedError] = []
    for index, (run_file, key) in enumerate(todo):
        try:
            _read_one(run_file, key, zone, now, deadline, reading)
        except RefusedError as exc:
            if exc.reason == "too_slow" and archive and (reading.runs or reading.skipped):
                reading.unread = len(todo) - index  # kept; the next go carries on
                break
            if exc.reason == "too_slow" or not archive:
                raise
            problems.append(exc)  # one bad file in an export does not spoil the others
    return problems


def file_key(upload: str, run_file: RunFile, archive: bool) -> str:
    """What a stored run remembers of its file: an archive's member by its path."""
    return f"{upload}/{run_file.name}" if archive else upload


def _read_one(run_file: RunFile, key: str, zone: str, now: datetime, deadline: Deadline,
              reading: Reading) -> None:
    for activity in READERS[run_file.kind](run_file.data, deadline.check):
        try:
            reading.runs.append(replace(summarise(activity, zone, now), file_name=key))
        except NotARunError as exc:
            reading.skipped.append(Skipped(exc.reason, exc.sport))
