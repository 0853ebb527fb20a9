"""After screening: /today, /plan, /exercise, /retest, the guided walk-through. Pure.

The screening machine (screening.py) hands every event here once the runner is screened.
The program is rebuilt from the answers, the stored progress and the exercise catalog on each
request (it is cheap and deterministic); a changed program is stored as a new plan version.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from bot.domain import listen
from bot.domain.adaptation import AppliedAdjustment, OutcomeRecord
from bot.domain.catalog import Catalog
from bot.domain.feedback import FeedbackReading
from bot.domain.model import Button, Choice, Command, Context, Reply
from bot.domain.parsing import WEEKDAYS, parse_clock_time
from bot.domain.program import (
    DayPlan,
    PlanItem,
    Progress,
    WeekPlan,
    build_week,
    local_date,
    next_session,
    profile_from_answers,
    today,
)

READY, WALK, RETEST, FEEDBACK = "ready", "walk", "retest", listen.FEEDBACK
COACH_STATES = frozenset({READY, WALK, RETEST, FEEDBACK})
COACH_COMMANDS = ("today", "plan", "exercise", "settings", "retest", "privacy", "delete",
                  "progress", "export", "reminders", "pause", "resume", "quiet", "nudge")
REMINDER_LEADS = (15, 30, 45, 60, 90)
MAX_PAUSE_DAYS = 365
RETEST_QUESTIONS = ("thigh_left", "thigh_right", "knee_lift")
WALK_OUTCOMES = ("done", "hard", "pain", "skip")
FLEXION_STEPS = 4

# Free text -> exercise ids, best match first; empty when nothing is close.
ExerciseFinder = Callable[[str], Sequence[str]]
# Free text (and today's exercise ids, which break ties) -> what the runner reported.
FeedbackRead = Callable[[str, Sequence[str]], FeedbackReading]


@dataclass(frozen=True)
class CoachKit:
    """What the coach reads besides the dialogue: the library and what is stored so far."""

    catalog: Catalog
    find_exercises: ExerciseFinder
    progress: Progress = field(default_factory=Progress)
    plan_number: int = 0
    last_plan: Mapping[str, object] | None = None
    read_feedback: FeedbackRead | None = None
    outcomes: tuple[OutcomeRecord, ...] = ()
    history: tuple[AppliedAdjustment, ...] = ()


@dataclass(frozen=True)
class SavePlan:
    """Store ``plan`` as the user's next plan version, with the reason it changed."""

    reason: str
    plan: Mapping[str, object]
    progress: Mapping[str, object]
    changes: tuple[str, ...] = ()


@dataclass(frozen=True)
class SessionRecord:
    """A walk-through finished or stopped: what was planned and what happened to each item."""

    local_date: str
    day_kind: str
    outcomes: Mapping[str, str]


@dataclass(frozen=True)
class DeleteEverything:
    """Remove every row of this user from every table."""


@dataclass(frozen=True)
class Produce:
    """A reply the service builds from stored data or a reminder setting it changes.

    ``what``: progress, export, reminders, pause, resume, quiet, nudge, lead, snooze, not_today.
    """

    what: str
    arg: str = ""


CoachEffect = SavePlan | SessionRecord | listen.ListenEffect | DeleteEverything | Produce


# --- the plan as stored data ----------------------------------------------------------------


def base_plan(answers: Mapping[str, object], kit: CoachKit) -> WeekPlan:
    """The program before any adaptation: what the policy's changes apply to."""
    return build_week(profile_from_answers(answers), kit.catalog, kit.progress)


def plan_for(answers: Mapping[str, object], kit: CoachKit,
             history: Sequence[AppliedAdjustment] | None = None) -> WeekPlan:
    chosen = kit.history if history is None else history
    return listen.adjust_week(base_plan(answers, kit), chosen, kit.catalog)


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
    week = build_week(profile_from_answers(answers), kit.catalog, progress)
    chosen = kit.history if history is None else history
    plan = plan_to_json(listen.adjust_week(week, chosen, kit.catalog))
    return SavePlan(reason, plan, progress_to_json(progress), plan_changes(kit.last_plan, plan))


# --- what the runner sees --------------------------------------------------------------------


def item_view(item: PlanItem, catalog: Catalog) -> dict[str, object]:
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


