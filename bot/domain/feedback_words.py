"""The words the reader reads, as data: content/words/<language>.yaml turned into a checked
``Vocabulary`` (bot/content/words.py loads the file; this module only checks its shape), and
the small helpers that find those words in a message's tokens. Pure, stdlib only."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import TypeVar


class OutcomeKind(StrEnum):
    DONE = "done"
    HARD = "hard"
    PAIN = "pain"
    EASY = "easy"
    SKIPPED = "skipped"
    UNFINISHED = "unfinished"  # couldn't finish, form broke, too much: not clean, like hard
    SORE = "sore"  # muscle soreness the day after: not pain, and the session still counts


# What the training model sees: unfinished is a hard session, easy and sore are clean ones.
TRAINING_OUTCOME = {"unfinished": "hard", "easy": "done", "sore": "done"}


class Side(StrEnum):
    LEFT = "left"
    RIGHT = "right"
    BOTH = "both"


class Severity(StrEnum):
    MILD = "mild"
    STOPPED = "stopped"
    SHARP = "sharp"


class Intent(StrEnum):
    REPORT = "report"
    QUESTION = "question"
    SKIP = "skip"
    RED_FLAG = "red_flag"
    OTHER = "other"


# Pain outranks everything said in the same breath; then what keeps a session from being clean.
RANK = (OutcomeKind.PAIN, OutcomeKind.UNFINISHED, OutcomeKind.SKIPPED, OutcomeKind.HARD,
        OutcomeKind.SORE, OutcomeKind.EASY, OutcomeKind.DONE)
RED_FLAGS = ("sharp", "numbness", "rest_night", "fall", "limp")
Phrase = tuple[str, ...]
Similarity = Callable[[str, str], float]
"""Two normalised strings -> a score from 0 (unrelated) to 100 (identical)."""
NEGATION_REACH = 3
PUNCTUATION = frozenset(".,;!?")
E = TypeVar("E", bound=StrEnum)


class WordsError(ValueError):
    """The words file is malformed; the message names the key."""


def plain(text: str) -> str:
    """Lower case, accents and apostrophes dropped, hyphens and slashes as spaces."""
    decomposed = unicodedata.normalize("NFKD", text.lower().replace("’", "'"))
    kept = "".join(c for c in decomposed
                   if c.isalnum() or c.isspace() or c in ".,;!?-/" or not c.isascii())
    kept = kept.replace("'", "").replace("-", " ").replace("/", " ")
    return re.sub(r"\s+", " ", kept).strip()


class Cues:
    """Phrases indexed by their first word, each with what it means (an outcome, a flag...):
    finding them costs one look-up per word of the message, however many there are."""

    def __init__(self, entries: Iterable[tuple[Phrase, str]] = ()) -> None:
        self.meaning: dict[Phrase, str] = {p: m for p, m in entries if p}
        by_first: dict[str, list[Phrase]] = {}
        for phrase in self.meaning:
            by_first.setdefault(phrase[0], []).append(phrase)
        self.by_first = {w: tuple(sorted(ps, key=len, reverse=True)) for w, ps in by_first.items()}

    def __iter__(self) -> Iterator[Phrase]:
        return iter(self.meaning)

    def __contains__(self, phrase: object) -> bool:
        return phrase in self.meaning

    def __len__(self) -> int:
        return len(self.meaning)

    def __or__(self, other: Cues) -> Cues:
        return Cues([*self.meaning.items(), *other.meaning.items()])


def phrases(raw: Iterable[str], meaning: str = "") -> Cues:
    """Each entry as its words."""
    return Cues((tuple(plain(w).split()), meaning) for w in raw)


@dataclass(frozen=True)
class Vocabulary:
    negations: frozenset[str]
    spellings: Mapping[str, Phrase]
    emoji: Mapping[str, str]
    outcomes: Mapping[OutcomeKind, Cues]
    negated: Mapping[OutcomeKind, OutcomeKind]
    joints: Cues
    joint_pain: Cues
    day_after: Cues
    severity: Mapping[Severity, Cues]
    sides: Mapping[str, Cues]
    red_flags: Mapping[str, Cues]
    red_flags_with_pain: Mapping[str, Cues]
    stays: Cues
    not_red_flags: Cues
    question_starts: Cues
    question_asking: Cues
    question_subjects: frozenset[str]
    topics: Mapping[str, Cues]
    skip_ask: Cues
    skip_states: Cues
    skip_done: Cues
    skip_scopes: Mapping[str, Cues]
    skip_kinds: Mapping[str, Cues]
    session: Cues
    chat: Cues
    everyday: Mapping[str, Cues]
    generic: frozenset[str]
    not_moves: frozenset[str]
    body_parts: Cues
    fillers: frozenset[str]
    connectors: frozenset[str]
    # Built from the above: every outcome phrase meaning its outcome; body parts of 2+ words.
    outcome_cues: Cues = field(default_factory=Cues)
    body_compounds: Cues = field(default_factory=Cues)

    def every_phrase(self) -> set[Phrase]:
        """Every outcome, severity and flag phrase: words that are never part of a move's name."""
        groups = (*self.outcomes.values(), *self.severity.values(), *self.red_flags.values(),
                  *self.red_flags_with_pain.values())
        return {p for group in groups for p in group}


