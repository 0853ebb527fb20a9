"""Free-text feedback: a labelled set of runner messages, read with the production scorer."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.content.words import cached_words
from bot.domain.feedback import (
    CatalogueEntry,
    Finding,
    MoveIndex,
    OutcomeKind,
    Severity,
    Side,
    read_message,
)
from bot.paths import content_dir
from bot.services.feedback import FeedbackReader
from tests.data.feedback_accuracy import catalogue_from, pain_sweep, score
from tests.data.feedback_phrases import PHRASES
from tests.support.exercise_names import CATALOGUE, EXERCISE_NAMES, SIX_PACK

READER = FeedbackReader(EXERCISE_NAMES)
KNOWN_IDS = {e.exercise_id for e in CATALOGUE}


def test_the_labelled_set_is_big_enough_and_covers_typos_sides_and_several_exercises() -> None:
    assert len(PHRASES) >= 60
    assert sum(len(want) > 1 for _, _, want in PHRASES) >= 8
    assert sum(any(w.side for w in want) for _, _, want in PHRASES) >= 10
    assert sum(any(w.candidates for w in want) for _, _, want in PHRASES) >= 5


def test_at_least_90_percent_of_the_labelled_messages_are_read_right() -> None:
    result = score(READER)
    assert result.accuracy >= 0.9, f"accuracy {result.accuracy:.1%}; misread: {result.misread}"


def test_no_pain_report_is_ever_pinned_on_the_wrong_exercise() -> None:
    assert score(READER).confident_wrong_pain == ()


def test_pain_on_any_exercise_name_is_pinned_right_or_asked_about() -> None:
    """Every name and alias, in two pain sentences, against the whole catalogue."""
    checked = 0
    for exercise_id, name, aliases in EXERCISE_NAMES:
        for phrase in (name, *aliases):
            for text in (f"{phrase} hurt", f"my left hip hurt during the {phrase}"):
                findings = READER.read(text).findings
                assert findings, text
                for finding in findings:
                    assert finding.outcome is OutcomeKind.PAIN, text
                    assert finding.exercise_id in (None, exercise_id), text
                    assert finding.exercise_id or exercise_id in finding.candidates, text
                checked += 1
    assert checked > 200
    assert pain_sweep(EXERCISE_NAMES) == (checked, 0)


def test_the_same_name_in_a_session_with_one_bridge_is_not_ambiguous() -> None:
    # The product's names: no move is called just "bridge" (a fixture alias is).
    product = FeedbackReader(catalogue_from(
        Path(__file__).resolve().parent.parent / "content" / "exercises"))
    anywhere = product.read("the bridge hurt").findings[0]
    after_six_pack = product.read("the bridge hurt", SIX_PACK).findings[0]
    assert anywhere.exercise_id is None
    assert "marching_bridge" in anywhere.candidates
    assert after_six_pack.exercise_id == "single_leg_bridge"


def test_one_reading_carries_outcome_side_severity_and_reps() -> None:
    (finding,) = READER.read("Right hip: sharp pain in the bridge after only 6 reps",
                             SIX_PACK).findings
    assert finding == Finding("single_leg_bridge", OutcomeKind.PAIN, Side.RIGHT, Severity.SHARP, 6)


def test_a_message_without_feedback_gives_no_findings() -> None:
    assert READER.read("").findings == ()
    assert READER.read("?!").findings == ()
    assert READER.read("what time is it", SIX_PACK).findings == ()


def test_the_reading_rules_work_with_any_injected_scorer() -> None:
    def exact(one: str, other: str) -> float:
        return 100.0 if one == other else 0.0

    catalogue = [CatalogueEntry("squats", "Squats"), CatalogueEntry("forward_lunges", "Lunges")]
    index = MoveIndex(catalogue, cached_words(content_dir()), exact)
    reading = read_message("squats were easy, lunges hurt", index)
    assert [(f.exercise_id, f.outcome) for f in reading.findings] == [
        ("squats", OutcomeKind.EASY), ("forward_lunges", OutcomeKind.PAIN)]
    assert read_message("sqauts were easy", index).findings == (
        Finding(None, OutcomeKind.EASY),)


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=80))
def test_any_text_reads_without_error_into_known_exercises(text: str) -> None:
    for finding in READER.read(text).findings:
        assert finding.exercise_id is None or finding.exercise_id in KNOWN_IDS
        assert set(finding.candidates) <= KNOWN_IDS


def test_everyday_phrases_are_not_read_as_a_side() -> None:
    (finding,) = READER.read("the bridge was all right", SIX_PACK).findings
    assert finding == Finding("single_leg_bridge", OutcomeKind.DONE)
    (finding,) = READER.read("clamshell hurt right away", SIX_PACK).findings
    assert finding == Finding("side_plank_clamshell", OutcomeKind.PAIN)
    (finding,) = READER.read("both clams were hard on my left", SIX_PACK).findings
    assert finding.side is Side.LEFT


PRODUCT_NAMES = catalogue_from(Path(__file__).resolve().parent.parent / "content" / "exercises")


def test_the_labelled_set_is_read_right_with_the_product_exercise_library() -> None:
    result = score(FeedbackReader(PRODUCT_NAMES))
    assert result.accuracy >= 0.9, f"accuracy {result.accuracy:.1%}; misread: {result.misread}"
    assert result.confident_wrong_pain == ()


def test_pain_on_any_product_exercise_name_is_never_pinned_on_another() -> None:
    sentences, wrong = pain_sweep(PRODUCT_NAMES)
    assert sentences > 250
    assert wrong == 0
