"""Simulation-based calibration of the method (Talts et al. 2018), on the classroom scenario.

Each trial draws "true" parameter values from the prior, runs the classroom scenario once with
them to make synthetic history (its sector levels and whether it ended in a deal), calibrates
to that history with ABC-SMC, and records where the truth falls in the posterior: its
weighted quantile ``q`` (the posterior mass below it). If the method is calibrated, ``q`` is
uniform over trials, so the truth falls in the central 50% and 90% intervals about 50% and
90% of the time. ABC with a tolerance above zero approximates the posterior given data
*within* the tolerance, a wider one, so its intervals tend to cover more than their nominal
rate (conservative); covering much less would mean the method is overconfident.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from sim.calibration.plan import CalibrationPlan, plan_from_spec
from sim.calibration.priors import BoundedRV
from sim.calibration.simulate import derived_seed, run_once, scenario_at
from sim.calibration.spec import CalibrationSpec, parse_prior

SBC_PRIORS = {
    "lobbies.farmers.strength": {"dist": "uniform", "low": 0.3, "high": 3.0},
    "parties.southland.mandate_floor": {"dist": "uniform", "low": 0.02, "high": 0.4},
}
"""The classroom's free parameters in the test: the farm lobby and Southland's floor."""

SBC_SECTORS = {"grain": 2.0, "dairy": 2.0, "cars": 1.0}
"""The sectors whose synthetic levels are targets, with their error scales (tariff points)."""


@dataclass
class SBCResult:
    """Where the truth fell in each trial's posterior.

    Attributes:
        quantiles: Parameter -> the truth's posterior quantile in each trial.
        truths: Parameter -> the true value in each trial.
        trials: Number of trials.
    """

    quantiles: dict[str, list[float]] = field(default_factory=dict)
    truths: dict[str, list[float]] = field(default_factory=dict)
    contractions: dict[str, list[float]] = field(default_factory=dict)
    trials: int = 0

    def contraction(self) -> dict[str, float]:
        """Mean posterior contraction per parameter: 1 - posterior variance / prior variance.

        Coverage alone cannot tell a posterior that learnt from one that is the prior (both
        are calibrated); contraction says how much was learnt.
        """
        return {p: float(np.mean(v)) for p, v in self.contractions.items()}

    def coverage(self, level: float) -> dict[str, float]:
        """Share of trials whose truth lies in the central ``level`` interval, per parameter."""
        lo, hi = (1 - level) / 2, 1 - (1 - level) / 2
        return {p: float(np.mean([lo <= q <= hi for q in qs])) for p, qs in self.quantiles.items()}

    def pooled_coverage(self, level: float) -> tuple[int, int]:
        """Trials x parameters inside the central ``level`` interval, and their number."""
        lo, hi = (1 - level) / 2, 1 - (1 - level) / 2
        qs = [q for values in self.quantiles.values() for q in values]
        return sum(lo <= q <= hi for q in qs), len(qs)


def synthetic_spec(
    truth: dict[str, float], seed: int, population: int, generations: int
) -> CalibrationSpec:
    """A classroom calibration spec whose targets are one run at ``truth``."""
    from sim.scenario import load_scenario

    scenario = load_scenario("classroom")
    outcome = run_once(scenario_at(scenario, list(truth), list(truth.values())), seed)
    targets: dict[str, Any] = {
        name: {
            "kind": "sector",
            "sector": name,
            "value": outcome.concessions_in_terms[name]["value"],
            "unit": scenario.sectors[name].unit,
            "scale": scale,
            "source": "synthetic",
        }
        for name, scale in SBC_SECTORS.items()
    }
    targets["deal"] = {
        "kind": "agreement",
        "value": 1.0 if outcome.agreement else 0.0,
        "scale": 0.5,
        "source": "synthetic",
    }
    return CalibrationSpec.model_validate(
        {
            "scenario": "classroom",
            "parameters": SBC_PRIORS,
            "targets": targets,
            "method": {
                "population": population,
                "generations": generations,
                "seed": derived_seed(seed, 2) % 2**63,
                "predictive_runs": 10,
                "batch_size": 10,
            },
        }
    )


def truth_quantile(values: np.ndarray, weights: np.ndarray, truth: float) -> float:
    """The posterior mass below ``truth`` (ties count half), in [0, 1]."""
    below = weights[values < truth].sum() + 0.5 * weights[values == truth].sum()
    return float(below / weights.sum())


def run_sbc(
    trials: int,
    population: int,
    generations: int,
    seed: int = 0,
    executor: Any = None,
    progress: Callable[[int, int], None] | None = None,
) -> SBCResult:
    """``trials`` rounds of draw a truth, simulate it, calibrate, locate the truth."""
    from sim.calibration.executors import LocalExecutor
    from sim.calibration.predictive import read_posterior
    from sim.calibration.runner import fit

    executor = executor or LocalExecutor()
    result = SBCResult(trials=trials)
    for i in range(trials):
        trial_seed = derived_seed(seed, i)
        rng = np.random.default_rng(np.random.SeedSequence(trial_seed, spawn_key=(0,)))
        truth = {
            p: float(BoundedRV(parse_prior(d)).sample(rng, 1)[0]) for p, d in SBC_PRIORS.items()
        }
        plan: CalibrationPlan = plan_from_spec(
            synthetic_spec(truth, derived_seed(trial_seed, 1), population, generations)
        )
        with tempfile.TemporaryDirectory(prefix="negsim-sbc-") as tmp:
            fitted = fit(plan, Path(tmp), executor, progress=False, echo=None)
            posterior = read_posterior(fitted.db, plan.paths)
        w = posterior["weight"].to_numpy()
        for p, value in truth.items():
            q = truth_quantile(posterior[p].to_numpy(), w, value)
            result.quantiles.setdefault(p, []).append(q)
            result.truths.setdefault(p, []).append(value)
            x = posterior[p].to_numpy()
            mean = np.average(x, weights=w)
            variance = np.average((x - mean) ** 2, weights=w)
            prior_variance = float(plan.priors[p].scipy.var())
            result.contractions.setdefault(p, []).append(1 - variance / prior_variance)
        if progress is not None:
            progress(i + 1, trials)
    return result