def today_reply(d_turn: int, answers: Mapping[str, object], ctx: Context,
                kit: CoachKit) -> Reply:
    plan = plan_for(answers, kit)
    on = _local_today(answers, ctx)
    day = today(plan, on)
    upcoming = next_session(plan, on)
    params = {"day": day_view(day, on, kit.catalog), "notices": [n.key for n in plan.notices],
              "next": day_view(upcoming[1], upcoming[0], kit.catalog) if upcoming else None,
              "run_time": answers.get("run_time"), "red_flags": bool(answers.get("red_flags"))}
    buttons: list[Button] = []
    if day.items:
        buttons += [Button("today.start", f"{d_turn}|start"),
                    Button("today.done", f"{d_turn}|did")]
    buttons.append(Button("today.week", f"{d_turn}|week"))
    return Reply("today", params, (tuple(buttons),))


def week_reply(answers: Mapping[str, object], ctx: Context, kit: CoachKit) -> Reply:
    plan = plan_for(answers, kit)
    on = _local_today(answers, ctx)
    monday = on - timedelta(days=on.weekday())
    days = [day_view(day, monday + timedelta(days=i), kit.catalog)
            for i, day in enumerate(plan.days)]
    return Reply("plan_week", {"days": days, "today": on.isoformat(),
                               "flexion_step": plan.flexion_step,
                               "failing_sides": list(plan.failing_sides),
                               "notices": [n.key for n in plan.notices]})


def _local_today(answers: Mapping[str, object], ctx: Context) -> date:
    return local_date(ctx.now, str(answers.get("timezone") or "UTC"))


def exercise_reply(exercise_id: str, kit: CoachKit) -> Reply:
    exercise = kit.catalog.exercise(exercise_id)
    names = {e.id: e.name for e in kit.catalog.exercises.values()}
    dose = exercise.dose
    return Reply("exercise_howto", {
        "name": exercise.name, "how_to": exercise.how_to, "cues": list(exercise.cues),
        "mistake": exercise.mistake, "equipment": list(exercise.equipment),
        "variant": exercise.without_equipment, "one_sided": exercise.one_sided,
        "sets": dose.sets, "reps": list(dose.reps) if dose.reps else None,
        "hold": list(dose.hold_seconds) if dose.hold_seconds else None,
        "duration": list(dose.duration_seconds) if dose.duration_seconds else None,
        "distance": dose.distance_m, "per_side": dose.per_side,
        "easier": names.get(exercise.easier or ""), "harder": names.get(exercise.harder or ""),
        "motions": list(exercise.motions)})


def _pick_exercise_reply(turn: int, ids: Sequence[str], said: str, kit: CoachKit) -> Reply:
    buttons = tuple((Button(f"exercise.{i}", f"{turn}|ex:{i}"),) for i in ids[:4])
    return Reply("exercise_pick", {"said": said}, buttons)


# --- transitions -----------------------------------------------------------------------------


@dataclass(frozen=True)
class CoachOutcome:
    """What the coach decided; screening.py wraps it into its own Outcome."""

    state: str
    draft: Mapping[str, object]
    replies: tuple[Reply, ...]
    effects: tuple[CoachEffect, ...] = ()
    answers: Mapping[str, object] | None = None  # new answers (a re-test), else unchanged
    recorded: tuple[tuple[str, str | list[str]], ...] = ()  # (question, value) to store
    toast: str | None = None
    close_source: bool = False
    advance_turn: bool = True


def on_command(state: str, draft: Mapping[str, object], turn: int, cmd: Command,
               answers: Mapping[str, object], ctx: Context, kit: CoachKit) -> CoachOutcome:
    if cmd.name == "today":
        return CoachOutcome(READY, {}, (today_reply(turn + 1, answers, ctx, kit),))
    if cmd.name == "plan":
        return CoachOutcome(READY, {}, (week_reply(answers, ctx, kit),))
    if cmd.name == "exercise":
        return _on_exercise(cmd.args, turn, kit)
    if cmd.name == "retest":
        return _start_retest(turn, answers)
    if cmd.name in ("progress", "export", "reminders", "resume"):
        return CoachOutcome(READY, {}, (), (Produce(cmd.name),))
    if cmd.name in ("pause", "quiet", "nudge"):
        return _reminder_setting(cmd)
    if cmd.name == "privacy":
        return CoachOutcome(READY, {}, (Reply("privacy"),))
    if cmd.name == "delete":
        buttons = ((Button("delete.confirm", f"{turn + 1}|delete_all"),),
                   (Button("delete.keep", f"{turn + 1}|keep_data"),))
        return CoachOutcome(READY, {}, (Reply("delete_confirm", {}, buttons),))
    raise ValueError(f"not a coach command: {cmd.name}")


