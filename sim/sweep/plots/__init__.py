"""Plots of a parameter sweep: one module per kind, over shared data access.

A sweep folder is read by ``load`` (through ``sim.sweep.store``) into a ``Results``; each kind
(``agreement``, ``dates``, ``concessions``, ``utility``, ``trajectories``, ``sobol``,
``morris``) is a module here with its data functions (DataFrames), its panel functions (which
take ``ax=`` and draw on it, as in ``sim.plots``) and ``figure(results)``;
``registry.KINDS`` lists the kinds with a one-line help each, and ``plot_kind`` /
``plot_all`` write them as PNGs.

Runs that raised (``error`` set) are left out of every statistic; figures say how many.
Every name below is importable from ``sim.sweep.plots``; modules are imported when a name is
first used, so that the command line can read the registry without loading matplotlib.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "data": ["Results", "SkipPlot", "SweepDataError", "agreement_mask", "load", "need_runs"],
    "levels": [
        "axis_label",
        "design_levels",
        "group_by_parameter",
        "is_log",
        "level_grouping",
        "log_scale",
        "param_label",
        "varied_elections",
    ],
    "registry": [
        "KINDS",
        "PlotFiles",
        "PlotKind",
        "kinds_help",
        "plot_all",
        "plot_kind",
        "register",
    ],
    "replays": ["ReplayMismatch", "replay"],
    "figures": ["describe"],
    "agreement": [
        "agreement_by_pair",
        "agreement_by_parameter",
        "interaction_pair",
        "plot_agreement",
        "plot_agreement_heatmap",
        "wilson_interval",
    ],
    "dates": ["agreement_dates", "plot_dates_ecdf", "plot_dates_histogram"],
    "concessions": ["concessions_by_parameter", "fixed_sectors", "plot_concessions"],
    "utility": ["deal_frontiers", "gains_by_level", "plot_gains", "plot_gains_on_frontiers"],
    "trajectories": ["plot_trajectory", "trajectory_quantiles"],
    "sobol": ["plot_sobol", "sobol_table"],
    "morris": ["morris_table", "plot_morris"],
}
_WHERE = {name: module for module, names in _EXPORTS.items() for name in names}

__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(importlib.import_module(f"{__name__}.{_WHERE[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_WHERE])
