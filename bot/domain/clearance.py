"""Leaving the red-flag path: the clearance's words and the free text that opens it.

Pure, stdlib only. The two steps themselves live in bot/domain/dialogue/clearing.py: the runner
says a clinician cleared them (a button, /settings, or free text ``says_cleared`` recognises),
the bot asks them to confirm, "Yes" stores the date and the self-tests come again. A free-text
match only ever opens the question; nothing is cleared without the confirm press.
"""

from __future__ import annotations

import re

# Templates under content/texts/safety/ and labels in content/safety.yaml.
ASK_TEMPLATE = "safety/clear_ask"
CONFIRMED_TEMPLATE = "safety/clear_confirmed"
DECLINED_TEMPLATE = "safety/clear_declined"
RETESTED_TEMPLATE = "safety/clear_retested"
CONFIRM_LABEL = "safety.clear_yes"
DECLINE_LABEL = "safety.clear_not_yet"
OFFER_LABEL = "safety.clear_offer"  # the button on red-flag messages and in /settings


# ---------------------------------------------------------------- free text

_CLINICIAN = (r"(?:physio(?:therapist)?|physical therapist|pt|doc(?:tor)?|dr|gp|clinician|"
              r"surgeon|consultant|osteo(?:path)?|chiro(?:practor)?|sports? (?:doc|medic\w*)|"
              r"specialist|orthopa?edi\w*|nurse|therapist|medic)")
_SELF_CLEARED = re.compile(
    r"\b(?:i'?m|i am|i'?ve been|i have been|i was|i got|i've got|i have got|got|been|"
    r"just got|now)\s+(?:been\s+)?(?:officially\s+|fully\s+|finally\s+)?"
    r"(?:cleared|signed off|given the (?:all[- ]clear|green light|ok|okay))\b")
_ALL_CLEAR = re.compile(r"\b(?:the |an? )?all[- ]clear\b|\bgreen light\b")
_BY_CLINICIAN = re.compile(
    rf"\b{_CLINICIAN}\b.{{0,40}}?\b(?:cleared|signed me off|signed off|ok'?d|okay(?:ed)?|"
    r"gave me the|says? (?:i'?m|i am|it'?s) (?:fine|ok|okay|good|all good|clear)|"
    r"said (?:i'?m|i am|it'?s|i was|it was) (?:fine|ok|okay|good|all good|clear)|"
    r"said (?:i|that i) (?:can|could) (?:run|train))")
_CLEARED_BY = re.compile(rf"\bcleared (?:me )?(?:by|from) (?:my |the |a )?{_CLINICIAN}\b")
# Anything that makes it not (yet) true: a negation, a wish, a plan, a condition, a question.
_NOT_YET = re.compile(
    r"\b(?:not|no|never|n't|nt|yet to|waiting|wait|hope|hoping|hopefully|will|would|going to|"
    r"gonna|if|unless|until|till|once|when|should|might|maybe|need|needs|want|wants|"
    r"supposed|appointment|booked|tomorrow|next)\b|n't\b|\?")


def says_cleared(text: str) -> bool:
    """True when free text states that a clinician has cleared the runner.

    Cautious on purpose: any negation, condition or question rules it out ("I'm not cleared
    yet", "once the physio clears me", "am I cleared?"). A miss costs a button press; a
    match only opens the two-step question."""
    words = _normalise(text)
    if not words or _NOT_YET.search(words):
        return False
    patterns = (_SELF_CLEARED, _BY_CLINICIAN, _CLEARED_BY, _ALL_CLEAR)
    return any(p.search(words) for p in patterns)


def _normalise(text: str) -> str:
    text = text.lower().replace("\u2019", "'").replace("\u2018", "'")
    return " ".join(re.sub(r"[^a-z0-9'?\- ]+", " ", text).split())
