"""A runner's run files through the service, the terminal, the command line and Telegram:
stored once, answered in the product's words, and bad input leaves the database as it was."""

from __future__ import annotations

import io
import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from bot.console.chat import ConsoleChat
from bot.content.library import ContentLibrary
from bot.db.models import Base, Run
from bot.services.runs.service import RunService, Upload
from tests.conftest import Clock
from tests.support.conversation import Runner
from tests.support.fake_request import sticker_update
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
from tests.support.telegram_user import TelegramUser

RUN = SyntheticRun(start=START).built()


@pytest.fixture(scope="module")
def fit() -> bytes:
    return fit_bytes(RUN)


@pytest.fixture
def runs(screened: Runner, content_with_names: ContentLibrary, clock: Clock) -> RunService:
    return RunService(screened.service.engine, content_with_names, clock)


def counts(engine: Engine) -> dict[str, int]:
    """Rows in every table: what "the database is as it was" means here."""
    with engine.connect() as conn:
        return {t.name: conn.execute(select(func.count()).select_from(t)).scalar_one()
                for t in Base.metadata.sorted_tables}


def send(runs: RunService, name: str, data: bytes, user: int = 4242) -> Any:
    return runs.receive(user, Upload(name, len(data), data))


def test_a_run_file_is_read_stored_and_answered(runs: RunService, fit: bytes) -> None:
    outcome = send(runs, "morning.fit", fit)
    assert outcome.message.template == "run_read"
    (shown,) = outcome.message.params["runs"]
    assert (shown["date"], shown["time"], shown["km"], shown["moving"]) == (
        "2026-11-02", "07:30", "5.76", "30:00")  # Berlin, the runner's zone
    assert (shown["pace"], shown["cadence"], shown["step_cm"], shown["heart_rate"]) == (
        "5:12", 169, 113, 154)
    assert "169 steps/min" in outcome.message.text
    with runs.engine.connect() as conn:
        row = conn.execute(select(Run)).one()._mapping
    assert row["distance_m"] == pytest.approx(5760, abs=1)
    assert row["cadence_spm"] == pytest.approx(169, abs=0.5)
    assert row["ground_contact_s"] == pytest.approx(0.245)
    assert row["local_date"].isoformat() == "2026-11-02"
    assert len(row["splits"]) == 6
    # Summaries and splits only: no coordinates anywhere in the stored row.
    assert "lat" not in json.dumps(row["splits"])
    assert "latitude" not in row


def test_the_same_run_twice_or_from_two_sources_counts_once(runs: RunService,
                                                             fit: bytes) -> None:
    send(runs, "watch.fit", fit)
    again = send(runs, "watch.fit", fit)
    strava = send(runs, "strava.gpx", gpx_bytes(replace(RUN, start=START + timedelta(
        seconds=20)).built()))
    export = send(runs, "export.zip", strava_export({"1.fit.gz": gz(fit),
                                                    "2.tcx": tcx_bytes(RUN)}))
    assert [o.message.params["repeated"] for o in (again, strava, export)] == [1, 1, 2]
    assert counts(runs.engine)["runs"] == 1


def test_a_cut_short_copy_of_a_stored_run_is_the_same_run(runs: RunService) -> None:
    send(runs, "full.fit", fit_bytes(RUN))
    shorter = send(runs, "short.fit", fit_bytes(replace(RUN, minutes=20.0).built()))
    assert shorter.message.params["repeated"] == 1
    assert counts(runs.engine)["runs"] == 1


def test_a_ride_is_named_and_not_stored(runs: RunService) -> None:
    before = counts(runs.engine)
    outcome = send(runs, "ride.fit", fit_bytes(replace(RUN, sport="cycling").built()))
    assert outcome.message.params["skipped"] == [{"reason": "other_sport", "sport": "cycling"}]
    assert "a ride" in outcome.message.text
    assert counts(runs.engine) == before


@pytest.mark.parametrize(("make", "reason"), [
    (lambda fit: b"", "empty"),
    (lambda fit: b"just some notes", "not_a_run_file"),
    (lambda fit: fit[:-40], "corrupt"),
    (lambda fit: zipped({"inner.zip": zipped({"a.fit": fit})}), "nested"),
    (lambda fit: gz(bytes(60 * 1024 * 1024)), "too_big_unpacked"),
])
def test_bad_input_gets_its_reason_and_changes_nothing(runs: RunService, fit: bytes,
                                                       make: Any, reason: str) -> None:
    before = counts(runs.engine)
    outcome = send(runs, "file", make(fit))
    assert (outcome.message.template, outcome.message.params["reason"]) == (
        "run_refused", reason)
    assert counts(runs.engine) == before


def test_a_file_over_the_limit_is_refused_by_its_declared_size(runs: RunService) -> None:
    outcome = runs.receive(4242, Upload("huge.fit", 21 * 1024 * 1024))  # nothing downloaded
    assert outcome.message.params == {"reason": "too_big"}


def test_a_stranger_is_asked_to_start_first(runs: RunService, fit: bytes) -> None:
    before = counts(runs.engine)
    assert send(runs, "run.fit", fit, user=777).message.template == "run_start_first"
    assert counts(runs.engine) == before


