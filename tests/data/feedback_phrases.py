"""Labelled free-text feedback: what a runner types after a session, and what it means.

Each row: the message, the exercises of that day's session (empty = any exercise), and the
findings the reader should return. A finding with ``candidates`` means "ask, don't guess".
"""

from __future__ import annotations

from dataclasses import dataclass

from tests.support.exercise_names import CIRCUIT, FLEXION, SIX_PACK


@dataclass(frozen=True)
class Expected:
    exercise_id: str | None
    outcome: str | None
    side: str | None = None
    severity: str | None = None
    reps: int | None = None
    candidates: frozenset[str] = frozenset()


def ask(outcome: str, *candidates: str, side: str | None = None,
        severity: str | None = None) -> Expected:
    return Expected(None, outcome, side, severity, None, frozenset(candidates))


E = Expected
ANY: tuple[str, ...] = ()
CLAM, BRIDGE, ADD, ABD = ("side_plank_clamshell", "single_leg_bridge", "side_lying_adduction",
                          "side_plank_abduction")
IR, BIKE = "prone_internal_rotation", "supine_bike_pedals"

PHRASES: tuple[tuple[str, tuple[str, ...], tuple[Expected, ...]], ...] = (
    # plain statements
    ("the clamshell was brutal", SIX_PACK, (E(CLAM, "hard"),)),
    ("plank felt hard", FLEXION, (E("plank_hip_flexion", "hard"),)),
    ("left hip hurt in the bridge", SIX_PACK, (E(BRIDGE, "pain", "left"),)),
    ("bridge was easy", SIX_PACK, (E(BRIDGE, "easy"),)),
    ("did all the clamshells, no problem", SIX_PACK, (E(CLAM, "done"),)),
    ("adduction was tough", SIX_PACK, (E(ADD, "hard"),)),
    ("bike pedals were fine", SIX_PACK, (E(BIKE, "done"),)),
    ("internal rotation felt easy today", SIX_PACK, (E(IR, "easy"),)),
    ("the abduction one was a killer", SIX_PACK, (E(ABD, "hard"),)),
    ("squats were too easy", ANY, (E("squats", "easy"),)),
    ("lunges were really hard", ANY, (E("forward_lunges", "hard"),)),
    ("mountain climbers destroyed me", ANY, (E("mountain_climbers", "hard"),)),
    ("downward dog was nice and easy", ANY, (E("downward_dog", "easy"),)),
    ("hill sprints were brutal", ANY, (E("hill_sprints", "hard"),)),
    ("backwards running was fine", ANY, (E("backwards_running", "done"),)),
    ("the step ups were hard", ANY, (E("step_up_pelvis_back", "hard"),)),
    ("hip cars done", CIRCUIT, (E("hip_cars", "done"),)),
    ("hurdle walk was easy", CIRCUIT, (E("over_under_hurdle_walk", "easy"),)),
    ("heel taps were hard", CIRCUIT, (E("seated_leg_lift_over_block", "hard"),)),
    ("standing hip march was easy", FLEXION, (E("standing_hip_march", "easy"),)),
    ("ab march done", FLEXION, (E("abdominal_march", "done"),)),
    ("running bike pedal was tough", FLEXION, (E("running_bike_pedal", "hard"),)),
    # typos
    ("clamshel was hard", SIX_PACK, (E(CLAM, "hard"),)),
    ("the brigde was easy", SIX_PACK, (E(BRIDGE, "easy"),)),
    ("clamshels were brutal", SIX_PACK, (E(CLAM, "hard"),)),
    ("adducton was tough", SIX_PACK, (E(ADD, "hard"),)),
    ("abducton was hard", SIX_PACK, (E(ABD, "hard"),)),
    ("bike pedels were fine", SIX_PACK, (E(BIKE, "done"),)),
    ("internal rotaton felt easy", SIX_PACK, (E(IR, "easy"),)),
    ("sqauts were hard", ANY, (E("squats", "hard"),)),
    ("mountian climbers were brutal", ANY, (E("mountain_climbers", "hard"),)),
    ("downwad dog was easy", ANY, (E("downward_dog", "easy"),)),
    ("the plnak was hard", FLEXION, (E("plank_hip_flexion", "hard"),)),
    ("clam shell was easy", SIX_PACK, (E(CLAM, "easy"),)),
    ("hurdel walk was hard", CIRCUIT, (E("over_under_hurdle_walk", "hard"),)),
    # sides
    ("right side was harder on the clamshell", SIX_PACK, (E(CLAM, "hard", "right"),)),
    ("left leg struggled in the bridge", SIX_PACK, (E(BRIDGE, "hard", "left"),)),
    ("adduction was hard on both sides", SIX_PACK, (E(ADD, "hard", "both"),)),
    ("left was harder than right on the abduction", SIX_PACK, (E(ABD, "hard", "left"),)),
    ("my right hip ached during internal rotation", SIX_PACK, (E(IR, "pain", "right"),)),
    ("lunges hurt my left knee", ANY, (E("forward_lunges", "pain", "left"),)),
    # pain with severity
    ("sharp pain in my right hip on the bridge", SIX_PACK,
     (E(BRIDGE, "pain", "right", "sharp"),)),
    ("a slight twinge in the clamshell", SIX_PACK, (E(CLAM, "pain", None, "mild"),)),
    ("adduction hurt so I had to stop", SIX_PACK, (E(ADD, "pain", None, "stopped"),)),
    ("squats hurt, sharp stabbing feeling", ANY,
     (ask("pain", "squats", "single_leg_squats", severity="sharp"),)),
    ("the bridge was a bit sore on the left", SIX_PACK, (E(BRIDGE, "pain", "left", "mild"),)),
    ("bike pedals caused a sharp pain", SIX_PACK, (E(BIKE, "pain", None, "sharp"),)),
    # reps
    ("only 8 reps on the bridge", SIX_PACK, (E(BRIDGE, "hard", None, None, 8),)),
    ("managed 12 reps of clamshells", SIX_PACK, (E(CLAM, "done", None, None, 12),)),
    ("plank was hard, only five reps", FLEXION, (E("plank_hip_flexion", "hard", None, None, 5),)),
    # several exercises in one message
    ("bridge and clamshell were hard", SIX_PACK, (E(BRIDGE, "hard"), E(CLAM, "hard"))),
    ("clamshell was easy but the bridge was brutal", SIX_PACK,
     (E(CLAM, "easy"), E(BRIDGE, "hard"))),
    ("adduction hurt, abduction was fine", SIX_PACK, (E(ADD, "pain"), E(ABD, "done"))),
    ("squats and lunges were easy, mountain climbers were hard", ANY,
     (E("squats", "easy"), E("forward_lunges", "easy"), E("mountain_climbers", "hard"))),
    ("it hurt in the bridge and the clamshell", SIX_PACK, (E(BRIDGE, "pain"), E(CLAM, "pain"))),
    ("brigde was fine, clamshel was hard on the left", SIX_PACK,
     (E(BRIDGE, "done"), E(CLAM, "hard", "left"))),
    ("hip cars easy, hurdle walk hard, heel taps fine", CIRCUIT,
     (E("hip_cars", "easy"), E("over_under_hurdle_walk", "hard"),
      E("seated_leg_lift_over_block", "done"))),
    ("internal rotation and bike pedals were no problem", SIX_PACK,
     (E(IR, "done"), E(BIKE, "done"))),
    # negation
    ("bridge didn't hurt at all", SIX_PACK, (E(BRIDGE, "done"),)),
    ("clamshell wasn't hard", SIX_PACK, (E(CLAM, "done"),)),
    ("the bridge was not easy", SIX_PACK, (E(BRIDGE, "hard"),)),
    ("bridge was fine but squats hurt", SIX_PACK,
     (E(BRIDGE, "done"), ask("pain", "squats", "single_leg_squats"))),
    ("bridge was fine but lunges were hard", SIX_PACK,
     (E(BRIDGE, "done"), E("forward_lunges", "hard"))),
    # no exercise named
    ("everything was easy", SIX_PACK, (E(None, "easy"),)),
    ("my hip hurt", SIX_PACK, (E(None, "pain"),)),
    ("my stride felt heavy today", ANY, (E(None, "hard"),)),
    ("legs were tired at the end", ANY, (E(None, "hard"),)),
    ("all good on both sides", ANY, (E(None, "done", "both"),)),
    ("the first set was tough, the last one was easier", ANY, (E(None, "hard"),)),
    ("did the whole session, felt strong", ANY, (E(None, "done"),)),
    ("right knee ached on the run after", ANY, (E(None, "pain", "right"),)),
    # ambiguous names: ask instead of guessing
    ("left hip hurt in the brigde", SIX_PACK, (ask("pain", BRIDGE, side="left"),)),
    ("clamshel hurt", SIX_PACK, (E(CLAM, "pain"),)),
    ("side plank hurt", SIX_PACK, (ask("pain", CLAM, ABD),)),
    ("the bridge hurt my left hip", ANY,
     (ask("pain", BRIDGE, "marching_bridge", "knee_to_chest_bridge",
          "single_leg_glute_bridge", "bridge_with_leg_lift", side="left"),)),
    ("side plank was hard", SIX_PACK, (ask("hard", CLAM, ABD),)),
    ("glute bridge hurt", CIRCUIT, (ask("pain", "single_leg_glute_bridge",
                                        "bridge_with_leg_lift"),)),
    # written after the reader was tuned, kept as a check on over-fitting
    ("the clams were way too easy", SIX_PACK, (E(CLAM, "easy"),)),
    ("single leg bridge hurt on the right, had to stop", SIX_PACK,
     (E(BRIDGE, "pain", "right", "stopped"),)),
    ("bicycle was tough", SIX_PACK, (E(BIKE, "hard"),)),
    ("toe touches fine, down dog fine", ANY, (E("toe_touches", "done"), E("downward_dog", "done"))),
    ("leg swings were easy", ANY, (E("swinging_drill", "easy"),)),
    ("hip flexor stretch felt good", ANY, (E("kneeling_hip_flexor_stretch", "done"),)),
    ("foam rolling hurt a little", ANY, (E("foam_roll_hips", "pain", None, "mild"),)),
    ("my left glute was on fire during the glute bridge", CIRCUIT,
     (E("single_leg_glute_bridge", "hard", "left"),)),
    ("pistol squats were impossible", ANY, (E("single_leg_squats", "hard"),)),
    ("the hinge was wobbly on my right leg", CIRCUIT,
     (E("standing_hinge_rotation", "hard", "right"),)),
    ("abdominal marches easy", FLEXION, (E("abdominal_march", "easy"),)),
    ("lunges: only 6 reps on the left", ANY, (E("forward_lunges", "hard", "left", None, 6),)),
    ("knee hugs hurt my right hip, sharp", ANY, (E("knee_hug_flexion_mobility", "pain", "right",
                                                   "sharp"),)),
    ("skipped the hill sprints", ANY, (E("hill_sprints", "skipped"),)),
    ("clamshell and bridge hurt on the left side", SIX_PACK,
     (E(CLAM, "pain", "left"), E(BRIDGE, "pain", "left"))),
)
