"""Every exercise's moving figure, as a runner receives it: a looping GIF that moves, keeps the
figure in the picture, on its floor and in one piece; a still; the working side coloured and
mirrored for the other side; drawn once and then served from disk; and a pose that breaks
any of that refused at start-up, naming the file and the keyframe."""

from __future__ import annotations

import dataclasses
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from PIL import Image, ImageChops, ImageOps, ImageStat

from bot.content.exercises import load_catalog
from bot.content.library import ContentError
from bot.content.poses import check_pose_geometry, load_poses
from bot.domain.catalog import Catalog
from bot.figures.checks import (
    CONTACT_TOLERANCE,
    SINK_TOLERANCE,
    in_frame,
    length_problems,
    surface_gap,
)
from bot.figures.kinematics import GROUPS, SURFACE, body_points, keyframe_pose
from bot.figures.model import PoseSpec, Prop
from bot.figures.render import (
    BAND,
    FRAME_MS,
    LIMB_NEAR,
    MARK,
    TRUNK,
    WORK_NEAR,
    animation_frames,
    frame_count,
)
from bot.figures.store import FigureStore, UnknownFigureError

ROOT = Path(__file__).resolve().parents[1]
CONTENT = ROOT / "content"
CATALOG: Catalog = load_catalog(CONTENT)
POSES: dict[str, PoseSpec] = load_poses(CONTENT)
IDS = sorted(CATALOG.exercises)
ONE_SIDED = {e.id for e in CATALOG.exercises.values() if e.one_sided}


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> FigureStore:
    return FigureStore(POSES, tmp_path_factory.mktemp("figures"), ONE_SIDED)


def test_every_exercise_has_a_figure_that_passes_the_content_check() -> None:
    assert set(POSES) == set(CATALOG.exercises)
    assert len(POSES) == 34
    check_pose_geometry(POSES, CONTENT / "poses")


# ----------------------------------------------------------------- the animation itself

@pytest.mark.parametrize("exercise_id", IDS)
def test_the_animation_loops_and_moves(store: FigureStore, exercise_id: str) -> None:
    spec = POSES[exercise_id]
    timeline = _timeline(store.animation(exercise_id))
    total = sum(duration for duration, _ in timeline)
    assert total == frame_count(spec) * FRAME_MS
    assert 2000 <= total <= 4000  # a 2-4 s loop
    with Image.open(store.animation(exercise_id)) as gif:
        assert gif.info["loop"] == 0
    distinct = {frame.tobytes() for _, frame in timeline}
    assert len(distinct) >= 4
    # Each keyframe looks clearly different from the next one: many pixels change.
    for index in range(len(spec.keyframes)):
        here = _shown_at(timeline, _keyframe_ms(spec, index))
        there = _shown_at(timeline, _keyframe_ms(spec, (index + 1) % len(spec.keyframes)))
        assert _changed_pixels(here, there) > 300, index


@pytest.mark.parametrize("exercise_id", IDS)
def test_the_figure_stays_whole_in_the_picture_and_on_its_floor(exercise_id: str) -> None:
    spec = POSES[exercise_id]
    for number, drawing in enumerate(animation_frames(spec)):
        points = drawing.points
        assert length_problems(points) == [], f"frame {number}"
        assert in_frame(spec, points) == [], f"frame {number}"
        sunk = {n: round(surface_gap(spec, points[n], n), 3) for n in SURFACE
                if surface_gap(spec, points[n], n) < -SINK_TOLERANCE}
        assert sunk == {}, f"frame {number}"
    for index, keyframe in enumerate(spec.keyframes):
        points = body_points(keyframe_pose(keyframe), spec.anchor)
        for contact in keyframe.contacts:
            for name in GROUPS.get(contact, (contact,)):
                gap = surface_gap(spec, points[name], name)
                assert abs(gap) <= CONTACT_TOLERANCE, (index, name, gap)


@pytest.mark.parametrize("exercise_id", IDS)
def test_no_body_colour_touches_the_edge_of_any_frame(store: FigureStore,
                                                      exercise_id: str) -> None:
    body = [_rgb(TRUNK), _rgb(WORK_NEAR), _rgb(LIMB_NEAR)]
    for number, (_, frame) in enumerate(_timeline(store.animation(exercise_id))):
        border = _border_pixels(frame)
        touching = [p for p in border if any(_close(p, c) for c in body)]
        assert touching == [], f"frame {number}"


def test_a_bridge_lifts_the_hips_and_keeps_the_planted_foot_still() -> None:
    spec = POSES["single_leg_glute_bridge"]
    frames = [d.points for d in animation_frames(spec)]
    heights = [p["pelvis"][2] for p in frames]
    assert max(heights) - min(heights) > 0.15
    heels = {tuple(round(c, 6) for c in p["left_heel"]) for p in frames}
    assert len(heels) == 1


# ----------------------------------------------------------------- still, colour, side

def test_the_still_shows_the_working_side_and_marks_the_moving_joint(
        store: FigureStore) -> None:
    with Image.open(store.still("side_plank_clamshell")) as still:
        picture = still.convert("RGB")
    colours = Counter_of(picture)
    assert colours(WORK_NEAR) > 300
    assert colours(MARK) > 40
    assert colours(TRUNK) > 300


