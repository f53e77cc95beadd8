"""A calibration's figures: the posterior against the prior, and each target's predictive check.

- ``posterior_marginals.png``: per parameter, the prior's density and the posterior's weighted
  histogram, with the hand-tuned value and the posterior's 90% interval marked.
- ``posterior_pairs.png``: every pair of parameters, the posterior's particles (darker: more
  weight) over draws from the prior (grey), and the marginals on the diagonal.
- ``predictive.png``: per target, the distribution of the simulated value in the target's own
  terms (a date, a level in the sector's unit, a count) with the observed value or window
  marked; held-out targets are labelled.

matplotlib's backend is left alone (the command line sets Agg), so the functions also work in
a notebook. Each figure is written atomically.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.calibration.outputs import weighted_quantiles
from sim.calibration.plan import CalibrationPlan
from sim.calibration.simulate import PRIOR_PLOT
from sim.calibration.spec import NoDealBeforeTarget, SectorTarget, WindowTarget
from sim.distributions import Dist
from sim.files import write_atomically
from sim.scenario import parameter_paths

PRIOR_DRAWS = 4000


def _short(path: str) -> str:
    parts = path.split(".")
    return ".".join(parts[-2:]) if len(parts) > 2 else path


def _save(fig: Any, path: Path) -> Path:
    import matplotlib.pyplot as plt

    try:
        write_atomically(path, lambda tmp: fig.savefig(tmp, dpi=110, format="png"))
    finally:
        plt.close(fig)
    return path


def _grid(n: int) -> tuple[int, int]:
    cols = min(n, 3)
    return math.ceil(n / cols), cols


def _prior_draws(plan: CalibrationPlan) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(
        np.random.SeedSequence(plan.spec.method.seed, spawn_key=(PRIOR_PLOT,))
    )
    return {p: rv.sample(rng, PRIOR_DRAWS) for p, rv in plan.priors.items()}


def plot_marginals(plan: CalibrationPlan, posterior: pd.DataFrame, out: Path) -> Path:
    """Each parameter's prior density and posterior histogram."""
    import matplotlib.pyplot as plt

    rows, cols = _grid(len(plan.paths))
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 3.2 * rows), squeeze=False)
    base = parameter_paths(plan.scenario)
    w = posterior["weight"].to_numpy()
    for ax, (path, rv) in zip(axes.flat, plan.priors.items(), strict=False):
        lo, hi = (float(v) for v in rv.ppf(np.array([0.001, 0.999])))
        grid = np.linspace(lo, hi, 300)
        ax.plot(grid, [rv.pdf(float(x)) for x in grid], color="0.45", lw=1.5, label="prior")
        x = posterior[path].to_numpy()
        ax.hist(
            x,
            bins=30,
            range=(lo, hi),
            weights=w,
            density=True,
            color="tab:blue",
            alpha=0.6,
            label="posterior",
        )
        q05, q95 = weighted_quantiles(x, w, [0.05, 0.95])
        ax.axvspan(q05, q95, color="tab:blue", alpha=0.08, label="posterior 90%")
        hand = base[path]
        if not isinstance(hand, Dist):
            ax.axvline(float(hand), color="tab:red", ls="--", lw=1.2, label="hand-tuned")
        ax.set_title(_short(path), fontsize=10)
        ax.set_yticks([])
    for ax in list(axes.flat)[len(plan.paths) :]:
        ax.axis("off")
    axes.flat[0].legend(fontsize=8, loc="best")
    fig.suptitle(f"{plan.calibrated_name}: posterior against prior", fontsize=11)
    fig.tight_layout()
    return _save(fig, out / "posterior_marginals.png")


