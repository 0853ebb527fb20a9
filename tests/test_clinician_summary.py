"""The clinician summary PDF: one page however long the history, the key facts in it, nothing
drawn past the margins, every word from content/."""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pypdfium2 as pdfium
import pytest
from pypdf import PdfReader

from bot.content.exercises import load_catalog
from bot.content.ladders import cached_ladders
from bot.content.library import ContentLibrary
from bot.content.safety import add_safety_labels
from bot.domain.clinician import (
    SELF_TESTS,
    Answer,
    ClinicianSummary,
    PainReport,
    PlanChange,
    PlanDay,
    RedFlagEntry,
    SelfTest,
)
from bot.domain.dialogue import coaching
from bot.domain.dialogue.questions import BY_ID
from bot.domain.model import CoachKit
from bot.domain.training import REASONS, Session, SlotOutcome, record_session
from bot.logging_setup import configure_logging
from bot.services.clinician_records import summary_from_records
from bot.services.clinician_summary import SummaryWords, render_clinician_summary
from bot.services.matching import ExerciseMatcher
from tests.conftest import ROOT

CATALOG = load_catalog(ROOT / "content")
WORDS = SummaryWords.from_content(add_safety_labels(ContentLibrary(ROOT / "content")), CATALOG)
START = date(2026, 9, 1)
IDS = sorted(CATALOG.exercises)
WEEK = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# The page words every reason the plan's own change log can hold (pain.swap -> pain_swap).
STORED_CHANGE_REASONS = tuple(sorted(r.replace(".", "_") for r in REASONS))


def _no_reading(_text: str, _today: object) -> Any:
    raise AssertionError("the page reads no free text")


def summary(history: int = 1, **extra: object) -> ClinicianSummary:
    """A runner's record; ``history`` sets how many pain reports, changes and re-tests."""
    base = ClinicianSummary(
        generated_on=date(2026, 11, 30), runner_name="Ana",
        answers=(Answer("pain", ("often",), START), Answer("red_flags", ("fall", "limp"), START),
                 Answer("goal", ("comeback",), START),
                 Answer("equipment", ("band", "block", "step", "gym"), START),
                 Answer("run_days", ("mon", "wed", "fri"), START),
                 Answer("minutes", ("15",), START), Answer("thigh_left", ("hurt",), START)),
        self_tests=tuple(SelfTest(test, result, START + timedelta(days=28 * k), k > 0)
                         for k in range(history)
                         for test, result in zip(SELF_TESTS, ("hurt", "fail", "pass"),
                                                 strict=True)),
        pain_reports=tuple(PainReport("single_leg_bridge" if k == history - 1 else IDS[k % 30],
                                      START + timedelta(days=k), "left", "sharp")
                           for k in range(history)),
        red_flags=(RedFlagEntry("fall", START), RedFlagEntry("limp", START)),
        plan_days=tuple(PlanDay(d, "plan.day.run_gentle" if d in ("mon", "wed") else
                                "plan.day.rest",
                                ("rotation_side_door",) if d in ("mon", "wed") else ())
                        for d in WEEK),
        plan_version=3, plan_dated=date(2026, 10, 2),
        changes=tuple(PlanChange(START + timedelta(days=k), "pain_swap", "single_leg_bridge",
                                 "marching_bridge", "left", undone=False)
                      for k in range(history)),
    )
    return replace(base, **extra)  # type: ignore[arg-type]


def text_of(pdf: bytes) -> tuple[int, str]:
    reader = PdfReader(io.BytesIO(pdf))
    return len(reader.pages), " ".join(reader.pages[0].extract_text().split())


def test_the_key_facts_are_on_one_page() -> None:
    pages, text = text_of(render_clinician_summary(summary(), WORDS))
    assert pages == 1
    for fact in (
        "Hip summary for a clinician", "Not medical advice", "not a medical service",
        "Runner: Ana",
        # screening answers, in content's words
        "It hurts most runs", "Pain since a fall", "Limping", "Come back from a break",
        "Mon, Wed, Fri", "15 min",
        # self-tests with their dates
        "2026-09-01", "Thigh to ribcage, left", "Painful", "Limited, no pain", "Passed",
        # pain report: move, side, severity, date
        "Single-leg bridge", "Left", "Sharp",
        # the plan at the time and the change made
        "Plan version 3, from 2026-10-02", "Run day: gentle mobility", "90/90 hip switches",
        "Swapped for an easier exercise after pain", "Marching bridge",
        # the red-flag status
        "paused since 2026-09-01",
    ):
        assert fact in text, fact
    assert "I'm limping" not in text  # the clinician's wording, not the chat button's


def test_a_clearance_is_stated_with_its_date() -> None:
    _, text = text_of(render_clinician_summary(summary(cleared_on=date(2026, 10, 20)), WORDS))
    assert "cleared by a clinician on 2026-10-20" in text
    assert "paused since" not in text


def test_a_long_history_stays_on_one_page_newest_first_with_the_rest_counted() -> None:
    pdf = render_clinician_summary(summary(history=60), WORDS)
    pages, text = text_of(pdf)
    assert pages == 1
    newest_pain = (START + timedelta(days=59)).isoformat()
    assert newest_pain in text
    assert "Single-leg bridge" in text
    assert "more, older" in text
    retests = (START + timedelta(days=28 * 59)).isoformat()
    assert retests in text


def test_an_empty_record_says_so_rather_than_leaving_gaps() -> None:
    empty = ClinicianSummary(generated_on=date(2026, 11, 30))
    pages, text = text_of(render_clinician_summary(empty, WORDS))
    assert pages == 1
    assert text.count("None reported.") == 5
    assert "No plan on record." in text


