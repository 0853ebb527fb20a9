"""Runs in the database: stored once each, read back for /runs, /progress and the export."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from datetime import date, timedelta
from typing import cast

from sqlalchemy import Connection, Table, and_, insert, select

from bot.db.models import Run, User
from bot.domain.runs import RunSummary, Split

RUNS = cast(Table, Run.__table__)
USERS = cast(Table, User.__table__)
# The same run from two sources (a watch's FIT and Strava's GPX) starts within a minute and
# measures about the same: GPS smoothing differs by a few per cent at most.
SAME_START = timedelta(seconds=60)
SAME_DISTANCE = 0.05


def user_and_zone(conn: Connection, telegram_id: int) -> tuple[int, str] | None:
    row = conn.execute(select(USERS.c.id, USERS.c.timezone)
                       .where(USERS.c.telegram_id == telegram_id)).one_or_none()
    return None if row is None else (row.id, row.timezone or "UTC")


def is_stored(conn: Connection, user_id: int, run: RunSummary) -> bool:
    """True when this run (from this file or another source) is stored already."""
    rows = conn.execute(select(RUNS.c.distance_m, RUNS.c.start_minute).where(and_(
        RUNS.c.user_id == user_id,
        RUNS.c.started_at >= run.started_at - SAME_START,
        RUNS.c.started_at <= run.started_at + SAME_START))).all()
    # One runner cannot start two runs in the same minute: a cut-short copy is the same run.
    return any(r.start_minute == start_minute(run)
               or abs(r.distance_m - run.distance) <= SAME_DISTANCE * max(r.distance_m,
                                                                        run.distance)
               for r in rows)


def start_minute(run: RunSummary) -> str:
    return run.started_at.strftime("%Y%m%d%H%M")


def store(conn: Connection, user_id: int, runs: Sequence[RunSummary],
          file_name: str) -> tuple[list[RunSummary], int]:
    """Stores the runs not stored before; returns them and how many were already there."""
    new: list[RunSummary] = []
    for run in sorted(runs, key=lambda r: r.started_at):
        if is_stored(conn, user_id, run) or any(_same(run, n) for n in new):
            continue
        conn.execute(insert(RUNS).values(user_id=user_id,
                                         file_name=(run.file_name or file_name)[:255],
                                         **row_of(run)))
        new.append(run)
    return new, len(runs) - len(new)


def _same(a: RunSummary, b: RunSummary) -> bool:
    return start_minute(a) == start_minute(b) or (
        abs(a.started_at - b.started_at) <= SAME_START
        and abs(a.distance - b.distance) <= SAME_DISTANCE * max(a.distance, b.distance))


def row_of(run: RunSummary) -> dict[str, object]:
    return {
        "started_at": run.started_at, "start_minute": start_minute(run),
        "local_date": run.local_date, "local_time": run.local_time,
        "distance_m": round(run.distance, 1), "moving_s": round(run.moving_seconds, 1),
        "elapsed_s": round(run.elapsed_seconds, 1), "ascent_m": _round(run.ascent, 1),
        "cadence_spm": _round(run.cadence_spm, 1), "step_length_m": _round(run.step_length, 3),
        "ground_contact_s": _round(run.stance_time, 4),
        "vertical_oscillation_m": _round(run.vertical_oscillation, 4),
        "heart_rate_bpm": _round(run.heart_rate, 1), "indoor": run.indoor,
        "source": run.source, "splits": [_split_row(s) for s in run.splits]}


def _split_row(split: Split) -> dict[str, object]:
    row = asdict(split)
    return {k: round(v, 1) if isinstance(v, float) else v for k, v in row.items()}


def _round(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


def file_names(conn: Connection, user_id: int) -> set[str]:
    """The files the runner's stored runs came from (an export sent again carries on)."""
    return set(conn.scalars(select(RUNS.c.file_name).where(RUNS.c.user_id == user_id)))


def recent(conn: Connection, user_id: int, limit: int = 10) -> list[RunSummary]:
    rows = conn.execute(select(RUNS).where(RUNS.c.user_id == user_id)
                        .order_by(RUNS.c.started_at.desc()).limit(limit)).all()
    return [summary_of(r._mapping) for r in rows]


def since(conn: Connection, user_id: int, first: date) -> list[RunSummary]:
    rows = conn.execute(select(RUNS).where(and_(RUNS.c.user_id == user_id,
                                                RUNS.c.local_date >= first))
                        .order_by(RUNS.c.started_at)).all()
    return [summary_of(r._mapping) for r in rows]


def summary_of(row: object) -> RunSummary:
    r = dict(row)  # type: ignore[call-overload]
    return RunSummary(
        started_at=r["started_at"], local_date=r["local_date"], local_time=r["local_time"],
        distance=r["distance_m"], moving_seconds=r["moving_s"], elapsed_seconds=r["elapsed_s"],
        source=r["source"], indoor=r["indoor"], ascent=r["ascent_m"],
        cadence_spm=r["cadence_spm"], step_length=r["step_length_m"],
        stance_time=r["ground_contact_s"], vertical_oscillation=r["vertical_oscillation_m"],
        heart_rate=r["heart_rate_bpm"],
        splits=tuple(Split(**s) for s in r["splits"] or ()), file_name=r["file_name"])
