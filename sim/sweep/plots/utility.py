"""Who gains: each deal's gains over no deal, by design level, and against its own frontier.

Left: every deal's gains for the first two parties, coloured (and marked) by the design level
that produced it, with each level's mean. Right: deals of replayed runs, each divided by its
own run's Nash-bargaining gains and drawn with its own run's Pareto frontier in the same
units, so a deal is never seen against another run's frontier (where it could lie beyond it).
With two grid parameters, heatmaps give each party's mean gain in each cell.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from sim.plots.style import FONT, NASH_COLOUR, NO_DEAL_COLOUR, wrap
from sim.sweep.plots.data import Results, SkipPlot, agreement_mask, need_runs
from sim.sweep.plots.figures import new_figure, plural, title
from sim.sweep.plots.levels import design_levels, group_by_parameter, is_binned, param_label
from sim.sweep.plots.replays import ReplayMismatch, replay

MAX_REPLAYS = 300
"""Most runs replayed for their frontiers (a stratified sample of the deals beyond it)."""
FRONTIER_POINTS = 40


def gains_by_level(results: Results) -> pd.DataFrame:
    """Each deal's gains over no deal for the first two parties, with its design level.

    Returns:
        One row per agreed run: ``run_id``, ``level`` (row of ``design_levels``' table, -1
        without a varied parameter), ``x`` and ``y`` (the two parties' gains).

    """
    p, q = results.parties[:2]
    agreed = results.agreed
    levels = design_levels(results)
    code = levels.code.loc[agreed.index] if levels is not None else -1
    return pd.DataFrame(
        {
            "run_id": agreed["run_id"].to_numpy(),
            "level": np.asarray(code, dtype=int) * np.ones(len(agreed), dtype=int),
            "x": agreed[f"gains.{p}"].astype(float).to_numpy(),
            "y": agreed[f"gains.{q}"].astype(float).to_numpy(),
        }
    )


def _sample(deals: pd.DataFrame, limit: int, seed: int) -> pd.DataFrame:
    """At most ``limit`` deals, each level keeping its share (reproducibly)."""
    if len(deals) <= limit:
        return deals
    rng = np.random.default_rng(seed)
    keep = []
    for _, group in deals.groupby("level"):
        k = max(1, round(limit * len(group) / len(deals)))
        keep.append(group.iloc[np.sort(rng.choice(len(group), min(k, len(group)), replace=False))])
    return pd.concat(keep).sort_values("run_id")


def deal_frontiers(
    results: Results, *, max_runs: int = MAX_REPLAYS, points: int = FRONTIER_POINTS, seed: int = 0
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Deals and their own runs' Pareto frontiers, in units of each run's Nash gains.

    Each sampled deal's run is replayed (``replay``); its frontier is traced as the
    governments saw it when they accepted the deal, with the frontier point straight above
    the deal added, so the polyline passes over the deal exactly. Gains (utility minus no-deal
    value) are divided by the run's gains at its Nash bargaining solution: every run's Nash
    point is (1, 1).

    Returns:
        ``(deals, frontiers)``: one row per deal with ``run_id``, ``level``, ``x``, ``y``
        (normalised gains), ``nash_x``, ``nash_y`` (the Nash gains used) and ``gap`` (how far
        below its frontier, in the second party's units); and the frontiers' points,
        ``run_id``, ``x``, ``y``, ordered by ``x`` within each run.

    """
    from sim.analysis import nash_solution, pareto_frontier, pareto_gap

    chosen = _sample(gains_by_level(results), max_runs, seed)
    models = replay(results, chosen["run_id"])
    deals, lines = [], []
    for run_id, level in zip(chosen["run_id"], chosen["level"], strict=True):
        model = models[int(run_id)]
        a, b = model.deal_sides
        lo, hi = model.public_bounds
        nash = nash_solution(a, b, lo, hi)
        if nash is None:
            continue
        nx, ny = nash[0] - a.disagreement, nash[1] - b.disagreement
        if not (nx > 0 and ny > 0):
            continue
        gx, gy = a.value(model.deal) - a.disagreement, b.value(model.deal) - b.disagreement
        gap = pareto_gap(a, b, model.deal, lo, hi)
        front = [
            (ua - a.disagreement, ub - b.disagreement)
            for ua, ub, _ in pareto_frontier(a, b, lo, hi, points)
        ]
        front = sorted([*front, (gx, gy + gap)])
        fx, fy = np.array(front).T
        lines.append(pd.DataFrame({"run_id": int(run_id), "x": fx / nx, "y": fy / ny}))
        deals.append(
            {
                "run_id": int(run_id),
                "level": int(level),
                "x": gx / nx,
                "y": gy / ny,
                "nash_x": nx,
                "nash_y": ny,
                "gap": gap / ny,
            }
        )
    frontiers = (
        pd.concat(lines, ignore_index=True) if lines else pd.DataFrame(columns=["run_id", "x", "y"])
    )
    return pd.DataFrame(
        deals, columns=["run_id", "level", "x", "y", "nash_x", "nash_y", "gap"]
    ), frontiers


def _style(results: Results, level: int) -> tuple[Any, str]:
    levels = design_levels(results)
    if levels is None or level < 0:
        return "#2e8b57", "o"
    row = levels.table.iloc[level]
    return row["colour"], row["marker"]


def _key(label: str, *, marker: str = "o", **style: Any) -> Line2D:
    """A legend entry that is a marker alone."""
    return Line2D([], [], ls="", marker=marker, label=label, **style)


def _legend(ax: Any, results: Results, extra: list[Any]) -> None:
    """Colours (first parameter), markers (second), then ``extra``; below the panel."""
    levels = design_levels(results)
    handles: list[Any] = []
    if levels is not None:
        name, key = levels.colour_key
        handles.append(Line2D([], [], ls="", label=f"{name}:"))
        handles += [_key(lab, color=c) for lab, c in key]
        if levels.marker_key is not None:
            name, markers = levels.marker_key
            handles.append(Line2D([], [], ls="", label=f"{name}:"))
            handles += [
                Line2D([], [], ls="", marker=m, color="0.35", label=lab) for lab, m in markers
            ]
    handles += extra
    ax.legend(
        handles=handles,
        loc="upper left",
        bbox_to_anchor=(1.02, 1.0),
        frameon=False,
        fontsize=FONT["note"],
    )


def plot_gains(ax: Any, results: Results) -> Any:
    """Each deal's gains over no deal, by design level; large markers: each level's mean."""
    p, q = results.parties[:2]
    deals = gains_by_level(results)
    ax.axhline(0, color="0.3", lw=0.9)
    ax.axvline(0, color="0.3", lw=0.9)
    for level, group in deals.groupby("level"):
        colour, marker = _style(results, int(level))
        ax.scatter(group["x"], group["y"], s=14, color=colour, marker=marker, alpha=0.45, lw=0)
        n = len(group)
        half = 1.96 * group[["x", "y"]].std(ddof=1).fillna(0.0) / np.sqrt(n)
        ax.errorbar(
            group["x"].mean(),
            group["y"].mean(),
            xerr=half["x"],
            yerr=half["y"],
            fmt=marker,
            ms=10,
            mfc=colour,
            mec="black",
            mew=1.2,
            ecolor="black",
            elinewidth=1.2,
            capsize=3,
            zorder=5,
        )
    none = int((~agreement_mask(results.ok)).sum())
    extra = [
        _key("mean of a level's deals (95% CI)", ms=9, mfc="0.6", mec="black"),
        _key(f"one deal ({len(deals)})", ms=4, color="0.6"),
        _key(f"no agreement: {plural(none, 'run')}, gain 0", ms=7, mfc="none", mec=NO_DEAL_COLOUR),
    ]
    if none:
        ax.scatter([0], [0], s=60, facecolor="none", edgecolor=NO_DEAL_COLOUR, lw=1.4, zorder=4)
    if len(deals):  # frame the deals: no-deal runs sit at the origin, counted in the legend
        for values, setter in ((deals["x"], ax.set_xlim), (deals["y"], ax.set_ylim)):
            lo, hi = float(values.min()), float(values.max())
            pad = 0.08 * (hi - lo or abs(hi) or 1.0)
            setter(lo - pad, hi + pad)
    ax.set_xlabel(f"{results.party_label(p)}: gain over no deal (utility − R)")
    ax.set_ylabel(f"{results.party_label(q)}: gain over no deal (utility − R)")
    ax.set_title("Gains over no deal, one dot per deal", fontsize=FONT["title"])
    ax.grid(alpha=0.3)
    _legend(ax, results, extra)
    return ax


def plot_gains_on_frontiers(ax: Any, results: Results, data: Any = None) -> Any:
    """Deals with their own runs' frontiers, in units of each run's Nash gains."""
    p, q = results.parties[:2]
    deals, frontiers = data if data is not None else deal_frontiers(results)
    for run_id, line in frontiers.groupby("run_id"):
        level = int(deals.loc[deals["run_id"] == run_id, "level"].iloc[0])
        ax.plot(line["x"], line["y"], color=_style(results, level)[0], lw=0.7, alpha=0.25)
    for level, group in deals.groupby("level"):
        colour, marker = _style(results, int(level))
        ax.scatter(
            group["x"], group["y"], s=16, color=colour, marker=marker, alpha=0.7, lw=0, zorder=3
        )
    ax.axhline(1, color="0.4", lw=0.8, ls=":")
    ax.axvline(1, color="0.4", lw=0.8, ls=":")
    ax.plot([1], [1], marker="*", ms=15, color=NASH_COLOUR, mec="black", zorder=5)
    top_x = max(1.0, float(deals["x"].max()) if len(deals) else 1.0) * 1.15
    top_y = max(1.0, float(deals["y"].max()) if len(deals) else 1.0) * 1.15
    ax.set_xlim(min(0.0, float(deals["x"].min()) if len(deals) else 0.0) - 0.05, top_x)
    ax.set_ylim(min(0.0, float(deals["y"].min()) if len(deals) else 0.0) - 0.05, top_y)
    ax.set_xlabel(f"{results.party_label(p)}: gain ÷ its gain at the run's Nash solution")
    ax.set_ylabel(f"{results.party_label(q)}: gain ÷ its gain at the run's Nash solution")
    n = frontiers["run_id"].nunique()
    ax.set_title(
        f"Each deal with its own run's Pareto frontier ({plural(n, 'run')} replayed)",
        fontsize=FONT["title"],
    )
    ax.grid(alpha=0.3)
    extra = [
        Line2D([], [], color="0.5", lw=0.9, label="its run's Pareto frontier"),
        _key("Nash solution (1, 1)", marker="*", ms=12, color=NASH_COLOUR, mec="black"),
    ]
    _legend(ax, results, extra)
    return ax


def plot_gain_heatmaps(axes: Any, results: Results, x: str, y: str) -> None:
    """Each party's mean gain in each cell of two grid parameters (deals only)."""
    gx, tx, _ = group_by_parameter(results, x)
    gy, ty, _ = group_by_parameter(results, y)
    agreed = results.agreed
    for ax, party in zip(axes, results.parties[:2], strict=True):
        values = agreed[f"gains.{party}"].astype(float)
        cells = values.groupby([gx.loc[agreed.index], gy.loc[agreed.index]]).mean()
        grid = np.full((len(ty), len(tx)), np.nan)
        for (i, j), v in cells.items():
            if i >= 0 and j >= 0:
                grid[j, i] = v
        image = ax.imshow(grid, origin="lower", cmap="cividis", aspect="auto")
        mid = np.nanmean(grid)
        for (j, i), v in np.ndenumerate(grid):
            if np.isfinite(v):
                ax.text(
                    i,
                    j,
                    f"{v:.2f}",
                    ha="center",
                    va="center",
                    fontsize=FONT["note"],
                    color="white" if v < mid else "black",
                )
        ax.set_xticks(range(len(tx)), tx["label"])
        ax.set_yticks(range(len(ty)), ty["label"])
        ax.set_xlabel(param_label(results, x))
        ax.set_ylabel(param_label(results, y))
        ax.set_title(
            f"{results.party_label(party)}: mean gain over no deal per cell", fontsize=FONT["title"]
        )
        ax.figure.colorbar(image, ax=ax, fraction=0.05).set_label("gain (welfare points)")


def _grid_pair(results: Results) -> tuple[str, str] | None:
    """Two grid parameters (by level, not binned) for the gain heatmaps, if there are."""
    params = [p for p in results.parameters if p in results.runs]
    if results.design != "grid" or len(params) < 2:
        return None
    if any(is_binned(group_by_parameter(results, p)[1]) for p in params[:2]):
        return None
    return params[0], params[1]


def figure(results: Results) -> Figure:
    """Gains by design level; deals on their own frontiers; mean gains over two parameters."""
    need_runs(results, "agreement")
    parties = results.parties[:2]
    if len(parties) < 2 or any(f"gains.{p}" not in results.runs for p in parties):
        raise SkipPlot("the sweep did not record gains.<party> for two parties (see outcomes)")
    frontiers = results.scenario is not None and len(results.agreed) > 0
    pair = _grid_pair(results) if len(results.agreed) else None
    rows, cols = (2 if pair else 1), (2 if frontiers or pair else 1)
    fig, body = new_figure(8.0 * cols, 6.2 * rows + 0.8)
    subfigs = np.atleast_1d(body.subfigures(rows, 1))  # rows keep their own margins
    top = subfigs[0].subplots(1, cols, squeeze=False)[0]
    plot_gains(top[0], results)
    if frontiers:
        try:
            plot_gains_on_frontiers(top[1], results)
        except ReplayMismatch as exc:  # the gains stand; the frontiers cannot be traced
            top[1].text(0.5, 0.5, wrap(str(exc), 50), transform=top[1].transAxes, ha="center")
            top[1].set_axis_off()
    elif cols == 2:
        top[1].set_visible(False)
    if pair:
        plot_gain_heatmaps(subfigs[1].subplots(1, 2), results, *pair)
    n = len(results.parties)
    note = f" (first two of {n} parties)" if n > 2 else ""
    title(fig, f"Who gains? Gains over no deal{note}, valued when the deal was accepted", results)
    return fig
