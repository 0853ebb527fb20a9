"""Shared by the coaching features: the stored training plan, its day views as the templates
show them, and the plan's rules called from the dialogue (sessions, progress, undo, re-test,
check-in, clearance).

The plan lives in ``plan_versions.plan["training"]``; every change is stored as a new version.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date, timedelta

from bot.domain import training
from bot.domain.buttons import Choice, Feature
from bot.domain.catalog import Catalog
from bot.domain.dialogue.state import SavePlan
from bot.domain.feedback_words import TRAINING_OUTCOME
from bot.domain.model import CoachKit, Reply, button
from bot.domain.parsing import WEEKDAYS
from bot.domain.week import profile_from_answers

TRAINING_KEY = "training"
PHRASINGS = 3  # recurring messages (progress, session end) have three wordings each
PHASES = {"before_run": "before", "during_run": "during"}
# A slot id's first part -> the reason key the plan shows for it (words in _plan.j2/labels).
WHY = {"activation": "activation", "volume": "volume_session", "circuit": "circuit_session",
       "loading": "hip_loading", "stride": "stride_speed", "drills": "pre_run_drill",
       "hills": "hill_sprints", "backwards": "backwards_running", "flexion": "flexion_step",
       "mobility": "mobility_first", "mobility.soft_tissue": "soft_tissue",
       "mobility.rotation_door": "side_door", "mobility.abduction_door": "side_door"}
SIDE_WORDS = {"both": "left and right"}
# Every plan.day.* title a day can get (the content check insists each has words).
TITLES = {"run": "plan.day.run", "run_gentle": "plan.day.run_gentle",
          "run_speed": "plan.day.run_speed", "run_volume": "plan.day.run_volume",
          "run_circuit": "plan.day.run_circuit", "volume": "plan.day.volume",
          "circuit": "plan.day.circuit", "rest": "plan.day.rest", "gentle": "plan.day.gentle"}


# --- the stored plan -------------------------------------------------------------------------


def stored_plan(kit: CoachKit) -> training.Plan | None:
    raw = kit.last_plan.get(TRAINING_KEY) if kit.last_plan else None
    return training.plan_from_json(raw) if isinstance(raw, Mapping) else None


def plan_of(answers: Mapping[str, object], kit: CoachKit, on: date) -> training.Plan:
    """The stored plan, or (before the first one) the plan the answers give."""
    return stored_plan(kit) or training.build_plan(profile_from_answers(answers), kit.ladders, on)


def rebuilt(answers: Mapping[str, object], kit: CoachKit, on: date) -> training.Plan:
    """Screening or /settings: slots from the answers; a slot the runner already trained keeps
    its rung and history, and a red flag stays until a clinician's clearance."""
    fresh = training.build_plan(profile_from_answers(answers), kit.ladders, on)
    old = stored_plan(kit)
    if old is None:
        return fresh
    slots = {k: _kept(s, old.slots.get(k)) for k, s in fresh.slots.items()}
    flags = old.flags if old.flags.red_flag else fresh.flags
    return replace(fresh, start=old.start, slots=slots, flags=flags, last_test=old.last_test,
                   changes=old.changes, log=old.log, pains=old.pains)


def _kept(new: training.Slot, old: training.Slot | None) -> training.Slot:
    if old is None or old.ladder != new.ladder or new.role == "flexion_steps":
        return new
    return replace(new, rung=old.rung, dropped=old.dropped, excluded=old.excluded)


def save(reason: str, plan: training.Plan, kit: CoachKit, on: date) -> SavePlan:
    """The plan as a new version, with the week's shape that /progress and the summary read."""
    week = [training.day_view(plan, kit.ladders, on + timedelta(days=i)) for i in range(7)]
    days = sorted(week, key=lambda v: v.on.weekday())
    stored = {TRAINING_KEY: training.plan_to_json(plan),
              "flexion_step": _step(plan), "failing_sides": _locked(plan),
              "days": [{"weekday": WEEKDAYS[v.on.weekday()], "kind": _kind(plan, v),
                        "session": _session(v),
                        "items": [{"exercise": i.exercise, "side": i.side, "sets": i.sets,
                                   "why": "red_flag_gentle" if v.kind == "gentle" else why(i),
                                   "block": _role(plan, i)} for i in v.items]}
                       for v in days]}
    return SavePlan(reason, stored, {}, _changed_days(kit.last_plan, stored))


def _kind(plan: training.Plan, view: training.DayView) -> str:
    """run | strength | rest, as stored plans have always said (a gentle day on a run day is
    a run day)."""
    if view.kind != "gentle":
        return view.kind
    return "run" if WEEKDAYS[view.on.weekday()] in plan.schedule.run_days else "rest"


