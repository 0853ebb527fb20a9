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
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.content.ladders import cached_ladders
from bot.content.library import ContentLibrary, RenderedMessage
from bot.content.words import cached_words
from bot.db import dialogues
from bot.db.dialogues import DialogueWrite, StoredDialogue
from bot.db.models import utc_now
from bot.domain.catalog import Catalog
from bot.domain.dialogue.router import step
from bot.domain.dialogue.state import (
    COACH_STATES,
    DeleteEverything,
    Effect,
    ReportKind,
    Transition,
)
from bot.domain.model import CoachKit, Context, Event, ZoneResolver
from bot.services.coaching import hook_for, produce
from bot.services.drafts import dump_state, load_dialogue
from bot.services.effects import Work, sort_effects
from bot.services.feedback import FeedbackReader
from bot.services.figures import FigureReplies
from bot.services.group_commit import GroupCommitter
from bot.services.matching import ExerciseMatcher, LabelMatcher
from bot.services.reminder_link import ReminderLink
from bot.services.summary_link import first_plan_day, summary_message

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
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
    # The runner's data was just deleted (/delete): files made for them go too.
    deleted: bool = False


# Given the event's complete replies, returns work for the write's own transaction: the
# channel records the event as processed, with its replies, atomically with everything else.
Stamp = Callable[[Response], Callable[[Connection, int], None]]


