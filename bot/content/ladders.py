"""Loads content/ladders/*.yaml into validated ladders for the training model.

A ladder never leaves its motion or its kind: every rung's exercise has the ladder's motion
as its first motion (unless the ladder is "mixed") and the ladder's kind, one exercise's rungs
sit together with the dose never going down, and no rung passes the ladder's caps. Every
problem raises ContentError naming the file and the field, e.g.
``content/ladders/six_motions.yaml: ladders[3].rungs[2].exercise: ...``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Literal

from pydantic import Field

from bot.content.exercises import Id, Range, _parse, _Strict, _yaml_files, cached_catalog
from bot.content.library import ContentError, ContentLibrary
from bot.domain.catalog import Catalog, Exercise
from bot.domain.training.build import REQUIRED_LADDERS
from bot.domain.training.ladders import Ladder, Rung
from bot.domain.training.messages import (
    CHANGE_TEMPLATE,
    REASONS,
    REFUSAL_TEMPLATE,
    REFUSALS,
    change_params,
)
from bot.domain.training.model import Change, Slot

Protocol = Literal["six_motions", "hip_loading", "circuit", "stride", "drills", "running",
                   "flexion", "mobility"]
Motion = Literal["flexion", "extension", "abduction", "adduction", "internal_rotation",
                 "external_rotation", "mixed"]
Kind = Literal["strength", "mobility", "drill", "running", "stretch"]
When = Literal["before_run", "strength", "during_run", "mobility"]
Role = Literal["activation", "volume", "volume_sets", "circuit", "loading", "stride", "drill",
               "hills", "backwards", "flexion_steps", "mobility"]
MOBILITY_BLOCKS = (("hip_loading", "mobility"), ("flexion", "mobility"))
RUNNING_BLOCKS = (("stride", "hills"), ("stride", "backwards"))
DRILL_BLOCK = ("stride", "pre_run")
BLOCK_ROLES = ("circuit", "stride", "activation")

class RungModel(_Strict):
    exercise: Id | None = None
    sets: int = Field(default=1, ge=1, le=10)
    reps: Range | None = None
    seconds: Range | None = None
    rounds: int | None = Field(default=None, ge=1, le=10)
    distance_m: int | None = Field(default=None, ge=1, le=1000)
    rest_seconds: int | None = Field(default=None, ge=0, le=600)
    step: int | None = Field(default=None, ge=1, le=10)


class CapModel(_Strict):
    sets: int | None = Field(default=None, ge=1)
    reps: int | None = Field(default=None, ge=1)
    rounds: int | None = Field(default=None, ge=1)
    step: int | None = Field(default=None, ge=1)


class LadderModel(_Strict):
    id: Id
    role: Role
    motion: Motion
    kind: Kind
    when: When
    start: int = Field(default=0, ge=0)
    cap: CapModel = CapModel()
    moves: list[Id] = Field(default_factory=list)
    move_seconds: int = Field(default=60, ge=1, le=600)
    side_seconds: int = Field(default=30, ge=1, le=600)
    rungs: list[RungModel] = Field(min_length=1, max_length=20)


class LadderFile(_Strict):
    protocol: Protocol
    ladders: list[LadderModel] = Field(min_length=1)


@functools.cache
def cached_ladders(content_root: Path) -> Mapping[str, Ladder]:
    """The ladders for a content folder, loaded and validated once per process."""
    return load_ladders(content_root, cached_catalog(content_root))


def load_ladders(content_root: Path, catalog: Catalog) -> dict[str, Ladder]:
    """Read, validate and cross-check every ladder file under content_root/ladders."""
    kinds = exercise_kinds(catalog)
    found: dict[str, tuple[Path, Ladder]] = {}
    for path in _yaml_files(content_root / "ladders"):
        parsed = _parse(path, LadderFile)
        for index, model in enumerate(parsed.ladders):
            where = f"{path}: ladders[{index}]"
            if model.id in found:
                raise ContentError(f"{where}.id: '{model.id}' is already defined in "
                                   f"{found[model.id][0]}")
            _check(where, model, catalog, kinds)
            found[model.id] = (path, _ladder(parsed.protocol, model, catalog))
    missing = sorted(REQUIRED_LADDERS - set(found))
    if missing:
        raise ContentError(f"{content_root / 'ladders'}: no ladder {', '.join(missing)}")
    return {key: ladder for key, (_, ladder) in found.items()}


def exercise_kinds(catalog: Catalog) -> dict[str, str]:
    """Each exercise's kind, from the protocol block that lists it."""
    kinds = dict.fromkeys(catalog.exercises, "strength")
    for blocks, kind in ((MOBILITY_BLOCKS, "mobility"), (RUNNING_BLOCKS, "running")):
        for protocol, block in blocks:
            kinds.update(dict.fromkeys(catalog.block(protocol, block).exercise_ids(), kind))
    for exercise_id in catalog.block(*DRILL_BLOCK).exercise_ids():
        dose = catalog.dose_in(*DRILL_BLOCK, exercise_id)
        kinds[exercise_id] = "drill" if dose.reps else "stretch"
    return kinds


