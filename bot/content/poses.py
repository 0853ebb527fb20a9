"""Loads content/poses/<exercise_id>.yaml: the keyframes of each exercise's moving figure.

A keyframe lists only what changes; everything else (placement, joints, contacts) carries
over from the keyframe before. Errors name the file and the field, e.g.
``content/poses/squats.yaml: keyframes[1].joints.left_knee[0]: 170 is outside 0..160``, and
the geometric checks (contacts, the floor, the picture) name the keyframe and the point.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from bot.content.exercises import _describe, cached_catalog
from bot.content.library import ContentError
from bot.domain.catalog import Catalog
from bot.figures.checks import pose_problems
from bot.figures.kinematics import POINTS
from bot.figures.model import (
    JOINT_RANGES,
    JOINTS,
    LIMBS,
    Camera,
    Keyframe,
    PoseSpec,
    Prop,
    PropKind,
    View,
    joint_kind,
)

if TYPE_CHECKING:
    from bot.figures.store import FigureStore

Triple = tuple[float, float, float]
Point = Annotated[str, Field(description="a body point")]
MIN_MOVE_SECONDS = 0.25


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def _known_point(name: str) -> str:
    if name not in POINTS:
        raise ValueError(f"no body point '{name}' (try one of {', '.join(POINTS)})")
    return name


class PropModel(_Strict):
    kind: PropKind
    at: Triple = (0.0, 0.0, 0.0)
    size: Triple = (0.0, 0.0, 0.0)
    ends: tuple[str, str] | None = None
    to: Triple | None = None

    @model_validator(mode="after")
    def _shape(self) -> PropModel:
        if self.kind == "band":
            if self.ends is None:
                raise ValueError("a band needs ends: two body points, or one and 'anchor'")
            for end in self.ends:
                if end != "anchor":
                    _known_point(end)
            if "anchor" in self.ends and self.to is None:
                raise ValueError("a band tied to 'anchor' needs to: [x, y, z]")
        elif self.kind == "arrow":
            if self.to is None:
                raise ValueError("an arrow needs to: [x, y, z]")
        elif min(self.size) <= 0:
            raise ValueError(f"a {self.kind} needs a size with three positive extents")
        return self


class KeyframeModel(_Strict):
    at: Triple | None = None
    turn: Triple | None = None
    hold: float = Field(default=0.2, ge=0, le=2)
    contacts: list[str] | None = None
    joints: dict[str, list[float]] = Field(default_factory=dict)

    @field_validator("contacts")
    @classmethod
    def _contacts(cls, value: list[str] | None) -> list[str] | None:
        for name in value or []:
            _known_point(name)
        return value

    @field_validator("joints")
    @classmethod
    def _joints(cls, value: dict[str, list[float]]) -> dict[str, list[float]]:
        for joint, angles in value.items():
            if joint not in JOINTS:
                raise ValueError(f"no joint '{joint}' (try one of {', '.join(JOINTS)})")
            ranges = JOINT_RANGES[joint_kind(joint)]
            if not 1 <= len(angles) <= len(ranges):
                raise ValueError(f"{joint}: give 1 to {len(ranges)} angles")
            for index, (angle, (low, high)) in enumerate(zip(angles, ranges, strict=False)):
                if not low <= angle <= high:
                    raise ValueError(f"{joint}[{index}]: {angle:g} is outside {low:g}..{high:g}")
        return value


class PoseFile(_Strict):
    exercise: str
    view: View
    turn: float = Field(default=0.0, ge=-90, le=90)
    tilt: float = Field(default=0.0, ge=0, le=60)
    zoom: float = Field(default=1.0, ge=1, le=2)
    centre: tuple[float, float] | None = None
    seconds: float = Field(ge=2, le=4)
    slope: float = Field(default=0.0, ge=-20, le=20)
    anchor: str | None = None
    working: list[Literal["left_leg", "right_leg", "left_arm", "right_arm", "trunk"]] = \
        Field(min_length=1)
    moving: str
    trace: str | None = None
    still: int = Field(default=1, ge=0)
    props: list[PropModel] = Field(default_factory=list)
    keyframes: list[KeyframeModel] = Field(min_length=2, max_length=4)

    @field_validator("anchor", "moving", "trace")
    @classmethod
    def _points(cls, value: str | None) -> str | None:
        return None if value is None else _known_point(value)

    @model_validator(mode="after")
    def _timing(self) -> PoseFile:
        if self.still >= len(self.keyframes):
            raise ValueError(f"still: no keyframe {self.still} (there are "
                             f"{len(self.keyframes)})")
        first = self.keyframes[0]
        if first.at is None or first.turn is None or first.contacts is None:
            raise ValueError("keyframes[0] needs at, turn and contacts (later ones inherit)")
        moving = (self.seconds - sum(k.hold for k in self.keyframes)) / len(self.keyframes)
        if moving < MIN_MOVE_SECONDS:
            raise ValueError("the holds leave too little time to move between keyframes")
        return self

    def to_spec(self) -> PoseSpec:
        return PoseSpec(
            exercise_id=self.exercise,
            camera=Camera(self.view, self.turn, self.tilt, self.zoom, self.centre),
            seconds=self.seconds, keyframes=_keyframes(self.keyframes), anchor=self.anchor,
            working=tuple(self.working), moving=self.moving, trace=self.trace,
            still=self.still, slope=self.slope,
            props=tuple(Prop(p.kind, p.at, p.size, p.ends, p.to) for p in self.props))


def _keyframes(models: list[KeyframeModel]) -> tuple[Keyframe, ...]:
    frames: list[Keyframe] = []
    for model in models:
        before = frames[-1] if frames else None
        joints = dict(before.joints) if before else {}
        joints.update({j: tuple(float(a) for a in v) for j, v in model.joints.items()})
        at = model.at or (before.at if before else (0.0, 0.0, 0.0))
        turn = model.turn or (before.turn if before else (0.0, 0.0, 0.0))
        contacts = tuple(model.contacts) if model.contacts is not None else \
            (before.contacts if before else ())
        frames.append(Keyframe(at, turn, joints, contacts, model.hold))
    return tuple(frames)


@functools.cache
def cached_poses(content_root: Path) -> Mapping[str, PoseSpec]:
    """The poses of a content folder, loaded and validated once per process."""
    return load_poses(content_root)


def load_poses(content_root: Path) -> dict[str, PoseSpec]:
    """Every pose file, validated field by field (cheap enough for every start-up)."""
    specs: dict[str, PoseSpec] = {}
    for path in sorted((content_root / "poses").glob("*.yaml")):
        spec = _read(path).to_spec()
        if spec.exercise_id != path.stem:
            raise ContentError(f"{path}: exercise: '{spec.exercise_id}' does not match the "
                               f"file name '{path.stem}'")
        specs[spec.exercise_id] = spec
    return specs


def _read(path: Path) -> PoseFile:
    # A safe loader, in C when PyYAML has it: 34 files are read on every start-up.
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=loader)
    except (OSError, yaml.YAMLError) as exc:
        raise ContentError(f"{path}: {exc}") from None
    try:
        return PoseFile.model_validate(raw)
    except ValidationError as exc:
        raise ContentError(f"{path}: {_describe(exc, raw)}") from None


def check_pose_geometry(poses: Mapping[str, PoseSpec], folder: Path) -> None:
    """Every drawn frame of every figure: in the picture, on its floor, in one piece.

    Run by ``hipcoach content check`` (and CI) rather than at each start-up: a pose that
    fails still draws, it only draws wrong, and checking every frame takes a moment."""
    for exercise_id, spec in sorted(poses.items()):
        problems = pose_problems(spec)
        if problems:
            more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
            raise ContentError(f"{folder / exercise_id}.yaml: {problems[0]}{more}")


def check_poses(poses: Mapping[str, PoseSpec], catalog: Catalog, folder: Path) -> None:
    """Every exercise has a figure and every figure belongs to an exercise."""
    missing = sorted(set(catalog.exercises) - set(poses))
    if missing:
        raise ContentError(f"{folder}: no figure for {', '.join(missing)} (add "
                           f"{missing[0]}.yaml)")
    stray = sorted(set(poses) - set(catalog.exercises))
    if stray:
        raise ContentError(f"{folder / stray[0]}.yaml: exercise: no exercise '{stray[0]}'")


def figure_store_for(content_root: Path, cache_dir: Path) -> FigureStore:
    """The figure store for a checked content folder (poses and exercises loaded once). It lives
    here, not in bot/figures, because figures know poses and drawing, never content files."""
    from bot.figures.store import FigureStore  # drawing libraries load only when figures are used

    catalog = cached_catalog(content_root)
    return FigureStore(cached_poses(content_root), cache_dir,
                       {e.id for e in catalog.exercises.values() if e.one_sided})


__all__ = [
    "LIMBS",
    "Point",
    "PoseFile",
    "cached_poses",
    "check_pose_geometry",
    "check_poses",
    "figure_store_for",
    "load_poses",
]
