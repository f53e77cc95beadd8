"""Sweep folders shared by the plot tests (built once per session: they run the model)."""

from __future__ import annotations

from pathlib import Path

import pytest
from plot_sweeps import JP_BETA, RESPONSE, STRENGTH, US_BETA, grid_sweep, lhs_sweep, sobol_sweep


@pytest.fixture(scope="session")
def grid_dir(tmp_path_factory) -> Path:
    """3 x 2 grid, 7 replicates (42 runs, run 5 failed), time series for 12 runs."""
    levels = {STRENGTH: [0.5, 1.0, 2.0], RESPONSE: [1.0, 6.0]}
    folder = tmp_path_factory.mktemp("sweeps") / "grid"
    return grid_sweep(folder, levels, 7, failed_run=5, series_runs=2)


@pytest.fixture(scope="session")
def tactics_dir(tmp_path_factory) -> Path:
    """The strategies experiment in small: 3 x 3 betas, 4 replicates (36 runs)."""
    levels = {US_BETA: [0.2, 1.0, 2.0], JP_BETA: [0.2, 1.0, 2.0]}
    return grid_sweep(tmp_path_factory.mktemp("sweeps") / "tactics", levels, 4)


@pytest.fixture(scope="session")
def lhs_dir(tmp_path_factory) -> Path:
    return lhs_sweep(tmp_path_factory.mktemp("sweeps") / "lhs")


@pytest.fixture(scope="session")
def sobol_dir(tmp_path_factory) -> Path:
    return sobol_sweep(tmp_path_factory.mktemp("sweeps") / "sobol")
