"""Scoring the feedback reader on the labelled phrases.

    python -m tests.data.feedback_accuracy [EXERCISES_DIR]

prints the share of phrases read right and the confident wrong matches on pain, with the
fixture names (tests/support/exercise_names.py) or with the YAML files in EXERCISES_DIR.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.domain.feedback import Finding, OutcomeKind
from bot.services.feedback import FeedbackReader
from tests.data.feedback_phrases import PHRASES, Expected
from tests.support.exercise_names import EXERCISE_NAMES


def as_expected(finding: Finding) -> Expected:
    return Expected(finding.exercise_id, finding.outcome.value if finding.outcome else None,
                    finding.side.value if finding.side else None,
                    finding.severity.value if finding.severity else None, finding.reps,
                    frozenset(finding.candidates))


def matches(got: Expected, want: Expected) -> bool:
    same = (got.exercise_id, got.outcome, got.side, got.candidates) == (
        want.exercise_id, want.outcome, want.side, want.candidates)
    severity_ok = want.severity is None or got.severity == want.severity
    reps_ok = want.reps is None or got.reps == want.reps
    return same and severity_ok and reps_ok


@dataclass(frozen=True)
class Score:
    right: int
    total: int
    misread: tuple[str, ...]
    confident_wrong_pain: tuple[tuple[str, str], ...]

    @property
    def accuracy(self) -> float:
        return self.right / self.total


def score(reader: FeedbackReader) -> Score:
    misread: list[str] = []
    wrong_pain: list[tuple[str, str]] = []
    for text, session, want in PHRASES:
        findings = reader.read(text, session).findings
        got = [as_expected(f) for f in findings]
        if not (len(got) == len(want)
                and all(matches(g, w) for g, w in zip(got, want, strict=True))):
            misread.append(text)
        named = {w.exercise_id for w in want} | {c for w in want for c in w.candidates}
        wrong_pain += [(text, f.exercise_id) for f in findings
                       if f.outcome is OutcomeKind.PAIN and f.exercise_id not in (None, *named)]
    return Score(len(PHRASES) - len(misread), len(PHRASES), tuple(misread), tuple(wrong_pain))


def catalogue_from(directory: Path) -> list[tuple[str, str, Sequence[str]]]:
    entries: list[tuple[str, str, Sequence[str]]] = []
    for path in sorted(directory.glob("*.yaml")):
        for item in yaml.safe_load(path.read_text(encoding="utf-8"))["exercises"]:
            entries.append((item["id"], item["name"], tuple(item.get("aliases") or ())))
    return entries


def pain_sweep(entries: Sequence[tuple[str, str, Sequence[str]]]) -> tuple[int, int]:
    """(sentences, confident wrong) for every name and alias in two pain sentences."""
    reader = FeedbackReader(entries)
    total = wrong = 0
    for exercise_id, name, aliases in entries:
        for phrase in (name, *aliases):
            for text in (f"{phrase} hurt", f"my left hip hurt during the {phrase}"):
                total += 1
                wrong += any(f.exercise_id not in (None, exercise_id)
                             for f in reader.read(text).findings)
    return total, wrong


def main(argv: list[str]) -> int:
    entries = catalogue_from(Path(argv[0])) if argv else list(EXERCISE_NAMES)
    result = score(FeedbackReader(entries))
    print(f"read right: {result.right}/{result.total} = {result.accuracy:.1%}")
    print(f"confident wrong matches on pain: {len(result.confident_wrong_pain)}")
    sentences, wrong = pain_sweep(entries)
    print(f"pain sweep over every name and alias: {wrong} confident wrong in {sentences}")
    for text in result.misread:
        print(f"  misread: {text}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
