"""The one-page PDF a runner can take to a physio or doctor (fpdf2).

Everything on the page fits one A4 sheet however long the history: each section keeps its
newest rows and says how many older ones it left out; a cell too long for its column is cut
with an ellipsis. Every word comes from content/ (labels.yaml, safety.yaml, the exercise
library); dates are ISO 8601 so no month names are needed.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from bot.content.library import ContentLibrary
from bot.domain.catalog import Catalog
from bot.domain.clinician import (
    SELF_TESTS,
    Answer,
    ClinicianSummary,
    PainReport,
    PlanChange,
    PlanDay,
    SelfTest,
)

MARGIN = 12.0
ROW = 4.6  # mm per table row
PAIR_LABEL = 38.0  # mm for a question's name in the answers
FONT = "DejaVu"
GREY = (110, 110, 110)
RULE = (200, 200, 200)
SHADE = (242, 242, 242)
# Rows a section may use before it summarises the rest as "and N more"; when a long history
# would reach the footer, the next, tighter set is used.
CAPS: tuple[dict[str, int], ...] = (
    {"flags": 3, "tests": 6, "pain": 5, "changes": 5},
    {"flags": 3, "tests": 6, "pain": 4, "changes": 4},
    {"flags": 2, "tests": 3, "pain": 3, "changes": 3},
    {"flags": 1, "tests": 3, "pain": 2, "changes": 2},
)
FOOTER = 6.0  # mm kept clear above the bottom margin for the footer line
# Characters past this point (arrows, symbols, emoji) are not in the font: labels lose them.
_LAST_PRINTABLE = 0x218F


@dataclass(frozen=True)
class SummaryWords:
    """Labels (with safety.yaml merged in) and exercise names, as the page needs them."""

    labels: dict[str, str]
    exercise_names: dict[str, str]

    @classmethod
    def from_content(cls, content: ContentLibrary, catalog: Catalog) -> SummaryWords:
        names = {e.id: e.name for e in catalog.exercises.values()}
        return cls(dict(content.labels), names)

    def label(self, key: str, **fields: object) -> str:
        text = _clean(self.labels[key])
        return text.format(**fields) if fields else text

    def has(self, key: str) -> bool:
        return key in self.labels

    def exercise(self, exercise_id: str) -> str:
        return _clean(self.exercise_names.get(exercise_id, exercise_id))


def _clean(text: str) -> str:
    kept = "".join(c for c in text if ord(c) <= _LAST_PRINTABLE)
    return " ".join(kept.split())


@cache
def _font_dir() -> Path:
    """DejaVu ships with matplotlib (already a dependency) and covers every label."""
    spec = importlib.util.find_spec("matplotlib")
    if spec is None or spec.origin is None:
        raise RuntimeError("matplotlib is needed for the summary's font")
    return Path(spec.origin).parent / "mpl-data" / "fonts" / "ttf"


def render_clinician_summary(summary: ClinicianSummary, words: SummaryWords) -> bytes:
    """The summary as PDF bytes: one A4 page, the tightest row caps only when needed."""
    for caps in CAPS:
        page = _draw(summary, words, caps)
        if page.fits():
            break
    page.footer_line()
    return bytes(page.pdf.output())


def _draw(summary: ClinicianSummary, words: SummaryWords, caps: dict[str, int]) -> _Page:
    page = _Page(words, caps)
    page.header_block(summary)
    page.flags(summary)
    page.answers(summary.answers)
    page.tests(summary.self_tests)
    page.pain(summary.pain_reports)
    page.plan(summary)
    page.changes(summary.changes)
    return page


class _Page:
    """Draws the sections top to bottom on one page; each method is one section."""

    def __init__(self, words: SummaryWords, caps: dict[str, int]) -> None:
        self.w = words
        self.caps = caps
        pdf = FPDF(orientation="P", unit="mm", format="A4")
        fonts = _font_dir()
        pdf.add_font(FONT, "", str(fonts / "DejaVuSans.ttf"))
        pdf.add_font(FONT, "B", str(fonts / "DejaVuSans-Bold.ttf"))
        pdf.add_font(FONT, "I", str(fonts / "DejaVuSans-Oblique.ttf"))
        pdf.set_margins(MARGIN, MARGIN, MARGIN)
        pdf.set_auto_page_break(False)
        pdf.set_title(words.label("clinician.title"))
        pdf.set_creator("Hip Coach")
        pdf.add_page()
        self.pdf = pdf
        self.width = pdf.w - 2 * MARGIN

    # ---- sections

    def header_block(self, summary: ClinicianSummary) -> None:
        pdf, w = self.pdf, self.w
        pdf.set_font(FONT, "B", 16)
        pdf.cell(self.width, 8, w.label("clinician.title"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        meta = [w.label("clinician.prepared", date=_iso(summary.generated_on))]
        if summary.runner_name:
            meta.append(w.label("clinician.runner", name=_clean(summary.runner_name)))
        self._font("", 9, GREY)
        pdf.cell(self.width, 5, self._fit("   ·   ".join(meta), self.width), new_x=XPos.LMARGIN,
                 new_y=YPos.NEXT)
        pdf.ln(1)
        self._font("I", 8.5)
        pdf.set_fill_color(*SHADE)
        pdf.multi_cell(self.width, 4.2, w.label("clinician.disclaimer"), fill=True,
                       padding=(1, 2), new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def flags(self, summary: ClinicianSummary) -> None:
        self._heading("clinician.section.flags")
        rows = sorted(summary.red_flags, key=lambda f: f.raised_on, reverse=True)
        self._rows([(_iso(f.raised_on), self.w.label(f"clinician.flag.{f.reason}"))
                    for f in rows], (26, self.width - 26), self.caps["flags"], header=False)
        cleared = summary.cleared_on
        active = [f for f in rows if cleared is None or f.raised_on > cleared]
        if active:
            since = min(f.raised_on for f in active)
            self._line(self.w.label("clinician.paused", date=_iso(since)), bold=True)
        elif cleared is not None:
            self._line(self.w.label("clinician.cleared", date=_iso(cleared)))

    def answers(self, answers: Sequence[Answer]) -> None:
        """The latest answer to each question, two to a row."""
        self._heading("clinician.section.answers")
        latest: dict[str, Answer] = {}
        for answer in sorted(answers, key=lambda a: a.answered_on):
            if answer.question not in SELF_TESTS:
                latest[answer.question] = answer
        pairs = [(self._field(a.question), self._values(a)) for a in latest.values()]
        if not pairs:
            self._line(self.w.label("clinician.none"))
        half = self.width / 2
        self._font("", 8.5)
        short = [p for p in pairs if self.pdf.get_string_width(p[1]) <= half - PAIR_LABEL - 3]
        for left, right in _pairs(short):
            self._pair(left, half)
            if right:
                self._pair(right, half)
            self.pdf.ln(ROW)
        for pair in (p for p in pairs if p not in short):
            self._pair(pair, self.width)
            self.pdf.ln(ROW)

    def tests(self, tests: Sequence[SelfTest]) -> None:
        w = self.w
        self._heading("clinician.section.tests")
        rows = sorted(tests, key=lambda t: t.taken_on, reverse=True)
        when = ("clinician.at_screening", "clinician.at_retest")
        self._rows([(_iso(t.taken_on), w.label(f"clinician.test.{t.test}"),
                     w.label(f"clinician.result.{t.result}"), w.label(when[t.retest]))
                    for t in rows], (26, 96, 36, self.width - 158), self.caps["tests"],
                   ("clinician.col.date", "clinician.col.test", "clinician.col.result",
                    "clinician.col.when"))

    def pain(self, reports: Sequence[PainReport]) -> None:
        w = self.w
        self._heading("clinician.section.pain")
        rows = sorted(reports, key=lambda r: r.reported_on, reverse=True)
        self._rows([(_iso(r.reported_on), w.exercise(r.exercise_id),
                     self._maybe("pain_side", r.side), self._maybe("pain_severity", r.severity))
                    for r in rows], (26, 96, 30, self.width - 152), self.caps["pain"],
                   ("clinician.col.date", "clinician.col.move", "clinician.col.side",
                    "clinician.col.severity"))

    def plan(self, summary: ClinicianSummary) -> None:
        w = self.w
        self._heading("clinician.section.plan")
        if not summary.plan_days:
            self._line(w.label("clinician.no_plan"))
            return
        if summary.plan_version is not None and summary.plan_dated is not None:
            self._line(w.label("clinician.plan_version", number=summary.plan_version,
                               date=_iso(summary.plan_dated)), grey=True)
        for day in summary.plan_days:
            self._plan_day(day)

    def changes(self, changes: Sequence[PlanChange]) -> None:
        self._heading("clinician.section.changes")
        rows = sorted(changes, key=lambda c: c.made_on, reverse=True)
        self._rows([(_iso(c.made_on), self._change(c), self._moves(c),
                     self._maybe("pain_side", c.side)) for c in rows],
                   (24, 76, 64, self.width - 164), self.caps["changes"],
                   ("clinician.col.date", "clinician.col.change", "clinician.col.move",
                    "clinician.col.side"))

    def fits(self) -> bool:
        return self.pdf.get_y() <= self.pdf.h - MARGIN - FOOTER

    def footer_line(self) -> None:
        pdf = self.pdf
        pdf.set_y(pdf.h - MARGIN - 4)
        self._font("", 7.5, GREY)
        pdf.cell(self.width, 4, self.w.label("clinician.footer"), align="C")

    # ---- pieces

    def _font(self, style: str, size: float, colour: tuple[int, int, int] = (0, 0, 0)) -> None:
        self.pdf.set_font(FONT, style, size)
        self.pdf.set_text_color(*colour)

    def _heading(self, key: str) -> None:
        pdf = self.pdf
        pdf.ln(2.5)
        self._font("B", 11)
        pdf.cell(self.width, 6, self.w.label(key), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_draw_color(*RULE)
        pdf.line(MARGIN, pdf.get_y(), MARGIN + self.width, pdf.get_y())
        pdf.ln(0.8)

    def _line(self, text: str, bold: bool = False, grey: bool = False) -> None:
        self._font("B" if bold else "", 8.5, GREY if grey else (0, 0, 0))
        self.pdf.cell(self.width, ROW, self._fit(text, self.width), new_x=XPos.LMARGIN,
                      new_y=YPos.NEXT)

    def _rows(self, rows: Sequence[tuple[str, ...]], widths: Sequence[float], cap: int,
              header: tuple[str, ...] | bool = True) -> None:
        if not rows:
            self._line(self.w.label("clinician.none"))
            return
        if isinstance(header, tuple):
            self._font("B", 8, GREY)
            self._cells([self.w.label(k) for k in header], widths)
        self._font("", 8.5)
        for row in rows[:cap]:
            self._cells(row, widths)
        if len(rows) > cap:
            self._line(self.w.label("clinician.more", n=len(rows) - cap), grey=True)

    def _cells(self, cells: Sequence[str], widths: Sequence[float]) -> None:
        for text, width in zip(cells, widths, strict=True):
            self.pdf.cell(width, ROW, self._fit(text, width - 1.5))
        self.pdf.ln(ROW)

    def _pair(self, pair: tuple[str, str], width: float) -> None:
        name, value = pair
        self._font("B", 8.5)
        self.pdf.cell(PAIR_LABEL, ROW, self._fit(name, PAIR_LABEL - 1.5))
        self._font("", 8.5)
        self.pdf.cell(width - PAIR_LABEL, ROW, self._fit(value, width - PAIR_LABEL - 3))

    def _plan_day(self, day: PlanDay) -> None:
        w = self.w
        names = [w.exercise(i) for i in day.exercise_ids]
        self._font("B", 8.5)
        self.pdf.cell(24, ROW, self._fit(w.label(f"day.{day.weekday}"), 22.5))
        self._font("", 8.5)
        title = w.label(day.title) if w.has(day.title) else ""
        text = self._fit_list(f"{title}: " if names else title, names, self.width - 25.5)
        self.pdf.cell(self.width - 24, ROW, text)
        self.pdf.ln(ROW)

    def _fit(self, text: str, width: float) -> str:
        """The text, cut with an ellipsis so it never runs past its column."""
        if self.pdf.get_string_width(text) <= width:
            return text
        while text and self.pdf.get_string_width(text + "…") > width:
            text = text[:-1]
        return text.rstrip(" ,;:") + "…"

    def _fit_list(self, lead: str, names: Sequence[str], width: float) -> str:
        """As many names as fit, then "+N more" for the rest."""
        if not names:
            return self._fit(lead, width)
        for count in range(len(names), 0, -1):
            rest = len(names) - count
            more = f", {self.w.label('clinician.more_items', n=rest)}" if rest else ""
            text = lead + ", ".join(names[:count]) + more
            if self.pdf.get_string_width(text) <= width:
                return text
        return self._fit(lead + self.w.label("clinician.more_items", n=len(names)), width)

    def _field(self, question: str) -> str:
        return self.w.label(f"field.{question}")

    def _values(self, answer: Answer) -> str:
        w = self.w
        if not answer.values:
            key = f"{answer.question}.none"
            return w.label(key) if w.has(key) else w.label("clinician.not_given")
        if answer.question == "minutes":
            return w.label("clinician.minutes", n=answer.values[0])
        return ", ".join(self._value(answer.question, v) for v in answer.values)

    def _value(self, question: str, value: str) -> str:
        group = "clinician.flag" if question == "red_flags" else question
        key = f"{group}.{value}"
        return self.w.label(key) if self.w.has(key) else _clean(value)

    def _maybe(self, group: str, value: str | None) -> str:
        return self.w.label(f"{group}.{value}") if value else self.w.label("clinician.not_given")

    def _change(self, change: PlanChange) -> str:
        text = self.w.label(f"clinician.change.{change.reason}")
        return f"{text} {self.w.label('clinician.undone')}" if change.undone else text

    def _moves(self, change: PlanChange) -> str:
        names = [self.w.exercise(i) for i in (change.exercise_id, change.replacement_id) if i]
        return " → ".join(names) if names else self.w.label("clinician.not_given")


def _pairs(items: Sequence[tuple[str, str]]) -> list[tuple[tuple[str, str],
                                                        tuple[str, str] | None]]:
    return [(items[i], items[i + 1] if i + 1 < len(items) else None)
            for i in range(0, len(items), 2)]


def _iso(day: date) -> str:
    return day.isoformat()
