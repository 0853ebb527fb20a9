"""The plan and exercise views: ``/plan``, the week button, ``/exercise <name>``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from bot.domain import training
from bot.domain.buttons import Choice, Feature
from bot.domain.dialogue import coaching
from bot.domain.dialogue.plan import local_today
from bot.domain.dialogue.state import Dialogue, State, Transition, goto, stale
from bot.domain.model import CoachKit, Context, FigureRequest, Reply, button

SAID_CHARS = 80


def week_reply(d: Dialogue, ctx: Context) -> Reply:
    kit = ctx.coach
    on = local_today(d.answers, ctx.now)
    plan = coaching.plan_of(d.answers, kit, on)
    monday = on - timedelta(days=on.weekday())
    views = [training.day_view(plan, kit.ladders, monday + timedelta(days=i)) for i in range(7)]
    saved = coaching.save("view", plan, kit, on).plan
    return Reply("plan_week", {"days": [coaching.day_params(plan, v, kit.catalog) for v in views],
                               "today": on.isoformat(),
                               "flexion_step": saved.get("flexion_step"),
                               "failing_sides": saved.get("failing_sides"),
                               "notices": coaching.notice_keys(
                                   [n for v in views for n in v.notices])})


def plan_command(d: Dialogue, ctx: Context) -> Transition:
    return Transition(goto(d, State.READY), (week_reply(d, ctx),))


def exercise_reply(exercise_id: str, kit: CoachKit, side: str | None = None) -> Reply:
    """The how-to of one move, with its moving figure (``side``: the working side)."""
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
        "motions": list(exercise.motions)}, figure=FigureRequest(exercise_id, side))


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
        return Transition(ready, (exercise_reply(found[0], kit),))
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
    if c.action == "ex" and c.arg in ctx.coach.catalog.exercises:
        return Transition(goto(d, State.READY), (exercise_reply(c.arg, ctx.coach),),
                          close_source=True)
    return stale(d)
