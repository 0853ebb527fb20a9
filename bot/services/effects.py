"""What a transition's effects ask of the service, sorted once, every kind of effect matched
(mypy proves no kind is missed: a new effect fails the type check until it is handled here)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import assert_never

from bot.db.dialogues import NewPlan
from bot.domain.dialogue.state import (
    AnswerValue,
    ChangeReminders,
    CompleteScreening,
    DeleteEverything,
    Effect,
    RecordAnswer,
    SavePlan,
    SetTimezone,
    ShowReport,
)
from bot.domain.listen import ScheduleCheckIn, StoreOutcomes


@dataclass
class Work:
    """The effects of one transition, by where they are carried out."""

    # In the dialogue's versioned write.
    answers: list[tuple[str, AnswerValue]] = field(default_factory=list)
    user_changes: dict[str, object] = field(default_factory=dict)
    new_plan: NewPlan | None = None
    deletes_user: bool = False
    outcomes: list[StoreOutcomes] = field(default_factory=list)
    # In the same transaction, on the reminder schedules.
    resync: bool = False  # a new plan or zone: the schedules follow
    check_ins: list[ScheduleCheckIn] = field(default_factory=list)
    reminder_changes: list[ChangeReminders] = field(default_factory=list)
    # Before the write, outside it: replies read from stored data.
    reports: list[ShowReport] = field(default_factory=list)

    @property
    def moves_reminders(self) -> bool:
        return self.resync or bool(self.check_ins or self.reminder_changes)

    @property
    def stores(self) -> bool:
        """Whether anything must be written, even if the dialogue stays as it was."""
        return bool(self.answers or self.user_changes or self.new_plan or self.deletes_user
                    or self.outcomes or self.moves_reminders)


def sort_effects(effects: Sequence[Effect], now: datetime) -> Work:
    work = Work()
    for effect in effects:
        match effect:
            case RecordAnswer(question=question, value=value):
                work.answers.append((question, value))
            case SetTimezone(zone=zone):
                work.user_changes["timezone"] = zone
                work.resync = True
            case CompleteScreening():
                work.user_changes["screened_at"] = now
            case SavePlan():
                work.new_plan = NewPlan(effect.reason, dict(effect.plan), dict(effect.progress),
                                        list(effect.changes))
                work.resync = True
            case DeleteEverything():
                work.deletes_user = True
            case StoreOutcomes():
                work.outcomes.append(effect)
            case ScheduleCheckIn():
                work.check_ins.append(effect)
            case ChangeReminders():
                work.reminder_changes.append(effect)
            case ShowReport():
                work.reports.append(effect)
            case _:
                assert_never(effect)
    return work