def _session(view: training.DayView) -> str | None:
    slots = {i.slot.split(".")[0] for i in view.items}
    if view.kind == "gentle":
        return "gentle"
    for part, session in (("volume", "volume"), ("circuit", "circuit"), ("hills", "speed"),
                          ("backwards", "speed")):
        if part in slots:
            return session
    return None


def title(plan: training.Plan, view: training.DayView) -> str:
    if view.kind == "gentle":  # the red-flag path: no day is a run day
        return TITLES["gentle"]
    kind, session = _kind(plan, view), _session(view)
    if kind == "run":
        return TITLES.get(f"run_{session}", TITLES["run"])
    if kind == "strength" and session:
        return TITLES.get(session, TITLES["volume"])
    return TITLES["gentle"] if session == "gentle" else TITLES["rest"]


def _role(plan: training.Plan, item: training.DayItem) -> str:
    slot = plan.slots.get(item.slot)
    return slot.role if slot else item.protocol


def _step(plan: training.Plan) -> int | None:
    caps = [s.step_cap for s in plan.slots.values()
            if s.role == "flexion_steps" and not s.locked and s.step_cap]
    return max(caps) if caps else None


def _locked(plan: training.Plan) -> list[str]:
    return [s.side for s in plan.slots.values() if s.role == "flexion_steps" and s.locked]


def _changed_days(before: Mapping[str, object] | None,
                  after: Mapping[str, object]) -> tuple[str, ...]:
    if before is None:
        return ()
    old, new = _days(before), _days(after)
    return tuple(f"{day}:{old.get(day, ('rest', ()))[0]}:{new[day][0]}"
                 for day in WEEKDAYS if day in new and old.get(day) != new[day])


def _days(plan: Mapping[str, object]) -> dict[str, tuple[str, tuple[str, ...]]]:
    days = plan.get("days")
    if not isinstance(days, list):
        return {}
    return {str(d["weekday"]): (str(d["kind"]), tuple(str(i["exercise"]) for i in d["items"]))
            for d in days if isinstance(d, dict)}


# --- what the runner sees --------------------------------------------------------------------


def why(item: training.DayItem) -> str:
    parts = item.slot.split(".")
    return WHY.get(".".join(parts[:2]), WHY.get(parts[0], "activation"))


def item_view(item: training.DayItem, catalog: Catalog) -> dict[str, object]:
    """One move as the templates show it; the dose words come from ``_plan.j2``'s ``dose``."""
    exercise = catalog.exercise(item.exercise)
    return {
        "id": exercise.id, "name": exercise.name, **_dose(item),
        "side": item.side, "cues": list(exercise.cues[:2]), "why": why(item),
        "why_params": {"motion": item.motion, "step": item.step, "door": item.motion,
                       "side": SIDE_WORDS.get(item.side, item.side), "weak": False},
        "block": "circuit" if item.rounds else item.slot.split(".")[0],
        "phase": PHASES.get(item.when), "slot": item.slot,
        "variant": exercise.without_equipment if item.without_equipment else None,
    }


def _dose(item: training.DayItem) -> dict[str, object]:
    """Reps with seconds during a run are timed bouts (hills); elsewhere seconds are holds."""
    timed = item.reps is not None and item.seconds is not None and item.when == "during_run"
    seconds = list(item.seconds) if item.seconds else None
    if item.rounds and item.when != "during_run":  # a circuit move: its work time each round
        return {"sets": 1, "rounds": item.rounds, "work": seconds, "reps": None, "hold": None,
                "duration": None, "distance": None, "per_side": item.per_side,
                "rest_after_round": item.rest_seconds, "rest": None}
    return {"sets": item.rounds or item.sets, "reps": list(item.reps) if item.reps else None,
            "hold": None if timed else seconds, "duration": seconds if timed else None,
            "distance": item.distance_m, "per_side": item.per_side,
            # A circuit rests after each round, not after each move: said once, not per move.
            "rest": None if item.rounds else item.rest_seconds}


def notice_keys(notices: Sequence[str]) -> list[str]:
    """``flexion_locked.left`` -> ``flexion_locked``: the templates speak of the notice."""
    return list(dict.fromkeys(n.split(".")[0] for n in notices))


def day_params(plan: training.Plan, view: training.DayView,
               catalog: Catalog) -> dict[str, object]:
    return {"weekday": WEEKDAYS[view.on.weekday()], "date": view.on.isoformat(),
            "kind": _kind(plan, view), "title": title(plan, view),
            "session": _session(view),
            "moves": [{**item_view(i, catalog), "why": "red_flag_gentle"} if view.kind == "gentle"
                      else item_view(i, catalog) for i in view.items]}


