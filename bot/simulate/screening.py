"""The persona answers the screening the way a runner would: a tap where there is a button."""

from __future__ import annotations

from bot.simulate.persona import Persona, to_answers
from bot.simulate.runner import Hands, Sent

MAX_TURNS = 60
DONE_TEMPLATES = frozenset({"screening_done", "safety/red_flag_welcome"})


class ScreeningStuckError(Exception):
    """The coach asked something the persona cannot answer; names the last question."""


def screen(hands: Hands, persona: Persona) -> None:
    answers = to_answers(persona.answers)
    shown = hands.command("start")
    for _ in range(MAX_TURNS):
        if not shown:
            raise ScreeningStuckError("the coach went quiet during the screening")
        last = shown[-1]
        if _finished(shown):
            return
        shown = _answer(hands, last, answers, persona)
    raise ScreeningStuckError(f"no end to the screening after {MAX_TURNS} answers")


def _finished(shown: list[Sent]) -> bool:
    return any(s.message.template in DONE_TEMPLATES for s in shown)


def _answer(hands: Hands, last: Sent, answers: dict[str, str | list[str]],
            persona: Persona) -> list[Sent]:
    template = last.message.template
    keys = last.button_keys()
    if "summary.confirm" in keys:
        return _tap(hands, "summary.confirm")
    if "zone.yes" in keys:
        return _tap(hands, "zone.yes")
    if "restart.fresh" in keys:
        return _tap(hands, "restart.fresh")
    if not template.startswith("q_"):
        raise ScreeningStuckError(f"unexpected message during screening: {template!r}")
    question = template.removeprefix("q_")
    if question == "timezone":
        return hands.type(persona.timezone)
    value = answers[question]
    if isinstance(value, list):
        return _multi(hands, question, value)
    if f"{question}.{value}" in keys:
        return _tap(hands, f"{question}.{value}")
    return hands.type(value)


def _multi(hands: Hands, question: str, chosen: list[str]) -> list[Sent]:
    for option in chosen:
        _tap(hands, f"{question}.{option}")
    finish = f"{question}.done" if chosen else f"{question}.none"
    shown = hands.tap(finish)
    if shown is None:
        shown = _tap(hands, f"{question}.done")
    return shown


def _tap(hands: Hands, key: str) -> list[Sent]:
    shown = hands.tap(key)
    if shown is None:
        raise ScreeningStuckError(f"no {key!r} button on screen")
    return shown