@pytest.mark.parametrize("exercise_id", ["side_plank_clamshell", "swinging_drill",
                                         "abduction_side_door"])
def test_the_right_side_is_the_left_side_mirrored(store: FigureStore, exercise_id: str) -> None:
    left = _open_rgb(store.still(exercise_id, "left"))
    right = _open_rgb(store.still(exercise_id, "right"))
    assert _mean_difference(left, ImageOps.mirror(right)) < 1.5
    assert _mean_difference(left, right) > 3 * _mean_difference(left, ImageOps.mirror(right))


def test_a_band_is_drawn_between_the_body_points_it_joins(tmp_path: Path) -> None:
    banded = dataclasses.replace(POSES["squats"], props=(
        Prop("band", ends=("left_knee", "right_knee")),))
    plain = FigureStore(POSES, tmp_path / "plain", ONE_SIDED).still("squats")
    with_band = FigureStore(dict(POSES, squats=banded), tmp_path / "band",
                            ONE_SIDED).still("squats")
    assert Counter_of(_open_rgb(with_band))(BAND) > 20
    assert Counter_of(_open_rgb(plain))(BAND) == 0


def test_a_move_for_both_sides_ignores_the_side(store: FigureStore) -> None:
    assert store.animation("squats", "right") == store.animation("squats")
    assert "both" in store.animation("squats").name
    assert store.animation("swinging_drill") == store.animation("swinging_drill", "left")


def test_an_unknown_exercise_or_side_is_refused(store: FigureStore) -> None:
    with pytest.raises(UnknownFigureError, match="hip_carz"):
        store.animation("hip_carz")
    with pytest.raises(ValueError, match="left or right"):
        store.still("swinging_drill", "up")


# ----------------------------------------------------------------- the cache

def test_a_figure_is_drawn_once_and_then_served_from_disk(tmp_path: Path) -> None:
    store = FigureStore(POSES, tmp_path, ONE_SIDED)
    first = store.animation("swinging_drill", "right")
    written = first.stat().st_mtime_ns
    assert store.renders == 1
    assert store.animation("swinging_drill", "right") == first
    assert store.renders == 1
    again = FigureStore(POSES, tmp_path, ONE_SIDED)  # another process, same disk
    assert again.animation("swinging_drill", "right") == first
    assert again.renders == 0
    assert first.stat().st_mtime_ns == written
    assert again.animation("swinging_drill", "left") != first
    assert again.renders == 1


def test_an_edited_pose_gets_a_new_file(tmp_path: Path) -> None:
    before = FigureStore(POSES, tmp_path, ONE_SIDED).animation("squats")
    slower = dict(POSES, squats=dataclasses.replace(POSES["squats"], seconds=4.0))
    edited = FigureStore(slower, tmp_path, ONE_SIDED)
    after = edited.animation("squats")
    assert after != before
    assert edited.renders == 1
    assert _loop_ms(after) > _loop_ms(before)


def test_telegram_file_ids_are_remembered_across_processes(tmp_path: Path) -> None:
    store = FigureStore(POSES, tmp_path, ONE_SIDED)
    key = store.animation("squats").name
    assert store.file_id(key) is None
    store.remember_file_id(key, "CgACAgQAAxkBAAIB")
    store.remember_file_id("other.gif", "CgACAgQAAxkBAAIC")
    later = FigureStore(POSES, tmp_path, ONE_SIDED)
    assert later.file_id(key) == "CgACAgQAAxkBAAIB"
    assert later.file_id("other.gif") == "CgACAgQAAxkBAAIC"


def test_a_damaged_file_id_list_only_means_uploading_again(tmp_path: Path) -> None:
    store = FigureStore(POSES, tmp_path, ONE_SIDED)
    (tmp_path / "telegram_file_ids.json").write_text("{not json", encoding="utf-8")
    assert store.file_id("squats.gif") is None
    store.remember_file_id("squats.gif", "CgACAgQAAxkBAAID")
    assert store.file_id("squats.gif") == "CgACAgQAAxkBAAID"


# ----------------------------------------------------------------- content check

Mutation = Callable[[dict], None]  # type: ignore[type-arg]


def _knee_too_far(d: dict) -> None:  # type: ignore[type-arg]
    d["keyframes"][1]["joints"]["left_knee"] = [170]


def _float_above_floor(d: dict) -> None:  # type: ignore[type-arg]
    d["keyframes"][0]["at"] = [0, 0.1, 0.1]


def _sink_into_floor(d: dict) -> None:  # type: ignore[type-arg]
    d["keyframes"][0]["at"] = [0, 0.1, -0.1]
    d["keyframes"][0]["contacts"] = []


def _zoom_in_too_far(d: dict) -> None:  # type: ignore[type-arg]
    d["zoom"] = 2


def _stand_still(d: dict) -> None:  # type: ignore[type-arg]
    d["keyframes"][1] = {"hold": 0.4}


def _unknown_point(d: dict) -> None:  # type: ignore[type-arg]
    d["moving"] = "left_elbw"


