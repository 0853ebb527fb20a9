"""Names and aliases for the fixed exercise ids, for matching tests.

The real names live in content/exercises/ (written elsewhere); this fixture keeps the feedback
tests independent of that content while using the same ids.
"""

from __future__ import annotations

from bot.domain.feedback import CatalogueEntry

EXERCISE_NAMES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("prone_internal_rotation", "Prone bent-knee internal rotation",
     ("internal rotation", "prone rotation", "prone internal rotation")),
    ("side_plank_clamshell", "Side-plank clamshell",
     ("clamshell", "clamshells", "clam", "clams", "side plank clam", "side plank")),
    ("side_lying_adduction", "Side-lying bottom-leg lift",
     ("adduction", "bottom leg lift", "inner thigh lift", "side lying adduction")),
    ("side_plank_abduction", "Side-plank lateral hip raise",
     ("abduction", "side plank abduction", "side plank leg raise", "side plank")),
    ("supine_bike_pedals", "Supine bike pedals", ("bike pedals", "bicycle", "pedals")),
    ("single_leg_bridge", "Single-leg bridge", ("bridge", "one leg bridge")),
    ("abdominal_march", "Bent-knee abdominal march", ("ab march", "abdominal march")),
    ("running_bike_pedal", "Running bike pedal", ("running pedal",)),
    ("plank_hip_flexion", "Plank hip flexion", ("plank", "plank knee drive")),
    ("standing_hip_march", "Standing hip march", ("standing march", "high knee march")),
    ("hip_cars", "Hip CARs", ("hip circles", "cars", "controlled articular rotations")),
    ("side_lying_hip_raise", "Side-lying hip raise with top-leg lift",
     ("side lying hip raise", "hip raise")),
    ("over_under_hurdle_walk", "Over-under hurdle walk", ("hurdle walk", "over under")),
    ("seated_leg_lift_over_block", "Seated leg lift over a block",
     ("seated leg lift", "heel taps", "leg lift over block")),
    ("bridge_with_leg_lift", "Single-leg glute bridge with leg lift",
     ("bridge with leg lift", "bridge leg lift")),
    ("single_leg_glute_bridge", "Single-leg glute bridge", ("glute bridge",)),
    ("standing_hinge_rotation", "Standing hip hinge with rotation",
     ("hinge rotation", "hip hinge", "hinge")),
    ("mountain_climbers", "Mountain climbers", ("climbers",)),
    ("squats", "Squats", ("squat",)),
    ("forward_lunges", "Forward lunges", ("lunges", "lunge")),
    ("single_leg_squats", "Single-leg squats", ("pistol squat", "one leg squat")),
    ("downward_dog", "Downward-facing dog", ("down dog", "downward dog")),
    ("toe_touches", "Toe touches", ("toe touch",)),
    ("knee_to_chest_bridge", "Knee-to-chest bridge", ("knee to chest",)),
    ("marching_bridge", "Marching bridge", ("bridge march",)),
    ("swinging_drill", "Swinging drill", ("leg swings", "swings")),
    ("kneeling_hip_flexor_stretch", "Kneeling hip-flexor stretch",
     ("hip flexor stretch", "flexor stretch", "kneeling stretch")),
    ("hill_sprints", "Hill sprints", ("hills", "hill repeats")),
    ("backwards_running", "Backwards running", ("running backwards", "backward running")),
    ("step_up_pelvis_back", "Step-up with pelvis down and back", ("step up", "step ups")),
    ("foam_roll_hips", "Foam rolling the hips", ("foam roll", "foam roller", "rolling")),
    ("knee_hug_flexion_mobility", "Knee hug", ("knee hug", "knee hugs")),
    ("rotation_side_door", "Rotation side door", ("rotation mobility",)),
    ("abduction_side_door", "Abduction side door", ("abduction mobility",)),
)

CATALOGUE: tuple[CatalogueEntry, ...] = tuple(
    CatalogueEntry(eid, name, aliases) for eid, name, aliases in EXERCISE_NAMES
)

SIX_PACK: tuple[str, ...] = (
    "prone_internal_rotation", "side_plank_clamshell", "side_lying_adduction",
    "side_plank_abduction", "supine_bike_pedals", "single_leg_bridge",
)
CIRCUIT: tuple[str, ...] = (
    "hip_cars", "side_lying_hip_raise", "over_under_hurdle_walk", "seated_leg_lift_over_block",
    "bridge_with_leg_lift", "single_leg_glute_bridge", "standing_hinge_rotation",
)
FLEXION: tuple[str, ...] = (
    "abdominal_march", "running_bike_pedal", "plank_hip_flexion", "standing_hip_march",
)