def vocabulary_from(raw: object) -> Vocabulary:
    """Check a loaded words file and build the vocabulary; WordsError names the bad key."""
    top = _mapping(raw, "(top)")
    question = _mapping(top.get("question"), "question")
    skip = _mapping(top.get("skip"), "skip")
    names = _mapping(top.get("move_words"), "move_words")
    vocabulary = Vocabulary(
        negations=_word_set(top, "negations"),
        spellings=_spellings(_mapping(top.get("spellings"), "spellings")),
        emoji=_emoji(_mapping(top.get("emoji"), "emoji")),
        outcomes=_grouped(top, "outcomes", OutcomeKind),
        negated=_negated_as(_mapping(top.get("negated"), "negated")),
        joints=phrases(_strings(top, "joints")),
        joint_pain=phrases(_strings(top, "joint_pain")),
        day_after=phrases(_strings(top, "day_after")),
        severity=_grouped(top, "severity", Severity),
        sides=_flags(top, "sides"),
        red_flags=_flags(top, "red_flags"),
        red_flags_with_pain=_flags(top, "red_flags_with_pain"),
        stays=phrases(_strings(top, "stays")),
        not_red_flags=phrases(_strings(top, "not_red_flags")),
        question_starts=phrases(_strings(question, "starts", "question")),
        question_asking=phrases(_strings(question, "asking", "question")),
        question_subjects=_word_set(question, "subjects", "question"),
        topics=_flags(question, "topics", "question."),
        skip_ask=phrases(_strings(skip, "ask", "skip")),
        skip_states=phrases(_strings(skip, "states", "skip")),
        skip_done=phrases(_strings(skip, "done", "skip")),
        skip_scopes=_flags(skip, "scopes", "skip."),
        skip_kinds=_flags(skip, "kinds", "skip."),
        session=phrases(_strings(top, "session")),
        chat=phrases(_strings(top, "chat")),
        everyday=_flags(top, "everyday"),
        generic=_word_set(names, "generic", "move_words"),
        not_moves=_word_set(names, "not_moves", "move_words"),
        body_parts=phrases(_strings(names, "body_parts", "move_words")),
        fillers=_word_set(names, "fillers", "move_words"),
        connectors=_word_set(names, "connectors", "move_words"),
    )
    _check_complete(vocabulary)
    every = Cues(item for group in vocabulary.outcomes.values() for item in group.meaning.items())
    compounds = Cues((p, "") for p in vocabulary.body_parts if len(p) > 1)
    return replace(vocabulary, outcome_cues=every, body_compounds=compounds)


def _word_set(parent: Mapping[str, object], key: str, where: str = "") -> frozenset[str]:
    return frozenset(plain(w) for w in _strings(parent, key, where))


def _spellings(raw: Mapping[str, object]) -> dict[str, Phrase]:
    return {plain(k): tuple(plain(str(v)).split()) for k, v in raw.items()}


def _emoji(raw: Mapping[str, object]) -> dict[str, str]:
    return {k: plain(str(v)) for k, v in raw.items()}


def _negated_as(raw: Mapping[str, object]) -> dict[OutcomeKind, OutcomeKind]:
    return {_enum(OutcomeKind, k, "negated"): _enum(OutcomeKind, v, "negated")
            for k, v in raw.items()}


def _check_complete(vocabulary: Vocabulary) -> None:
    missing = [k.value for k in OutcomeKind if not vocabulary.outcomes.get(k)]
    if missing:
        raise WordsError(f"outcomes: no words for {', '.join(missing)}")
    if lacking := {"left", "right", "both", "not_a_side"} - set(vocabulary.sides):
        raise WordsError(f"sides: no words for {', '.join(sorted(lacking))}")
    flags = {*vocabulary.red_flags, *vocabulary.red_flags_with_pain}
    if unknown := flags - set(RED_FLAGS):
        raise WordsError(f"red_flags: unknown flags {sorted(unknown)}")


def _mapping(value: object, where: str) -> Mapping[str, object]:
    if not isinstance(value, Mapping):
        raise WordsError(f"{where}: expected a mapping")
    return {str(k): v for k, v in value.items()}


