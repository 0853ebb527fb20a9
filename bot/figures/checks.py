"""What every figure must do: move, stay in the picture, rest on the floor (or a prop) where
its keyframes say, never sink through a surface, and keep its limbs their length.

``pose_problems`` returns sentences naming the keyframe and the point, so ``hipcoach content
check`` can say exactly what to fix.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

from bot.figures.camera import basis, bounds, project
from bot.figures.kinematics import (
    GROUPS,
    HEAD_RADIUS,
    SURFACE,
    Pose,
    Vec,
    blend,
    body_points,
    distance,
    ease,
    expected_lengths,
    keyframe_pose,
    move_seconds,
)
from bot.figures.model import PoseSpec, Prop

CONTACT_TOLERANCE = 0.03  # at a keyframe, a contact is this close to its surface
DRIFT_TOLERANCE = 0.06  # between two keyframes that share a contact
SINK_TOLERANCE = 0.03  # no point goes further than this into the floor or a prop
MIN_CHANGE = 0.05  # consecutive keyframes differ by at least this much somewhere
LENGTH_TOLERANCE = 1e-6
FRAME_MS = 80  # as drawn (bot.figures.render), so every frame shown is a frame checked


def pose_problems(spec: PoseSpec) -> list[str]:
    problems: list[str] = []
    for index, frame in enumerate(spec.keyframes):
        points = body_points(keyframe_pose(frame), spec.anchor)
        where = f"keyframes[{index}]"
        problems += [f"{where}.contacts: {p}" for p in _contact_problems(
            spec, points, frame.contacts, CONTACT_TOLERANCE)]
        problems += [f"{where}: {p}" for p in _placement_problems(spec, points)]
        following = spec.keyframes[(index + 1) % len(spec.keyframes)]
        if _largest_change(points, body_points(keyframe_pose(following), spec.anchor)) \
                < MIN_CHANGE:
            problems.append(f"{where}: the figure barely moves from here to the next keyframe")
    for index, s, points in _between(spec):
        where = f"keyframes[{index}] to the next ({int(s * 100)}%)"
        shared = _shared_contacts(spec, index)
        problems += [f"{where}: {p}" for p in _contact_problems(
            spec, points, shared, DRIFT_TOLERANCE)]
        problems += [f"{where}: {p}" for p in _placement_problems(spec, points)]
    return problems


def length_problems(points: dict[str, Vec]) -> list[str]:
    """Segments whose length differs from the skeleton's."""
    return [f"{a}-{b} is {distance(points[a], points[b]):.3f} m, not {length:.3f} m"
            for (a, b), length in expected_lengths().items()
            if abs(distance(points[a], points[b]) - length) > LENGTH_TOLERANCE]


def surface_gap(spec: PoseSpec, point: Vec, name: str) -> float:
    """How far the surface of a body point is from the nearest floor or prop (negative: inside)."""
    radius = SURFACE.get(name, 0.0)
    gaps = [point[2] - _floor_height(spec, point[0])]
    gaps += [_prop_distance(prop, point) for prop in spec.supports()]
    return min(gaps) - radius


def in_frame(spec: PoseSpec, points: dict[str, Vec]) -> list[str]:
    left, right, bottom, top = bounds(spec.camera)
    axes = basis(spec.camera)
    outside = []
    for name, point in points.items():
        u, v, _ = project(point, axes)
        margin = HEAD_RADIUS if name == "head" else 0.0
        if u - margin < left or u + margin > right or v - margin < bottom or v + margin > top:
            outside.append(name)
    return outside


def _contact_problems(spec: PoseSpec, points: dict[str, Vec], contacts: tuple[str, ...],
                      tolerance: float) -> list[str]:
    problems = []
    for contact in contacts:
        for name in GROUPS.get(contact, (contact,)):
            gap = surface_gap(spec, points[name], name)
            if abs(gap) > tolerance:
                state = "above" if gap > 0 else "into"
                problems.append(f"{name} is {abs(gap) * 100:.0f} cm {state} its surface")
    return problems


def _placement_problems(spec: PoseSpec, points: dict[str, Vec]) -> list[str]:
    problems = [f"{name} sinks {-gap * 100:.0f} cm into the floor or a prop"
                for name in SURFACE
                if (gap := surface_gap(spec, points[name], name)) < -SINK_TOLERANCE]
    outside = in_frame(spec, points)
    if outside:
        problems.append(f"{', '.join(outside)} outside the picture")
    return problems


def _between(spec: PoseSpec) -> Iterator[tuple[int, float, dict[str, Vec]]]:
    """The figure between each keyframe and the next, as finely as the animation shows it."""
    frames = spec.keyframes
    steps = max(3, math.ceil(move_seconds(spec) * 1000 / FRAME_MS))
    for index, frame in enumerate(frames):
        following = frames[(index + 1) % len(frames)]
        for step in range(1, steps):
            s = ease(step / steps)
            pose: Pose = blend(keyframe_pose(frame), keyframe_pose(following), s)
            yield index, s, body_points(pose, spec.anchor)


def _shared_contacts(spec: PoseSpec, index: int) -> tuple[str, ...]:
    """Contacts that stay put from one keyframe to the next; a foot that lands somewhere
    else (a step, a lunge) is in the air in between."""
    frame = spec.keyframes[index]
    following = spec.keyframes[(index + 1) % len(spec.keyframes)]
    here = body_points(keyframe_pose(frame), spec.anchor)
    there = body_points(keyframe_pose(following), spec.anchor)
    return tuple(c for c in frame.contacts if c in following.contacts and all(
        distance(here[p], there[p]) < MIN_CHANGE for p in GROUPS.get(c, (c,))))


def _largest_change(a: dict[str, Vec], b: dict[str, Vec]) -> float:
    return max(distance(a[name], b[name]) for name in SURFACE)


def _floor_height(spec: PoseSpec, x: float) -> float:
    return x * math.tan(math.radians(spec.slope))


def _prop_distance(prop: Prop, point: Vec) -> float:
    if prop.kind == "roller":
        radius = prop.size[2] / 2
        radial = math.hypot(point[0] - prop.at[0], point[2] - prop.at[2] - radius) - radius
        return _box_like((radial, abs(point[1] - prop.at[1]) - prop.size[1] / 2))
    half = (prop.size[0] / 2, prop.size[1] / 2, prop.size[2] / 2)
    centre = (prop.at[0], prop.at[1], prop.at[2] + half[2])
    return _box_like(tuple(abs(point[i] - centre[i]) - half[i] for i in range(3)))


def _box_like(q: tuple[float, ...]) -> float:
    """Signed distance from per-axis overshoots: positive outside, negative inside."""
    outside = math.sqrt(sum(max(v, 0.0) ** 2 for v in q))
    return outside + min(max(q), 0.0)


__all__ = ["in_frame", "length_problems", "pose_problems", "surface_gap"]
