"""Loads content/exercises/*.yaml and content/protocols/*.yaml into a validated Catalog.

Every problem raises ContentError naming the file and the field, e.g.
``content/exercises/circuit.yaml: exercises[2].easier: no exercise 'hip_carz'``.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Annotated, Literal, TypeVar

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)

from bot.content.library import ContentError
from bot.domain.catalog import (
    REQUIRED_RULES,
    Block,
    Catalog,
    Dose,
    Exercise,
    Protocol,
    ProtocolItem,
    normalise_name,
)

M = TypeVar("M", bound=BaseModel)
Motion = Literal["flexion", "extension", "abduction", "adduction", "internal_rotation",
                 "external_rotation"]
Equipment = Literal["band", "block", "step", "gym", "roller"]
Source = Literal["000", "001", "002", "003", "004"]
Id = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=40)]
Line = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=300)]


def _as_range(value: object) -> object:
    return [value, value] if isinstance(value, int) and not isinstance(value, bool) else value


def _ordered(value: tuple[int, int]) -> tuple[int, int]:
    if value[0] > value[1]:
        raise ValueError(f"minimum {value[0]} is above maximum {value[1]}")
    return value


Range = Annotated[tuple[Annotated[int, Field(ge=1, le=600)], Annotated[int, Field(ge=1, le=600)]],
                  BeforeValidator(_as_range), AfterValidator(_ordered)]


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", strict=False)


class DoseModel(_Strict):
    sets: int = Field(ge=1, le=10)
    reps: Range | None = None
    hold_seconds: Range | None = None
    duration_seconds: Range | None = None
    distance_m: int | None = Field(default=None, ge=1, le=1000)
    rest_seconds: int | None = Field(default=None, ge=0, le=600)
    per_side: bool = False

    @model_validator(mode="after")
    def _one_measure(self) -> DoseModel:
        if not (self.reps or self.hold_seconds or self.duration_seconds or self.distance_m):
            raise ValueError("needs reps, hold_seconds, duration_seconds or distance_m")
        if self.hold_seconds and self.duration_seconds:
            raise ValueError("give hold_seconds or duration_seconds, not both")
        if self.distance_m and not self.reps:
            raise ValueError("distance_m needs reps (how many times)")
        return self

    def to_domain(self) -> Dose:
        return Dose(self.sets, self.reps, self.hold_seconds, self.duration_seconds,
                    self.distance_m, self.rest_seconds, self.per_side)


def _two_to_four_sentences(text: str) -> str:
    count = len(re.findall(r"[.!?](\s|$)", text))
    if not 2 <= count <= 4:
        raise ValueError(f"write 2-4 short sentences, found {count}")
    return text


class ExerciseModel(_Strict):
    id: Id
    name: Line
    aliases: list[Line] = Field(min_length=1, max_length=6)
    motions: list[Motion]
    muscles: list[Line] = Field(min_length=1)
    equipment: list[Equipment]
    without_equipment: Line | None
    one_sided: bool
    dose: DoseModel
    cues: list[Line] = Field(min_length=2, max_length=4)
    mistake: Line
    easier: Id | None
    harder: Id | None
    source: Source
    how_to: Annotated[str, StringConstraints(strip_whitespace=True, min_length=20,
                                             max_length=500),
                      AfterValidator(_two_to_four_sentences)]

    @model_validator(mode="after")
    def _without_when_needed(self) -> ExerciseModel:
        if self.equipment and not self.without_equipment:
            raise ValueError("without_equipment: needed when equipment is listed")
        if not self.equipment and self.without_equipment:
            raise ValueError("without_equipment: must be null when no equipment is listed")
        return self

    def to_domain(self) -> Exercise:
        return Exercise(self.id, self.name, tuple(self.aliases), tuple(self.motions),
                        tuple(self.muscles), tuple(self.equipment), self.without_equipment,
                        self.one_sided, self.dose.to_domain(), tuple(self.cues), self.mistake,
                        self.easier, self.harder, self.source, self.how_to)


class ExerciseFile(_Strict):
    exercises: list[ExerciseModel] = Field(min_length=1)


class ItemModel(_Strict):
    exercise: Id
    dose: DoseModel | None = None
    step: int | None = Field(default=None, ge=1, le=10)


class BlockModel(_Strict):
    rules: dict[Id, Annotated[int, Field(ge=0, le=1000)]] = Field(default_factory=dict)
    items: list[ItemModel] = Field(min_length=1)


class ProtocolFile(_Strict):
    id: Id
    name: Line
    source: Source
    blocks: dict[Id, BlockModel] = Field(min_length=1)


@functools.cache
def cached_catalog(content_root: Path) -> Catalog:
    """The catalog for a content folder, loaded and validated once per process."""
    return load_catalog(content_root)


def load_catalog(content_root: Path) -> Catalog:
    """Read, validate and cross-check every exercise and protocol file under content_root."""
    exercises: dict[str, tuple[Path, int, Exercise]] = {}
    for path in _yaml_files(content_root / "exercises"):
        parsed = _parse(path, ExerciseFile)
        for index, model in enumerate(parsed.exercises):
            _add_exercise(exercises, path, index, model.to_domain())
    _check_names(exercises)
    _check_neighbours(exercises)
    by_id = {key: exercise for key, (_, _, exercise) in exercises.items()}
    protocols = _load_protocols(content_root / "protocols", by_id)
    return Catalog(by_id, protocols)


def _yaml_files(folder: Path) -> list[Path]:
    files = sorted(folder.glob("*.yaml"))
    if not files:
        raise ContentError(f"{folder}: no .yaml files")
    return files


def _parse(path: Path, model: type[M]) -> M:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ContentError(f"{path}: {exc}") from None
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise ContentError(f"{path}: {_describe(exc, raw)}") from None


def _describe(exc: ValidationError, raw: object) -> str:
    error = exc.errors()[0]
    where = _field_path(error["loc"])
    named = _exercise_named(raw, error["loc"])
    return f"{where}{named}: {error['msg']}"


def _field_path(loc: Iterable[int | str]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text or "(top level)"


def _exercise_named(raw: object, loc: tuple[int | str, ...]) -> str:
    if len(loc) >= 2 and loc[0] == "exercises" and isinstance(loc[1], int):
        items = raw.get("exercises") if isinstance(raw, dict) else None
        if isinstance(items, list) and loc[1] < len(items) and isinstance(items[loc[1]], dict):
            return f" (id {items[loc[1]].get('id')!r})"
    return ""


def _add_exercise(found: dict[str, tuple[Path, int, Exercise]], path: Path, index: int,
                  exercise: Exercise) -> None:
    if exercise.id in found:
        first = found[exercise.id][0]
        raise ContentError(f"{path}: exercises[{index}].id: '{exercise.id}' is already "
                           f"defined in {first}")
    found[exercise.id] = (path, index, exercise)


def _check_names(exercises: Mapping[str, tuple[Path, int, Exercise]]) -> None:
    seen: dict[str, str] = {}
    for path, index, exercise in exercises.values():
        for field, name in [("name", exercise.name), ("id", exercise.id),
                            *(("aliases", alias) for alias in exercise.aliases)]:
            key = normalise_name(name)
            owner = seen.setdefault(key, exercise.id)
            if owner != exercise.id:
                raise ContentError(f"{path}: exercises[{index}].{field}: '{name}' is already "
                                   f"used by '{owner}'")


def _check_neighbours(exercises: Mapping[str, tuple[Path, int, Exercise]]) -> None:
    for path, index, exercise in exercises.values():
        for field, target in (("easier", exercise.easier), ("harder", exercise.harder)):
            if target is not None and target not in exercises:
                raise ContentError(f"{path}: exercises[{index}].{field}: no exercise "
                                   f"'{target}'")
            if target == exercise.id:
                raise ContentError(f"{path}: exercises[{index}].{field}: points to itself")


def _load_protocols(folder: Path, exercises: Mapping[str, Exercise]) -> dict[str, Protocol]:
    protocols: dict[str, tuple[Path, Protocol]] = {}
    for path in _yaml_files(folder):
        parsed = _parse(path, ProtocolFile)
        if parsed.id in protocols:
            raise ContentError(f"{path}: id: protocol '{parsed.id}' is already defined in "
                               f"{protocols[parsed.id][0]}")
        blocks = {name: _block(path, name, block, exercises)
                  for name, block in parsed.blocks.items()}
        protocols[parsed.id] = (path, Protocol(parsed.id, parsed.name, parsed.source, blocks))
    _check_required(folder, {key: protocol for key, (_, protocol) in protocols.items()},
                    {key: path for key, (path, _) in protocols.items()})
    return {key: protocol for key, (_, protocol) in protocols.items()}


def _block(path: Path, name: str, block: BlockModel,
           exercises: Mapping[str, Exercise]) -> Block:
    for index, item in enumerate(block.items):
        if item.exercise not in exercises:
            raise ContentError(f"{path}: blocks.{name}.items[{index}].exercise: no exercise "
                               f"'{item.exercise}'")
    items = tuple(ProtocolItem(i.exercise, i.dose.to_domain() if i.dose else None, i.step)
                  for i in block.items)
    return Block(items, dict(block.rules))


def _check_required(folder: Path, protocols: Mapping[str, Protocol],
                    paths: Mapping[str, Path]) -> None:
    for (protocol_id, block_name), keys in REQUIRED_RULES.items():
        protocol = protocols.get(protocol_id)
        if protocol is None:
            raise ContentError(f"{folder}: id: no protocol '{protocol_id}'")
        block = protocol.blocks.get(block_name)
        if block is None:
            raise ContentError(f"{paths[protocol_id]}: blocks.{block_name}: missing")
        missing = sorted(keys - set(block.rules))
        if missing:
            raise ContentError(f"{paths[protocol_id]}: blocks.{block_name}.rules: missing "
                               f"{', '.join(missing)}")
    _check_steps(paths["flexion"], protocols["flexion"].blocks["steps"])


def _check_steps(path: Path, block: Block) -> None:
    steps = [item.step for item in block.items]
    if steps != list(range(1, len(steps) + 1)):
        raise ContentError(f"{path}: blocks.steps.items: steps must be numbered 1, 2, 3... "
                           f"in order, found {steps}")
    for key in ("placement_pass", "placement_fail"):
        if not 1 <= block.rules[key] <= len(steps):
            raise ContentError(f"{path}: blocks.steps.rules.{key}: no step {block.rules[key]}")


__all__ = ["ContentError", "cached_catalog", "load_catalog"]