def _on_exercise(said: str, turn: int, kit: CoachKit) -> CoachOutcome:
    if not said.strip():
        return CoachOutcome(READY, {}, (Reply("exercise_ask",
                                              {"examples": _examples(kit)}),))
    found = list(kit.find_exercises(said[:80]))
    if not found:
        return CoachOutcome(READY, {}, (Reply("exercise_unknown",
                                              {"said": said[:80], "examples": _examples(kit)}),))
    if len(found) == 1:
        return CoachOutcome(READY, {}, (exercise_reply(found[0], kit),))
    return CoachOutcome(READY, {}, (_pick_exercise_reply(turn + 1, found, said[:80], kit),))


def _examples(kit: CoachKit) -> list[str]:
    return [kit.catalog.exercise(i).name for i in ("side_plank_clamshell", "supine_bike_pedals")
            if i in kit.catalog.exercises]


def on_choice(state: str, draft: Mapping[str, object], turn: int, choice: Choice,
              answers: Mapping[str, object], ctx: Context, kit: CoachKit) -> CoachOutcome:
    value = choice.value
    if state == WALK and value in WALK_OUTCOMES:
        return _walk_answer(draft, turn, value, answers, kit)
    if state == FEEDBACK:
        return on_feedback_choice(draft, turn, value, answers, kit)
    if value == "undo":
        return _undo(answers, kit)
    if value == "did":
        return _ask_which_hard(turn, answers, ctx, kit)
    if value == "delete_all":
        return CoachOutcome("deleted", {}, (Reply("delete_done"),), (DeleteEverything(),),
                            close_source=True)
    if value == "keep_data":
        return CoachOutcome(READY, {}, (Reply("delete_kept"),), close_source=True)
    if state == RETEST:
        return _retest_answer(draft, turn, value, answers, kit)
    if value == "start":
        return _start_walk(turn, answers, ctx, kit)
    if value == "week":
        return CoachOutcome(state, draft, (week_reply(answers, ctx, kit),), advance_turn=False)
    if value.startswith("ex:") and value[3:] in kit.catalog.exercises:
        return CoachOutcome(READY, {}, (exercise_reply(value[3:], kit),), close_source=True)
    return CoachOutcome(state, draft, (), toast="toast.stale", advance_turn=False)


# --- the guided walk-through -----------------------------------------------------------------


def _start_walk(turn: int, answers: Mapping[str, object], ctx: Context,
                kit: CoachKit) -> CoachOutcome:
    on = _local_today(answers, ctx)
    day = today(plan_for(answers, kit), on)
    if not day.items:
        return CoachOutcome(READY, {}, (today_reply(turn + 1, answers, ctx, kit),))
    views = [item_view(i, kit.catalog) for i in day.items if i.phase != "during"]
    if not views:
        return CoachOutcome(READY, {}, (today_reply(turn + 1, answers, ctx, kit),))
    draft = {"date": on.isoformat(), "kind": day.kind, "items": views, "index": 0,
             "outcomes": {}}
    return CoachOutcome(WALK, draft, (walk_reply(draft, turn + 1),), close_source=True)


def walk_reply(draft: Mapping[str, object], turn: int) -> Reply:
    items = _walk_items(draft)
    index = int(str(draft.get("index", 0)))
    buttons = (tuple(Button(f"walk.{o}", f"{turn}|{o}") for o in WALK_OUTCOMES[:2]),
               tuple(Button(f"walk.{o}", f"{turn}|{o}") for o in WALK_OUTCOMES[2:]))
    return Reply("walk_step", {"item": items[index], "number": index + 1,
                               "total": len(items)}, buttons)


