"""Forward kinematics: joint angles to 3-D points, and the eased timeline between keyframes.

The body is a tree of rigid segments hung from the pelvis, so interpolating angles (never
positions) keeps every limb its length in every frame.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from bot.figures.model import JOINTS, Keyframe, PoseSpec

Vec = tuple[float, float, float]
Mat = tuple[Vec, Vec, Vec]  # rows

PELVIS_HALF = 0.09
SPINE = 0.50
SHOULDER_HALF = 0.18
SHOULDER_DROP = 0.04
NECK = 0.15
HEAD_RADIUS = 0.11
UPPER_ARM = 0.29
FOREARM = 0.30
THIGH = 0.44
SHIN = 0.43
HEEL: Vec = (-0.05, 0.0, -0.07)
TOE: Vec = (0.16, 0.0, -0.07)

# Segments as drawn, with the limb each belongs to (for colour).
SEGMENTS: tuple[tuple[str, str, str], ...] = (
    ("pelvis", "neck", "trunk"), ("left_hip", "right_hip", "trunk"),
    ("left_shoulder", "right_shoulder", "trunk"), ("neck", "head", "trunk"),
    *((f"{s}_hip", f"{s}_knee", f"{s}_leg") for s in ("left", "right")),
    *((f"{s}_knee", f"{s}_ankle", f"{s}_leg") for s in ("left", "right")),
    *((f"{s}_ankle", f"{s}_heel", f"{s}_leg") for s in ("left", "right")),
    *((f"{s}_ankle", f"{s}_toe", f"{s}_leg") for s in ("left", "right")),
    *((f"{s}_shoulder", f"{s}_elbow", f"{s}_arm") for s in ("left", "right")),
    *((f"{s}_elbow", f"{s}_hand", f"{s}_arm") for s in ("left", "right")),
)

# How far a point's surface sits from the skeleton line: a hip resting on the floor has its
# joint this high above it. Used for contacts and for "nothing goes through the floor".
SURFACE: dict[str, float] = {
    "pelvis": 0.07, "left_hip": 0.07, "right_hip": 0.07, "upper_back": 0.07, "neck": 0.06,
    "left_shoulder": 0.05, "right_shoulder": 0.05, "head": HEAD_RADIUS,
    "left_elbow": 0.03, "right_elbow": 0.03, "left_hand": 0.02, "right_hand": 0.02,
    "left_knee": 0.045, "right_knee": 0.045, "left_ankle": 0.04, "right_ankle": 0.04,
    "left_heel": 0.0, "right_heel": 0.0, "left_toe": 0.0, "right_toe": 0.0,
}
# Contact names that stand for several points.
GROUPS: dict[str, tuple[str, ...]] = {
    "left_foot": ("left_heel", "left_toe"), "right_foot": ("right_heel", "right_toe"),
}
POINTS: tuple[str, ...] = (*SURFACE, "left_foot", "right_foot")


def expected_lengths() -> dict[tuple[str, str], float]:
    """The length every drawn segment must keep."""
    lengths: dict[tuple[str, str], float] = {
        ("pelvis", "neck"): SPINE, ("left_hip", "right_hip"): 2 * PELVIS_HALF,
        ("left_shoulder", "right_shoulder"): 2 * SHOULDER_HALF, ("neck", "head"): NECK,
    }
    for s in ("left", "right"):
        lengths |= {(f"{s}_hip", f"{s}_knee"): THIGH, (f"{s}_knee", f"{s}_ankle"): SHIN,
                    (f"{s}_ankle", f"{s}_heel"): _norm(HEEL),
                    (f"{s}_ankle", f"{s}_toe"): _norm(TOE),
                    (f"{s}_shoulder", f"{s}_elbow"): UPPER_ARM,
                    (f"{s}_elbow", f"{s}_hand"): FOREARM}
    return lengths


@dataclass(frozen=True)
class Pose:
    """One instant: the pelvis placement and every joint's angles."""

    at: Vec
    turn: Vec
    joints: Mapping[str, tuple[float, ...]]


def body_points(pose: Pose, anchor: str | None) -> dict[str, Vec]:
    """Every named point in world coordinates; the anchor point (or the pelvis) lands at
    ``pose.at``."""
    points = _skeleton(pose)
    target = points[anchor] if anchor else points["pelvis"]
    shift = _sub(pose.at, target)
    return {name: _add(p, shift) for name, p in points.items()}


