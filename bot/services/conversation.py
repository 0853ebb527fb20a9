"""One incoming event: read the dialogue, step it, store it (versioned), render the replies.

The read is served from a per-process cache when possible; the write always goes to the
database with the version it was computed from. If another process (or a second update for the
same user) wrote first, the write is refused, the cache entry dropped, and the event replayed
on the fresh state. So the database stays the only truth and a restart loses nothing.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import IntegrityError

from bot.content.ladders import cached_ladders
from bot.content.library import ContentLibrary, RenderedMessage
from bot.db import dialogues
from bot.db.dialogues import DialogueWrite, NewPlan, StoredDialogue
from bot.db.models import utc_now
from bot.domain.catalog import Catalog
from bot.domain.dialogue.router import step
from bot.domain.dialogue.state import (
    COACH_STATES,
    CompleteScreening,
    DeleteEverything,
    Produce,
    RecordAnswer,
    SavePlan,
    SessionRecord,
    SetTimezone,
    Transition,
)
from bot.domain.listen import ScheduleCheckIn
from bot.domain.model import CoachKit, Context, Event, ZoneResolver
from bot.services.coaching import check_ins, hook_for, produce
from bot.services.drafts import dump_state, load_dialogue
from bot.services.feedback import FeedbackReader
from bot.services.figures import FigureReplies
from bot.services.group_commit import GroupCommitter
from bot.services.matching import ExerciseMatcher, LabelMatcher
from bot.services.reminder_link import ReminderLink
from bot.services.summary_link import first_plan_day, summary_message

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
# Effects carried out after the dialogue's commit: they read it back or touch reminders.
AFTER_COMMIT = (Produce, SavePlan, SetTimezone, ScheduleCheckIn)
CACHE_SIZE = 50_000


class ConcurrentUpdateError(Exception):
    """The same user's dialogue kept changing underneath us; the update was not applied."""


@dataclass(frozen=True)
class Sender:
    telegram_id: int
    first_name: str = ""
    language: str | None = None


@dataclass(frozen=True)
class Response:
    messages: tuple[RenderedMessage, ...]
    toast: str | None = None
    close_source: bool = False
    # The stamp's hook was committed with the dialogue (see Stamp).
    stamped: bool = False


# Given the replies before a write, returns work for the write's own transaction: the
# Telegram adapter records the update as processed, with its replies, atomically with it.
Stamp = Callable[[Response], Callable[[Connection, int], None]]


