"""Agreement: the share of runs that end in a ratified deal, by parameter and by pair.

One panel per varied parameter (its levels, or quantile bins of a continuous design, each with
a Wilson 95% interval) and, when two or more parameters are varied, a heatmap of the rate over
two of them at once: marginal panels alone cannot show how parameters interact.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import NullLocator, PercentFormatter
from scipy import stats

from sim.plots.style import ACCENT_COLOUR, FONT, date_axis, log_axis, wrap
from sim.sweep.plots.data import Results, SkipPlot, agreement_mask, need_runs
from sim.sweep.plots.figures import new_figure, title
from sim.sweep.plots.levels import (
    MAX_LEVELS,
    fmt,
    group_by_parameter,
    is_binned,
    log_scale,
    param_doc,
    param_label,
    short_range,
)

PAIR_BINS = 5
"""Quantile bins per continuous parameter in the heatmap."""


def wilson_interval(
    successes: Any, trials: Any, confidence: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval of a binomial proportion (NaN where there are no trials).

    ``scipy.stats.binomtest(k, n).proportion_ci(method="wilson")`` for each count.

    Returns:
        ``(low, high)`` arrays shaped like the broadcast counts, within [0, 1].

    """
    k, n = np.broadcast_arrays(np.asarray(successes, dtype=float), np.asarray(trials, dtype=float))
    low, high = np.full(k.shape, np.nan), np.full(k.shape, np.nan)
    for i in np.ndindex(k.shape):
        if n[i] > 0:
            ci = stats.binomtest(int(k[i]), int(n[i])).proportion_ci(
                confidence_level=confidence, method="wilson"
            )
            low[i], high[i] = max(ci.low, 0.0), min(ci.high, 1.0)
    return low, high


def _rates(table: pd.DataFrame, confidence: float) -> pd.DataFrame:
    with np.errstate(divide="ignore", invalid="ignore"):
        table["rate"] = np.where(table["runs"] > 0, table["agreements"] / table["runs"], np.nan)
    table["ci_low"], table["ci_high"] = wilson_interval(
        table["agreements"], table["runs"], confidence
    )
    return table


def agreement_by_parameter(
    results: Results, path: str, *, bins: int | None = None, confidence: float = 0.95
) -> pd.DataFrame:
    """Agreement rate per level (grid) or per quantile bin (continuous) of one parameter.

    Returns:
        One row per level or bin: ``parameter``, ``level``, ``low``, ``high``, ``label``,
        ``runs`` (completed runs), ``agreements``, ``rate`` and the Wilson interval
        ``ci_low``, ``ci_high`` at ``confidence``.

    """
    group, table, _ = group_by_parameter(results, path, bins=bins)
    agreed = agreement_mask(results.ok)
    runs, hits = group.groupby(group).size(), agreed.groupby(group).sum()
    out = table.copy()
    out.insert(0, "parameter", path)
    out["runs"] = [int(runs.get(i, 0)) for i in range(len(table))]
    out["agreements"] = [int(hits.get(i, 0)) for i in range(len(table))]
    return _rates(out, confidence)


def agreement_by_pair(
    results: Results, x: str, y: str, *, bins: int = PAIR_BINS, confidence: float = 0.95
) -> pd.DataFrame:
    """Agreement rate in each cell of two parameters' levels (or quantile bins).

    Returns:
        One row per cell: ``x``, ``y`` (group numbers), ``x_label``, ``y_label``, ``runs``,
        ``agreements``, ``rate``, ``ci_low``, ``ci_high``; ``attrs["x"]``, ``attrs["y"]``:
        the two group tables (as ``group_by_parameter`` returns them).

    """
    gx, tx, _ = group_by_parameter(results, x, bins=bins)
    gy, ty, _ = group_by_parameter(results, y, bins=bins)
    agreed = agreement_mask(results.ok)
    keys = pd.MultiIndex.from_product([range(len(tx)), range(len(ty))], names=["x", "y"])
    frame = pd.DataFrame({"x": gx, "y": gy, "agreed": agreed})
    frame = frame[(frame["x"] >= 0) & (frame["y"] >= 0)]
    counts = frame.groupby(["x", "y"])["agreed"].agg(["size", "sum"]).reindex(keys, fill_value=0)
    out = counts.reset_index().rename(columns={"size": "runs", "sum": "agreements"})
    out["x_label"] = [_tick(tx, i) for i in out["x"]]
    out["y_label"] = [_tick(ty, i) for i in out["y"]]
    out = _rates(out, confidence)
    out.attrs["x"], out.attrs["y"] = tx, ty
    return out


def _tick(table: pd.DataFrame, i: int) -> str:
    row = table.iloc[i]
    return (
        short_range(row["low"], row["high"]).replace("\n", "") if is_binned(table) else row["label"]
    )


def interaction_pair(results: Results) -> tuple[str, str] | None:
    """The two parameters of the heatmap: a grid's first two, else the two that move most.

    For a continuous design, the parameters whose binned agreement rates span the widest
    range (for the 2019 Sobol' sweep: the U.S. mandate floor and the farm lobby's strength).
    """
    params = [p for p in results.parameters if p in results.runs]
    if len(params) < 2:
        return None
    if results.design == "grid":
        return params[0], params[1]
    spread = {p: np.ptp(agreement_by_parameter(results, p)["rate"].dropna()) for p in params}
    first, second = sorted(params, key=lambda p: -spread[p])[:2]
    return (first, second) if params.index(first) < params.index(second) else (second, first)


