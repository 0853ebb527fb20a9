"""How? inside the walk-through: the move's how-to (set-up, cues, the common mistake, the no-kit
variant), then the same step again; "how do I do this?" and /exercise NAME mid-walk answer
without ending the session; the walk resumes where it was after a restart. Over the Telegram
double, through the service across a restart, and in the terminal."""

from __future__ import annotations

import io
import re
from pathlib import Path

from sqlalchemy import Engine

from bot.console.chat import ConsoleChat
from bot.content.library import ContentLibrary
from bot.domain.catalog import Catalog
from bot.services.zones import GeoZoneResolver
from tests.conftest import SCREENING_NOW, Clock, make_service
from tests.support.conversation import Runner, path_to
from tests.support.screening import screening_steps
from tests.support.telegram_user import TelegramUser, texts

# Screened on a Sunday that is a run day, with no kit: every step has its no-kit variant.
ANSWERS = {"pain": "none", "red_flags": [], "thigh_left": "pass", "thigh_right": "pass",
           "knee_lift": "pass", "goal": "endurance", "equipment": [], "run_days": ["wed", "sun"],
           "run_time": "18:30", "timezone": "Europe/Berlin", "minutes": 15}
STEP = re.compile(r"<b>(\d+)/(\d+) · ([^<]+)</b>")


def step_of(text: str) -> tuple[int, str]:
    found = STEP.findall(text)
    assert found, text
    number, _, name = found[-1]
    return int(number), name


async def test_how_and_a_look_up_mid_walk_keep_the_session_over_telegram(
        telegram: TelegramUser) -> None:
    await telegram.say("/start")
    await telegram.walk(path_to(ANSWERS))
    await telegram.tap("confirm")
    first = step_of(texts(await telegram.tap("start")))
    assert first[0] == 1

    calls = await telegram.tap("how")
    shown = [c.params["text"] for c in calls if c.method == "sendMessage"]
    how, again = shown[0], shown[-1]
    assert how.startswith(f"<b>{first[1]}</b>")
    assert "<b>Keep in mind</b>" in how
    assert "<b>Watch out for</b>" in how
    assert step_of(again) == first  # the same step, its buttons again
    assert [b["text"] for b in calls[-1].inline_buttons()][-1] == "❓ How?"

    calls = await telegram.say("how do I do this?")
    assert first[1] in texts(calls)
    assert "Watch out for" in texts(calls)
    assert step_of(texts(calls)) == first

    calls = await telegram.say("/exercise 90/90")
    assert "90/90" in texts(calls)
    assert "Watch out for" in texts(calls)
    assert step_of(texts(calls)) == first
    assert "done of" not in texts(calls)  # the session did not end

    second = step_of(texts(await telegram.tap("done")))
    assert second[0] == 2


def test_the_walk_resumes_at_the_same_step_after_a_restart(
        engine: Engine, content_with_names: ContentLibrary, zones: GeoZoneResolver,
        catalog: Catalog, clock: Clock) -> None:
    clock.now = SCREENING_NOW
    runner = Runner(make_service(engine, content_with_names, zones, catalog, clock))
    runner.command("start")
    runner.walk(path_to(ANSWERS))
    runner.tap("confirm")
    runner.tap("start")
    runner.tap("done")
    assert step_of(runner.texts())[0] == 2

    # A new process on the same database: the old keyboard still answers, at step 2.
    restarted = Runner(make_service(engine, content_with_names, zones, catalog, clock))
    restarted.keyboard_turn = runner.keyboard_turn
    restarted.tap("how")
    assert step_of(restarted.texts())[0] == 2
    restarted.command("start")
    restarted.tap("keep")
    assert step_of(restarted.texts())[0] == 2
    restarted.tap("done")
    assert step_of(restarted.texts())[0] == 3


class Script(io.StringIO):
    """A terminal user: taps buttons by their label on the screen, or types a line."""

    def __init__(self, content: ContentLibrary, lines: list[tuple[str, str]]) -> None:
        super().__init__()
        self.content = content
        self.lines = lines
        self.chat: ConsoleChat | None = None

    def readline(self, size: int | None = -1) -> str:
        if not self.lines or self.chat is None:
            return ""
        how, value = self.lines.pop(0)
        if how == "type":
            return value + "\n"
        labels = [b.label for b in self.chat.buttons]
        wanted = self.content.label(value)
        assert wanted in labels, (wanted, labels)
        return f"{labels.index(wanted) + 1}\n"


def test_how_and_a_look_up_mid_walk_keep_the_session_in_the_terminal(
        engine: Engine, content_with_names: ContentLibrary, zones: GeoZoneResolver,
        catalog: Catalog, clock: Clock, tmp_path: Path) -> None:
    clock.now = SCREENING_NOW
    service = make_service(engine, content_with_names, zones, catalog, clock)
    steps = [("tap", s.label) if s.how == "tap" else ("type", s.text)
             for s in screening_steps(ANSWERS)]
    lines = [*steps, ("tap", "summary.confirm"), ("tap", "today.start"), ("tap", "walk.how"),
             ("type", "how do I do this"), ("type", "/exercise 90/90"), ("tap", "walk.done"),
             ("type", "/summary")]
    stdin = Script(content_with_names, lines)
    out = io.StringIO()
    chat = ConsoleChat(service, stdin, out, "Ana", files=tmp_path)
    stdin.chat = chat
    assert chat.run() == 0
    first = re.search(r"^1/\d+ · ", out.getvalue(), re.MULTILINE)
    assert first is not None
    walked, second = out.getvalue()[first.start():].split("\n2/", 1)  # step 1, then step 2
    assert walked.count("Watch out for") == 3  # How?, the question, the look-up
    assert "90/90" in walked
    assert "done of" not in walked  # the session carried on to step 2
    assert second.startswith(tuple(f"{n} · " for n in range(3, 20)))
    saved = re.search(r"\(saved to (.+\.pdf)\)", out.getvalue())
    assert saved is not None
    assert Path(saved[1]).read_bytes().startswith(b"%PDF")


