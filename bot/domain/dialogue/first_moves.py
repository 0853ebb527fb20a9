"""A move's figure the first time it enters a runner's plan.

The one place that knows how to tell which moves a plan change brings in: it compares the
plan being saved with the runner's last one. The first plan brings in nothing here, because
every move of it is shown with its figure in the walk-through's "How?" step; a change (a swap,
a progression, a re-test, /settings) shows each move it adds, and later changes that keep the
move show nothing. (A move dropped and added back later counts as new again.)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from bot.domain.dialogue.state import SavePlan, Transition
from bot.domain.model import FIGURE_CAPTION, Context, FigureRequest, Reply

# A plan change rarely adds more; more figures in one go would bury the words about the change.
MOST_FIGURES = 3


def with_first_figures(outcome: Transition, ctx: Context) -> Transition:
    """The transition, with one figure reply per move its saved plan adds."""
    before = ctx.coach.last_plan
    saved = [e.plan for e in outcome.effects if isinstance(e, SavePlan)]
    if before is None or not saved:
        return outcome
    known = moves_in(before)
    added = [m for m in moves_in(saved[-1]) if m not in known][:MOST_FIGURES]
    catalog = ctx.coach.catalog
    figures = tuple(figure_reply(m, catalog.exercise(m).name, catalog.exercise(m).cues)
                    for m in added if m in catalog.exercises)
    return replace(outcome, replies=outcome.replies + figures) if figures else outcome


def figure_reply(exercise_id: str, name: str, cues: Sequence[str]) -> Reply:
    """The figure alone, its caption naming the move as new in the plan."""
    return Reply(FIGURE_CAPTION, {"name": name, "cues": list(cues), "new": True},
                 figure=FigureRequest(exercise_id))


def moves_in(plan: Mapping[str, object]) -> list[str]:
    """The exercise ids of a stored plan, in the order they first appear in the week."""
    seen: dict[str, None] = {}
    days = plan.get("days")
    for day in days if isinstance(days, list) else ():
        items = day.get("items") if isinstance(day, Mapping) else None
        for item in items if isinstance(items, list) else ():
            if isinstance(item, Mapping) and isinstance(item.get("exercise"), str):
                seen.setdefault(item["exercise"], None)
    return list(seen)
