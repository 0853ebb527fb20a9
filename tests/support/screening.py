"""The screening's happy path, generated from the question table (bot/domain/dialogue/questions.py).

Give it the answers; it yields what a runner does at each question, in order. A new question
in the table is walked through by every test that uses this, with no edit here, as long as its
kind is one of the kinds below.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

from bot.domain.dialogue.questions import Question, required_questions

# How a runner names each zone used in the tests.
ZONE_WORDS = {"Europe/Berlin": "Berlin", "Etc/GMT-3": "UTC+3", "Asia/Tokyo": "Tokyo",
              "Australia/Sydney": "Sydney"}


@dataclass(frozen=True)
class Step:
    """One thing the runner does: tap ``question.option`` (a label key), or type ``text``."""

    state: str  # the stored state name while this step is taken, e.g. "ask:pain"
    how: str  # "tap" or "type"
    question: str = ""
    option: str = ""
    text: str = ""
    multi: bool = False  # a tick on a multi-select question (or its Done / None)

    @property
    def label(self) -> str:
        """The button's label key, e.g. ``pain.mild``, ``equipment.done``, ``zone.yes``."""
        return f"{self.question}.{self.option}"

    @property
    def alias(self) -> str:
        """The button by what it does (tests/support/buttons.py): ``mild``, ``t:band``."""
        ticks = self.multi and self.option not in ("done", "none")
        return f"t:{self.option}" if ticks else self.option


def complete(answers: Mapping[str, object]) -> dict[str, object]:
    """``answers`` with every other question the screening asks answered by its first option.

    So a question added to the table is answered by every test's runner without a test edit.
    """
    full = dict(answers)
    for q in required_questions(full):  # type: ignore[arg-type]
        if q.id not in full:
            full[q.id] = _first_answer(q)
    return {q.id: full[q.id] for q in required_questions(full)}  # type: ignore[arg-type]


def _first_answer(q: Question) -> object:
    if q.kind == "multi":
        return [q.options[0]] if q.id == "run_days" else []
    if q.kind == "minutes":
        return int(q.options[0])
    if q.kind == "zone":
        return "Europe/Berlin"
    return q.options[0]


def screening_steps(answers: Mapping[str, object], typed: bool = False,
                    label: Callable[[str], str] | None = None) -> Iterator[Step]:
    """The steps that give ``answers``: taps where a button says it, else typed words.

    ``typed``: type every answer in words (``label`` turns a label key into its words).
    """
    full = complete(answers)
    for q in required_questions(full):  # type: ignore[arg-type]
        yield from _steps(q, full[q.id], typed, label or (lambda key: key))


def _steps(q: Question, value: object, typed: bool, label: Callable[[str], str]
           ) -> Iterator[Step]:
    state = f"ask:{q.id}"
    if q.kind == "zone":
        yield Step(state, "type", text=ZONE_WORDS[str(value)])
        yield (Step("confirm_zone", "type", text=label("zone.yes")) if typed
               else Step("confirm_zone", "tap", "zone", "yes"))
    elif q.kind == "multi":
        chosen = [str(v) for v in value] if isinstance(value, list) else []
        if typed:
            words = [label(f"{q.id}.{v}") for v in chosen] or [label(f"{q.id}.none")]
            yield Step(state, "type", text=" and ".join(words))
            if q.id == "equipment" and len(chosen) == 1:  # one typed item only ticks it
                yield Step(state, "type", text=label(f"{q.id}.done"))
            return
        yield from (Step(state, "tap", q.id, v, multi=True) for v in chosen)
        yield Step(state, "tap", q.id, "done" if chosen else "none", multi=True)
    elif str(value) in q.options and not typed:
        yield Step(state, "tap", q.id, str(value))
    elif q.kind == "single":
        yield Step(state, "type", text=label(f"{q.id}.{value}"))
    else:
        yield Step(state, "type", text=str(value))


def upto(steps: list[Step], state: str) -> list[Step]:
    """The steps before the runner first stands in ``state`` (e.g. ``"ask:goal"``)."""
    return steps[:next(i for i, s in enumerate(steps) if s.state == state)]


def onwards(steps: list[Step], state: str) -> list[Step]:
    """The steps from ``state`` on."""
    return steps[next(i for i, s in enumerate(steps) if s.state == state):]