# --- reports, progress and undo --------------------------------------------------------------


def slots_by_exercise(plan: training.Plan, kit: CoachKit,
                      on: date) -> dict[str, tuple[training.DayItem, ...]]:
    """Every exercise of the week (today's first) and the items that carry it."""
    found: dict[str, tuple[training.DayItem, ...]] = {}
    for offset in (0, *range(-3, 0), *range(1, 4)):
        for item in training.day_view(plan, kit.ladders, on + timedelta(days=offset)).items:
            if offset == 0 or item.exercise not in found:
                found[item.exercise] = (*found.get(item.exercise, ()), item) \
                    if offset == 0 else (item,)
    return found


def week_items(plan: training.Plan, kit: CoachKit,
               on: date) -> dict[str, tuple[training.DayItem, ...]]:
    """Every item of the week around ``on`` by exercise, one per slot."""
    found: dict[str, dict[str, training.DayItem]] = {}
    for offset in range(-3, 4):
        for item in training.day_view(plan, kit.ladders, on + timedelta(days=offset)).items:
            found.setdefault(item.exercise, {}).setdefault(item.slot, item)
    return {exercise: tuple(by_slot.values()) for exercise, by_slot in found.items()}


def outcomes_for(rows: Sequence[Sequence[object]], items: Mapping[str, Sequence[training.DayItem]],
                 week: Mapping[str, Sequence[training.DayItem]] | None = None
                 ) -> tuple[training.SlotOutcome, ...]:
    """Report rows (exercise, outcome, side, severity, ...) as one outcome per slot. A move
    that hurt acts on every slot that has it this week (the safer reading: it is not loaded
    again in another session the next day). A move no slot has this week (it left the plan)
    keeps its outcome with no slot: the training model still counts its pain for safety."""
    out: list[training.SlotOutcome] = []
    for row in rows:
        # Easy and sore sessions are clean, an unfinished one is hard (feedback_words).
        exercise, outcome = str(row[0]), TRAINING_OUTCOME.get(str(row[1]), str(row[1]))
        side = str(row[2]) if len(row) > 2 and row[2] else "both"
        severity = str(row[3]) if len(row) > 3 and row[3] else None
        carriers = _carriers(exercise, items, week if outcome == "pain" else None)
        if not carriers:
            out.append(training.SlotOutcome(training.OFF_PLAN, outcome, side, severity,
                                            exercise))
        for item in carriers:
            out += [training.SlotOutcome(slot, outcome, side, severity,
                                         exercise if slot == item.slot else None)
                    for slot in item.slot_ids()]
    return tuple(out)


def _carriers(exercise: str, items: Mapping[str, Sequence[training.DayItem]],
              week: Mapping[str, Sequence[training.DayItem]] | None
              ) -> list[training.DayItem]:
    carriers = list(items.get(exercise, ()))
    seen = {c.slot for c in carriers}
    return carriers + [i for i in (week or {}).get(exercise, ()) if i.slot not in seen]


def change_replies(changes: Sequence[training.Change], kit: CoachKit,
                   turn: int) -> tuple[Reply, ...]:
    """Each change in its own message with its own Undo (the change id rides on the button)."""
    names = {e.id: e.name for e in kit.catalog.exercises.values()}
    # Progress is told in turn in one of several phrasings: the runner's count of
    # progressions so far picks it, so two in a row never read the same.
    before = stored_plan(kit)
    told = sum(1 for c in before.changes if c.kind == "progress") if before else 0
    replies = []
    for change in changes:
        reply = training.change_reply(change, kit.ladders, names)
        if change.kind == "progress":
            reply = replace(reply, params={**reply.params, "variant": told % PHRASINGS})
            told += 1
        if change.undoable:
            reply = replace(reply, buttons=((button("feedback.undo", Choice(
                turn, Feature.REPORT, "undo", str(change.id))),),))
        replies.append(reply)
    return tuple(replies)


def sessions_so_far(kit: CoachKit) -> int:
    """The local days with a counted session in the stored plan: picks the session-end
    wording, one further along each session."""
    plan = stored_plan(kit)
    return len({c.on for c in plan.log}) if plan else 0


def clearance(answers: Mapping[str, object], kit: CoachKit,
              on: date) -> tuple[SavePlan, tuple[Reply, ...]] | None:
    """A clinician's clearance, confirmed: the plan leaves the red-flag path and the
    self-tests come next. None when there is nothing to clear."""
    step = training.clear(plan_of(answers, kit, on), on)
    if not step.changes:
        return None
    return save("cleared", step.plan, kit, on), change_replies(step.changes, kit, 0)
