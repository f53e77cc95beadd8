"""One place for the look of every figure: colours, font sizes, date and log axes.

The run figure (``sim.plots.run``), the sweep figures (``sim.sweep.plots``) and the teaching
app (``sim.app.views``) take their colours from here, so a party, a summit or a deal looks the
same wherever it is drawn.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from typing import Any

import matplotlib.dates as mdates
import numpy as np
from matplotlib import colormaps
from matplotlib.ticker import Formatter, FuncFormatter, LogLocator, NullFormatter

PARTY_COLOURS = ["#1f4e9c", "#c0392b", "#2e8b57", "#8e44ad", "#d68910", "#17a589"]
"""One colour per party, in the scenario's order (the first two: blue and red)."""

SUMMIT_COLOUR = "#f5b041"
SUMMIT_TEXT_COLOUR = "#8a5a00"  # a summit's name: the shading's hue, dark enough to read
SUMMIT_ALPHA = 0.35
EVENT_COLOUR = "#7f7f7f"
DEAL_COLOUR = "#000000"
REFERENCE_COLOUR = "#4d4d4d"  # focal levels of a sector (e.g. TPP)
AGREED_COLOUR = "#2e8b57"
NO_DEAL_COLOUR = "#8c8c8c"
ACCENT_COLOUR = "#1f4e9c"  # one-series charts (agreement rate, boxes)
NASH_COLOUR = "#f39c12"  # the Nash bargaining solution (a star)
LOBBY_COLOURS = ["#2e8b57", "#8e44ad", "#d68910", "#17a589", "#7f8c8d", "#a04000"]
"""Lobbies' colours (not the parties': a lobby is not its government)."""

FONT = {"title": 11.5, "label": 10.0, "tick": 9.0, "legend": 9.0, "note": 8.5, "suptitle": 13.0}
"""Font sizes in points; figures are written at 110-120 dpi, so 9 pt is about 14 pixels."""

STYLE = {
    "font.size": FONT["label"],
    "axes.titlesize": FONT["title"],
    "axes.labelsize": FONT["label"],
    "xtick.labelsize": FONT["tick"],
    "ytick.labelsize": FONT["tick"],
    "legend.fontsize": FONT["legend"],
    "legend.title_fontsize": FONT["legend"],
    "figure.titlesize": FONT["suptitle"],
    "axes.spines.top": False,
    "axes.spines.right": False,
}
"""rcParams for the figures written to files (``matplotlib.pyplot.rc_context(STYLE)``)."""


def party_colour(index: int) -> str:
    """The colour of the party at ``index`` in the scenario's order."""
    return PARTY_COLOURS[index % len(PARTY_COLOURS)]


def level_colours(n: int, cmap: str = "viridis") -> list[Any]:
    """``n`` colours for the ordered levels of a parameter (light enough to see on white)."""
    colours = colormaps[cmap]
    return [colours(0.88 * i / max(n - 1, 1)) for i in range(n)]


def wrap(text: str, width: int) -> str:
    """``text`` in lines of at most ``width`` characters, never breaking a word."""
    return "\n".join(
        textwrap.wrap(text, max(width, 8), break_long_words=False, break_on_hyphens=False)
    )


def text_width(fontsize: float, inches: float) -> int:
    """About how many characters of ``fontsize`` points fit in ``inches``."""
    return max(12, int(inches * 72.0 / (0.55 * fontsize)))


class DateTicks(Formatter):
    """Short date labels ('Jul', 'Aug', or '15 Jul') that name the year only when needed.

    The year goes on a second line under the first visible tick and under each tick where the
    year changes; ticks on the first of January of every year are labelled by the year alone.
    """

    def __call__(self, x: float, pos: int | None = None) -> str:
        """One label on its own (used for the cursor readout)."""
        return mdates.num2date(x).strftime("%d %b %Y")

    def format_ticks(self, values: Sequence[float]) -> list[str]:
        """Labels for all the ticks at once, so that the year is written only when needed."""
        lo, hi = self.axis.get_view_interval() if self.axis is not None else (-np.inf, np.inf)
        dates = [mdates.num2date(v) for v in values]
        yearly = all(d.month == 1 and d.day == 1 for d in dates)
        monthly = all(d.day == 1 for d in dates)
        labels, year = [], None
        for v, d in zip(values, dates, strict=True):
            if yearly:
                labels.append(str(d.year))
                continue
            text = d.strftime("%b") if monthly else f"{d.day} {d:%b}"
            if min(lo, hi) <= v <= max(lo, hi) and d.year != year:
                text += f"\n{d.year}"
                year = d.year
            labels.append(text)
        return labels


def date_axis(ax: Any, maxticks: int = 8) -> None:
    """Date ticks labelled 'Jul', 'Aug', with the year under the first and at each new year."""
    ax.xaxis.set_major_locator(mdates.AutoDateLocator(minticks=3, maxticks=maxticks))
    ax.xaxis.set_major_formatter(DateTicks())


def log_axis(ax: Any, axis: str = "x") -> None:
    """A log axis labelled in plain numbers (0.25, 1, 4) rather than powers of ten."""
    which = ax.xaxis if axis == "x" else ax.yaxis
    (ax.set_xscale if axis == "x" else ax.set_yscale)("log")
    which.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    which.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    which.set_minor_formatter(NullFormatter())
