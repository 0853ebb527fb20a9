"""The coach that listens: what was hard or hurt, asked and read. Pure.

Reports arrive four ways: the walk-through's per-exercise buttons (and words typed during it),
✅ Did it (under /today or a reminder: every move done and clean, "anything hard?" after it
amends that), the reminders' buttons, and free text at any time. Each becomes one ``Report``
and ends in ``plan.report_or_ask``: the outcomes are stored and the training plan's rules
(bot/domain/training) act on them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.domain.buttons import Choice, Feature
from bot.domain.catalog import Catalog
from bot.domain.feedback import Finding, OutcomeKind
from bot.domain.model import Reply, button

FEEDBACK = "feedback"
SIDES = ("left", "right", "both")
SEVERITIES = ("mild", "stopped", "sharp")
# The walk's "skip" is the feedback table's "skipped". (Free text also reads "easy",
# "unfinished" and "sore"; the training model sees them as done, hard and done.)
WALK_TO_OUTCOME = {"done": "done", "hard": "hard", "pain": "pain", "skip": "skipped"}


@dataclass(frozen=True)
class StoreOutcomes:
    """One session's outcomes, as (exercise, outcome, side, severity, reps) rows."""

    local_date: str
    kind: str
    status: str
    rows: tuple[tuple[str, str, str | None, str | None, int | None], ...]
    words: str | None = None


@dataclass(frozen=True)
class ScheduleCheckIn:
    """Ask how the painful spot feels on ``on`` (the runner's local date)."""

    on: str
    exercise: str
    side: str | None


ListenEffect = StoreOutcomes | ScheduleCheckIn


# --- concluding a report ---------------------------------------------------------------------


def noted_reply(rows: Sequence[Sequence[object]], catalog: Catalog) -> Reply:
    """What the runner reported, in one message (the plan's changes follow on their own)."""
    noted = [{"name": _name(catalog, str(e)), "outcome": o, "side": s, "severity": v, "reps": r}
             for e, o, s, v, r in rows if o not in ("done", "sore")]
    done = sum(1 for row in rows if row[1] in ("done", "sore"))
    return Reply("feedback_noted", {"rows": noted, "done": done})


def _name(catalog: Catalog, exercise_id: str) -> str:
    found = catalog.exercises.get(exercise_id)
    return found.name if found else exercise_id


# --- free text -------------------------------------------------------------------------------


def rows_from_findings(findings: Sequence[Finding]
                       ) -> list[tuple[str, str, str | None, str | None, int | None]]:
    return [(str(f.exercise_id), (f.outcome or OutcomeKind.DONE).value,
             f.side.value if f.side else None, f.severity.value if f.severity else None, f.reps)
            for f in findings if f.exercise_id is not None]


def missing_pain_detail(rows: Sequence[Sequence[object]]) -> tuple[int, str] | None:
    """The first pain row still lacking a side or a severity, and which is missing."""
    for index, row in enumerate(rows):
        if row[1] == "pain" and row[2] is None:
            return index, "side"
        if row[1] == "pain" and row[3] is None:
            return index, "severity"
    return None


def detail_reply(rows: Sequence[Sequence[object]], index: int, asking: str, turn: int,
                 catalog: Catalog) -> Reply:
    name = _name(catalog, str(rows[index][0]))
    options = SIDES if asking == "side" else SEVERITIES
    buttons = tuple((button(f"pain_{asking}.{o}", Choice(turn, Feature.REPORT, asking, o)),)
                    for o in options)
    return Reply(f"ask_pain_{asking}", {"name": name}, buttons)


def _report(turn: int, action: str, arg: str = "") -> Choice:
    return Choice(turn, Feature.REPORT, action, arg)


# A "which one?" lists today's session at most; more would not fit a phone's screen.
MAX_PICK = 8


def pick_reply(candidates: Sequence[str], turn: int) -> Reply:
    buttons = tuple((button(f"exercise.{c}", _report(turn, "pick", c)),)
                    for c in candidates[:MAX_PICK])
    return Reply("feedback_pick", {}, (*buttons,
                                       (button("feedback.none", _report(turn, "pick", "none")),)))


# "How did it go?" for a move named with no word of how: the outcomes a runner can tap.
HOW_WENT = ("easy", "done", "hard", "unfinished", "pain", "skipped")


def how_went_reply(exercise: str, turn: int, catalog: Catalog) -> Reply:
    buttons = tuple((button(f"how.{o}", _report(turn, "how", o)),) for o in HOW_WENT)
    return Reply("ask_how_went", {"name": _name(catalog, exercise)}, buttons)


def which_hard_reply(exercises: Sequence[str], chosen: Sequence[str], turn: int) -> Reply:
    toggles = tuple((button(f"exercise.{e}", _report(turn, "t", e), e in chosen),)
                    for e in exercises)
    finish = (button("feedback.all_good" if not chosen else "feedback.these_hard",
                     _report(turn, "good")), button("feedback.hurt", _report(turn, "hurt")))
    return Reply("ask_which_hard", {}, (*toggles, finish))


def anything_hard_reply(exercises: Sequence[str], on: str, turn: int) -> Reply:
    """After ✅ Did it (already stored): an optional question; each tap amends that day."""
    moves = tuple((button(f"exercise.{e}", _report(turn, "hard", f"{e}:{on}")),)
                  for e in exercises)
    return Reply("did_it_follow_up", {}, (*moves, (button("feedback.hurt",
                                                          _report(turn, "hurt", f":{on}")),)))


def which_hurt_reply(exercises: Sequence[str], turn: int) -> Reply:
    buttons = tuple((button(f"exercise.{e}", _report(turn, "h", e)),) for e in exercises)
    return Reply("ask_which_hurt", {}, buttons)
