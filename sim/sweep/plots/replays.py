"""Runs of a sweep replayed: the same scenario, design values and seed as the runner's.

A sweep stores each run's outcome, not its model; a plot that needs more (the Pareto
frontier the governments saw when they accepted the deal) replays the run. ``replay`` builds
each run's model from the base scenario, the run's design values and its seed, and checks that
it ends as recorded, so a scenario file or a model changed since the sweep cannot pass for it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import pandas as pd

from sim.sweep.plots.data import Results

if TYPE_CHECKING:
    from sim.model import NegotiationModel


class ReplayMismatch(ValueError):
    """A replayed run that does not end as the sweep recorded it."""


def _value(value: Any) -> Any:
    return value.item() if hasattr(value, "item") else value


def replay(results: Results, run_ids: Iterable[int]) -> dict[int, NegotiationModel]:
    """The finished models of some completed runs, built as ``runner.run_batch`` builds them.

    Args:
        results: The sweep (its base scenario must be readable).
        run_ids: Completed runs to replay.

    Returns:
        ``run_id -> model``, each run to its end.

    Raises:
        ValueError: no base scenario.
        ReplayMismatch: a run that ends otherwise than recorded (agreement or step).

    """
    from sim.model import NegotiationModel
    from sim.sweep.worker import point_scenario

    if results.scenario is None:
        raise ValueError(f"cannot replay runs without the scenario ({results.scenario_problem})")
    rows = results.ok.set_index("run_id")
    params = [p for p in results.parameters if p in rows]
    models: dict[int, NegotiationModel] = {}
    cached_point, scenario = None, results.scenario
    for run_id in sorted(int(r) for r in run_ids):
        row = rows.loc[run_id]
        if row["point"] != cached_point:  # one scenario per design point, as the runner does
            values = {path: _value(row[path]) for path in params}
            cached_point, scenario = row["point"], point_scenario(results.scenario, values)
        model = NegotiationModel(scenario, rng=int(row["seed"]), collect=False, analyse=False)
        model.run()
        agreed, step = row.get("agreement"), row.get("step")
        if (pd.notna(agreed) and (model.deal is not None) != bool(agreed)) or (
            pd.notna(step) and int(step) != model.t
        ):
            raise ReplayMismatch(
                f"run {run_id} does not replay as recorded (the scenario or the model changed"
                " since the sweep)"
            )
        models[run_id] = model
    return models