def _skeleton(pose: Pose) -> dict[str, Vec]:
    yaw, pitch, roll = pose.turn
    pelvis_r = _mul(_mul(_rz(yaw), _ry(pitch)), _rx(roll))
    o: Vec = (0.0, 0.0, 0.0)
    pts: dict[str, Vec] = {"pelvis": o}
    for side, sign in (("left", 1.0), ("right", -1.0)):
        pts.update(_leg(pose, pelvis_r, side, sign))
    flex, bend, twist = _angles(pose, "spine", 3)
    trunk = _mul(_mul(_mul(pelvis_r, _ry(flex)), _rx(-bend)), _rz(twist))
    neck = _apply(trunk, (0.0, 0.0, SPINE))
    pts["neck"] = neck
    head_r = _mul(trunk, _ry(_angles(pose, "neck", 1)[0]))
    pts["head"] = _add(neck, _apply(head_r, (0.0, 0.0, NECK)))
    pts["face"] = _add(pts["head"], _apply(head_r, (HEAD_RADIUS * 0.75, 0.0, 0.02)))
    for side, sign in (("left", 1.0), ("right", -1.0)):
        pts.update(_arm(pose, trunk, side, sign))
    pts["upper_back"] = _scale(_add(pts["left_shoulder"], pts["right_shoulder"]), 0.5)
    return pts


def _leg(pose: Pose, pelvis_r: Mat, side: str, sign: float) -> dict[str, Vec]:
    hip = _apply(pelvis_r, (0.0, sign * PELVIS_HALF, 0.0))
    flex, abd, rot = _angles(pose, f"{side}_hip", 3)
    thigh_r = _mul(_mul(_mul(pelvis_r, _ry(-flex)), _rx(sign * abd)), _rz(-sign * rot))
    knee = _add(hip, _apply(thigh_r, (0.0, 0.0, -THIGH)))
    shin_r = _mul(thigh_r, _ry(_angles(pose, f"{side}_knee", 1)[0]))
    ankle = _add(knee, _apply(shin_r, (0.0, 0.0, -SHIN)))
    foot_r = _mul(shin_r, _ry(_angles(pose, f"{side}_ankle", 1)[0]))
    return {f"{side}_hip": hip, f"{side}_knee": knee, f"{side}_ankle": ankle,
            f"{side}_heel": _add(ankle, _apply(foot_r, HEEL)),
            f"{side}_toe": _add(ankle, _apply(foot_r, TOE))}


def _arm(pose: Pose, trunk: Mat, side: str, sign: float) -> dict[str, Vec]:
    shoulder = _apply(trunk, (0.0, sign * SHOULDER_HALF, SPINE - SHOULDER_DROP))
    flex, abd = _angles(pose, f"{side}_shoulder", 2)
    upper_r = _mul(_mul(trunk, _ry(-flex)), _rx(sign * abd))
    elbow = _add(shoulder, _apply(upper_r, (0.0, 0.0, -UPPER_ARM)))
    fore_r = _mul(upper_r, _ry(-_angles(pose, f"{side}_elbow", 1)[0]))
    return {f"{side}_shoulder": shoulder, f"{side}_elbow": elbow,
            f"{side}_hand": _add(elbow, _apply(fore_r, (0.0, 0.0, -FOREARM)))}


def _angles(pose: Pose, joint: str, count: int) -> tuple[float, ...]:
    values = tuple(pose.joints.get(joint, ())) + (0.0,) * count
    return values[:count]


# --- timeline -------------------------------------------------------------------------------

def keyframe_pose(frame: Keyframe) -> Pose:
    return Pose(frame.at, frame.turn, frame.joints)


def pose_at(spec: PoseSpec, t: float) -> Pose:
    """The figure ``t`` seconds into the loop: still during each keyframe's hold, then an
    ease-in-out to the next keyframe (the last eases back to the first)."""
    frames = spec.keyframes
    moving = move_seconds(spec)
    t = t % spec.seconds
    for index, frame in enumerate(frames):
        if t < frame.hold:
            return keyframe_pose(frame)
        t -= frame.hold
        if t < moving or index == len(frames) - 1:
            following = frames[(index + 1) % len(frames)]
            return blend(keyframe_pose(frame), keyframe_pose(following),
                         ease(min(1.0, t / moving)))
        t -= moving
    return keyframe_pose(frames[0])


