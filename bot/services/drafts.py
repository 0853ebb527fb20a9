"""The dialogue at the database boundary: the stored ``state`` string and draft JSON in, a
typed ``Dialogue`` out, and back. pydantic validates every draft against its state's type.

The stored shape is the one rows have always had (``"ask:<question>"``, report rows as JSON
lists, ``{"back": ..., "back_draft": ...}`` for a restart), so existing rows load unchanged.
A row that does not validate is not an error for the runner: the dialogue resumes at the
first open question (or the summary, or ``ready`` once screened), answers kept.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from pydantic import TypeAdapter, ValidationError

from bot.domain.dialogue.plan import answers_of
from bot.domain.dialogue.questions import BY_ID, first_missing
from bot.domain.dialogue.state import (
    COACH_STATES,
    AskDraft,
    Dialogue,
    Draft,
    FeedbackDraft,
    NoDraft,
    RestartDraft,
    RetestDraft,
    State,
    WalkDraft,
    ZoneDraft,
)

log = logging.getLogger(__name__)
ASK_PREFIX = "ask:"

DRAFT_TYPES: dict[State, TypeAdapter[Any]] = {
    State.CONFIRM_ZONE: TypeAdapter(ZoneDraft),
    State.WALK: TypeAdapter(WalkDraft),
    State.RETEST: TypeAdapter(RetestDraft),
    State.FEEDBACK: TypeAdapter(FeedbackDraft),
}
SELECTION: TypeAdapter[tuple[str, ...]] = TypeAdapter(tuple[str, ...])
DUMPERS: dict[type, TypeAdapter[Any]] = {
    t: TypeAdapter(t) for t in (ZoneDraft, WalkDraft, RetestDraft, *FeedbackDraft.__args__)}


class DraftError(ValueError):
    """A stored state or draft this version cannot read."""


def load_dialogue(state: str, answers: Mapping[str, object], draft: Mapping[str, object],
                  turn: int) -> Dialogue:
    clean = answers_of(answers)
    try:
        known, typed = read_state(state, draft)
    except DraftError as exc:
        log.warning("unreadable dialogue state %r (%s); resuming", state[:40], exc)
        known, typed = _resume(state, clean)
    return Dialogue(known, clean, typed, turn)


def read_state(state: str, draft: Mapping[str, object]) -> tuple[State, Draft]:
    if state.startswith(ASK_PREFIX):
        question = state.removeprefix(ASK_PREFIX)
        if question not in BY_ID:
            raise DraftError(f"no question {question!r}")
        return State.ASK, AskDraft(question, _selection(draft.get("selected", ())))
    try:
        known = State(state)
    except ValueError:
        raise DraftError(f"no state {state!r}") from None
    if known is State.ASK:
        raise DraftError("ask without a question")
    return known, _read_draft(known, draft)


def _selection(raw: object) -> tuple[str, ...]:
    try:
        return SELECTION.validate_python(raw)
    except ValidationError as exc:
        raise DraftError(str(exc).splitlines()[0]) from None


def _read_draft(state: State, raw: Mapping[str, object]) -> Draft:
    if state is State.CONFIRM_RESTART:
        back, back_draft = raw.get("back"), raw.get("back_draft") or {}
        if not isinstance(back, str) or not isinstance(back_draft, Mapping):
            raise DraftError("restart without a state to go back to")
        back_state, inner = read_state(back, back_draft)
        if back_state is State.CONFIRM_RESTART:
            raise DraftError("restart inside a restart")
        return RestartDraft(back_state, inner)
    adapter = DRAFT_TYPES.get(state)
    if adapter is None:
        return NoDraft()
    try:
        draft: Draft = adapter.validate_python(dict(raw))
    except ValidationError as exc:
        raise DraftError(str(exc).splitlines()[0]) from None
    return draft


def _resume(state: str, answers: Mapping[str, object]) -> tuple[State, Draft]:
    if state in COACH_STATES or state == "deleted":
        return State.READY, NoDraft()
    if not answers:
        return State.NEW, NoDraft()
    missing = first_missing(answers_of(answers))
    return (State.SUMMARY, NoDraft()) if missing is None else (State.ASK, AskDraft(missing.id))


def dump_state(d: Dialogue) -> tuple[str, dict[str, Any]]:
    """The state string and draft JSON to store for ``d``."""
    return state_name(d), dump_draft(d.draft)


def state_name(d: Dialogue) -> str:
    if isinstance(d.draft, AskDraft) and d.state is State.ASK:
        return ASK_PREFIX + d.draft.question
    return d.state.value


def dump_draft(draft: Draft) -> dict[str, Any]:
    if isinstance(draft, NoDraft):
        return {}
    if isinstance(draft, AskDraft):
        question = BY_ID.get(draft.question)
        return {"selected": list(draft.selected)} if question and question.kind == "multi" else {}
    if isinstance(draft, RestartDraft):
        back = Dialogue(draft.back, {}, draft.back_draft)
        return {"back": state_name(back), "back_draft": dump_draft(draft.back_draft)}
    dumped: dict[str, Any] = DUMPERS[type(draft)].dump_python(draft, mode="json")
    return dumped
