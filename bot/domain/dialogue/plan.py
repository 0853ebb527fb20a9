"""Shared by the coaching features: the week as stored data, its views, and concluding a report.

The program is rebuilt from the answers, the stored progress and the exercise catalog on each
request (it is cheap and deterministic); a changed program is stored as a new plan version.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime

from bot.domain import listen
from bot.domain.adaptation import AppliedAdjustment
from bot.domain.buttons import Choice, Feature
from bot.domain.catalog import Catalog
from bot.domain.dialogue.state import (
    Answers,
    Dialogue,
    Effect,
    PainDetail,
    RecordAnswer,
    Report,
    SavePlan,
    State,
    Transition,
    goto,
    strings,
)
from bot.domain.model import Button, CoachKit, Context, Reply, button
from bot.domain.parsing import WEEKDAYS
from bot.domain.program import build_week
from bot.domain.week import (
    DayPlan,
    PlanItem,
    Progress,
    WeekPlan,
    local_date,
    next_session,
    profile_from_answers,
    today,
)

# --- the plan as stored data ----------------------------------------------------------------


def base_plan(answers: Mapping[str, object], kit: CoachKit) -> WeekPlan:
    """The program before any adaptation: what the policy's changes apply to."""
    return build_week(profile_from_answers(answers), kit.catalog, kit.progress)


def plan_for(answers: Mapping[str, object], kit: CoachKit) -> WeekPlan:
    return week_for(answers, kit.catalog, kit.progress, kit.history)


def week_for(answers: Mapping[str, object], catalog: Catalog, progress: Progress,
             history: Sequence[AppliedAdjustment]) -> WeekPlan:
    """The week the runner sees: the program with the policy's changes still in force."""
    week = build_week(profile_from_answers(answers), catalog, progress)
    return listen.adjust_week(week, history, catalog)


def plan_to_json(plan: WeekPlan) -> dict[str, object]:
    return {"flexion_step": plan.flexion_step, "failing_sides": list(plan.failing_sides),
            "days": [{"weekday": d.weekday, "kind": d.kind, "session": d.session,
                      "items": [_item_json(i) for i in d.items]} for d in plan.days]}


def _item_json(item: PlanItem) -> dict[str, object]:
    return {"exercise": item.exercise, "side": item.side, "sets": item.dose.sets,
            "why": item.why.key, "block": item.block}


def progress_to_json(progress: Progress) -> dict[str, object]:
    return {"flexion_step": progress.flexion_step, "retest_left": progress.retest_left,
            "retest_right": progress.retest_right, "cleared": progress.cleared,
            "levels": dict(progress.levels), "week": progress.week}


def progress_from_json(raw: Mapping[str, object]) -> Progress:
    step = raw.get("flexion_step")
    levels = raw.get("levels")
    week = raw.get("week")
    return Progress(
        flexion_step=step if isinstance(step, int) else None,
        retest_left=bool(raw.get("retest_left")), retest_right=bool(raw.get("retest_right")),
        cleared=bool(raw.get("cleared")),
        levels={str(k): int(v) for k, v in levels.items() if isinstance(v, int)}
        if isinstance(levels, Mapping) else {},
        week=week if isinstance(week, int) else 0)


def plan_changes(before: Mapping[str, object] | None,
                 after: Mapping[str, object]) -> tuple[str, ...]:
    """One line key per weekday whose plan changed: ``"<day>:<old kind>:<new kind>"``."""
    if before is None:
        return ()
    old, new = _days_by_name(before), _days_by_name(after)
    return tuple(f"{day}:{old.get(day, ('rest', ()))[0]}:{new[day][0]}"
                 for day in WEEKDAYS if day in new and old.get(day) != new[day])


def _days_by_name(plan: Mapping[str, object]) -> dict[str, tuple[str, tuple[str, ...]]]:
    days = plan.get("days")
    if not isinstance(days, list):
        return {}
    return {str(d["weekday"]): (str(d["kind"]), tuple(str(i["exercise"]) for i in d["items"]))
            for d in days if isinstance(d, dict)}


