"""Shared by the coaching features: the week as stored data, its views, and concluding a report.

The program is rebuilt from the answers, the stored progress and the exercise catalog on each
request (it is cheap and deterministic); a changed program is stored as a new plan version.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.domain import listen, training
from bot.domain.buttons import Choice, Feature
from bot.domain.dialogue import coaching, safe
from bot.domain.dialogue.state import (
    Answers,
    Dialogue,
    Effect,
    PainDetail,
    RecordAnswer,
    Report,
    ReportRow,
    SavePlan,
    State,
    Transition,
    goto,
    strings,
)
from bot.domain.model import Button, CoachKit, Context, Reply, button
from bot.domain.week import local_date

# --- the plan as stored data ----------------------------------------------------------------


def save_plan(reason: str, answers: Mapping[str, object], kit: CoachKit, on: date) -> SavePlan:
    """Screening, /settings, a red flag in words: the plan the answers give, history kept."""
    return coaching.save(reason, coaching.rebuilt(answers, kit, on), kit, on)


def safety_params(answers: Mapping[str, object], on: date,
                  started: date | None = None) -> dict[str, object]:
    """What a view needs to show the safety notes above a plan (``_safety.j2``)."""
    return {"safety_notes": safe.notes(answers, on, started),
            "hurt_sides": safe.hurt_sides(answers)}


def gym_line(answers: Mapping[str, object], day: training.DayView) -> bool:
    """Gym access pairs a strength day with the gym lifts the sources name, as an option."""
    return day.kind == "strength" and bool(day.items) and "gym" in strings(
        answers.get("equipment"))


def local_today(answers: Mapping[str, object], now: datetime) -> date:
    return local_date(now, str(answers.get("timezone") or "UTC"))


# --- red flags and reports -------------------------------------------------------------------


def flagged(answers: Answers, *flags: str) -> dict[str, object]:
    """The answers with ``flags`` added to the red flags (each once)."""
    current = strings(answers.get("red_flags"))
    return {**answers, "red_flags": [*current, *(f for f in flags if f not in current)]}


def answers_of(raw: Mapping[str, object]) -> dict[str, str | int | list[str]]:
    return {k: v for k, v in raw.items() if isinstance(v, str | int | list)}


def report_or_ask(d: Dialogue, report: Report, kit: CoachKit) -> Transition:
    """The one way into the training model for every report (walk, Did it, a reminder's
    buttons, typed text): ask for a pain's side or severity while one is missing, else
    conclude. Sharp pain is never held up by a question: the red-flag path comes first."""
    missing = listen.missing_pain_detail(report.rows)
    if missing is None or any(r[1] == "pain" and r[3] == "sharp" for r in report.rows):
        return conclude(d, report, kit)
    index, asking = missing
    draft = PainDetail(report.date, report.kind, report.rows, index,
                       "side" if asking == "side" else "severity", report.words)
    asked = goto(d, State.FEEDBACK, draft)
    return Transition(asked, (listen.detail_reply(report.rows, index, asking, asked.turn,
                                                  kit.catalog),))


def conclude(d: Dialogue, report: Report, kit: CoachKit) -> Transition:
    """Store the outcomes, let the plan's rules act on them, and tell each change on its own.

    A second report on the same day amends the first (one session a day counts): its moves
    replace theirs in the day's report, the stored rows of those moves are updated, not
    doubled, and the training model recounts the day."""
    on = date.fromisoformat(report.date)
    earlier = reported_rows(d.answers, report.date)
    day_rows = merged(earlier, report.rows)
    plan = coaching.plan_of(d.answers, kit, on)
    hurt = any(r[1] == "pain" for r in report.rows)
    after, changes = _applied(plan, day_rows, bool(earlier), hurt, kit, on)
    skipped = all(row[1] == "skipped" for row in report.rows)
    effects: list[Effect] = [listen.StoreOutcomes(report.date, report.kind,
                                                  "skipped" if skipped else "done",
                                                  report.rows, report.words)]
    answers: Answers = {**d.answers, REPORTED: [report.date, *map(_code, day_rows)]}
    if after.flags.red_flag and not plan.flags.red_flag:
        answers = answers_of(flagged(answers, "pain_reports"))
        effects.append(RecordAnswer("red_flags", strings(answers["red_flags"])))
    pains = [r for r in report.rows if r[1] == "pain"]
    if pains and not after.flags.red_flag:
        exercise, _, side, *_ = pains[-1]
        effects.append(listen.ScheduleCheckIn((on + timedelta(days=1)).isoformat(),
                                              str(exercise), _opt(side)))
    if after != plan:  # the sessions counted are the plan's history: stored with it
        effects.append(coaching.save("adapt" if changes else "session", after, kit, on))
    done_at = goto(d, State.READY, answers=answers)
    replies = (listen.noted_reply(report.rows, kit.catalog),
               *coaching.change_replies(changes, kit, done_at.turn))
    return Transition(done_at, replies, tuple(effects), close_source=True)


def _applied(plan: training.Plan, rows: Sequence[ReportRow], amends: bool, hurt: bool,
             kit: CoachKit, on: date) -> tuple[training.Plan, list[training.Change]]:
    """The day's session recorded, then (only when nothing hurt) the progressions due."""
    week = coaching.week_items(plan, kit, on) if hurt else None
    outcomes = coaching.outcomes_for(rows, coaching.slots_by_exercise(plan, kit, on), week)
    step = training.record_session(plan, kit.ladders, training.Session(on, outcomes, amends))
    if hurt:  # progress is never told beside a pain report
        return step.plan, list(step.changes)
    grown = training.progressions(step.plan, kit.ladders, on)
    return grown.plan, [*step.changes, *grown.changes]


