"""Plots: the figure of one run, and what every figure of negsim shares.

- ``sim.plots.style``: colours (one per party, the summit's, the deal's), font sizes, date
  and log axes;
- ``sim.plots.calendar``: the calendar's marks (summits, elections, events, hard deadlines,
  the deal) and the one function that draws them, ``draw_calendar``, used by the run figure,
  the sweep figures (``sim.sweep.plots``) and the teaching app (``sim.app.views``);
- ``sim.plots.sectors``: a sector's concession axis, in [0, 1] and in the sector's own unit;
- ``sim.plots.run``: the run figure (``plot_run``, written by ``negsim run`` as ``run.png``)
  and its panels (``plot_offers``, ``plot_utilities``, ``plot_pressure``).
"""

from sim.plots.calendar import (
    Mark,
    calendar_handles,
    calendar_legend_items,
    calendar_marks,
    draw_calendar,
    label_calendar,
)
from sim.plots.run import (
    mark_calendar,
    plot_offers,
    plot_pressure,
    plot_run,
    plot_utilities,
    run_marks,
)
from sim.plots.sectors import CONCESSION_LABEL, decorate_sector_axis
from sim.plots.style import PARTY_COLOURS, STYLE, party_colour

__all__ = [
    "CONCESSION_LABEL",
    "PARTY_COLOURS",
    "STYLE",
    "Mark",
    "calendar_handles",
    "calendar_legend_items",
    "calendar_marks",
    "decorate_sector_axis",
    "draw_calendar",
    "label_calendar",
    "mark_calendar",
    "party_colour",
    "plot_offers",
    "plot_pressure",
    "plot_run",
    "plot_utilities",
    "run_marks",
]
