"""The safety words: content/safety.yaml labels and the templates the safety gate names."""

from __future__ import annotations

from pathlib import Path

import yaml

from bot.content.library import ContentError, ContentLibrary
from bot.domain import clearance, safety

SAFETY_FILE = "safety.yaml"
# Every template the gate, the clearance steps and the sizing views may ask for.
TEMPLATES = (
    safety.NOTICE_RED_FLAG, safety.NOTICE_AWAITING_RETEST, safety.NOTICE_TEST_HURT,
    safety.NOTICE_CONSERVATIVE, safety.NOTICE_COMEBACK, *safety.EXERCISE_NOTICES.values(),
    clearance.ASK_TEMPLATE, clearance.CONFIRMED_TEMPLATE, clearance.DECLINED_TEMPLATE,
    clearance.RETESTED_TEMPLATE, "safety/red_flag_welcome", "safety/weekly_checkin",
    "safety/summary_ready", "safety/summary_saved", "size/duration", "size/minutes_range",
    "safety/clear_nothing",
)
LABELS = (clearance.OFFER_LABEL, clearance.CONFIRM_LABEL, clearance.DECLINE_LABEL,
          "safety.summary", "command.summary", "walk.how", "size.gym_pairing",
          "reminder.safety_clear", "reminder.safety_summary")


def load_safety_labels(content_root: Path) -> dict[str, str]:
    """The labels in content/safety.yaml; ContentError names the file when it is malformed."""
    path = content_root / SAFETY_FILE
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ContentError(f"{path}: {exc}") from None
    labels = raw.get("labels") if isinstance(raw, dict) else None
    if not isinstance(labels, dict):
        raise ContentError(f"{path}: expected a 'labels' mapping")
    return {str(key): str(value) for key, value in labels.items()}


def add_safety_labels(content: ContentLibrary) -> ContentLibrary:
    """Merge the safety labels in (once: a second call leaves the library as it is)."""
    if clearance.OFFER_LABEL not in content.labels:
        content.add_labels(load_safety_labels(content.root))
    return content


def check_safety_content(content: ContentLibrary) -> None:
    """Raise ContentError naming the first safety label or template that is missing."""
    for key in LABELS:
        content.label(key)
    names = set(content.template_names())
    for template in TEMPLATES:
        if template not in names:
            raise ContentError(f"{content.root / 'texts' / template}.j2: missing")
