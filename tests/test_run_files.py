"""Run files read the same in every format, with the unit traps, and bad input is refused.

The files are real: FIT written by Garmin's own SDK Encoder, GPX and TCX as watches and Strava
write them, gzipped and zipped like Strava's and Garmin's exports.
"""

from __future__ import annotations

import gzip
import io
import re
import zipfile
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.runs import RunSummary
from bot.services.runs.read import Deadline, read_upload
from bot.services.runs.unpack import MAX_MEMBERS, RefusedError
from tests.support.run_files import (
    START,
    SyntheticRun,
    fit_bytes,
    gpx_bytes,
    gz,
    strava_export,
    tcx_bytes,
    zipped,
)

NOW = datetime(2026, 12, 1, tzinfo=UTC)
ZONE = "Europe/Berlin"  # 06:30 UTC on 2 November is 07:30 there
RUN = SyntheticRun().built()


def only_run(name: str, data: bytes, zone: str = ZONE) -> RunSummary:
    reading = read_upload(name, data, zone, NOW)
    assert reading.skipped == []
    assert len(reading.runs) == 1
    return reading.runs[0]


def refused(name: str, data: bytes) -> str:
    with pytest.raises(RefusedError) as caught:
        read_upload(name, data, ZONE, NOW)
    return caught.value.reason


@pytest.fixture(scope="module")
def fit() -> bytes:
    return fit_bytes(RUN)


def test_one_run_reads_the_same_in_every_format(fit: bytes) -> None:
    reference = only_run("run.fit", fit)
    assert (reference.local_date.isoformat(), reference.local_time) == ("2026-11-02", "07:30")
    assert reference.distance == pytest.approx(RUN.distance, abs=1)  # 5,760 m
    assert reference.moving_seconds == pytest.approx(1800, abs=2)  # the minute's stop is out
    assert reference.elapsed_seconds == pytest.approx(1860, abs=2)
    assert reference.cadence_spm == pytest.approx(169, abs=0.5)  # 84/85 strides, doubled
    assert reference.ascent == pytest.approx(20, abs=3)
    assert reference.heart_rate == pytest.approx(154.4, abs=0.5)
    assert [round(s.pace) for s in reference.splits][:5] == [312] * 5  # 3.2 m/s
    assert len(reference.splits) == 6
    assert reference.splits[-1].distance == pytest.approx(760)
    uploads = {
        "run.gpx": gpx_bytes(RUN), "run.tcx": tcx_bytes(RUN), "run.fit.gz": gz(fit),
        "run.tcx.gz": gz(tcx_bytes(RUN)), "garmin.zip": zipped({"123_ACTIVITY.fit": fit}),
        "strava.zip": strava_export({"99.fit.gz": gz(fit)}),
    }
    for name, data in uploads.items():
        run = only_run(name, data)
        assert (run.local_date, run.local_time) == (reference.local_date, reference.local_time)
        assert run.distance == pytest.approx(reference.distance, rel=0.002), name
        assert run.moving_seconds == pytest.approx(reference.moving_seconds, abs=2), name
        assert run.cadence_spm == pytest.approx(reference.cadence_spm, abs=1), name
        assert run.ascent == pytest.approx(reference.ascent, abs=1), name
        assert run.heart_rate == pytest.approx(reference.heart_rate, abs=1), name
        assert [round(s.pace) for s in run.splits] == [round(s.pace) for s in reference.splits]


def test_fit_keeps_running_dynamics_in_si_units(fit: bytes) -> None:
    run = only_run("run.fit", fit)
    assert run.step_length == pytest.approx(1.13)  # 1,130 mm
    assert run.stance_time == pytest.approx(0.245)  # 245 ms
    assert run.vertical_oscillation == pytest.approx(0.082)  # 82 mm
    assert not run.indoor


def test_fit_cadence_is_one_foot_plus_its_fraction() -> None:
    run = only_run("run.fit", fit_bytes(replace(RUN, cadence=(85,), fractional=0.5).built()))
    assert run.cadence_spm == pytest.approx(171)  # 2 x (85 + 0.5)


