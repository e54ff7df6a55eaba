"""Draws the progress chart: weekly distance bars by surface, pain max/average on 0-10.

matplotlib is imported inside the function, through its object API and the Agg
canvas (no pyplot, no global state), so starting the bot stays fast and charts
can be drawn from worker threads. Colours are the Okabe-Ito palette, which
stays distinguishable with the common colour-vision deficiencies; surfaces
also get hatch patterns and the two pain lines differ in style and marker.
"""

from __future__ import annotations

import io
import logging
from typing import TYPE_CHECKING

from dialogs.units import KM_PER_MILE

if TYPE_CHECKING:
    from dialogs.progress import Week

logger = logging.getLogger(__name__)

SIZE_PX = (1080, 1080)  # square: fills a phone screen's width in Telegram and Discord
DPI = 100
FONT_PT = 22
SURFACE_STYLE = {  # surface -> (label, Okabe-Ito colour, hatch)
    "road": ("Road", "#0072B2", ""),
    "track": ("Track", "#56B4E9", "//"),
    "trail": ("Trail", "#009E73", "\\\\"),
    "grass": ("Grass", "#F0E442", ".."),
    "treadmill": ("Treadmill", "#CC79A7", "xx"),
    "mixed": ("Mixed", "#E69F00", "--"),
    "unknown": ("Not said", "#BBBBBB", ""),
}
PAIN_MAX_STYLE = {"color": "#000000", "linestyle": "-", "marker": "o", "linewidth": 4, "markersize": 12}
PAIN_AVG_STYLE = {"color": "#D55E00", "linestyle": "--", "marker": "D", "linewidth": 4, "markersize": 11}
TEXTS = {
    "title": "Your running and your back",
    "left": "Distance per week ({unit})",
    "right": "Back pain (0–10)",
    "pain_max": "Worst pain",
    "pain_avg": "Average pain",
    "week": "Week starting",
}


def progress_chart(weeks: list[Week], units: str = "km") -> bytes:
    """Returns a PNG of the weeks: stacked distance bars by surface and the two pain lines."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    factor = 1 / KM_PER_MILE if units == "mi" else 1.0
    unit = "mi" if units == "mi" else "km"
    fig = Figure(figsize=(SIZE_PX[0] / DPI, SIZE_PX[1] / DPI), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    x = list(range(len(weeks)))
    labels = [f"{w.start.day} {w.start:%b}" for w in weeks]

    bottoms = [0.0] * len(weeks)
    present = [s for s in SURFACE_STYLE if any(w.surfaces.get(s) for w in weeks)]
    for surface in present:
        label, colour, hatch = SURFACE_STYLE[surface]
        heights = [w.surfaces.get(surface, 0.0) * factor for w in weeks]
        ax.bar(x, heights, bottom=bottoms, color=colour, hatch=hatch, edgecolor="#333333", linewidth=1, label=label)
        bottoms = [b + h for b, h in zip(bottoms, heights)]

    ax.set_ylabel(TEXTS["left"].format(unit=unit), fontsize=FONT_PT)
    ax.set_xticks(x, labels, rotation=45, ha="right", fontsize=FONT_PT - 4)
    ax.tick_params(axis="y", labelsize=FONT_PT - 2)
    ax.set_ylim(0, max(max(bottoms) * 1.15, 1.0))
    ax.grid(axis="y", color="#DDDDDD")
    ax.set_axisbelow(True)

    pain_ax = ax.twinx()
    for key, style in (("pain_max", PAIN_MAX_STYLE), ("pain_avg", PAIN_AVG_STYLE)):
        points = [(i, getattr(w, key)) for i, w in zip(x, weeks) if getattr(w, key) is not None]
        if points:
            xs, ys = zip(*points)
            pain_ax.plot(xs, ys, label=TEXTS[key], **style)
    pain_ax.set_ylim(0, 10.5)
    pain_ax.set_yticks(range(0, 11, 2))
    pain_ax.set_ylabel(TEXTS["right"], fontsize=FONT_PT)
    pain_ax.tick_params(axis="y", labelsize=FONT_PT - 2)

    handles, names = ax.get_legend_handles_labels()
    more, more_names = pain_ax.get_legend_handles_labels()
    fig.legend(
        handles + more,
        names + more_names,
        loc="outside lower center",
        ncols=3,
        fontsize=FONT_PT - 4,
        frameon=False,
    )
    ax.set_title(TEXTS["title"], fontsize=FONT_PT + 4, pad=16)

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, facecolor="white")
    logger.debug("chart drawn: %d weeks, %d bytes", len(weeks), buffer.tell())
    return buffer.getvalue()
