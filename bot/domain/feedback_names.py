"""Finding the moves a message names: the catalogue's names and aliases, the runs of words
out of them that can stand for a move, and their joined forms, indexed once by their first
word. Typos are allowed (the similarity is injected: rapidfuzz in production), a common word
alone never names a move, and a body part ("hip flexor") is never a move. Stdlib only."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.domain.feedback_words import Similarity, Vocabulary, plain

PUNCTUATION = frozenset(".,;!?")


@dataclass(frozen=True)
class CatalogueEntry:
    exercise_id: str
    name: str
    aliases: tuple[str, ...] = ()


# A typed word must score this against a word of a name (rapidfuzz ratio; "brigde" ~ 83).
WORD_CUTOFF = 80.0
# A misspelt word counts only from this length: "ache" must not become "each" or "arch".
TYPO_MIN_LETTERS = 5
# A rival exercise within this many points of the best makes the name ambiguous.
RIVAL_MARGIN = 6.0
PAIN_RIVAL_MARGIN = 15.0
# A word or two out of a longer name counts for less than the whole name.
PART_WEIGHT = 0.9
# Points per word a match covers, so a longer exact name wins over a word inside it.
WORD_BONUS = 5.0
NEAR_EXACT = 90.0
def stem(word: str) -> str:
    """Plural to singular, roughly: "lunges" ~ "lunge", "marches" ~ "march"."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith(("ches", "shes", "sses", "xes")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


# --- the catalogue's names, indexed once -----------------------------------------------------


@dataclass(frozen=True)
class _Name:
    exercise_id: str
    words: tuple[str, ...]  # stems
    weight: float  # 1.0 a whole name or alias; PART_WEIGHT a run of words out of one
    optional: frozenset[int]  # connectors ("with", "to") a runner may leave out


class MoveIndex:
    """The catalogue's names and aliases, their parts and joined forms, by their first word."""

    def __init__(self, catalogue: Iterable[CatalogueEntry], words: Vocabulary,
                 similarity: Similarity) -> None:
        self.words = words
        self.similarity = similarity
        self.entries = tuple(catalogue)
        self.body = {tuple(stem(w) for w in p) for p in words.body_parts}
        self.starting: dict[str, list[_Name]] = {}
        for entry in self.entries:
            for name in self._names(entry):
                self.starting.setdefault(name.words[0], []).append(name)
        self.vocabulary = {w for names in self.starting.values() for n in names for w in n.words}
        self.by_length: dict[int, list[str]] = {}
        for word in self.vocabulary:
            self.by_length.setdefault(len(word), []).append(word)
        # Words that say how it went are never read as a misspelt name ("tough" ~ "touch").
        self.reserved = {w for p in words.every_phrase() for w in p} | words.negations
        self._near: dict[str, tuple[tuple[str, float], ...]] = {}

    def _names(self, entry: CatalogueEntry) -> list[_Name]:
        found: dict[tuple[str, ...], float] = {}
        for phrase in (entry.name, *entry.aliases, entry.exercise_id.replace("_", " ")):
            words = tuple(stem(w) for w in plain(phrase).split() if w not in ".,;!?")
            if not words or (len(words) == 1 and not self._may_name(words[0])):
                continue
            for variant in (words, *_joined(words, self.words.connectors)):
                found[variant] = 1.0
            for part in self._parts(words):
                found.setdefault(part, PART_WEIGHT)
        return [_Name(entry.exercise_id, w, weight,
                      frozenset(i for i, x in enumerate(w) if x in self.words.connectors))
                for w, weight in found.items()]

    def _parts(self, words: tuple[str, ...]) -> list[tuple[str, ...]]:
        """Runs of words inside a name that could stand for it: "plank" in "side plank
        clamshell". Never a body part ("hip flexor") nor only common words ("dead")."""
        parts = []
        for start, end in itertools.combinations(range(len(words) + 1), 2):
            run = words[start:end]
            if len(run) == len(words) or run[0] in self.words.connectors \
                    or run[-1] in self.words.connectors or run in self.body:
                continue
            if any(self._distinctive(w) for w in run) and len("".join(run)) >= 4:
                parts.append(run)
        return parts

    def _may_name(self, word: str) -> bool:
        """A one-word name ("lunges", "clam") names its move unless it is a common word."""
        w = self.words
        return word not in w.not_moves and (word,) not in w.body_parts and word not in w.fillers

    def _distinctive(self, word: str) -> bool:
        w = self.words
        return (len(word) >= 4 and word not in w.generic and word not in w.not_moves
                and (word,) not in w.body_parts and word not in w.fillers)

    def joinable(self, tokens: Sequence[str], at: int) -> bool:
        """Two typed words that may be one word of a name: never small words or words that
        say how it went ("too much" is not "touch")."""
        pair = tokens[at:at + 2]
        return len(pair) == 2 and not any(
            t in PUNCTUATION or t in self.reserved or t in self.words.fillers for t in pair)

    def near(self, token: str) -> tuple[tuple[str, float], ...]:
        """The words of names this typed word may be, with their scores (cached per word)."""
        known = self._near.get(token)
        if known is not None:
            return known
        base = stem(token)
        found: list[tuple[str, float]] = []
        if base in self.vocabulary:
            found.append((base, 100.0))
        elif (len(base) >= TYPO_MIN_LETTERS and token not in self.reserved
              and token not in self.words.fillers):
            for size in range(len(base) - 2, len(base) + 3):
                for word in self.by_length.get(size, ()):
                    score = self.similarity(base, word)
                    if score >= WORD_CUTOFF:
                        found.append((word, score))
        if len(self._near) < 20_000:  # a bound, so odd words cannot grow it for ever
            self._near[token] = tuple(found)
        return tuple(found)


