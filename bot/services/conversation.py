"""One incoming event = one transaction: load the dialogue, step it, store it, render replies."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from bot.content.library import ContentLibrary, RenderedMessage
from bot.db import queries
from bot.db.models import DialogueState, User, utc_now
from bot.domain.model import Context, Event, ZoneResolver
from bot.domain.screening import (
    CompleteScreening,
    Dialogue,
    Effect,
    Outcome,
    RecordAnswer,
    SetTimezone,
    step,
)
from bot.services.matching import LabelMatcher

log = logging.getLogger(__name__)

# A concurrent writer for the same user (another process, a double tap) makes the commit fail;
# the event is then replayed on the fresh state, where the turn check settles it.
MAX_ATTEMPTS = 3


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


class ConversationService:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        content: ContentLibrary,
        zones: ZoneResolver,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.sessions = sessions
        self.content = content
        self.zones = zones
        self.clock = clock
        self.matcher = LabelMatcher(content)

    def handle(self, sender: Sender, event: Event) -> Response:
        outcome = self._step_with_retry(sender, event)
        messages = tuple(self.content.render(reply) for reply in outcome.replies)
        toast = self.content.label(outcome.toast) if outcome.toast else None
        return Response(messages, toast, outcome.close_source)

    def render_error(self) -> RenderedMessage:
        return RenderedMessage(self.content.render_text("error_generic", {}))

    def mark_unreachable(self, telegram_id: int) -> None:
        """The user blocked the bot or deleted their account: stop talking to them."""
        with self.sessions.begin() as session:
            user = session.query(User).filter_by(telegram_id=telegram_id).one_or_none()
            if user is not None:
                user.active = False

    def _step_with_retry(self, sender: Sender, event: Event) -> Outcome:
        for attempt in range(1, MAX_ATTEMPTS + 1):
            try:
                return self._step_once(sender, event)
            except (StaleDataError, IntegrityError):
                if attempt == MAX_ATTEMPTS:
                    raise
                log.info("concurrent update for a user; replaying (attempt %d)", attempt)
        raise AssertionError("unreachable")

    def _step_once(self, sender: Sender, event: Event) -> Outcome:
        with self.sessions.begin() as session:
            user = queries.get_or_create_user(session, sender.telegram_id, sender.first_name,
                                              sender.language)
            dialogue = _to_domain(queries.get_dialogue(session, user))
            context = Context(now=self.clock(), zones=self.zones, first_name=sender.first_name)
            outcome = step(dialogue, event, context, self.matcher)
            _apply_effects(session, user, outcome.effects, context.now)
            new = outcome.dialogue
            queries.save_dialogue(session, user, new.state, dict(new.answers), dict(new.draft),
                                  new.turn)
        return outcome


def _to_domain(row: DialogueState | None) -> Dialogue:
    if row is None:
        return Dialogue()
    return Dialogue(row.state, dict(row.answers), dict(row.draft), row.turn)


def _apply_effects(
    session: Session, user: User, effects: tuple[Effect, ...], now: datetime
) -> None:
    for effect in effects:
        if isinstance(effect, RecordAnswer):
            queries.add_answer(session, user, effect.question, _jsonable(effect.value), now)
        elif isinstance(effect, SetTimezone):
            user.timezone = effect.zone
        elif isinstance(effect, CompleteScreening):
            user.screened_at = now


def _jsonable(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value
