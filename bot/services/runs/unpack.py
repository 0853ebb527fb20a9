"""An uploaded file -> the run files inside it, with every size capped.

A runner may send ``.fit``, ``.gpx``, ``.tcx``, any of them gzipped, or a ``.zip`` of them (a
Strava bulk export: ``activities.csv`` and ``activities/*.fit.gz``; Garmin's "Export Original":
one ``.fit``). The kind is told from the bytes, not the name. Decompression stops at a cap
rather than trusting the sizes an archive declares, and an archive inside an archive (beyond a
gzipped run file in a zip, which is how Strava packs them) is refused.
"""

from __future__ import annotations

import gzip
import io
import zipfile
import zlib
from dataclasses import dataclass

# Telegram lets a bot download at most 20 MB; the same cap holds for the command line.
MAX_UPLOAD = 20 * 1024 * 1024
# What the run files of one upload may add up to once unpacked, and one file's share.
MAX_UNPACKED = 200 * 1024 * 1024
MAX_MEMBER = 50 * 1024 * 1024
MAX_MEMBERS = 2000
CHUNK = 1 << 16
# Seconds one upload may take to read (bot/services/runs/read.py).
TIME_LIMIT = 20.0

FIT, GPX, TCX, GZIP, ZIP = "fit", "gpx", "tcx", "gzip", "zip"
ARCHIVE_NAMES = (".zip", ".gz", ".tgz", ".tar", ".7z", ".rar", ".bz2", ".xz")


class RefusedError(Exception):
    """The upload cannot be read; ``reason`` is the tail of a ``runs.refused.*`` label."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class RunFile:
    name: str
    kind: str  # FIT, GPX or TCX
    data: bytes


def sniff(data: bytes) -> str | None:
    """What the bytes are, by their own signature; None for anything else."""
    if data[:2] == b"\x1f\x8b":
        return GZIP
    if data[:4] == b"PK\x03\x04":
        return ZIP
    if len(data) >= 12 and data[0] in (12, 14) and data[8:12] == b".FIT":
        return FIT
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(b"<"):
        if b"<gpx" in head:
            return GPX
        if b"<trainingcenterdatabase" in head:
            return TCX
    return None


def unpack(name: str, data: bytes) -> list[RunFile]:
    """The run files an upload holds, or RefusedError with the reason."""
    if not data:
        raise RefusedError("empty")
    if len(data) > MAX_UPLOAD:
        raise RefusedError("too_big")
    kind = sniff(data)
    if kind == ZIP:
        return _from_zip(data)
    if kind == GZIP:
        inner = _gunzip(data, MAX_MEMBER)
        return [_plain(name.removesuffix(".gz"), inner, refuse_archive=True)]
    return [_plain(name, data, refuse_archive=True)]


def _plain(name: str, data: bytes, refuse_archive: bool) -> RunFile:
    if not data:
        raise RefusedError("empty")
    kind = sniff(data)
    if kind in (GZIP, ZIP) and refuse_archive:
        raise RefusedError("nested")
    if kind not in (FIT, GPX, TCX):
        raise RefusedError("not_a_run_file")
    return RunFile(name, kind, data)


def _gunzip(data: bytes, cap: int) -> bytes:
    """At most ``cap`` bytes out, however small the input: a gzip bomb stops here."""
    out = io.BytesIO()
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as stream:
            while chunk := stream.read(CHUNK):
                out.write(chunk)
                if out.tell() > cap:
                    raise RefusedError("too_big_unpacked")
    except (OSError, EOFError, zlib.error) as exc:
        raise RefusedError("corrupt") from exc
    return out.getvalue()


def _from_zip(data: bytes) -> list[RunFile]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = [m for m in archive.infolist() if not m.is_dir()]
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise RefusedError("corrupt") from exc
    if len(members) > MAX_MEMBERS:
        raise RefusedError("too_many_files")
    found: list[RunFile] = []
    budget = MAX_UNPACKED
    for member in members:
        run = _member(archive, member, budget)
        if run is not None:
            found.append(run)
            budget -= len(run.data)
    if not found:
        raise RefusedError("no_run_in_archive")
    return found


def _member(archive: zipfile.ZipFile, member: zipfile.ZipInfo, budget: int) -> RunFile | None:
    """One member as a run file; None for what an export carries besides runs (csv, photos)."""
    name = member.filename.lower()
    if name.endswith(".zip") or any(name.endswith(a) for a in ARCHIVE_NAMES[2:]):
        raise RefusedError("nested")
    if not name.endswith((".fit", ".gpx", ".tcx", ".fit.gz", ".gpx.gz", ".tcx.gz")):
        return None
    raw = _read_capped(archive, member, min(budget, MAX_MEMBER))
    if sniff(raw) == GZIP:
        raw = _gunzip(raw, min(budget, MAX_MEMBER))
    return _plain(member.filename.removesuffix(".gz"), raw, refuse_archive=True)


def _read_capped(archive: zipfile.ZipFile, member: zipfile.ZipInfo, cap: int) -> bytes:
    if member.file_size > cap:  # the declared size; the read below does not trust it
        raise RefusedError("too_big_unpacked")
    out = io.BytesIO()
    try:
        with archive.open(member) as stream:
            while chunk := stream.read(CHUNK):
                out.write(chunk)
                if out.tell() > cap:
                    raise RefusedError("too_big_unpacked")
    except (zipfile.BadZipFile, OSError, EOFError, zlib.error, NotImplementedError) as exc:
        raise RefusedError("corrupt") from exc
    return out.getvalue()
