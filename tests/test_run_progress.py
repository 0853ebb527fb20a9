"""/progress shows the running beside the hip work: runs and km per week, and cadence compared
only between runs of a similar pace."""

from __future__ import annotations

import os
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from bot.content.library import ContentLibrary
from bot.domain.run_progress import cadence_trend, pace_band, running
from bot.domain.runs import RunSummary
from bot.services.runs.service import RunService, Upload
from tests.conftest import Clock
from tests.support.conversation import Runner
from tests.support.run_files import SyntheticRun, fit_bytes, gpx_bytes, gz, strava_export

MONDAY = date(2026, 11, 23)


def summary(day: date, pace: float, cadence: float | None, km: float = 8.0) -> RunSummary:
    distance = km * 1000
    return RunSummary(started_at=datetime.combine(day, datetime.min.time(), UTC),
                      local_date=day, local_time="07:00", distance=distance,
                      moving_seconds=pace * km, elapsed_seconds=pace * km, source="fit",
                      cadence_spm=cadence)


def test_runs_and_distance_line_up_with_the_hip_weeks() -> None:
    runs = [summary(MONDAY, 312, 168), summary(MONDAY + timedelta(days=2), 312, 169, km=5),
            summary(MONDAY + timedelta(days=14), 312, 170)]
    weeks = [MONDAY + timedelta(weeks=n) for n in range(3)]
    board = running(runs, weeks)
    assert board is not None
    assert [(w.runs, w.distance) for w in board.weeks] == [(2, 13000), (0, 0), (1, 8000)]
    assert running([], weeks) is None


def test_cadence_is_compared_within_the_most_common_pace_band() -> None:
    easy = [summary(MONDAY + timedelta(days=3 * n), 312, 164 + n) for n in range(6)]
    fast = [summary(MONDAY + timedelta(days=3 * n + 1), 250, 185) for n in range(2)]
    trend = cadence_trend(easy + fast)
    assert trend is not None
    assert trend.band == pace_band(312) == (300, 330)
    assert [p.cadence for p in trend.points] == [164, 165, 166, 167, 168, 169]
    assert (trend.before, trend.after) == (165, 168)  # the fast runs' 185 stay out of it


def test_too_few_runs_in_a_band_show_points_but_no_comparison() -> None:
    trend = cadence_trend([summary(MONDAY, 312, 168), summary(MONDAY, 312, 170)])
    assert trend is not None
    assert (len(trend.points), trend.before, trend.after) == (2, None, None)
    assert cadence_trend([summary(MONDAY, 312, None)]) is None


def test_eight_weeks_of_runs_appear_in_progress(screened: Runner, clock: Clock,
                                                content_with_names: ContentLibrary) -> None:
    files: dict[str, bytes] = {}
    for week in range(8):
        for n, weekday in enumerate((0, 2, 5)):
            start = datetime(2026, 11, 23, 16, 0, tzinfo=UTC) + timedelta(weeks=week,
                                                                          days=weekday)
            fast = n == 2  # one quicker run a week: a different pace band, left out
            run = replace(SyntheticRun(start=start, minutes=8 + 2 * n, step=5, pause_at=0.9,
                                       speed=3.6 if fast else 3.2,
                                       cadence=(86 if fast else 81 + week // 2,)))
            name = f"{week}-{n}.fit.gz" if n else f"{week}-{n}.gpx"
            built = run.built()
            files[name] = gz(fit_bytes(built)) if n else gpx_bytes(built)
    clock.now = datetime(2027, 1, 17, 19, 0, tzinfo=UTC)  # the eighth week's Sunday
    runs = RunService(screened.service.engine, content_with_names, clock)
    export = strava_export(files)
    outcome = runs.receive(screened.sender.telegram_id, Upload("export.zip", len(export), export))
    assert len(outcome.stored) == 24
    message = screened.command("progress").messages[-1]
    assert "Running this week" in message.text
    assert "3 runs, 6.0 km (24 runs on file)" in message.text
    assert "5:00–5:30 per km: 163 steps/min in your earlier runs, 167" in message.text
    assert message.attachment is not None
    png = message.attachment.data
    assert png.startswith(b"\x89PNG")
    if os.environ.get("HIPCOACH_SAVE_CHART"):  # to look at it: a person checks the picture
        Path(os.environ["HIPCOACH_SAVE_CHART"]).write_bytes(png)