def plot_pairs(plan: CalibrationPlan, posterior: pd.DataFrame, out: Path) -> Path:
    """Every pair of parameters: posterior particles over prior draws."""
    import matplotlib.pyplot as plt

    paths = plan.paths
    d = len(paths)
    prior = _prior_draws(plan)
    w = posterior["weight"].to_numpy()
    shade = 0.15 + 0.85 * w / w.max()
    size = max(1.6 * d, 4.0)
    fig, axes = plt.subplots(d, d, figsize=(size, size), squeeze=False)
    for i, pi in enumerate(paths):
        for j, pj in enumerate(paths):
            ax = axes[i][j]
            if j > i:
                ax.axis("off")
                continue
            if i == j:
                lo, hi = np.quantile(prior[pi], [0.001, 0.999])
                ax.hist(prior[pi], bins=30, range=(lo, hi), density=True, color="0.8")
                ax.hist(
                    posterior[pi],
                    bins=30,
                    range=(lo, hi),
                    weights=w,
                    density=True,
                    color="tab:blue",
                    alpha=0.7,
                )
                ax.set_yticks([])
            else:
                ax.scatter(prior[pj][:1000], prior[pi][:1000], s=2, color="0.8", lw=0)
                colours = np.zeros((len(w), 4))
                colours[:, 2], colours[:, 3] = 0.7, shade
                ax.scatter(posterior[pj], posterior[pi], s=4, c=colours, lw=0)
            if i == d - 1:
                ax.set_xlabel(_short(pj), fontsize=7)
            else:
                ax.set_xticklabels([])
            if j == 0 and i > 0:
                ax.set_ylabel(_short(pi), fontsize=7)
            elif j > 0:
                ax.set_yticklabels([])
            ax.tick_params(labelsize=6)
    fig.suptitle(f"{plan.calibrated_name}: posterior (blue) over prior (grey)", fontsize=10)
    fig.tight_layout()
    return _save(fig, out / "posterior_pairs.png")


def plot_predictive(plan: CalibrationPlan, runs: pd.DataFrame, out: Path) -> Path:
    """Each target's simulated values with the observed value marked."""
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt

    rules = plan.rules
    rows, cols = _grid(len(rules))
    fig, axes = plt.subplots(rows, cols, figsize=(4.6 * cols, 3.3 * rows), squeeze=False)
    start = plan.scenario.calendar.start
    for ax, r in zip(axes.flat, rules, strict=False):
        t = r.target
        measure = runs[f"measure:{r.name}"].to_numpy(dtype=float)
        hit = float(runs[f"hit:{r.name}"].mean())
        finite = measure[np.isfinite(measure)]
        nodeal = len(measure) - len(finite)
        if isinstance(t, WindowTarget | NoDealBeforeTarget):
            dates = [start + dt.timedelta(days=float(v)) for v in finite]
            if dates:
                ax.hist(mdates.date2num(dates), bins=30, color="tab:blue", alpha=0.7)
            if isinstance(t, WindowTarget):
                ax.axvspan(
                    mdates.date2num(t.start),
                    mdates.date2num(t.end),
                    color="tab:green",
                    alpha=0.25,
                    label="observed window",
                )
            else:
                ax.axvline(mdates.date2num(t.date), color="tab:red", lw=1.5, label="no deal before")
            ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y-%m-%d"))
            ax.tick_params(axis="x", labelrotation=30, labelsize=7)
            ax.set_xlabel("agreement date (runs with a deal)", fontsize=8)
        else:
            ax.hist(finite, bins=30, color="tab:blue", alpha=0.7)
            ax.axvline(r.observed, color="tab:red", lw=1.5, label="observed")
            if t.tolerance > 0:
                ax.axvspan(
                    r.observed - t.tolerance, r.observed + t.tolerance, color="tab:red", alpha=0.12
                )
            unit = t.unit if isinstance(t, SectorTarget) else ""
            ax.set_xlabel(unit or r.describe(), fontsize=8)
        label = " (held out)" if r.holdout else ""
        extra = (
            f", {nodeal} runs without a deal" if nodeal and not isinstance(t, SectorTarget) else ""
        )
        ax.set_title(f"{r.name}{label}: hit {hit:.0%}{extra}", fontsize=9)
        ax.set_yticks([])
        ax.legend(fontsize=7, loc="best")
    for ax in list(axes.flat)[len(rules) :]:
        ax.axis("off")
    fig.suptitle(
        f"{plan.calibrated_name}: posterior predictive check ({len(runs)} runs)", fontsize=11
    )
    fig.tight_layout()
    return _save(fig, out / "predictive.png")
