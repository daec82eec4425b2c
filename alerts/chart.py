"""The situation report's picture: a week of reports by severity and today's by category."""

from __future__ import annotations

import io
from datetime import date


def sitrep_chart(title: str, days: list[date], by_day: dict[date, dict[int, int]], categories: dict[str, int]) -> bytes:
    """A PNG with daily counts stacked by severity and today's counts per category (counts only, no names)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    figure = Figure(figsize=(8, 3.6), dpi=100)
    left, right = figure.subplots(1, 2, gridspec_kw={"width_ratios": [3, 2]})
    labels = [d.strftime("%d/%m") for d in days]
    bottom = [0] * len(days)
    for severity, colour, name in ((1, "#f2c94c", "concern"), (2, "#f2994a", "elevated"), (3, "#eb5757", "critical")):
        values = [by_day.get(d, {}).get(severity, 0) for d in days]
        left.bar(labels, values, bottom=bottom, color=colour, label=name)
        bottom = [b + v for b, v in zip(bottom, values)]
    left.set_title("reports per day")
    left.legend(loc="upper left", fontsize=8)
    left.tick_params(axis="x", labelsize=8)
    names = sorted(categories, key=lambda c: categories[c])
    right.barh([n.replace("_", " ") for n in names], [categories[n] for n in names], color="#56ccf2")
    right.set_title("today by category")
    right.tick_params(axis="y", labelsize=8)
    figure.suptitle(title)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