def move_seconds(spec: PoseSpec) -> float:
    """Seconds each transition takes: what the holds leave, shared equally."""
    return (spec.seconds - sum(f.hold for f in spec.keyframes)) / len(spec.keyframes)


def ease(s: float) -> float:
    return 0.5 - 0.5 * math.cos(math.pi * s)


def blend(a: Pose, b: Pose, s: float) -> Pose:
    joints = {j: _lerp(_padded(a.joints, j), _padded(b.joints, j), s) for j in JOINTS}
    return Pose(_lerp3(a.at, b.at, s), _lerp3(a.turn, b.turn, s), joints)


def _padded(joints: Mapping[str, tuple[float, ...]], joint: str) -> tuple[float, ...]:
    values = tuple(joints.get(joint, ()))
    return values + (0.0,) * (3 - len(values))


def _lerp(a: tuple[float, ...], b: tuple[float, ...], s: float) -> tuple[float, ...]:
    return tuple(x + (y - x) * s for x, y in zip(a, b, strict=True))


def _lerp3(a: Vec, b: Vec, s: float) -> Vec:
    return (a[0] + (b[0] - a[0]) * s, a[1] + (b[1] - a[1]) * s, a[2] + (b[2] - a[2]) * s)


# --- small linear algebra -------------------------------------------------------------------

def _rx(deg: float) -> Mat:
    c, s = math.cos(math.radians(deg)), math.sin(math.radians(deg))
    return ((1.0, 0.0, 0.0), (0.0, c, -s), (0.0, s, c))


def _ry(deg: float) -> Mat:
    c, s = math.cos(math.radians(deg)), math.sin(math.radians(deg))
    return ((c, 0.0, s), (0.0, 1.0, 0.0), (-s, 0.0, c))


def _rz(deg: float) -> Mat:
    c, s = math.cos(math.radians(deg)), math.sin(math.radians(deg))
    return ((c, -s, 0.0), (s, c, 0.0), (0.0, 0.0, 1.0))


def _mul(a: Mat, b: Mat) -> Mat:
    (a0, a1, a2), (b0, b1, b2) = a, b
    return ((a0[0] * b0[0] + a0[1] * b1[0] + a0[2] * b2[0],
             a0[0] * b0[1] + a0[1] * b1[1] + a0[2] * b2[1],
             a0[0] * b0[2] + a0[1] * b1[2] + a0[2] * b2[2]),
            (a1[0] * b0[0] + a1[1] * b1[0] + a1[2] * b2[0],
             a1[0] * b0[1] + a1[1] * b1[1] + a1[2] * b2[1],
             a1[0] * b0[2] + a1[1] * b1[2] + a1[2] * b2[2]),
            (a2[0] * b0[0] + a2[1] * b1[0] + a2[2] * b2[0],
             a2[0] * b0[1] + a2[1] * b1[1] + a2[2] * b2[1],
             a2[0] * b0[2] + a2[1] * b1[2] + a2[2] * b2[2]))


def _apply(m: Mat, v: Vec) -> Vec:
    return (m[0][0] * v[0] + m[0][1] * v[1] + m[0][2] * v[2],
            m[1][0] * v[0] + m[1][1] * v[1] + m[1][2] * v[2],
            m[2][0] * v[0] + m[2][1] * v[1] + m[2][2] * v[2])


def _add(a: Vec, b: Vec) -> Vec:
    return (a[0] + b[0], a[1] + b[1], a[2] + b[2])


def _sub(a: Vec, b: Vec) -> Vec:
    return (a[0] - b[0], a[1] - b[1], a[2] - b[2])


def _scale(a: Vec, k: float) -> Vec:
    return (a[0] * k, a[1] * k, a[2] * k)


def _norm(a: Vec) -> float:
    return math.sqrt(a[0] ** 2 + a[1] ** 2 + a[2] ** 2)


def distance(a: Vec, b: Vec) -> float:
    return _norm(_sub(a, b))


__all__ = ["GROUPS", "HEAD_RADIUS", "POINTS", "SEGMENTS", "SURFACE", "Pose", "Vec",
           "blend", "body_points", "distance", "ease", "expected_lengths", "keyframe_pose",
           "move_seconds", "pose_at"]
