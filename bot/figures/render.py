"""Draws a PoseSpec: a looping GIF and a still PNG.

matplotlib draws each frame on a bare Figure with the Agg canvas (no pyplot: no global state,
safe from a worker thread) and is imported only when something is drawn. Pillow assembles
the GIF with one palette for every frame, so colours do not flicker.

Everything is authored for the left side; the right side is the same picture mirrored, which
is exactly what a camera on the other side of a mirrored figure would see.
"""

from __future__ import annotations

import io
import math
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.figures.camera import HEIGHT, WIDTH, basis, bounds, project
from bot.figures.kinematics import HEAD_RADIUS, SEGMENTS, Vec, body_points, keyframe_pose, pose_at
from bot.figures.model import PoseSpec, Prop

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from PIL import Image

RENDERER_VERSION = "1"
FRAME_MS = 80  # GIF delays are in hundredths of a second; 80 ms is exact
PIXELS_PER_METRE = 160
BACKGROUND = "#FFFFFF"
GROUND = "#ECE7DF"
MAT = "#DCE6EA"
TRUNK = "#37474F"
LIMB_NEAR, LIMB_FAR = "#7D8C99", "#B4BEC7"
WORK_NEAR, WORK_FAR = "#E4572E", "#F29C80"
MARK = "#1F6FD1"
BAND = "#2E9E5B"
PROP_FILL = {"step": "#C8A26B", "block": "#C8A26B", "post": "#9AA3A8", "roller": "#5C9EAD"}
Picture = tuple[float, float, float]  # u, v, depth


@dataclass(frozen=True)
class Drawing:
    """What a frame shows, in 3-D, before it is projected: used by the tests too."""

    points: dict[str, Vec]


def frame_count(spec: PoseSpec) -> int:
    return max(2, round(spec.seconds * 1000 / FRAME_MS))


def animation_frames(spec: PoseSpec) -> list[Drawing]:
    """The figure at every frame of one loop."""
    return [Drawing(body_points(pose_at(spec, i * FRAME_MS / 1000), spec.anchor))
            for i in range(frame_count(spec))]


def still_frames(spec: PoseSpec) -> tuple[Drawing, Drawing]:
    """The start (drawn faintly) and the keyframe the still shows."""
    start, shown = spec.keyframes[0], spec.keyframes[spec.still]
    return (Drawing(body_points(keyframe_pose(start), spec.anchor)),
            Drawing(body_points(keyframe_pose(shown), spec.anchor)))


def render_gif(spec: PoseSpec, mirrored: bool) -> bytes:
    frames = animation_frames(spec)
    scene = _Scene(spec, mirrored, trace=[f.points for f in frames])
    images = [scene.draw(frame.points) for frame in frames]
    return _gif(images)


