"""Between the conversation and the reminder engine: schedules follow the runner's answers,
reminders carry the day's activation, and reminder settings are changed from the chat."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from bot.content.ladders import cached_ladders
from bot.content.library import ContentLibrary, RenderedMessage
from bot.db.dialogues import latest_plan
from bot.db.models import DialogueState, ReminderSchedule, TrainingSession, User, utc_now
from bot.domain import training
from bot.domain.catalog import Catalog
from bot.domain.dialogue.coaching import TRAINING_KEY, item_view
from bot.domain.dialogue.reminders import reminders_reply
from bot.domain.dialogue.safe import allowed_reminders, day_of
from bot.domain.dialogue.state import Produce
from bot.domain.model import Reply
from bot.domain.parsing import WEEKDAYS
from bot.domain.schedule import (
    CHECKIN,
    DEFAULT_LEAD_MINUTES,
    DEFAULT_QUIET,
    KINDS,
    NUDGE_VALID_FOR,
    PRE_RUN,
    RETEST,
    SAFETY_CHECKIN,
    STRENGTH,
    Occurrence,
    QuietHours,
    ScheduleError,
    local_to_utc,
    parse_hhmm,
    zone_info,
)
from bot.paths import content_dir
from bot.services.reminders import ReminderService
from bot.services.summary_link import first_plan_day

log = logging.getLogger(__name__)
CHECKIN_TIME = "09:00"
RETEST_AFTER_RUN_MINUTES = 90
# The check-in comes at 09:00 the day after the session's day, as the pain message says;
# only a report finished in the small hours that close to 09:00 waits a day more.
CHECKIN_MIN_GAP = timedelta(hours=6)


@dataclass(frozen=True)
class Runner:
    """What the reminder side needs to know about one screened runner."""

    answers: Mapping[str, Any]
    zone: str
    screened_at: datetime | None
    plan: Mapping[str, Any] | None
    progress: Mapping[str, Any]


@dataclass(frozen=True)
class ReminderSettings:
    lead: int
    quiet: QuietHours | None
    nudge_at: str | None


class Activation:
    """What a pre-run reminder lists: the day's warm-up moves as the templates show them
    (``reminder_pre_run.j2`` words their doses with ``_plan.j2``, as /today does)."""

    def __init__(self, engine: Engine, catalog: Catalog) -> None:
        self.engine = engine
        self.catalog = catalog

    def __call__(self, user_id: int, day: date) -> list[dict[str, object]]:
        runner = read_runner(self.engine, user_id)
        if runner is None:
            return []
        raw = runner.plan.get(TRAINING_KEY) if runner.plan else None
        if not isinstance(raw, Mapping):
            return []
        # The same day as /today; each move carries its share of the day's estimate. Work
        # during the run is listed too (it is asked about after the run), without seconds.
        gated = day_of(training.plan_from_json(raw), runner.answers,
                       cached_ladders(content_dir()), self.catalog,
                       first_plan_day(self.engine, user_id, runner.zone), day)
        return [{**item_view(i, self.catalog), **({"seconds": i.cost_seconds()}
                                                  if i.when == "before_run" else {"during": True})}
                for i in gated.items if i.when in ("before_run", "during_run")]


class PainAbout:
    """What the morning check-in names: the move that hurt last and its side."""

    def __init__(self, engine: Engine, catalog: Catalog) -> None:
        self.engine = engine
        self.catalog = catalog

    def __call__(self, user_id: int) -> dict[str, object]:
        runner = read_runner(self.engine, user_id)
        raw = runner.plan.get(TRAINING_KEY) if runner and runner.plan else None
        if not isinstance(raw, Mapping):
            return {}
        plan = training.plan_from_json(raw)
        swap = next((c for c in reversed(plan.changes) if c.kind == "pain_swap"), None)
        if swap is None or swap.before is None:
            return {}
        ladders = cached_ladders(content_dir())
        hurt = swap.params.get("exercise") or ladders[swap.before.ladder].rung(
            swap.before.rung).exercise
        exercise = self.catalog.exercises.get(str(hurt))
        return {"move": exercise.name if exercise else None, "side": swap.params.get("side")}


class ReminderGate:
    """The send-time check: may this kind go to this runner, by the answers stored now?"""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def __call__(self, user_id: int, kind: str) -> bool:
        runner = read_runner(self.engine, user_id)
        return runner is None or kind in allowed_reminders(runner.answers)


class ReminderLink:
    def __init__(self, engine: Engine, reminders: ReminderService, content: ContentLibrary,
                 clock: Callable[[], datetime] = utc_now) -> None:
        self.engine = engine
        self.reminders = reminders
        self.content = content
        self.clock = clock

    # -- schedules follow the answers ----------------------------------------------------------

    def sync(self, user_id: int) -> None:
        """Pre-run, strength-day and re-test reminders from the current answers and plan,
        as far as the safety gate allows (the red-flag path: only the weekly check-in)."""
        runner = self._runner(user_id)
        if runner is None or not runner.answers.get("run_days"):
            return
        allowed = allowed_reminders(runner.answers)
        self.reminders.stop(user_id, [k for k in KINDS if k not in allowed])
        if SAFETY_CHECKIN in allowed:
            self._weekly_checkin(user_id, runner)
            return
        settings = self._settings(user_id)
        run_time = str(runner.answers.get("run_time", "07:00"))
        try:
            self.reminders.upsert_schedule(
                user_id, kind=PRE_RUN, days=list(runner.answers["run_days"]),
                local_time=run_time, zone=runner.zone, lead_minutes=settings.lead,
                quiet=settings.quiet)
            self.reminders.upsert_schedule(
                user_id, kind=STRENGTH, days=_strength_days(runner.plan),
                local_time=settings.nudge_at or run_time, zone=runner.zone,
                quiet=settings.quiet)
            anchor = _last_test_at(runner)
            if anchor is not None and RETEST in allowed:
                self.reminders.upsert_schedule(
                    user_id, kind=RETEST, local_time=_after_run(run_time), zone=runner.zone,
                    quiet=settings.quiet, anchor_at=anchor)
        except ScheduleError:
            log.exception("could not schedule reminders for user %s", user_id)

    def _weekly_checkin(self, user_id: int, runner: Runner) -> None:
        """One gentle check-in a week, on the weekday the path began, at the run time (a later
        sync, after each session, keeps that weekday: the check-in would never come due)."""
        days = self._armed_days(user_id, SAFETY_CHECKIN) or [
            WEEKDAYS[self.clock().astimezone(zone_info(runner.zone)).weekday()]]
        try:
            self.reminders.upsert_schedule(
                user_id, kind=SAFETY_CHECKIN, days=days, zone=runner.zone,
                local_time=str(runner.answers.get("run_time", "07:00")),
                quiet=self._settings(user_id).quiet)
        except ScheduleError:
            log.exception("could not schedule the weekly check-in for user %s", user_id)

    def _armed_days(self, user_id: int, kind: str) -> list[str]:
        with Session(self.engine) as db:
            row = db.scalars(select(ReminderSchedule).where(
                ReminderSchedule.user_id == user_id, ReminderSchedule.kind == kind,
                ReminderSchedule.next_due_at.is_not(None))).first()
            return [str(d) for d in row.days] if row is not None else []

    def schedule_checkin(self, user_id: int, on: date) -> None:
        runner = self._runner(user_id)
        if runner is None:
            return
        zone = zone_info(runner.zone)
        # A session reported after midnight belongs to the night before: its check-in is
        # still the next 09:00, unless that is too close to count as the morning after.
        if local_to_utc(on, parse_hhmm(CHECKIN_TIME), zone) - self.clock() < CHECKIN_MIN_GAP:
            on += timedelta(days=1)
        anchor = local_to_utc(on, time(12, 0), zone)
        self.reminders.upsert_schedule(user_id, kind=CHECKIN, local_time=CHECKIN_TIME,
                                       zone=runner.zone, quiet=self._settings(user_id).quiet,
                                       anchor_at=anchor)

    # -- settings from the chat ----------------------------------------------------------------

    def perform(self, user_id: int, effect: Produce, turn: int) -> RenderedMessage:
        runner = self._runner(user_id)
        zone = runner.zone if runner else "UTC"
        if effect.what == "reminders":
            return self._overview(user_id, zone, turn)
        params: dict[str, object] = {"what": effect.what, "next": None, "until": None,
                                     "quiet": None, "at": None, "lead": None, "refused": None}
        params.update(self._change(user_id, effect, zone))
        return self.content.render(Reply("reminder_changed", params))

    def _change(self, user_id: int, effect: Produce, zone: str) -> dict[str, object]:
        what, arg = effect.what, effect.arg
        if what == "snooze":
            again = self.reminders.snooze(user_id)
            if again is None:
                return {"refused": self.reminders.why_no_snooze(user_id)}
            return {"next": f"{again.due_at.astimezone(zone_info(zone)):%H:%M}"}
        if what == "not_today":
            return {"next": self._when(self.reminders.not_running_today(user_id), zone)}
        if what == "pause":
            until = self.reminders.pause(user_id, int(arg))
            return {"until": until.astimezone(zone_info(zone)).strftime("%a %d %b")}
        if what == "resume":
            was_paused = self._paused_until(user_id) is not None
            upcoming = self.reminders.resume(user_id)
            return {"what": "resume" if was_paused else "not_paused",
                    "next": self._when(upcoming[0] if upcoming else None, zone)}
        return self._setting(user_id, what, arg, zone)

    def _setting(self, user_id: int, what: str, arg: str, zone: str) -> dict[str, object]:
        with Session(self.engine) as session, session.begin():
            rows = session.scalars(select(ReminderSchedule).where(
                ReminderSchedule.user_id == user_id)).all()
            for row in rows:
                _apply_setting(row, what, arg)
        self.sync(user_id)
        upcoming = self.reminders.upcoming(user_id)
        if what == "lead":  # the confirmation names the next reminder the lead time moved
            upcoming = [o for o in upcoming if o.kind == PRE_RUN]
        found = {"quiet": None if arg == "off" else arg.replace("-", "–"), "at": arg,
                 "lead": int(arg) if arg.isdigit() else None,
                 "moved": any(_moved_by_quiet_hours(o, self._settings(user_id).lead)
                              for o in upcoming)}
        return {**found, "next": self._when(upcoming[0] if upcoming else None, zone)}

    def _overview(self, user_id: int, zone: str, turn: int) -> RenderedMessage:
        settings = self._settings(user_id)
        upcoming = [{"when": self._when(o, zone), "kind": o.kind,
                     "moved": _moved_by_quiet_hours(o, settings.lead)}
                    for o in self.reminders.upcoming(user_id)]
        paused = self._paused_until(user_id)
        quiet = (f"{settings.quiet.start:%H:%M}–{settings.quiet.end:%H:%M}"
                 if settings.quiet else None)
        reply = reminders_reply(
            turn, upcoming, settings.lead, quiet,
            paused.astimezone(zone_info(zone)).strftime("%a %d %b") if paused else None)
        return self.content.render(reply)

    def _when(self, occurrence: Occurrence | None, zone: str) -> str | None:
        """"today 16:15", "tomorrow 07:30" or "Wed 16:15", on the runner's clock."""
        if occurrence is None:
            return None
        due = occurrence.due_at.astimezone(zone_info(zone))
        days = (due.date() - self.clock().astimezone(zone_info(zone)).date()).days
        day = {0: "today", 1: "tomorrow"}.get(days, f"{due:%a}" if days < 7 else f"{due:%a %d %b}")
        return f"{day} {due:%H:%M}"

    # -- reading -------------------------------------------------------------------------------

    def _runner(self, user_id: int) -> Runner | None:
        return read_runner(self.engine, user_id)

    def _settings(self, user_id: int) -> ReminderSettings:
        with Session(self.engine) as session:
            rows = {r.kind: r for r in session.scalars(select(ReminderSchedule).where(
                ReminderSchedule.user_id == user_id))}
        pre, strength = rows.get(PRE_RUN), rows.get(STRENGTH)
        any_row = pre or strength
        if any_row is None:
            return ReminderSettings(DEFAULT_LEAD_MINUTES, DEFAULT_QUIET, None)
        quiet = (QuietHours(parse_hhmm(any_row.quiet_start), parse_hhmm(any_row.quiet_end))
                 if any_row.quiet_start and any_row.quiet_end else None)
        # A nudge at the run's own time was never set apart from it: it follows the run time.
        chosen = strength is not None and (pre is None or strength.local_time != pre.local_time)
        return ReminderSettings(pre.lead_minutes if pre else DEFAULT_LEAD_MINUTES, quiet,
                                strength.local_time if strength and chosen else None)

    def _paused_until(self, user_id: int) -> datetime | None:
        with Session(self.engine) as session:
            values = session.scalars(select(ReminderSchedule.paused_until).where(
                ReminderSchedule.user_id == user_id)).all()
        now = self.clock()
        active = [v for v in values if v is not None and v > now]
        return max(active) if active else None


