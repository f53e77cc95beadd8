"""A calibration's files: the posterior, the calibrated scenario and ``calibration.json``.

Every file is written whole or not at all (``sim.files``). The calibrated scenario is the base
scenario with each free parameter replaced by its posterior marginal, as a ``choice``
distribution over the final population's values with their weights: exactly the weighted
marginal, in a form ``negsim run`` and sweeps accept. A scenario file has no joint
distributions, so the correlations between parameters are lost there; they are in
``posterior.parquet`` (and the predictive check draws from the joint posterior).
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from sim.calibration.plan import CalibrationPlan
from sim.distributions import Dist
from sim.files import write_atomically, write_text
from sim.scenario import load_scenario, parameter_paths, to_raw


def weighted_quantiles(values: np.ndarray, weights: np.ndarray, qs: Sequence[float]) -> list[float]:
    """Quantiles of a weighted sample (the inverse of its weighted CDF, mid-point rule)."""
    order = np.argsort(values, kind="stable")
    v, w = np.asarray(values, dtype=float)[order], np.asarray(weights, dtype=float)[order]
    cdf = (np.cumsum(w) - 0.5 * w) / w.sum()
    return [float(np.interp(q, cdf, v)) for q in qs]


def summarise_posterior(plan: CalibrationPlan, posterior: pd.DataFrame) -> dict[str, Any]:
    """Per parameter: the prior, the hand-tuned value, the posterior's mean, sd, intervals."""
    w = posterior["weight"].to_numpy()
    base = parameter_paths(plan.scenario)
    out = {}
    for path, rv in plan.priors.items():
        x = posterior[path].to_numpy()
        mean = float(np.average(x, weights=w))
        sd = float(math.sqrt(np.average((x - mean) ** 2, weights=w)))
        q = weighted_quantiles(x, w, [0.05, 0.25, 0.5, 0.75, 0.95])
        hand = base[path]
        prior_q = [float(v) for v in rv.ppf(np.array([0.05, 0.5, 0.95]))]
        out[path] = {
            "prior": rv.prior.as_yaml(),
            "prior_median": prior_q[1],
            "prior_interval_90": [prior_q[0], prior_q[2]],
            "hand_tuned": hand.model_dump() if isinstance(hand, Dist) else hand,
            "mean": mean,
            "sd": sd,
            "median": q[2],
            "interval_50": [q[1], q[3]],
            "interval_90": [q[0], q[4]],
        }
    return out


def write_posterior(out: Path, posterior: pd.DataFrame) -> Path:
    """``posterior.parquet``: one row per particle of the last generation, weights included."""
    path = out / "posterior.parquet"
    return write_atomically(path, lambda tmp: posterior.to_parquet(tmp, index=False))


def write_predictive(out: Path, runs: pd.DataFrame, name: str = "predictive.parquet") -> Path:
    """The predictive check's runs (one row per run)."""
    return write_atomically(out / name, lambda tmp: runs.to_parquet(tmp, index=False))


def marginal_choice(values: np.ndarray, weights: np.ndarray) -> dict[str, Any]:
    """A posterior marginal as a ``choice`` distribution (equal values merged)."""
    merged: dict[float, float] = {}
    for v, w in zip(values, weights, strict=True):
        merged[float(v)] = merged.get(float(v), 0.0) + float(w)
    keys = sorted(merged)
    total = sum(merged.values())
    return {
        "dist": "choice",
        "values": keys,
        "weights": [merged[k] / total for k in keys],
    }


def _set(raw: dict[str, Any], path: str, value: Any) -> None:
    node = raw
    parts = path.split(".")
    for part in parts[:-1]:
        node = node.setdefault(part, {})
    node[parts[-1]] = value


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def write_calibrated_scenario(
    plan: CalibrationPlan, out: Path, posterior: pd.DataFrame, summary: dict[str, Any]
) -> Path:
    """The base scenario with its free parameters set to their posterior marginals.

    The file is read back and validated before it replaces an older one, so what is
    written is a scenario ``negsim run`` accepts.
    """
    name = plan.calibrated_name
    raw = to_raw(plan.scenario)
    raw["name"] = name
    raw["title"] = f"{plan.scenario.title} (calibrated)"
    raw["description"] = (
        f"{plan.scenario.description.strip()} Fitted by negsim calibrate from"
        f" {Path(plan.source).name}: each fitted parameter is its posterior marginal."
    ).strip()
    w = posterior["weight"].to_numpy()
    for path in plan.paths:
        _set(raw, path, marginal_choice(posterior[path].to_numpy(), w))
    lines = [
        f"# {name}: {plan.scenario.name} fitted by `negsim calibrate {plan.source}`",
        f"# (master seed {plan.spec.method.seed}, population {plan.spec.method.population}).",
        "# Each fitted parameter below is a choice over the final ABC-SMC population's values,",
        "# weighted: its posterior marginal. The joint posterior (correlations kept) is in",
        "# posterior.parquet beside this file; calibration.json has the predictive checks.",
        "# Fitted parameters: posterior mean [90% interval] (hand-tuned value):",
    ]
    for path, s in summary.items():
        hand = s["hand_tuned"]
        hand_text = f"{hand:g}" if isinstance(hand, int | float) else json.dumps(hand)
        lines.append(
            f"#   {path}: {s['mean']:.4g} [{s['interval_90'][0]:.4g},"
            f" {s['interval_90'][1]:.4g}] ({hand_text})"
        )
    text = (
        "\n".join(lines)
        + "\n"
        + yaml.safe_dump(_plain(raw), sort_keys=False, allow_unicode=True, width=100)
    )
    path = out / f"{name}.yaml"
    check = out / f".{name}.check.yaml"
    write_text(check, text)
    try:
        load_scenario(check)
    finally:
        check.unlink(missing_ok=True)
    return write_text(path, text)


def _finite(value: Any) -> Any:
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    if isinstance(value, np.generic):
        return _finite(value.item())
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def write_summary(out: Path, summary: dict[str, Any]) -> Path:
    """``calibration.json`` (valid JSON: no NaN or infinity)."""
    text = json.dumps(_finite(summary), indent=2, allow_nan=False)
    return write_text(out / "calibration.json", text + "\n")
