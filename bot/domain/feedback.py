"""Reading free-text feedback after a session: which exercise, how it went, which side.

"the clamshel was brutal", "left hip hurt in the brigde", "bridge and clamshell were hard"
become findings the bot can act on. When a name could belong to more than one exercise the
finding carries the candidates instead of a guess, so the bot can ask with buttons.

The domain stays stdlib-only: the string similarity (rapidfuzz in production, see
bot/services/feedback.py) is injected as a plain function. That keeps the rules here testable
with any scorer and keeps third-party code out of the layer the design keeps pure.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass

from bot.domain.feedback_words import (
    OUTCOME_WORDS,
    OutcomeKind,
    Severity,
    Side,
    outcome_of,
    reps_of,
    severity_of,
    side_of,
)

__all__ = ["CatalogueEntry", "FeedbackReading", "Finding", "OutcomeKind", "Severity", "Side",
           "read_feedback"]


Similarity = Callable[[str, str], float]
"""Two normalised strings -> a score from 0 (unrelated) to 100 (identical)."""


@dataclass(frozen=True)
class CatalogueEntry:
    exercise_id: str
    name: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Finding:
    """One thing the user said about one exercise (or about the session when none was named)."""

    exercise_id: str | None
    outcome: OutcomeKind | None
    side: Side | None = None
    severity: Severity | None = None
    reps: int | None = None
    # Non-empty when the name fitted several exercises too closely to pick one.
    candidates: tuple[str, ...] = ()

    @property
    def ambiguous(self) -> bool:
        return bool(self.candidates)


@dataclass(frozen=True)
class FeedbackReading:
    findings: tuple[Finding, ...]

    @property
    def ambiguous(self) -> tuple[Finding, ...]:
        """Findings the bot should ask about rather than act on."""
        return tuple(f for f in self.findings if f.ambiguous)

    @property
    def confident(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.exercise_id is not None)


# A window must score at least this to count as naming an exercise ("brigde" -> "bridge": 83).
MATCH_CUTOFF = 80.0
# A rival exercise within this many points of the best makes the name ambiguous.
RIVAL_MARGIN = 6.0
# Pain changes the plan at once, so a pain mention must be clearer still to be acted on.
PAIN_CUTOFF = 86.0
PAIN_RIVAL_MARGIN = 15.0
# Two strings whose lengths differ this much score below MATCH_CUTOFF on an edit-distance
# ratio (2 * shorter / (shorter + longer) < 0.8), so they are not compared at all.
LENGTH_RATIO_FLOOR = 2 / 3
# Feedback is a sentence or two; past this many words the rest is not read, which keeps a
# pasted essay from holding up the bot.
MAX_TOKENS = 120
# Points per word a match covers, so a longer near-exact name wins over a word inside it.
WORD_BONUS = 5.0
NEAR_EXACT = 90.0
# A misspelt word counts as part of a longer name only from this length ("plnak": 5).
TYPO_WORD_MIN_LETTERS = 5
# A word or two out of a longer name counts for less than the whole name.
PART_WEIGHT = 0.9

# Words that say too little on their own to name an exercise: body parts, positions, verbs.
_GENERIC_WORDS = frozenset({
    "side", "lying", "single", "leg", "legs", "hip", "hips", "knee", "knees", "glute", "glutes",
    "lift", "raise", "running", "run", "stretch", "drill", "door", "walk", "rotation",
    "rotations", "one", "standing", "bent", "top", "bottom", "up", "down", "back", "chest",
    "inner", "thigh", "kneeling", "seated", "forward", "facing", "high", "controlled", "mobility",
    "lateral", "pelvis", "over", "under", "articular", "drive", "repeats", "rolling",
    "all", "fours", "front", "end", "range", "half", "hold", "straight", "reverse", "short",
    "face", "out", "stride", "strides", "switches", "circles", "rock", "turn", "pull", "tuck",
    "feet", "foot", "arms", "body", "upper", "lower", "left", "right", "both",
})
_FILLER_WORDS = frozenset({
    "the", "a", "an", "on", "in", "of", "to", "and", "my", "with", "at", "for", "was", "were",
    "is", "it", "but", "then", "during", "after", "felt", "i", "me", "too", "so", "very",
})
_CONNECTORS = frozenset({"with", "to", "the", "a", "an", "and", "of", "on", "in"})

_CLAUSE_BREAKS = frozenset({"and", "but", "then", "while", "though", "although", "also", "plus",
                            "whereas"})
_TOKEN = re.compile(r"[a-z0-9']+|[.,;!?]")


def normalise(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.lower().replace("’", "'"))
    kept = "".join(c for c in decomposed if c.isalnum() or c.isspace() or c in "'.,;!?-")
    return re.sub(r"\s+", " ", kept.replace("-", " ")).strip()


@dataclass(frozen=True)
class _Hit:
    exercise_id: str
    start: int
    end: int
    score: float  # similarity, less for a word or two out of a longer name
    raw: float  # similarity of the words as typed to the (part of the) name

    @property
    def length(self) -> int:
        return self.end - self.start


@dataclass(frozen=True)
class _Mention:
    start: int
    end: int
    scores: tuple[_Score, ...]  # best first, one per exercise


@dataclass(frozen=True)
class _Score:
    exercise_id: str
    score: float
    raw: float


def read_feedback(
    text: str,
    catalogue: Sequence[CatalogueEntry],
    similarity: Similarity,
    session_exercises: Collection[str] = (),
) -> FeedbackReading:
    """Findings for a free-text message.

    ``session_exercises`` (today's exercise ids) are searched first: "the bridge" after a
    session with one bridge in it means that bridge. Words that fit nothing in the session
    are matched against the whole catalogue.
    """
    tokens = _TOKEN.findall(normalise(text))[:MAX_TOKENS]
    words = [t for t in tokens if t not in ".,;!?"]
    if not words:
        return FeedbackReading(())
    mentions = _find_mentions(tokens, catalogue, similarity, session_exercises)
    clauses = _clauses(tokens, mentions)
    return FeedbackReading(tuple(_findings(tokens, clauses)))


def _find_mentions(
    tokens: list[str],
    catalogue: Sequence[CatalogueEntry],
    similarity: Similarity,
    session_exercises: Collection[str],
) -> list[_Mention]:
    preferred = [e for e in catalogue if e.exercise_id in session_exercises]
    found = _mentions_in(tokens, preferred, similarity) if preferred else []
    # Words that name nothing in today's session may still name another exercise.
    for mention in _mentions_in(tokens, catalogue, similarity):
        if not any(mention.start < m.end and m.start < mention.end for m in found):
            found.append(mention)
    return sorted(found, key=lambda m: m.start)


def _mentions_in(
    tokens: list[str], catalogue: Sequence[CatalogueEntry], similarity: Similarity
) -> list[_Mention]:
    hits = _hits(tokens, catalogue, similarity)
    # Best first, a close score over more words winning: "pistol squats" (96) over "squats".
    hits.sort(key=lambda h: (-_rank(h), -h.score, h.start))
    taken: list[_Mention] = []
    for hit in hits:
        if any(hit.start < m.end and m.start < hit.end for m in taken):
            continue
        rivals: dict[str, _Score] = {}
        for other in hits:
            overlaps = other.start < hit.end and hit.start < other.end
            if (overlaps and other.length >= hit.length) or other is hit:
                known = rivals.get(other.exercise_id)
                rivals[other.exercise_id] = _Score(
                    other.exercise_id, max(other.score, known.score if known else 0.0),
                    max(other.raw, known.raw if known else 0.0))
        ranked = tuple(sorted(rivals.values(), key=lambda r: (-r.score, r.exercise_id)))
        taken.append(_Mention(hit.start, hit.end, ranked))
    return sorted(taken, key=lambda m: m.start)


def _rank(hit: _Hit) -> float:
    # Only a near-exact match earns its extra words: "on the bridge" must not outrank "bridge".
    return hit.score + (WORD_BONUS * hit.length if hit.raw >= NEAR_EXACT else 0.0)


def _hits(
    tokens: list[str], catalogue: Sequence[CatalogueEntry], similarity: Similarity
) -> list[_Hit]:
    hits: list[_Hit] = []
    for entry in catalogue:
        phrases = {normalise(p) for p in (entry.name, *entry.aliases)} - {""}
        for phrase in phrases:
            hits += _phrase_hits(tokens, entry.exercise_id, phrase, 1.0, similarity)
        for part in _distinctive_parts(phrases) - phrases:
            hits += [h for h in _phrase_hits(tokens, entry.exercise_id, part, PART_WEIGHT,
                                             similarity) if _part_hit_holds(tokens, h)]
    return hits


def _phrase_hits(tokens: list[str], exercise_id: str, phrase: str, weight: float,
                 similarity: Similarity) -> list[_Hit]:
    size = len(phrase.split())
    hits: list[_Hit] = []
    # One word more or fewer than the name catches "clam shell" and "clamshell".
    for width in {max(1, size - 1), size, size + 1}:
        for start in range(len(tokens) - width + 1):
            window = tokens[start:start + width]
            if any(t in ".,;!?" for t in window):
                continue
            outside = set(window) - set(phrase.split())
            if {window[0], window[-1]} & outside & _FILLER_WORDS:
                continue  # "clamshell and", "on the bridge": the name is inside, not these
            if outside & OUTCOME_WORDS:
                continue  # "tough" says how it went; it is not a misspelt "touch"
            raw = _window_score(" ".join(window), phrase, similarity)
            if raw >= MATCH_CUTOFF:
                hits.append(_Hit(exercise_id, start, start + width, weight * raw, raw))
    return hits


def _part_hit_holds(tokens: list[str], hit: _Hit) -> bool:
    """A word out of a longer name must be typed exactly, or be one long word misspelt.

    "brigde" still finds the bridges; "sides" does not become "hill strides".
    """
    if hit.raw >= 100.0:
        return True
    return hit.length == 1 and len(tokens[hit.start]) >= TYPO_WORD_MIN_LETTERS


def _distinctive_parts(phrases: set[str]) -> set[str]:
    """Runs of words inside a name that could stand for it: "plank" in "side plank clamshell".

    They score below a full name, so "bridge" still means the exercise called just "bridge",
    but they make every other bridge a rival, which matters when the user reports pain.
    """
    parts: set[str] = set()
    for phrase in phrases:
        words = phrase.split()
        for start in range(len(words)):
            for end in range(start + 1, len(words) + 1):
                run = words[start:end]
                if len(run) == len(words) or run[0] in _CONNECTORS or run[-1] in _CONNECTORS:
                    continue
                if all(w in _GENERIC_WORDS for w in run) or len("".join(run)) < 4:
                    continue
                parts.add(" ".join(run))
    return parts


def _window_score(window: str, phrase: str, similarity: Similarity) -> float:
    if len(window.replace(" ", "")) < 4 and window != phrase:
        return 0.0  # short words ("leg", "hip") match too much by accident
    shorter, longer = sorted((len(window), len(phrase)))
    if shorter < LENGTH_RATIO_FLOOR * longer:
        return 0.0  # an edit-distance score cannot reach the cutoff: skip the work
    return max(similarity(window, phrase),
               similarity(window.replace(" ", ""), phrase.replace(" ", "")))


@dataclass(frozen=True)
class _Clause:
    start: int
    end: int
    mentions: tuple[_Mention, ...]


def _clauses(tokens: list[str], mentions: list[_Mention]) -> list[_Clause]:
    inside = {i for m in mentions for i in range(m.start, m.end)}
    breaks = [i for i, t in enumerate(tokens)
              if i not in inside and (t in ".,;!?" or t in _CLAUSE_BREAKS)]
    bounds = [-1, *breaks, len(tokens)]
    clauses: list[_Clause] = []
    for left, right in itertools.pairwise(bounds):
        start, end = left + 1, right
        if start >= end:
            continue
        own = tuple(m for m in mentions if start <= m.start < end)
        clauses.append(_Clause(start, end, own))
    return _merge_unnamed(clauses)


def _merge_unnamed(clauses: list[_Clause]) -> list[_Clause]:
    """A clause naming no exercise belongs to the one before it: "plank was hard, only 5 reps"."""
    merged: list[_Clause] = []
    for clause in clauses:
        if merged and (not clause.mentions or not merged[-1].mentions):
            previous = merged.pop()
            clause = _Clause(previous.start, clause.end, previous.mentions + clause.mentions)
        merged.append(clause)
    return merged


@dataclass(frozen=True)
class _Report:
    outcome: OutcomeKind | None
    side: Side | None
    severity: Severity | None
    reps: int | None


def _findings(tokens: list[str], clauses: list[_Clause]) -> list[Finding]:
    reports = [_report(tokens, c) for c in clauses]
    findings: list[Finding] = []
    for index, clause in enumerate(clauses):
        report = _shared_report(reports, clauses, index)
        if not clause.mentions:
            continue
        for mention in clause.mentions:
            finding = _finding(mention, report)
            if finding not in findings:  # "foam rolling" names one exercise twice
                findings.append(finding)
    if not findings:
        said = [r for r in reports if r.outcome is not None]
        if said:
            first = said[0]
            findings.append(Finding(None, first.outcome, first.side, first.severity, first.reps))
    return findings


def _shared_report(reports: list[_Report], clauses: list[_Clause], index: int) -> _Report:
    """A clause that only names an exercise borrows how it went from its neighbour.

    "bridge and clamshell were hard": "bridge" takes "hard" from the next clause;
    "it hurt in the bridge and the clamshell": "the clamshell" takes "hurt" from the previous.
    """
    own = reports[index]
    if own.outcome is not None:
        return own
    for neighbour in (index + 1, index - 1):
        if 0 <= neighbour < len(reports) and reports[neighbour].outcome is not None:
            lent = reports[neighbour]
            if neighbour == index - 1 and not clauses[index].mentions:
                continue
            return _Report(lent.outcome, own.side or lent.side, lent.severity,
                           own.reps if own.reps is not None else lent.reps)
    return own


def _finding(mention: _Mention, report: _Report) -> Finding:
    pain = report.outcome is OutcomeKind.PAIN
    cutoff = PAIN_CUTOFF if pain else MATCH_CUTOFF
    best = mention.scores[0]
    rivals = _rivals(mention, pain)
    if len(rivals) == 1 and best.raw >= cutoff:
        return Finding(best.exercise_id, report.outcome, report.side, report.severity,
                       report.reps)
    candidates = rivals if len(rivals) > 1 else (best.exercise_id,)
    return Finding(None, report.outcome, report.side, report.severity, report.reps,
                   candidates=candidates)


def _rivals(mention: _Mention, pain: bool) -> tuple[str, ...]:
    """The names scoring close to the best; a pain report asks when it is unsure."""
    margin = PAIN_RIVAL_MARGIN if pain else RIVAL_MARGIN
    best = mention.scores[0]
    close = [s for s in mention.scores if s.score >= best.score - margin]
    if pain and best.raw >= 100.0:
        # A word typed exactly is trusted over near-spellings of other names
        # (adduction/abduction), not over names holding that very word ("marching bridge").
        close = [s for s in close if s.raw >= 100.0]
    return tuple(s.exercise_id for s in close)


def _report(tokens: list[str], clause: _Clause) -> _Report:
    covered = {i for m in clause.mentions for i in range(m.start, m.end)}
    words = [t for i, t in enumerate(tokens[clause.start:clause.end], clause.start)
             if i not in covered and t not in ".,;!?"]
    text = " ".join(words)
    outcome = outcome_of(words, text)
    if outcome is None and "only" in words and reps_of(text) is not None:
        outcome = OutcomeKind.HARD  # "only 8 reps": fell short of the target
    severity = severity_of(words, text) if outcome is OutcomeKind.PAIN else None
    return _Report(outcome, side_of(words, text), severity, reps_of(text))
