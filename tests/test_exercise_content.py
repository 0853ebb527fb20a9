"""The exercise library as an operator and a runner meet it: complete, consistent, and every
broken file named with its field when `hipcoach content check` or start-up refuses it."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from bot.content.checks import check_content, check_renders
from bot.content.exercises import load_catalog
from bot.content.library import ContentError, ContentLibrary
from bot.domain.catalog import MOTIONS, Catalog

ROOT = Path(__file__).resolve().parents[1]
CONTENT = ROOT / "content"
OVERLAP_CHECK = Path("/work/shared/tools/overlap-check")

# The fixed ids every part of the product shares (exercise-ids brief).
FIXED_IDS = {
    "six_motions": ["prone_internal_rotation", "side_plank_clamshell", "side_lying_adduction",
                    "side_plank_abduction", "supine_bike_pedals", "single_leg_bridge"],
    "flexion": ["abdominal_march", "running_bike_pedal", "plank_hip_flexion",
                "standing_hip_march"],
    "circuit": ["hip_cars", "side_lying_hip_raise", "over_under_hurdle_walk",
                "seated_leg_lift_over_block", "bridge_with_leg_lift", "single_leg_glute_bridge",
                "standing_hinge_rotation"],
    "stride": ["mountain_climbers", "squats", "forward_lunges", "single_leg_squats",
               "downward_dog", "toe_touches"],
    "pre_run": ["knee_to_chest_bridge", "marching_bridge", "swinging_drill",
                "kneeling_hip_flexor_stretch"],
    "running": ["hill_sprints", "backwards_running"],
    "loading": ["step_up_pelvis_back"],
    "mobility": ["foam_roll_hips", "knee_hug_flexion_mobility", "rotation_side_door",
                 "abduction_side_door"],
}
ALL_IDS = {i for ids in FIXED_IDS.values() for i in ids}


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog(CONTENT)


def test_library_holds_exactly_the_fixed_ids(catalog: Catalog) -> None:
    assert set(catalog.exercises) == ALL_IDS
    assert len(ALL_IDS) == 34


@pytest.mark.parametrize("exercise_id", sorted(ALL_IDS))
def test_every_exercise_is_complete(catalog: Catalog, exercise_id: str) -> None:
    e = catalog.exercise(exercise_id)
    assert e.name
    assert e.aliases
    assert e.muscles
    assert e.mistake
    assert 2 <= len(e.cues) <= 4
    assert set(e.motions) <= set(MOTIONS)
    assert e.source in {"000", "001", "002", "003", "004"}
    assert (e.without_equipment is not None) == bool(e.equipment)
    for neighbour in (e.easier, e.harder):
        assert neighbour is None or neighbour in catalog.exercises
    assert e.how_to.count(". ") + 1 in range(2, 5)


def test_the_six_motion_set_covers_each_motion_once(catalog: Catalog) -> None:
    firsts = [catalog.exercise(i).motions[0] for i in FIXED_IDS["six_motions"]]
    assert sorted(firsts) == sorted(MOTIONS)


@pytest.mark.parametrize(("typed", "expected"), [
    ("Bike pedals", "supine_bike_pedals"),
    ("side plank clam", "side_plank_clamshell"),
    ("Hip CARs", "hip_cars"),
    ("down dog", "downward_dog"),
    ("knee-hug", "knee_hug_flexion_mobility"),
    ("hill repeats", "hill_sprints"),
    ("single_leg_glute_bridge", "single_leg_glute_bridge"),
])
def test_a_runner_can_name_an_exercise_their_way(catalog: Catalog, typed: str,
                                                 expected: str) -> None:
    found = catalog.find(typed)
    assert found is not None
    assert found.id == expected


def test_monster_walks_are_not_in_the_library(catalog: Catalog) -> None:
    assert catalog.find("monster walk") is None


def test_block_lift_works_with_a_bottle(catalog: Catalog) -> None:
    lift = catalog.exercise("seated_leg_lift_over_block")
    assert lift.equipment == ("block",)
    assert "bottle" in (lift.without_equipment or "")


def test_check_content_validates_the_library_too(content: ContentLibrary) -> None:
    checked = check_content(content)
    assert set(checked.exercises) == ALL_IDS
    assert set(checked.protocols) == {"six_motions", "hip_loading", "circuit", "stride",
                                      "flexion"}


def test_check_renders_shows_the_text_or_names_the_missing_template(
        content: ContentLibrary) -> None:
    assert "5" in check_renders(content, "bad_minutes", {"low": 5, "high": 120})
    with pytest.raises(ContentError, match=r"no template 'plan_missing\.j2'"):
        check_renders(content, "plan_missing", {})


def test_start_up_check_refuses_a_broken_library(tmp_path: Path) -> None:
    root = _copy_content(tmp_path)
    _edit(root / "exercises" / "circuit.yaml", lambda d: d["exercises"][0].update(easier="nope"))
    with pytest.raises(ContentError, match=r"circuit\.yaml: exercises\[0\]\.easier"):
        check_content(ContentLibrary(root))


# ----------------------------------------------------------------- broken files

Mutation = Callable[[dict], None]  # type: ignore[type-arg]


def _set_dose(**dose: object) -> Mutation:
    return lambda d: d["exercises"][0].update(dose=dose)


BROKEN: list[tuple[str, str, Mutation, str]] = [
    ("unknown neighbour", "exercises/six_motions.yaml",
     lambda d: d["exercises"][0].update(harder="hip_carz"),
     r"six_motions\.yaml: exercises\[0\]\.harder: no exercise 'hip_carz'"),
    ("reps upside down", "exercises/six_motions.yaml", _set_dose(sets=1, reps=[15, 10]),
     r"six_motions\.yaml: exercises\[0\]\.dose\.reps.*minimum 15 is above maximum 10"),
    ("dose with nothing to do", "exercises/six_motions.yaml", _set_dose(sets=1),
     r"six_motions\.yaml: exercises\[0\]\.dose.*needs reps"),
    ("zero sets", "exercises/circuit.yaml", _set_dose(sets=0, reps=[5, 5]),
     r"circuit\.yaml: exercises\[0\]\.dose\.sets"),
    ("bad motion", "exercises/mobility.yaml",
     lambda d: d["exercises"][1].update(motions=["twisting"]),
     r"mobility\.yaml: exercises\[1\]\.motions\[0\] \(id 'knee_hug_flexion_mobility'\)"),
    ("equipment without a fallback", "exercises/loading.yaml",
     lambda d: d["exercises"][0].update(without_equipment=None),
     r"loading\.yaml: exercises\[0\].*without_equipment"),
    ("typo in a field name", "exercises/running.yaml",
     lambda d: d["exercises"][0].update(cue=["x"]),
     r"running\.yaml: exercises\[0\]\.cue"),
    ("one cue only", "exercises/pre_run.yaml",
     lambda d: d["exercises"][2].update(cues=["Swing it."]),
     r"pre_run\.yaml: exercises\[2\]\.cues"),
    ("alias used twice", "exercises/stride_strength.yaml",
     lambda d: d["exercises"][0].update(aliases=["bike pedals"]),
     r"stride_strength\.yaml: exercises\[0\]\.aliases: 'bike pedals' is already used by "
     r"'supine_bike_pedals'"),
    ("id used twice", "exercises/loading.yaml",
     lambda d: d["exercises"][0].update(id="squats", aliases=["box step"],
                                        name="Box step"),
     r"stride_strength\.yaml: exercises\[1\]\.id: 'squats' is already defined in "
     r".*loading\.yaml"),
    ("protocol names a missing exercise", "protocols/circuit.yaml",
     lambda d: d["blocks"]["circuit"]["items"][0].update(exercise="monster_walk"),
     r"protocols/circuit\.yaml: blocks\.circuit\.items\[0\]\.exercise: no exercise "
     r"'monster_walk'"),
    ("protocol missing a rule", "protocols/stride.yaml",
     lambda d: d["blocks"]["hills"]["rules"].pop("rest_seconds"),
     r"stride\.yaml: blocks\.hills\.rules: missing rest_seconds"),
    ("flexion steps out of order", "protocols/flexion.yaml",
     lambda d: d["blocks"]["steps"]["items"][0].update(step=2),
     r"flexion\.yaml: blocks\.steps\.items: steps must be numbered"),
    ("negative rule", "protocols/circuit.yaml",
     lambda d: d["blocks"]["circuit"]["rules"].update(rest_seconds=-5),
     r"circuit\.yaml: blocks\.circuit\.rules\.rest_seconds"),
]


@pytest.mark.parametrize(("case", "file", "mutate", "message"), BROKEN,
                         ids=[row[0] for row in BROKEN])
def test_a_broken_file_is_refused_naming_file_and_field(
        tmp_path: Path, case: str, file: str, mutate: Mutation, message: str) -> None:
    root = _copy_content(tmp_path)
    _edit(root / file, mutate)
    with pytest.raises(ContentError, match=message):
        load_catalog(root)


def test_unreadable_yaml_names_the_file(tmp_path: Path) -> None:
    root = _copy_content(tmp_path)
    (root / "exercises" / "running.yaml").write_text("exercises: [unclosed\n", encoding="utf-8")
    with pytest.raises(ContentError, match=r"running\.yaml"):
        load_catalog(root)


def test_a_missing_protocol_is_named(tmp_path: Path) -> None:
    root = _copy_content(tmp_path)
    (root / "protocols" / "flexion.yaml").unlink()
    with pytest.raises(ContentError, match=r"protocols: id: no protocol 'flexion'"):
        load_catalog(root)


def test_loaded_library_cannot_be_changed(catalog: Catalog) -> None:
    exercise = catalog.exercise("squats")
    with pytest.raises(AttributeError):
        exercise.name = "Sit"  # type: ignore[misc]


@pytest.mark.skipif(not OVERLAP_CHECK.exists(), reason="overlap-check tool is not on this host")
def test_no_sentence_is_copied_from_the_sources() -> None:
    result = subprocess.run([str(OVERLAP_CHECK), "content", "bot", "tests"], cwd=ROOT,
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout
    assert "0 copied run(s)" in result.stdout


def _copy_content(tmp_path: Path) -> Path:
    root = tmp_path / "content"
    shutil.copytree(CONTENT, root)
    return root


def _edit(path: Path, mutate: Mutation) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    mutate(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
