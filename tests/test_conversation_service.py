"""The screening through the service layer, against a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, func, select

from bot.content.library import ContentLibrary
from bot.db.engine import make_session_factory
from bot.db.models import DialogueState, ScreeningAnswer, User
from bot.domain.catalog import Catalog
from bot.services.conversation import ConversationService, Sender
from bot.services.zones import GeoZoneResolver
from tests.conftest import make_service
from tests.support.conversation import ANSWERS, HAPPY_PATH, Runner
from tests.support.screening import upto

NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)


@pytest.fixture
def service(engine: Engine, content_with_names: ContentLibrary, zones: GeoZoneResolver,
            catalog: Catalog) -> ConversationService:
    return make_service(engine, content_with_names, zones, catalog, lambda: NOW)


@pytest.fixture
def runner(service: ConversationService) -> Runner:
    return Runner(service)


def stored(engine: Engine) -> tuple[User, DialogueState, list[ScreeningAnswer]]:
    with make_session_factory(engine)() as session:
        user = session.scalars(select(User)).one()
        state = session.get(DialogueState, user.id)
        assert state is not None
        answers = list(session.scalars(select(ScreeningAnswer).order_by(ScreeningAnswer.id)))
        return user, state, answers


def test_a_new_runner_completes_the_screening_and_everything_is_stored(
    runner: Runner, engine: Engine
) -> None:
    runner.command("start")
    assert "Hip Coach" in runner.texts()
    assert "not medical advice" in runner.texts()
    runner.walk(HAPPY_PATH)
    assert "Here's what I've got" in runner.texts()
    assert "Tue, Sat at 19:30" in runner.texts()
    runner.tap("confirm")
    assert "You're all set" in runner.texts()

    user, state, answers = stored(engine)
    assert (user.telegram_id, user.name, user.timezone) == (4242, "Ana", "Europe/Berlin")
    assert user.screened_at == NOW
    assert state.state == "ready"
    by_question = {a.question: a.value for a in answers}
    assert by_question == ANSWERS
    assert all(a.answered_at == NOW for a in answers)


def test_a_restart_mid_screening_resumes_at_the_same_question(
    make_runner: Callable[[], Runner], engine: Engine
) -> None:
    first = make_runner()
    first.command("start")
    first.walk(upto(HAPPY_PATH, "ask:goal"))  # up to the goal
    assert "What do you most want" in first.texts()

    # A new service and session factory: nothing is carried over in memory.
    second = make_runner()
    second.command("start")
    assert "part-way through" in second.texts()
    second.tap("keep")
    assert "What do you most want" in second.texts()
    second.tap("endurance")
    assert "What do you most want" not in second.texts()  # on to the next question
    assert {a.question: a.value for a in stored(engine)[2]}["goal"] == "endurance"


def test_typing_after_a_restart_reasks_the_pending_question(
    make_runner: Callable[[], Runner]
) -> None:
    first = make_runner()
    first.command("start")
    first.walk(upto(HAPPY_PATH, "ask:run_time"))
    second = make_runner()
    second.type("what now?")
    assert "What time do you usually head out" in second.texts()


def test_bad_input_is_explained_and_loses_nothing(runner: Runner, engine: Engine) -> None:
    runner.command("start")
    runner.walk(upto(HAPPY_PATH, "ask:run_time"))
    before = stored(engine)[2]

    runner.type("25:99")
    assert "isn't on the clock" in runner.texts()
    runner.type("🏃" * 5000)
    assert "long message" in runner.texts()
    runner.type("7:30pm")
    runner.type("Atlantis Under The Sea")
    assert "couldn't find a time zone" in runner.texts()

    user, state, after = stored(engine)
    assert [(a.question, a.value) for a in after[: len(before)]] == [
        (a.question, a.value) for a in before]
    assert state.state == "ask:timezone"
    assert user.timezone is None


def test_a_double_tapped_button_is_recorded_once(runner: Runner, engine: Engine) -> None:
    runner.command("start")
    tap = runner.keyboard_turn["none"]
    runner.send(tap)
    second = runner.send(tap)
    assert second.messages == ()
    assert second.toast == "That button belongs to an earlier question."
    answers = stored(engine)[2]
    assert [(a.question, a.value) for a in answers] == [("pain", "none")]


def test_changing_one_answer_keeps_the_rest_and_the_history(
    runner: Runner, engine: Engine
) -> None:
    runner.command("start")
    runner.walk(HAPPY_PATH)
    runner.tap("change")
    runner.tap("run_time")
    runner.type("06:15")
    assert "Tue, Sat at 06:15" in runner.texts()
    runner.tap("confirm")

    _, state, answers = stored(engine)
    assert state.answers["run_time"] == "06:15"
    assert state.answers["goal"] == "speed"
    assert [a.value for a in answers if a.question == "run_time"] == ["19:30", "06:15"]


def test_a_runner_who_blocked_the_bot_is_reactivated_by_writing_again(
    runner: Runner, engine: Engine
) -> None:
    runner.command("start")
    runner.service.mark_unreachable(4242)
    assert stored(engine)[0].active is False
    runner.command("start")
    assert stored(engine)[0].active is True


def test_two_runners_do_not_see_each_others_answers(runner: Runner, engine: Engine) -> None:
    other = Runner(runner.service, Sender(777, "Bo", None))
    runner.command("start")
    other.command("start")
    runner.tap("often")
    other.tap("none")
    with make_session_factory(engine)() as session:
        rows = session.execute(select(User.telegram_id, func.count(ScreeningAnswer.id))
                               .join(ScreeningAnswer).group_by(User.telegram_id)).all()
    assert sorted(tuple(r) for r in rows) == [(777, 1), (4242, 1)]
