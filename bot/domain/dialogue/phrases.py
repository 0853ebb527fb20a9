"""Everyday phrases after screening ("what's next?", "I'm injured", "I ran 10k") and words in
another language. Pure: each gets a useful answer instead of "I didn't catch that"."""

from __future__ import annotations

import re
import unicodedata

from bot.domain import listen
from bot.domain.dialogue import report, today
from bot.domain.dialogue.state import Dialogue, Transition
from bot.domain.model import Context, Reply

# Latin-script hellos from other languages; other scripts are caught by their letters.
GREETINGS = frozenset({
    "hola", "buenas", "buenos dias", "bonjour", "salut", "coucou", "hallo", "guten tag", "moin",
    "servus", "ciao", "buongiorno", "ola", "oi", "bom dia", "hej", "hei", "moi", "hoi", "dag",
    "ahoj", "czesc", "szia", "merhaba", "selam", "namaste", "privet", "zdravstvuyte",
    "konnichiwa", "ni hao", "salam", "shalom", "jambo", "sawubona", "kia ora"})

INTENTS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("injured", re.compile(r"\binjured\b|\b(?:an|my) injury\b|\bi'?m hurt\b|\bi am hurt\b"
                           r"|\bhurt myself\b"
                           r"|\bi (?:think i )?(?:pulled|strained|tore|sprained)\b")),
    ("skip_today", re.compile(r"\bskip(?:ping)?(?: it)? today\b|\bskip today'?s\b|\bnot today\b"
                              r"|\bno time today\b|\bran out of time\b"
                              r"|\brest(?:ing)? today\b|\bday off\b")),
    ("ran", re.compile(r"\bi (?:just |already )?ran\b(?! out)"
                       r"|\b(?:did|done|finished) (?:my|a|the) run\b"
                       r"|\bwent for a run\b|\bback from (?:my|a|the) run\b")),
    ("whats_next", re.compile(r"\bwhat'?s next\b|\bwhat now\b|\bwhat (?:should|do) i do\b"
                              r"|\bwhat'?s (?:on )?(?:for )?today\b|\bnext step\b")),
)
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


def intent(text: str) -> str | None:
    said = _plain(text)
    return next((name for name, pattern in INTENTS if pattern.search(said)), None)


def everyday(d: Dialogue, text: str, ctx: Context) -> Transition | None:
    """An answer to an everyday phrase; None leaves the text to be read as a report.

    Red-flag words always go to the report path first, whatever else was said."""
    if listen.red_flag_words(text):
        return None
    heard = intent(text)
    if heard == "whats_next":
        return today.today_command(d, ctx)
    if heard == "injured":
        return report.ask_where_it_hurts(d, text, ctx, Reply("heard_injury"))
    if heard == "ran":
        found = DISTANCE.search(_plain(text))
        distance = found.group(0) if found else None
        return Transition(d, (Reply("heard_run", {"distance": distance}),))
    if heard == "skip_today":
        return Transition(d, (Reply("heard_skip_today"),))
    return None
