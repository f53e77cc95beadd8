"""A sweep folder read for plotting: manifest, runs, sampled time series, base scenario.

Everything is read through ``sim.sweep.store`` (``read_manifest`` and ``read_results``), so a
damaged part or a manifest of the wrong shape is reported in the store's one line.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from sim.plots.style import party_colour

if TYPE_CHECKING:
    from sim.schema import Scenario


class SweepDataError(ValueError):
    """A folder that is not a readable sweep (no manifest, no runs, a damaged part)."""


class SkipPlot(Exception):
    """A plot kind that does not apply to this sweep; the message says why."""


@dataclass
class Results:
    """A sweep folder read into memory.

    Attributes:
        dir: The sweep folder.
        manifest: ``manifest.json`` as a dict.
        runs: One row per run, sorted by ``run_id`` (failed runs included, ``error`` set).
        timeseries: Per-step rows of the sampled runs (``run_id``, ``step``, ...), or None.
        scenario: The base scenario (``manifest["scenario_path"]``), or None if it cannot be
            read; plots then go without calendar marks, labels and sector units.
        scenario_problem: Why ``scenario`` is None, if it is.

    """

    dir: Path
    manifest: dict[str, Any]
    runs: pd.DataFrame
    timeseries: pd.DataFrame | None
    scenario: Scenario | None
    scenario_problem: str | None = None

    @cached_property
    def param_docs(self) -> dict[str, str]:
        """Dotted path -> one-line meaning, from the base scenario (empty without it)."""
        if self.scenario is None:
            return {}
        from sim.scenario import iter_parameters

        return {path: doc for path, _, doc in iter_parameters(self.scenario)}

    @property
    def spec(self) -> dict[str, Any]:
        """The sweep's specification (``manifest["spec"]``)."""
        return self.manifest.get("spec") or {}

    @property
    def design(self) -> str:
        """``grid``, ``lhs`` or ``sobol``."""
        return str(self.spec.get("design", "grid"))

    @property
    def parameters(self) -> list[str]:
        """The varied parameters' dotted paths, in the manifest's order."""
        return list(self.manifest.get("parameters") or [])

    @property
    def ok(self) -> pd.DataFrame:
        """Runs that completed (no ``error``)."""
        if "error" not in self.runs:
            return self.runs
        return self.runs[self.runs["error"].isna()]

    @property
    def agreed(self) -> pd.DataFrame:
        """Completed runs that ended in a ratified agreement."""
        ok = self.ok
        return ok[agreement_mask(ok)]

    @property
    def n_failed(self) -> int:
        """Runs that raised."""
        return len(self.runs) - len(self.ok)

    @property
    def points(self) -> pd.DataFrame:
        """One row per design point that has runs: ``point`` and the parameters' values."""
        columns = ["point"] + [p for p in self.parameters if p in self.runs]
        return self.runs[columns].drop_duplicates("point").reset_index(drop=True)

    @property
    def parties(self) -> list[str]:
        """Party names, in the scenario's order (else in the order of the columns)."""
        if self.scenario is not None:
            return list(self.scenario.parties)
        prefix = "gains." if any(c.startswith("gains.") for c in self.runs) else "utilities."
        return [c.split(".", 1)[1] for c in self.runs.columns if c.startswith(prefix)]

    @property
    def sectors(self) -> list[str]:
        """Sector names, in the scenario's order (else in the order of the columns)."""
        if self.scenario is not None:
            return list(self.scenario.sectors)
        return [c.split(".", 1)[1] for c in self.runs.columns if c.startswith("concessions.")]

    def party_label(self, party: str) -> str:
        """A party's display name."""
        if self.scenario is not None and party in self.scenario.parties:
            return self.scenario.parties[party].label
        return party

    def party_colour(self, party: str) -> str:
        """The party's colour, as in the run figure."""
        parties = self.parties
        return party_colour(parties.index(party) if party in parties else 0)

    def sector_label(self, sector: str) -> str:
        """A sector's display name."""
        if self.scenario is not None and sector in self.scenario.sectors:
            return self.scenario.sectors[sector].label
        return sector.replace("_", " ")


def agreement_mask(frame: pd.DataFrame) -> pd.Series:
    """Whether each run ended in a ratified agreement (False where not recorded)."""
    return frame["agreement"].astype("boolean").fillna(False).astype(bool)


def _is_file(path: str) -> bool:
    try:
        return Path(path).is_file()
    except (OSError, ValueError):  # a name no file system allows
        return False


def load(dir: str | Path) -> Results:
    """Read a sweep folder (through ``sim.sweep.store``) and its base scenario.

    Raises:
        SweepDataError: no ``manifest.json``, a manifest of the wrong shape, a damaged part,
            or no runs yet; the message is the store's one line.

    """
    from sim.errors import ScenarioError
    from sim.sweep.store import read_manifest, read_results

    folder = Path(dir)
    try:
        manifest = read_manifest(folder)
        if manifest is None:
            raise SweepDataError(f"{folder}: not a sweep folder (no manifest.json)")
        runs = read_results(folder)
        series = read_results(folder, timeseries=True)
    except ScenarioError as exc:
        raise SweepDataError(str(exc)) from None
    if runs.empty:
        raise SweepDataError(f"{folder}: no runs yet (runs/part-*.parquet is empty or missing)")
    if "run_id" not in runs or "point" not in runs:
        raise SweepDataError(f"{folder}: runs/ lacks the run_id and point columns")
    scenario, problem = None, None
    path = manifest.get("scenario_path") or (manifest.get("spec") or {}).get("scenario")
    if not path:
        problem = "the manifest names no scenario"
    elif not _is_file(path):
        problem = f"scenario file not found: {path}"
    else:
        from sim.scenario import load_scenario

        try:
            scenario = load_scenario(path)
        except ScenarioError as exc:
            problem = f"scenario unreadable: {exc}"
    timeseries = series if not series.empty else None
    return Results(folder, manifest, runs, timeseries, scenario, problem)


def need_runs(results: Results, *columns: str) -> None:
    """Skip unless there are completed runs with values in these outcome columns.

    A column of nulls is as good as missing: drawn, it would read as 0% agreement.

    Raises:
        SkipPlot: no completed run, or a column missing or all null.

    """
    if results.ok.empty:
        raise SkipPlot("no completed run (every run failed or none ran yet)")
    missing = [c for c in columns if c not in results.runs or results.ok[c].isna().all()]
    if missing:
        raise SkipPlot(f"the sweep did not record {', '.join(missing)} (see the spec's outcomes)")
