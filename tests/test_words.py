"""The reader's words (content/words/en.yaml): loaded once, checked, and mistakes named."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.content.library import ContentError
from bot.content.words import load_words
from bot.domain.feedback_words import OutcomeKind
from bot.paths import content_dir


def test_the_words_load_with_every_outcome_and_warning_sign() -> None:
    words = load_words(content_dir())
    assert set(words.outcomes) == set(OutcomeKind)
    assert {"sharp", "numbness", "limp"} <= set(words.red_flags)
    assert {"rest_night", "fall"} <= set(words.red_flags_with_pain)


def test_yes_and_no_stay_words_not_booleans() -> None:
    words = load_words(content_dir())
    assert "no" in words.negations
    assert "on" in words.fillers


def copy_with(tmp_path: Path, change: dict[str, object]) -> Path:
    raw = yaml.safe_load((content_dir() / "words" / "en.yaml").read_text(encoding="utf-8"))
    raw.update(change)
    (tmp_path / "words").mkdir()
    (tmp_path / "words" / "en.yaml").write_text(yaml.safe_dump(raw), encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize(("change", "named"), [
    ({"outcomes": {"pain": ["hurt"]}}, "outcomes: no words for"),
    ({"negated": {"pain": "fine"}}, "negated"),
    ({"red_flags": {"dizzy": ["dizzy"]}}, "unknown flags"),
    ({"joints": []}, "joints"),
])
def test_a_broken_words_file_is_refused_naming_the_key(tmp_path: Path, change: dict[str, object],
                                                       named: str) -> None:
    with pytest.raises(ContentError, match=named):
        load_words(copy_with(tmp_path, change))
