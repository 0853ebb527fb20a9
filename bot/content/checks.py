"""Start-up validation: every label and template the dialogue can ask for exists and renders,
and the exercise library (content/exercises, content/protocols) is complete and consistent."""

from __future__ import annotations

from collections.abc import Mapping

from bot.content.exercises import cached_catalog
from bot.content.ladders import cached_ladders, check_reason_texts
from bot.content.library import ContentError, ContentLibrary
from bot.content.poses import cached_poses, check_pose_geometry, check_poses
from bot.content.safety import add_safety_labels
from bot.content.words import load_words
from bot.domain.catalog import MOTIONS, Catalog
from bot.domain.dialogue.coaching import TITLES, WHY
from bot.domain.dialogue.questions import QUESTIONS
from bot.domain.dialogue.router import HELP_GROUPS, KNOWN_COMMANDS
from bot.domain.listen import HOW_WENT
from bot.domain.runs import NOT_COUNTED, OTHER_SPORTS, REFUSALS

SCREENING_LABELS = ("summary.confirm", "summary.change", "change.back", "zone.yes", "zone.no",
                    "restart.keep", "restart.resume", "restart.fresh", "toast.stale",
                    "toast.pick_a_day", "location.share")
# In the order Telegram's command menu shows them: /help's groups, in order.
COMMANDS = tuple(name for _, names in HELP_GROUPS for name in names)
# Reasons whose words need parameters (a side, a step) are written in texts/_plan.j2.
WHY_IN_TEMPLATE = frozenset({"mobility_first", "side_door", "activation", "flexion_step",
                             "adapted", "weak_side"})
COACH_LABELS = ("today.start", "today.week", "walk.done", "walk.hard", "walk.pain", "walk.skip",
                "kind.run", "kind.strength", "kind.rest")


def check_content(content: ContentLibrary) -> Catalog:
    """Raise ContentError naming the first missing label, broken template or exercise field.

    Returns the validated exercise catalog (loaded once per content folder)."""
    add_safety_labels(content)
    if set(COMMANDS) != KNOWN_COMMANDS:  # /help and the menu show every command, once
        raise ContentError(f"/help groups and the router's commands differ: "
                           f"{sorted(set(COMMANDS) ^ KNOWN_COMMANDS)}")
    for key in _required_labels():
        content.label(key)
    for name in content.template_names():
        try:
            content.env.get_template(f"{name}.j2")
        except Exception as exc:  # noqa: BLE001 - any template error is a content error
            raise ContentError(f"{content.root / 'texts' / name}.j2: {exc}") from None
    catalog = cached_catalog(content.root)
    for kit in sorted({k for e in catalog.exercises.values() for k in e.equipment}):
        content.label(f"kit.{kit}")  # /exercise names the kit in words
    check_reason_texts(content, catalog, cached_ladders(content.root))
    check_poses(cached_poses(content.root), catalog, content.root / "poses")
    check_words(content)
    return catalog


def check_words(content: ContentLibrary) -> None:
    """The reader's words load, and every label its replies name exists."""
    load_words(content.root)
    for key in (*(f"how.{o}" for o in HOW_WENT), "skip.yes", "skip.no", "race.note",
                *(f"skip_kind.{k}" for k in load_words(content.root).skip_kinds)):
        content.label(key)


def check_figures(content: ContentLibrary) -> None:
    """The geometric checks of every exercise's figure (``hipcoach content check``)."""
    check_pose_geometry(cached_poses(content.root), content.root / "poses")


def check_renders(content: ContentLibrary, template: str,
                  samples: Mapping[str, object]) -> str:
    """Render ``template`` with sample params; ContentError names the template when it fails."""
    text = content.render_text(template, dict(samples))
    if not text:
        raise ContentError(f"{content.root / 'texts' / template}.j2: renders to nothing")
    return text


def _required_labels() -> list[str]:
    keys = [f"{q.id}.{o}" for q in QUESTIONS for o in q.options]
    keys += [f"field.{q.id}" for q in QUESTIONS]
    keys += ["red_flags.none", "red_flags.done", "equipment.none", "equipment.done",
             "run_days.done"]
    keys += [f"command.{c}" for c in COMMANDS]
    keys += [f"help_group.{group}" for group, _ in HELP_GROUPS]
    keys += [*TITLES.values(), *(f"why.{k}" for k in WHY.values() if k not in WHY_IN_TEMPLATE)]
    keys += [f"motion.{m}" for m in MOTIONS]
    keys += [f"runs.refused.{r}" for r in REFUSALS] + [f"runs.skipped.{r}" for r in NOT_COUNTED]
    keys += [f"runs.sport.{s}" for s in OTHER_SPORTS]
    return keys + list(SCREENING_LABELS) + list(COACH_LABELS)


__all__ = ["ContentError", "check_content", "check_figures", "check_renders"]
