"""Where the camera stands for each view, and the fixed picture every figure must stay inside."""

from __future__ import annotations

import math

from bot.figures.kinematics import Vec
from bot.figures.model import Camera

# The picture shows this much of the world (metres) whatever the move, so one figure is the
# same size in every exercise and "stays in the frame" has a fixed meaning.
WIDTH = 2.5
HEIGHT = 2.2
BOTTOM = {"side": -0.2, "front": -0.2, "top": -HEIGHT / 2}


def bounds(camera: Camera) -> tuple[float, float, float, float]:
    """left, right, bottom, top of the picture in projected metres."""
    u, v = camera.centre or (0.0, BOTTOM[camera.view] + HEIGHT / 2)
    half_w, half_h = WIDTH / 2 / camera.zoom, HEIGHT / 2 / camera.zoom
    return u - half_w, u + half_w, v - half_h, v + half_h


def basis(camera: Camera) -> tuple[Vec, Vec, Vec]:
    """Picture right, picture up, and towards the camera, as world vectors."""
    if camera.view == "top":
        a = math.radians(camera.turn)
        return (math.cos(a), math.sin(a), 0.0), (-math.sin(a), math.cos(a), 0.0), (0.0, 0.0, 1.0)
    # The side camera stands on the figure's left, the working side as authored.
    a = math.radians((90.0 if camera.view == "side" else 0.0) + camera.turn)
    t = math.radians(camera.tilt)
    towards: Vec = (math.cos(a) * math.cos(t), math.sin(a) * math.cos(t), math.sin(t))
    right: Vec = (-math.sin(a), math.cos(a), 0.0)
    look: Vec = (-towards[0], -towards[1], -towards[2])
    up: Vec = (right[1] * look[2] - right[2] * look[1], right[2] * look[0] - right[0] * look[2],
               right[0] * look[1] - right[1] * look[0])
    return right, up, towards


def project(point: Vec, axes: tuple[Vec, Vec, Vec]) -> tuple[float, float, float]:
    """(u, v, depth): picture coordinates and how near the camera (larger is nearer)."""
    return tuple(point[0] * a[0] + point[1] * a[1] + point[2] * a[2]  # type: ignore[return-value]
                 for a in axes)


__all__ = ["HEIGHT", "WIDTH", "basis", "bounds", "project"]
