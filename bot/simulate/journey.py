"""`hipcoach simulate`: one persona through N weeks on the real code path, on a simulated clock.

The same conversation service, reminder service and database as `chat` and Telegram; only the
clock is ours. Each day the clock jumps from one due reminder or planned action to the next,
the reminder service ticks at that minute, and the simulated runner answers what arrived.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import partial
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.content.library import RenderedMessage
from bot.simulate.inspect import Inspector
from bot.simulate.journal import DayEntry, Journal, message_entry
from bot.simulate.persona import Persona
from bot.simulate.runner import Hands, Sent
from bot.simulate.screening import screen
from bot.simulate.session import Trainer

SCREENING_AT = time(20, 0)
# A pain on a move that is not in the day's plan is told in words in the evening.
OFF_PLAN_PAIN_AT = "20:30"


@dataclass
class SimClock:
    """The only clock every service in the simulation reads."""

    now: datetime

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Captured:
    """Reminders the reminder service sent, as (chat id, message), in order."""

    messages: list[tuple[int, RenderedMessage]] = field(default_factory=list)

    async def send(self, chat_id: int, message: RenderedMessage) -> int:
        self.messages.append((chat_id, message))
        return len(self.messages)


@dataclass
class World:
    """What one journey needs from the app: built by bot.simulate.world for a database."""

    hands: Hands
    clock: SimClock
    captured: Captured
    tick: Callable[[], None]
    next_due: Callable[[], datetime | None]
    inspector: Inspector
    user_id: Callable[[], int | None]


class Journey:
    def __init__(self, persona: Persona, world: World) -> None:
        self.persona = persona
        self.world = world
        self.zone = ZoneInfo(persona.timezone)
        self.trainer = Trainer(persona, world.hands, random.Random(persona.seed))

    def run(self, weeks: int) -> Journal:
        journal = Journal(self.persona.name, weeks)
        self._at(self.persona.start, SCREENING_AT)
        screen(self.world.hands, self.persona)
        for offset in range(1, weeks * 7 + 1):
            journal.days.append(self._day(self.persona.start + timedelta(days=offset)))
        return journal

    def _day(self, day: date) -> DayEntry:
        hands = self.world.hands
        first = len(hands.log)
        user = self.world.user_id()
        entry = self.world.inspector.day(user, day) if user is not None else DayEntry.empty(day)
        self.trainer.begin_day(day, entry)
        for at, action in self._actions(day):
            self._until(at)
            action()
        self._until(datetime.combine(day + timedelta(days=1), time(0, 0), self.zone))
        sent = hands.log[first:]
        if user is not None:
            self.world.inspector.close_day(user, day, entry, sent)
        entry.messages = [message_entry(s, self.zone) for s in sent]
        entry.outcomes = self.trainer.outcomes
        return entry

    def _actions(self, day: date) -> list[tuple[datetime, Callable[[], None]]]:
        local = self._local
        actions: list[tuple[datetime, Callable[[], None]]] = []
        actions.extend(self._said(day))
        for pain in self.trainer.off_plan_pains():
            actions.append((local(day, OFF_PLAN_PAIN_AT), partial(self.trainer.tell_pain, pain)))
        for retest in self.persona.behaviour.retests:
            if retest.on == day:
                actions.append((local(day, "19:30"), partial(self.trainer.retest, retest)))
        if self.persona.behaviour.clearance == day:
            actions.append((local(day, "10:00"), self.trainer.clearance))
        fallback = self.trainer.fallback_time(day)
        if fallback is not None:
            actions.append((local(day, fallback), self.trainer.train_unprompted))
        back = self.trainer.after_run_time()
        if back is not None:
            actions.append((local(day, back), self.trainer.report_run))
        if day in self.persona.behaviour.undo:
            actions.append((local(day, "21:30"), self.trainer.undo))
        return sorted(actions, key=lambda pair: pair[0])

    def _said(self, day: date) -> list[tuple[datetime, Callable[[], None]]]:
        """What the runner types and sends that day of their own accord: texts (mid-walk ones
        are the trainer's) and run files."""
        said: list[tuple[datetime, Callable[[], None]]] = [
            (self._local(day, typed.at), partial(self._type, typed.text))
            for typed in self.persona.behaviour.texts
            if typed.on == day and typed.during is None]
        said.extend((self._local(day, run.at), partial(self._upload, run.file))
                    for run in self.persona.behaviour.runs if run.on == day)
        return said

    def _local(self, day: date, hhmm: str) -> datetime:
        hour, minute = (int(p) for p in hhmm.split(":"))
        return datetime.combine(day, time(hour, minute), self.zone)

    def _upload(self, file: Path) -> None:
        self.world.hands.upload(file)

    def _type(self, text: str) -> None:
        self.trainer.react(self.world.hands.type(text))

    def _until(self, moment: datetime) -> None:
        """Deliver every reminder due before ``moment``, answering each, then move there."""
        while (due := self.world.next_due()) is not None and due < moment:
            self.world.clock.now = max(due, self.world.clock.now)
            before = len(self.world.captured.messages)
            self.world.tick()
            for _chat, message in self.world.captured.messages[before:]:
                sent = self.world.hands.receive(f"reminder:{_kind_of(message)}", message)
                self.trainer.on_reminder(sent)
        self.world.clock.now = max(moment, self.world.clock.now)

    def _at(self, day: date, at: time) -> None:
        self.world.clock.now = datetime.combine(day, at, self.zone)


def _kind_of(message: RenderedMessage) -> str:
    return message.template.removeprefix("reminder_") or "unknown"


def run_ticks(tick: Callable[[], object]) -> Callable[[], None]:
    """The reminder service's tick is a coroutine; the simulation has no event loop of its own."""
    def run() -> None:
        result = tick()
        if asyncio.iscoroutine(result):
            asyncio.run(result)
    return run


__all__ = ["Captured", "Journey", "Sent", "SimClock", "World", "run_ticks"]