def read_runner(engine: Engine, user_id: int) -> Runner | None:
    with engine.connect() as conn:
        row = conn.execute(
            select(DialogueState.answers, User.timezone, User.screened_at)
            .join(User, User.id == DialogueState.user_id)
            .where(DialogueState.user_id == user_id)).one_or_none()
        if row is None:
            return None
        plan = latest_plan(conn, user_id)
    zone = str(row.answers.get("timezone") or row.timezone or "UTC")
    return Runner(row.answers, zone, row.screened_at, plan.plan, plan.progress)


def _apply_setting(row: ReminderSchedule, what: str, arg: str) -> None:
    if what == "quiet":
        start, _, end = arg.partition("-")
        row.quiet_start, row.quiet_end = (None, None) if arg == "off" else (start, end)
    elif what == "lead" and row.kind == PRE_RUN:
        row.lead_minutes = int(arg)
    elif what == "nudge" and row.kind == STRENGTH:
        row.local_time = arg


def _moved_by_quiet_hours(occurrence: Occurrence, lead: int) -> bool:
    """Whether quiet hours moved this reminder from its own time (said when it is shown)."""
    own = occurrence.run_at - (timedelta(minutes=lead) if occurrence.kind == PRE_RUN
                               else NUDGE_VALID_FOR)
    return occurrence.due_at != own