def render_png(spec: PoseSpec, mirrored: bool) -> bytes:
    frames = animation_frames(spec)
    ghost, shown = still_frames(spec)
    scene = _Scene(spec, mirrored, trace=[f.points for f in frames])
    scene.ghost(ghost.points)
    image = scene.draw(shown.points)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def write_atomically(path: Path, data: bytes) -> None:
    """Another process may read the cache while this one writes it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=path.parent, prefix=f".{path.name}.", suffix=".part",
                                     delete=False) as partial:
        partial.write(data)
    Path(partial.name).chmod(0o644)
    Path(partial.name).replace(path)


class _Scene:
    def __init__(self, spec: PoseSpec, mirrored: bool, trace: Sequence[dict[str, Vec]]) -> None:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        self.spec = spec
        self.axes_basis = basis(spec.camera)
        self.mirror = -1.0 if mirrored else 1.0
        self.zoom = spec.camera.zoom
        size = (WIDTH * PIXELS_PER_METRE / 100, HEIGHT * PIXELS_PER_METRE / 100)
        self.figure: Figure = Figure(figsize=size, dpi=100, facecolor=BACKGROUND)
        self.canvas = FigureCanvasAgg(self.figure)
        self.ax: Axes = self.figure.add_axes((0.0, 0.0, 1.0, 1.0))
        left, right, bottom, top = bounds(spec.camera)
        self.ax.set_xlim(left, right)
        self.ax.set_ylim(bottom, top)
        self.ax.set_axis_off()
        self._ground()
        for prop in spec.props:
            self._prop(prop)
        if spec.trace:
            path = [self.to_picture(points[spec.trace]) for points in trace]
            self.ax.plot([p[0] for p in path] + [path[0][0]], [p[1] for p in path] +
                         [path[0][1]], color=MARK, lw=1.6 * spec.camera.zoom, ls=(0, (2, 2)),
                         alpha=0.55,
                         zorder=3)
        self.dynamic: list[Any] = []

    def to_picture(self, point: Vec) -> Picture:
        u, v, depth = project(point, self.axes_basis)
        return u * self.mirror, v, depth

    def ghost(self, points: dict[str, Vec]) -> None:
        for a, b, limb in SEGMENTS:
            pa, pb = self.to_picture(points[a]), self.to_picture(points[b])
            self.ax.plot([pa[0], pb[0]], [pa[1], pb[1]], color="#C9CFD4", alpha=0.6,
                         lw=_width(limb) * self.zoom, solid_capstyle="round", zorder=2)
        self._head(points, zorder=2, color="#C9CFD4", alpha=0.6, face=False)

    def draw(self, points: dict[str, Vec]) -> Image.Image:
        from PIL import Image

        for artist in self.dynamic:
            artist.remove()
        self.dynamic = self._figure(points)
        raw = io.BytesIO()
        self.figure.savefig(raw, format="rgba", dpi=100, facecolor=BACKGROUND)
        width, height = self.canvas.get_width_height()
        return Image.frombuffer("RGBA", (width, height), raw.getvalue(), "raw", "RGBA", 0,
                                1).convert("RGB")

    def _figure(self, points: dict[str, Vec]) -> list[Any]:
        picture = {name: self.to_picture(p) for name, p in points.items()}
        # Far things first: each segment and the head get a zorder by depth.
        order = sorted([*((picture[a][2] + picture[b][2]) / 2 for a, b, _ in SEGMENTS),
                        picture["head"][2]])
        artists: list[Any] = []
        for a, b, limb in SEGMENTS:
            if b.endswith("_heel"):
                continue  # the foot is drawn once, as a shoe, with its toe segment
            depth = (picture[a][2] + picture[b][2]) / 2
            color = self._colour(limb, _far(limb, picture))
            zorder = 10 + order.index(depth)
            if b.endswith("_toe"):
                artists.append(self._foot(picture, a.removesuffix("_ankle"), color, zorder))
                continue
            artists += self.ax.plot([picture[a][0], picture[b][0]],
                                    [picture[a][1], picture[b][1]], color=color,
                                    lw=_width(limb) * self.zoom, solid_capstyle="round",
                                    zorder=zorder)
        artists += self._head(points, zorder=10 + order.index(picture["head"][2]), color=TRUNK,
                              alpha=1.0, face=True)
        artists += self._bands(points)
        moving = picture[self.spec.moving]
        artists.append(self.ax.add_patch(_circle(moving, 0.06, edge=MARK, zorder=60)))
        return artists

    def _foot(self, picture: dict[str, Picture], side: str, color: str, zorder: float) -> Any:
        from matplotlib.patches import Polygon

        corners = [picture[f"{side}_{p}"][:2] for p in ("ankle", "heel", "toe")]
        return self.ax.add_patch(Polygon(corners, closed=True, fc=color, ec=color,
                                         lw=3.0 * self.zoom, joinstyle="round", zorder=zorder))

    def _colour(self, limb: str, far: bool) -> str:
        if limb == "trunk":
            return TRUNK
        if limb in self.spec.working:
            return WORK_FAR if far else WORK_NEAR
        return LIMB_FAR if far else LIMB_NEAR

    def _head(self, points: dict[str, Vec], zorder: float, color: str, alpha: float,
              face: bool) -> list[Any]:
        from matplotlib.patches import Circle

        head = self.to_picture(points["head"])
        artists: list[Any] = [self.ax.add_patch(Circle((head[0], head[1]), HEAD_RADIUS,
                                                       color=color, alpha=alpha,
                                                       zorder=zorder))]
        eye = self.to_picture(points["face"])
        if face and eye[2] > head[2] - 0.02:
            artists.append(self.ax.add_patch(Circle((eye[0], eye[1]), 0.022, color="#FFFFFF",
                                                    zorder=zorder + 0.5)))
        return artists

    def _bands(self, points: dict[str, Vec]) -> list[Any]:
        artists: list[Any] = []
        for prop in self.spec.props:
            if prop.kind != "band" or prop.ends is None:
                continue
            ends = [self.to_picture(prop.to if e == "anchor" and prop.to else points[e])
                    for e in prop.ends]
            artists += self.ax.plot([ends[0][0], ends[1][0]], [ends[0][1], ends[1][1]],
                                    color=BAND, lw=2.5, zorder=50, solid_capstyle="round")
        return artists

    def _ground(self) -> None:
        from matplotlib.patches import Polygon

        slope = math.tan(math.radians(self.spec.slope))
        if self.spec.camera.view == "top":
            corners = [(x, y, 0.0) for x in (-1.05, 1.05) for y in (-0.5, 0.5)]
            hull = _hull([self.to_picture(c)[:2] for c in corners])
            self.ax.add_patch(Polygon(hull, closed=True, color=MAT, zorder=0))
            return
        corners = [(x, y, x * slope) for x in (-6.0, 6.0) for y in (-6.0, 6.0)]
        flat = [self.to_picture(c)[:2] for c in corners]
        hull = _hull(flat + [(u, v - 20.0) for u, v in flat])
        self.ax.add_patch(Polygon(hull, closed=True, color=GROUND, zorder=0))
        if self.spec.camera.tilt > 0:
            # Seen from above the floor fills the picture; a mat shows its perspective.
            mat = [(x, y, x * slope) for x in (-1.0, 1.0) for y in (-0.45, 0.45)]
            self.ax.add_patch(Polygon(_hull([self.to_picture(c)[:2] for c in mat]),
                                      closed=True, color=MAT, zorder=0.5))

    def _prop(self, prop: Prop) -> None:
        from matplotlib.patches import FancyArrowPatch, Polygon

        if prop.kind == "band":
            return
        if prop.kind == "arrow" and prop.to is not None:
            start, end = self.to_picture(prop.at), self.to_picture(prop.to)
            self.ax.add_patch(FancyArrowPatch(start[:2], end[:2], arrowstyle="-|>",
                                              mutation_scale=16, lw=2, color=MARK, zorder=55))
            return
        hull = _hull([self.to_picture(c)[:2] for c in _prop_outline(prop)])
        if prop.kind == "hurdle":
            self.ax.add_patch(Polygon(hull, closed=True, fill=False, ec="#8C8C8C", lw=1.5,
                                      ls=(0, (3, 2)), zorder=1))
            return
        self.ax.add_patch(Polygon(hull, closed=True, fc=PROP_FILL[prop.kind], ec="#6F6353",
                                  lw=1.0, zorder=1))


def _prop_outline(prop: Prop) -> list[Vec]:
    x, y, z = prop.at
    dx, dy, dz = prop.size
    if prop.kind == "roller":
        r = dz / 2
        return [(x + r * math.cos(a), y + side * dy / 2, z + r + r * math.sin(a))
                for a in (i * math.pi / 12 for i in range(24)) for side in (-1, 1)]
    return [(x + sx * dx / 2, y + sy * dy / 2, z + sz * dz)
            for sx in (-1, 1) for sy in (-1, 1) for sz in (0, 1)]


def _far(limb: str, picture: dict[str, Picture]) -> bool:
    """A limb is on the far side when its root is further from the camera than its twin's."""
    if limb == "trunk":
        return False
    side, kind = limb.split("_")
    root = "hip" if kind == "leg" else "shoulder"
    other = "right" if side == "left" else "left"
    return picture[f"{side}_{root}"][2] < picture[f"{other}_{root}"][2] - 0.1