def _check(where: str, model: LadderModel, catalog: Catalog, kinds: Mapping[str, str]) -> None:
    if model.start >= len(model.rungs):
        raise ContentError(f"{where}.start: no rung {model.start}")
    if model.role in BLOCK_ROLES:
        _check_block(where, model, catalog, kinds)
        return
    if model.role == "volume_sets":
        _check_set_count(where, model)
        return
    if model.moves:
        raise ContentError(f"{where}.moves: only a whole-block ladder (circuit, stride) has "
                           "moves")
    for index, rung in enumerate(model.rungs):
        _check_rung(f"{where}.rungs[{index}]", model, rung, catalog, kinds)
    _check_order(where, model.rungs)


def _check_rung(where: str, model: LadderModel, rung: RungModel, catalog: Catalog,
                kinds: Mapping[str, str]) -> None:
    if rung.exercise is None:
        raise ContentError(f"{where}.exercise: missing")
    exercise = catalog.exercises.get(rung.exercise)
    if exercise is None:
        raise ContentError(f"{where}.exercise: no exercise '{rung.exercise}'")
    if kinds[exercise.id] != model.kind:
        raise ContentError(f"{where}.exercise: '{exercise.id}' is {kinds[exercise.id]}, "
                           f"this ladder is {model.kind}")
    if model.motion != "mixed" and exercise.motions[:1] != (model.motion,):
        raise ContentError(f"{where}.exercise: '{exercise.id}' trains "
                           f"{exercise.motions[:1] or ('no single motion',)}[0], this ladder "
                           f"is {model.motion}")
    if not (rung.reps or rung.seconds):
        raise ContentError(f"{where}: needs reps or seconds")
    if model.role == "flexion_steps" and rung.step is None:
        raise ContentError(f"{where}.step: every flexion rung names its step")
    _check_cap(where, model, rung)


def _check_cap(where: str, model: LadderModel, rung: RungModel) -> None:
    cap = model.cap
    values = (("sets", rung.sets, cap.sets), ("reps", rung.reps[1] if rung.reps else None,
                                               cap.reps),
              ("rounds", rung.rounds, cap.rounds), ("step", rung.step, cap.step))
    for name, value, limit in values:
        if limit is not None and value is not None and value > limit:
            raise ContentError(f"{where}.{name}: {value} is above the cap of {limit}")


def _check_order(where: str, rungs: Sequence[RungModel]) -> None:
    seen: list[str | None] = []
    for index, rung in enumerate(rungs):
        if rung.exercise in seen and seen[-1] != rung.exercise:
            raise ContentError(f"{where}.rungs[{index}].exercise: '{rung.exercise}' comes "
                               "back after another exercise; keep its rungs together")
        if seen and seen[-1] == rung.exercise and _size(rung) < _size(rungs[index - 1]):
            raise ContentError(f"{where}.rungs[{index}]: the dose goes down inside one "
                               "exercise; order rungs from easy to hard")
        steps = [r.step or 0 for r in rungs[: index + 1]]
        if steps != sorted(steps):
            raise ContentError(f"{where}.rungs[{index}].step: steps go down")
        seen.append(rung.exercise)


def _size(rung: RungModel) -> tuple[int, int, int]:
    return (rung.sets, rung.reps[1] if rung.reps else 0, rung.seconds[1] if rung.seconds else 0)


