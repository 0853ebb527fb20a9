"""Every word the bot shows comes from content/: labels.yaml and Jinja2 templates."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

import jinja2
import yaml

from bot.domain.model import Button, Reply

TELEGRAM_TEXT_LIMIT = 4096
ELLIPSIS = "\n…"
SAFETY_LABELS = "safety.yaml"
MAX_CLOSING = 64  # room for the closing tags a cut message needs


class ContentError(Exception):
    """Content is missing or malformed; the message names the file and the field."""


@dataclass(frozen=True)
class RenderedButton:
    label: str
    data: str
    # The label's key ("walk.done"): what a script or the simulator taps, whatever the words.
    key: str = ""


@dataclass(frozen=True)
class Attachment:
    """A file sent with a message: a chart as a photo, an export as a document, an exercise's
    figure as an animation (a file already on disk, so ``path`` instead of ``data``)."""

    kind: str  # "photo" | "document" | "animation"
    filename: str
    data: bytes = b""
    path: Path | None = None


@dataclass(frozen=True)
class RenderedMessage:
    """A reply in its final words: ``text`` is Telegram-flavoured HTML."""

    text: str
    keyboard: tuple[tuple[RenderedButton, ...], ...] = ()
    edit: bool = False
    request_location: bool = False
    dismiss_keyboard: bool = False
    attachment: Attachment | None = None
    # Where the words came from; not sent anywhere, read by the journey simulator and tests.
    template: str = field(default="", compare=False)
    params: Mapping[str, object] = field(default_factory=dict, compare=False, hash=False)


_TAG = re.compile(r"<(/?)([a-zA-Z]+)[^<>]*>")


def fit_message(text: str, limit: int = TELEGRAM_TEXT_LIMIT) -> str:
    """A message Telegram will take: at most ``limit`` characters, and when it must be
    shortened, cut at a line end (never inside a tag or an entity) with every open tag
    closed again."""
    if len(text) <= limit:
        return text
    room = limit - len(ELLIPSIS) - MAX_CLOSING
    cut = text.rfind("\n", 0, room)
    kept = text[:cut if cut > 0 else room]
    if "<" in kept[kept.rfind(">") + 1:] or "&" in kept[kept.rfind(";") + 1:]:
        kept = kept[:max(kept.rfind("<"), kept.rfind("&"))]  # no half tag or entity
    return kept + ELLIPSIS + "".join(f"</{name}>" for name in reversed(_open_tags(kept)))


def _open_tags(text: str) -> list[str]:
    stack: list[str] = []
    for closing, name in _TAG.findall(text):
        if not closing:
            stack.append(name.lower())
        elif name.lower() in stack:
            del stack[len(stack) - 1 - stack[::-1].index(name.lower())]
    return stack


class ContentLibrary:
    def __init__(self, root: Path, auto_reload: bool = False) -> None:
        self.root = root
        self.labels, self.aliases = _load_labels(root / "labels.yaml")
        if (root / SAFETY_LABELS).exists():  # the safety words live in a file of their own
            self.labels.update(_load_labels(root / SAFETY_LABELS)[0])
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(root / "texts"),
            undefined=jinja2.StrictUndefined,
            autoescape=True,
            keep_trailing_newline=False,
            # Content is checked once at start-up and fixed for the process's life; reloading
            # would stat the template file on every render and could serve an unchecked edit.
            auto_reload=auto_reload,
            cache_size=-1,
        )
        self.env.globals["label"] = self.label
        self.env.globals["labels"] = self.labels

    def add_labels(self, labels: dict[str, str]) -> None:
        """Labels that live in other content files (exercise names for buttons)."""
        self.labels.update(labels)

    def label(self, key: str) -> str:
        try:
            return self.labels[key]
        except KeyError:
            raise ContentError(f"{self.root / 'labels.yaml'}: no label '{key}'") from None

    def render(self, reply: Reply) -> RenderedMessage:
        text = self.render_text(reply.template, {**reply.params,
                                                 "request_location": reply.request_location})
        keyboard = tuple(tuple(self._button(b) for b in row) for row in reply.buttons)
        return RenderedMessage(text, keyboard, reply.edit, reply.request_location,
                               reply.dismiss_keyboard, template=reply.template,
                               params=reply.params)

    def render_text(self, template: str, params: dict[str, object]) -> str:
        try:
            text = self.env.get_template(f"{template}.j2").render(params).strip()
        except jinja2.TemplateNotFound:
            raise ContentError(f"{self.root / 'texts'}: no template '{template}.j2'") from None
        except jinja2.UndefinedError as exc:
            raise ContentError(f"{self.root / 'texts' / template}.j2: {exc.message}") from None
        return fit_message(text)

    def _button(self, button: Button) -> RenderedButton:
        label = self.label(button.label)
        return RenderedButton(f"✅ {label}" if button.selected else label, button.data,
                              button.label)

    def template_names(self) -> list[str]:
        return sorted(name.removesuffix(".j2") for name in self.env.list_templates(["j2"]))


def _load_labels(path: Path) -> tuple[dict[str, str], dict[str, list[str]]]:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ContentError(f"{path}: {exc}") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("labels"), dict):
        raise ContentError(f"{path}: expected a 'labels' mapping")
    labels = {str(k): str(v) for k, v in cast(dict[object, object], raw["labels"]).items()}
    aliases_raw = raw.get("aliases") or {}
    if not isinstance(aliases_raw, dict):
        raise ContentError(f"{path}: 'aliases' must be a mapping")
    aliases = {str(k): [str(w) for w in _as_list(path, str(k), v)] for k, v in aliases_raw.items()}
    return labels, aliases


def _as_list(path: Path, key: str, value: object) -> list[object]:
    if not isinstance(value, list):
        raise ContentError(f"{path}: aliases.{key} must be a list")
    return value