def _walk_items(draft: Mapping[str, object]) -> list[Mapping[str, object]]:
    items = draft.get("items")
    return [i for i in items if isinstance(i, Mapping)] if isinstance(items, list) else []


def _walk_answer(draft: Mapping[str, object], turn: int, outcome: str,
                 answers: Mapping[str, object], kit: CoachKit) -> CoachOutcome:
    items = _walk_items(draft)
    index = int(str(draft.get("index", 0)))
    raw = draft.get("outcomes")
    outcomes = {**(raw if isinstance(raw, Mapping) else {}), str(items[index]["id"]): outcome}
    notes = (Reply("walk_pain_stop", {"name": items[index]["name"]}),) if outcome == "pain" else ()
    if index + 1 < len(items):
        nxt = {**draft, "index": index + 1, "outcomes": outcomes}
        return CoachOutcome(WALK, nxt, (*notes, walk_reply(nxt, turn + 1)), close_source=True)
    return finish_walk(draft, outcomes, turn, answers, kit, notes)


def finish_walk(draft: Mapping[str, object], outcomes: Mapping[str, str], turn: int,
                answers: Mapping[str, object], kit: CoachKit,
                notes: tuple[Reply, ...] = ()) -> CoachOutcome:
    items = _walk_items(draft)
    record = SessionRecord(str(draft.get("date")), str(draft.get("kind")),
                           {str(k): str(v) for k, v in outcomes.items()})
    counts = {o: sum(1 for v in outcomes.values() if v == o) for o in WALK_OUTCOMES}
    done = Reply("walk_done", {"counts": counts, "total": len(items),
                               "finished": len(outcomes) == len(items)})
    rows = [[e, listen.WALK_TO_OUTCOME[o], None, None, None] for e, o in outcomes.items()]
    report = {"date": str(draft.get("date")), "kind": str(draft.get("kind")), "rows": rows,
              "words": None}
    after = _report_or_ask(report, turn, answers, kit)
    return replace(after, replies=(*notes, done, *after.replies),
                   effects=(record, *after.effects), close_source=True)


def stop_walk(draft: Mapping[str, object], turn: int, answers: Mapping[str, object],
              kit: CoachKit) -> CoachOutcome:
    raw = draft.get("outcomes")
    outcomes = {str(k): str(v) for k, v in raw.items()} if isinstance(raw, Mapping) else {}
    if not outcomes:
        return CoachOutcome(READY, {}, (Reply("walk_stopped"),))
    return finish_walk(draft, outcomes, turn, answers, kit)


# --- re-testing ------------------------------------------------------------------------------


def _start_retest(turn: int, answers: Mapping[str, object]) -> CoachOutcome:
    if answers.get("red_flags"):
        return CoachOutcome(READY, {}, (Reply("retest_red_flag"),))
    draft = {"step": 0, "results": {}}
    return CoachOutcome(RETEST, draft, (Reply("retest_intro"), retest_reply(draft, turn + 1)))


def retest_question(draft: Mapping[str, object]) -> str:
    return RETEST_QUESTIONS[int(str(draft.get("step", 0)))]


def retest_reply(draft: Mapping[str, object], turn: int) -> Reply:
    question = retest_question(draft)
    options = ("pass", "fail", "hurt") if question != "knee_lift" else ("pass", "fail")
    buttons = tuple((Button(f"{question}.{o}", f"{turn}|{o}"),) for o in options)
    return Reply(f"q_{question}", {"current": None, "editing": False}, buttons)


def retest_options(draft: Mapping[str, object]) -> tuple[str, ...]:
    return ("pass", "fail") if retest_question(draft) == "knee_lift" else ("pass", "fail", "hurt")


def _retest_answer(draft: Mapping[str, object], turn: int, value: str,
                   answers: Mapping[str, object], kit: CoachKit) -> CoachOutcome:
    if value not in retest_options(draft):
        return CoachOutcome(RETEST, draft, (), toast="toast.stale", advance_turn=False)
    question = retest_question(draft)
    raw = draft.get("results")
    results = {**(raw if isinstance(raw, Mapping) else {}), question: value}
    step = int(str(draft.get("step", 0))) + 1
    if step < len(RETEST_QUESTIONS):
        nxt = {"step": step, "results": results}
        return CoachOutcome(RETEST, nxt, (retest_reply(nxt, turn + 1),),
                            recorded=((question, value),), close_source=True)
    return _retest_done(results, answers, kit, (question, value))


