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

RENDERER_VERSION = "1"  # part of every cached file's name: bump it when the drawing changes
FRAME_MS = 80  # GIF delays are in hundredths of a second; 80 ms is exact
PIXELS_PER_METRE = 160
BACKGROUND = "#FFFFFF"
GROUND = "#ECE7DF"
MAT = "#DCE6EA"
TRUNK = "#37474F"
LIMB_NEAR, LIMB_FAR = "#7D8C99", "#B4BEC7"
WORK_NEAR, WORK_FAR = "#E4572E", "#F29C80"
MARK = "#1F6FD1"
GHOST = "#C9CFD4"
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
        if mirrored:
            left, right = -right, -left
        self.ax.set_xlim(left, right)
        self.ax.set_ylim(bottom, top)
        self.ax.set_axis_off()
        self.overlays: list[Any] = []  # static, but drawn over the figure
        self._ground()
        for prop in spec.props:
            self._prop(prop)
        if spec.trace:
            path = [self.to_picture(points[spec.trace]) for points in trace]
            self.ax.plot([p[0] for p in path] + [path[0][0]], [p[1] for p in path] +
                         [path[0][1]], color=MARK, lw=1.6 * spec.camera.zoom, ls=(0, (2, 2)),
                         alpha=0.55,
                         zorder=3)
        self.background: Any = None
        self._artists()

    def to_picture(self, point: Vec) -> Picture:
        u, v, depth = project(point, self.axes_basis)
        return u * self.mirror, v, depth

    def ghost(self, points: dict[str, Vec]) -> None:
        """The start position, faint, behind the figure (for the still)."""
        from matplotlib.patches import Circle

        for a, b, limb in SEGMENTS:
            pa, pb = self.to_picture(points[a]), self.to_picture(points[b])
            self.ax.plot([pa[0], pb[0]], [pa[1], pb[1]], color=GHOST, alpha=0.6,
                         lw=_width(limb) * self.zoom, solid_capstyle="round", zorder=2)
        head = self.to_picture(points["head"])
        self.ax.add_patch(Circle(head[:2], HEAD_RADIUS, color=GHOST, alpha=0.6, zorder=2))

    def draw(self, points: dict[str, Vec]) -> Image.Image:
        from PIL import Image

        if self.background is None:
            # Everything that never moves is drawn once; each frame starts from a copy of it.
            self.canvas.draw()  # type: ignore[no-untyped-call]
            self.background = self.canvas.copy_from_bbox(  # type: ignore[no-untyped-call]
                self.figure.bbox)
        self.canvas.restore_region(self.background)  # type: ignore[no-untyped-call]
        for artist in [*self._pose(points), *self.overlays]:
            self.ax.draw_artist(artist)
        width, height = self.canvas.get_width_height()
        rgba = bytes(self.canvas.buffer_rgba())  # type: ignore[no-untyped-call]
        return Image.frombuffer("RGBA", (width, height), rgba, "raw", "RGBA", 0, 1).convert("RGB")

    def _artists(self) -> None:
        """One artist per body part, made once and moved every frame."""
        from matplotlib.lines import Line2D
        from matplotlib.patches import Circle, Polygon

        def line(width: float, color: str = TRUNK) -> Any:
            return self.ax.add_line(Line2D([], [], lw=width, color=color,
                                           solid_capstyle="round", animated=True))

        self.limbs = {(a, b): line(_width(limb) * self.zoom) for a, b, limb in SEGMENTS
                      if not b.endswith(("_heel", "_toe"))}
        self.feet = {side: Polygon([(0, 0)] * 3, closed=True, lw=3.0 * self.zoom,
                                   joinstyle="round", animated=True)
                     for side in ("left", "right")}
        for foot in self.feet.values():
            self.ax.add_patch(foot)
        self.head = Circle((0, 0), HEAD_RADIUS, color=TRUNK, animated=True)
        self.eye = Circle((0, 0), 0.022, color="#FFFFFF", animated=True)
        self.ring = Circle((0, 0), 0.06, fill=False, ec=MARK, lw=2.2 * self.zoom, animated=True)
        for patch in (self.head, self.eye, self.ring):
            self.ax.add_patch(patch)
        self.bands = [(prop, line(2.5 * self.zoom, BAND)) for prop in self.spec.props
                      if prop.kind == "band" and prop.ends is not None]

    def _pose(self, points: dict[str, Vec]) -> list[Any]:
        """Moves every artist to ``points``; returns them far to near, marks last."""
        picture = {name: self.to_picture(p) for name, p in points.items()}
        layered = [*self._place_limbs(picture), *self._place_feet(picture),
                   *self._place_head(picture)]
        layered.sort(key=lambda item: item[0])
        self._place_bands(picture)
        self.ring.set_center(picture[self.spec.moving][:2])
        return [artist for _, artist in layered] + [band for _, band in self.bands] + [self.ring]

    def _place_limbs(self, picture: dict[str, Vec]) -> list[tuple[float, Any]]:
        layered: list[tuple[float, Any]] = []
        for (a, b), artist in self.limbs.items():
            limb = next(s[2] for s in SEGMENTS if s[:2] == (a, b))
            artist.set_data([picture[a][0], picture[b][0]], [picture[a][1], picture[b][1]])
            artist.set_color(self._colour(limb, _far(limb, picture)))
            layered.append(((picture[a][2] + picture[b][2]) / 2, artist))
        return layered

    def _place_feet(self, picture: dict[str, Vec]) -> list[tuple[float, Any]]:
        layered: list[tuple[float, Any]] = []
        for side, foot in self.feet.items():
            corners = [picture[f"{side}_{p}"] for p in ("ankle", "heel", "toe")]
            foot.set_xy([c[:2] for c in corners])
            color = self._colour(f"{side}_leg", _far(f"{side}_leg", picture))
            foot.set_facecolor(color)
            foot.set_edgecolor(color)
            layered.append((sum(c[2] for c in corners) / 3, foot))
        return layered

    def _place_head(self, picture: dict[str, Vec]) -> list[tuple[float, Any]]:
        head, eye = picture["head"], picture["face"]
        self.head.set_center(head[:2])
        layered: list[tuple[float, Any]] = [(head[2], self.head)]
        if eye[2] > head[2] - 0.02:  # the face is towards the camera
            self.eye.set_center(eye[:2])
            layered.append((head[2] + 1e-3, self.eye))
        return layered

    def _place_bands(self, picture: dict[str, Vec]) -> None:
        for prop, band in self.bands:
            assert prop.ends is not None
            ends = [self.to_picture(prop.to) if e == "anchor" and prop.to else picture[e]
                    for e in prop.ends]
            band.set_data([ends[0][0], ends[1][0]], [ends[0][1], ends[1][1]])

    def _colour(self, limb: str, far: bool) -> str:
        if limb == "trunk":
            return TRUNK
        if limb in self.spec.working:
            return WORK_FAR if far else WORK_NEAR
        return LIMB_FAR if far else LIMB_NEAR

    def _ground(self) -> None:
        from matplotlib.patches import Polygon

        if self.spec.camera.view == "top":
            corners = [(x, y, 0.0) for x in (-1.05, 1.05) for y in (-0.5, 0.5)]
            hull = _hull([self.to_picture(c)[:2] for c in corners])
            self.ax.add_patch(Polygon(hull, closed=True, color=MAT, zorder=0))
            return
        slope = math.tan(math.radians(self.spec.slope))
        corners = [(x, y, x * slope) for x in (-40.0, 40.0) for y in (-40.0, 40.0)]
        flat = [self.to_picture(c)[:2] for c in corners]
        hull = _hull(flat + [(u, v - 20.0) for u, v in flat])
        self.ax.add_patch(Polygon(hull, closed=True, color=GROUND, zorder=0))
        if self.spec.camera.tilt > 0:
            self._mat(slope)

    def _mat(self, slope: float) -> None:
        """Seen from above the floor fills the picture; a mat shows its perspective."""
        from matplotlib.patches import Polygon

        mat = [(x, y, x * slope) for x in (-1.0, 1.0) for y in (-0.45, 0.45)]
        self.ax.add_patch(Polygon(_hull([self.to_picture(c)[:2] for c in mat]),
                                  closed=True, color=MAT, zorder=0.5))

    def _prop(self, prop: Prop) -> None:
        from matplotlib.patches import FancyArrowPatch, Polygon

        if prop.kind == "band":
            return
        if prop.kind == "arrow" and prop.to is not None:
            start, end = self.to_picture(prop.at), self.to_picture(prop.to)
            self.overlays.append(self.ax.add_patch(FancyArrowPatch(
                start[:2], end[:2], arrowstyle="-|>", mutation_scale=16 * self.zoom,
                lw=2 * self.zoom, color=MARK, zorder=55, animated=True)))
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

    # One palette for the whole loop, from frames across it, so nothing flickers.
    sample = images[:: max(1, len(images) // 6)]
    strip = Image.new("RGB", (images[0].width, images[0].height * len(sample)))
    for index, image in enumerate(sample):
        strip.paste(image, (0, index * image.height))
    palette = strip.quantize(colors=255, method=Image.Quantize.MEDIANCUT)
    frames = [image.quantize(palette=palette, dither=Image.Dither.NONE) for image in images]
    out = io.BytesIO()
    frames[0].save(out, format="GIF", save_all=True, append_images=frames[1:],
                   duration=FRAME_MS, loop=0, optimize=False, disposal=1)
    return out.getvalue()


__all__ = ["FRAME_MS", "RENDERER_VERSION", "Drawing", "animation_frames", "frame_count",
           "render_gif", "render_png", "still_frames", "write_atomically"]