def test_gpx_cadence_in_steps_or_strides_reads_as_steps() -> None:
    strides = only_run("strides.gpx", gpx_bytes(RUN))
    steps = only_run("steps.gpx", gpx_bytes(RUN, cadence_factor=2))
    assert strides.cadence_spm == pytest.approx(169, abs=0.5)
    assert steps.cadence_spm == pytest.approx(169, abs=0.5)


def test_a_cadence_no_runner_has_is_shown_missing() -> None:
    doubled_twice = only_run("odd.gpx", gpx_bytes(RUN, cadence_factor=4))  # ~338 "steps"
    assert doubled_twice.cadence_spm is None
    assert doubled_twice.distance == pytest.approx(RUN.distance, rel=0.002)


def test_a_file_without_cadence_reads_with_cadence_missing() -> None:
    run = only_run("run.fit", fit_bytes(replace(RUN, cadence=(0,)).built()))
    assert run.cadence_spm is None
    assert all(s.cadence_spm is None for s in run.splits)


def test_strava_tcx_with_spaces_before_its_declaration_reads() -> None:
    run = only_run("strava.tcx.gz", gz(b"          " + tcx_bytes(RUN)))
    assert run.distance == pytest.approx(RUN.distance, abs=1)


def test_tcx_times_without_an_offset_are_utc() -> None:
    run = only_run("run.tcx", tcx_bytes(RUN, offset=False))
    assert run.started_at == START
    assert run.local_time == "07:30"


def test_a_treadmill_run_takes_its_distance_from_the_watch() -> None:
    treadmill = replace(RUN, gps=False, sub_sport="treadmill").built()
    for name, data in {"t.fit": fit_bytes(treadmill), "t.tcx": tcx_bytes(treadmill)}.items():
        run = only_run(name, data)
        assert run.indoor, name
        assert run.distance == pytest.approx(RUN.distance, abs=1), name
        assert run.moving_seconds == pytest.approx(1800, abs=2), name


def test_an_indoor_run_with_only_a_total_takes_the_files_totals() -> None:
    indoor = replace(RUN, gps=False, per_second_distance=False, sub_sport="treadmill").built()
    run = only_run("indoor.fit", fit_bytes(indoor))
    assert run.distance == pytest.approx(RUN.distance, abs=1)
    assert run.moving_seconds == pytest.approx(1800)  # the watch's timer
    assert run.cadence_spm == pytest.approx(169, abs=1)
    assert run.splits == ()


def test_the_local_date_is_the_runners_own() -> None:
    late = replace(RUN, start=datetime(2026, 11, 2, 23, 30, tzinfo=UTC)).built()
    assert only_run("late.fit", fit_bytes(late), "Europe/Berlin").local_date.day == 3
    assert only_run("late.fit", fit_bytes(late), "America/New_York").local_date.day == 2


@pytest.mark.parametrize(("data", "sport"), [
    (lambda: fit_bytes(replace(RUN, sport="cycling").built()), "cycling"),
    (lambda: fit_bytes(replace(RUN, sport="swimming").built()), "swimming"),
    (lambda: tcx_bytes(RUN, sport="Biking"), "cycling"),
    (lambda: gpx_bytes(RUN, sport="hiking"), "hiking"),
    # No sport named, but 11 m/s for half an hour is no run on foot.
    (lambda: gpx_bytes(replace(RUN, speed=11.0).built(), sport=""), "cycling"),
])
def test_other_sports_are_named_and_not_counted(data: object, sport: str) -> None:
    assert callable(data)
    reading = read_upload("ride", data(), ZONE, NOW)
    assert reading.runs == []
    assert [(s.reason, s.sport) for s in reading.skipped] == [("other_sport", sport)]


def test_a_run_dated_in_the_future_is_not_counted() -> None:
    ahead = replace(RUN, start=NOW + timedelta(days=2)).built()
    reading = read_upload("ahead.fit", fit_bytes(ahead), ZONE, NOW)
    assert reading.runs == []
    assert [s.reason for s in reading.skipped] == ["future"]


def test_an_export_with_runs_and_a_ride_counts_the_runs() -> None:
    second = replace(RUN, start=START + timedelta(days=1)).built()
    export = strava_export({"1.fit.gz": gz(fit_bytes(RUN)), "2.gpx": gpx_bytes(second),
                            "3.tcx": tcx_bytes(RUN, sport="Biking")})
    reading = read_upload("export.zip", export, ZONE, NOW)
    assert len(reading.runs) == 2
    assert [s.sport for s in reading.skipped] == ["cycling"]