def plot_agreement(ax: Any, results: Results, path: str, *, bins: int | None = None) -> Any:
    """Agreement rate against one parameter, with Wilson 95% intervals.

    A grid's levels are ticks labelled with their agreements out of their runs; a continuous
    design's quantile bins are horizontal bars. Ratio parameters (strengths, exponents) are on
    a log axis.
    """
    table = agreement_by_parameter(results, path, bins=bins)
    _, _, kind = group_by_parameter(results, path, bins=bins)
    table = table[table["runs"] > 0]
    rate = table["rate"].to_numpy(dtype=float)
    yerr = np.vstack([rate - table["ci_low"], table["ci_high"] - rate])
    binned = is_binned(table)
    x: Any = np.arange(len(table)) if kind == "category" else table["level"].tolist()
    if binned:
        ax.hlines(rate, table["low"].tolist(), table["high"].tolist(), color=ACCENT_COLOUR, lw=1.1)
    ax.errorbar(x, rate, yerr=yerr, fmt="o-", color=ACCENT_COLOUR, capsize=3, ms=5, lw=1.3)
    ok = results.ok
    overall = float(agreement_mask(ok).mean()) if len(ok) else math.nan
    ax.axhline(overall, color="0.4", ls=":", lw=1.2, zorder=0)
    if kind == "number" and log_scale(results, path):
        log_axis(ax)
    if kind == "date":
        date_axis(ax, maxticks=6)
    counts = not binned and len(table) <= MAX_LEVELS
    if counts:  # each level's count in its tick label: nothing to overlap
        labels = [
            f"{_level_text(level, kind)}\n{k}/{n}"
            for level, k, n in zip(table["level"], table["agreements"], table["runs"], strict=True)
        ]
        ax.set_xticks(x, labels)
        ax.xaxis.set_minor_locator(NullLocator())
    ax.set_ylim(-0.03, 1.05)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_ylabel("runs ending in a ratified agreement")
    doc = param_doc(results, path)
    notes = [wrap(doc, 56)] if doc else []
    if counts:
        notes.append("(under each level: agreements / runs)")
    elif binned:
        notes.append(f"({len(table)} quantile bins of the design)")
    ax.set_xlabel("\n".join(notes), fontsize=FONT["note"], color="0.25")
    ax.set_title(param_label(results, path), fontsize=FONT["title"])
    ax.grid(alpha=0.3)
    return ax


def _level_text(level: Any, kind: str) -> str:
    return f"{level.day} {level:%b}\n{level.year}" if kind == "date" else fmt(level)


def plot_agreement_heatmap(ax: Any, results: Results, x: str, y: str) -> Any:
    """Agreement rate over two parameters at once, each cell labelled with its rate."""
    table = agreement_by_pair(results, x, y)
    tx, ty = table.attrs["x"], table.attrs["y"]
    grid = np.full((len(ty), len(tx)), np.nan)
    grid[table["y"], table["x"]] = table["rate"]
    image = ax.imshow(grid, origin="lower", cmap="viridis", vmin=0, vmax=1, aspect="auto")
    cells = len(tx) * len(ty)
    for row in table.itertuples():
        if not row.runs:
            continue
        text = f"{row.rate:.0%}" + (f"\n{row.agreements}/{row.runs}" if cells <= 16 else "")
        dark = row.rate < 0.6
        ax.text(
            row.x,
            row.y,
            text,
            ha="center",
            va="center",
            fontsize=FONT["note"],
            color="white" if dark else "black",
        )
    ax.set_xticks(range(len(tx)), [_tick(tx, i) for i in range(len(tx))], fontsize=FONT["note"])
    ax.set_yticks(range(len(ty)), [_tick(ty, i) for i in range(len(ty))], fontsize=FONT["note"])
    if is_binned(tx):
        ax.tick_params(axis="x", labelrotation=30)
    ax.set_xlabel(param_label(results, x))
    ax.set_ylabel(param_label(results, y))
    ax.set_title("Both at once: agreement rate in each cell", fontsize=FONT["title"])
    bar = ax.figure.colorbar(image, ax=ax, format=PercentFormatter(1.0), fraction=0.06)
    bar.set_label("runs ending in a ratified agreement")
    for spine in ax.spines.values():
        spine.set_visible(False)
    return ax


def figure(results: Results) -> Figure:
    """Agreement against each varied parameter, and over two of them at once."""
    need_runs(results, "agreement")
    params = [p for p in results.parameters if p in results.runs]
    if not params:
        raise SkipPlot("no varied parameter to plot agreement against")
    pair = interaction_pair(results)
    n = len(params) + (pair is not None)
    ncols = min(3, n)
    nrows = -(-n // ncols)
    fig, body = new_figure(5.8 * ncols, 4.6 * nrows + 1.3)
    axes = body.subplots(nrows, ncols, squeeze=False).flat
    for ax, path in zip(axes, params, strict=False):
        plot_agreement(ax, results, path)
    if pair is not None:
        plot_agreement_heatmap(axes[len(params)], results, *pair)
    for ax in axes[n:]:
        ax.set_visible(False)
    overall = float(agreement_mask(results.ok).mean())
    rate = "agreement rate and 95% Wilson interval"
    handles = [
        Line2D([], [], color=ACCENT_COLOUR, marker="o", lw=1.3, label=rate),
        Line2D([], [], color="0.4", ls=":", lw=1.2, label=f"all runs: {overall:.0%}"),
    ]
    body.legend(handles=handles, loc="outside lower center", ncol=2, frameon=False)
    headline = "Probability of a ratified agreement by parameter"
    if pair is not None:
        headline += f", and by {param_label(results, pair[0])} × {param_label(results, pair[1])}"
    title(fig, headline, results)
    return fig
