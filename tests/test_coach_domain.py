"""The coach states (ready, walk, re-test) as a pure machine: any input is answered, nothing
stored is lost, and every reply renders."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.content.ladders import cached_ladders
from bot.content.library import ContentLibrary
from bot.domain import listen
from bot.domain.buttons import Choice, Feature, decode
from bot.domain.catalog import Catalog
from bot.domain.dialogue import coaching
from bot.domain.dialogue.router import step
from bot.domain.dialogue.state import (
    Dialogue,
    PainDetail,
    RecordAnswer,
    RetestDraft,
    SavePlan,
    State,
    Transition,
)
from bot.domain.model import CoachKit, Command, Context, Location, Text
from bot.services.feedback import FeedbackReader
from bot.services.matching import ExerciseMatcher, LabelMatcher
from bot.services.zones import GeoZoneResolver
from tests.conftest import ROOT

CONTENT = ContentLibrary(ROOT / "content")
MATCHER = LabelMatcher(CONTENT)
NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)  # a Monday
ANSWERS = {"pain": "none", "red_flags": [], "thigh_left": "pass", "thigh_right": "fail",
           "knee_lift": "pass", "goal": "speed", "equipment": ["band"],
           "run_days": ["mon", "wed", "sat"], "run_time": "18:00",
           "timezone": "Europe/Berlin", "minutes": 15}


@pytest.fixture(scope="module")
def ctx(catalog: Catalog) -> Context:
    CONTENT.add_labels({f"exercise.{e.id}": e.name for e in catalog.exercises.values()})
    reader = FeedbackReader((e.id, e.name, e.aliases) for e in catalog.exercises.values())
    kit = CoachKit(catalog, ExerciseMatcher(catalog), reader.read,
                   ladders=cached_ladders(ROOT / "content"))
    return Context(now=NOW, zones=GeoZoneResolver(), coach=kit, first_name="Ana")


def tap(d: Dialogue, feature: Feature, action: str, arg: str = "") -> Choice:
    return Choice(d.turn, feature, action, arg)


def render_all(out: Transition) -> list[str]:
    texts = []
    for reply in out.replies:
        message = CONTENT.render(reply)
        assert message.text.strip(), reply.template
        texts.append(message.text)
        for row in reply.buttons:
            for button in row:
                assert decode(button.data).turn == out.dialogue.turn, button
                assert len(button.data.encode()) <= 64
    return texts


def coach_states(ctx: Context) -> list[Dialogue]:
    ready = Dialogue(State.READY, ANSWERS, turn=20)
    states = [ready]
    walking = step(ready, tap(ready, Feature.TODAY, "start"), ctx, MATCHER).dialogue
    while walking.state is State.WALK:
        states.append(walking)
        walking = step(walking, tap(walking, Feature.TODAY, "done"), ctx, MATCHER).dialogue
    retest = step(ready, Command("retest"), ctx, MATCHER).dialogue
    while retest.state is State.RETEST:
        states.append(retest)
        retest = step(retest, tap(retest, Feature.RETEST, "pick", "fail"), ctx, MATCHER).dialogue
    return states


def test_the_walk_and_the_retest_states_are_reached(ctx: Context) -> None:
    states = [d.state for d in coach_states(ctx)]
    assert states.count(State.WALK) >= 4
    assert states.count(State.RETEST) == 3


# 100 random inputs on top of the sampled edge cases (huge, emoji, markup, every command): each
# example runs the whole coach and the free-text reader, so 300 cost the suite most of a minute.
PROPERTY = settings(max_examples=100, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow,
                                           HealthCheck.function_scoped_fixture])
TEXTS = st.one_of(st.text(), st.text(min_size=1000, max_size=6000),
                  st.sampled_from(["done", "hard", "pain", "skip", "pass", "fail", "/today",
                                   "💥" * 5000, "<b>", "{{ x }}", "bridge", " "]))
COMMANDS = st.builds(Command, st.sampled_from(["today", "plan", "exercise", "settings",
                                               "retest", "help", "cancel", "start", "nope"]),
                     st.text(max_size=200))


@PROPERTY
@given(data=st.data())
def test_any_text_or_command_is_answered_and_keeps_the_answers(ctx: Context,
                                                               data: st.DataObject) -> None:
    d = data.draw(st.sampled_from(coach_states(ctx)))
    event = data.draw(st.one_of(TEXTS.map(Text), COMMANDS))

    out = step(d, event, ctx, MATCHER)

    assert out.replies or out.toast
    render_all(out)
    recorded = {e.question for e in out.effects if isinstance(e, RecordAnswer)}
    if isinstance(d.draft, RetestDraft):
        recorded |= set(d.draft.results)  # stored step by step
    for question, value in ANSWERS.items():
        if question not in recorded and out.dialogue.state is not State.ASK:
            assert out.dialogue.answers.get(question) == value


@PROPERTY
@given(data=st.data())
def test_a_button_from_another_turn_changes_nothing(ctx: Context, data: st.DataObject) -> None:
    d = data.draw(st.sampled_from([s for s in coach_states(ctx) if s.state is not State.READY]))
    turn = data.draw(st.integers(min_value=0).filter(lambda t: t != d.turn))
    feature = data.draw(st.sampled_from([Feature.TODAY, Feature.RETEST, Feature.REPORT]))
    action = data.draw(st.sampled_from(["done", "hard", "pain", "skip", "pick", "x"]))
    arg = data.draw(st.sampled_from(["", "pass", "fail"]))

    out = step(d, Choice(turn, feature, action, arg), ctx, MATCHER)

    assert out == Transition(d, toast="toast.stale")


def test_a_location_in_a_coach_state_is_answered(ctx: Context) -> None:
    for d in coach_states(ctx):
        out = step(d, Location(52.5, 13.4), ctx, MATCHER)
        assert render_all(out)
        assert out.dialogue.answers == d.answers


def test_finishing_a_walk_records_the_session(ctx: Context) -> None:
    d = Dialogue(State.READY, ANSWERS, turn=20)
    out = step(d, tap(d, Feature.TODAY, "start"), ctx, MATCHER)
    outcomes = []
    while out.dialogue.state is State.WALK:
        value = "pain" if not outcomes else "skip"
        outcomes.append(value)
        out = step(out.dialogue, tap(out.dialogue, Feature.TODAY, value), ctx, MATCHER)

    # The walk's outcomes go on as the report's rows (stored once the pain is placed).
    draft = out.dialogue.draft
    assert isinstance(draft, PainDetail)
    assert draft.date == "2026-11-23"
    assert [r.outcome for r in draft.rows] == [listen.WALK_TO_OUTCOME[o] for o in outcomes]
    done, where = render_all(out)
    assert "1 painful" in done
    assert where.startswith("Sorry it hurt. Where was it during")
    assert out.dialogue.state is State.FEEDBACK


def test_a_retest_records_each_answer_and_saves_a_plan(ctx: Context) -> None:
    screened = NOW.date() - timedelta(weeks=4)  # a re-test is offered every 4 weeks
    kit = ctx.coach
    plan = coaching.save("screening", coaching.plan_of(ANSWERS, kit, screened), kit, screened)
    ctx = replace(ctx, coach=replace(kit, plan_number=1, last_plan=plan.plan))
    out = step(Dialogue(State.READY, ANSWERS, turn=20), Command("retest"), ctx, MATCHER)
    effects = []
    for value in ("pass", "pass", "fail"):
        out = step(out.dialogue, tap(out.dialogue, Feature.RETEST, "pick", value), ctx, MATCHER)
        effects += list(out.effects)

    assert [e.question for e in effects if isinstance(e, RecordAnswer)] == [
        "thigh_left", "thigh_right", "knee_lift"]
    (saved,) = [e for e in effects if isinstance(e, SavePlan)]
    assert saved.reason == "retest"
    assert out.dialogue.answers["thigh_right"] == "pass"
    assert out.dialogue.state is State.READY
    unlocked = [r for r in out.replies if r.template == "_training_change"]
    # Left passed again: one step more. Right passes for the first time: the placement step,
    # and the knee-lift hold just failed, so step 1.
    assert [(r.params["reason"], r.params["side"], r.params["params"]) for r in unlocked] == [
        ("unlock.next_step", "left", {"side": "left", "step": 4}),
        ("unlock.first", "right", {"side": "right", "step": 1})]


def test_a_move_that_hurt_leaves_every_session_of_the_week_it_is_in(ctx: Context) -> None:
    """The clamshell hurt in Monday's warm-up: out of the warm-up, and (no gentler move of
    that motion) out of the strength session too, each told with its own Undo."""
    kit = ctx.coach
    stored = coaching.save("screening", coaching.plan_of(ANSWERS, kit, NOW.date()), kit,
                           NOW.date())
    ctx = replace(ctx, coach=replace(kit, plan_number=1, last_plan=stored.plan))
    out = step(Dialogue(State.READY, ANSWERS, turn=30),
               Text("my left hip hurt in the clamshell, it stopped me"), ctx, MATCHER)
    told = [r for r in out.replies if r.template == "_training_change"]
    assert sorted((r.params["reason"], r.params["params"]["side"]) for r in told) == [
        ("pain.block_move", "left"), ("pain.drop", "left")]
    ids = [r.params["id"] for r in told]
    assert [b.data for r in told for row in r.buttons for b in row] == [
        f"{out.dialogue.turn}|fb:undo:{i}" for i in ids]
    (saved,) = [e for e in out.effects if isinstance(e, SavePlan)]
    assert saved.reason == "adapt"


def test_a_confirmed_clearance_leaves_the_red_flag_path_and_asks_for_the_self_tests(
        ctx: Context) -> None:
    kit = ctx.coach
    flagged = {**ANSWERS, "red_flags": ["sharp"]}
    stored = coaching.save("screening", coaching.plan_of(flagged, kit, NOW.date()), kit,
                           NOW.date())
    kit = replace(kit, plan_number=1, last_plan=stored.plan)
    assert coaching.clearance(ANSWERS, replace(kit, last_plan=None), NOW.date()) is None
    cleared = coaching.clearance(flagged, kit, NOW.date())
    assert cleared is not None
    saved, replies = cleared
    assert saved.reason == "cleared"
    assert [r.params["reason"] for r in replies] == ["cleared"]
    after = coaching.stored_plan(replace(kit, last_plan=saved.plan))
    assert after is not None
    assert not after.flags.red_flag
    assert after.flags.awaiting_retest  # the self-tests come before strength
