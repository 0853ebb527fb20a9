"""Everyday conversation after screening: /help and the menu, and the phrases runners type."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from telegram.ext import Application

from bot.domain.catalog import Catalog
from bot.domain.dialogue import phrases
from bot.domain.dialogue.router import KNOWN_COMMANDS
from bot.domain.feedback import Intent
from bot.services.conversation import Sender
from bot.services.feedback import FeedbackReader
from bot.wiring import load_content
from tests.conftest import SCREENING
from tests.support.conversation import Runner
from tests.support.screening import onwards, upto
from tests.support.telegram_user import TelegramUser

READER = FeedbackReader((e.id, e.name, e.aliases)
                        for e in load_content()[1].exercises.values())


def listed(text: str) -> set[str]:
    return set(re.findall(r"(?m)^/([a-z]+)", text))


async def test_the_command_menu_has_every_command_the_router_knows(
        telegram: TelegramUser) -> None:
    app: Application[Any, Any, Any, Any, Any, Any] = telegram.app
    assert app.post_init is not None
    await app.post_init(app)
    commands = telegram.api.last("setMyCommands").params["commands"]
    names = [c["command"] for c in commands]  # type: ignore[index, union-attr]
    assert len(names) == len(set(names))
    assert set(names) == KNOWN_COMMANDS
    assert all(c["description"] for c in commands)  # type: ignore[index, union-attr]


def test_help_lists_every_command_in_groups(screened: Runner) -> None:
    screened.command("help")
    text = screened.plain()
    assert listed(text) == KNOWN_COMMANDS
    for group in ("Today and your plan", "Reminders", "Progress", "Your data and privacy"):
        assert group in text
    assert text.index("Reminders") < text.index("/pause") < text.index("Progress")
    assert "/cancel always means the same thing" in text


def test_a_hello_in_another_language_gets_a_friendly_line_in_english(
        make_runner: Callable[[], Runner], screened: Runner) -> None:
    new = make_runner()
    new.sender = Sender(9001, "Olga", "ru")
    new.type("Привет")
    assert "I only speak English for now" in new.plain()
    assert "I'm Hip Coach" in new.plain()  # and the welcome, as for any first message
    screened.type("hola!")
    assert "I only speak English for now" in screened.plain()
    assert "didn't catch" not in screened.plain()


def test_a_city_in_another_script_still_answers_the_time_zone(
        make_runner: Callable[[], Runner]) -> None:
    runner = make_runner()
    runner.command("start")
    runner.walk(upto(SCREENING, "ask:timezone"))
    runner.type("Москва")
    assert "English" not in runner.plain()


def test_everyday_phrases_get_a_useful_answer(screened: Runner) -> None:
    screened.type("what's next?")
    assert "Before your 18:00 run" in screened.plain()
    screened.type("I ran 10k this morning")
    assert "10k, nice running" in screened.plain()
    assert "/today" in screened.plain()
    screened.type("skip today")
    assert [m.template for m in screened.last] == ["heard_skip"]
    assert {"keep", "skip:today"} <= set(screened.keyboard_turn)


def test_im_injured_is_taken_as_a_pain_report(screened: Runner) -> None:
    screened.type("I'm injured")
    text = screened.plain()
    assert "see a doctor or physio" in text
    assert "Which one hurt?" in text
    assert screened.button_names()  # today's moves, to say which one hurt


def test_a_typed_kit_item_ticks_it_instead_of_ending_the_question(
        make_runner: Callable[[], Runner]) -> None:
    runner = make_runner()
    runner.command("start")
    runner.walk(upto(SCREENING, "ask:equipment"))
    runner.type("bottle")
    keyboard = [b.label for m in runner.last for row in m.keyboard for b in row]
    assert any(t.startswith("✅") and "block" in t.lower() for t in keyboard), keyboard
    runner.type("band")
    runner.type("done")
    assert "What do you have to hand" not in runner.plain()


def test_words_for_days_times_and_pain_are_understood_and_echoed(
        make_runner: Callable[[], Runner]) -> None:
    runner = make_runner()
    runner.command("start")
    runner.type("my hip is kinda sore sometimes")
    assert "Does any of these apply" in runner.plain()  # read as "mild", on to the next
    runner.walk(onwards(upto(SCREENING, "ask:run_days"), "ask:red_flags"))
    runner.type("tuesdays thursdays saturdays sundays")
    assert "Got it: Tuesday, Thursday, Saturday and Sunday." in runner.plain()
    runner.type("half past six")
    assert "Got it: 06:30." in runner.plain()


def test_a_sentence_that_turns_an_answer_round_is_asked_again(
        make_runner: Callable[[], Runner]) -> None:
    runner = make_runner()
    runner.command("start")
    runner.type("it's not often, honestly")
    assert "Does any of these apply" not in runner.plain()


def test_exercise_with_no_name_lists_every_move_by_protocol(screened: Runner,
                                                            catalog: Catalog) -> None:
    screened.command("exercise")
    text = screened.plain()
    for protocol in catalog.protocols.values():
        assert protocol.name in text
    for exercise in catalog.exercises.values():
        assert exercise.name in text
    assert text.index("Six hip motions") < text.index("Stride strength")


@pytest.mark.parametrize(("said", "name"), [
    ("side plank lateral hip raise", "Side-plank abduction"),
    ("standing hip hinge with rotation", "Standing hinge with rotation"),
    ("bent-knee abdominal march", "Abdominal march"),
    ("hip controlled articular rotation", "Hip CARs"),
    ("step up pelvis down and back", "Step-up, pelvis back"),
    ("sidelying bottom leg lifts", "Side-lying adduction"),
    ("single-leg glute bridge", "Leg-up glute bridge"),
    ("single-leg bridge", "Single-leg bridge"),
])
def test_the_article_name_of_a_move_finds_it(screened: Runner, said: str, name: str) -> None:
    screened.send_command("exercise", said)
    assert screened.plain().startswith(name + "\n")


def test_exercise_names_its_kit_in_words_and_no_two_moves_share_a_name(
        screened: Runner, catalog: Catalog) -> None:
    screened.send_command("exercise", "side plank clamshell")
    assert "Kit: a band" in screened.plain()
    names = [e.name.lower() for e in catalog.exercises.values()]
    assert len(names) == len(set(names))


def test_progress_shows_pain_apart_from_hard_and_counts_in_words(screened: Runner) -> None:
    screened.command("today")
    screened.tap("did")  # stored at once; "anything hard?" amends it
    screened.tap(next(k for k in screened.keyboard_turn
                      if k.startswith("hard:single_leg_bridge:")))
    screened.type("my left hip hurt during the clamshell")
    screened.tap("mild")

    screened.command("progress")

    text = screened.plain()
    assert "Streak: 1 session in a row." in text
    assert "Hardest so far: Single-leg bridge." in text
    assert "Hurt so far: Side-plank clamshell." in text
    assert "1 sessions" not in text


def walk_all(runner: Runner, first: str) -> None:
    runner.command("today")
    runner.tap("start")
    runner.tap(first)
    while "skip" in runner.keyboard_turn:
        runner.tap("done")


def test_after_a_session_the_word_of_encouragement_fits_what_was_done(
        make_runner: Callable[[], Runner]) -> None:
    clean, tough = make_runner(), make_runner()
    tough.sender = Sender(5151, "Bo", "en")
    for runner in (clean, tough):
        runner.command("start")
        runner.walk(SCREENING)
        runner.tap("confirm")
    walk_all(clean, "done")
    assert "your hips are awake, so enjoy the run" in clean.plain()  # Monday is a run day
    walk_all(tough, "hard")
    assert "1 felt hard: that's where the strength comes from" in tough.plain()
    assert "Nice work" not in clean.plain() + tough.plain()


@pytest.mark.parametrize(("said", "heard"), [
    ("I'm injured", "injured"), ("I think I pulled something", "injured"),
    ("injury prevention", None), ("what's next?", "whats_next"), ("What now", "whats_next"),
    ("skip today", "skip_today"), ("no time today, sorry", "skip_today"),
    ("I ran 10k", "ran"), ("just finished my run", "ran"), ("I ran out of time", "skip_today"),
    ("thanks!", None),
])
def test_everyday_phrases_are_told_apart(said: str, heard: str | None) -> None:
    reading = READER.read(said)
    told = "skip_today" if reading.intent is Intent.SKIP else phrases.heard_phrase(reading)
    assert told == heard


@pytest.mark.parametrize(("said", "foreign"), [
    ("Привет", True), ("hola!", True), ("Bonjour", True), ("こんにちは", True),
    ("hello", False), ("café time", False), ("Zürich", False), ("😀", False),
])
def test_other_languages_are_recognised(said: str, foreign: bool) -> None:
    assert phrases.not_english(said) is foreign