def _retest_done(results: Mapping[str, object], answers: Mapping[str, object], kit: CoachKit,
                 last: tuple[str, str]) -> CoachOutcome:
    before = {q: answers.get(q) for q in RETEST_QUESTIONS}
    new_answers = {**answers, **results}
    progress = _progress_after_retest(kit.progress, before, results)
    saved = save_plan("retest", new_answers, kit, progress)
    # The plan says whether flexion strength is open: a failed thigh test keeps it locked.
    step = saved.plan.get("flexion_step")
    reply = Reply("retest_done", {"before": before, "after": dict(results),
                                  "step": step, "changes": list(saved.changes)})
    return CoachOutcome(READY, {}, (reply,), (saved,), answers=new_answers, recorded=(last,),
                        close_source=True)


def _progress_after_retest(progress: Progress, before: Mapping[str, object],
                           after: Mapping[str, object]) -> Progress:
    """A pass unlocks: a side that now reaches its ribs, and the next flexion step."""
    left = progress.retest_left or after.get("thigh_left") == "pass"
    right = progress.retest_right or after.get("thigh_right") == "pass"
    step = progress.flexion_step or (3 if before.get("knee_lift") == "pass" else 1)
    all_pass = all(after.get(q) == "pass" for q in RETEST_QUESTIONS)
    if all_pass:
        step = min(step + 1, FLEXION_STEPS)
    return replace(progress, retest_left=left, retest_right=right, flexion_step=step)



# --- reports: after a session, and in the runner's own words ---------------------------------


def _ask_which_hard(turn: int, answers: Mapping[str, object], ctx: Context,
                    kit: CoachKit) -> CoachOutcome:
    on = _local_today(answers, ctx)
    exercises = [i.exercise for i in today(plan_for(answers, kit), on).items]
    if not exercises:
        return CoachOutcome(READY, {}, (today_reply(turn + 1, answers, ctx, kit),))
    draft = {"step": "hard", "date": on.isoformat(), "kind": "today", "exercises": exercises,
             "chosen": []}
    return CoachOutcome(FEEDBACK, draft, (listen.which_hard_reply(exercises, [], turn + 1),),
                        close_source=True)


def on_text_report(text: str, turn: int, answers: Mapping[str, object], ctx: Context,
                   kit: CoachKit) -> CoachOutcome | None:
    """Free text read as feedback; None when it says nothing about an exercise."""
    if kit.read_feedback is None:
        return None
    on = _local_today(answers, ctx)
    week = plan_for(answers, kit)
    todays = [i.exercise for i in today(week, on).items]
    flags = listen.red_flag_words(text)
    if flags:
        return _red_flag_in_words(flags, answers, kit)
    reading = kit.read_feedback(text, todays)
    if reading.ambiguous:
        pending = reading.ambiguous[0]
        draft = {"step": "pick", "date": on.isoformat(), "kind": "feedback", "words": text,
                 "rows": listen.rows_from_findings(reading.confident),
                 "pending": [None, (pending.outcome or "done"), _opt(pending.side),
                             _opt(pending.severity), pending.reps],
                 "candidates": list(pending.candidates)}
        return CoachOutcome(FEEDBACK, draft, (listen.pick_reply(pending.candidates, turn + 1),))
    rows = list(listen.rows_from_findings(reading.confident))
    if not rows:
        recent = todays or _week_moves(week)
        return _unnamed_pain(reading, text, on, recent, turn)
    report = {"date": on.isoformat(), "kind": "feedback", "rows": [list(r) for r in rows],
              "words": text}
    return _report_or_ask(report, turn, answers, kit)


def _week_moves(week: WeekPlan) -> list[str]:
    """The week's moves, for a pain report on a day with nothing planned (up to eight)."""
    moves = [i.exercise for day in week.days for i in day.items if i.phase != "during"]
    return list(dict.fromkeys(moves))[:8]


