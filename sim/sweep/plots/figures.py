"""What every sweep figure shares: its size and title, the calendar, writing the PNG whole."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.figure import Figure, SubFigure
from matplotlib.lines import Line2D

from sim.plots.calendar import Mark, calendar_marks
from sim.plots.style import FONT, level_colours, text_width, wrap
from sim.sweep.plots.data import Results
from sim.sweep.plots.levels import group_by_parameter, param_label, varied_elections

DPI = 120
MIN_WIDTH = 8.0
"""Narrowest figure, in inches: the sweep's description fits on one line."""


def plural(n: Any, word: str) -> str:
    """'1 run', '2 runs'."""
    return f"{n} {word}" + ("" if n == 1 else "s")


def describe(results: Results) -> str:
    """The sweep in one line: scenario, design, runs; failed runs and an unfinished sweep."""
    spec, m = results.spec, results.manifest
    if results.scenario is not None:
        scenario = results.scenario.title
    else:
        path = m.get("scenario_path") or spec.get("scenario") or "?"
        scenario = Path(str(path)).stem
    text = (
        f"{scenario} — {results.design} sweep: {len(results.ok)} runs, "
        f"{m.get('n_points', '?')} points × {plural(spec.get('replicates', '?'), 'replicate')}"
    )
    notes = []
    if results.n_failed:
        notes.append(f"{plural(results.n_failed, 'failed run')} left out")
    n_runs = m.get("n_runs")
    if not m.get("finished") or (n_runs and len(results.runs) < int(n_runs)):
        notes.append(f"incomplete sweep: {len(results.runs)} of {n_runs} runs")
    return text + (f" ({'; '.join(notes)})" if notes else "")


def new_figure(width: float, height: float) -> tuple[Figure, SubFigure]:
    """A figure with a constrained layout, at least ``MIN_WIDTH`` wide, and its body.

    Panels and legends go on the body (a subfigure), the title and the sweep's description on
    the figure: a figure's own legend placed outside its panels would overlap them.
    """
    fig = plt.figure(figsize=(max(width, MIN_WIDTH), height), layout="constrained", dpi=DPI)
    return fig, fig.subfigures(1, 1)


def title(fig: Any, headline: str, results: Results) -> None:
    """The headline on top, in one line if it can; the sweep's description as a footer."""
    inches = fig.get_figwidth() - 0.4
    fig.suptitle(wrap(headline, text_width(FONT["suptitle"], inches)), fontsize=FONT["suptitle"])
    fig.supxlabel(
        wrap(describe(results), text_width(FONT["note"], inches)),
        fontsize=FONT["note"],
        color="0.3",
    )


def result_marks(results: Results, lo: Any = None, hi: Any = None) -> list[Mark]:
    """The base scenario's calendar marks in a window, without the elections the sweep moves."""
    if results.scenario is None:
        return []
    skip = set(varied_elections(results).values())
    return calendar_marks(results.scenario, lo, hi, skip_elections=skip)


def mark_election_levels(ax: Any, results: Results, by: str | None) -> list[Any]:
    """Draw each level of a varied election date (in its level's colour); legend handles."""
    handles: list[Any] = []
    for path, (party, _) in varied_elections(results).items():
        if path not in results.runs:
            continue
        _, table, kind = group_by_parameter(results, path)
        if kind != "date":
            continue
        label = param_label(results, path).removesuffix(" date")
        colour = results.party_colour(party)
        if path == by:
            for level, c in zip(table["level"], level_colours(len(table)), strict=True):
                ax.axvline(level, color=c, ls="--", lw=1.4, zorder=1)
            handles.append(
                Line2D(
                    [], [], color="0.3", ls="--", lw=1.4, label=f"{label}: its date at each level"
                )
            )
        else:
            for level in table["level"]:
                ax.axvline(level, color=colour, ls=":", lw=1, alpha=0.6)
            handles.append(Line2D([], [], color=colour, ls=":", lw=1, label=f"{label} (varied)"))
    return handles


def calendar_window(results: Results, dates: pd.Series) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The scenario's calendar, widened to hold ``dates`` (or the dates alone without it)."""
    if results.scenario is not None:
        cal = results.scenario.calendar
        lo, hi = pd.Timestamp(cal.start), pd.Timestamp(cal.end)
    elif len(dates):
        pad = max(pd.Timedelta(days=14), (dates.max() - dates.min()) * 0.03)
        lo, hi = dates.min() - pad, dates.max() + pad
    else:
        lo = hi = pd.Timestamp("today").normalize()
    if len(dates):
        lo, hi = min(lo, dates.min()), max(hi, dates.max())
    return lo, hi


def save_whole(fig: Figure, path: Path) -> None:
    """Write the PNG whole or not at all: a full disk must not leave half an image.

    Raises:
        OSError: the write failed (nothing is left at ``path`` or beside it).

    """
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        fig.savefig(tmp, dpi=DPI, format=path.suffix.lstrip(".") or "png")
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
