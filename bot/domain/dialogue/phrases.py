"""Everyday phrases after screening ("what's next?", "I'm injured", "I ran 10k") and words in
another language. Pure: each gets a useful answer instead of "I didn't catch that". The
phrases themselves are words in content/words, read by the reader (bot/domain/feedback.py)."""

from __future__ import annotations

import re
import unicodedata

from bot.domain.dialogue import report, today
from bot.domain.dialogue.state import Dialogue, Transition
from bot.domain.feedback import FeedbackReading, Intent, OutcomeKind
from bot.domain.model import Context, Reply

# Latin-script hellos from other languages; other scripts are caught by their letters.
GREETINGS = frozenset({
    "hola", "buenas", "buenos dias", "bonjour", "salut", "coucou", "hallo", "guten tag", "moin",
    "servus", "ciao", "buongiorno", "ola", "oi", "bom dia", "hej", "hei", "moi", "hoi", "dag",
    "ahoj", "czesc", "szia", "merhaba", "selam", "namaste", "privet", "zdravstvuyte",
    "konnichiwa", "ni hao", "salam", "shalom", "jambo", "sawubona", "kia ora"})

DISTANCE = re.compile(r"\b\d{1,3}(?:[.,]\d)?\s?(?:k|km|kms|mi|miles?|kilometers?|kilometres?)\b")


def _plain(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.lower().replace("’", "'"))
    kept = "".join(c for c in decomposed if c.isalnum() or c.isspace() or c == "'")
    return re.sub(r"\s+", " ", kept).strip()


def not_english(text: str) -> bool:
    """Mostly letters of another script, or a hello in another language."""
    letters = [c for c in text if c.isalpha()]
    other = [c for c in letters if not unicodedata.name(c, "").startswith("LATIN")]
    if letters and len(other) * 2 > len(letters):
        return True
    return _plain(text) in GREETINGS


def english_only(first: Transition) -> Transition:
    """A friendly line ahead of whatever the state would say anyway."""
    return Transition(first.dialogue, (Reply("english_only"),) + first.replies, first.effects,
                      first.toast, first.close_source)


def everyday(d: Dialogue, text: str, ctx: Context) -> Transition | None:
    """An answer to an everyday phrase; None leaves the text to be read as a report (warning
    signs, questions and skips included)."""
    # Which move is meant does not matter here: no need to work out today's session.
    heard = heard_phrase(ctx.coach.read_feedback(text, ()))
    if heard == "whats_next":
        return today.today_command(d, ctx)
    if heard == "injured":
        return report.ask_where_it_hurts(d, text, ctx, Reply("heard_injury"))
    if heard == "ran":
        found = DISTANCE.search(_plain(text))
        distance = found.group(0) if found else None
        return Transition(d, (Reply("heard_run", {"distance": distance}),))
    return None


def _only_ran(reading: FeedbackReading) -> bool:
    """"I ran 10k", "just finished my run": nothing more said than the run being done."""
    return reading.intent is Intent.OTHER or (reading.intent is Intent.REPORT and all(
        f.exercise_id is None and not f.candidates and f.outcome in (OutcomeKind.DONE, None)
        for f in reading.findings))


def heard_phrase(reading: FeedbackReading) -> str | None:
    """The everyday phrase a message is, unless it says more: a warning sign always goes to
    the report path, and "I ran 5k and my hip hurt" is a report."""
    if reading.red_flag:
        return None
    if reading.everyday == "ran" and not _only_ran(reading):
        return None
    if reading.everyday == "injured" and reading.intent is Intent.QUESTION:
        return None
    return reading.everyday
