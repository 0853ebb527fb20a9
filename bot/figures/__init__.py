"""A moving figure for every exercise, drawn from pose data in content/poses/.

- ``model``: a move as data (keyframes of joint angles, camera, props), authored for the left
  side; the right side is drawn as its mirror image.
- ``kinematics``: joint angles to 3-D points, and the eased timeline between keyframes.
- ``checks``: what every pose must satisfy (it moves, stays in the picture, rests on its floor
  or prop, never sinks into one, limbs keep their length); ``hipcoach content check`` and
  start-up refuse a pose that fails, naming the file and the keyframe.
- ``render``: a looping GIF and a still PNG (matplotlib on Agg, imported only when drawing;
  Pillow for the GIF).
- ``store``: ``FigureStore.animation(exercise_id, side) -> Path`` and ``still(...)``, drawn
  once and cached on disk under a hash of the pose and the renderer version;
  ``remember_file_id(key, file_id)`` / ``file_id(key)`` keep Telegram's file_id so a figure
  is uploaded once (key: the file's name, plus the bot's id if several bots share a cache).
"""
