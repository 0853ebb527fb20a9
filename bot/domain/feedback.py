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
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace

from bot.domain.feedback_names import (
    PUNCTUATION,
    CatalogueEntry,
    Mention,
    MoveIndex,
    close_names,
    mentions,
)
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
    negated,
    outcome_of,
    plain,
    severity_of,
    side_of,
)

__all__ = ["CatalogueEntry", "FeedbackReading", "Finding", "Intent", "MoveIndex", "OutcomeKind",
           "Severity", "Side", "read_message"]


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


# Past this many words the rest is not read: a pasted essay must not hold up the bot.
MAX_TOKENS = 120

_PUNCTUATION = PUNCTUATION
_ARTICLES = frozenset({"the", "a", "an", "my", "those", "these", "them", "that", "this"})
_CLAUSE_BREAKS = frozenset({"and", "but", "then", "while", "though", "although", "also", "plus",
                            "whereas", "however", "except", "apart", "otherwise"})
_TOKEN = re.compile(r"[a-z0-9]+|[.,;!?]")
_NUMBER_WORDS = {w: i for i, w in enumerate((
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
    "nineteen", "twenty"))}
_REPS = re.compile(r"\b(\d{1,3}|" + "|".join(_NUMBER_WORDS) + r")\s*(?:reps?|repetitions?|x)\b")


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
    found = mentions(tokens, index)
    named = _named(found)
    said_flags = red_flags(tokens, words)
    findings = _findings(tokens, _clauses(tokens, found, words), words, session_exercises)
    if said_flags:
        return _flag_reading(findings, said_flags, named)
    asks = _asks(tokens, words)
    topic = next((t for t, cues in words.topics.items() if holds(tokens, cues)), None)
    # A race question gets the race rule, even when it asks about skipping.
    skip = _skip(tokens, words, asks) if not (asks and topic) else None
    if skip is not None:
        return _skip_reading(findings, skip, named)
    if asks:
        return FeedbackReading((), Intent.QUESTION, topic=topic, named=named)
    intent = Intent.REPORT if findings else Intent.OTHER
    return FeedbackReading(tuple(findings), intent, named=named)


def _named(found: list[Mention]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(m.scores[0][0] for m in found
                               if len(close_names(m, False)) == 1))


def _flag_reading(findings: list[Finding], said: tuple[str, ...],
                  named: tuple[str, ...]) -> FeedbackReading:
    # Pain that stopped them and stays goes the way of sharp pain (the screening's key).
    flags = tuple(dict.fromkeys("sharp" if f == "stopped" else f for f in said))
    return FeedbackReading(_as_red_flag(findings, "sharp" in said), Intent.RED_FLAG, flags,
                           named=named)


def _skip_reading(findings: list[Finding], skip: tuple[str | None, str | None],
                  named: tuple[str, ...]) -> FeedbackReading:
    skipped = tuple(Finding(f.exercise_id, OutcomeKind.SKIPPED, candidates=f.candidates)
                    for f in findings if f.exercise_id or f.candidates)
    return FeedbackReading(skipped or (Finding(None, OutcomeKind.SKIPPED),), Intent.SKIP,
                           skip_scope=skip[0], skip_kind=skip[1], named=named)


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
            if any(not negated(tokens, start, words) for start, _, _ in
                   find(tokens, cues, set(taken)))]


def _says_pain(tokens: Sequence[str], words: Vocabulary) -> bool:
    """A pain said (not "no pain"), or a joint said to be sore ("my hip is sore now")."""
    pains = find(tokens, words.outcomes[OutcomeKind.PAIN])
    if any(not negated(tokens, s, words) for s, _, _ in pains):
        return True
    sore = find(tokens, words.outcomes[OutcomeKind.SORE]) + find(tokens, words.joint_pain)
    return holds(tokens, words.joints) and any(not negated(tokens, s, words) for s, _, _ in sore)


def _skip(tokens: list[str], words: Vocabulary,
          question: bool) -> tuple[str | None, str | None] | None:
    """(scope, kind) when the runner asks to leave something out; None when they don't.
    "Rest day" or "not today" says so only outside a question ("...on my rest day?")."""
    cues = words.skip_ask if question else words.skip_ask | words.skip_states
    asks = [h for h in find(tokens, cues) if not negated(tokens, h[0], words)]
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
    mentions: tuple[Mention, ...]
    whole: bool = False  # about the session as a whole ("did all of it")


def _clauses(tokens: list[str], mentions: list[Mention], words: Vocabulary) -> list[_Clause]:
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
        for finding in (_finding(m, report, session) for m in clause.mentions):
            if finding not in findings:  # "foam rolling" names one move twice
                findings.append(finding)
        if clause.whole and report.outcome is not None:
            findings.append(Finding(None, report.outcome, report.side, report.severity,
                                    report.reps))
    return _session_once(findings) or _unnamed(reports)


def _session_once(findings: list[Finding]) -> list[Finding]:
    """"Did it all, the rest was fine": the session as a whole said once."""
    whole = [f for f in findings if f.exercise_id is None and not f.candidates]
    return [f for f in findings if f not in whole[1:]]


def _unnamed(reports: list[_Report]) -> list[Finding]:
    """No move named: the strongest thing said, about the session as a whole."""
    said = [r for r in reports if r.outcome is not None]
    if not said:
        return []
    first = min(said, key=lambda r: RANK.index(r.outcome or OutcomeKind.DONE))
    return [Finding(None, first.outcome, first.side, first.severity, first.reps)]


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


def _finding(mention: Mention, report: _Report, session: Collection[str]) -> Finding:
    close = close_names(mention, report.outcome is OutcomeKind.PAIN)
    in_session = [c for c in close if c in session]
    if len(close) > 1 and len(in_session) == 1:
        close = in_session
    if len(close) == 1:
        return Finding(close[0], report.outcome, report.side, report.severity, report.reps)
    return Finding(None, report.outcome, report.side, report.severity, report.reps,
                   candidates=tuple(close))


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


def _reps(text: str) -> int | None:
    match = _REPS.search(text)
    if not match:
        return None
    raw = match.group(1)
    return int(raw) if raw.isdigit() else _NUMBER_WORDS[raw]