def _bomb() -> bytes:
    out = io.BytesIO()
    with gzip.GzipFile(fileobj=out, mode="wb", compresslevel=1) as stream:
        for _ in range(60):
            stream.write(bytes(1024 * 1024))  # 60 MB of zeros in about 60 kB
    return out.getvalue()


def _many_members() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for i in range(MAX_MEMBERS + 1):
            archive.writestr(f"{i}.txt", b"")
    return out.getvalue()


BILLION_LAUGHS = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
                  b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
                  b"<gpx><trk><name>&lol2;</name></trk></gpx>")


@pytest.mark.parametrize(("name", "make", "reason"), [
    ("empty.fit", lambda fit: b"", "empty"),
    ("photo.jpg", lambda fit: b"\xff\xd8\xff\xe0" + bytes(100), "not_a_run_file"),
    ("notes.gpx", lambda fit: b"<html><body>hello</body></html>", "not_a_run_file"),
    ("cut.fit", lambda fit: fit[: len(fit) // 2], "corrupt"),
    ("flipped.fit", lambda fit: fit[:500] + bytes([fit[500] ^ 0xFF]) + fit[501:], "corrupt"),
    ("cut.gpx", lambda fit: gpx_bytes(RUN)[:5000], "corrupt"),
    ("route.gpx", lambda fit: re.sub(rb"<time>[^<]*</time>", b"", gpx_bytes(RUN)), "no_activity"),
    ("plan.tcx", lambda fit: b'<TrainingCenterDatabase xmlns="x"><Activities/>'
                             b"</TrainingCenterDatabase>", "no_activity"),
    ("cut.fit.gz", lambda fit: gz(fit)[:300], "corrupt"),
    ("laughs.gpx", lambda fit: BILLION_LAUGHS, "corrupt"),
    ("bomb.fit.gz", lambda fit: _bomb(), "too_big_unpacked"),
    ("zipbomb.zip", lambda fit: zipped({"a.fit": bytes(60 * 1024 * 1024)}), "too_big_unpacked"),
    ("nested.zip", lambda fit: zipped({"inner.zip": zipped({"a.fit": fit})}), "nested"),
    ("nested.gz", lambda fit: gz(gz(fit)), "nested"),
    ("many.zip", lambda fit: _many_members(), "too_many_files"),
    ("photos.zip", lambda fit: zipped({"a.jpg": b"\xff\xd8", "b.csv": b"x"}), "no_run_in_archive"),
    ("half.zip", lambda fit: zipped({"a.fit": fit})[:200], "corrupt"),
])
def test_bad_input_is_refused_with_its_reason(fit: bytes, name: str, make: object,
                                              reason: str) -> None:
    assert callable(make)
    assert refused(name, make(fit)) == reason


def test_reading_stops_at_its_time_limit(fit: bytes) -> None:
    with pytest.raises(RefusedError) as caught:
        read_upload("run.fit", fit, ZONE, NOW, limit=-1.0)  # already past: no clock involved
    assert caught.value.reason == "too_slow"


def test_a_big_export_is_read_in_goes_each_carrying_on(fit: bytes) -> None:
    days = [replace(RUN, start=START + timedelta(days=n), minutes=5.0).built() for n in range(5)]
    export = strava_export({f"{n}.gpx": gpx_bytes(run) for n, run in enumerate(days)})
    ticks = iter(range(1000))

    def counter() -> float:  # one tick per check: a deadline after two files, no real clock
        return float(next(ticks))

    first = read_upload("export.zip", export, ZONE, NOW, deadline=Deadline(2.5, counter))
    assert (len(first.runs), first.unread) == (2, 3)
    assert [r.file_name for r in first.runs] == ["export.zip/activities/0.gpx",
                                                 "export.zip/activities/1.gpx"]
    again = read_upload("export.zip", export, ZONE, NOW, done={r.file_name for r in first.runs})
    assert (again.already, len(again.runs), again.unread) == (2, 3, 0)
