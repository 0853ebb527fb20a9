"""The plan and exercise views: ``/plan``, the week button, ``/exercise <name>``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta

from bot.domain import training
from bot.domain.buttons import Choice, Feature
from bot.domain.catalog import Dose
from bot.domain.dialogue import coaching, safe
from bot.domain.dialogue.plan import gym_line, local_today, safety_params
from bot.domain.dialogue.state import Dialogue, State, Transition, goto, stale
from bot.domain.model import CoachKit, Context, FigureRequest, Reply, button
from bot.domain.parsing import WEEKDAYS

SAID_CHARS = 80


def week_reply(d: Dialogue, ctx: Context) -> Reply:
    """A short overview, a line a day, with a button per day that shows it in full."""
    kit = ctx.coach
    on = local_today(d.answers, ctx.now)
    monday = on - timedelta(days=on.weekday())
    shown = [safe.day(d.answers, kit, monday + timedelta(days=i)) for i in range(7)]
    plan = shown[0][0]
    views = [view for _, view in shown]
    saved = coaching.save("view", plan, kit, on).plan
    days = [{**coaching.day_params(plan, v, kit.catalog), "minutes": safe.minutes_of(v)}
            for v in views]
    buttons = tuple(tuple(button(f"day.{day}", Choice(d.turn, Feature.VIEW, "day", day))
                          for day in WEEKDAYS[row:row + 4]) for row in (0, 4))
    return Reply("plan_week", {"days": days, "today": on.isoformat(),
                               "flexion_step": saved.get("flexion_step"),
                               "failing_sides": saved.get("failing_sides"),
                               "notices": coaching.notice_keys(
                                   [n for v in views for n in v.notices]),
                               **safety_params(d.answers, on, kit.started)}, buttons)


def day_reply(d: Dialogue, ctx: Context, weekday: str) -> Reply:
    """One day of this week in full, as /today shows a day (without its Start button)."""
    kit = ctx.coach
    on = local_today(d.answers, ctx.now)
    when = on + timedelta(days=WEEKDAYS.index(weekday) - on.weekday())
    plan, day = safe.day(d.answers, kit, when)
    return Reply("today", {"day": coaching.day_params(plan, day, kit.catalog), "next": None,
                           "notices": coaching.notice_keys(day.notices),
                           "run_time": d.answers.get("run_time"), "other_day": when != on,
                           "red_flags": safe.on_red_flag_path(d.answers),
                           **safety_params(d.answers, when, kit.started),
                           "minutes": safe.minutes_of(day),
                           "sections": safe.section_minutes(day), "gym": gym_line(d.answers, day)})


def plan_command(d: Dialogue, ctx: Context) -> Transition:
    ready = goto(d, State.READY)
    return Transition(ready, (week_reply(ready, ctx),))


def exercise_reply(exercise_id: str, kit: CoachKit, answers: Mapping[str, object],
                   on: date, walking: Mapping[str, object] | None = None) -> Reply:
    """The how-to of one move, through the safety gate (a notice and no dose when the runner
    may not do it), with its moving figure. /exercise and the walk-through's How? use it."""
    exercise = kit.catalog.exercise(exercise_id)
    names = {e.id: e.name for e in kit.catalog.exercises.values()}
    dose = exercise.dose
    gated = safe.exercise_gate(answers, kit.catalog, exercise_id, on)
    plan = coaching.plan_of(answers, kit, on)
    off = exercise_id in training.off_plan(plan, kit.ladders)
    # Your dose when the move is in your plan (the session's sets, not the book's): the
    # step being walked for How?, else each part of your week that has it.
    planned = [] if off else ([dict(walking)] if walking is not None
                              else _planned(exercise_id, kit, answers, on))
    return Reply("exercise_howto", {
        **_book(dose), "plan_doses": [{**p, "where": _where(p)} for p in planned],
        "show_dose": gated.show_dose and not off, "side": gated.side,
        "notice": "exercise_off_plan" if off else gated.notice,
        "name": exercise.name, "how_to": exercise.how_to, "cues": list(exercise.cues),
        "mistake": exercise.mistake, "equipment": list(exercise.equipment),
        "variant": exercise.without_equipment, "one_sided": exercise.one_sided,
        "easier": names.get(_easier(exercise_id, kit) or ""),
        "harder": names.get(exercise.harder or ""),
        "motions": list(exercise.motions)},
        figure=FigureRequest(exercise_id, gated.side if gated.side in ("left", "right") else None))


