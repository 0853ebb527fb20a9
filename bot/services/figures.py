"""Replies that carry an exercise's moving figure, as messages with the animation attached.

``prepare`` draws what is missing and runs where the transition runs (a worker thread in the
bot), so the event loop only ever finds ready files; ``messages`` never draws.
"""

from __future__ import annotations

import logging
from pathlib import Path

from bot.content.library import Attachment, ContentLibrary, RenderedMessage
from bot.domain.catalog import Catalog
from bot.domain.model import FIGURE_CAPTION, FigureRequest, Reply
from bot.figures.store import FigureStore

log = logging.getLogger(__name__)


class FigureReplies:
    def __init__(self, store: FigureStore, content: ContentLibrary, catalog: Catalog) -> None:
        self.store = store
        self.content = content
        self.catalog = catalog

    def prepare(self, replies: tuple[Reply, ...]) -> None:
        """Draws the figures these replies ask for that are not on disk yet."""
        for reply in replies:
            if reply.figure is not None:
                try:
                    self.store.animation(reply.figure.exercise_id, reply.figure.side)
                except (LookupError, ValueError, OSError) as exc:
                    # A figure that cannot be drawn never costs the runner the words.
                    log.warning("no figure for %s: %s", reply.figure.exercise_id, exc)

    def messages(self, reply: Reply) -> tuple[RenderedMessage, ...]:
        """The figure as an animation captioned by its cues, then the reply's own text."""
        rendered = self.content.render(reply)
        path = self._ready(reply.figure) if reply.figure is not None else None
        if reply.figure is None or path is None:
            return (rendered,)
        animation = Attachment("animation", path.name, path=path)
        if reply.template == FIGURE_CAPTION:
            return (RenderedMessage(rendered.text, rendered.keyboard, attachment=animation,
                                    template=reply.template, params=reply.params),)
        caption = self.content.render_text(FIGURE_CAPTION, self._caption(reply.figure))
        return (RenderedMessage(caption, attachment=animation, template=FIGURE_CAPTION),
                rendered)

    def _ready(self, figure: FigureRequest) -> Path | None:
        try:
            path = self.store.path_for(figure.exercise_id, figure.side, "gif")
        except (LookupError, ValueError):
            return None
        return path if path.exists() else None

    def _caption(self, figure: FigureRequest) -> dict[str, object]:
        exercise = self.catalog.exercise(figure.exercise_id)
        return {"name": exercise.name, "cues": list(exercise.cues), "new": False}