# The day's report so far: its local date, then "exercise|outcome|side|severity" per move.
# A later report on the same day amends it instead of counting a second session.
REPORTED = "reported"


def reported_rows(answers: Answers, on: str) -> tuple[ReportRow, ...]:
    """What the runner already reported on local day ``on`` (nothing for another day)."""
    raw = strings(answers.get(REPORTED))
    if not raw or raw[0] != on:
        return ()
    return tuple(_row(code) for code in raw[1:])


def merged(earlier: Sequence[ReportRow], rows: Sequence[ReportRow]) -> tuple[ReportRow, ...]:
    """The day's report with ``rows`` told after ``earlier``: the later word on a move wins."""
    by_move = {r[0]: ReportRow(*r) for r in earlier}
    by_move.update({r[0]: ReportRow(*r) for r in rows})
    return tuple(by_move.values())


def _code(row: ReportRow) -> str:
    return "|".join(str(v) if v is not None else "" for v in row[:4])


def _row(code: str) -> ReportRow:
    exercise, outcome, side, severity = (code.split("|") + ["", "", ""])[:4]
    return ReportRow(exercise, outcome, side or None, severity or None)


def with_red_flags(after: Transition, flags: Sequence[str], kit: CoachKit,
                   on: date) -> Transition:
    """Warning signs in the runner's own words, after ``after`` was concluded: the answers
    carry them and the plan (as ``after`` saved it) takes the red-flag path, in one step."""
    answers = answers_of(flagged(after.dialogue.answers, *flags))
    saved = next((e for e in reversed(after.effects) if isinstance(e, SavePlan)), None)
    base = replace(kit, last_plan=saved.plan) if saved is not None else kit
    kept = tuple(e for e in after.effects if not isinstance(e, SavePlan | RecordAnswer)
                 and not isinstance(e, listen.ScheduleCheckIn))
    return Transition(replace(after.dialogue, answers=answers),
                      (*after.replies, Reply("red_flag_heard", {"flags": list(flags)})),
                      (*kept, RecordAnswer("red_flags", strings(answers["red_flags"])),
                       save_plan("adapt", answers, base, on)), close_source=True)


def _opt(value: object) -> str | None:
    return str(value) if value else None


def still_to_do(plan: training.Plan, day: training.DayView) -> tuple[training.DayItem, ...]:
    """The day's moves not yet counted on that day (a session done, or the run's hills)."""
    counted = {c.slot for c in plan.log if c.on == day.on}
    return tuple(i for i in day.items if i.slot not in counted)


def to_walk(plan: training.Plan, day: training.DayView, answers: Mapping[str, object],
            now: datetime) -> tuple[training.DayItem, ...]:
    """What Start walks through now: what is left of today; work done during the run (hills,
    backwards running) only once the run time has passed, so it is asked about afterwards."""
    left = still_to_do(plan, day)
    if not _before_run(answers, now):
        return left
    return tuple(i for i in left if i.when != "during_run")


def _before_run(answers: Mapping[str, object], now: datetime) -> bool:
    zone = str(answers.get("timezone") or "UTC")
    try:
        local = now.astimezone(ZoneInfo(zone))
        hours, minutes = (int(x) for x in str(answers.get("run_time") or "").split(":"))
    except (ValueError, KeyError):
        return False
    return (local.hour, local.minute) < (hours, minutes)


# The local day the runner said "not running today" (from a reminder's button).
NOT_RUNNING = "not_running_on"


def today_reply(d: Dialogue, ctx: Context) -> Reply:
    """Today's session (or rest) with the next one; its buttons are drawn for ``d.turn``."""
    kit = ctx.coach
    on = local_today(d.answers, ctx.now)
    plan, day = safe.day(d.answers, kit, on)
    upcoming = safe.next_session(d.answers, kit, on)
    params = {"day": coaching.day_params(plan, day, kit.catalog),
              "notices": coaching.notice_keys(day.notices),
              "next": coaching.day_params(plan, upcoming, kit.catalog) if upcoming else None,
              "run_time": d.answers.get("run_time"),
              "red_flags": safe.on_red_flag_path(d.answers) or plan.flags.red_flag,
              "not_running": d.answers.get(NOT_RUNNING) == on.isoformat(),
              **safety_params(d.answers, on, kit.started), "minutes": safe.minutes_of(day),
              "sections": safe.section_minutes(day), "gym": gym_line(d.answers, day)}
    left = to_walk(plan, day, d.answers, ctx.now)
    params["done_today"] = bool(day.items) and not still_to_do(plan, day)
    params["can_start"] = bool(left)
    buttons: list[Button] = []
    if left:
        buttons += [button("today.start", Choice(d.turn, Feature.TODAY, "start")),
                    button("today.done", Choice(d.turn, Feature.REPORT, "did"))]
    buttons.append(button("today.week", Choice(d.turn, Feature.VIEW, "week")))
    return Reply("today", params, (tuple(buttons),))