def _check_block(where: str, model: LadderModel, catalog: Catalog,
                 kinds: Mapping[str, str]) -> None:
    if not model.moves:
        raise ContentError(f"{where}.moves: a whole-block ladder lists its moves")
    for index, move in enumerate(model.moves):
        if move not in catalog.exercises or kinds[move] != model.kind:
            raise ContentError(f"{where}.moves[{index}]: '{move}' is not a {model.kind} "
                               "exercise")
    sizes = []
    for index, rung in enumerate(model.rungs):
        if rung.exercise is not None:
            raise ContentError(f"{where}.rungs[{index}].exercise: a whole-block rung doses "
                               "every move; name the moves under 'moves'")
        if model.role == "circuit" and rung.rounds is None:
            raise ContentError(f"{where}.rungs[{index}].rounds: the circuit grows in rounds")
        _check_cap(f"{where}.rungs[{index}]", model, rung)
        sizes.append((rung.rounds or 0, rung.sets))
    if sizes != sorted(sizes):
        raise ContentError(f"{where}.rungs: the dose goes down; order rungs from easy to hard")


def _check_set_count(where: str, model: LadderModel) -> None:
    """The volume's set count: one dose for all six moves, so no exercise on a rung."""
    for index, rung in enumerate(model.rungs):
        if rung.exercise is not None or rung.reps is None:
            raise ContentError(f"{where}.rungs[{index}]: a set-count rung has reps and no "
                               "exercise")
        _check_cap(f"{where}.rungs[{index}]", model, rung)
    if [r.sets for r in model.rungs] != sorted(r.sets for r in model.rungs):
        raise ContentError(f"{where}.rungs: the dose goes down; order rungs from easy to hard")


def _ladder(protocol: str, model: LadderModel, catalog: Catalog) -> Ladder:
    rungs = tuple(_rung(r, catalog.exercises.get(r.exercise or "")) for r in model.rungs)
    moves = tuple(model.moves)
    def having(test: Callable[[Exercise], bool]) -> frozenset[str]:
        return frozenset(m for m in moves if test(catalog.exercise(m)))

    return Ladder(model.id, protocol, model.role, model.motion, model.kind, model.when, rungs,
                  model.start, moves, model.move_seconds, model.side_seconds,
                  having(lambda e: e.one_sided),
                  # End-range flexion, locked with the thigh test; stride moves are whole-leg
                  # patterns the program never locked.
                  having(lambda e: model.role != "stride" and e.motions[:1] == ("flexion",)),
                  having(lambda e: e.dose.reps is None),
                  having(lambda e: e.dose.per_side),
                  {m: catalog.exercise(m).motions[0] for m in moves
                   if catalog.exercise(m).motions})


def _rung(model: RungModel, exercise: Exercise | None) -> Rung:
    return Rung(model.exercise, model.sets, model.reps, model.seconds, model.rounds,
                model.distance_m, model.rest_seconds, model.step,
                exercise.dose.per_side if exercise else False,
                exercise.equipment if exercise else ())




def check_reason_texts(content: ContentLibrary, catalog: Catalog,
                       ladders: Mapping[str, Ladder]) -> None:
    """Every reason key a change or refusal can carry has words in the templates."""
    names = {e.id: e.name for e in catalog.exercises.values()}
    before = Slot("volume.extension", "six_motions", "volume", "extension", "strength",
                  "strength", "left", "volume_extension", 1)
    after = replace(before, rung=2)
    for reason in sorted(REASONS):
        change = Change(1, reason.split(".")[0], date(2027, 1, 4), before.id, reason,
                        {"exercise": "hip_cars", "side": "left", "step": 2}, before, after)
        _must_render(content, CHANGE_TEMPLATE, change_params(change, ladders, names), reason)
    for reason in sorted(REFUSALS):
        params: dict[str, object] = {"reason": reason, "params": {"from": "2027-02-01"}}
        _must_render(content, REFUSAL_TEMPLATE, params, reason)


def _must_render(content: ContentLibrary, template: str, params: dict[str, object],
                 reason: str) -> None:
    if not content.render_text(template, params):
        raise ContentError(f"{content.root / 'texts' / template}.j2: no words for reason "
                           f"'{reason}'")


__all__ = ["ContentError", "cached_ladders", "check_reason_texts", "exercise_kinds",
           "load_ladders"]
