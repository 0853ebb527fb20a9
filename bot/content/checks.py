"""Start-up validation: every label and template the dialogue can ask for exists and renders."""

from __future__ import annotations

from bot.content.library import ContentError, ContentLibrary
from bot.domain.screening import QUESTIONS

SCREENING_LABELS = ("summary.confirm", "summary.change", "change.back", "zone.yes", "zone.no",
                    "restart.keep", "restart.resume", "restart.fresh", "toast.stale",
                    "toast.pick_a_day", "location.share")
COMMANDS = ("start", "help", "cancel")


def check_content(content: ContentLibrary) -> None:
    """Raise ContentError naming the first missing label or broken template."""
    for key in _required_labels():
        content.label(key)
    for name in content.template_names():
        try:
            content.env.get_template(f"{name}.j2")
        except Exception as exc:  # noqa: BLE001 - any template error is a content error
            raise ContentError(f"{content.root / 'texts' / name}.j2: {exc}") from None


def _required_labels() -> list[str]:
    keys = [f"{q.id}.{o}" for q in QUESTIONS for o in q.options]
    keys += [f"field.{q.id}" for q in QUESTIONS]
    keys += ["red_flags.none", "red_flags.done", "equipment.none", "equipment.done",
             "run_days.done"]
    keys += [f"command.{c}" for c in COMMANDS]
    return keys + list(SCREENING_LABELS)


__all__ = ["ContentError", "check_content"]
