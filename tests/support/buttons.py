"""Finding a button by what it does: its payload, ``action:arg``, its argument or its action."""

from __future__ import annotations

from bot.domain.buttons import ButtonError, decode


def aliases(data: str) -> tuple[str, ...]:
    """``"7|q:t:band"`` answers to ``q:t:band``, ``t:band``, ``band``; ``"3|s:yes"`` to ``yes``."""
    try:
        choice = decode(data)
    except ButtonError:
        return ()
    payload = data.partition("|")[2]
    if not choice.arg:
        return payload, choice.action
    return payload, f"{choice.action}:{choice.arg}", choice.arg


def matches(data: str, value: str) -> bool:
    return value in aliases(data)