def _red_flag_in_words(flags: Sequence[str], answers: Mapping[str, object],
                       kit: CoachKit) -> CoachOutcome:
    """Warning signs said in the runner's own words take the red-flag path, as in screening."""
    current = _strings(answers.get("red_flags"))
    new_flags = [*current, *(f for f in flags if f not in current)]
    flagged = {**answers, "red_flags": new_flags}
    saved = save_plan("adapt", flagged, kit)
    return CoachOutcome(READY, {}, (Reply("red_flag_heard", {"flags": list(flags)}),),
                        (saved,), answers=flagged, recorded=(("red_flags", new_flags),))


def _opt(value: object) -> str | None:
    return str(value) if value is not None else None


def _unnamed_pain(reading: FeedbackReading, text: str, on: date, todays: list[str],
                  turn: int) -> CoachOutcome | None:
    pain = [f for f in reading.findings if f.exercise_id is None and f.outcome == "pain"]
    if not pain or not todays:
        return None
    draft = {"step": "hurt", "date": on.isoformat(), "kind": "feedback", "words": text,
             "exercises": todays, "chosen": [], "side": _opt(pain[0].side),
             "severity": _opt(pain[0].severity)}
    return CoachOutcome(FEEDBACK, draft, (listen.which_hurt_reply(todays, turn + 1),))


def _report_or_ask(report: Mapping[str, object], turn: int, answers: Mapping[str, object],
                   kit: CoachKit) -> CoachOutcome:
    rows = _rows(report)
    missing = listen.missing_pain_detail(rows)
    if missing is not None:
        index, asking = missing
        draft = {**report, "step": "detail", "index": index, "asking": asking}
        return CoachOutcome(FEEDBACK, draft, (listen.detail_reply(rows, index, asking, turn + 1,
                                                                  kit.catalog),))
    return _conclude(report, turn, answers, kit)


def _rows(report: Mapping[str, object]) -> list[list[object]]:
    rows = report.get("rows")
    return [list(r) for r in rows if isinstance(r, list | tuple)] if isinstance(rows, list) else []


def _conclude(report: Mapping[str, object], turn: int, answers: Mapping[str, object],
              kit: CoachKit) -> CoachOutcome:
    rows = tuple((str(r[0]), str(r[1]), _opt(r[2]), _opt(r[3]),
                  r[4] if isinstance(r[4], int) else None) for r in _rows(report))
    words = report.get("words")
    parsed = listen.Report(date.fromisoformat(str(report.get("date"))), str(report.get("kind")),
                           rows, str(words) if words else None)
    base = listen.dose_items(base_plan(answers, kit))
    done = listen.conclude(parsed, turn + 1, base, kit.outcomes, kit.history, kit.catalog)
    new_answers = _flagged(answers) if done.red_flag else None
    effects: list[CoachEffect] = list(done.effects)
    if len(done.history) > len(kit.history) or new_answers is not None:
        effects.append(save_plan("adapt", new_answers or answers, kit, history=done.history))
    recorded: tuple[tuple[str, str | list[str]], ...] = ()
    if new_answers is not None:
        recorded = (("red_flags", _strings(new_answers["red_flags"])),)
    return CoachOutcome(READY, {}, done.replies, tuple(effects), answers=new_answers,
                        recorded=recorded, close_source=True)


def _flagged(answers: Mapping[str, object]) -> dict[str, object]:
    flags = answers.get("red_flags")
    current = [str(f) for f in flags] if isinstance(flags, list) else []
    return {**answers, "red_flags": [*current, "pain_reports"] if "pain_reports" not in current
            else current}


def _undo(answers: Mapping[str, object], kit: CoachKit) -> CoachOutcome:
    reply, effects, history = listen.undo(kit.history, kit.catalog)
    if answers.get("red_flags"):
        reply = replace(reply, params={**reply.params, "red_flags": True})
    if not effects:
        return CoachOutcome(READY, {}, (reply,))
    saved = save_plan("undo", answers, kit, history=history)
    return CoachOutcome(READY, {}, (reply,), (*effects, saved), close_source=True)


def on_feedback_choice(draft: Mapping[str, object], turn: int, value: str,
                       answers: Mapping[str, object], kit: CoachKit) -> CoachOutcome:
    step = draft.get("step")
    if step == "hard":
        return _which_hard(draft, turn, value, answers, kit)
    if step == "hurt" and value.startswith("h:"):
        return _which_hurt(draft, turn, value[2:], answers, kit)
    if step == "detail":
        return _detail(draft, turn, value, answers, kit)
    if step == "pick" and value.startswith("fb:"):
        return _picked(draft, turn, value[3:], answers, kit)
    return CoachOutcome(FEEDBACK, draft, (), toast="toast.stale", advance_turn=False)


