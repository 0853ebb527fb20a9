"""Leaving the red-flag path: an explicit two-step clearance, then the self-tests again.

Pure, stdlib only. The steps: the runner says a clinician cleared them (a button on a
red-flag message, /settings, or free text that ``says_cleared`` recognises) -> the bot asks
them to confirm -> "Yes" stores ``cleared_at`` -> the self-tests are taken again, and only
then does strength return (``SafetyStatus.phase``). "Not yet" leaves everything as it was.
A free-text match only ever opens the question; nothing is cleared without the confirm press.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

# Templates under content/texts/safety/ and labels in content/safety.yaml.
ASK_TEMPLATE = "safety/clear_ask"
CONFIRMED_TEMPLATE = "safety/clear_confirmed"
DECLINED_TEMPLATE = "safety/clear_declined"
RETESTED_TEMPLATE = "safety/clear_retested"
CONFIRM_LABEL = "safety.clear_yes"
DECLINE_LABEL = "safety.clear_not_yet"
OFFER_LABEL = "safety.clear_offer"  # the button on red-flag messages and in /settings


class Stage(StrEnum):
    FLAGGED = "flagged"  # on the red-flag path, nothing asked
    ASKED = "asked"  # "a clinician cleared me" heard; waiting for the confirm press
    CLEARED = "cleared"  # confirmed and stored; self-tests next
    RETESTED = "retested"  # self-tests taken again: strength may return


@dataclass(frozen=True)
class Clearance:
    stage: Stage = Stage.FLAGGED
    cleared_at: datetime | None = None
    retested_at: datetime | None = None


class ClearanceError(ValueError):
    """A step taken out of order (e.g. a confirm with nothing asked)."""


def ask(state: Clearance) -> Clearance:
    """The first step. Asking again while asked is harmless; a cleared runner is not re-asked."""
    if state.stage in (Stage.FLAGGED, Stage.ASKED):
        return replace(state, stage=Stage.ASKED)
    return state


def confirm(state: Clearance, now: datetime) -> Clearance:
    """The second step: only from ASKED, stored with its (aware) time."""
    if state.stage is not Stage.ASKED:
        raise ClearanceError(f"confirm needs an open question, not {state.stage}")
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return Clearance(Stage.CLEARED, now, None)


def decline(state: Clearance) -> Clearance:
    return replace(state, stage=Stage.FLAGGED) if state.stage is Stage.ASKED else state


def retested(state: Clearance, now: datetime) -> Clearance:
    """The self-tests were taken again after the clearance."""
    if state.stage is not Stage.CLEARED:
        raise ClearanceError(f"self-tests after clearance need a clearance, not {state.stage}")
    return replace(state, stage=Stage.RETESTED, retested_at=now)


def flagged_again(state: Clearance) -> Clearance:
    """A new red flag after a clearance starts the path over (the old date stays in history)."""
    return Clearance()


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
