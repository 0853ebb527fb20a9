"""A stored run as the figures a template shows: numbers formatted, units left to the words."""

from __future__ import annotations

from bot.domain.runs import RunSummary, Split


def clock_time(seconds: float) -> str:
    """1865 -> "31:05"; 3725 -> "1:02:05"."""
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def pace(seconds_per_km: float) -> str:
    return clock_time(seconds_per_km) if seconds_per_km > 0 else ""


def run_view(run: RunSummary) -> dict[str, object]:
    """Figures for the templates; a missing figure is None, and the words say so."""
    return {
        "date": run.local_date.isoformat(), "weekday": run.local_date.strftime("%a"),
        "time": run.local_time, "km": f"{run.distance / 1000:.2f}",
        "moving": clock_time(run.moving_seconds), "pace": pace(run.pace),
        "ascent": None if run.ascent is None else round(run.ascent),
        "cadence": None if run.cadence_spm is None else round(run.cadence_spm),
        "step_cm": None if run.step_length is None else round(run.step_length * 100),
        "contact_ms": None if run.stance_time is None else round(run.stance_time * 1000),
        "oscillation_cm": (None if run.vertical_oscillation is None
                           else f"{run.vertical_oscillation * 100:.1f}"),
        "heart_rate": None if run.heart_rate is None else round(run.heart_rate),
        "indoor": run.indoor,
        "splits": [split_view(s) for s in run.splits],
    }


def split_view(split: Split) -> dict[str, object]:
    return {"number": split.number, "km": f"{split.distance / 1000:.2f}",
            "pace": pace(split.pace),
            "cadence": None if split.cadence_spm is None else round(split.cadence_spm)}
