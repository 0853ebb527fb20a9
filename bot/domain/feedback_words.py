"""What the words of one clause say about how an exercise went: the outcome, the side, how
bad a pain was, how many reps. Used by the reader in bot/domain/feedback.py."""

from __future__ import annotations

import re
from enum import StrEnum


class OutcomeKind(StrEnum):
    DONE = "done"
    HARD = "hard"
    PAIN = "pain"
    EASY = "easy"
    SKIPPED = "skipped"


class Side(StrEnum):
    LEFT = "left"
    RIGHT = "right"
    BOTH = "both"


class Severity(StrEnum):
    MILD = "mild"
    STOPPED = "stopped"
    SHARP = "sharp"


_NEGATIONS = frozenset({"no", "not", "didnt", "didn't", "wasnt", "wasn't", "never", "without",
                        "dont", "don't", "isnt", "isn't", "werent", "weren't", "nothing"})
_PAIN_WORDS = frozenset({
    "hurt", "hurts", "hurting", "pain", "painful", "pains", "ache", "aches", "aching", "ached",
    "achy", "sore", "soreness", "twinge", "twinged", "pinch", "pinched", "pinching", "sting",
    "stung", "stinging", "tweak", "tweaked", "ouch", "ow", "owie", "injured", "strain",
    "strained", "throbbing", "stabbing",
})
_HARD_WORDS = frozenset({
    "hard", "harder", "brutal", "tough", "tougher", "difficult", "killer", "struggled",
    "struggle", "struggling", "exhausting", "exhausted", "challenging", "heavy", "rough",
    "wrecked", "destroyed", "gruelling", "grueling", "intense", "shaky", "wobbly", "killed",
    "impossible", "burning", "burned", "burnt", "fire", "tired", "tiring", "fatigued",
})
_EASY_WORDS = frozenset({"easy", "easier", "effortless", "breeze", "simple", "trivial", "light"})
_DONE_WORDS = frozenset({
    "done", "did", "finished", "completed", "complete", "fine", "good", "ok", "okay", "great",
    "nailed", "smooth", "solid", "alright", "managed",
})
_NEGATED = {OutcomeKind.PAIN: OutcomeKind.DONE, OutcomeKind.HARD: OutcomeKind.DONE,
            OutcomeKind.EASY: OutcomeKind.HARD, OutcomeKind.SKIPPED: OutcomeKind.DONE,
            OutcomeKind.DONE: OutcomeKind.HARD}
_SKIP_WORDS = frozenset({"skipped", "skip", "missed"})
_SHARP_WORDS = frozenset({"sharp", "stabbing", "shooting", "severe", "agony", "excruciating"})
_MILD_WORDS = frozenset({"bit", "slight", "slightly", "little", "mild", "mildly", "twinge",
                         "minor", "tiny"})
_STOP_PHRASES = ("had to stop", "stopped", "couldn't finish", "couldnt finish", "gave up",
                 "quit", "could not finish", "bailed")
_FINE_PHRASES = ("no problem", "no issue", "no trouble", "all good", "not bad", "not too bad",
                 "all right")
_BOTH_PHRASES = ("both sides", "both hips", "both legs", "each side", "each leg", "both glutes")
# "all right", "right away": the word is not a side there.
_NOT_A_SIDE = re.compile(r"\ball right\b|\bright (?:away|now|after|before|then)\b")
OUTCOME_WORDS = (_PAIN_WORDS | _HARD_WORDS | _EASY_WORDS | _DONE_WORDS | _SKIP_WORDS
                  | _SHARP_WORDS | _MILD_WORDS | _NEGATIONS)
_NUMBER_WORDS = {w: i for i, w in enumerate((
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
    "nineteen", "twenty"))}
_REPS = re.compile(r"\b(\d{1,3}|" + "|".join(_NUMBER_WORDS) + r")\s*(?:reps?|repetitions?|x)\b")


_VOCABULARIES = ((OutcomeKind.PAIN, _PAIN_WORDS), (OutcomeKind.HARD, _HARD_WORDS),
                 (OutcomeKind.EASY, _EASY_WORDS), (OutcomeKind.SKIPPED, _SKIP_WORDS),
                 (OutcomeKind.DONE, _DONE_WORDS))
# Pain outranks everything said in the same breath; then hard, then the rest.
_RANK = (OutcomeKind.PAIN, OutcomeKind.HARD, OutcomeKind.SKIPPED, OutcomeKind.EASY,
         OutcomeKind.DONE)


def outcome_of(words: list[str], text: str) -> OutcomeKind | None:
    found = _said_outcomes(words) or _phrase_outcome(text)
    return next((outcome for outcome in _RANK if outcome in found), None)


def _said_outcomes(words: list[str]) -> list[OutcomeKind]:
    found: list[OutcomeKind] = []
    for i, word in enumerate(words):
        negated = any(w in _NEGATIONS for w in words[max(0, i - 2):i])
        # "no pain", "wasn't hard" went fine; "not easy", "didn't finish" did not.
        found += [_NEGATED[outcome] if negated else outcome
                  for outcome, vocabulary in _VOCABULARIES if word in vocabulary]
    return found


def _phrase_outcome(text: str) -> list[OutcomeKind]:
    if any(p in text for p in _STOP_PHRASES):
        return [OutcomeKind.HARD]
    if any(p in text for p in _FINE_PHRASES):
        return [OutcomeKind.DONE]
    return []


def severity_of(words: list[str], text: str) -> Severity | None:
    if any(w in _SHARP_WORDS for w in words):
        return Severity.SHARP
    if any(p in text for p in _STOP_PHRASES):
        return Severity.STOPPED
    if any(w in _MILD_WORDS for w in words):
        return Severity.MILD
    return None


def side_of(words: list[str], text: str) -> Side | None:
    if any(re.search(rf"\b{p}\b", text) for p in _BOTH_PHRASES):
        return Side.BOTH
    if _NOT_A_SIDE.search(text):
        words = _NOT_A_SIDE.sub(" ", text).split()
        text = " ".join(words)
    before_than = words[:words.index("than")] if "than" in words else words
    sides = [Side(w) for w in before_than if w in ("left", "right")]
    if not sides:
        return None
    if len(set(sides)) > 1 and "than" not in words:
        return Side.BOTH
    return sides[0]


def reps_of(text: str) -> int | None:
    match = _REPS.search(text)
    if not match:
        return None
    raw = match.group(1)
    return int(raw) if raw.isdigit() else _NUMBER_WORDS[raw]
