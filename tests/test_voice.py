"""The coach's own voice, varied: each move has its own reason, recurring messages change
their wording from one time to the next, and one message closes a session."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import date

import yaml

from bot.content.ladders import cached_ladders
from bot.content.library import ContentLibrary
from bot.domain.dialogue import coaching
from bot.domain.model import CoachKit
from bot.domain.training import Change, build_plan, day_view
from bot.domain.week import profile_from_answers
from bot.services.feedback import FeedbackReader
from bot.services.matching import ExerciseMatcher
from tests.conftest import ROOT
from tests.support.conversation import Runner
from tests.test_sizes import CATALOG, LADDERS, LARGEST, MONDAY, at_the_top


def test_every_move_has_its_own_reason() -> None:
    labels = yaml.safe_load((ROOT / "content" / "labels.yaml").read_text())["labels"]
    whys = {k.split(".", 1)[1]: v for k, v in labels.items() if k.startswith("why_move.")}
    assert set(whys) == set(CATALOG.exercises)
    assert len(set(whys.values())) == len(whys)


def test_a_strength_day_gives_each_move_its_own_why() -> None:
    plan = build_plan(profile_from_answers(LARGEST), LADDERS, MONDAY)
    view = day_view(plan, LADDERS, MONDAY)
    params = {"day": coaching.day_params(plan, view, CATALOG), "notices": [], "minutes": 30,
              "sections": {"before": 0, "strength": 30}, "next": None, "run_time": None}
    text = ContentLibrary(ROOT / "content").render_text("today", params)
    whys = [line for line in text.splitlines() if "Why:" in line]
    assert len(whys) >= 6
    assert len(set(whys)) == len(whys)


def test_progress_told_twice_in_a_row_never_reads_the_same() -> None:
    plan = at_the_top(build_plan(profile_from_answers(LARGEST), LADDERS, MONDAY))
    kit = CoachKit(CATALOG, ExerciseMatcher(CATALOG), FeedbackReader(()).read,
                   ladders=cached_ladders(ROOT / "content"))
    slot = plan.slot("volume.sets")
    lower = replace(slot, rung=0)
    changes = [Change(i, "progress", date(2027, 1, 4 + i), "volume.sets", "progress.dose", {},
                      lower, slot) for i in (1, 2, 3)]
    library = ContentLibrary(ROOT / "content")
    texts = [library.render(r).text for r in coaching.change_replies(changes, kit, 1)]
    assert all(a != b for a, b in itertools.pairwise(texts))


def test_one_message_closes_a_walked_session(screened: Runner) -> None:
    screened.command("today")
    screened.tap("start")
    while "skip" in screened.keyboard_turn:
        screened.tap("done")
    templates = [m.text.split("\n")[0] for m in screened.last]
    assert any("Session done" in t for t in templates)
    assert not any("Noted" in t for t in templates)