def _loose_band(d: dict) -> None:  # type: ignore[type-arg]
    d["props"] = [{"kind": "band"}]


@pytest.mark.parametrize(("mutate", "message"), [
    (_knee_too_far, r"squats\.yaml: keyframes\[1\]\.joints: .*left_knee\[0\]: 170 is "
                    r"outside 0\.\.160"),
    (_float_above_floor, r"squats\.yaml: keyframes\[0\]\.contacts: left_heel is 10 cm "
                         r"above its surface"),
    (_sink_into_floor, r"squats\.yaml: keyframes\[0\]: .* sinks"),
    (_zoom_in_too_far, r"squats\.yaml: keyframes\[0\]: .*head.* outside the picture"),
    (_stand_still, r"squats\.yaml: keyframes\[0\]: the figure barely moves"),
    (_unknown_point, r"squats\.yaml: moving: .*no body point 'left_elbw'"),
    (_loose_band, r"squats\.yaml: props\[0\]: .*a band needs ends"),
])
def test_a_broken_pose_is_refused_naming_file_and_field(tmp_path: Path, mutate: Mutation,
                                                         message: str) -> None:
    root = _copy_content(tmp_path)
    _edit(root / "poses" / "squats.yaml", mutate)
    with pytest.raises(ContentError, match=message):
        check_pose_geometry(load_poses(root), root / "poses")


def test_a_missing_or_stray_figure_is_named(tmp_path: Path) -> None:
    from bot.content.checks import check_content
    from bot.content.library import ContentLibrary

    root = _copy_content(tmp_path)
    (root / "poses" / "squats.yaml").rename(root / "poses" / "squat.yaml")
    with pytest.raises(ContentError, match=r"squat\.yaml: exercise: 'squats' does not match"):
        load_poses(root)
    (root / "poses" / "squat.yaml").unlink()
    with pytest.raises(ContentError, match=r"poses: no figure for squats"):
        check_content(ContentLibrary(root))


def test_the_length_check_notices_a_stretched_limb() -> None:
    points = dict(animation_frames(POSES["squats"])[0].points)
    hip = points["left_hip"]
    points["left_knee"] = (hip[0], hip[1], hip[2] - 0.6)
    assert any("left_hip-left_knee" in p for p in length_problems(points))


# ----------------------------------------------------------------- helpers

def Counter_of(picture: Image.Image) -> Callable[[str], int]:  # noqa: N802 - reads as a noun
    counts = {rgb: n for n, rgb in picture.getcolors(maxcolors=1 << 20) or []}

    def near(colour: str) -> int:
        target = _rgb(colour)
        return sum(n for rgb, n in counts.items() if _close(rgb, target))
    return near


def _timeline(path: Path) -> list[tuple[int, Image.Image]]:
    """(milliseconds shown, picture) for each frame; Pillow merges repeated frames."""
    frames = []
    with Image.open(path) as gif:
        for index in range(gif.n_frames):
            gif.seek(index)
            frames.append((int(gif.info["duration"]), gif.convert("RGB")))
    return frames


def _loop_ms(path: Path) -> int:
    return sum(duration for duration, _ in _timeline(path))


def _shown_at(timeline: list[tuple[int, Image.Image]], ms: float) -> Image.Image:
    start = 0
    for duration, frame in timeline:
        if start <= ms < start + duration:
            return frame
        start += duration
    return timeline[-1][1]


def _keyframe_ms(spec: PoseSpec, index: int) -> float:
    """When the loop reaches keyframe ``index`` (the middle of its hold)."""
    moving = (spec.seconds - sum(k.hold for k in spec.keyframes)) / len(spec.keyframes)
    start = sum(k.hold for k in spec.keyframes[:index]) + moving * index
    return (start + spec.keyframes[index].hold / 2) * 1000


def _changed_pixels(a: Image.Image, b: Image.Image) -> int:
    diff = ImageChops.difference(a, b).convert("L").point(lambda v: 255 if v > 40 else 0)
    return diff.histogram()[255]


def _border_pixels(image: Image.Image) -> list[tuple[int, int, int]]:
    width, height = image.size
    pixels = image.load()
    assert pixels is not None
    edge = [(x, y) for x in range(width) for y in (0, height - 1)]
    edge += [(x, y) for y in range(height) for x in (0, width - 1)]
    return [pixels[x, y] for x, y in edge]  # type: ignore[misc]


def _rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def _close(a: tuple[int, ...], b: tuple[int, ...], tolerance: int = 14) -> bool:
    return all(abs(x - y) <= tolerance for x, y in zip(a, b, strict=False))


def _open_rgb(path: Path) -> Image.Image:
    with Image.open(path) as image:
        return image.convert("RGB")


def _mean_difference(a: Image.Image, b: Image.Image) -> float:
    return sum(ImageStat.Stat(ImageChops.difference(a, b)).mean) / 3


def _copy_content(tmp_path: Path) -> Path:
    root = tmp_path / "content"
    shutil.copytree(CONTENT, root)
    return root


def _edit(path: Path, mutate: Mutation) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    mutate(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
