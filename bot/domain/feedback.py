"""Reading a runner's message: what it is (a report, a question, a skip, a warning sign) and,
for a report, which moves it names and how each went, on which side, how bad a pain was.

"the clamshel was brutal", "left hip hurt in the brigde", "bridges easy but the clams killed
me" become findings the bot can act on. When a name could belong to more than one exercise
the finding carries the candidates instead of a guess, so the bot can ask with buttons.

Every word read in the runner's language comes from content/words (a ``Vocabulary``); the
move names come from the catalogue. Both are indexed once (``MoveIndex``), so a message costs
a few dictionary look-ups per word rather than a scan of every name. The string similarity
(rapidfuzz in production, see bot/services/feedback.py) is injected as a plain function, so
this layer stays stdlib-only.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from bot.domain.feedback_words import (
    RANK,
    Cues,
    Intent,
    OutcomeKind,
    Severity,
    Side,
    Vocabulary,
    find,
    holds,
    plain,
)

__all__ = ["CatalogueEntry", "FeedbackReading", "Finding", "Intent", "MoveIndex", "OutcomeKind",
           "Severity", "Side", "read_message"]


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
    intent: Intent = Intent.REPORT
    red_flags: tuple[str, ...] = ()  # the screening's warning-sign keys ("sharp", "fall"...)
    topic: str | None = None  # what a question is about ("race"), when the coach knows it
    skip_scope: str | None = None  # "today", "week", "tomorrow": what a skip asks to leave out
    skip_kind: str | None = None  # "circuit", "hills", "strength"...
    named: tuple[str, ...] = field(default=())  # every move named, in order (questions too)
    everyday: str | None = None  # an everyday phrase ("injured", "ran", "whats_next")

    @property
    def ambiguous(self) -> tuple[Finding, ...]:
        """Findings the bot should ask about rather than act on."""
        return tuple(f for f in self.findings if f.ambiguous)

    @property
    def confident(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.exercise_id is not None)

    @property
    def red_flag(self) -> bool:
        return bool(self.red_flags)

    @property
    def candidates(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(c for f in self.findings for c in f.candidates))


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
# Past this many words the rest is not read: a pasted essay must not hold up the bot.
MAX_TOKENS = 120
NEGATION_REACH = 3
_PUNCTUATION = frozenset(".,;!?")
_ARTICLES = frozenset({"the", "a", "an", "my", "those", "these", "them", "that", "this"})
_CLAUSE_BREAKS = frozenset({"and", "but", "then", "while", "though", "although", "also", "plus",
                            "whereas", "however", "except", "apart", "otherwise"})
_TOKEN = re.compile(r"[a-z0-9]+|[.,;!?]")
_NUMBER_WORDS = {w: i for i, w in enumerate((
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
    "nineteen", "twenty"))}
_REPS = re.compile(r"\b(\d{1,3}|" + "|".join(_NUMBER_WORDS) + r")\s*(?:reps?|repetitions?|x)\b")


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
            t in _PUNCTUATION or t in self.reserved or t in self.words.fillers for t in pair)

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
class _Mention:
    start: int
    end: int
    scores: tuple[tuple[str, float, float], ...]  # (exercise, score, raw), best first


def _hits(tokens: list[str], index: MoveIndex) -> list[_Hit]:
    hits: list[_Hit] = []
    for start, token in enumerate(tokens):
        if token in _PUNCTUATION:
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
    if at >= len(tokens) or tokens[at] in _PUNCTUATION:
        return None
    score = dict(index.near(tokens[at])).get(word)
    if score is not None:
        return 1, score
    if index.joinable(tokens, at):
        joined = dict(index.near(tokens[at] + tokens[at + 1])).get(word)
        if joined is not None:
            return 2, joined
    return None


def _mentions(tokens: list[str], index: MoveIndex) -> list[_Mention]:
    hits = _hits(tokens, index)
    # Best first, a close score over more words winning: "pistol squats" over "squats".
    hits.sort(key=lambda h: (-_rank(h), -h.score, h.start))
    taken: list[_Mention] = []
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
        taken.append(_Mention(hit.start, hit.end, tuple(ranked)))
    return sorted(taken, key=lambda m: m.start)


def _rank(hit: _Hit) -> float:
    return hit.score + (WORD_BONUS * hit.length if hit.raw >= NEAR_EXACT else 0.0)


# --- reading a message -----------------------------------------------------------------------


def tokens_of(text: str, words: Vocabulary) -> list[str]:
    """The message as words and punctuation, with emoji and shorthand spelt out."""
    for emoji, meaning in words.emoji.items():
        if emoji in text:
            text = text.replace(emoji, f" {meaning} . ")
    out: list[str] = []
    for token in _TOKEN.findall(plain(text))[:MAX_TOKENS]:
        out += words.spellings.get(token, (token,))
    return [t.replace("'", "") for t in out]


def read_message(text: str, index: MoveIndex,
                 session_exercises: Collection[str] = ()) -> FeedbackReading:
    """What a message from a screened runner with no question open says.

    ``session_exercises`` (today's exercise ids) break ties: "the bridge" after a session with
    one bridge in it means that bridge.
    """
    words = index.words
    tokens = tokens_of(text, words)
    if not any(t not in _PUNCTUATION for t in tokens):
        return FeedbackReading((), Intent.OTHER)
    everyday = next((k for k, cues in words.everyday.items() if holds(tokens, cues)), None)
    reading = _reading(tokens, index, session_exercises)
    return replace(reading, everyday=everyday) if everyday else reading


def _reading(tokens: list[str], index: MoveIndex,
             session_exercises: Collection[str]) -> FeedbackReading:
    words = index.words
    mentions = _mentions(tokens, index)
    named = tuple(dict.fromkeys(m.scores[0][0] for m in mentions if len(_close(m, False)) == 1))
    said_flags = red_flags(tokens, words)
    findings = _findings(tokens, _clauses(tokens, mentions, words), words, session_exercises)
    if said_flags:
        # Pain that stopped them and stays goes the way of sharp pain (the screening's key).
        flags = tuple(dict.fromkeys("sharp" if f == "stopped" else f for f in said_flags))
        return FeedbackReading(_as_red_flag(findings, "sharp" in said_flags), Intent.RED_FLAG,
                               flags, named=named)
    asks = _asks(tokens, words)
    topic = next((t for t, cues in words.topics.items() if holds(tokens, cues)), None)
    skip = _skip(tokens, words, asks) if not (asks and topic) else None
    if skip is not None:
        scope, kind = skip
        skipped = tuple(Finding(f.exercise_id, OutcomeKind.SKIPPED, candidates=f.candidates)
                        for f in findings if f.exercise_id or f.candidates)
        return FeedbackReading(skipped or (Finding(None, OutcomeKind.SKIPPED),), Intent.SKIP,
                               skip_scope=scope, skip_kind=kind, named=named)
    if asks:
        return FeedbackReading((), Intent.QUESTION, topic=topic, named=named)
    if not findings:
        return FeedbackReading((), Intent.OTHER, named=named)
    return FeedbackReading(tuple(findings), Intent.REPORT, named=named)


def _as_red_flag(findings: list[Finding], sharp: bool) -> tuple[Finding, ...]:
    """Each named move as the pain it was; the warning sign decides the rest."""
    severity = Severity.SHARP if sharp else None
    return tuple(Finding(f.exercise_id, OutcomeKind.PAIN, f.side, severity or f.severity,
                         f.reps, f.candidates)
                 for f in findings if f.exercise_id or f.candidates)


def red_flags(tokens: Sequence[str], words: Vocabulary) -> tuple[str, ...]:
    """The warning signs a message names (not negated: "no numbness" is none)."""
    taken: set[int] = set()
    find(tokens, words.not_red_flags, taken)
    found = _flags_said(tokens, words.red_flags, taken, words)
    if _says_pain(tokens, words):
        found += _flags_said(tokens, words.red_flags_with_pain, taken, words)
    stopped = find(tokens, words.severity.get(Severity.STOPPED, Cues()))
    if stopped and holds(tokens, words.stays):
        found.append("stopped")  # it made them stop, and it has not gone away
    return tuple(dict.fromkeys(found))


def _flags_said(tokens: Sequence[str], flags: Mapping[str, Cues], taken: set[int],
                words: Vocabulary) -> list[str]:
    return [flag for flag, cues in flags.items()
            if any(not _negated(tokens, start, words) for start, _, _ in
                   find(tokens, cues, set(taken)))]


def _says_pain(tokens: Sequence[str], words: Vocabulary) -> bool:
    pains = find(tokens, words.outcomes[OutcomeKind.PAIN])
    return any(not _negated(tokens, s, words) for s, _, _ in pains) or holds(tokens, words.joints)


def _negated(tokens: Sequence[str], start: int, words: Vocabulary) -> bool:
    before = tokens[max(0, start - NEGATION_REACH):start]
    cut = max((i for i, t in enumerate(before) if t in _PUNCTUATION), default=-1)
    return any(t in words.negations for t in before[cut + 1:])


def _skip(tokens: list[str], words: Vocabulary,
          question: bool) -> tuple[str | None, str | None] | None:
    """(scope, kind) when the runner asks to leave something out; None when they don't.
    "Rest day" or "not today" says so only outside a question ("...on my rest day?")."""
    cues = words.skip_ask if question else words.skip_ask | words.skip_states
    asks = [h for h in find(tokens, cues) if not _negated(tokens, h[0], words)]
    if not asks or holds(tokens, words.skip_done):
        return None
    scope = next((s for s, cues in words.skip_scopes.items() if holds(tokens, cues)), None)
    kind = next((k for k, cues in words.skip_kinds.items() if holds(tokens, cues)), None)
    return scope, kind


def _asks(tokens: list[str], words: Vocabulary) -> bool:
    if "?" in tokens:
        return True
    starts = {0} | {i + 1 for i, t in enumerate(tokens) if t in _PUNCTUATION or t in
                    _CLAUSE_BREAKS or t == "so"}
    if any(s in starts for s, _, _ in find(tokens, words.question_starts)):
        return True
    # "should I", "can we", "is it": a question; "could do more" is not.
    return any(s in starts and e < len(tokens) and tokens[e] in words.question_subjects
               for s, e, _ in find(tokens, words.question_asking))


# --- clauses and what each says --------------------------------------------------------------


@dataclass(frozen=True)
class _Clause:
    start: int
    end: int
    mentions: tuple[_Mention, ...]
    whole: bool = False  # about the session as a whole ("did all of it")


def _clauses(tokens: list[str], mentions: list[_Mention], words: Vocabulary) -> list[_Clause]:
    inside = {i for m in mentions for i in range(m.start, m.end)}
    breaks = [i for i, t in enumerate(tokens)
              if i not in inside and (t in _PUNCTUATION or t in _CLAUSE_BREAKS)]
    clauses: list[_Clause] = []
    for left, right in itertools.pairwise([-1, *breaks, len(tokens)]):
        start, end = left + 1, right
        if start < end:
            own = tuple(m for m in mentions if start <= m.start < end)
            whole = not own and holds(tokens[start:end], words.session)
            clauses.append(_Clause(start, end, own, whole))
    return _merge_unnamed(clauses)


def _merge_unnamed(clauses: list[_Clause]) -> list[_Clause]:
    """A clause naming no exercise belongs to the one before it: "plank was hard, only 5 reps"
    (unless it speaks of the whole session)."""
    merged: list[_Clause] = []
    for clause in clauses:
        previous = merged[-1] if merged else None
        if previous and previous.whole and not clause.mentions:
            clause = _Clause(previous.start, clause.end, (), whole=True)  # "all done but hard"
        elif previous and not clause.whole and not previous.whole and (
                not clause.mentions or not previous.mentions):
            clause = _Clause(previous.start, clause.end, previous.mentions + clause.mentions)
        else:
            previous = None
        if previous:
            merged.pop()
        merged.append(clause)
    return merged


@dataclass(frozen=True)
class _Report:
    outcome: OutcomeKind | None
    side: Side | None
    severity: Severity | None
    reps: int | None


def _findings(tokens: list[str], clauses: list[_Clause], words: Vocabulary,
              session: Collection[str]) -> list[Finding]:
    reports = [_report(tokens, c, words) for c in clauses]
    findings: list[Finding] = []
    for index, clause in enumerate(clauses):
        report = _shared_report(reports, clauses, index)
        for mention in clause.mentions:
            finding = _finding(mention, report, session)
            if finding not in findings:
                findings.append(finding)
        if clause.whole and report.outcome is not None:
            findings.append(Finding(None, report.outcome, report.side, report.severity,
                                    report.reps))
    if len(findings) > 1:  # "did it all, the rest was fine": the session once
        whole = [f for f in findings if f.exercise_id is None and not f.candidates]
        findings = [f for f in findings if f not in whole[1:]]
    if not findings:
        said = [r for r in reports if r.outcome is not None]
        if said:
            first = min(said, key=lambda r: RANK.index(r.outcome or OutcomeKind.DONE))
            findings.append(Finding(None, first.outcome, first.side, first.severity, first.reps))
    return findings


def _shared_report(reports: list[_Report], clauses: list[_Clause], index: int) -> _Report:
    """A clause that only names an exercise borrows how it went from its neighbour:
    "bridge and clamshell were hard"; "it hurt in the bridge and the clamshell"."""
    own = reports[index]
    if own.outcome is not None or not clauses[index].mentions:
        return own
    for neighbour in (index + 1, index - 1):
        if 0 <= neighbour < len(reports) and reports[neighbour].outcome is not None \
                and not clauses[neighbour].whole:
            lent = reports[neighbour]
            return _Report(lent.outcome, own.side or lent.side, lent.severity,
                           own.reps if own.reps is not None else lent.reps)
    return own


def _finding(mention: _Mention, report: _Report, session: Collection[str]) -> Finding:
    close = _close(mention, report.outcome is OutcomeKind.PAIN)
    in_session = [c for c in close if c in session]
    if len(close) > 1 and len(in_session) == 1:
        close = in_session
    if len(close) == 1:
        return Finding(close[0], report.outcome, report.side, report.severity, report.reps)
    return Finding(None, report.outcome, report.side, report.severity, report.reps,
                   candidates=tuple(close))


def _close(mention: _Mention, pain: bool) -> list[str]:
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


def _report(tokens: list[str], clause: _Clause, words: Vocabulary) -> _Report:
    # A move's name with the little word before it ("stopped the lunges early").
    covered = {i for m in clause.mentions
               for i in range(m.start - (m.start > 0 and tokens[m.start - 1] in _ARTICLES), m.end)}
    # Punctuation stays: "not limping, just sore" is not "not sore".
    said = [t for i, t in enumerate(tokens[clause.start:clause.end], clause.start)
            if i not in covered]
    outcome = outcome_of(said, words)
    text = " ".join(t for t in said if t not in _PUNCTUATION)
    if outcome in (None, OutcomeKind.DONE) and "only" in said and _reps(text) is not None:
        outcome = OutcomeKind.UNFINISHED  # "only 8 reps": fell short of the target
    severity = severity_of(said, words) if outcome is OutcomeKind.PAIN else None
    return _Report(outcome, side_of(said, words), severity, _reps(text))


def outcome_of(said: Sequence[str], words: Vocabulary) -> OutcomeKind | None:
    """The strongest outcome said ("no pain" is fine; "not easy" was hard)."""
    taken: set[int] = set()
    find(said, words.chat, taken)  # "good morning" says nothing about the session
    cues = words.outcome_cues
    found: list[OutcomeKind] = []
    for start, _, phrase in find(said, cues, taken):
        kind = OutcomeKind(cues.meaning[phrase])
        negated = not set(phrase) & words.negations and _negated(said, start, words)
        found.append(words.negated.get(kind, OutcomeKind.DONE) if negated else kind)
    if OutcomeKind.SORE in found and _on_a_joint(said, words):
        found.append(OutcomeKind.PAIN)  # a sore hip during a move is a pain, not DOMS
    return next((kind for kind in RANK if kind in found), None)


def _on_a_joint(said: Sequence[str], words: Vocabulary) -> bool:
    left = list(said)
    for start, end, _ in find(said, words.body_compounds):
        left[start:end] = ["_"] * (end - start)  # "hip flexor" is a muscle, not the hip
    return holds(left, words.joints) and not holds(said, words.day_after)


def severity_of(said: Sequence[str], words: Vocabulary) -> Severity | None:
    for severity in (Severity.SHARP, Severity.STOPPED, Severity.MILD):
        hits = find(said, words.severity.get(severity, Cues()))
        if any(not _negated(said, s, words) for s, _, _ in hits):
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


def _reps(text: str) -> int | None:
    match = _REPS.search(text)
    if not match:
        return None
    raw = match.group(1)
    return int(raw) if raw.isdigit() else _NUMBER_WORDS[raw]
