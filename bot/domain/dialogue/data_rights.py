"""The runner's data rights: ``/privacy``, ``/export`` and ``/delete`` (with its confirmation).

A runner's data is theirs at any point, mid-screening included: these answer in every state.
"""

from __future__ import annotations

from bot.domain.buttons import Choice, Feature
from bot.domain.dialogue.state import (
    COACH_STATES,
    DeleteEverything,
    Dialogue,
    ReportKind,
    ShowReport,
    State,
    Transition,
    goto,
    stale,
)
from bot.domain.model import Command, Reply, button

COMMANDS = ("privacy", "export", "delete")


def command(d: Dialogue, cmd: Command, prompt: tuple[Reply, ...]) -> Transition:
    """After screening the dialogue moves on a turn; mid-screening the question stays open."""
    screened = d.state in COACH_STATES
    here = goto(d, State.READY) if screened else d
    if cmd.name == "privacy":
        return Transition(here, (Reply("privacy"),) + (() if screened else prompt))
    if cmd.name == "export":
        return Transition(here, () if screened else prompt, (ShowReport(ReportKind.EXPORT),))
    buttons = ((button("delete.confirm", Choice(here.turn, Feature.DATA, "delete_all")),),
               (button("delete.keep", Choice(here.turn, Feature.DATA, "keep_data")),))
    return Transition(here, (Reply("delete_confirm", {}, buttons),))


def on_choice(d: Dialogue, c: Choice, prompt: tuple[Reply, ...]) -> Transition:
    if c.turn != d.turn:
        return stale(d)
    if c.action == "delete_all":
        gone = Dialogue(turn=d.turn + 1)
        return Transition(gone, (Reply("delete_done"),), (DeleteEverything(),),
                          close_source=True)
    if c.action != "keep_data":
        return stale(d)
    if d.state in COACH_STATES:
        return Transition(goto(d, State.READY), (Reply("delete_kept"),), close_source=True)
    return Transition(d, (Reply("delete_kept"),) + prompt, close_source=True)
