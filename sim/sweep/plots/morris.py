"""Morris screening: which parameters matter at all, and which act non-linearly or together.

The sweep's ``morris`` design is Morris's (1991) one-at-a-time trajectories (``r``
trajectories of ``d + 1`` points, one parameter moved a step at a time, drawn by SALib). Each
move gives an *elementary effect* of that parameter on an outcome; ``mu*``, the mean of their
absolute values, ranks the parameters by overall influence (Campolongo, Cariboni & Saltelli
2007), and ``sigma``, their spread, flags non-linear effects and interactions. Both come from
``SALib.analyze.morris``, with a bootstrap interval on ``mu*``. Far cheaper than Sobol' indices
(``r (d + 1)`` points against ``N (d + 2)``), it screens many parameters before a Sobol'
analysis of the few that matter.
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

COLOURS = {"mu_star": "#1f4e9c", "sigma": "#c0392b"}


def _unit_values(results: Results, points: pd.DataFrame, levels: int) -> np.ndarray:
    """The design points back in ``[0, 1]^d``, on the Morris grid (as SALib drew them)."""
    ranges = results.spec.get("parameters") or {}
    columns = []
    for path in results.parameters:
        r = ranges.get(path) or {}
        low, high, log = float(r["low"]), float(r["high"]), bool(r.get("log", False))
        v = points[path].to_numpy(dtype=float)
        u = (
            (np.log(v) - math.log(low)) / (math.log(high) - math.log(low))
            if log
            else ((v - low) / (high - low))
        )
        columns.append(np.round(u * (levels - 1)) / (levels - 1))
    return np.column_stack(columns)


def morris_table(
    results: Results,
    outcome: str = "agreement",
    *,
    confidence: float = 0.95,
    n_resamples: int = 1000,
    seed: int = 1,
) -> pd.DataFrame:
    """Morris's ``mu*``, ``mu`` and ``sigma`` of one outcome per parameter (SALib).

    The outcome is averaged over each design point's replicates (for ``agreement``: the share
    of replicates agreed). A trajectory with a point without completed runs is left out
    whole. Elementary effects are per unit of the parameter's range (its quantile), so the
    parameters' ``mu*`` compare directly.

    Returns:
        One row per parameter: ``outcome``, ``parameter``, ``mu_star``, ``mu_star_low``,
        ``mu_star_high``, ``mu``, ``sigma``, ``r`` (trajectories used).

    Raises:
        ValueError: the sweep is not a Morris design.

    """
    shape = results.manifest.get("morris")
    if results.design != "morris" or not shape:
        raise ValueError(f"Morris screening needs a morris design (this sweep: {results.design})")
    r, d, levels = int(shape["r"]), int(shape["d"]), int(shape["levels"])
    params = results.parameters[:d]
    means = point_means(results, outcome).reindex(range(r * (d + 1)))
    points = results.points.set_index("point").reindex(range(r * (d + 1)))
    complete = [
        k
        for k in range(r)
        if np.isfinite(means.iloc[k * (d + 1) : (k + 1) * (d + 1)].to_numpy(float)).all()
    ]
    rows = [i for k in complete for i in range(k * (d + 1), (k + 1) * (d + 1))]
    columns = {k: np.full(d, np.nan) for k in ("mu_star", "mu_star_low", "mu_star_high", "mu")}
    columns["sigma"] = np.full(d, np.nan)
    if len(complete) >= 2:
        from SALib.analyze import morris

        x = _unit_values(results, points.loc[rows].reset_index(), levels)
        problem = {"num_vars": d, "names": params, "bounds": [[0.0, 1.0]] * d}
        res = morris.analyze(
            problem,
            x,
            means.loc[rows].to_numpy(float),
            num_resamples=n_resamples,
            conf_level=confidence,
            num_levels=levels,
            seed=seed,
        )
        columns["mu_star"] = np.asarray(res["mu_star"], dtype=float)
        half = np.asarray(res["mu_star_conf"], dtype=float)
        columns["mu_star_low"] = np.maximum(columns["mu_star"] - half, 0.0)  # mu* >= 0
        columns["mu_star_high"] = columns["mu_star"] + half
        columns["mu"] = np.asarray(res["mu"], dtype=float)
        columns["sigma"] = np.asarray(res["sigma"], dtype=float)
    return pd.DataFrame({"outcome": outcome, "parameter": params, **columns, "r": len(complete)})


def draw_morris(
    ax: Any, results: Results, outcome: str, table: pd.DataFrame, order: list[str] | None = None
) -> Any:
    """Bars of ``mu*`` (with intervals) and marks of ``sigma`` per parameter, names across.

    A long bar matters; a ``sigma`` mark beyond its bar acts non-linearly or with others.
    ``order``: the parameters from the bottom up (default: by ``mu*``).
    """
    if order is None:
        order = table.sort_values("mu_star", kind="stable")["parameter"].tolist()
    table = table.set_index("parameter").loc[order].reset_index()
    y = np.arange(len(table))
    mu, sigma = table["mu_star"].to_numpy(float), table["sigma"].to_numpy(float)
    low, high = table["mu_star_low"].to_numpy(float), table["mu_star_high"].to_numpy(float)
    err = np.vstack([np.clip(mu - low, 0, None), np.clip(high - mu, 0, None)])
    ax.barh(y, mu, 0.6, color=COLOURS["mu_star"], alpha=0.85, label="mu*: overall influence")
    if np.isfinite(err).all():
        ax.errorbar(mu, y, xerr=err, fmt="none", ecolor="black", capsize=3, lw=1)
    ax.plot(
        sigma,
        y,
        "D",
        mfc="white",
        mec=COLOURS["sigma"],
        mew=1.5,
        ms=6,
        ls="none",
        label="sigma: non-linear or joint effects",
    )
    ax.set_yticks(y, [param_label(results, str(p)) for p in table["parameter"]])
    label = OUTCOME_LABELS.get(outcome, outcome)
    ax.set_xlabel(f"elementary effect on {label}\n(per whole range of the parameter)")
    r = int(table["r"].iloc[0]) if len(table) else 0
    ax.set_title(f"{label}\n(mean over each point's replicates; r = {r})", fontsize=FONT["title"])
    right = float(np.nanmax(np.r_[mu, sigma, high, 1e-9]))
    ax.set_xlim(0, right * 1.08)
    ax.grid(alpha=0.3, axis="x")
    return ax


def plot_morris(ax: Any, results: Results, outcome: str = "agreement", **kwargs: Any) -> Any:
    """Morris screening of one outcome on ``ax``."""
    draw_morris(ax, results, outcome, morris_table(results, outcome, **kwargs))
    ax.legend(loc="lower right")
    return ax


def figure(results: Results) -> Figure:
    """Morris screening of agreement and of the step at which the talks ended."""
    shape = results.manifest.get("morris")
    if results.design != "morris" or not shape:
        raise SkipPlot(f"Morris screening needs a morris design (this sweep: {results.design})")
    tables = {o: morris_table(results, o) for o in recorded_outcomes(results)}
    usable = min(int(t["r"].iloc[0]) for t in tables.values())
    if usable < 2:
        raise SkipPlot(
            f"Morris screening needs at least 2 trajectories whose {shape['d'] + 1} points all"
            f" have a completed run; this sweep has {usable} of {shape['r']}"
        )
    heading = (
        f"Morris screening (SALib; r = {shape['r']} trajectories, {shape['levels']} levels;"
        " bars: 95% bootstrap intervals on mu*)"
    )
    height = 1.6 + 0.42 * len(results.parameters)
    return panels(results, tables, draw_morris, "mu_star", heading, height)