def save_plan(reason: str, answers: Mapping[str, object], kit: CoachKit,
              progress: Progress | None = None,
              history: Sequence[AppliedAdjustment] | None = None) -> SavePlan:
    progress = progress or kit.progress
    chosen = kit.history if history is None else history
    plan = plan_to_json(week_for(answers, kit.catalog, progress, chosen))
    return SavePlan(reason, plan, progress_to_json(progress), plan_changes(kit.last_plan, plan))


# --- what the runner sees of a plan ---------------------------------------------------------


def item_view(item: PlanItem, catalog: Catalog) -> dict[str, object]:
    """One move as the templates show it; the dose words come from ``_plan.j2``'s ``dose``."""
    exercise = catalog.exercise(item.exercise)
    dose = item.dose
    return {
        "id": exercise.id, "name": exercise.name, "sets": dose.sets,
        "reps": list(dose.reps) if dose.reps else None,
        "hold": list(dose.hold_seconds) if dose.hold_seconds else None,
        "duration": list(dose.duration_seconds) if dose.duration_seconds else None,
        # A circuit rests after each round, not after each move: said once, not per move.
        "distance": dose.distance_m, "per_side": dose.per_side,
        "rest": None if item.block == "circuit" else dose.rest_seconds,
        "side": item.side, "cues": list(exercise.cues[:2]), "why": item.why.key,
        "block": item.block,
        "why_params": dict(item.why.params), "phase": item.phase,
        "variant": exercise.without_equipment if item.without_equipment else None,
    }


def day_view(day: DayPlan, on: date, catalog: Catalog) -> dict[str, object]:
    return {"weekday": day.weekday, "date": on.isoformat(), "kind": day.kind,
            "title": day.title, "session": day.session,
            "moves": [item_view(i, catalog) for i in day.items]}


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
    """Ask for a pain's side or severity while one is missing; else conclude the report."""
    missing = listen.missing_pain_detail(report.rows)
    if missing is None:
        return conclude(d, report, kit)
    index, asking = missing
    draft = PainDetail(report.date, report.kind, report.rows, index,
                       "side" if asking == "side" else "severity", report.words)
    asked = goto(d, State.FEEDBACK, draft)
    return Transition(asked, (listen.detail_reply(report.rows, index, asking, asked.turn,
                                                  kit.catalog),))


def conclude(d: Dialogue, report: Report, kit: CoachKit) -> Transition:
    done_at = goto(d, State.READY)
    parsed = listen.Report(date.fromisoformat(report.date), report.kind, report.rows,
                           report.words or None)
    base = listen.dose_items(base_plan(d.answers, kit))
    done = listen.conclude(parsed, done_at.turn, base, kit.outcomes, kit.history, kit.catalog)
    effects: list[Effect] = []
    answers: Answers = d.answers
    if done.red_flag:
        answers = answers_of(flagged(d.answers, "pain_reports"))
        effects.append(RecordAnswer("red_flags", strings(answers["red_flags"])))
    effects += done.effects
    if len(done.history) > len(kit.history) or done.red_flag:
        effects.append(save_plan("adapt", answers, kit, history=done.history))
    return Transition(goto(d, State.READY, answers=answers), done.replies, tuple(effects),
                      close_source=True)


# The local day the runner said "not running today" (from a reminder's button).
NOT_RUNNING = "not_running_on"


def today_reply(d: Dialogue, ctx: Context) -> Reply:
    """Today's session (or rest) with the next one; its buttons are drawn for ``d.turn``."""
    kit = ctx.coach
    plan = plan_for(d.answers, kit)
    on = local_today(d.answers, ctx.now)
    day = today(plan, on)
    upcoming = next_session(plan, on)
    params = {"day": day_view(day, on, kit.catalog), "notices": [n.key for n in plan.notices],
              "next": day_view(upcoming[1], upcoming[0], kit.catalog) if upcoming else None,
              "run_time": d.answers.get("run_time"),
              "not_running": d.answers.get(NOT_RUNNING) == on.isoformat(),
              "red_flags": bool(d.answers.get("red_flags"))}
    buttons: list[Button] = []
    if day.items:
        buttons += [button("today.start", Choice(d.turn, Feature.TODAY, "start")),
                    button("today.done", Choice(d.turn, Feature.REPORT, "did"))]
    buttons.append(button("today.week", Choice(d.turn, Feature.VIEW, "week")))
    return Reply("today", params, (tuple(buttons),))
