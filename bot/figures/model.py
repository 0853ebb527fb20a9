"""A move as data: keyframes of joint angles for a simple articulated figure, the camera that
shows it best and the props it uses. Everything is authored for the left side; the right side
is drawn as the mirror image (see ``bot.figures.render``).

Angles are degrees. World axes: x forward (where a standing figure faces), y to the figure's
left, z up. Lengths are metres.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

View = Literal["side", "front", "top"]
PropKind = Literal["step", "block", "post", "roller", "band", "hurdle", "arrow"]

# Joints and how many angles each takes, with the range a body can reach (min, max) per angle.
# hip: flexion, abduction, internal rotation; shoulder: flexion, abduction; spine: flexion,
# side bend (to the figure's left), twist (to the left); knee, elbow: flexion; ankle:
# plantar flexion (toes down); neck: flexion (chin down).
JOINT_RANGES: dict[str, tuple[tuple[float, float], ...]] = {
    "spine": ((-40, 100), (-50, 50), (-60, 60)),
    "neck": ((-60, 70),),
    "hip": ((-45, 150), (-45, 95), (-70, 70)),
    "knee": ((0, 160),),
    "ankle": ((-45, 60),),
    "shoulder": ((-80, 200), (-45, 200)),
    "elbow": ((0, 160),),
}
SIDED = ("hip", "knee", "ankle", "shoulder", "elbow")
JOINTS: tuple[str, ...] = ("spine", "neck", *(f"{s}_{j}" for j in SIDED
                                              for s in ("left", "right")))
LIMBS = ("left_leg", "right_leg", "left_arm", "right_arm", "trunk")


def joint_kind(joint: str) -> str:
    return joint.split("_", 1)[1] if joint.startswith(("left_", "right_")) else joint


@dataclass(frozen=True)
class Keyframe:
    at: tuple[float, float, float]  # where the anchor point is (or the pelvis, with no anchor)
    turn: tuple[float, float, float]  # pelvis yaw, pitch (forward), roll (right side down)
    joints: dict[str, tuple[float, ...]]
    contacts: tuple[str, ...]
    hold: float  # seconds spent still at this keyframe


@dataclass(frozen=True)
class Prop:
    kind: PropKind
    at: tuple[float, float, float] = (0.0, 0.0, 0.0)  # box: centre of the base; arrow: start
    size: tuple[float, float, float] = (0.0, 0.0, 0.0)  # box extents along x, y, z
    ends: tuple[str, str] | None = None  # band: two body points (or one and "anchor")
    to: tuple[float, float, float] | None = None  # arrow end, band anchor


@dataclass(frozen=True)
class Camera:
    view: View
    turn: float = 0.0  # degrees the camera walks round the figure (about the vertical)
    tilt: float = 0.0  # degrees the camera looks down from the horizontal
    zoom: float = 1.0  # a lying figure fills the picture better closer up
    centre: tuple[float, float] | None = None  # picture centre, projected metres


@dataclass(frozen=True)
class PoseSpec:
    exercise_id: str
    camera: Camera
    seconds: float
    keyframes: tuple[Keyframe, ...]
    anchor: str | None  # a body point kept at each keyframe's ``at`` (the pelvis when None)
    working: tuple[str, ...]  # limbs coloured as the working side
    moving: str  # the point marked as the moving joint
    trace: str | None  # a point whose path is drawn faintly
    still: int  # which keyframe the still picture shows
    slope: float = 0.0  # the floor rises by this many degrees towards +x
    props: tuple[Prop, ...] = field(default_factory=tuple)

    def supports(self) -> tuple[Prop, ...]:
        """Props the body may rest on: their surfaces count as floor."""
        return tuple(p for p in self.props if p.kind in ("step", "block", "post", "roller"))


__all__ = ["JOINTS", "JOINT_RANGES", "LIMBS", "Camera", "Keyframe", "PoseSpec", "Prop", "View",
           "joint_kind"]