def test_runs_lists_export_carries_delete_removes(screened: Runner, runs: RunService,
                                                  fit: bytes) -> None:
    assert screened.command("runs").messages[0].params == {"runs": []}
    send(runs, "run.fit", fit)
    (listed,) = screened.command("runs").messages[0].params["runs"]  # type: ignore[misc]
    assert listed["km"] == "5.76"
    export = screened.command("export").messages[-1].attachment
    assert export is not None
    document = json.loads(export.data)
    assert len(document["tables"]["runs"]) == 1
    screened.command("delete")
    screened.tap("delete_all")
    assert counts(runs.engine)["runs"] == 0


def test_the_terminal_uploads_a_path(screened: Runner, fit: bytes, tmp_path: Path) -> None:
    path = tmp_path / "run.fit"
    path.write_bytes(fit)
    out = io.StringIO()
    chat = ConsoleChat(screened.service, io.StringIO(f"/upload {path}\n/upload {tmp_path}/x\n"),
                       out, files=tmp_path)
    chat.sender = screened.sender
    chat.run()
    assert "5.76 km" in out.getvalue()
    assert "no file at" in out.getvalue()
    assert counts(screened.service.engine)["runs"] == 1


async def test_a_document_on_telegram_is_read_once(telegram: TelegramUser, fit: bytes) -> None:
    await telegram.say("/start")
    telegram.api.add_file("doc-1", fit)

    async def send_document(update_id: int, file_id: str = "doc-1") -> str:
        update = sticker_update(update_id, telegram.user_id)
        del update["message"]["sticker"]
        update["message"]["document"] = {"file_id": file_id, "file_unique_id": "u1",
                                         "file_name": "run.fit", "file_size": len(fit)}
        calls = await telegram._process(update)
        return " ".join(c.text or "" for c in calls)

    assert "5.76 km" in await send_document(900_001)
    assert await send_document(900_001) == ""  # re-delivered after its answer: nothing again
    assert "already had" in await send_document(900_002)  # sent again: counted once
    assert "fetch that file" in await send_document(900_003, "doc-gone")  # not on Telegram
    engine = telegram.app.bot_data["hipcoach.inbox"].engine
    assert counts(engine)["runs"] == 1


@pytest.mark.slow
def test_a_coach_imports_a_runners_history(tmp_path: Path, fit: bytes) -> None:
    from bot.db import migrate
    from bot.db.engine import make_engine
    from tests.test_cli import cli_env, hipcoach, sqlite_url

    db = tmp_path / "coach.db"
    engine = make_engine(sqlite_url(db))
    migrate.upgrade(engine)
    with engine.begin() as conn:
        conn.execute(Base.metadata.tables["users"].insert().values(
            telegram_id=555, name="Ana", timezone="Europe/Berlin", active=True))
    (tmp_path / "a.fit").write_bytes(fit)
    (tmp_path / "b.gpx").write_bytes(gpx_bytes(RUN))  # the same run from Strava
    (tmp_path / "c.zip").write_bytes(zipped({"x.txt": b"notes"}))
    result = hipcoach("import-runs", "--user", "555", str(tmp_path / "a.fit"),
                      str(tmp_path / "b.gpx"), str(tmp_path / "c.zip"),
                      cwd=tmp_path, env=cli_env(DATABASE_URL=sqlite_url(db)))
    assert result.returncode == 0, result.output
    assert "5.76 km" in result.stdout
    assert "1 run stored for user 555" in result.stdout
    assert counts(engine)["runs"] == 1
    engine.dispose()


def test_a_simulated_runner_sends_run_files(tmp_path: Path, fit: bytes) -> None:
    from bot.simulate.command import SimulateArgs, simulate

    week = [replace(RUN, start=datetime(2027, 1, 5 + n, 6, 30, tzinfo=UTC)).built()
            for n in (0, 2)]
    for n, run in enumerate(week):
        (tmp_path / f"{n}.fit").write_bytes(fit_bytes(run))
    persona = tmp_path / "runner.yaml"
    persona.write_text(f"""
start: 2027-01-04
answers: {{goal: speed, run_days: [tue, thu], run_time: "07:30"}}
behaviour:
  runs:
    - {{on: 2027-01-05, at: "09:00", file: {tmp_path / "0.fit"}}}
    - {{on: 2027-01-07, file: {tmp_path / "1.fit"}}}
""", encoding="utf-8")
    out = tmp_path / "journal.json"
    assert simulate(SimulateArgs(persona, weeks=1, out=out)) == 0
    days = {d["date"]: d for d in json.loads(out.read_text(encoding="utf-8"))["days"]}
    uploads = [m for d in ("2027-01-05", "2027-01-07") for m in days[d]["messages"]
               if m["trigger"].startswith("upload:")]
    assert [m["trigger"] for m in uploads] == ["upload:0.fit", "upload:1.fit"]
    assert uploads[0]["at"].startswith("2027-01-05T09:00")
    assert all("5.76 km" in m["text"] for m in uploads)