def _strings(parent: Mapping[str, object], key: str, where: str = "") -> list[str]:
    value = parent.get(key)
    name = f"{where}.{key}" if where else key
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise WordsError(f"{name}: expected a non-empty list of words")
    return [str(v) for v in value]


def _enum(kind: type[E], value: object, where: str) -> E:
    try:
        return kind(str(value))
    except ValueError:
        raise WordsError(f"{where}: unknown {kind.__name__} {value!r}") from None


def _grouped(top: Mapping[str, object], key: str, kind: type[E]) -> dict[E, Cues]:
    """Each group's phrases, meaning the group's name (an outcome, a severity)."""
    group = _mapping(top.get(key), key)
    return {_enum(kind, k, key): phrases(_strings(group, k, key), k) for k in group}


def _flags(top: Mapping[str, object], key: str, where: str = "") -> dict[str, Cues]:
    group = _mapping(top.get(key), where + key)
    return {str(k): phrases(_strings(group, k, where + key), k) for k in group}


# --- finding phrases in tokens ---------------------------------------------------------------


def find(tokens: Sequence[str], wanted: Cues,
         taken: set[int] | None = None) -> list[tuple[int, int, Phrase]]:
    """Where the phrases occur, longest first, never two on the same token (nor on a token in
    ``taken``, which the found ones join): (start, end, phrase), in message order."""
    used = taken if taken is not None else set()
    seen: list[tuple[int, int, Phrase]] = []
    for start, token in enumerate(tokens):
        for phrase in wanted.by_first.get(token, ()):
            end = start + len(phrase)
            if tuple(tokens[start:end]) == phrase:
                seen.append((start, end, phrase))
    seen.sort(key=lambda h: (h[0] - h[1], h[0]))
    found = []
    for start, end, phrase in seen:
        if not used.intersection(range(start, end)):
            found.append((start, end, phrase))
            used.update(range(start, end))
    return sorted(found)


def holds(tokens: Sequence[str], wanted: Cues) -> bool:
    return any(tuple(tokens[i:i + len(p)]) == p
               for i, t in enumerate(tokens) for p in wanted.by_first.get(t, ()))


# --- what one clause says ----------------------------------------------------------------


def negated(tokens: Sequence[str], start: int, words: Vocabulary) -> bool:
    before = tokens[max(0, start - NEGATION_REACH):start]
    cut = max((i for i, t in enumerate(before) if t in PUNCTUATION), default=-1)
    return any(t in words.negations for t in before[cut + 1:])


def outcome_of(said: Sequence[str], words: Vocabulary) -> OutcomeKind | None:
    """The strongest outcome said ("no pain" is fine; "not easy" was hard)."""
    taken: set[int] = set()
    find(said, words.chat, taken)  # "good morning" says nothing about the session
    cues = words.outcome_cues
    found: list[OutcomeKind] = []
    for start, _, phrase in find(said, cues, taken):
        kind = OutcomeKind(cues.meaning[phrase])
        turned = not set(phrase) & words.negations and negated(said, start, words)
        found.append(words.negated.get(kind, OutcomeKind.DONE) if turned else kind)
    if OutcomeKind.SORE in found and _on_a_joint(said, words):
        found.append(OutcomeKind.PAIN)  # a sore hip during a move is a pain, not DOMS
    if holds(said, words.joint_pain) and _on_a_joint(said, words):
        found.append(OutcomeKind.PAIN)  # "my hip is killing me"
    return next((kind for kind in RANK if kind in found), None)


def _on_a_joint(said: Sequence[str], words: Vocabulary) -> bool:
    left = list(said)
    for start, end, _ in find(said, words.body_compounds):
        left[start:end] = ["_"] * (end - start)  # "hip flexor" is a muscle, not the hip
    return holds(left, words.joints) and not holds(said, words.day_after)


def severity_of(said: Sequence[str], words: Vocabulary) -> Severity | None:
    for severity in (Severity.SHARP, Severity.STOPPED, Severity.MILD):
        hits = find(said, words.severity.get(severity, Cues()))
        if any(not negated(said, s, words) for s, _, _ in hits):
            return severity
    return None


def side_of(said: Sequence[str], words: Vocabulary) -> Side | None:
    taken: set[int] = set()
    find(said, words.sides["not_a_side"], taken)
    if find(said, words.sides["both"], set(taken)):
        return Side.BOTH
    left = list(said)
    for i in taken:
        left[i] = "_"
    before_than = left[:left.index("than")] if "than" in left else left
    sides = [Side(k) for t in before_than for k in ("left", "right")
             if (t,) in words.sides[k]]
    if not sides:
        return None
    if len(set(sides)) > 1 and "than" not in left:
        return Side.BOTH
    return sides[0]
