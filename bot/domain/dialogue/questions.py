"""The screening's question table: adding a question starts here (see ARCHITECTURE.md)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bot.domain.dialogue.state import Answers
from bot.domain.model import Reply
from bot.domain.parsing import WEEKDAYS

Kind = Literal["single", "multi", "time", "zone", "minutes"]

# Long texts are never parsed or echoed: nothing a user could mean here needs more.
MAX_ANSWER_CHARS = 120
MINUTES_RANGE = (5, 30)  # what a pre-run warm-up can fit (coaching-facts, Size)


@dataclass(frozen=True)
class Question:
    """One screening question: its id names the template ``q_<id>`` and the labels ``<id>.*``."""

    id: str
    kind: Kind
    options: tuple[str, ...] = ()
    row_width: int = 2
    # A reply shown after the answer, per option (e.g. a self-test that hurt).
    notes: tuple[tuple[str, str], ...] = ()

    def notes_for(self, value: object) -> tuple[Reply, ...]:
        return tuple(Reply(template) for option, template in self.notes if option == value)


HURT_NOTE = (("hurt", "note_test_hurt"),)

QUESTIONS: tuple[Question, ...] = (
    Question("pain", "single", ("none", "mild", "often"), row_width=1),
    Question("red_flags", "multi", ("sharp", "rest_night", "fall", "numbness", "limp"), 1),
    Question("thigh_left", "single", ("pass", "fail", "hurt"), 1, HURT_NOTE),
    Question("thigh_right", "single", ("pass", "fail", "hurt"), 1, HURT_NOTE),
    Question("knee_lift", "single", ("pass", "fail"), row_width=1),
    Question("goal", "single", ("speed", "endurance", "injury", "comeback"), row_width=1),
    Question("equipment", "multi", ("band", "block", "step", "gym"), row_width=2),
    Question("run_days", "multi", WEEKDAYS, row_width=4),
    Question("run_time", "time", ("06:30", "07:00", "12:00", "18:00"), row_width=4),
    Question("timezone", "zone"),
    Question("minutes", "minutes", ("5", "10", "15", "20", "30"), row_width=5),
)
BY_ID = {q.id: q for q in QUESTIONS}
# Skipped on the red-flag path; the re-test asks them again later.
SELF_TESTS = ("thigh_left", "thigh_right", "knee_lift")


def required_questions(answers: Answers) -> list[Question]:
    flagged = bool(answers.get("red_flags"))
    return [q for q in QUESTIONS if not (flagged and q.id in SELF_TESTS)]


def first_missing(answers: Answers) -> Question | None:
    return next((q for q in required_questions(answers) if q.id not in answers), None)
