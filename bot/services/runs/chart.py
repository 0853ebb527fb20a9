"""The running row of the /progress chart, and its figures for the words.

Left: kilometres per week, with the number of runs on each bar, under the same weeks as the
hip sessions above. Right: cadence in the runner's most common pace band, one dot per run.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from typing import TYPE_CHECKING

from bot.content.library import ContentLibrary
from bot.domain.run_progress import CadenceTrend, Running
from bot.services.runs.views import pace

if TYPE_CHECKING:
    from matplotlib.axes import Axes

RUN_COLOUR = "#457b9d"
CADENCE_COLOUR = "#2a9d8f"
INK = "#1f2933"
WORDS = ("weekly", "km", "cadence", "steps", "no_cadence", "few_runs")


def running_words(content: ContentLibrary) -> dict[str, str]:
    return {f"run_{w}": content.label(f"runs.chart.{w}") for w in WORDS}


def band_text(trend: CadenceTrend) -> str:
    return f"{pace(trend.band[0])}–{pace(trend.band[1])}"


def running_view(running: Running | None) -> dict[str, object] | None:
    """What the /progress words say about the running (None: no runs yet)."""
    if running is None:
        return None
    week = running.weeks[-1] if running.weeks else None
    trend = running.trend
    return {
        "runs": week.runs if week else 0, "km": f"{(week.distance if week else 0) / 1000:.1f}",
        "total": running.total_runs,
        "band": band_text(trend) if trend else None,
        "compared": len(trend.points) if trend else 0,
        "before": round(trend.before) if trend and trend.before is not None else None,
        "after": round(trend.after) if trend and trend.after is not None else None,
    }


def draw_running(weekly: Axes, cadence: Axes, running: Running, week_format: str,
                 words: Mapping[str, str]) -> None:
    _weekly(weekly, running, week_format, words)
    _cadence(cadence, running.trend, words)


def _weekly(axes: Axes, running: Running, week_format: str, words: Mapping[str, str]) -> None:
    positions = list(range(len(running.weeks)))
    bars = axes.bar(positions, [w.distance / 1000 for w in running.weeks], width=0.6,
                    color=RUN_COLOUR)
    axes.bar_label(bars, labels=[f"{w.runs}×" if w.runs else "" for w in running.weeks],
                   padding=2, fontsize=9, color=INK)
    axes.set_xticks(positions, [w.week_start.strftime(week_format) for w in running.weeks],
                    fontsize=8)
    top = max([w.distance / 1000 for w in running.weeks] + [1.0])
    axes.set_ylim(0, top * 1.25)
    axes.set_title(words["run_weekly"], fontsize=12, fontweight="bold", color=INK, loc="left")
    axes.set_ylabel(words["run_km"], fontsize=10, color=INK)
    axes.spines[["top", "right"]].set_visible(False)


def _cadence(axes: Axes, trend: CadenceTrend | None, words: Mapping[str, str]) -> None:
    axes.spines[["top", "right"]].set_visible(False)
    if trend is None or len(trend.points) < 2:
        axes.axis("off")
        text = words["run_no_cadence"] if trend is None else words["run_few_runs"]
        axes.text(0.0, 0.5, textwrap.fill(text, 24), fontsize=10, color=INK)
        return
    values = [p.cadence for p in trend.points]
    positions = list(range(len(values)))  # one step per run: runs are compared, not days
    axes.plot(positions, values, marker="o", color=CADENCE_COLOUR, linewidth=1.2, markersize=4)
    low, high = min(values), max(values)
    axes.set_ylim(low - 4, high + 4)
    title = words["run_cadence"].replace("BAND", band_text(trend))
    axes.set_title(textwrap.fill(title, 22), fontsize=10, fontweight="bold", color=INK,
                   loc="left")
    axes.set_ylabel(words["run_steps"], fontsize=10, color=INK)
    shown = sorted({0, len(values) // 2, len(values) - 1})
    axes.set_xticks(shown, [trend.points[i].day.strftime("%d %b") for i in shown], fontsize=8)
