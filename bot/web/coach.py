"""What the Mini App shows and does, through the chat's own code paths.

Reading: the week is the same gated day view /plan and /today use (``safe.day`` and
``coaching.day_params``); progress is the dashboard /progress reads. Writing: every tap becomes
the very event the chat's buttons produce (the walk-through's ``Choice``, "Did it"), handed to
the same ConversationService with the runner's ``Sender``, so the training model, Undo and the
safety rules cannot differ between the two channels.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from html import unescape
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.content.library import RenderedMessage
from bot.db import dialogues
from bot.db.dialogues import StoredDialogue
from bot.domain.buttons import Choice, Feature, parse_button_data
from bot.domain.dialogue import coaching, safe
from bot.domain.dialogue.plan import REPORTED, safety_params, still_to_do, to_walk
from bot.domain.dialogue.state import COACH_STATES, WalkDraft
from bot.domain.model import CoachKit, Command, Event, Text
from bot.domain.training import DayView, Plan
from bot.services.conversation import ConversationService, Response, Sender
from bot.services.drafts import load_dialogue
from bot.services.progress import read_dashboard
from bot.services.summary_link import first_plan_day
from bot.web.timer import segments

WALK_OUTCOMES = ("done", "hard", "pain", "skip")
MAX_TEXT = 200
_TAG = re.compile(r"<[^<>]*>")


class NotReadyError(Exception):
    """The runner has not finished screening in the chat yet: nothing to show."""


class MovedOnError(Exception):
    """The tap answers a move the session has already moved past (a double tap)."""


@dataclass(frozen=True)
class Reply:
    """A conversation reply as plain text with its buttons (label, button data)."""

    text: str
    buttons: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Said:
    """What the conversation answered a tap, and what the chat should be sent (the replies of
    a session concluded in the app, so the chat shows it and its Undo works there)."""

    replies: list[Reply]
    for_chat: tuple[RenderedMessage, ...] = ()


class WebCoach:
    def __init__(self, service: ConversationService) -> None:
        self.service = service

    # --- reading ---------------------------------------------------------------------------

    def week(self, telegram_id: int) -> dict[str, Any]:
        """Seven days, today first, each as /plan's day button shows it, with what is done."""
        stored, kit, today = self._read(telegram_id)
        days = [self._day(stored, kit, today + timedelta(days=i)) for i in range(7)]
        answers = stored.answers
        notes = safety_params(answers, today, kit.started)
        # The notes the chat shows above /plan and /today, in the chat's own words.
        said = self.service.content.render_text("_safety", notes) if notes["safety_notes"] \
            else ""
        return {"today": today.isoformat(), "days": days,
                "run_time": answers.get("run_time"),
                "red_flags": safe.on_red_flag_path(answers),
                "safety_notes": notes["safety_notes"], "safety_text": _plain_text(said)}

    def session(self, telegram_id: int) -> dict[str, Any]:
        """Today's moves (or the walk in progress) with the timer's segments for each.

        Before Start, the moves are exactly what Start walks through (``to_walk``, as /today's
        buttons): what is left of today, the run's own work only after the run time. ``done``
        and ``later`` are /today's "done today" and "I'll ask after your run"."""
        stored, kit, today = self._read(telegram_id)
        plan, view = safe.day(stored.answers, kit, today)
        walk = self._walk(stored)
        if walk is not None:
            moves, index, kind = list(walk.items), walk.index, walk.kind
        else:
            left = to_walk(plan, view, stored.answers, self.service.clock())
            moves = [coaching.item_view(i, kit.catalog) for i in left]
            index, kind = 0, view.kind
        done = walk is None and _done(plan, view)
        circuit = bool(moves) and all(m.get("block") == "circuit" for m in moves)
        moves = self._dosed(moves)
        return {"date": today.isoformat(), "kind": kind, "walking": walk is not None,
                "index": index, "circuit": circuit, "done": done,
                "later": walk is None and not moves and not done and bool(view.items),
                "moves": moves, "segments": segments(moves, circuit)}

    def progress(self, telegram_id: int) -> dict[str, Any]:
        stored, _, today = self._read(telegram_id)
        assert stored.user_id is not None
        with Session(self.service.engine) as db:
            board, _ = read_dashboard(db, stored.user_id, today, _zone(stored),
                                      stored.plan.plan, self.service.content)
        return {"streak": board.streak, "steps": board.steps, "retests": board.retests,
                "weeks": [{"start": w.week_start.isoformat(), "planned": w.planned,
                           "done": w.done} for w in board.weeks]}

    # --- writing: the chat's own events ------------------------------------------------------

    async def start(self, sender: Sender) -> Said:
        stored = await asyncio.to_thread(self._stored, sender.telegram_id)
        if self._walk(stored) is not None:
            return Said([])  # already walking: a second Start from the app changes nothing
        return await self._send(sender, stored, Choice(stored.turn, Feature.TODAY, "start"))

    async def move(self, sender: Sender, index: int, outcome: str) -> Said:
        """One move's Done / Hard / Pain / Skip, only while that move is the one on screen."""
        if outcome not in WALK_OUTCOMES:
            raise ValueError(outcome)
        stored = await asyncio.to_thread(self._stored, sender.telegram_id)
        walk = self._walk(stored)
        if walk is None or walk.index != index:
            raise MovedOnError
        return await self._send(sender, stored, Choice(stored.turn, Feature.TODAY, outcome))

    async def did_it(self, sender: Sender) -> Said:
        stored = await asyncio.to_thread(self._stored, sender.telegram_id)
        return await self._send(sender, stored, Choice(stored.turn, Feature.REPORT, "did"))

    async def press(self, sender: Sender, data: str) -> Said:
        """A button of a reply the app showed (a pain's side, Undo): exactly as tapped in chat."""
        stored = await asyncio.to_thread(self._stored, sender.telegram_id)
        event = parse_button_data(data)
        if not isinstance(event, Choice):
            raise ValueError("not a button")
        return await self._send(sender, stored, event)

    async def settings(self, sender: Sender) -> Said:
        """/settings, as typed in the chat: the same questions, rules and plan rebuild."""
        stored = await asyncio.to_thread(self._stored, sender.telegram_id)
        return await self._send(sender, stored, Command("settings"))

    async def text(self, sender: Sender, text: str) -> Said:
        """A typed answer (a run time such as 19:30), read exactly as the chat reads it."""
        if not text.strip():
            raise ValueError("nothing typed")
        stored = await asyncio.to_thread(self._stored, sender.telegram_id)
        return await self._send(sender, stored, Text(text[:MAX_TEXT]))

    async def _send(self, sender: Sender, before: StoredDialogue, event: Event) -> Said:
        response = await self.service.handle_async(sender, event)
        after = await asyncio.to_thread(self._load, sender.telegram_id)
        # A session stored or amended (a walk concluded, Did it, a follow-up's tap): the day's
        # report changed and no question is left open, so the chat hears about it too.
        concluded = after.state == "ready" and \
            after.answers.get(REPORTED) != before.answers.get(REPORTED)
        return Said(replies(response), response.messages if concluded else ())

    # --- helpers ------------------------------------------------------------------------------

    def _load(self, telegram_id: int) -> StoredDialogue:
        with self.service.engine.connect() as conn:
            return dialogues.load(conn, telegram_id)

    def _stored(self, telegram_id: int) -> StoredDialogue:
        stored = self._load(telegram_id)
        # Coached, or changing an answer through /settings with a plan already made.
        if stored.user_id is None or (stored.state not in COACH_STATES
                                      and stored.plan.number == 0):
            raise NotReadyError
        return stored

    def _read(self, telegram_id: int) -> tuple[StoredDialogue, CoachKit, date]:
        stored = self._stored(telegram_id)
        zone = _zone(stored)
        assert stored.user_id is not None
        service = self.service
        # The conversation's own kit; the app always knows the plan's first day.
        kit = service.coach_kit(stored, first_plan_day(service.engine, stored.user_id, zone))
        return stored, kit, service.clock().astimezone(ZoneInfo(zone)).date()

    def _day(self, stored: StoredDialogue, kit: CoachKit, on: date) -> dict[str, Any]:
        plan, view = safe.day(stored.answers, kit, on)
        day = coaching.day_params(plan, view, kit.catalog)
        content = self.service.content
        return {**day, "moves": self._dosed(day["moves"]),  # type: ignore[arg-type]
                "weekday_name": content.label(f"day.{day['weekday']}"),
                "title_text": content.label(str(day["title"])),
                "notices": coaching.notice_keys(view.notices), "minutes": safe.minutes_of(view),
                "run": view.on.weekday() in _run_weekdays(stored), "done": _done(plan, view)}

    def _dosed(self, moves: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
        """Each move with its dose in the chat's own words (``_plan.j2``'s ``dose``)."""
        dose = self.service.content.env.get_template("_plan.j2").module.dose  # type: ignore[attr-defined]
        return [{**m, "dose_text": unescape(_TAG.sub("", str(dose(m))))} for m in moves]

    @staticmethod
    def _walk(stored: StoredDialogue) -> WalkDraft | None:
        if stored.state != "walk":
            return None
        dialogue = load_dialogue(stored.state, stored.answers, stored.draft, stored.turn)
        return dialogue.draft if isinstance(dialogue.draft, WalkDraft) else None


WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _done(plan: Plan, view: DayView) -> bool:
    """/today's "done today": the day had moves and every one of them is counted."""
    return bool(view.items) and not still_to_do(plan, view)


def _run_weekdays(stored: StoredDialogue) -> set[int]:
    days = stored.answers.get("run_days") or []
    return {WEEKDAY_NAMES.index(d) for d in days if d in WEEKDAY_NAMES}


def _zone(stored: StoredDialogue) -> str:
    return str(stored.answers.get("timezone") or "UTC")


def replies(response: Response) -> list[Reply]:
    return [plain(m) for m in response.messages]


def _plain_text(html: str) -> str:
    return unescape(_TAG.sub("", html)).strip()


def plain(message: RenderedMessage) -> Reply:
    """Telegram-flavoured HTML to plain text: the page shows it with textContent, never as
    markup, so nothing a runner typed can become script."""
    text = _plain_text(message.text)
    buttons = tuple((b.label, b.data) for row in message.keyboard for b in row if b.data)
    return Reply(text, buttons)


def reply_dicts(items: Sequence[Reply]) -> list[dict[str, Any]]:
    return [{"text": r.text, "buttons": [{"label": label, "data": data}
                                         for label, data in r.buttons]} for r in items]