def _book(dose: Dose) -> dict[str, object]:
    """The catalog's dose, shown when the move is not in the runner's plan."""
    return {"sets": dose.sets, "reps": list(dose.reps) if dose.reps else None,
            "hold": list(dose.hold_seconds) if dose.hold_seconds else None,
            "duration": list(dose.duration_seconds) if dose.duration_seconds else None,
            "distance": dose.distance_m, "per_side": dose.per_side}


def _where(shown: Mapping[str, object]) -> object:
    return shown.get("phase") or ("circuit" if shown.get("block") == "circuit" else "session")


def _planned(exercise_id: str, kit: CoachKit, answers: Mapping[str, object],
             on: date) -> list[dict[str, object]]:
    """The move as the runner's own week doses it: once for each part of a day that has it
    (before a run, during one, the session), the session first."""
    found: dict[str, dict[str, object]] = {}
    for offset in range(7):
        for item in safe.day(answers, kit, on + timedelta(days=offset))[1].items:
            if item.exercise == exercise_id:
                found.setdefault(item.when, coaching.item_view(item, kit.catalog))
    order = ("strength", "mobility", "before_run", "during_run")
    return [found[w] for w in order if w in found]


def _easier(exercise_id: str, kit: CoachKit) -> str | None:
    """The easier move the plan itself would swap to after pain (the same motion and kind,
    one exercise down its ladder); None when the plan has none, as a pain swap then says.
    Outside every ladder, the catalog's own easier move."""
    found = False
    for ladder in kit.ladders.values():
        exercises = list(dict.fromkeys(r.exercise for r in ladder.rungs if r.exercise))
        if exercise_id in exercises:
            found = True
            index = exercises.index(exercise_id)
            if index > 0:
                return exercises[index - 1]
    return None if found else kit.catalog.exercise(exercise_id).easier


def exercise_command(d: Dialogue, said: str, ctx: Context) -> Transition:
    kit = ctx.coach
    ready = goto(d, State.READY)
    if not said.strip():
        return Transition(ready, (Reply("exercise_ask", {"examples": _examples(kit),
                                                         "groups": _by_protocol(kit)}),))
    said = said[:SAID_CHARS]
    found = list(kit.find_exercises(said))
    if not found:
        return Transition(ready, (Reply("exercise_unknown",
                                        {"said": said, "examples": _examples(kit)}),))
    if len(found) == 1:
        on = local_today(d.answers, ctx.now)
        return Transition(ready, (exercise_reply(found[0], kit, d.answers, on),))
    return Transition(ready, (_pick_reply(ready.turn, found, said),))


def _pick_reply(turn: int, ids: Sequence[str], said: str) -> Reply:
    buttons = tuple((button(f"exercise.{i}", Choice(turn, Feature.VIEW, "ex", i)),)
                    for i in ids[:4])
    return Reply("exercise_pick", {"said": said}, buttons)


# The order /exercise lists the protocols in: the everyday six first, the drills last.
PROTOCOL_ORDER = ("six_motions", "circuit", "flexion", "hip_loading", "stride")


def _by_protocol(kit: CoachKit) -> list[dict[str, object]]:
    """Every move once, under the first protocol it belongs to."""
    protocols = sorted(kit.catalog.protocols.values(),
                       key=lambda p: (PROTOCOL_ORDER + (p.id,)).index(p.id))
    seen: set[str] = set()
    groups: list[dict[str, object]] = []
    for protocol in protocols:
        ids = [i.exercise for b in protocol.blocks.values() for i in b.items]
        fresh = [i for i in dict.fromkeys(ids) if i not in seen]
        seen.update(fresh)
        if fresh:
            groups.append({"name": protocol.name,
                           "moves": [kit.catalog.exercise(i).name for i in fresh]})
    return groups


def _examples(kit: CoachKit) -> list[str]:
    return [kit.catalog.exercise(i).name for i in ("side_plank_clamshell", "supine_bike_pedals")
            if i in kit.catalog.exercises]


def on_choice(d: Dialogue, c: Choice, ctx: Context) -> Transition:
    if c.action == "week":  # an extra look at the week: whatever was going on goes on
        return Transition(d, (week_reply(d, ctx),))
    if c.action == "day" and c.arg in WEEKDAYS:
        return Transition(d, (day_reply(d, ctx, c.arg),))
    if c.action == "ex" and c.arg in ctx.coach.catalog.exercises:
        on = local_today(d.answers, ctx.now)
        return Transition(goto(d, State.READY),
                          (exercise_reply(c.arg, ctx.coach, d.answers, on),), close_source=True)
    return stale(d)