@pytest.mark.parametrize("history", [1, 60])
def test_nothing_is_drawn_in_the_page_margins(history: int) -> None:
    long_names = summary(history, runner_name="Maximiliana " * 30,
                         answers=(Answer("timezone", ("America/Argentina/ComodRivadavia",),
                                         START),
                                  Answer("red_flags", ("sharp", "rest_night", "fall",
                                                       "numbness", "limp"), START)),
                         plan_days=tuple(PlanDay(d, "plan.day.run_volume", tuple(IDS[:20]))
                                         for d in WEEK))
    pdf = render_clinician_summary(long_names, WORDS)
    image = pdfium.PdfDocument(pdf)[0].render(scale=1).to_pil().convert("L")
    width, height = image.size
    band = round(width * 10 / 210)  # 10 mm of the 12 mm margin
    pixels = image.load()
    assert pixels is not None
    edges = [(x, y) for x in range(width) for y in range(height)
             if x < band or x >= width - band or y < band or y >= height - band]
    assert min(pixels[x, y] for x, y in edges) > 250  # type: ignore[operator]


def test_every_code_the_page_can_show_has_words() -> None:
    codes = [f"clinician.change.{r}" for r in STORED_CHANGE_REASONS]
    codes += [f"clinician.flag.{f}" for f in (*BY_ID["red_flags"].options, "sharp_pain",
                                               "repeated_pain", "worse")]
    codes += [f"clinician.test.{t}" for t in SELF_TESTS]
    codes += [f"clinician.result.{r}" for r in BY_ID["thigh_left"].options]
    assert [c for c in codes if not WORDS.has(c)] == []


# ---------------------------------------------------------------- from stored rows


@dataclass(frozen=True)
class AnswerRecord:
    question: str
    value: Any
    answered_at: datetime


@dataclass(frozen=True)
class OutcomeRecord:
    exercise_id: str
    outcome: str
    side: str | None
    severity: str | None
    recorded_at: datetime


@dataclass(frozen=True)
class PlanRecord:
    number: int
    plan: dict[str, Any]
    created_at: datetime


def test_stored_rows_become_the_page_in_the_runners_own_dates() -> None:
    screened = datetime(2026, 9, 1, 23, 30, tzinfo=UTC)  # already 2 Sept in Berlin
    answers = {"pain": "mild", "red_flags": [], "thigh_left": "hurt", "thigh_right": "pass",
               "knee_lift": "pass", "goal": "speed", "equipment": ["band"],
               "run_days": ["tue", "sat"], "run_time": "07:00", "timezone": "Europe/Berlin",
               "minutes": 10}
    rows = [AnswerRecord(q, v, screened) for q, v in answers.items()]
    rows += [AnswerRecord("thigh_left", "pass", screened + timedelta(days=28)),
             AnswerRecord("red_flags", ["pain_reports"], screened + timedelta(days=40))]
    kit = CoachKit(CATALOG, ExerciseMatcher(CATALOG), _no_reading,
                   ladders=cached_ladders(ROOT / "content"))
    on = date(2026, 10, 12)
    # The plan's own change log: sharp pain in the single-leg bridge (its slot swaps, and the
    # red-flag path starts).
    step = record_session(coaching.plan_of(answers, kit, on), kit.ladders, Session(on, (
        SlotOutcome("volume.extension", "pain", "right", "sharp", "single_leg_bridge"),)))
    stored = coaching.save("adapt", step.plan, kit, on).plan
    plan = PlanRecord(4, dict(stored), screened + timedelta(days=40))
    outcomes = [OutcomeRecord("single_leg_bridge", "pain", "right", "sharp",
                              screened + timedelta(days=40)),
                OutcomeRecord("single_leg_bridge", "done", None, None, screened)]
    record = summary_from_records(today=date(2026, 11, 30), zone="Europe/Berlin", name="Ana",
                                  answers=rows, outcomes=outcomes, plan=plan,
                                  ladders=kit.ladders)
    assert [(c.made_on, c.reason, c.exercise_id, c.side) for c in record.changes] == [
        (on, "pain_drop", "single_leg_bridge", "right"), (on, "red_flag_sharp", None, "right")]
    assert [(t.test, t.result, t.taken_on.isoformat(), t.retest) for t in record.self_tests] == [
        ("thigh_left", "hurt", "2026-09-02", False), ("thigh_right", "pass", "2026-09-02", False),
        ("knee_lift", "pass", "2026-09-02", False), ("thigh_left", "pass", "2026-09-30", True)]
    assert [(p.exercise_id, p.side, p.severity) for p in record.pain_reports] == [
        ("single_leg_bridge", "right", "sharp")]
    assert [f.reason for f in record.red_flags] == ["pain_reports"]
    pages, text = text_of(render_clinician_summary(record, WORDS))
    assert pages == 1
    for fact in ("2026-10-12", "Sharp or repeated pain reported during training",
                 "Strength paused after sharp pain", "Left out after pain",
                 "Run day: gentle mobility",
                 "Rest day", "Plan version 4, from 2026-10-12", "Right", "Sharp",
                 "paused since 2026-10-12"):
        assert fact in text, fact
    assert "+0 more" not in text


def test_drawing_the_pdf_writes_no_library_lines_to_the_log(
    capsys: pytest.CaptureFixture[str]
) -> None:
    """The operator's log keeps one line per event, not fontTools' subsetting chatter."""
    root = logging.getLogger()
    kept = (root.handlers[:], root.level)
    configure_logging("INFO", [])
    try:
        render_clinician_summary(summary(history=6), WORDS)
    finally:
        root.handlers[:], level = kept
        root.setLevel(level)
    assert capsys.readouterr().err == ""
