"""Offers over time in the runs whose time series the sweep kept (``timeseries: {runs: N}``).

With a parameter of a few levels (``level_grouping``), one panel per sector and party, one
median curve per level: pooling the levels would blur the very differences the sweep asks
about. Otherwise one fan per sector (median, 50% and 90% of runs) for each party.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from sim.calendar import possessive
from sim.plots.calendar import (
    STRIP_ROW_INCHES,
    calendar_handles,
    draw_calendar,
    label_calendar,
)
from sim.plots.sectors import decorate_sector_axis
from sim.plots.style import FONT, date_axis, level_colours
from sim.sweep.plots.data import Results, SkipPlot
from sim.sweep.plots.figures import (
    mark_election_levels,
    new_figure,
    plural,
    result_marks,
    title,
)
from sim.sweep.plots.levels import group_by_parameter, level_grouping, param_label

QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
BAND_ALPHAS = (0.18, 0.35)  # 90% band, 50% band
MIN_RUNS = 3
"""Fewest runs still negotiating at a step for its quantiles to be drawn."""


def trajectory_quantiles(
    results: Results,
    column: str,
    quantiles: Sequence[float] = QUANTILES,
    runs: Sequence[int] | None = None,
) -> pd.DataFrame:
    """Per-step quantiles of one time-series column over the sampled runs (or ``runs``).

    A run leaves the sample when it ends, and an offer is NaN before a side's first offer:
    each step's quantiles are over the runs with a value at that step (``n``).

    Returns:
        Indexed by ``step``: ``date`` (Timestamp), ``n`` and one column per quantile,
        named ``q05``, ``q25``, ``q50``, ``q75``, ``q95`` for the defaults.

    Raises:
        ValueError: no time series in the sweep, or no such column.

    """
    series = results.timeseries
    if series is None:
        raise ValueError("the sweep holds no time series (timeseries/part-*.parquet)")
    if column not in series:
        raise ValueError(f"no time-series column {column!r}")
    if runs is not None:
        series = series[series["run_id"].isin(runs)]
    grouped = series[["step", column]].dropna().groupby("step")[column]
    out = pd.DataFrame({"n": grouped.size()})
    for q in quantiles:
        out[f"q{round(q * 100):02d}"] = grouped.quantile(q)
    if "date" in series:
        dates = series.groupby("step")["date"].first()
        out.insert(0, "date", pd.to_datetime(dates.reindex(out.index).astype(str)))
    out.index.name = "step"
    return out


def _finish(ax: Any, results: Results, sector: str, xs: list[Any]) -> None:
    if xs and isinstance(xs[0], pd.Timestamp):
        lo, hi = min(xs), max(xs)
        draw_calendar(ax, result_marks(results, lo, hi))
        ax.set_xlim(lo, hi)
        date_axis(ax, maxticks=6)
    scenario = results.scenario
    if scenario is not None and sector in scenario.sectors:
        decorate_sector_axis(ax, scenario.sectors[sector], unit_label=False)
    else:
        ax.set_ylim(-0.04, 1.04)
        ax.set_title(results.sector_label(sector), fontsize=FONT["title"])
    ax.grid(alpha=0.3)


def plot_trajectory(ax: Any, results: Results, sector: str) -> Any:
    """Fan chart of each party's offers in one sector: median, 50% and 90% bands."""
    xs: list[Any] = []
    for p in results.parties:
        col = f"offer.{p}.{sector}"
        if results.timeseries is None or col not in results.timeseries:
            continue
        q = trajectory_quantiles(results, col)
        q = q[q["n"] >= min(MIN_RUNS, int(q["n"].max()))]
        if q.empty:
            continue
        x = q["date"] if "date" in q else q.index.to_series()
        colour = results.party_colour(p)
        ax.fill_between(x, q["q05"], q["q95"], color=colour, alpha=BAND_ALPHAS[0], lw=0)
        ax.fill_between(x, q["q25"], q["q75"], color=colour, alpha=BAND_ALPHAS[1], lw=0)
        ax.plot(x, q["q50"], color=colour, lw=1.8)
        xs += [x.min(), x.max()]
    _finish(ax, results, sector, xs)
    return ax


def _run_levels(results: Results, by: str) -> tuple[pd.Series, pd.DataFrame]:
    """The level of ``by`` of each sampled run (indexed by run id), and the level table."""
    group, table, _ = group_by_parameter(results, by)
    return pd.Series(group.to_numpy(), index=results.ok["run_id"].to_numpy()), table


