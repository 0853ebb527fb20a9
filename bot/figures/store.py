"""Rendered figures on disk, named by a hash of what they show.

A figure is drawn the first time it is asked for and never again while its pose and the
renderer stay the same: the file name carries a hash of both, so an edited pose gets a new
file and an unchanged one is served from disk without drawing anything. Telegram's file_id
for an uploaded figure is remembered beside the files, so a figure is uploaded once.
"""

from __future__ import annotations

import dataclasses
import fcntl
import hashlib
import json
import threading
from collections.abc import Callable, Collection, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Literal

from bot.figures.model import PoseSpec
from bot.figures.render import RENDERER_VERSION, render_gif, render_png, write_atomically

Side = Literal["left", "right"]
Kind = Literal["gif", "png"]
FILE_IDS = "telegram_file_ids.json"


class UnknownFigureError(LookupError):
    """No exercise with that id has a figure."""


class FigureStore:
    """``animation`` and ``still`` return a path to a ready file, drawing it only when no
    file for the same pose, side and renderer version exists yet.

    Drawing takes a fraction of a second of CPU: call these from a worker thread
    (``asyncio.to_thread``) in an event loop."""

    def __init__(self, poses: Mapping[str, PoseSpec], cache_dir: Path,
                 one_sided: Collection[str]) -> None:
        self.poses = poses
        self.cache_dir = cache_dir
        self.one_sided = frozenset(one_sided)
        self.renders = 0  # how many files this store has drawn (the cache's misses)
        self._guard = threading.Lock()
        self._locks: dict[str, threading.Lock] = {}

    def animation(self, exercise_id: str, side: str | None = None) -> Path:
        """A looping GIF of the move; ``side`` is the working side of a one-sided move
        (left when not given) and is ignored for a move that uses both sides."""
        return self._file(exercise_id, side, "gif")

    def still(self, exercise_id: str, side: str | None = None) -> Path:
        """A PNG of the move's key position, its start drawn faintly behind it."""
        return self._file(exercise_id, side, "png")

    def file_id(self, key: str) -> str | None:
        """Telegram's file_id for a figure uploaded before (key: the file's name, plus the
        bot's id when several bots share the cache), or None."""
        return file_id_in(self.cache_dir, key)

    def remember_file_id(self, key: str, file_id: str) -> None:
        remember_file_id_in(self.cache_dir, key, file_id)

    def path_for(self, exercise_id: str, side: str | None, kind: Kind) -> Path:
        """Where the figure lives (whether drawn yet or not)."""
        spec = self._spec(exercise_id)
        chosen = self._side(exercise_id, side)
        return self.cache_dir / f"{exercise_id}-{chosen or 'both'}-{_digest(spec, chosen, kind)}" \
                                f".{kind}"

    def _file(self, exercise_id: str, side: str | None, kind: Kind) -> Path:
        path = self.path_for(exercise_id, side, kind)
        if path.exists():
            return path
        with self._lock_for(path.name):
            if not path.exists():  # another thread may have drawn it meanwhile
                spec = self.poses[exercise_id]
                mirrored = self._side(exercise_id, side) == "right"
                draw: Callable[[PoseSpec, bool], bytes] = render_gif if kind == "gif" \
                    else render_png
                write_atomically(path, draw(spec, mirrored))
                with self._guard:
                    self.renders += 1
        return path

    def _spec(self, exercise_id: str) -> PoseSpec:
        try:
            return self.poses[exercise_id]
        except KeyError:
            raise UnknownFigureError(f"no figure for exercise '{exercise_id}'") from None

    def _side(self, exercise_id: str, side: str | None) -> Side | None:
        if side not in (None, "left", "right"):
            raise ValueError(f"side must be left or right, not {side!r}")
        if exercise_id not in self.one_sided:
            return None
        return "right" if side == "right" else "left"

    def _lock_for(self, name: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(name, threading.Lock())


def file_id_in(cache_dir: Path, key: str) -> str | None:
    """The file_id remembered in a cache folder; the sender knows a figure only by its path."""
    return _read_ids(cache_dir / FILE_IDS).get(key)


def remember_file_id_in(cache_dir: Path, key: str, file_id: str) -> None:
    path = cache_dir / FILE_IDS
    with _locked(path):
        ids = _read_ids(path)
        ids[key] = file_id
        write_atomically(path, json.dumps(ids, indent=1, sort_keys=True).encode())


def _digest(spec: PoseSpec, side: Side | None, kind: Kind) -> str:
    payload = {"pose": dataclasses.asdict(spec), "renderer": RENDERER_VERSION, "side": side,
               "kind": kind}
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:16]


def _read_ids(path: Path) -> dict[str, str]:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}  # no uploads yet, or a damaged file: the figures are simply sent again
    return {str(k): str(v) for k, v in raw.items()} if isinstance(raw, dict) else {}


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Several processes (run and worker) may upload; one updates the file at a time."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(f".{path.name}.lock"), "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


__all__ = ["FigureStore", "UnknownFigureError", "file_id_in", "remember_file_id_in"]
