"""Understanding typed answers: free text matched to a question's options by their labels."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from rapidfuzz import fuzz, process

from bot.content.library import ContentLibrary

# High enough that "speeed" finds "speed" but "hello" finds nothing.
FUZZY_CUTOFF = 84.0


def normalise(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.lower())
    letters = "".join(c for c in decomposed if c.isalnum() or c.isspace() or c == "'")
    return re.sub(r"\s+", " ", letters).strip()


class LabelMatcher:
    """Matches text against each option's button label and its aliases in labels.yaml."""

    def __init__(self, content: ContentLibrary) -> None:
        self.content = content

    def __call__(self, question: str, options: Sequence[str], text: str) -> str | None:
        said = normalise(text)
        if not said:
            return None
        choices = self._choices(question, options)
        exact = dict(choices)
        if said in exact:
            return exact[said]
        best = process.extractOne(said, [p for p, _ in choices], scorer=fuzz.ratio,
                                  score_cutoff=FUZZY_CUTOFF)
        return choices[best[2]][1] if best else None

    def _choices(self, question: str, options: Sequence[str]) -> list[tuple[str, str]]:
        pairs: list[tuple[str, str]] = []
        for option in options:
            key = f"{question}.{option}"
            phrases = [option, *self.content.aliases.get(key, [])]
            if key in self.content.labels:
                phrases.append(self.content.labels[key])
            pairs += [(normalise(p), option) for p in phrases if normalise(p)]
        return pairs