def plot_trajectory_by_level(ax: Any, results: Results, sector: str, party: str, by: str) -> Any:
    """One party's median offer in one sector, one curve per level of ``by``."""
    levels, table = _run_levels(results, by)
    sampled = results.timeseries["run_id"].unique() if results.timeseries is not None else []
    col = f"offer.{party}.{sector}"
    xs: list[Any] = []
    for i, colour in enumerate(level_colours(len(table))):
        runs = [r for r in sampled if levels.get(r, -1) == i]
        if results.timeseries is None or col not in results.timeseries or not runs:
            continue
        q = trajectory_quantiles(results, col, (0.5,), runs=runs)
        q = q[q["n"] >= min(MIN_RUNS, len(runs))]
        if q.empty:
            continue
        x = q["date"] if "date" in q else q.index.to_series()
        ax.plot(x, q["q50"], color=colour, lw=1.8)
        xs += [x.min(), x.max()]
    mark_election_levels(ax, results, by)
    _finish(ax, results, sector, xs)
    ax.set_title(
        f"{results.sector_label(sector)}: {possessive(results.party_label(party))} offers",
        fontsize=FONT["title"],
    )
    return ax


def _sectors(results: Results) -> list[str]:
    series = results.timeseries
    return [s for s in results.sectors if any(f"offer.{p}.{s}" in series for p in results.parties)]


def figure(results: Results) -> Figure:
    """Offers over time: by level of a parameter if the sweep has one, else pooled fans."""
    series = results.timeseries
    if series is None:
        raise SkipPlot("no time series in the sweep (timeseries/ is empty or missing)")
    sectors = _sectors(results)
    if not sectors:
        raise SkipPlot("the time series holds no offer.<party>.<sector> columns")
    by = level_grouping(results)
    n_runs = series["run_id"].nunique()
    if by is None:
        return _pooled(results, sectors, n_runs)
    levels, table = _run_levels(results, by)
    parties = results.parties
    fig, body = new_figure(6.6 * len(parties), 2.25 * len(sectors) + 2.4)
    axes = body.subplots(
        len(sectors) + 1,
        len(parties),
        sharex=True,
        squeeze=False,
        height_ratios=[0.6] + [2.0] * len(sectors),
    )
    for r, sector in enumerate(sectors, start=1):
        for c, party in enumerate(parties):
            plot_trajectory_by_level(axes[r, c], results, sector, party, by)
        axes[r, 0].set_ylabel("offer x")
    for c in range(len(parties)):
        axes[0, c].set_title(
            f"{possessive(results.party_label(parties[c]))} offers", fontsize=FONT["title"]
        )
    dates = pd.to_datetime(series["date"].astype(str)) if "date" in series else None
    if dates is not None:
        marks = result_marks(results, dates.min(), dates.max())
        rows = max(label_calendar(axes[0, c], marks) for c in range(len(parties)))
        axes[0, 0].get_gridspec().set_height_ratios(
            [max(rows, 1) * STRIP_ROW_INCHES * 1.2] + [2.0] * len(sectors)
        )
    sampled = pd.Series(series["run_id"].unique())
    counts = sampled.map(levels).value_counts()
    handles = [
        Line2D([], [], color=c, lw=2, label=f"{label} ({plural(int(counts.get(i, 0)), 'run')})")
        for i, (label, c) in enumerate(zip(table["label"], level_colours(len(table)), strict=True))
    ]
    if dates is not None:
        handles += calendar_handles(result_marks(results, dates.min(), dates.max()))
    legend_title = f"median offer of the sampled runs, by {param_label(results, by)}"
    body.legend(
        handles=handles,
        loc="outside lower center",
        ncol=min(len(handles), 6),
        title=legend_title,
        frameon=False,
    )
    headline = f"Offers over time in {plural(n_runs, 'sampled run')}, by {param_label(results, by)}"
    title(fig, headline + " (a run leaves the median when it ends)", results)
    return fig


def _pooled(results: Results, sectors: list[str], n_runs: int) -> Figure:
    ncols = min(4, len(sectors))
    nrows = -(-len(sectors) // ncols)
    fig, body = new_figure(4.4 * ncols, 3.0 * nrows + 1.8)
    axes = body.subplots(nrows, ncols, squeeze=False, sharex=True)
    for ax, sector in zip(axes.flat, sectors, strict=False):
        plot_trajectory(ax, results, sector)
    for k, ax in enumerate(axes.flat):
        if k >= len(sectors):
            ax.set_visible(False)
        elif k + ncols >= len(sectors):  # nothing below: show its dates
            ax.xaxis.set_tick_params(labelbottom=True)
    for r in range(nrows):
        axes[r, 0].set_ylabel("offer x (0 = today, 1 = free trade)")
    handles = []
    for p in results.parties:
        colour, label = results.party_colour(p), results.party_label(p)
        handles += [
            Line2D([], [], color=colour, lw=1.8, label=f"{label}: median offer"),
            Patch(color=colour, alpha=BAND_ALPHAS[1] + 0.1, lw=0, label=f"{label}: 50% of runs"),
            Patch(color=colour, alpha=BAND_ALPHAS[0], lw=0, label=f"{label}: 90% of runs"),
        ]
    series = results.timeseries
    if series is not None and "date" in series:
        dates = pd.to_datetime(series["date"].astype(str))
        handles += calendar_handles(result_marks(results, dates.min(), dates.max()))
    body.legend(handles=handles, loc="outside lower center", ncol=4, frameon=False)
    title(
        fig,
        f"Offers over time in {plural(n_runs, 'sampled run')}: quantiles over the runs still"
        " negotiating",
        results,
    )
    return fig
