"""Understanding typed answers: free text matched to a question's options by their labels."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from rapidfuzz import fuzz, process

from bot.content.library import ContentLibrary
from bot.domain.catalog import Catalog

# High enough that "speeed" finds "speed" but "hello" finds nothing.
FUZZY_CUTOFF = 84.0
# No label or exercise name is near this long: longer text is a sentence, not a choice, and
# refusing it before the fuzzy scorers keeps a pasted page from costing every option a scan.
MAX_MATCH_LENGTH = 80


def normalise(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.lower())
    letters = "".join(c for c in decomposed if c.isalnum() or c.isspace() or c == "'")
    return re.sub(r"\s+", " ", letters).strip()


class LabelMatcher:
    """Matches text against each option's button label and its aliases in labels.yaml."""

    def __init__(self, content: ContentLibrary) -> None:
        self.content = content

    def __call__(self, question: str, options: Sequence[str], text: str) -> str | None:
        if len(text.strip()) > MAX_MATCH_LENGTH:
            return None
        said = normalise(text)
        if not said:
            return None
        choices = self._choices(question, options)
        exact = dict(choices)
        if said in exact:
            return exact[said]
        best = process.extractOne(said, [p for p, _ in choices], scorer=fuzz.ratio,
                                  score_cutoff=FUZZY_CUTOFF)
        return choices[best[2]][1] if best else _said_within(said, choices)

    def _choices(self, question: str, options: Sequence[str]) -> list[tuple[str, str]]:
        pairs: list[tuple[str, str]] = []
        for option in options:
            key = f"{question}.{option}"
            phrases = [option, *self.content.aliases.get(key, [])]
            if key in self.content.labels:
                phrases.append(self.content.labels[key])
            pairs += [(normalise(p), option) for p in phrases if normalise(p)]
        return pairs


# Words that turn a phrase around ("not often"): a sentence with one is never read by parts.
NEGATIONS = frozenset({"not", "no", "never", "dont", "don't", "isn't", "isnt", "hardly"})
MIN_PHRASE_IN_SENTENCE = 4


def _said_within(said: str, choices: list[tuple[str, str]]) -> str | None:
    """A sentence that contains one option's words ("my hip is kinda sore sometimes" holds
    "sometimes"); None when it holds none, several, or turns them round with a negation."""
    words = said.split()
    if NEGATIONS.intersection(words):
        return None
    padded = f" {said} "
    hits = {option for phrase, option in choices
            if len(phrase) >= MIN_PHRASE_IN_SENTENCE and f" {phrase} " in padded}
    return hits.pop() if len(hits) == 1 else None


# "clamshel" and "bike pedals" find their exercise; "hello" finds nothing.
EXERCISE_CUTOFF = 80.0
FILLER_WORDS = frozenset({"the", "a", "an", "my", "that", "this", "one", "exercise", "move",
                          "how", "do", "i", "to", "please", "show", "me"})
# Candidates this close to the best are offered as buttons instead of guessing.
EXERCISE_TIE_MARGIN = 4.0


class ExerciseMatcher:
    """Finds exercises by name or alias: one id when sure, several when it is a close call.

    The names are normalised and split once, here; a message scores each typed word against
    the names' distinct words once (rapidfuzz), then every name from that table."""

    def __init__(self, catalog: Catalog) -> None:
        self.phrases: list[tuple[str, str]] = [
            (normalise(phrase), exercise.id)
            for exercise in catalog.exercises.values()
            for phrase in (exercise.name, *exercise.aliases, exercise.id.replace("_", " "))
            if normalise(phrase)
        ]
        self.exact: dict[str, list[str]] = {}
        for phrase, exercise_id in self.phrases:
            self.exact.setdefault(phrase, []).append(exercise_id)
        self.split = [(tuple(phrase.split()), i) for phrase, i in self.phrases]
        self.vocabulary = sorted({w for words, _ in self.split for w in words})

    def _scored(self, typed: list[str]) -> list[tuple[float, str]]:
        """How well every typed word matches some word of each name (0-100): whole-string
        scorers reward a short word hiding inside a long name ("hello" in "clamshell");
        asking each typed word to find its own partner does not."""
        table = _score_table(typed, self.vocabulary)
        return [(min(max(table[w][p] for p in words) for w in typed), i)
                for words, i in self.split]

    def __call__(self, text: str) -> list[str]:
        said = normalise(text) if len(text.strip()) <= MAX_MATCH_LENGTH else ""
        if not said:
            return []
        if said in self.exact:
            return _unique(self.exact[said])
        typed = [w for w in said.split() if w not in FILLER_WORDS]
        if not typed:
            return []
        scored = self._scored(typed)
        best = max((score for score, _ in scored), default=0.0)
        if best < EXERCISE_CUTOFF:
            return []
        ranked = sorted((s for s in scored if s[0] >= best - EXERCISE_TIE_MARGIN), reverse=True)
        return _unique([i for _, i in ranked])[:4]


def _score_table(typed: list[str], vocabulary: list[str]) -> dict[str, dict[str, float]]:
    """Each typed word against every word of the names, once (typos allowed)."""
    return {w: {c: s for c, s, _ in process.extract(w, vocabulary, scorer=fuzz.ratio,
                                                    limit=None)} for w in typed}


def _unique(ids: list[str]) -> list[str]:
    return list(dict.fromkeys(ids))
