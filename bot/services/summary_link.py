"""``/summary``: the one-page clinician PDF from the runner's stored rows.

Telegram sends it as a document; the terminal saves the attachment and prints its path (the
console does that for every attachment).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from bot.content.library import Attachment, ContentLibrary, RenderedMessage
from bot.db.models import ExerciseOutcome, PlanVersion, ScreeningAnswer, User
from bot.domain.catalog import Catalog
from bot.domain.dialogue.questions import BY_ID
from bot.services.clinician_records import summary_from_records


def summary_message(engine: Engine, user_id: int, zone: str, today: date,
                    answers: Mapping[str, Any], content: ContentLibrary,
                    catalog: Catalog) -> RenderedMessage:
    pdf = summary_pdf(engine, user_id, zone, today, answers, content, catalog)
    text = content.render_text("safety/summary_ready", {})
    return RenderedMessage(text, attachment=Attachment(
        "document", f"hip-summary-{today.isoformat()}.pdf", pdf))


def summary_pdf(engine: Engine, user_id: int, zone: str, today: date,
                answers: Mapping[str, Any], content: ContentLibrary, catalog: Catalog) -> bytes:
    # fpdf2 (and what it pulls in) costs most of a second to import: only when asked for.
    from bot.services.clinician_summary import SummaryWords, render_clinician_summary

    with Session(engine) as db:
        user = db.get(User, user_id)
        rows = db.scalars(select(ScreeningAnswer).where(ScreeningAnswer.user_id == user_id)
                          .order_by(ScreeningAnswer.answered_at, ScreeningAnswer.id)).all()
        outcomes = db.scalars(select(ExerciseOutcome).where(ExerciseOutcome.user_id == user_id)
                              .order_by(ExerciseOutcome.recorded_at)).all()
        plan = db.scalars(select(PlanVersion).where(PlanVersion.user_id == user_id)
                          .order_by(PlanVersion.number.desc()).limit(1)).first()
        summary = summary_from_records(
            today=today, zone=zone, name=user.name if user else "",
            # Only the screening's own questions; the safety dates are stated on their own.
            answers=[r for r in rows if r.question in BY_ID],
            outcomes=outcomes, plan=plan,
            cleared_at=_when(answers.get("cleared_on")))
    return render_clinician_summary(summary, SummaryWords.from_content(content, catalog))


def _when(value: object) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def first_plan_day(engine: Engine, user_id: int, zone: str) -> date | None:
    """The local day of the runner's first plan: the conservative and comeback weeks count
    from it."""
    with Session(engine) as db:
        first = db.scalars(select(PlanVersion.created_at).where(PlanVersion.user_id == user_id)
                           .order_by(PlanVersion.number).limit(1)).first()
    return first.astimezone(ZoneInfo(zone)).date() if first else None
