"""One particle's simulation: the scenario with the particle's values, run with derived seeds.

A run's seed never comes from global state: it is derived by ``numpy.random.SeedSequence``
from the master seed, the generation and the particle's parameter values (their exact bits),
so a particle's summary statistics are the same whichever process, sampler or order computes
them. The same function serves the fit, the posterior predictive check and the
simulation-based calibration.
"""

from __future__ import annotations

import math
import struct
import time
from collections.abc import Sequence
from typing import Any

import numpy as np
from pyabc.model import Model, ModelResult

from sim.calibration.targets import TargetRule
from sim.model import NegotiationModel
from sim.outcome import Outcome
from sim.scenario import Scenario, set_parameter

FIT, PROPOSAL, PREDICTIVE, PREDICTIVE_PICK, PRIOR_PLOT = 1, 2, 3, 4, 5
"""First words of every seed's spawn key: one stream per use, never shared."""

_SIM_SECONDS = [0.0]
"""Seconds this process spent inside the model (building scenarios and running them)."""


def sim_seconds() -> float:
    """Seconds this process has spent simulating so far (for the overhead figures)."""
    return _SIM_SECONDS[0]


def float_bits(value: float) -> int:
    """A float's exact IEEE-754 bits as an unsigned integer (a seed's word)."""
    return struct.unpack("<Q", struct.pack("<d", float(value)))[0]


def derived_seed(master: int, *key: int) -> int:
    """A run's seed from the master seed and a key of non-negative integers."""
    return int(np.random.SeedSequence(master, spawn_key=key).generate_state(1, np.uint64)[0])


def particle_seeds(master: int, t: int, values: Sequence[float], runs: int) -> list[int]:
    """Seeds of a particle's runs: master seed, generation and the values' bits."""
    bits = [float_bits(v) for v in values]
    return [derived_seed(master, FIT, t + 1, r, *bits) for r in range(runs)]


def scenario_at(scenario: Scenario, paths: Sequence[str], values: Sequence[float]) -> Scenario:
    """The scenario with each free parameter set to its value (each block validated)."""
    for path, value in zip(paths, values, strict=True):
        scenario = set_parameter(scenario, path, float(value))
    return scenario


def run_once(scenario: Scenario, seed: int) -> Outcome:
    """One run, without the time series or the Pareto/Nash analysis (not needed here)."""
    return NegotiationModel(scenario, rng=seed, collect=False, analyse=False).run()


def summarise(rules: Sequence[TargetRule], outcomes: Sequence[Outcome]) -> dict[str, float]:
    """Each target's mean miss over a particle's runs (its summary statistic)."""
    return {r.name: float(np.mean([r.miss(o) for o in outcomes])) for r in rules}


def simulate(
    scenario: Scenario,
    paths: Sequence[str],
    values: Sequence[float],
    rules: Sequence[TargetRule],
    seeds: Sequence[int],
) -> dict[str, float]:
    """A particle's summary statistics: one run per seed, each target's mean miss."""
    start = time.perf_counter()
    try:
        point = scenario_at(scenario, paths, values)
        return summarise(rules, [run_once(point, s) for s in seeds])
    finally:
        _SIM_SECONDS[0] += time.perf_counter() - start


class NegsimModel(Model):
    """negsim as a pyabc model: parameters in, each target's mean miss out.

    pyabc passes the generation ``t`` to ``summary_statistics``, which is what lets the seed
    depend on it (``Model.sample`` does not see it).
    """

    def __init__(
        self,
        scenario: Scenario,
        paths: Sequence[str],
        rules: Sequence[TargetRule],
        master_seed: int,
        runs: int = 1,
    ) -> None:
        super().__init__(name=scenario.name)
        self.scenario = scenario
        self.paths = list(paths)
        self.rules = list(rules)
        self.master_seed = master_seed
        self.runs = runs

    def summary_statistics(  # noqa: D102
        self, t: int, pars: Any, sum_stat_calculator: Any
    ) -> ModelResult:
        values = [float(pars[p]) for p in self.paths]
        if not all(math.isfinite(v) for v in values):
            raise ValueError(f"a particle with a non-finite value: {values}")
        seeds = particle_seeds(self.master_seed, t, values, self.runs)
        stats = simulate(self.scenario, self.paths, values, self.rules, seeds)
        return ModelResult(sum_stat=stats)

    def sample(self, pars: Any) -> dict[str, float]:  # noqa: D102
        return self.summary_statistics(0, pars, None).sum_stat