class ConversationService:
    def __init__(
        self,
        engine: Engine,
        content: ContentLibrary,
        zones: ZoneResolver,
        catalog: Catalog,
        link: ReminderLink,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.engine = engine
        self.content = content
        self.zones = zones
        self.clock = clock
        self.matcher = LabelMatcher(content)
        self.catalog = catalog
        self.link = link
        self.find_exercises = ExerciseMatcher(catalog)
        self.ladders = cached_ladders(content.root)
        self.reader = FeedbackReader((e.id, e.name, e.aliases) for e in catalog.exercises.values())
        self.cache: OrderedDict[int, StoredDialogue] = OrderedDict()
        # 0 when other processes serve the same users (webhook mode): a stale cached read that
        # leads to no write (a tap seen as stale) would never be caught by the versioned write.
        self.cache_size = CACHE_SIZE
        self.committer: GroupCommitter[DialogueWrite, StoredDialogue] = GroupCommitter(
            self._write_batch)
        self.figures: FigureReplies | None = None  # set by the composition root

    def handle(self, sender: Sender, event: Event) -> Response:
        """Synchronous: commits before returning (terminal chat, scripts, tests)."""
        for _ in range(MAX_ATTEMPTS):
            outcome, write = self._decide(sender, event, self._cached(sender.telegram_id))
            result = None if write is None else self._write_alone(write)
            if write is None or self._settle(write, result):
                return self._respond(sender, outcome, _reactivated(result))
        raise ConcurrentUpdateError(f"gave up after {MAX_ATTEMPTS} attempts")

    async def handle_async(self, sender: Sender, event: Event,
                           stamp: Stamp | None = None) -> Response:
        """For the event loop: the write joins a group commit with concurrent updates."""
        for _ in range(MAX_ATTEMPTS):
            # The cache is touched on the loop only. The reads, the coach's history and the
            # transition (a city lookup, fuzzy matching) run in a worker thread, so one
            # runner's slow step never holds up everyone else's updates.
            cached = self._cached(sender.telegram_id)
            outcome, write = await asyncio.to_thread(self._decide, sender, event, cached)
            if write is not None and stamp is not None:
                # First, so that a /delete in the same write also removes this record.
                write = replace(write, hooks=(stamp(self._render(outcome)), *write.hooks))
            result = None if write is None else await self.committer.submit(write)
            if write is None or self._settle(write, result):
                back = _reactivated(result)
                if back or any(isinstance(e, AFTER_COMMIT) for e in outcome.effects):
                    # Charts, exports and reminder schedules touch the database: off the loop.
                    response = await asyncio.to_thread(self._respond, sender, outcome, back)
                else:
                    response = self._respond(sender, outcome)
                return replace(response, stamped=write is not None and stamp is not None)
        raise ConcurrentUpdateError(f"gave up after {MAX_ATTEMPTS} attempts")

    def render_error(self) -> RenderedMessage:
        return RenderedMessage(self.content.render_text("error_generic", {}))

    def mark_unreachable(self, telegram_id: int) -> None:
        """The user blocked the bot or deleted their account: stop talking to them."""
        with self.engine.begin() as conn:
            dialogues.set_active(conn, telegram_id, False)
        self.cache.pop(telegram_id, None)

    def _decide(self, sender: Sender, event: Event,
                cached: StoredDialogue | None) -> tuple[Transition, DialogueWrite | None]:
        stored = cached if cached is not None else self._load(sender.telegram_id)
        now = self.clock()
        context = Context(now=now, zones=self.zones, coach=self._coach_kit(stored),
                          first_name=sender.first_name)
        base = load_dialogue(stored.state, stored.answers, stored.draft, stored.turn)
        outcome = step(base, event, context, self.matcher)
        if self.figures is not None:
            self.figures.prepare(outcome.replies)  # here, off the event loop
        stores = [e for e in outcome.effects if not isinstance(e, Produce | SessionRecord)]
        if outcome.dialogue == base and not stores and stored.active:
            return outcome, None  # nothing to store: a hint, a stale tap, /help, /progress
        return outcome, _write_for(sender, stored, outcome, now)

    def _coach_kit(self, stored: StoredDialogue) -> CoachKit:
        started = None
        if stored.user_id is not None and stored.state in COACH_STATES:
            zone = str(stored.answers.get("timezone") or "UTC")
            started = first_plan_day(self.engine, stored.user_id, zone)
        return CoachKit(self.catalog, self.find_exercises, self.reader.read,
                        stored.plan.number, stored.plan.plan, self.ladders, started)

    def _cached(self, telegram_id: int) -> StoredDialogue | None:
        cached = self.cache.get(telegram_id)
        if cached is not None:
            self.cache.move_to_end(telegram_id)
        return cached

    def _load(self, telegram_id: int) -> StoredDialogue:
        with self.engine.connect() as conn:
            return dialogues.load(conn, telegram_id)

    def _settle(self, write: DialogueWrite, result: StoredDialogue | None) -> bool:
        if result is None:
            log.info("dialogue changed concurrently; replaying the update")
            self.cache.pop(write.telegram_id, None)
            return False
        if write.deletes_user:
            self.cache.pop(write.telegram_id, None)
            return True
        self.cache[write.telegram_id] = result
        self.cache.move_to_end(write.telegram_id)
        while len(self.cache) > self.cache_size:
            self.cache.popitem(last=False)
        return True

    def _write_alone(self, write: DialogueWrite) -> StoredDialogue | None:
        try:
            return self._write_batch([write])[0]
        except IntegrityError:
            return None

    def _write_batch(self, writes: Sequence[DialogueWrite]) -> list[StoredDialogue | None]:
        with self.engine.begin() as conn:
            return dialogues.write_batch(conn, writes)

    def _respond(self, sender: Sender, outcome: Transition, reactivated: bool = False) -> Response:
        response = self._render(outcome)
        if not reactivated and not any(isinstance(e, AFTER_COMMIT) for e in outcome.effects):
            return response
        with self.engine.connect() as conn:  # not the cache: this may run in a worker thread
            stored = dialogues.load(conn, sender.telegram_id)
        if stored.user_id is None:
            return response  # the runner has just deleted everything
        self._keep_reminders_in_step(stored.user_id, outcome, reactivated)
        produced = tuple(self._produce(stored, e, outcome.dialogue.turn)
                         for e in outcome.effects if isinstance(e, Produce))
        return replace(response, messages=response.messages + produced)

    def _keep_reminders_in_step(self, user_id: int, outcome: Transition,
                                reactivated: bool) -> None:
        if reactivated or any(isinstance(e, SavePlan | SetTimezone) for e in outcome.effects):
            self.link.sync(user_id)
        for check_in in check_ins(outcome.effects):
            self.link.schedule_checkin(user_id, date.fromisoformat(check_in.on))

    def _produce(self, stored: StoredDialogue, effect: Produce, turn: int) -> RenderedMessage:
        assert stored.user_id is not None
        if effect.what not in ("progress", "export", "summary", "runs"):
            return self.link.perform(stored.user_id, effect, turn)
        zone = str(stored.answers.get("timezone") or "UTC")
        today = self.clock().astimezone(ZoneInfo(zone)).date()
        if effect.what == "summary":
            return summary_message(self.engine, stored.user_id, zone, today, stored.answers,
                                   self.content, self.catalog)
        return produce(effect, self.engine, stored.user_id, zone, today, stored.plan.plan,
                       self.content)

    def _render(self, outcome: Transition) -> Response:
        figures = self.figures
        messages = tuple(m for reply in outcome.replies
                         for m in (figures.messages(reply) if figures is not None
                                   else (self.content.render(reply),)))
        toast = self.content.label(outcome.toast) if outcome.toast else None
        return Response(messages, toast, outcome.close_source)


def _reactivated(result: StoredDialogue | None) -> bool:
    """A runner who had blocked the bot wrote again: their reminders are re-armed."""
    return result is not None and result.reactivated


def _write_for(sender: Sender, stored: StoredDialogue, outcome: Transition,
               now: datetime) -> DialogueWrite:
    new = outcome.dialogue
    state, draft = dump_state(new)
    answers: list[tuple[str, Any]] = []
    # Reactivation is not set here: the write itself sees an inactive row and flips it.
    changes: dict[str, Any] = {}
    new_plan: NewPlan | None = None
    hooks = [h for h in (hook_for(e, new.turn, now) for e in outcome.effects) if h is not None]
    for effect in outcome.effects:
        if isinstance(effect, RecordAnswer):
            answers.append((effect.question, effect.value))
        elif isinstance(effect, SetTimezone):
            changes["timezone"] = effect.zone
        elif isinstance(effect, CompleteScreening):
            changes["screened_at"] = now
        elif isinstance(effect, SavePlan):
            new_plan = NewPlan(effect.reason, dict(effect.plan), dict(effect.progress),
                               list(effect.changes))
    return DialogueWrite(sender.telegram_id, sender.first_name, sender.language, stored,
                         state, dict(new.answers), draft, new.turn, now,
                         answers, changes, new_plan, hooks,
                         any(isinstance(e, DeleteEverything) for e in outcome.effects))
