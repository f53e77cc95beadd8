"""When deals are ratified: the cumulative share of runs agreed by each date, and a histogram.

One curve per level of the parameter that ``level_grouping`` picks (an election date if one
is varied, drawn at each of its dates in the level's colour), each with its median marked; the
calendar's marks are named in a strip above, so no name is printed over a curve.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import PercentFormatter

from sim.plots.calendar import (
    STRIP_ROW_INCHES,
    calendar_handles,
    draw_calendar,
    label_calendar,
)
from sim.plots.style import AGREED_COLOUR, FONT, date_axis, level_colours, wrap
from sim.sweep.plots.data import Results, SkipPlot, agreement_mask, need_runs
from sim.sweep.plots.figures import (
    calendar_window,
    mark_election_levels,
    new_figure,
    result_marks,
    title,
)
from sim.sweep.plots.levels import (
    group_by_parameter,
    level_grouping,
    param_label,
)


def agreement_dates(results: Results) -> pd.DataFrame:
    """The runs that ended in a ratified agreement, in order of their date.

    Returns:
        One row per agreement: ``run_id``, ``point``, ``replicate``, ``step``, ``date``
        (Timestamp), ``ecdf`` (share of the agreements reached by that date) and
        ``share_of_runs`` (share of all completed runs agreed by that date, which ends at
        the agreement rate), plus the varied parameters' columns.

    """
    agreed = results.agreed
    cols = [c for c in ("run_id", "point", "replicate", "step") if c in agreed]
    cols += [p for p in results.parameters if p in agreed]
    out = agreed[cols].copy()
    out["date"] = pd.to_datetime(agreed["date"].astype(str), format="ISO8601")
    out = out.sort_values(["date", "run_id"], kind="stable").reset_index(drop=True)
    k = np.arange(1, len(out) + 1)
    out["ecdf"] = k / max(len(out), 1)
    out["share_of_runs"] = k / max(len(results.ok), 1)
    return out


def _dates(results: Results) -> pd.Series:
    return agreement_dates(results)["date"]


def _median(dates: pd.Series) -> pd.Timestamp:
    """The median agreement date (the lower middle one for an even count)."""
    return dates.sort_values().iloc[(len(dates) - 1) // 2]


def _step(ax: Any, lo: Any, hi: Any, when: pd.Series, n: int, **style: Any) -> float:
    share = np.arange(1, len(when) + 1) / max(n, 1)
    last = float(share[-1]) if len(share) else 0.0
    ax.step([lo, *when.tolist(), hi], [0.0, *share, last], where="post", **style)
    return last


def plot_dates_ecdf(ax: Any, results: Results, *, by: str | None = "auto") -> Any:
    """Share of completed runs with a ratified agreement by each date (an ECDF).

    Black: all runs. With ``by`` (default: ``level_grouping``), one coloured curve per level of
    that parameter, each as a share of that level's runs; diamonds mark each curve's median
    deal. Calendar marks are drawn, unnamed: ``label_calendar`` names them in a strip.
    """
    table = agreement_dates(results)
    lo, hi = calendar_window(results, table["date"])
    by = level_grouping(results) if by == "auto" else by
    marks = result_marks(results, lo, hi)
    draw_calendar(ax, marks)
    handles = mark_election_levels(ax, results, by) + calendar_handles(marks)
    final = _step(ax, lo, hi, table["date"], len(results.ok), color="black", lw=2.4, zorder=4)
    curves = [Line2D([], [], color="black", lw=2.4, label=f"all runs: {final:.0%} agree")]
    medians = []
    if len(table):
        medians.append((_median(table["date"]), final / 2, "black", 9))
        curves[0].set_label(f"{curves[0].get_label()}, median {medians[0][0]:%Y-%m-%d}")
    if by is not None:
        group, levels, _ = group_by_parameter(results, by)
        agreed = agreement_mask(results.ok)
        for i, colour in enumerate(level_colours(len(levels))):
            n = int((group == i).sum())
            if not n:
                continue
            when = pd.to_datetime(results.ok.loc[(group == i) & agreed, "date"].astype(str))
            when = when.sort_values()
            last = _step(ax, lo, hi, when, n, color=colour, lw=1.5, zorder=3)
            text = f"{levels['label'][i]}: {last:.0%}"
            if len(when):
                medians.append((_median(when), last / 2, colour, 7))
                text += f", median {medians[-1][0]:%Y-%m-%d}"
            curves.append(Line2D([], [], color=colour, lw=1.5, label=text))
    for when, share, colour, size in medians:  # on top of every curve, never under a step
        ax.plot(
            [when], [share], ls="", marker="D", ms=size, mfc=colour, mec="white", mew=1.2, zorder=6
        )
    curves.append(
        Line2D(
            [], [], ls="", marker="D", ms=7, mfc="0.3", mec="white", label="median deal of a curve"
        )
    )
    ax.set_xlim(lo, hi)
    ax.set_ylim(0, 1.03)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_ylabel("runs agreed by date\n(share of runs)")
    ax.grid(alpha=0.3)
    if handles:  # one legend: the layout makes room for an axes' last legend only
        curves += [Line2D([], [], ls="", label=" "), *handles]
    ax.legend(
        handles=curves,
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
        title=f"by {wrap(param_label(results, by), 34)}" if by else None,
        frameon=False,
    )
    date_axis(ax)
    return ax


def plot_dates_histogram(ax: Any, results: Results, *, by: str | None = "auto") -> Any:
    """Agreements ratified at each step's date, stacked by level of ``by`` (if any)."""
    table = agreement_dates(results)
    lo, hi = calendar_window(results, table["date"])
    by = level_grouping(results) if by == "auto" else by
    draw_calendar(ax, result_marks(results, lo, hi))
    mark_election_levels(ax, results, by)
    step_days = results.scenario.calendar.step_days if results.scenario is not None else 7
    width = pd.Timedelta(days=max(1.0, 0.85 * step_days))
    dates = sorted(table["date"].unique())
    bottom = pd.Series(0, index=dates, dtype=float)
    if by is None:
        groups = [(table["date"], AGREED_COLOUR)]
    else:
        group, levels, _ = group_by_parameter(results, by)
        agreed = results.ok[agreement_mask(results.ok)]
        level = group.loc[agreed.index]
        when = pd.to_datetime(agreed["date"].astype(str), format="ISO8601")
        groups = [(when[level == i], c) for i, c in enumerate(level_colours(len(levels)))]
    for when, colour in groups:
        counts = when.value_counts().reindex(dates, fill_value=0).astype(float)
        ax.bar(dates, counts, width=width, bottom=bottom, color=colour, edgecolor="none")
        bottom += counts
    per = "week" if step_days == 7 else f"step of {step_days} days"
    ax.set_ylabel(f"agreements per {per}\n(runs)")
    ax.set_xlabel("date of ratification")
    ax.set_xlim(lo, hi)
    ax.set_title(
        f"Agreement dates: {len(table)} of {len(results.ok)} runs"
        + (" (colours: levels, stacked)" if by else ""),
        fontsize=FONT["title"],
    )
    ax.grid(alpha=0.3, axis="y")
    date_axis(ax)
    return ax


def figure(results: Results) -> Figure:
    """The calendar's marks named in a strip, the cumulative share, the histogram."""
    need_runs(results, "agreement", "date")
    if not agreement_mask(results.ok).any():
        raise SkipPlot("no run reached an agreement: no dates to plot")
    fig, body = new_figure(13.0, 8.4)
    strip, top, bottom = body.subplots(3, 1, sharex=True, height_ratios=[0.7, 3.2, 2.2])
    plot_dates_ecdf(top, results)
    plot_dates_histogram(bottom, results)
    top.tick_params(labelbottom=False)
    strip.set_title(
        "Cumulative share of runs agreed by each date (named above: the base scenario's calendar)",
        fontsize=FONT["title"],
    )
    rows = label_calendar(strip, result_marks(results, *calendar_window(results, _dates(results))))
    strip.get_gridspec().set_height_ratios([max(rows, 1) * STRIP_ROW_INCHES * 1.3, 3.2, 2.2])
    by = level_grouping(results)
    headline = "When deals are ratified" + (f", by {param_label(results, by)}" if by else "")
    if results.scenario is None:
        headline += f" (no calendar marked: {results.scenario_problem})"
    title(fig, headline, results)
    return fig
