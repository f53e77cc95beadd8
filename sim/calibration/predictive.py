"""The posterior and its predictive check: what the fitted model says about each target.

``read_posterior`` reads the last generation from pyabc's history. ``predictive_runs``
draws particles by weight (the joint posterior, correlations kept) and runs each once with a
fresh seed; ``scenario_runs`` runs a scenario file as ``negsim run`` would (the calibrated
scenario, whose parameters are drawn from their marginals). ``check`` sets each target's
observed value against the simulated ones: the share of runs that hit it, the 90% predictive
interval of its miss, and whether the observed value is *reproduced*: hit by at least
``REPRODUCED`` (half) of the runs, i.e. within the target's tolerance plus one error scale.
Whether it lies inside the 90% interval (widened by the tolerance) is reported too, but is a
weak check here: runs without a deal keep today's protection, and when more than 5% of runs
end without one, the interval of a sector's level stretches to today's level.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.calibration.plan import CalibrationPlan
from sim.calibration.simulate import (
    PREDICTIVE,
    PREDICTIVE_PICK,
    derived_seed,
    run_once,
    scenario_at,
)
from sim.calibration.targets import HIT, TargetRule
from sim.scenario import Scenario

REPRODUCED = 0.5
"""Least share of predictive runs that must hit a target for it to count as reproduced."""

PREDICTIVE_BATCH = 25
"""Runs per task of the predictive check."""


def read_posterior(db: Path, paths: Sequence[str]) -> pd.DataFrame:
    """The last generation: one row per particle (values, weight, distance, target misses)."""
    import pyabc

    history = pyabc.History(f"sqlite:///{db.resolve()}", _id=1)
    t = int(history.max_t)
    population = history.get_population(t=t)
    rows = []
    for i, particle in enumerate(population.particles):
        row: dict[str, Any] = {"particle": i, "generation": t}
        row.update({p: float(particle.parameter[p]) for p in paths})
        row["weight"] = float(particle.weight)
        row["distance"] = float(particle.distance)
        row.update({f"miss:{k}": float(v) for k, v in particle.sum_stat.items()})
        rows.append(row)
    frame = pd.DataFrame(rows)
    frame["weight"] = frame["weight"] / frame["weight"].sum()
    return frame


def _run_batch(
    scenario: Scenario,
    paths: list[str],
    rules: list[TargetRule],
    items: list[tuple[int, int, list[float], int]],
) -> list[dict[str, Any]]:
    """Runs of the predictive check in any process: ``(run, particle, values, seed)``."""
    rows = []
    for run, particle, values, seed in items:
        outcome = run_once(scenario_at(scenario, paths, values) if paths else scenario, seed)
        row: dict[str, Any] = {"run": run, "particle": particle, "seed": str(seed)}
        row.update(dict(zip(paths, values, strict=True)))
        row["agreement"] = outcome.agreement
        row["date"] = outcome.date
        for r in rules:
            miss = r.miss(outcome)
            row[f"measure:{r.name}"] = r.measure(outcome)
            row[f"miss:{r.name}"] = miss
            row[f"hit:{r.name}"] = r.discrepancy(miss) <= HIT
        rows.append(row)
    return rows


def _run_all(
    executor: Any,
    scenario: Scenario,
    paths: list[str],
    rules: list[TargetRule],
    items: list[tuple[int, int, list[float], int]],
) -> pd.DataFrame:
    futures = [
        executor.submit(_run_batch, scenario, paths, rules, items[i : i + PREDICTIVE_BATCH])
        for i in range(0, len(items), PREDICTIVE_BATCH)
    ]
    rows = [row for f in futures for row in f.result()]
    return pd.DataFrame(rows)


def predictive_runs(
    plan: CalibrationPlan, posterior: pd.DataFrame, n: int, executor: Any
) -> pd.DataFrame:
    """``n`` runs of the joint posterior: particles drawn by weight, one fresh seed each."""
    master = plan.spec.method.seed
    rng = np.random.default_rng(np.random.SeedSequence(master, spawn_key=(PREDICTIVE_PICK,)))
    picks = rng.choice(len(posterior), size=n, p=posterior["weight"].to_numpy())
    values = posterior[plan.paths].to_numpy()
    items = [
        (i, int(k), [float(v) for v in values[k]], derived_seed(master, PREDICTIVE, 0, i))
        for i, k in enumerate(picks)
    ]
    return _run_all(executor, plan.scenario, plan.paths, plan.rules, items)


def scenario_runs(plan: CalibrationPlan, scenario: Scenario, n: int, executor: Any) -> pd.DataFrame:
    """``n`` runs of a scenario as it stands (its distributions drawn from each run's seed)."""
    master = plan.spec.method.seed
    items = [(i, -1, [], derived_seed(master, PREDICTIVE, 1, i)) for i in range(n)]
    return _run_all(executor, scenario, [], plan.rules, items)


def check(rules: Sequence[TargetRule], runs: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """Each target against the runs: hit share, predictive interval, reproduced or not."""
    out: dict[str, dict[str, Any]] = {}
    for r in rules:
        miss = runs[f"miss:{r.name}"].to_numpy(dtype=float)
        measure = runs[f"measure:{r.name}"].to_numpy(dtype=float)
        measured = measure[np.isfinite(measure)]
        q05, q50, q95 = (float(v) for v in np.quantile(miss, [0.05, 0.5, 0.95]))
        tol = r.target.tolerance
        entry: dict[str, Any] = {
            "observed": r.observed,
            "hit_share": float(runs[f"hit:{r.name}"].mean()),
            "miss_mean": float(np.mean(miss)),
            "miss_interval_90": [q05, q95],
            "miss_median": q50,
            "reproduced": bool(runs[f"hit:{r.name}"].mean() >= REPRODUCED),
            "in_interval_90": bool(q05 - tol <= r.observed <= q95 + tol),
            "discrepancy_of_mean": r.discrepancy(float(np.mean(miss))),
        }
        if measured.size:
            m05, m50, m95 = (float(v) for v in np.quantile(measured, [0.05, 0.5, 0.95]))
            entry["measure_median"] = m50
            entry["measure_interval_90"] = [m05, m95]
            entry["measured_runs"] = int(measured.size)
        out[r.name] = {
            k: (None if isinstance(v, float) and not math.isfinite(v) else v)
            for k, v in entry.items()
        }
    return out