def _strings(value: object) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else []


def _which_hard(draft: Mapping[str, object], turn: int, value: str,
                answers: Mapping[str, object], kit: CoachKit) -> CoachOutcome:
    exercises, chosen = _strings(draft.get("exercises")), _strings(draft.get("chosen"))
    if value.startswith("t:") and value[2:] in exercises:
        picked = value[2:]
        chosen = [c for c in chosen if c != picked] if picked in chosen else [*chosen, picked]
        nxt = {**draft, "chosen": chosen}
        return CoachOutcome(FEEDBACK, nxt, (replace(listen.which_hard_reply(
            exercises, chosen, turn + 1), edit=True),))
    if value == "hurt":
        nxt = {**draft, "step": "hurt"}
        return CoachOutcome(FEEDBACK, nxt, (listen.which_hurt_reply(exercises, turn + 1),),
                            close_source=True)
    if value == "good":
        rows = [[e, "hard" if e in chosen else "done", None, None, None] for e in exercises]
        return _report_or_ask({**draft, "rows": rows, "words": None}, turn, answers, kit)
    return CoachOutcome(FEEDBACK, draft, (), toast="toast.stale", advance_turn=False)


def _which_hurt(draft: Mapping[str, object], turn: int, hurt: str,
                answers: Mapping[str, object], kit: CoachKit) -> CoachOutcome:
    exercises, chosen = _strings(draft.get("exercises")), _strings(draft.get("chosen"))
    if hurt not in exercises:
        return CoachOutcome(FEEDBACK, draft, (), toast="toast.stale", advance_turn=False)
    words = draft.get("words")
    if words:  # free text about a pain, no exercise named: record only that one
        rows = [[hurt, "pain", draft.get("side"), draft.get("severity"), None]]
    else:
        rows = [[e, "pain" if e == hurt else "hard" if e in chosen else "done", None, None,
                 None] for e in exercises]
    return _report_or_ask({**draft, "rows": rows}, turn, answers, kit)


def _detail(draft: Mapping[str, object], turn: int, value: str,
            answers: Mapping[str, object], kit: CoachKit) -> CoachOutcome:
    asking = draft.get("asking")
    options = listen.SIDES if asking == "side" else listen.SEVERITIES
    if value not in options:
        return CoachOutcome(FEEDBACK, draft, (), toast="toast.stale", advance_turn=False)
    rows = _rows(draft)
    index = int(str(draft.get("index", 0)))
    rows[index][2 if asking == "side" else 3] = value
    return _report_or_ask({**draft, "rows": rows}, turn, answers, kit)


def _picked(draft: Mapping[str, object], turn: int, exercise: str,
            answers: Mapping[str, object], kit: CoachKit) -> CoachOutcome:
    rows = _rows(draft)
    if exercise == "none" or exercise not in _strings(draft.get("candidates")):
        if not rows:
            return CoachOutcome(READY, {}, (Reply("feedback_dropped"),), close_source=True)
    else:
        pending = draft.get("pending")
        row = list(pending) if isinstance(pending, list) else [None, "done", None, None, None]
        rows.append([exercise, *row[1:]])
    return _report_or_ask({**draft, "rows": rows}, turn, answers, kit)


def feedback_prompt(draft: Mapping[str, object], turn: int, catalog: Catalog) -> Reply | None:
    """The question a report is waiting on, to show again after a detour."""
    step = draft.get("step")
    if step == "hard":
        return listen.which_hard_reply(_strings(draft.get("exercises")),
                                       _strings(draft.get("chosen")), turn)
    if step == "hurt":
        return listen.which_hurt_reply(_strings(draft.get("exercises")), turn)
    if step == "detail":
        return listen.detail_reply(_rows(draft), int(str(draft.get("index", 0))),
                                   str(draft.get("asking")), turn, catalog)
    if step == "pick":
        return listen.pick_reply(_strings(draft.get("candidates")), turn)
    return None


