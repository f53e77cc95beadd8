"""What the sensitivity figures share: one panel per outcome, parameters on one y axis.

Sobol' indices (``sobol``) and Morris screening (``morris``) both apportion two outcomes,
agreement and the step at which the talks ended, among the varied parameters; their figures
are the same frame around different bars.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.sweep.plots.data import Results, SkipPlot, agreement_mask, need_runs
from sim.sweep.plots.figures import new_figure, title

OUTCOME_LABELS = {
    "agreement": "P(ratified agreement)",
    "step": "step at which the talks ended",
}
"""The outcomes the sensitivity figures apportion, as their panels name them."""


def point_means(results: Results, outcome: str) -> pd.Series:
    """The outcome averaged over each design point's replicates (agreement: the share)."""
    ok = results.ok
    if outcome not in ok:
        raise KeyError(f"no outcome column {outcome!r} in the runs")
    y = agreement_mask(ok).astype(float) if outcome == "agreement" else ok[outcome].astype(float)
    return y.groupby(ok["point"]).mean()


def recorded_outcomes(results: Results) -> list[str]:
    """Agreement and step, those the sweep recorded (``SkipPlot`` if neither)."""
    need_runs(results)
    outcomes = [o for o in OUTCOME_LABELS if o in results.runs and results.ok[o].notna().any()]
    if not outcomes:
        raise SkipPlot("the sweep recorded neither agreement nor step (see the spec's outcomes)")
    return outcomes


def panels(
    results: Results,
    tables: dict[str, pd.DataFrame],
    draw: Callable[[Any, Results, str, pd.DataFrame, list[str]], Any],
    rank_by: str,
    heading: str,
    height: float,
) -> Figure:
    """One panel per outcome, drawn by ``draw``, the parameters in one shared order.

    The order is by ``rank_by`` in the first outcome's table, the most influential on top; one
    legend goes below the panels and ``heading`` above them.
    """
    outcomes = list(tables)
    fig, body = new_figure(7.0 * len(outcomes), height)
    axes = np.atleast_1d(body.subplots(1, len(outcomes), sharey=True))
    order = tables[outcomes[0]].sort_values(rank_by, kind="stable")["parameter"].tolist()
    for ax, outcome in zip(axes, outcomes, strict=True):
        draw(ax, results, outcome, tables[outcome], order)
    handles, labels = axes[0].get_legend_handles_labels()
    body.legend(handles, labels, loc="outside lower center", ncol=2, frameon=False)
    title(fig, heading, results)
    return fig
