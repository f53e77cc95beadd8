"""negsim's model as ``mesa.batch_run`` wants it, for ``bench_sweep.py``.

``batch_run`` forces the *spawn* start method, so its workers import the model class by name:
it must live in an importable module, not in the benchmark's ``__main__``. The class adds a
minimal ``mesa.DataCollector`` with two model reporters (agreement, final step), collected
once when the run ends (``data_collection_period=-1`` then returns that one row).

Per run it does the work a negsim sweep worker does for outcomes ``[agreement, step]``: no
time series (``collect=False``), no Pareto/Nash analysis (``analyse=False``).

- ``CachedBatchNegotiationModel(scenario_path, rng=None, strength=None)`` is the rival the
  benchmark compares with: batch_run as its best users write it, the parsed scenario kept per
  worker process and per parameter value, as negsim's sweep worker keeps it.
- ``BatchNegotiationModel`` (same arguments) is what a naive user writes: every run loads and
  validates the YAML scenario with its override (``sim.load_scenario(path, overrides)``,
  several times the cost of the run itself; ``bench_sweep.py`` prints the figure). Kept to
  show where a "negsim is Nx faster than batch_run" figure would come from; it is not the
  comparison.
"""

from __future__ import annotations

import functools
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import mesa

import sim
from sim.scenario import set_parameter

PARAMETER = "lobbies.ja_zenchu.strength"


def agreement(model: Any) -> bool:
    """Model reporter: whether the run ended in a ratified agreement."""
    return bool(model.outcome.agreement) if model.outcome is not None else False


def final_step(model: Any) -> int:
    """Model reporter: the outcome's step (as in the sweep's ``step`` column)."""
    return int(model.outcome.step) if model.outcome is not None else -1


class BatchNegotiationModel(sim.NegotiationModel):
    """``NegotiationModel`` loading its scenario from a path in every run (the naive way)."""

    def __init__(
        self, scenario_path: str, rng: int | None = None, strength: float | None = None
    ) -> None:
        super().__init__(
            self._scenario(scenario_path, strength), rng=rng, collect=False, analyse=False
        )
        self.datacollector = mesa.DataCollector(
            model_reporters={"agreement": agreement, "step": final_step}
        )

    @staticmethod
    def _scenario(scenario_path: str, strength: float | None) -> sim.Scenario:
        overrides = {PARAMETER: strength} if strength is not None else None
        return sim.load_scenario(scenario_path, overrides)

    def step(self) -> None:
        """One step; when the run ends, the outcome is collected once."""
        super().step()
        if not self.running:
            self.datacollector.collect(self)


@functools.cache
def _base(scenario_path: str) -> sim.Scenario:
    return sim.load_scenario(scenario_path)


@functools.cache
def _with_strength(scenario_path: str, strength: float | None) -> sim.Scenario:
    base = _base(scenario_path)
    return base if strength is None else set_parameter(base, PARAMETER, strength)


class CachedBatchNegotiationModel(BatchNegotiationModel):
    """The same, with the scenario loaded once per process and per parameter value (the rival)."""

    @staticmethod
    def _scenario(scenario_path: str, strength: float | None) -> sim.Scenario:
        return _with_strength(scenario_path, strength)