def _width(limb: str) -> float:
    return 9.0 if limb == "trunk" else 6.0


def _circle(at: Picture, radius: float, edge: str, zorder: float) -> Any:
    from matplotlib.patches import Circle

    return Circle((at[0], at[1]), radius, fill=False, ec=edge, lw=2.2, zorder=zorder)


def _hull(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Convex hull (monotone chain), so a box or a floor seen from any side is one polygon."""
    pts = sorted(set(points))
    if len(pts) < 3:
        return pts

    def cross(o: tuple[float, float], a: tuple[float, float], b: tuple[float, float]) -> float:
        return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])

    lower: list[tuple[float, float]] = []
    upper: list[tuple[float, float]] = []
    for chain, seq in ((lower, pts), (upper, list(reversed(pts)))):
        for p in seq:
            while len(chain) >= 2 and cross(chain[-2], chain[-1], p) <= 0:
                chain.pop()
            chain.append(p)
    return lower[:-1] + upper[:-1]


def _gif(images: Sequence[Image.Image]) -> bytes:
    from PIL import Image

    palette = images[0].quantize(colors=96, method=Image.Quantize.MEDIANCUT)
    frames = [image.quantize(palette=palette, dither=Image.Dither.NONE) for image in images]
    out = io.BytesIO()
    frames[0].save(out, format="GIF", save_all=True, append_images=frames[1:],
                   duration=FRAME_MS, loop=0, optimize=False, disposal=1)
    return out.getvalue()


__all__ = ["FRAME_MS", "RENDERER_VERSION", "Drawing", "animation_frames", "frame_count",
           "render_gif", "render_png", "still_frames", "write_atomically"]