def _joined(words: tuple[str, ...], connectors: frozenset[str]) -> list[tuple[str, ...]]:
    """"step up" also as "stepup", "side plank" as "sideplank"."""
    return [(*words[:i], words[i] + words[i + 1], *words[i + 2:])
            for i in range(len(words) - 1)
            if words[i] not in connectors and words[i + 1] not in connectors]


# --- finding the names in a message ----------------------------------------------------------


@dataclass(frozen=True)
class _Hit:
    exercise_id: str
    start: int
    end: int
    score: float  # similarity, less for a word or two out of a longer name
    raw: float

    @property
    def length(self) -> int:
        return self.end - self.start


@dataclass(frozen=True)
class Mention:
    start: int
    end: int
    scores: tuple[tuple[str, float, float], ...]  # (exercise, score, raw), best first


def _hits(tokens: list[str], index: MoveIndex) -> list[_Hit]:
    hits: list[_Hit] = []
    for start, token in enumerate(tokens):
        if token in PUNCTUATION:
            continue
        firsts = list(index.near(token))
        if index.joinable(tokens, start):  # "clam shell" typed apart
            firsts += index.near(token + tokens[start + 1])
        for word, _ in firsts:
            for name in index.starting.get(word, ()):
                aligned = _align(tokens, start, name, index)
                if aligned is not None:
                    end, raw = aligned
                    hits.append(_Hit(name.exercise_id, start, end, raw * name.weight, raw))
    return hits


def _align(tokens: list[str], start: int, name: _Name,
           index: MoveIndex) -> tuple[int, float] | None:
    """Where ``name`` typed from ``start`` ends and how closely it was typed; None if it isn't.

    Small words may sit between a name's words ("side of the plank" no; "bridge with a leg
    lift" yes), a name's connectors may be left out, and two typed words may be one of its.
    """
    at, scores = start, []
    for k, word in enumerate(name.words):
        matched = _word_at(tokens, at, word, index)
        if matched is None and k > 0 and at < len(tokens) and tokens[at] in index.words.fillers:
            matched = _word_at(tokens, at + 1, word, index)
            at += 1 if matched is not None else 0
        if matched is None:
            if k in name.optional:
                continue
            return None
        used, score = matched
        at += used
        scores.append(score)
    return at, sum(scores) / len(scores)


def _word_at(tokens: list[str], at: int, word: str, index: MoveIndex) -> tuple[int, float] | None:
    if at >= len(tokens) or tokens[at] in PUNCTUATION:
        return None
    score = dict(index.near(tokens[at])).get(word)
    if score is not None:
        return 1, score
    if index.joinable(tokens, at):
        joined = dict(index.near(tokens[at] + tokens[at + 1])).get(word)
        if joined is not None:
            return 2, joined
    return None


def mentions(tokens: list[str], index: MoveIndex) -> list[Mention]:
    hits = _hits(tokens, index)
    # Best first, a close score over more words winning: "pistol squats" over "squats".
    hits.sort(key=lambda h: (-_rank(h), -h.score, h.start))
    taken: list[Mention] = []
    for hit in hits:
        if any(hit.start < m.end and m.start < hit.end for m in taken):
            continue
        rivals: dict[str, tuple[float, float]] = {}
        for other in hits:
            overlaps = other.start < hit.end and hit.start < other.end
            if other is hit or (overlaps and other.length >= hit.length):
                known = rivals.get(other.exercise_id, (0.0, 0.0))
                rivals[other.exercise_id] = (max(other.score, known[0]),
                                             max(other.raw, known[1]))
        ranked = sorted(((e, s, r) for e, (s, r) in rivals.items()), key=lambda x: (-x[1], x[0]))
        taken.append(Mention(hit.start, hit.end, tuple(ranked)))
    return sorted(taken, key=lambda m: m.start)


def _rank(hit: _Hit) -> float:
    return hit.score + (WORD_BONUS * hit.length if hit.raw >= NEAR_EXACT else 0.0)


def close_names(mention: Mention, pain: bool) -> list[str]:
    """The names scoring close to the best; a pain report asks when it is unsure."""
    margin = PAIN_RIVAL_MARGIN if pain else RIVAL_MARGIN
    best = mention.scores[0]
    close = [s for s in mention.scores if s[1] >= best[1] - margin]
    if pain and best[2] >= 100.0:
        # A word typed exactly is trusted over near-spellings of other names
        # (adduction/abduction), not over names holding that very word ("marching bridge");
        # a whole name typed exactly ("squats") over names holding it ("single-leg squats").
        exact = 100.0 if best[1] >= 100.0 else 0.0
        close = [s for s in close if s[2] >= 100.0 and s[1] >= exact]
    return [s[0] for s in close]
