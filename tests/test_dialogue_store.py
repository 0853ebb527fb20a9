"""The dialogue at the database boundary: rows stored before the typed drafts still load, every
draft survives a round trip, and an unreadable row resumes instead of failing the runner."""

from __future__ import annotations

from typing import Any

import pytest

from bot.domain.buttons import BadButton, Choice, Feature, decode, parse_button_data
from bot.domain.dialogue.state import (
    AskDraft,
    NoDraft,
    PainDetail,
    PendingRow,
    PickMove,
    ReportRow,
    RestartDraft,
    RetestDraft,
    State,
    WalkDraft,
    WhichHard,
    WhichHurt,
    ZoneDraft,
)
from bot.services.drafts import dump_state, load_dialogue
from tests.support.screening import complete

ANSWERS = complete({})  # a screened runner
ITEM = {"id": "squats", "name": "Squats", "sets": 2, "reps": [8, 12], "hold": None,
        "duration": None, "distance": None, "per_side": False, "rest": 60, "side": "both",
        "cues": [], "why": "strength", "block": None, "why_params": {}, "phase": "after",
        "variant": None}

# (state, draft) exactly as the dialogue code before the typed drafts wrote them.
OLD_ROWS: list[tuple[str, dict[str, Any], State, object]] = [
    ("new", {}, State.NEW, NoDraft()),
    ("ask:pain", {}, State.ASK, AskDraft("pain")),
    ("ask:equipment", {"selected": ["band", "gym"]}, State.ASK,
     AskDraft("equipment", ("band", "gym"))),
    ("confirm_zone", {"zone": "Europe/Berlin", "label": "Berlin, DE"}, State.CONFIRM_ZONE,
     ZoneDraft("Europe/Berlin", "Berlin, DE")),
    ("confirm_restart", {"back": "ask:goal", "back_draft": {}}, State.CONFIRM_RESTART,
     RestartDraft(State.ASK, AskDraft("goal"))),
    ("confirm_restart", {"back": "walk", "back_draft": {
        "date": "2026-11-23", "kind": "strength", "items": [ITEM], "index": 0, "outcomes": {}}},
     State.CONFIRM_RESTART,
     RestartDraft(State.WALK, WalkDraft("2026-11-23", "strength", (ITEM,)))),
    ("walk", {"date": "2026-11-23", "kind": "strength", "items": [ITEM, ITEM], "index": 1,
              "outcomes": {"squats": "hard"}}, State.WALK,
     WalkDraft("2026-11-23", "strength", (ITEM, ITEM), 1, {"squats": "hard"})),
    ("retest", {"step": 1, "results": {"thigh_left": "pass"}}, State.RETEST,
     RetestDraft(1, {"thigh_left": "pass"})),
    ("feedback", {"step": "hard", "date": "2026-11-23", "kind": "today",
                  "exercises": ["squats", "clamshell"], "chosen": ["squats"]}, State.FEEDBACK,
     WhichHard("2026-11-23", "today", ("squats", "clamshell"), ("squats",))),
    ("feedback", {"step": "hurt", "date": "2026-11-23", "kind": "feedback",
                  "words": "my hip hurt", "exercises": ["squats"], "chosen": [], "side": None,
                  "severity": "mild"}, State.FEEDBACK,
     WhichHurt("2026-11-23", "feedback", ("squats",), (), "my hip hurt", None, "mild")),
    # A detail step kept the keys of the step before it; they are ignored.
    ("feedback", {"step": "detail", "date": "2026-11-23", "kind": "today",
                  "exercises": ["squats"], "chosen": [], "words": None, "index": 0,
                  "asking": "side", "rows": [["squats", "pain", None, None, None]]},
     State.FEEDBACK,
     PainDetail("2026-11-23", "today", (ReportRow("squats", "pain"),), 0, "side")),
    ("feedback", {"step": "pick", "date": "2026-11-23", "kind": "feedback",
                  "words": "bridge was hard", "rows": [],
                  "pending": [None, "hard", None, None, 8],
                  "candidates": ["single_leg_bridge", "glute_bridge"]}, State.FEEDBACK,
     PickMove("2026-11-23", "feedback", (), PendingRow(None, "hard", None, None, 8),
              ("single_leg_bridge", "glute_bridge"), "bridge was hard")),
    ("ready", {}, State.READY, NoDraft()),
]


@pytest.mark.parametrize(("state", "draft", "expected_state", "expected_draft"), OLD_ROWS,
                         ids=[f"{r[0]}-{i}" for i, r in enumerate(OLD_ROWS)])
def test_rows_stored_before_typed_drafts_load_and_store_the_same_way(
        state: str, draft: dict[str, Any], expected_state: State,
        expected_draft: object) -> None:
    d = load_dialogue(state, ANSWERS, draft, 7)

    assert (d.state, d.draft, d.turn) == (expected_state, expected_draft, 7)
    stored_state, stored_draft = dump_state(d)
    assert stored_state == state
    assert load_dialogue(stored_state, ANSWERS, stored_draft, 7) == d


@pytest.mark.parametrize(("state", "draft", "answers", "expected"), [
    ("walk", {"items": "not a list"}, ANSWERS, (State.READY, NoDraft())),
    ("feedback", {"step": "nonsense"}, ANSWERS, (State.READY, NoDraft())),
    ("deleted", {}, ANSWERS, (State.READY, NoDraft())),
    ("ask:no_such_question", {}, {"pain": "none"}, (State.ASK, AskDraft("red_flags"))),
    ("confirm_zone", {}, ANSWERS, (State.SUMMARY, NoDraft())),
    ("idle", {}, {}, (State.NEW, NoDraft())),
    ("ask:equipment", {"selected": "band"}, {"pain": "none"}, (State.ASK, AskDraft("red_flags"))),
], ids=["walk", "feedback", "deleted", "unknown question", "zone", "unknown state",
        "bad ticks"])
def test_an_unreadable_row_resumes_with_the_answers_kept(
        state: str, draft: dict[str, Any], answers: dict[str, Any],
        expected: tuple[State, object]) -> None:
    d = load_dialogue(state, answers, draft, 3)

    assert (d.state, d.draft) == expected
    assert d.answers == answers
    assert d.turn == 3


def test_button_data_round_trips_and_reads_the_buttons_reminders_have_always_sent() -> None:
    for choice in (Choice(12, Feature.QUESTION, "pick", "06:30"), Choice(0, Feature.DATA, "x"),
                   Choice(99999, Feature.VIEW, "ex", "side_plank_clamshell")):
        assert decode(choice.data) == choice
    assert decode("0|r:lead:15") == Choice(0, Feature.REMINDER, "lead", "15")
    assert decode("0|r:hip:worse") == Choice(0, Feature.REMINDER, "hip", "worse")


@pytest.mark.parametrize(("data", "problem"), [
    ("²|x", "turn"), ("5", "no '|'"), ("5|zz:top", "unknown feature"), ("5|q:", "bad action"),
    ("5|q:pick:" + "x" * 60, "64 bytes"), ("-1|q:done", "turn"),
])
def test_unreadable_button_data_says_why(data: str, problem: str) -> None:
    pressed = parse_button_data(data)
    assert isinstance(pressed, BadButton)
    assert problem in pressed.problem
