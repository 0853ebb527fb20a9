"""`hipcoach figure` and `hipcoach content check` as an operator runs them: a path to a file
they can open, the same file the second time, one clear line for a typo or a broken pose."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from PIL import Image

from tests.test_cli import ROOT, assert_one_clear_line, cli_env, hipcoach

pytestmark = pytest.mark.slow


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    folder = tmp_path / "cwd"
    folder.mkdir()
    return folder


def test_figure_prints_the_path_of_a_gif_it_draws_once(workdir: Path) -> None:
    first = hipcoach("figure", "clamshell", "--side", "right", cwd=workdir, env=cli_env())
    assert first.returncode == 0, first.output
    path = Path(first.stdout.strip())
    assert path.parent == workdir / "data" / "figures"
    assert path.suffix == ".gif"
    with Image.open(path) as gif:
        assert gif.n_frames > 4
    written = path.stat().st_mtime_ns
    again = hipcoach("figure", "side_plank_clamshell", "--side", "right", cwd=workdir,
                     env=cli_env())
    assert again.stdout == first.stdout
    assert path.stat().st_mtime_ns == written  # served from disk, not drawn again


def test_figure_still_is_a_png(workdir: Path) -> None:
    result = hipcoach("figure", "Squats", "--still", cwd=workdir, env=cli_env())
    assert result.returncode == 0, result.output
    path = Path(result.stdout.strip())
    with Image.open(path) as png:
        assert png.format == "PNG"


def test_a_typo_gets_one_line_with_a_suggestion(workdir: Path) -> None:
    result = hipcoach("figure", "clamshel", cwd=workdir, env=cli_env())
    line = assert_one_clear_line(result, "clamshel")
    assert "side_plank_clamshell" in line
    assert not (workdir / "data").exists()


def test_content_check_names_a_pose_that_floats_above_the_floor(tmp_path: Path,
                                                                 workdir: Path) -> None:
    home = tmp_path / "home"
    shutil.copytree(ROOT / "content", home / "content")
    pose = home / "content" / "poses" / "squats.yaml"
    data = yaml.safe_load(pose.read_text(encoding="utf-8"))
    data["keyframes"][0]["at"] = [0, 0.1, 0.2]
    pose.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    result = hipcoach("content", "check", cwd=workdir, env=cli_env(home=home))
    line = assert_one_clear_line(result, "squats.yaml", "keyframes[0].contacts")
    assert "20 cm above" in line
