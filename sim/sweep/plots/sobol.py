"""Sobol' indices: which parameters drive agreement and the week the talks end.

The sweep's ``sobol`` design is Saltelli's layout (points 0..N-1 are matrix A, N..2N-1 matrix
B, then N points for each AB_i); the indices are SALib's (``SALib.analyze.sobol``: Saltelli et
al. 2010 for first order, Jansen 1999 for total), with bootstrap intervals from SALib's
resamples (seeded, so reproducible).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.plots.style import FONT
from sim.sweep.plots.data import Results, SkipPlot
from sim.sweep.plots.levels import param_label
from sim.sweep.plots.sensitivity import OUTCOME_LABELS, panels, point_means, recorded_outcomes

MIN_ROWS = 8
"""Fewest complete base rows from which the figure draws indices (as a spec's minimum)."""
COLOURS = {"S1": "#1f4e9c", "ST": "#c0392b"}


def sobol_table(
    results: Results,
    outcome: str = "agreement",
    *,
    confidence: float = 0.95,
    n_resamples: int = 999,
    seed: int = 1,
) -> pd.DataFrame:
    """First-order and total Sobol' indices of one outcome, with bootstrap intervals.

    The outcome is averaged over each design point's replicates (for ``agreement``: the share
    of replicates agreed). Base rows with a point without completed runs are dropped
    everywhere. Indices and resamples come from ``SALib.analyze.sobol.analyze``; the
    intervals are the resamples' percentiles at ``confidence``.

    Returns:
        One row per varied parameter: ``outcome``, ``parameter``, ``S1``, ``S1_low``,
        ``S1_high``, ``ST``, ``ST_low``, ``ST_high``, ``n`` (base rows used) and ``variance``
        (of the outcome over A and B; 0 means the indices are meaningless and set to 0).

    Raises:
        ValueError: the sweep is not a Sobol' design.

    """
    sob = results.manifest.get("sobol")
    if results.design != "sobol" or not sob:
        raise ValueError(f"Sobol' indices need a sobol design (this sweep: {results.design})")
    n, d = int(sob["n"]), int(sob["d"])
    params = results.parameters[:d]
    y = point_means(results, outcome).reindex(range(n * (d + 2))).to_numpy(dtype=float)
    f_a, f_b, f_ab = y[:n], y[n : 2 * n], y[2 * n :].reshape(d, n)
    keep = np.isfinite(f_a) & np.isfinite(f_b) & np.isfinite(f_ab).all(axis=0)
    f_a, f_b, f_ab = f_a[keep], f_b[keep], f_ab[:, keep]
    m = int(keep.sum())
    variance = float(np.var(np.concatenate([f_a, f_b]))) if m else math.nan
    columns = {
        k: np.full(d, np.nan) for k in ("S1", "S1_low", "S1_high", "ST", "ST_low", "ST_high")
    }
    if m >= 2 and not variance > 0:
        for k in columns:
            columns[k] = np.zeros(d)
    elif m >= 2:
        from SALib.analyze import sobol

        # SALib's layout: for each base row, A, then AB_1 .. AB_d, then B.
        rows = np.column_stack([f_a, f_ab.T, f_b]).ravel()
        problem = {"num_vars": d, "names": params, "bounds": [[0.0, 1.0]] * d}
        res = sobol.analyze(
            problem,
            rows,
            calc_second_order=False,
            num_resamples=n_resamples,
            conf_level=confidence,
            seed=seed,
            keep_resamples=True,
        )
        tail = 50.0 * (1.0 - confidence)
        for key in ("S1", "ST"):
            columns[key] = np.asarray(res[key], dtype=float)
            draws = np.asarray(res[f"{key}_conf_all"], dtype=float)
            columns[f"{key}_low"], columns[f"{key}_high"] = np.nanpercentile(
                draws, [tail, 100.0 - tail], axis=0
            )
    return pd.DataFrame(
        {"outcome": outcome, "parameter": params, **columns, "n": m, "variance": variance}
    )


def plot_sobol(ax: Any, results: Results, outcome: str = "agreement", **kwargs: Any) -> Any:
    """Bars of first-order (S1) and total (ST) Sobol' indices per parameter, with CIs."""
    draw_sobol(ax, results, outcome, sobol_table(results, outcome, **kwargs))
    ax.legend(loc="lower right")
    return ax


def draw_sobol(
    ax: Any,
    results: Results,
    outcome: str,
    table: pd.DataFrame,
    order: list[str] | None = None,
) -> Any:
    """Horizontal bars (names read across, never rotated), the most influential on top.

    ``order``: the parameters from the bottom up (default: by total index).
    """
    if order is None:
        order = table.sort_values("ST", kind="stable")["parameter"].tolist()
    table = table.set_index("parameter").loc[order].reset_index()
    y = np.arange(len(table))
    h = 0.38
    for off, key, label in ((h / 2, "S1", "first order S1"), (-h / 2, "ST", "total ST")):
        v = table[key].to_numpy(dtype=float)
        lo, hi = table[f"{key}_low"].to_numpy(float), table[f"{key}_high"].to_numpy(float)
        err = np.vstack([np.clip(v - lo, 0, None), np.clip(hi - v, 0, None)])
        ax.barh(y + off, v, h, color=COLOURS[key], alpha=0.85, label=label)
        if np.isfinite(err).all():
            ax.errorbar(v, y + off, xerr=err, fmt="none", ecolor="black", capsize=3, lw=1)
    ax.axvline(0, color="0.3", lw=0.8)
    ax.set_yticks(y, [param_label(results, str(p)) for p in table["parameter"]])
    ax.set_xlabel("Sobol' index (share of the outcome's variance)")
    label = OUTCOME_LABELS.get(outcome, outcome)
    if outcome == "step" and results.scenario is not None:
        label = f"step at which the talks ended ({results.scenario.calendar.step_days}-day steps)"
    n = int(table["n"].iloc[0]) if len(table) else 0
    ax.set_title(
        f"{label}\n(mean over each point's replicates; N = {n} base rows)", fontsize=FONT["title"]
    )
    variance = float(table["variance"].iloc[0]) if len(table) else math.nan
    if not variance > 0:
        ax.text(
            0.5,
            0.5,
            "outcome constant over the design:\nno variance to apportion",
            transform=ax.transAxes,
            ha="center",
            va="center",
            color="0.3",
        )
    values = table[["S1", "ST", "S1_high", "ST_high", "S1_low"]].to_numpy(float).ravel()
    right = np.nanmax(np.r_[values, 1.0])
    left = np.nanmin(np.r_[values, 0.0])
    ax.set_xlim(min(left * 1.1, -0.05), right * 1.05)
    ax.grid(alpha=0.3, axis="x")
    return ax


def figure(results: Results) -> Figure:
    """Sobol' indices of agreement and of the step at which talks ended."""
    sob = results.manifest.get("sobol")
    if results.design != "sobol" or not sob:
        raise SkipPlot(f"Sobol' indices need a sobol design (this sweep: {results.design})")
    tables = {o: sobol_table(results, o) for o in recorded_outcomes(results)}
    usable = min(int(t["n"].iloc[0]) for t in tables.values())
    if usable < MIN_ROWS:
        n, d = int(sob["n"]), int(sob["d"])
        raise SkipPlot(
            f"Sobol' indices need at least {MIN_ROWS} base rows whose {d + 2} points all"
            f" have a completed run; this sweep has {usable} of {n}"
            + (" (finish the sweep)" if usable < n else "")
        )
    heading = (
        f"Sobol' indices (SALib; N = {sob['n']}, d = {sob['d']}; bars: 95% bootstrap intervals)"
    )
    return panels(results, tables, draw_sobol, "ST", heading, 5.8)
