"""Between the conversation and the reminder engine: schedules follow the runner's answers,
reminders carry the day's activation, and reminder settings are changed from the chat."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import Connection, Engine, select
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
from bot.domain.dialogue.state import ChangeReminders, ReminderAction, strings
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
from bot.domain.training.model import PainMark
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

    answers: Mapping[str, object]
    zone: str
    screened_at: datetime | None
    plan: Mapping[str, object] | None
    progress: Mapping[str, object]


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
    """What the morning check-in names: the move that hurt last, its side, and whether the
    plan swapped it (a move that had left the plan was not swapped: the words must not say so)."""

    def __init__(self, engine: Engine, catalog: Catalog) -> None:
        self.engine = engine
        self.catalog = catalog

    def __call__(self, user_id: int) -> dict[str, object]:
        runner = read_runner(self.engine, user_id)
        raw = runner.plan.get(TRAINING_KEY) if runner and runner.plan else None
        if not isinstance(raw, Mapping):
            return {}
        plan = training.plan_from_json(raw)
        pain = plan.pains[-1] if plan.pains else None
        swap = _swap_for(plan, pain)
        if swap is not None and swap.before is not None:
            ladders = cached_ladders(content_dir())
            hurt = swap.params.get("exercise") or ladders[swap.before.ladder].rung(
                swap.before.rung).exercise
            return self._about(str(hurt), swap.params.get("side"), swapped=True)
        if pain is None:
            return {}
        side = pain.side if sum(1 for p in plan.pains if p.on == pain.on) == 1 else "both"
        return self._about(pain.exercise, side, swapped=False)

    def _about(self, hurt: str | None, side: object, swapped: bool) -> dict[str, object]:
        exercise = self.catalog.exercises.get(hurt) if hurt else None
        return {"move": exercise.name if exercise else None, "side": side,
                "swapped": swapped}


def _swap_for(plan: training.Plan, pain: PainMark | None) -> training.Change | None:
    """The swap the newest pain made, if it made one (a move off the plan makes none)."""
    swap = next((c for c in reversed(plan.changes) if c.kind == "pain_swap"), None)
    if swap is None or (pain is not None and (swap.on, swap.slot) != (pain.on, pain.slot)):
        return None
    return swap


class ReminderGate:
    """The send-time check: may this kind go to this runner, by the answers stored now?"""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def __call__(self, user_id: int, kind: str) -> bool:
        runner = read_runner(self.engine, user_id)
        return runner is None or kind in allowed_reminders(runner.answers)


class ReminderLink:
    """Reminder schedules from the conversation. Every change takes ``db``, the session of the
    event's own transaction: the change, the dialogue, the processed-event record and the
    replies commit together, so a crash can never keep the one without the other."""

    def __init__(self, engine: Engine, reminders: ReminderService, content: ContentLibrary,
                 clock: Callable[[], datetime] = utc_now) -> None:
        self.engine = engine
        self.reminders = reminders
        self.content = content
        self.clock = clock

    # -- schedules follow the answers ----------------------------------------------------------

    def sync(self, db: Session, user_id: int) -> None:
        """Pre-run, strength-day and re-test reminders from the current answers and plan,
        as far as the safety gate allows (the red-flag path: only the weekly check-in)."""
        runner = read_runner_on(db.connection(), user_id)
        if runner is None or not runner.answers.get("run_days"):
            return
        allowed = allowed_reminders(runner.answers)
        self.reminders.stop(user_id, [k for k in KINDS if k not in allowed], db)
        settings = self._settings(db, user_id)
        if SAFETY_CHECKIN in allowed:
            self._weekly_checkin(db, user_id, runner, settings)
            return
        run_time = str(runner.answers.get("run_time", "07:00"))
        try:
            self.reminders.upsert_schedule(
                user_id, kind=PRE_RUN, days=strings(runner.answers["run_days"]),
                local_time=run_time, zone=runner.zone, lead_minutes=settings.lead,
                quiet=settings.quiet, db=db)
            self.reminders.upsert_schedule(
                user_id, kind=STRENGTH, days=_strength_days(runner.plan),
                local_time=settings.nudge_at or run_time, zone=runner.zone,
                quiet=settings.quiet, db=db)
            anchor = _last_test_at(runner)
            if anchor is not None and RETEST in allowed:
                self.reminders.upsert_schedule(
                    user_id, kind=RETEST, local_time=_after_run(run_time), zone=runner.zone,
                    quiet=settings.quiet, anchor_at=anchor, db=db)
        except ScheduleError:
            log.exception("could not schedule reminders for user %s", user_id)

    def _weekly_checkin(self, db: Session, user_id: int, runner: Runner,
                        settings: ReminderSettings) -> None:
        """One gentle check-in a week, on the weekday the path began, at the run time (a later
        sync, after each session, keeps that weekday: the check-in would never come due)."""
        days = self._armed_days(db, user_id, SAFETY_CHECKIN) or [
            WEEKDAYS[self.clock().astimezone(zone_info(runner.zone)).weekday()]]
        try:
            self.reminders.upsert_schedule(
                user_id, kind=SAFETY_CHECKIN, days=days, zone=runner.zone,
                local_time=str(runner.answers.get("run_time", "07:00")),
                quiet=settings.quiet, db=db)
        except ScheduleError:
            log.exception("could not schedule the weekly check-in for user %s", user_id)

    @staticmethod
    def _armed_days(db: Session, user_id: int, kind: str) -> list[str]:
        row = db.scalars(select(ReminderSchedule).where(
            ReminderSchedule.user_id == user_id, ReminderSchedule.kind == kind,
            ReminderSchedule.next_due_at.is_not(None))).first()
        return [str(d) for d in row.days] if row is not None else []

    def schedule_checkin(self, db: Session, user_id: int, on: date) -> None:
        runner = read_runner_on(db.connection(), user_id)
        if runner is None:
            return
        zone = zone_info(runner.zone)
        # A session reported after midnight belongs to the night before: its check-in is
        # still the next 09:00, unless that is too close to count as the morning after.
        if local_to_utc(on, parse_hhmm(CHECKIN_TIME), zone) - self.clock() < CHECKIN_MIN_GAP:
            on += timedelta(days=1)
        anchor = local_to_utc(on, time(12, 0), zone)
        self.reminders.upsert_schedule(user_id, kind=CHECKIN, local_time=CHECKIN_TIME,
                                       zone=runner.zone, quiet=self._settings(db, user_id).quiet,
                                       anchor_at=anchor, db=db)

    # -- settings from the chat ----------------------------------------------------------------

    def change(self, db: Session, user_id: int, effect: ChangeReminders) -> RenderedMessage:
        """A reminder setting the runner changed (in the event's transaction), and its reply."""
        runner = read_runner_on(db.connection(), user_id)
        zone = runner.zone if runner else "UTC"
        params: dict[str, object] = {"what": effect.action.value, "next": None, "until": None,
                                     "quiet": None, "at": None, "lead": None, "refused": None}
        params.update(self._change(db, user_id, effect, zone))
        return self.content.render(Reply("reminder_changed", params))

    def overview(self, user_id: int, turn: int) -> RenderedMessage:
        """/reminders: what comes next and the settings (a read; it changes nothing)."""
        with Session(self.engine) as db:
            runner = read_runner_on(db.connection(), user_id)
            return self._overview(db, user_id, runner.zone if runner else "UTC", turn)

    def _change(self, db: Session, user_id: int, effect: ChangeReminders,
                zone: str) -> dict[str, object]:
        what, arg = effect.action, effect.arg
        if what is ReminderAction.SNOOZE:
            again = self.reminders.snooze(user_id, db)
            if again is None:
                return {"refused": self.reminders.why_no_snooze(user_id, db)}
            return {"next": f"{again.due_at.astimezone(zone_info(zone)):%H:%M}"}
        if what is ReminderAction.NOT_TODAY:
            return {"next": self._when(self.reminders.not_running_today(user_id, db), zone)}
        if what is ReminderAction.PAUSE:
            until = self.reminders.pause(user_id, int(arg), db)
            return {"until": until.astimezone(zone_info(zone)).strftime("%a %d %b")}
        if what is ReminderAction.RESUME:
            was_paused = self._paused_until(db, user_id) is not None
            upcoming = self.reminders.resume(user_id, db)
            return {"what": "resume" if was_paused else "not_paused",
                    "next": self._when(upcoming[0] if upcoming else None, zone)}
        return self._setting(db, user_id, what, arg, zone)

    def _setting(self, db: Session, user_id: int, what: ReminderAction, arg: str,
                 zone: str) -> dict[str, object]:
        for row in db.scalars(select(ReminderSchedule).where(
                ReminderSchedule.user_id == user_id)).all():
            _apply_setting(row, what, arg)
        self.sync(db, user_id)
        upcoming = self.reminders.upcoming(user_id, db)
        if what is ReminderAction.LEAD:  # the reply names the next reminder the lead moved
            upcoming = [o for o in upcoming if o.kind == PRE_RUN]
        found = {"quiet": None if arg == "off" else arg.replace("-", "–"), "at": arg,
                 "lead": int(arg) if arg.isdigit() else None,
                 "moved": any(_moved_by_quiet_hours(o, self._settings(db, user_id).lead)
                              for o in upcoming)}
        return {**found, "next": self._when(upcoming[0] if upcoming else None, zone)}

    def _overview(self, db: Session, user_id: int, zone: str, turn: int) -> RenderedMessage:
        settings = self._settings(db, user_id)
        upcoming = [{"when": self._when(o, zone), "kind": o.kind,
                     "moved": _moved_by_quiet_hours(o, settings.lead)}
                    for o in self.reminders.upcoming(user_id, db)]
        paused = self._paused_until(db, user_id)
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

    @staticmethod
    def _settings(db: Session, user_id: int) -> ReminderSettings:
        rows = {r.kind: r for r in db.scalars(select(ReminderSchedule).where(
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

    def _paused_until(self, db: Session, user_id: int) -> datetime | None:
        values = db.scalars(select(ReminderSchedule.paused_until).where(
            ReminderSchedule.user_id == user_id)).all()
        now = self.clock()
        active = [v for v in values if v is not None and v > now]
        return max(active) if active else None


def read_runner(engine: Engine, user_id: int) -> Runner | None:
    with engine.connect() as conn:
        return read_runner_on(conn, user_id)


def read_runner_on(conn: Connection, user_id: int) -> Runner | None:
    """The runner as ``conn`` sees them (inside an event's transaction: with its changes)."""
    row = conn.execute(
        select(DialogueState.answers, User.timezone, User.screened_at)
        .join(User, User.id == DialogueState.user_id)
        .where(DialogueState.user_id == user_id)).one_or_none()
    if row is None:
        return None
    plan = latest_plan(conn, user_id)
    zone = str(row.answers.get("timezone") or row.timezone or "UTC")
    return Runner(row.answers, zone, row.screened_at, plan.plan, plan.progress)


def _apply_setting(row: ReminderSchedule, what: ReminderAction, arg: str) -> None:
    if what is ReminderAction.QUIET:
        start, _, end = arg.partition("-")
        row.quiet_start, row.quiet_end = (None, None) if arg == "off" else (start, end)
    elif what is ReminderAction.LEAD and row.kind == PRE_RUN:
        row.lead_minutes = int(arg)
    elif what is ReminderAction.NUDGE and row.kind == STRENGTH:
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


def _strength_days(plan: Mapping[str, object] | None) -> list[str]:
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
