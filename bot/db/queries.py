"""Loading and saving a user's conversation. Flushes, never commits."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db.models import DialogueState, ScreeningAnswer, User


def get_or_create_user(
    session: Session, telegram_id: int, name: str, language: str | None
) -> User:
    user = session.scalars(select(User).where(User.telegram_id == telegram_id)).one_or_none()
    if user is None:
        user = User(telegram_id=telegram_id, name=name[:128], language=language, active=True)
        session.add(user)
        session.flush()
    elif not user.active:
        user.active = True
    return user


def get_dialogue(session: Session, user: User) -> DialogueState | None:
    return session.get(DialogueState, user.id)


def save_dialogue(
    session: Session, user: User, state: str, answers: dict[str, Any], draft: dict[str, Any],
    turn: int,
) -> None:
    row = session.get(DialogueState, user.id)
    if row is None:
        session.add(DialogueState(user_id=user.id, state=state, answers=answers, draft=draft,
                                  turn=turn))
        return
    if (row.state, row.answers, row.draft, row.turn) != (state, answers, draft, turn):
        row.state, row.answers, row.draft, row.turn = state, answers, draft, turn


def add_answer(session: Session, user: User, question: str, value: Any, at: datetime) -> None:
    session.add(ScreeningAnswer(user_id=user.id, question=question, value=value, answered_at=at))