def feedback_typed_options(draft: Mapping[str, object]) -> tuple[str, tuple[str, ...]]:
    """The label prefix and values a typed answer is matched against, per step."""
    step = draft.get("step")
    if step == "detail":
        asking = str(draft.get("asking"))
        return f"pain_{asking}", listen.SIDES if asking == "side" else listen.SEVERITIES
    if step == "hard":
        return "feedback", ("good", "hurt")
    return "", ()


# --- reminders -------------------------------------------------------------------------------


def _reminder_setting(cmd: Command) -> CoachOutcome:
    arg = _setting_arg(cmd.name, cmd.args.strip().lower())
    if arg is None:
        return CoachOutcome(READY, {}, (Reply(f"usage_{cmd.name}", {"said": cmd.args[:40]}),))
    return CoachOutcome(READY, {}, (), (Produce(cmd.name, arg),))


def _setting_arg(name: str, said: str) -> str | None:
    """The normalised argument of /pause, /quiet or /nudge; None when it can't be read."""
    if name == "pause":
        days = said.split()[0] if said else "7"
        return days if days.isdigit() and 1 <= int(days) <= MAX_PAUSE_DAYS else None
    if name == "quiet":
        return said if said == "off" else _time_range(said)
    clock = parse_clock_time(said) if said else None
    return clock.value if clock is not None else None


def _time_range(said: str) -> str | None:
    for sep in ("-", "–", " to ", " "):
        if sep in said:
            start, _, end = said.partition(sep)
            first, last = parse_clock_time(start), parse_clock_time(end)
            if first.value and last.value and first.value != last.value:
                return f"{first.value}-{last.value}"
    return None


def reminders_reply(turn: int, upcoming: Sequence[Mapping[str, object]], lead: int,
                    quiet: str | None, paused_until: str | None) -> Reply:
    leads = tuple(Button(f"reminder.lead_{m}", f"{turn}|r:lead:{m}", m == lead)
                  for m in REMINDER_LEADS)
    pause = (Button("reminder.resume", f"{turn}|r:resume") if paused_until
             else Button("reminder.pause_week", f"{turn}|r:pause:7"))
    return Reply("reminders", {"upcoming": list(upcoming), "lead": lead, "quiet": quiet,
                               "paused_until": paused_until}, (leads, (pause,)))


def on_reminder_button(state: str, draft: Mapping[str, object], turn: int, value: str,
                       answers: Mapping[str, object], ctx: Context,
                       kit: CoachKit) -> CoachOutcome:
    """Buttons under a reminder or /reminders: they work from any state after screening."""
    action, _, arg = value.removeprefix("r:").partition(":")
    if action == "start" and state == READY:
        return _start_walk(turn, answers, ctx, kit)
    if action == "done" and state == READY:
        return _ask_which_hard(turn, answers, ctx, kit)
    if action == "today" and state == READY:
        return CoachOutcome(READY, {}, (today_reply(turn + 1, answers, ctx, kit),))
    if action == "retest" and state == READY:
        return _start_retest(turn, answers)
    if action == "hip" and arg in ("better", "same", "worse"):
        return _hip_check_in(state, draft, arg, answers, kit)
    if action in ("snooze", "not_today", "resume") or (action in ("lead", "pause") and arg):
        return CoachOutcome(state, draft, (), (Produce(action, arg),), advance_turn=False)
    return CoachOutcome(state, draft, (), toast="toast.stale", advance_turn=False)


def _hip_check_in(state: str, draft: Mapping[str, object], feel: str,
                  answers: Mapping[str, object], kit: CoachKit) -> CoachOutcome:
    """The day after a pain report: worse takes the red-flag path, as repeated pain does."""
    if feel != "worse":
        return CoachOutcome(state, draft, (Reply("checkin_answer", {"feel": feel}),),
                            close_source=True, advance_turn=False)
    flagged = _flagged(answers)
    saved = save_plan("adapt", flagged, kit)
    return CoachOutcome(READY, {}, (Reply("checkin_answer", {"feel": feel}),
                                    Reply("feedback_red_flag")),
                        (saved,), answers=flagged,
                        recorded=(("red_flags", _strings(flagged["red_flags"])),),
                        close_source=True)
