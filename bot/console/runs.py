"""Run files from disk: the terminal chat's ``/upload PATH`` and ``hipcoach import-runs``."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from bot.content.library import RenderedMessage
from bot.services.runs.service import RunService, Upload
from bot.services.runs.unpack import MAX_UPLOAD


def upload_from(path: Path) -> Upload | None:
    """The file as a channel would hand it over; None when there is no such file. A file over
    the limit is not read at all (its size alone is refused, as on Telegram)."""
    try:
        size = path.stat().st_size
        data = path.read_bytes() if size <= MAX_UPLOAD else b""
    except OSError:
        return None
    return Upload(path.name, size, data)


def import_paths(runs: RunService, telegram_id: int, paths: Sequence[Path],
                 show: Callable[[str, RenderedMessage | None], None]) -> int:
    """Reads every path for the runner; ``show`` gets each path's answer (None: no file).
    Returns how many runs were stored."""
    stored = 0
    for path in paths:
        upload = upload_from(path)
        if upload is None:
            show(str(path), None)
            continue
        outcome = runs.receive(telegram_id, upload)
        stored += len(outcome.stored)
        show(str(path), outcome.message)
    return stored
