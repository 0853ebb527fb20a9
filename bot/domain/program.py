"""Screening answers + progress -> a week of sessions. Pure: no I/O, no clock, stdlib only.

Every item says *why* it is there as a reason key plus parameters (never prose); the words
live in content/ templates. Reason keys used:

- ``red_flag_gentle``: a red flag was reported; gentle mobility only (params: flags)
- ``soft_tissue``: soft-tissue work before mobility
- ``mobility_first`` (side): the thigh-to-ribcage test failed or hurt on that side
- ``side_door`` (side, door): rotation or abduction mobility for a stubborn flexion limit
- ``activation`` (motion, weak): pre-run activation; ``weak`` 1 when it is a priority area
- ``pre_run_drill``: injury-prevention drill before the run
- ``volume_session`` (motion) / ``circuit_session`` (move): a strength-day block
- ``flexion_step`` (step): the current stage of the flexion progression
- ``hip_loading``: standing hip loading to finish a volume session
- ``stride_speed``: stride-frequency strength because the goal is speed
- ``hill_sprints`` / ``backwards_running``: weekly mid-run work for speed
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace

from bot.domain.catalog import MOTIONS, Catalog, Dose, Exercise
from bot.domain.parsing import WEEKDAYS
from bot.domain.week import (
    DayPlan,
    PlanItem,
    Profile,
    Progress,
    WeekPlan,
    Why,
    strength_days,
)

SIDES = ("left", "right")
FAILING_RESULTS = frozenset({"fail", "hurt"})
GOAL_FOCUS: Mapping[str, tuple[str, ...]] = {
    # Stride frequency leans on glutes (extension) and iliopsoas (flexion).
    "speed": ("extension", "flexion"),
    # Hips keep knees aligned: abduction and external rotation first.
    "injury": ("abduction", "external_rotation"),
    "endurance": ("abduction", "extension"),
    "comeback": ("extension", "abduction"),
}
SESSIONS = ("volume", "circuit")
PRE_RUN_ORDER = ("mobility", "activation", "drills")

# Every key a plan can carry, so content checks can insist each has words.
DAY_TITLES = frozenset({"plan.day.rest", "plan.day.gentle", "plan.day.volume",
                        "plan.day.circuit", "plan.day.run", "plan.day.run_gentle",
                        "plan.day.run_speed", "plan.day.run_volume", "plan.day.run_circuit"})
ITEM_REASONS = frozenset({"red_flag_gentle", "soft_tissue", "mobility_first", "side_door",
                          "activation", "pre_run_drill", "volume_session", "circuit_session",
                          "flexion_step", "hip_loading", "stride_speed", "hill_sprints",
                          "backwards_running"})
NOTICES = frozenset({"red_flag", "flexion_locked", "strength_after_run", "test_hurt"})


# ---------------------------------------------------------------- the week


def build_week(profile: Profile, catalog: Catalog, progress: Progress | None = None) -> WeekPlan:
    progress = progress or Progress()
    if profile.red_flags and not progress.cleared:
        return _gentle_week(profile, catalog)
    return _Planner(profile, catalog, progress).week()


def _gentle_week(profile: Profile, catalog: Catalog) -> WeekPlan:
    why = Why("red_flag_gentle", {"flags": ",".join(profile.red_flags)})
    ids = (*catalog.block("hip_loading", "mobility").exercise_ids(),
           catalog.block("flexion", "mobility").exercise_ids()[0])
    items = tuple(PlanItem(i, catalog.exercise(i).dose, why, "gentle", "main",
                           without_equipment=_lacks(catalog.exercise(i), profile))
                  for i in ids)
    gentle_days = profile.run_days or ("mon", "thu")
    days = tuple(
        DayPlan(d, "run" if d in profile.run_days else "rest",
                "plan.day.run_gentle" if d in profile.run_days else "plan.day.gentle", items)
        if d in gentle_days else DayPlan(d, "rest", "plan.day.rest")
        for d in WEEKDAYS)
    return WeekPlan(days, (Why("red_flag", {"flags": why.params["flags"]}),))


class _Planner:
    """One week's decisions; each method answers one question."""

    def __init__(self, profile: Profile, catalog: Catalog, progress: Progress) -> None:
        self.profile = profile
        self.catalog = catalog
        self.progress = progress
        self.failing = tuple(s for s in SIDES if profile.thigh(s) in FAILING_RESULTS
                             and not progress.retest_passed(s))
        self.locked = frozenset(self._flexion_strength_ids()) if self.failing else frozenset()
        self.weak = self._weak_motions()

    def week(self) -> WeekPlan:
        strength = strength_days(self.profile.run_days)
        sessions = {day: SESSIONS[(i + self.progress.week) % 2] for i, day in enumerate(strength)}
        hills, backwards = self._speed_days()
        activation = _Rotation(self._motion_order())
        drills = _Rotation(self.catalog.block("stride", "pre_run").exercise_ids())
        days = []
        for day in WEEKDAYS:
            run = day in self.profile.run_days
            items: list[PlanItem] = []
            if run:
                items += self._pre_run(activation, drills)
                items += self._mid_run(day == hills, day == backwards)
            session = sessions.get(day)
            if session:
                items += self._strength(session, "after" if run else "main")
            days.append(DayPlan(day, _kind(run, session), _title(run, session, items),
                                tuple(items), session))
        return WeekPlan(tuple(days), self._notices(strength), self._step(), self.failing)

    # ---- who this runner is

    def _weak_motions(self) -> tuple[str, ...]:
        weak = list(GOAL_FOCUS.get(self.profile.goal, ()))
        if self.profile.knee_lift == "fail":
            weak = ["flexion", "abduction", *weak]
        return tuple(dict.fromkeys(weak))

    def _motion_order(self) -> tuple[str, ...]:
        order = list(dict.fromkeys([*self.weak, *MOTIONS]))
        if self.failing:
            order.remove("flexion")  # flexion is covered by mobility until a re-test passes
        return tuple(order)

    def _step(self) -> int | None:
        if self.failing:
            return None
        if self.progress.flexion_step is not None:
            return self.progress.flexion_step
        rules = self.catalog.rules("flexion", "steps")
        passed = self.profile.knee_lift == "pass"
        return rules["placement_pass"] if passed else rules["placement_fail"]

    def _flexion_strength_ids(self) -> Iterable[str]:
        yield from self.catalog.block("flexion", "steps").exercise_ids()
        for protocol, block in (("six_motions", "volume"), ("circuit", "circuit")):
            for exercise_id in self.catalog.block(protocol, block).exercise_ids():
                if self.catalog.exercise(exercise_id).motions[:1] == ("flexion",):
                    yield exercise_id

    def _test_hurt(self) -> bool:
        return any(self.profile.thigh(side) == "hurt" for side in self.failing)

    def _notices(self, strength: Sequence[str]) -> tuple[Why, ...]:
        notices = []
        if self._test_hurt():
            notices.append(Why("test_hurt", {"sides": ",".join(
                s for s in self.failing if self.profile.thigh(s) == "hurt")}))
        if self.failing:
            notices.append(Why("flexion_locked", {"sides": ",".join(self.failing)}))
        after_run = [d for d in strength if d in self.profile.run_days]
        if after_run:
            notices.append(Why("strength_after_run", {"days": ",".join(after_run)}))
        return tuple(notices)

    # ---- before, during and after a run

    def _pre_run(self, activation: _Rotation, drills: _Rotation) -> list[PlanItem]:
        budget = self.profile.minutes * 60
        chosen: list[PlanItem] = []
        cap = self.catalog.rules("six_motions", "activation")["exercises_max"]
        act_ids = activation.peek(min(len(activation.items), cap))
        drill_ids = drills.peek(len(drills.items))
        candidates = self._pre_run_candidates(act_ids, drill_ids)
        for item in candidates:
            cost = item.dose.total_seconds()
            first_activation = item.block == "activation" and not any(
                c.block == "activation" for c in chosen)
            if cost <= budget or first_activation:
                chosen.append(item)
                budget -= cost
        activation.advance(sum(1 for c in chosen if c.block == "activation"))
        drills.advance(sum(1 for c in chosen if c.block == "drills"))
        chosen.sort(key=lambda item: PRE_RUN_ORDER.index(item.block))
        if len(chosen) < len(candidates):
            return chosen
        return _more_sets(chosen, budget, self.catalog.rules("six_motions", "activation"))

    def _pre_run_candidates(self, motions: Sequence[str],
                            drill_ids: Sequence[str]) -> list[PlanItem]:
        mobility = self._mobility("before")
        first = [i for i in mobility if i.exercise == self._knee_hug()]
        doors = [i for i in mobility if i.why.key == "side_door"]
        acts = [self._activation(m) for m in motions]
        drills = [self._drill(d) for d in drill_ids]
        return first + _interleave(acts, drills, doors)

    def _activation(self, motion: str) -> PlanItem:
        rules = self.catalog.rules("six_motions", "activation")
        exercise = self._for_motion("activation", motion)
        dose = Dose(rules["sets_min"], (rules["reps_min"], rules["reps_max"]),
                    per_side=exercise.dose.per_side)
        why = Why("activation", {"motion": motion, "weak": int(motion in self.weak)})
        return self._item(exercise.id, dose, why, "activation", "before")

    def _drill(self, exercise_id: str) -> PlanItem:
        dose = self.catalog.dose_in("stride", "pre_run", exercise_id)
        return self._item(exercise_id, dose, Why("pre_run_drill"), "drills", "before")

    def _mid_run(self, hills: bool, backwards: bool) -> list[PlanItem]:
        items = []
        if hills:
            r = self.catalog.rules("stride", "hills")
            dose = Dose(1, (r["reps_start_min"], r["reps_start_max"]),
                        duration_seconds=(r["sprint_seconds_min"], r["sprint_seconds_max"]),
                        rest_seconds=r["rest_seconds"])
            items.append(self._item(self._only("hills"), dose, Why("hill_sprints"), "hills",
                                    "during"))
        if backwards:
            r = self.catalog.rules("stride", "backwards")
            dose = Dose(1, (r["reps_min"], r["reps_max"]), distance_m=r["distance_m"])
            items.append(self._item(self._only("backwards"), dose, Why("backwards_running"),
                                    "backwards", "during"))
        return items

    def _speed_days(self) -> tuple[str | None, str | None]:
        runs = self.profile.run_days
        if self.profile.goal != "speed" or not runs:
            return None, None
        return runs[0], runs[len(runs) // 2] if len(runs) > 1 else runs[0]

    # ---- strength days

    def _strength(self, session: str, phase: str) -> list[PlanItem]:
        items = self._mobility(phase)
        items += self._volume(phase) if session == "volume" else self._circuit(phase)
        step = self._step()
        if step is not None:
            items.append(self._flexion(step, phase))
        if session == "volume":
            loading = self.catalog.block("hip_loading", "loading").exercise_ids()
            items += [self._item(i, self.catalog.exercise(i).dose, Why("hip_loading"),
                                 "loading", phase) for i in loading]
        if self.profile.goal == "speed":
            items += self._stride(phase)
        return items

    def _volume(self, phase: str) -> list[PlanItem]:
        rules = self.catalog.rules("six_motions", "volume")
        items = []
        for exercise_id in self._unlocked(self.catalog.block("six_motions", "volume")
                                          .exercise_ids()):
            exercise = self.catalog.exercise(exercise_id)
            dose = Dose(rules["sets_min"], (rules["reps_min"], rules["reps_max"]),
                        per_side=exercise.dose.per_side)
            why = Why("volume_session", {"motion": exercise.motions[0]})
            items.append(self._item(exercise_id, dose, why, "volume", phase))
        return items

    def _circuit(self, phase: str) -> list[PlanItem]:
        rules = self.catalog.rules("circuit", "circuit")
        items = []
        ids = self._unlocked(self.catalog.block("circuit", "circuit").exercise_ids())
        for move, exercise_id in enumerate(ids, start=1):
            one_sided = self.catalog.exercise(exercise_id).one_sided
            seconds = rules["side_seconds"] if one_sided else rules["move_seconds"]
            dose = Dose(rules["rounds_min"], duration_seconds=(seconds, seconds),
                        rest_seconds=rules["rest_seconds"], per_side=one_sided)
            items.append(self._item(exercise_id, dose, Why("circuit_session", {"move": move}),
                                    "circuit", phase))
        return items

    def _stride(self, phase: str) -> list[PlanItem]:
        rules = self.catalog.rules("stride", "stride_strength")
        items = []
        for exercise_id in self.catalog.block("stride", "stride_strength").exercise_ids():
            exercise = self.catalog.exercise(exercise_id)
            reps = (rules["reps"], rules["reps"]) if exercise.dose.reps else None
            hold = None if reps else (rules["hold_seconds"], rules["hold_seconds"])
            dose = Dose(rules["sets"], reps, hold, per_side=exercise.dose.per_side)
            items.append(self._item(exercise_id, dose, Why("stride_speed"), "stride", phase))
        return items

    def _flexion(self, step: int, phase: str) -> PlanItem:
        block = self.catalog.block("flexion", "steps")
        item = next(i for i in block.items if i.step == min(step, len(block.items)))
        dose = item.dose or self.catalog.exercise(item.exercise).dose
        return self._item(item.exercise, dose, Why("flexion_step", {"step": item.step or step}),
                          "flexion", phase)

    def _mobility(self, phase: str) -> list[PlanItem]:
        """Soft tissue for both sides, then flexion mobility and side doors per failing side."""
        if not self.failing:
            return []
        side = self.failing[0] if len(self.failing) == 1 else "both"
        items = [self._item(i, self.catalog.exercise(i).dose, Why("soft_tissue"), "mobility",
                            phase) for i in self.catalog.block("hip_loading", "mobility")
                 .exercise_ids()]
        for index, exercise_id in enumerate(self.catalog.block("flexion", "mobility")
                                            .exercise_ids()):
            if index == 0 and self._test_hurt():
                continue  # the knee hug is the test's own movement, and that hurt
            exercise = self.catalog.exercise(exercise_id)
            why = (Why("mobility_first", {"side": side}) if index == 0 else
                   Why("side_door", {"side": side, "door": exercise.motions[0]}))
            items.append(self._item(exercise_id, exercise.dose, why, "mobility", phase, side))
        return items

    # ---- helpers

    def _item(self, exercise_id: str, dose: Dose, why: Why, block: str, phase: str,
              side: str = "both") -> PlanItem:
        chosen = _level(self.catalog, exercise_id, self.progress.levels.get(exercise_id, 0))
        if chosen.id in self.locked:
            chosen = self.catalog.exercise(exercise_id)
        if chosen.id != exercise_id:
            dose = chosen.dose
        return PlanItem(chosen.id, dose, why, block, phase, side, _lacks(chosen, self.profile),
                        exercise_id if chosen.id != exercise_id else None)

    def _for_motion(self, block: str, motion: str) -> Exercise:
        for exercise_id in self.catalog.block("six_motions", block).exercise_ids():
            exercise = self.catalog.exercise(exercise_id)
            if exercise.motions[:1] == (motion,):
                return exercise
        raise LookupError(f"six_motions.{block} has no exercise for {motion}")

    def _unlocked(self, ids: Iterable[str]) -> list[str]:
        return [i for i in ids if i not in self.locked]

    def _knee_hug(self) -> str:
        return self.catalog.block("flexion", "mobility").exercise_ids()[0]

    def _only(self, block: str) -> str:
        return self.catalog.block("stride", block).exercise_ids()[0]


class _Rotation:
    """Walks a list round and round across the week so every entry gets its turn."""

    def __init__(self, items: Sequence[str]) -> None:
        self.items = tuple(items)
        self.start = 0

    def peek(self, count: int) -> tuple[str, ...]:
        n = len(self.items)
        return tuple(self.items[(self.start + i) % n] for i in range(min(count, n)))

    def advance(self, count: int) -> None:
        self.start = (self.start + count) % max(len(self.items), 1)


def _interleave(first: Sequence[PlanItem], second: Sequence[PlanItem],
                third: Sequence[PlanItem]) -> list[PlanItem]:
    out: list[PlanItem] = []
    for i in range(max(len(first), len(second), len(third))):
        out += [seq[i] for seq in (first, second, third) if i < len(seq)]
    return out


def _more_sets(chosen: list[PlanItem], budget: int, rules: Mapping[str, int]) -> list[PlanItem]:
    """With every candidate in and time to spare, give activation its second set."""
    out = []
    for item in chosen:
        extra = (rules["sets_max"] - item.dose.sets) * item.dose.seconds_per_set()
        if item.block == "activation" and item.replaces is None and 0 < extra <= budget:
            budget -= extra
            item = replace(item, dose=replace(item.dose, sets=rules["sets_max"]))
        out.append(item)
    return out


def _level(catalog: Catalog, exercise_id: str, offset: int) -> Exercise:
    exercise = catalog.exercise(exercise_id)
    for _ in range(abs(offset)):
        target = exercise.harder if offset > 0 else exercise.easier
        if target is None:
            break
        exercise = catalog.exercise(target)
    return exercise


def _lacks(exercise: Exercise, profile: Profile) -> bool:
    owned = set(profile.equipment) | ({"roller"} if "gym" in profile.equipment else set())
    return any(item not in owned for item in exercise.equipment)


def _kind(run: bool, session: str | None) -> str:
    return "run" if run else ("strength" if session else "rest")


def _title(run: bool, session: str | None, items: Sequence[PlanItem]) -> str:
    if not run:
        return f"plan.day.{session}" if session else "plan.day.rest"
    if session:
        return f"plan.day.run_{session}"
    speed = any(i.phase == "during" for i in items)
    return "plan.day.run_speed" if speed else "plan.day.run"