def _last_test_at(runner: Runner) -> datetime | None:
    """The self-tests the re-test spacing counts from: the latest re-test, else screening."""
    raw = runner.plan.get(TRAINING_KEY) if runner.plan else None
    tested = training.plan_from_json(raw).last_test if isinstance(raw, Mapping) else None
    if tested is None:
        return runner.screened_at
    at = local_to_utc(tested, time(12, 0), zone_info(runner.zone))
    return at if runner.screened_at is None or at > runner.screened_at else runner.screened_at


def _after_run(run_time: str) -> str:
    """A nudge that is not the run (the re-test) comes once the runner is back, never on the
    run's start minute."""
    at = parse_hhmm(run_time)
    minutes = (at.hour * 60 + at.minute + RETEST_AFTER_RUN_MINUTES) % (24 * 60)
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _strength_days(plan: Mapping[str, Any] | None) -> list[str]:
    days = plan.get("days") if plan else None
    if not isinstance(days, list):
        return []
    return [str(d["weekday"]) for d in days
            if isinstance(d, dict) and d.get("session") and d.get("kind") == "strength"]


def session_done_on(engine: Engine) -> Callable[[int, date], bool]:
    """Whether a runner already marked a session done on a local day (the strength-day nudge
    is not sent then)."""

    def done(user_id: int, day: date) -> bool:
        with engine.connect() as conn:
            return conn.execute(select(TrainingSession.id).where(
                TrainingSession.user_id == user_id, TrainingSession.local_date == day,
                TrainingSession.status == "done").limit(1)).first() is not None

    return done