@dataclass
class Decision:
    """One attempt at an event: the transition, the replies known before the write, and the
    write whose transaction also makes the replies of reminder changes (``made``)."""

    outcome: Transition
    work: Work
    before: Response
    write: DialogueWrite | None = None
    made: list[RenderedMessage] = field(default_factory=list)

    def response(self) -> Response:
        return replace(self.before, messages=self.before.messages + tuple(self.made))


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
        names = [(e.id, e.name, e.aliases) for e in catalog.exercises.values()]
        self.reader = FeedbackReader(names, cached_words(content.root))
        self.cache: OrderedDict[int, StoredDialogue] = OrderedDict()
        # 0 when other processes serve the same users (webhook mode): a stale cached read that
        # leads to no write (a tap seen as stale) would never be caught by the versioned write.
        self.cache_size = CACHE_SIZE
        self.committer: GroupCommitter[DialogueWrite, StoredDialogue] = GroupCommitter(
            self._write_batch)
        self.figures: FigureReplies | None = None  # set by the composition root

    def handle(self, sender: Sender, event: Event, stamp: Stamp | None = None) -> Response:
        """Synchronous: commits before returning (terminal chat, scripts, tests)."""
        for _ in range(MAX_ATTEMPTS):
            decision = self._decide(sender, event, self._cached(sender.telegram_id), stamp)
            write = decision.write
            result = None if write is None else self._write_alone(write)
            if write is None or self._settle(write, result):
                return replace(decision.response(), stamped=write is not None and stamp is not None,
                               deleted=write is not None and write.deletes_user)
        raise ConcurrentUpdateError(f"gave up after {MAX_ATTEMPTS} attempts")

    async def handle_async(self, sender: Sender, event: Event,
                           stamp: Stamp | None = None) -> Response:
        """For the event loop: the write joins a group commit with concurrent updates."""
        for _ in range(MAX_ATTEMPTS):
            # The cache is touched on the loop only. The reads, the coach's history, the
            # transition (a city lookup, fuzzy matching) and the reports (a chart, a PDF) run
            # in a worker thread, so one runner's slow step never holds up everyone else's.
            cached = self._cached(sender.telegram_id)
            decision = await asyncio.to_thread(self._decide, sender, event, cached, stamp)
            write = decision.write
            result = None if write is None else await self.committer.submit(write)
            if write is None or self._settle(write, result):
                return replace(decision.response(), stamped=write is not None and stamp is not None,
                               deleted=write is not None and write.deletes_user)
        raise ConcurrentUpdateError(f"gave up after {MAX_ATTEMPTS} attempts")

    def render_error(self) -> RenderedMessage:
        return RenderedMessage(self.content.render_text("error_generic", {}))

    def mark_unreachable(self, telegram_id: int) -> None:
        """The user blocked the bot or deleted their account: stop talking to them."""
        with self.engine.begin() as conn:
            dialogues.set_active(conn, telegram_id, False)
        self.cache.pop(telegram_id, None)

    def _decide(self, sender: Sender, event: Event, cached: StoredDialogue | None,
                stamp: Stamp | None = None) -> Decision:
        stored = cached if cached is not None else self._load(sender.telegram_id)
        now = self.clock()
        context = Context(now=now, zones=self.zones, coach=self.coach_kit(stored),
                          first_name=sender.first_name)
        base = load_dialogue(stored.state, stored.answers, stored.draft, stored.turn)
        outcome = step(base, event, context, self.matcher)
        if self.figures is not None:
            self.figures.prepare(outcome.replies)  # here, off the event loop
        work = sort_effects(outcome.effects, now)
        rendered = self._render(outcome)
        decision = Decision(outcome, work, replace(
            rendered, messages=rendered.messages + self._reports(stored, work, outcome)))
        if outcome.dialogue == base and not work.stores and stored.active:
            return decision  # nothing to store: a hint, a stale tap, /help, /progress
        decision.write = self._unit_of_work(_write_for(sender, stored, outcome, work, now),
                                            decision, stamp)
        return decision

    def _unit_of_work(self, write: DialogueWrite, decision: Decision,
                      stamp: Stamp | None) -> DialogueWrite:
        """Everything the event changes, in the write's one transaction: the reminder
        schedules it moves (with the replies that say so), then the processed-event record
        with the complete replies (before a /delete in the same write, which removes it too),
        then the coach's rows."""
        work = decision.work

        def reminders(conn: Connection, user_id: int) -> None:
            # Assigned, not appended: a batch that failed is written again one by one.
            decision.made[:] = self._reminder_work(conn, user_id, work)

        def record(conn: Connection, user_id: int) -> None:
            assert stamp is not None
            stamp(decision.response())(conn, user_id)

        hooks = [*((reminders,) if work.moves_reminders else ()),
                 *((record,) if stamp is not None else ()),
                 *write.hooks]
        return replace(write, hooks=hooks, reactivated_hooks=(self._resync,))

    def _reminder_work(self, conn: Connection, user_id: int, work: Work) -> list[RenderedMessage]:
        with Session(bind=conn) as db:
            if work.resync:
                self.link.sync(db, user_id)
            for check_in in work.check_ins:
                self.link.schedule_checkin(db, user_id, date.fromisoformat(check_in.on))
            made = [self.link.change(db, user_id, e) for e in work.reminder_changes]
            db.flush()
        return made

    def _resync(self, conn: Connection, user_id: int) -> None:
        """A runner who had blocked the bot wrote again: their reminders are re-armed."""
        with Session(bind=conn) as db:
            self.link.sync(db, user_id)
            db.flush()

    def _reports(self, stored: StoredDialogue, work: Work,
                 outcome: Transition) -> tuple[RenderedMessage, ...]:
        """The replies read from stored data (a chart, an export, a PDF, /reminders). They
        change nothing, so they are built here, before the write and outside it: a slow chart
        never holds the database's write lock."""
        if stored.user_id is None:
            return ()
        return tuple(self._report(stored, e.kind, outcome.dialogue.turn) for e in work.reports)

    def coach_kit(self, stored: StoredDialogue, started: date | None = None) -> CoachKit:
        """The kit a step is given (the Mini App reads its views with the same one).
        ``started``: the plan's first day when the caller has it; else read for a coached
        runner."""
        if started is None and stored.user_id is not None and stored.state in COACH_STATES:
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

    def _report(self, stored: StoredDialogue, kind: ReportKind, turn: int) -> RenderedMessage:
        assert stored.user_id is not None
        if kind is ReportKind.REMINDERS:
            return self.link.overview(stored.user_id, turn)
        zone = str(stored.answers.get("timezone") or "UTC")
        today = self.clock().astimezone(ZoneInfo(zone)).date()
        if kind is ReportKind.SUMMARY:
            return summary_message(self.engine, stored.user_id, zone, today, stored.answers,
                                   self.content, self.catalog)
        return produce(kind, self.engine, stored.user_id, zone, today, stored.plan.plan,
                       self.content)

    def _render(self, outcome: Transition) -> Response:
        figures = self.figures
        messages = tuple(m for reply in outcome.replies
                         for m in (figures.messages(reply) if figures is not None
                                   else (self.content.render(reply),)))
        toast = self.content.label(outcome.toast) if outcome.toast else None
        return Response(messages, toast, outcome.close_source)


def _write_for(sender: Sender, stored: StoredDialogue, outcome: Transition, work: Work,
               now: datetime) -> DialogueWrite:
    new = outcome.dialogue
    state, draft = dump_state(new)
    # Reactivation is not set here: the write itself sees an inactive row and flips it.
    effects: list[Effect] = [*work.outcomes, *([DeleteEverything()] if work.deletes_user else [])]
    hooks = [h for h in (hook_for(e, new.turn, now) for e in effects) if h is not None]
    return DialogueWrite(sender.telegram_id, sender.first_name, sender.language, stored,
                         state, dict(new.answers), draft, new.turn, now,
                         list(work.answers), dict(work.user_changes), work.new_plan, hooks,
                         work.deletes_user)
