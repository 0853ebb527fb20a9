"""`hipcoach simulate`: personas in, a day-by-day journal out, on the real services."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.simulate.command import SimulateArgs, run_persona, simulate
from bot.simulate.persona import PersonaError, load_persona

ROOT = Path(__file__).resolve().parent.parent
PERSONAS = sorted((ROOT / "content" / "personas").glob("*.yaml"))


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "runner.yaml"
    path.write_text(text, encoding="utf-8")
    return path


# --- the persona format ----------------------------------------------------------------------


def test_on_keys_stay_dates_not_booleans(tmp_path: Path) -> None:
    persona = load_persona(write(tmp_path, """
answers: {run_days: [mon]}
behaviour:
  pain: [{on: 2027-01-05, exercise: side_plank_clamshell, side: left}]
  texts: [{on: 2027-01-06, at: "6.30pm", text: "the clamshell was brutal"}]
"""))
    assert persona.behaviour.pain[0].on == date(2027, 1, 5)
    assert persona.behaviour.texts[0].at == "18:30"
    assert persona.name == "runner"


@pytest.mark.parametrize(("text", "names"), [
    ("answers: {goal: faster}", "answers.goal"),
    ("answers: {run_days: [funday]}", "answers.run_days"),
    ("answers: {run_time: '25:99'}", "answers.run_time"),
    ("answers: {minutes: 90}", "answers.minutes"),
    ("timezone: Mars/Olympus\nanswers: {}", "timezone"),
    ("answers: {}\nbehaviour: {does: 2}", "behaviour.does"),
    ("answers: {}\nbehavior: {}", "behavior"),
    ("behaviour: {}", "answers"),
    ("answers: [oops", "not valid YAML"),
    ("- a list", "expected a mapping"),
])
def test_a_bad_persona_names_the_file_and_the_field(tmp_path: Path, text: str,
                                                     names: str) -> None:
    with pytest.raises(PersonaError) as caught:
        load_persona(write(tmp_path, text))
    assert str(tmp_path / "runner.yaml") in str(caught.value)
    assert names in str(caught.value)


def test_the_command_answers_a_bad_persona_in_one_line(tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]
                                                        ) -> None:
    code = simulate(SimulateArgs(write(tmp_path, "answers: {goal: faster}")))
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1
    assert "answers.goal" in err


# --- a journey --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def two_weeks(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    path = tmp_path_factory.mktemp("sim") / "runner.yaml"
    path.write_text("""
start: 2027-01-04
timezone: Europe/Berlin
answers: {goal: speed, equipment: [band], run_days: [tue, thu, sat], run_time: "07:30"}
""", encoding="utf-8")
    out = path.with_suffix(".json")
    assert simulate(SimulateArgs(path, weeks=2, out=out)) == 0
    journal: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return journal


def test_the_journal_has_one_entry_per_day_after_screening(two_weeks: dict[str, Any]) -> None:
    days = [d["date"] for d in two_weeks["days"]]
    assert two_weeks["weeks"] == 2
    assert two_weeks["persona"] == "runner"
    assert days[0] == "2027-01-05"
    assert days[-1] == "2027-01-18"
    assert len(days) == 14


def test_pre_run_reminders_arrive_at_their_minute_on_run_days(two_weeks: dict[str, Any]
                                                               ) -> None:
    for day in two_weeks["days"]:
        weekday = date.fromisoformat(day["date"]).strftime("%a").lower()
        reminders = [m for m in day["messages"] if m["trigger"] == "reminder:pre_run"]
        if weekday in ("tue", "thu", "sat"):
            assert len(reminders) == 1, day["date"]
            at = datetime.fromisoformat(reminders[0]["at"])
            # 45 minutes before a 07:30 run, Berlin: the run time wins over default quiet hours.
            assert (at.hour, at.minute) == (6, 45)
            assert at.utcoffset() is not None
            assert at.utcoffset().total_seconds() == 3600
        else:
            assert reminders == [], day["date"]


def test_a_compliant_runner_reports_every_planned_move(two_weeks: dict[str, Any]) -> None:
    for day in two_weeks["days"]:
        # Everything is walked, hills and backwards running too (reported after the run).
        walked = sorted(i["exercise"] for i in day["items"])
        reported = sorted(o["exercise"] for o in day["outcomes"])
        assert reported == walked, day["date"]
        assert {o["outcome"] for o in day["outcomes"]} <= {"done"}


def test_each_message_keeps_its_words_and_buttons(two_weeks: dict[str, Any]) -> None:
    first_run = two_weeks["days"][0]
    reminder = first_run["messages"][0]
    assert reminder["trigger"] == "reminder:pre_run"
    assert "07:30" in reminder["text"]
    assert reminder["buttons"]
    triggers = {m["trigger"] for m in first_run["messages"]}
    assert "button:reminder.start" in triggers
    assert "button:walk.done" in triggers


@pytest.mark.parametrize("path", PERSONAS, ids=[p.stem for p in PERSONAS])
def test_every_shipped_persona_loads(path: Path) -> None:
    persona = load_persona(path)
    assert persona.name == path.stem


def test_a_journey_can_use_a_given_database(database_url: str) -> None:
    persona = load_persona(ROOT / "content" / "personas" / "compliant_speed.yaml")
    journal = run_persona(persona, 1, database_url)
    assert len(journal.days) == 7
    assert any(m["trigger"].startswith("reminder:") for d in journal.days for m in d.messages)
