"""Plots of a parameter sweep: agreement, dates, concessions, utilities, trajectories, Sobol'.

A sweep folder holds ``manifest.json``, ``runs/part-*.parquet`` (one row per run),
``points.parquet`` (one row per design point) and, optionally, ``timeseries/part-*.parquet``
(the per-step series of a sample of runs). ``load`` reads it into a ``Results``.

Three layers, each usable on its own:

- data functions return DataFrames (``agreement_by_parameter``, ``agreement_dates``,
  ``concessions_by_parameter``, ``sobol_table``, ``trajectory_quantiles``);
- panel functions take ``ax=`` and draw on it (``plot_agreement``, ``plot_dates_ecdf``,
  ``plot_concessions``, ``plot_gains``, ``plot_trajectory``, ``plot_sobol``, ...), as in
  ``sim.plots``;
- figure builders lay the panels out, one per plot kind (``KINDS``); ``plot_kind`` writes one
  PNG and ``plot_all`` writes every kind that applies, reporting the kinds it skipped and why.

Runs that raised (``error`` set) are left out of every statistic; figures say how many.
"""

from __future__ import annotations

import contextlib
import math
import os
import re
import textwrap
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import (
    Formatter,
    FuncFormatter,
    LogLocator,
    NullFormatter,
    PercentFormatter,
)
from scipy import stats

from sim.plots import PARTY_COLOURS, decorate_sector_axis

if TYPE_CHECKING:
    from sim.scenario import Scenario

DPI = 120
SUMMIT_COLOUR = "#f5b041"
AGREED_COLOUR = "#2e8b57"
NO_DEAL_COLOUR = "0.55"
BAND_ALPHAS = (0.18, 0.35)  # 90% band, 50% band
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
CONCESSION_LABEL = "concession x (0 = today, 1 = free trade)"
STYLE = {
    "font.size": 10,
    "axes.titlesize": 10.5,
    "axes.labelsize": 9.5,
    "xtick.labelsize": 8.5,
    "ytick.labelsize": 8.5,
    "legend.fontsize": 8.5,
    "figure.titlesize": 12,
    "axes.spines.top": False,
    "axes.spines.right": False,
}
OUTCOME_LABELS = {
    "agreement": "P(ratified agreement)",
    "step": "step at which the talks ended",
}


ELECTION_DATE = re.compile(r"^parties\.([^.]+)\.elections\.([^.]+)\.date$")
MAX_ECDF_LEVELS = 8
MIN_SOBOL_ROWS = 8
"""Fewest complete base rows from which the Sobol' figure draws indices (as a spec's minimum)."""


class SweepDataError(ValueError):
    """A folder that is not a readable sweep (no manifest, no runs, bad JSON)."""


class SkipPlot(Exception):
    """A plot kind that does not apply to this sweep; the message says why."""


# --- loading -----------------------------------------------------------------------------------


@dataclass
class Results:
    """A sweep folder read into memory.

    Attributes:
        dir: The sweep folder.
        manifest: ``manifest.json`` as a dict.
        runs: One row per run, sorted by ``run_id`` (failed runs included, ``error`` set).
        points: One row per design point (``point`` + parameter columns), or None.
        timeseries: Per-step rows of the sampled runs (``run_id``, ``step``, ...), or None.
        scenario: The base scenario (``manifest["scenario_path"]``), or None if it cannot be
            read; plots then go without calendar marks, labels and sector units.
        scenario_problem: Why ``scenario`` is None, if it is.

    """

    dir: Path
    manifest: dict[str, Any]
    runs: pd.DataFrame
    points: pd.DataFrame | None
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
    def n_failed(self) -> int:
        """Runs that raised."""
        return len(self.runs) - len(self.ok)

    @property
    def parties(self) -> list[str]:
        """Party names, in the scenario's order (else in the order of the columns)."""
        if self.scenario is not None:
            return list(self.scenario.parties)
        return [c.split(".", 1)[1] for c in self.runs.columns if c.startswith("utilities.")]

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
        """The party's colour, as in the single-run plots."""
        parties = self.parties
        k = parties.index(party) if party in parties else 0
        return PARTY_COLOURS[k % len(PARTY_COLOURS)]


def _read_parquet(path: Path) -> pd.DataFrame:
    from sim.sweep.store import READ_ERRORS

    try:
        return pd.read_parquet(path)
    except READ_ERRORS as exc:
        problem = " ".join(f"{type(exc).__name__}: {exc}".split())[:160]
        raise SweepDataError(
            f"{path}: damaged ({problem}); run the sweep's command again: it moves damaged"
            " parts aside and runs their batches again"
        ) from None


def _read_parts(folder: Path) -> pd.DataFrame | None:
    parts = sorted(folder.glob("part-*.parquet")) if folder.is_dir() else []
    if not parts:
        return None
    frames = [_read_parquet(p) for p in parts]
    frames = [f for f in frames if len(f)]
    if not frames:
        return None
    return pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]


def _is_file(path: str) -> bool:
    try:
        return Path(path).is_file()
    except (OSError, ValueError):  # a name no file system allows
        return False


def load(dir: str | Path) -> Results:
    """Read a sweep folder.

    Raises:
        SweepDataError: no ``manifest.json``, unreadable JSON or of the wrong shape, a damaged
            part, or no runs yet.

    """
    from sim.errors import ScenarioError
    from sim.sweep.store import read_manifest

    folder = Path(dir)
    try:
        manifest = read_manifest(folder)
    except ScenarioError as exc:
        raise SweepDataError(str(exc)) from None
    if manifest is None:
        raise SweepDataError(f"{folder}: not a sweep folder (no manifest.json)")
    runs = _read_parts(folder / "runs")
    if runs is None:
        raise SweepDataError(f"{folder}: no runs yet (runs/part-*.parquet is empty or missing)")
    if "run_id" not in runs or "point" not in runs:
        raise SweepDataError(f"{folder}: runs/ lacks the run_id and point columns")
    runs = runs.sort_values("run_id", kind="stable").reset_index(drop=True)
    points_path = folder / "points.parquet"
    points = _read_parquet(points_path) if points_path.is_file() else None
    series = _read_parts(folder / "timeseries")
    if series is not None:
        series = series.sort_values(["run_id", "step"], kind="stable").reset_index(drop=True)
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
    return Results(folder, manifest, runs, points, series, scenario, problem)


# --- helpers ------------------------------------------------------------------------------------


def wilson_interval(
    successes: Any, trials: Any, confidence: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval of a binomial proportion (NaN where there are no trials).

    Args:
        successes: Count(s) of successes.
        trials: Count(s) of trials.
        confidence: Two-sided confidence level.

    Returns:
        ``(low, high)`` arrays, within [0, 1].

    """
    k = np.asarray(successes, dtype=float)
    n = np.asarray(trials, dtype=float)
    z = float(stats.norm.ppf(0.5 + confidence / 2.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        p = k / n
        denom = 1.0 + z * z / n
        centre = (p + z * z / (2.0 * n)) / denom
        half = z * np.sqrt(p * (1.0 - p) / n + z * z / (4.0 * n * n)) / denom
        # Exact at the edges: all failures -> low 0, all successes -> high 1.
        low = np.where(k <= 0, 0.0, np.clip(centre - half, 0.0, 1.0))
        high = np.where(k >= n, 1.0, np.clip(centre + half, 0.0, 1.0))
        low = np.where(n > 0, low, np.nan)
        high = np.where(n > 0, high, np.nan)
    return low, high


def _param_spec(results: Results, path: str) -> Any:
    return (results.spec.get("parameters") or {}).get(path)


def is_log(results: Results, path: str) -> bool:
    """Whether the parameter's range was sampled on a log scale (``{"log": true}``)."""
    spec = _param_spec(results, path)
    if isinstance(spec, dict):
        return bool(spec.get("log"))
    return False


def _value_kind(values: pd.Series) -> str:
    """``number``, ``date`` (ISO strings) or ``category``."""
    if pd.api.types.is_bool_dtype(values):
        return "category"
    if pd.api.types.is_numeric_dtype(values):
        return "number"
    if pd.api.types.is_datetime64_any_dtype(values):
        return "date"
    present = values.dropna()
    if len(present):
        parsed = pd.to_datetime(present.astype(str), errors="coerce", format="ISO8601")
        if parsed.notna().all():
            return "date"
    return "category"


def _as_axis(values: pd.Series, kind: str) -> pd.Series:
    if kind == "date":
        return pd.to_datetime(values.astype(str), format="ISO8601")
    if kind == "number":
        return values.astype(float)
    return values.astype(str)


def _is_continuous(results: Results, path: str, kind: str, n_unique: int) -> bool:
    """Bin a parameter (continuous designs) rather than group it by level (grid designs)."""
    if kind == "category":
        return False
    spec = _param_spec(results, path)
    if isinstance(spec, list):
        return False
    if isinstance(spec, dict):
        return n_unique > 12 or results.design != "grid"
    return n_unique > 12


def _short_range(low: Any, high: Any) -> str:
    """A bin's range for a tick label: '0.27–0.51', or two lines '7 Jun–' '6 Jul' for dates."""
    if isinstance(low, pd.Timestamp):
        return f"{low.day} {low:%b}–\n{high.day} {high:%b}"
    return f"{_fmt(low)}–{_fmt(high)}"


def _fmt(value: Any) -> str:
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    if isinstance(value, float | np.floating):
        return f"{float(value):.3g}"
    return str(value)


def _to_number(values: pd.Series, kind: str) -> np.ndarray:
    if kind == "date":
        return values.astype("datetime64[ns]").astype("int64").to_numpy(dtype=float)
    return values.to_numpy(dtype=float)


def _from_number(values: np.ndarray, kind: str) -> list[Any]:
    if kind == "date":
        return [pd.Timestamp(round(v)).normalize() for v in values]
    return [float(v) for v in values]


def group_by_parameter(
    results: Results, path: str, *, bins: int | None = None
) -> tuple[pd.Series, pd.DataFrame, str]:
    """Group the completed runs by a parameter's level (grid) or by a bin of it (continuous).

    Bins are quantiles of the design points' values, so each holds about as many points; a
    log-sampled parameter gets the same bins (quantiles do not depend on the scale).

    Args:
        results: The sweep.
        path: A varied parameter's dotted path.
        bins: Number of bins for a continuous parameter (default: about the square root of the
            number of distinct values, between 3 and 10).

    Returns:
        ``(group, table, kind)``: the group number of each completed run (indexed like
        ``results.ok``); one row per group with ``level`` (the value, or the bin's median),
        ``low`` and ``high`` (the bin's edges; the value itself for a level) and ``label``;
        and the values' kind (``number``, ``date`` or ``category``).

    """
    runs = results.ok
    if path not in runs:
        raise KeyError(f"{path!r} is not a column of the runs (varied: {results.parameters})")
    kind = _value_kind(runs[path])
    values = _as_axis(runs[path], kind)
    uniq = sorted(values.dropna().unique())
    if not _is_continuous(results, path, kind, len(uniq)):
        levels = [pd.Timestamp(v) if kind == "date" else v for v in uniq]
        index = {v: i for i, v in enumerate(levels)}
        group = values.map(lambda v: index.get(v, -1) if pd.notna(v) else -1)
        table = pd.DataFrame(
            {"level": levels, "low": levels, "high": levels, "label": [_fmt(v) for v in levels]}
        )
        return group.astype(int), table, kind
    x = _to_number(values, kind)
    design_values = x
    if results.points is not None and path in results.points:
        design_values = _to_number(_as_axis(results.points[path].dropna(), kind), kind)
    n_unique = len(np.unique(design_values))
    k = bins or min(10, max(3, round(math.sqrt(n_unique))))
    edges = np.unique(np.quantile(design_values, np.linspace(0.0, 1.0, k + 1)))
    if len(edges) < 2:
        edges = np.array([edges[0], edges[0]])
    code = np.clip(np.searchsorted(edges[1:-1], x, side="right"), 0, len(edges) - 2)
    group = pd.Series(np.where(np.isfinite(x), code, -1), index=runs.index, dtype=int)
    medians = [
        float(np.median(x[code == i])) if np.any(code == i) else (edges[i] + edges[i + 1]) / 2
        for i in range(len(edges) - 1)
    ]
    lows, highs = _from_number(edges[:-1], kind), _from_number(edges[1:], kind)
    table = pd.DataFrame(
        {
            "level": _from_number(np.array(medians), kind),
            "low": lows,
            "high": highs,
            "label": [f"{_fmt(a)}–{_fmt(b)}" for a, b in zip(lows, highs, strict=True)],
        }
    )
    return group, table, kind


# --- data functions -----------------------------------------------------------------------------


def agreement_by_parameter(
    results: Results, path: str, *, bins: int | None = None, confidence: float = 0.95
) -> pd.DataFrame:
    """Agreement rate per level (grid) or per quantile bin (continuous) of one parameter.

    Returns:
        One row per level or bin: ``parameter``, ``level``, ``low``, ``high``, ``label``,
        ``runs`` (completed runs), ``agreements``, ``rate`` and the Wilson interval
        ``ci_low``, ``ci_high`` at ``confidence``.

    """
    group, table, _ = group_by_parameter(results, path, bins=bins)
    agreed = results.ok["agreement"].astype(bool)
    runs = group.groupby(group).size()
    hits = agreed.groupby(group).sum()
    out = table.copy()
    out.insert(0, "parameter", path)
    out["runs"] = [int(runs.get(i, 0)) for i in range(len(table))]
    out["agreements"] = [int(hits.get(i, 0)) for i in range(len(table))]
    with np.errstate(divide="ignore", invalid="ignore"):
        out["rate"] = np.where(out["runs"] > 0, out["agreements"] / out["runs"], np.nan)
    out["ci_low"], out["ci_high"] = wilson_interval(out["agreements"], out["runs"], confidence)
    return out


def agreement_dates(results: Results) -> pd.DataFrame:
    """The runs that ended in a ratified agreement, in order of their date.

    Returns:
        One row per agreement: ``run_id``, ``point``, ``replicate``, ``step``, ``date``
        (Timestamp), ``ecdf`` (share of the agreements reached by that date) and
        ``share_of_runs`` (share of all completed runs agreed by that date, which ends at
        the agreement rate), plus the varied parameters' columns.

    """
    ok = results.ok
    agreed = ok[ok["agreement"].astype(bool)]
    cols = [c for c in ("run_id", "point", "replicate", "step") if c in agreed]
    cols += [p for p in results.parameters if p in agreed]
    out = agreed[cols].copy()
    out["date"] = pd.to_datetime(agreed["date"].astype(str), format="ISO8601")
    out = out.sort_values(["date", "run_id"], kind="stable").reset_index(drop=True)
    k = np.arange(1, len(out) + 1)
    out["ecdf"] = k / max(len(out), 1)
    out["share_of_runs"] = k / max(len(ok), 1)
    return out


def concessions_by_parameter(
    results: Results, path: str, *, agreed_only: bool = True, bins: int = 4
) -> pd.DataFrame:
    """Each sector's concession per level (grid) or quartile (continuous) of one parameter.

    Without a deal every concession is 0 (today's protection stays), so by default only runs
    that reached a ratified agreement are kept: the values describe the deals.

    Returns:
        Long format, one row per run and sector: ``run_id``, ``group``, ``level``, ``label``,
        ``sector``, ``concession`` (x in [0, 1]), ``in_terms`` (the same in the sector's unit,
        NaN without the scenario) and ``agreement``.

    """
    group, table, _ = group_by_parameter(results, path, bins=bins)
    ok = results.ok
    keep = group >= 0
    if agreed_only:
        keep &= ok["agreement"].astype(bool)
    rows = []
    for sector in results.sectors:
        col = f"concessions.{sector}"
        if col not in ok:
            continue
        sel = ok.loc[keep]
        x = sel[col].astype(float)
        if results.scenario is not None and sector in results.scenario.sectors:
            s = results.scenario.sectors[sector]
            terms = s.status_quo + x * (s.free_trade - s.status_quo)
        else:
            terms = pd.Series(np.nan, index=x.index)
        g = group.loc[keep]
        rows.append(
            pd.DataFrame(
                {
                    "run_id": sel["run_id"].to_numpy(),
                    "group": g.to_numpy(),
                    "level": table["level"].to_numpy()[g.to_numpy()] if len(g) else [],
                    "label": table["label"].to_numpy()[g.to_numpy()] if len(g) else [],
                    "sector": sector,
                    "concession": x.to_numpy(),
                    "in_terms": terms.to_numpy(),
                    "agreement": sel["agreement"].astype(bool).to_numpy(),
                }
            )
        )
    if not rows:
        return pd.DataFrame(
            columns=[
                "run_id",
                "group",
                "level",
                "label",
                "sector",
                "concession",
                "in_terms",
                "agreement",
            ]
        )
    out = pd.concat(rows, ignore_index=True)
    out.attrs["groups"] = table
    return out


def trajectory_quantiles(
    results: Results, column: str, quantiles: Sequence[float] = QUANTILES
) -> pd.DataFrame:
    """Per-step quantiles of one time-series column over the sampled runs.

    A run leaves the sample when it ends, and an offer is NaN before a side's first offer:
    each step's quantiles are over the runs with a value at that step (``n``).

    Returns:
        Indexed by ``step``: ``date`` (Timestamp), ``n`` and one column per quantile,
        named ``q05``, ``q25``, ``q50``, ``q75``, ``q95`` for the defaults.

    Raises:
        ValueError: no time series in the sweep, or no such column.

    """
    series = results.timeseries
    if series is None:
        raise ValueError("the sweep holds no time series (timeseries/part-*.parquet)")
    if column not in series:
        raise ValueError(f"no time-series column {column!r}")
    values = series[["step", column]].dropna()
    grouped = values.groupby("step")[column]
    out = pd.DataFrame({"n": grouped.size()})
    for q in quantiles:
        out[f"q{round(q * 100):02d}"] = grouped.quantile(q)
    if "date" in series:
        dates = series.groupby("step")["date"].first()
        out.insert(0, "date", pd.to_datetime(dates.reindex(out.index).astype(str)))
    out.index.name = "step"
    return out


def _saltelli_2010(
    f_a: np.ndarray, f_b: np.ndarray, f_ab: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The estimator of ``scipy.stats.sobol_indices`` (Saltelli et al. 2010) for one output.

    ``f_a``, ``f_b``: shape (n,); ``f_ab``: shape (d, n). Outputs are centred by the mean of
    A and B first, as scipy does.
    """
    mean = np.mean(np.concatenate([f_a, f_b]))
    f_a, f_b, f_ab = f_a - mean, f_b - mean, f_ab - mean
    var = np.var(np.concatenate([f_a, f_b]))
    if not var > 0:
        d = f_ab.shape[0]
        return np.zeros(d), np.zeros(d)
    s1 = np.mean(f_b * (f_ab - f_a), axis=-1) / var
    st = 0.5 * np.mean((f_a - f_ab) ** 2, axis=-1) / var
    return s1, st


def _point_means(results: Results, outcome: str) -> pd.Series:
    ok = results.ok
    if outcome not in ok:
        raise KeyError(f"no outcome column {outcome!r} in the runs")
    y = ok[outcome]
    y = y.astype(float) if outcome != "agreement" else y.astype(bool).astype(float)
    return y.groupby(ok["point"]).mean()


def sobol_table(
    results: Results,
    outcome: str = "agreement",
    *,
    confidence: float = 0.95,
    n_resamples: int = 999,
    seed: int = 0,
) -> pd.DataFrame:
    """First-order and total Sobol' indices of one outcome, with bootstrap intervals.

    The outcome is averaged over each design point's replicates (for ``agreement``: the share
    of replicates agreed). Points 0..N-1 are matrix A, N..2N-1 matrix B, then N points for
    each AB_i. The indices come from ``scipy.stats.sobol_indices`` (Saltelli et al. 2010
    estimator); the intervals from ``scipy.stats.bootstrap`` (BCa, percentile if BCa is
    degenerate) over the N base rows with a fixed ``seed``, so they are reproducible (scipy's
    own ``SobolResult.bootstrap`` cannot be seeded). If some points have no completed run,
    their base rows are dropped everywhere and the same estimator is applied to the rest.

    Returns:
        One row per varied parameter: ``outcome``, ``parameter``, ``S1``, ``S1_low``,
        ``S1_high``, ``ST``, ``ST_low``, ``ST_high``, ``n`` (base rows used) and ``variance``
        (of the outcome over A and B; 0 means the indices are meaningless and set to 0).

    Raises:
        ValueError: the sweep is not a Sobol' design.

    """
    sob = results.manifest.get("sobol")
    if results.design != "sobol" or not sob:
        raise ValueError(f"Sobol' indices need a sobol design (this sweep: {results.design})")
    n, d = int(sob["n"]), int(sob["d"])
    params = results.parameters[:d]
    y = _point_means(results, outcome).reindex(range(n * (d + 2))).to_numpy(dtype=float)
    f_a, f_b, f_ab = y[:n], y[n : 2 * n], y[2 * n :].reshape(d, n)
    keep = np.isfinite(f_a) & np.isfinite(f_b) & np.isfinite(f_ab).all(axis=0)
    f_a, f_b, f_ab = f_a[keep], f_b[keep], f_ab[:, keep]
    m = int(keep.sum())
    variance = float(np.var(np.concatenate([f_a, f_b]))) if m else math.nan
    nan = np.full(d, np.nan)
    if m < 2:
        s1, st, lo1, hi1, lot, hit = nan, nan, nan, nan, nan, nan
    else:
        if m == n and n & (n - 1) == 0:
            res = stats.sobol_indices(
                func={"f_A": f_a[None, :], "f_B": f_b[None, :], "f_AB": f_ab[:, None, :]}, n=n
            )
            s1 = np.atleast_1d(np.asarray(res.first_order, dtype=float)).reshape(d)
            st = np.atleast_1d(np.asarray(res.total_order, dtype=float)).reshape(d)
        else:
            s1, st = _saltelli_2010(f_a, f_b, f_ab)
        lo1, hi1, lot, hit = _sobol_bootstrap(
            f_a, f_b, f_ab, confidence, n_resamples, seed, variance
        )
    return pd.DataFrame(
        {
            "outcome": outcome,
            "parameter": params,
            "S1": s1,
            "S1_low": lo1,
            "S1_high": hi1,
            "ST": st,
            "ST_low": lot,
            "ST_high": hit,
            "n": m,
            "variance": variance,
        }
    )


def _sobol_bootstrap(
    f_a: np.ndarray,
    f_b: np.ndarray,
    f_ab: np.ndarray,
    confidence: float,
    n_resamples: int,
    seed: int,
    variance: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    d = f_ab.shape[0]
    nan = np.full(d, np.nan)
    if not variance > 0 or n_resamples < 1:
        return nan, nan, nan, nan

    def statistic(idx: np.ndarray) -> np.ndarray:
        idx = idx.astype(int)
        return np.concatenate(_saltelli_2010(f_a[idx], f_b[idx], f_ab[:, idx]))

    data = (np.arange(len(f_a)),)
    ci = None
    for method in ("BCa", "percentile"):
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            try:
                res = stats.bootstrap(
                    data,
                    statistic,
                    vectorized=False,
                    n_resamples=n_resamples,
                    confidence_level=confidence,
                    method=method,
                    rng=np.random.default_rng(seed),
                )
            except (ValueError, FloatingPointError):
                continue
        ci = res.confidence_interval
        if np.all(np.isfinite(ci.low)) and np.all(np.isfinite(ci.high)):
            break
    if ci is None:
        return nan, nan, nan, nan
    low, high = np.asarray(ci.low, dtype=float), np.asarray(ci.high, dtype=float)
    return low[:d], high[:d], low[d:], high[d:]


# --- panels -------------------------------------------------------------------------------------


def _param_doc(results: Results, path: str) -> str:
    return results.param_docs.get(path, "")


def _param_xlabel(results: Results, path: str, width: int = 48) -> str:
    doc = _param_doc(results, path)
    text = f"{path}" + (f" — {doc}" if doc else "")
    return "\n".join(textwrap.wrap(text, width))


def _wrap_path(path: str, width: int) -> str:
    """A dotted path broken after dots into lines of at most about ``width`` characters."""
    lines = [""]
    for part in path.split("."):
        piece = part if not lines[-1] else "." + part
        if lines[-1] and len(lines[-1]) + len(piece) > width:
            lines[-1] += "."
            lines.append(part)
        else:
            lines[-1] += piece
    return "\n".join(lines)


class DateTicks(Formatter):
    """Short date labels ('Jul', 'Aug', or '15 Jul') that name the year only when needed.

    The year goes on a second line under the first visible tick and under each tick where the
    year changes; ticks on the first of January of every year are labelled by the year alone.
    """

    def __call__(self, x: float, pos: int | None = None) -> str:
        """One label on its own (used for the cursor readout)."""
        return mdates.num2date(x).strftime("%d %b %Y")

    def format_ticks(self, values: Sequence[float]) -> list[str]:
        """Labels for all the ticks at once, so that the year is written only when needed."""
        lo, hi = self.axis.get_view_interval() if self.axis is not None else (-np.inf, np.inf)
        dates = [mdates.num2date(v) for v in values]
        yearly = all(d.month == 1 and d.day == 1 for d in dates)
        monthly = all(d.day == 1 for d in dates)
        labels, year = [], None
        for v, d in zip(values, dates, strict=True):
            if yearly:
                labels.append(str(d.year))
                continue
            text = d.strftime("%b") if monthly else f"{d.day} {d:%b}"
            if min(lo, hi) <= v <= max(lo, hi) and d.year != year:
                text += f"\n{d.year}"
                year = d.year
            labels.append(text)
        return labels


def _date_axis(ax: Any, maxticks: int = 8) -> None:
    """Date ticks labelled 'Jul', 'Aug', with the year under the first and at each new year."""
    ax.xaxis.set_major_locator(mdates.AutoDateLocator(minticks=3, maxticks=maxticks))
    ax.xaxis.set_major_formatter(DateTicks())


def _log_axis(ax: Any) -> None:
    """A log x-axis labelled in plain numbers (0.25, 1, 4) rather than powers of ten."""
    ax.set_xscale("log")
    ax.xaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.xaxis.set_minor_formatter(NullFormatter())


def _calendar_window(results: Results, lo: Any, hi: Any) -> tuple[pd.Timestamp, pd.Timestamp]:
    cal = results.scenario.calendar  # type: ignore[union-attr]
    return (
        pd.Timestamp(lo if lo is not None else cal.start),
        pd.Timestamp(hi if hi is not None else cal.end),
    )


def varied_elections(results: Results) -> dict[str, tuple[str, str]]:
    """Varied parameters that are election dates: path -> (party, election)."""
    out = {}
    for path in results.parameters:
        match = ELECTION_DATE.match(path)
        if match:
            out[path] = (match.group(1), match.group(2))
    return out


def calendar_handles(results: Results, *, lo: Any = None, hi: Any = None) -> list[Any]:
    """Legend handles for what ``mark_calendar`` draws: one per election, one for summits."""
    scenario = results.scenario
    if scenario is None:
        return []
    lo, hi = _calendar_window(results, lo, hi)
    varied = set(varied_elections(results).values())
    handles: list[Any] = []
    for p, party in scenario.parties.items():
        colour = results.party_colour(p)
        for name, e in party.elections.items():
            if (p, name) in varied:
                continue
            if lo <= pd.Timestamp(e.date) <= hi:
                label = e.label or f"{results.party_label(p)} election"
                handles.append(Line2D([], [], color=colour, ls="--", lw=1.3, label=label))
    if any(
        pd.Timestamp(s.start) <= hi and pd.Timestamp(s.end or s.start) >= lo
        for s in scenario.summits.values()
    ):
        handles.append(Patch(color=SUMMIT_COLOUR, alpha=0.35, lw=0, label="summits"))
    return handles


def mark_calendar(
    ax: Any, results: Results, *, lo: Any = None, hi: Any = None, labels: bool = False
) -> list[Any]:
    """Shade the base scenario's summits and draw its elections (dashed, party colours).

    The calendar is the base scenario's. An election whose date the sweep varies is left out
    (its dates differ between runs; ``plot_dates_ecdf`` draws them per level).

    Returns:
        Legend handles for what was drawn (``calendar_handles``).

    """
    scenario = results.scenario
    if scenario is None:
        return []
    lo, hi = _calendar_window(results, lo, hi)
    for s in scenario.summits.values():
        start = pd.Timestamp(s.start)
        end = pd.Timestamp(s.end or s.start) + pd.Timedelta(days=1)
        if end < lo or start > hi:
            continue
        ax.axvspan(start, end, color=SUMMIT_COLOUR, alpha=0.35, lw=0, zorder=0)
        if labels:
            ax.annotate(
                s.label,
                (start, 0.99),
                xycoords=("data", "axes fraction"),
                rotation=90,
                va="top",
                ha="right",
                fontsize=7,
                color="#9a6a00",
            )
    varied = set(varied_elections(results).values())
    for p, party in scenario.parties.items():
        for name, e in party.elections.items():
            when = pd.Timestamp(e.date)
            if (p, name) not in varied and lo <= when <= hi:
                ax.axvline(when, color=results.party_colour(p), ls="--", lw=1.3, zorder=1)
    return calendar_handles(results, lo=lo, hi=hi)


def plot_agreement(ax: Any, results: Results, path: str, *, bins: int | None = None) -> Any:
    """Agreement rate against one parameter, with Wilson 95% intervals."""
    table = agreement_by_parameter(results, path, bins=bins)
    _, _, kind = group_by_parameter(results, path, bins=bins)
    table = table[table["runs"] > 0]
    rate = table["rate"].to_numpy(dtype=float)
    yerr = np.vstack([rate - table["ci_low"], table["ci_high"] - rate])
    if kind == "category":
        x: Any = np.arange(len(table))
        ax.set_xticks(x, table["label"], rotation=30, ha="right")
    else:
        x = table["level"].tolist()
    binned = bool((table["low"] != table["high"]).any())
    if binned:
        ax.hlines(rate, table["low"].tolist(), table["high"].tolist(), color="#1f4e9c", lw=1.1)
        ax.plot(table["low"].tolist(), rate, "|", color="#1f4e9c", ms=7)
        ax.plot(table["high"].tolist(), rate, "|", color="#1f4e9c", ms=7)
    ax.errorbar(
        x,
        rate,
        yerr=yerr,
        fmt="o-",
        color="#1f4e9c",
        ecolor="#1f4e9c",
        elinewidth=1.1,
        capsize=3,
        ms=5,
        lw=1.2,
        label="agreement rate, 95% Wilson CI" + (" (horizontal: bin)" if binned else ""),
    )
    ok = results.ok
    overall = float(ok["agreement"].astype(bool).mean()) if len(ok) else math.nan
    ax.axhline(overall, color="0.4", ls=":", lw=1.2, label=f"all runs: {overall:.0%}")
    if len(table) <= 8:
        for xi, hi, k, n in zip(
            x, table["ci_high"], table["agreements"], table["runs"], strict=True
        ):
            ax.annotate(
                f"{k}/{n}",
                (xi, min(hi, 1.0)),
                textcoords="offset points",
                xytext=(0, 4),
                ha="center",
                fontsize=7.5,
                color="0.3",
            )
    if is_log(results, path) and kind == "number":
        _log_axis(ax)
    if kind == "date":
        _date_axis(ax, maxticks=6)
    ax.set_ylim(-0.03, 1.1)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_ylabel("runs ending in a ratified agreement")
    ax.set_xlabel(_param_xlabel(results, path))
    how = "levels" if not binned else f"{len(table)} quantile bins of the design"
    if is_log(results, path) and kind == "number":
        how += ", log scale"
    ax.set_title(f"{path.rsplit('.', 2)[-2]}.{path.rsplit('.', 1)[-1]} ({how})")
    ax.grid(alpha=0.3)
    ax.legend(loc="lower left", framealpha=0.85)
    return ax


def _calendar_bounds(results: Results, dates: pd.Series) -> tuple[pd.Timestamp, pd.Timestamp]:
    if results.scenario is not None:
        cal = results.scenario.calendar
        lo, hi = pd.Timestamp(cal.start), pd.Timestamp(cal.end)
    elif len(dates):
        pad = max(pd.Timedelta(days=14), (dates.max() - dates.min()) * 0.03)
        lo, hi = dates.min() - pad, dates.max() + pad
    else:
        lo = hi = pd.Timestamp("today").normalize()
    if len(dates):
        lo, hi = min(lo, dates.min()), max(hi, dates.max())
    return lo, hi


def dates_grouping(results: Results) -> str | None:
    """The parameter whose levels ``plot_dates_ecdf`` draws one curve each for, if any.

    An election date if one is varied, else the first varied parameter, provided it has
    between 2 and 8 levels (a grid parameter, not binned).
    """
    candidates = list(varied_elections(results)) + results.parameters
    for path in dict.fromkeys(candidates):
        if path not in results.runs:
            continue
        _, table, _ = group_by_parameter(results, path)
        if 2 <= len(table) <= MAX_ECDF_LEVELS and (table["low"] == table["high"]).all():
            return path
    return None


def _level_colours(n: int) -> list[Any]:
    cmap = plt.get_cmap("viridis")
    return [cmap(0.9 * i / max(n - 1, 1)) for i in range(n)]


def _mark_election_levels(ax: Any, results: Results, by: str | None) -> list[Any]:
    """Draw the levels of each varied election date; return legend handles."""
    handles: list[Any] = []
    for path, (party, name) in varied_elections(results).items():
        if path not in results.runs:
            continue
        _, table, kind = group_by_parameter(results, path)
        if kind != "date":
            continue
        label = name
        if results.scenario is not None and party in results.scenario.parties:
            election = results.scenario.parties[party].elections.get(name)
            label = (election.label if election is not None else "") or name
        if path == by:
            for level, colour in zip(table["level"], _level_colours(len(table)), strict=True):
                ax.axvline(level, color=colour, ls="--", lw=1.4, zorder=1)
            handles.append(
                Line2D([], [], color="0.3", ls="--", lw=1.4, label=f"{label} (colour: level)")
            )
        else:
            for level in table["level"]:
                ax.axvline(level, color=results.party_colour(party), ls=":", lw=1, alpha=0.6)
            handles.append(
                Line2D(
                    [],
                    [],
                    color=results.party_colour(party),
                    ls=":",
                    lw=1,
                    label=f"{label} (varied: all levels)",
                )
            )
    return handles


def plot_dates_ecdf(ax: Any, results: Results, *, by: str | None = "auto") -> Any:
    """Share of completed runs with a ratified agreement by each date (an ECDF).

    Black: all runs. With ``by`` (default: ``dates_grouping``), one coloured curve per level of
    that parameter, each as a share of that level's runs; a varied election date is drawn at
    each level in the level's colour.
    """
    table = agreement_dates(results)
    lo, hi = _calendar_bounds(results, table["date"])
    if by == "auto":
        by = dates_grouping(results)
    handles = mark_calendar(ax, results, lo=lo, hi=hi, labels=True)
    handles = _mark_election_levels(ax, results, by) + handles
    xs = [lo, *table["date"].tolist(), hi]
    ys = [0.0, *table["share_of_runs"].tolist()]
    ys.append(ys[-1])
    ax.step(xs, ys, where="post", color="black", lw=2.2, zorder=4)
    final = ys[-1]
    curves = [Line2D([], [], color="black", lw=2.2, label=f"all runs ({final:.0%} agree)")]
    if by is not None:
        group, levels, _ = group_by_parameter(results, by)
        ok = results.ok
        agreed = ok["agreement"].astype(bool)
        for i, colour in enumerate(_level_colours(len(levels))):
            mask = group == i
            n = int(mask.sum())
            if not n:
                continue
            when = pd.to_datetime(ok.loc[mask & agreed, "date"].astype(str)).sort_values()
            share = np.arange(1, len(when) + 1) / n
            last = share[-1] if len(share) else 0.0
            ax.step(
                [lo, *when.tolist(), hi],
                [0.0, *share, last],
                where="post",
                color=colour,
                lw=1.3,
                zorder=3,
            )
            curves.append(
                Line2D([], [], color=colour, lw=1.3, label=f"{levels['label'][i]} ({last:.0%})")
            )
    ax.axhline(final, color="0.45", ls=":", lw=1)
    if len(table):
        median = table["date"].iloc[(len(table) - 1) // 2]
        ax.axvline(median, color="black", lw=1, ls="-.", alpha=0.7)
        handles.insert(
            0,
            Line2D(
                [],
                [],
                color="black",
                ls="-.",
                lw=1,
                label=f"median agreement date, all runs: {median.date().isoformat()}",
            ),
        )
    ax.set_xlim(lo, hi)
    ax.set_ylim(0, 1.02)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_ylabel("runs agreed by date\n(share of runs)")
    ax.set_title("When agreements are ratified: cumulative share of runs")
    ax.grid(alpha=0.3)
    first = ax.legend(
        handles=curves,
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
        title=f"by {_wrap_path(by, 30)}" if by else None,
        title_fontsize=8.5,
    )
    ax.add_artist(first)
    ax.legend(handles=handles, loc="lower left", bbox_to_anchor=(1.01, 0.0))
    _date_axis(ax)
    return ax


def plot_dates_histogram(ax: Any, results: Results) -> Any:
    """Number of agreements ratified on each step's date (a histogram by step)."""
    table = agreement_dates(results)
    lo, hi = _calendar_bounds(results, table["date"])
    mark_calendar(ax, results, lo=lo, hi=hi)
    _mark_election_levels(ax, results, dates_grouping(results))
    step_days = results.scenario.calendar.step_days if results.scenario is not None else 7
    counts = table.groupby("date").size()
    ax.bar(
        counts.index,
        counts.to_numpy(),
        width=pd.Timedelta(days=max(1.0, 0.85 * step_days)),
        color=AGREED_COLOUR,
        edgecolor="none",
        align="center",
    )
    per = "week" if step_days == 7 else f"step of {step_days} days"
    ax.set_ylabel(f"agreements per {per}\n(runs)")
    ax.set_xlabel("date of ratification")
    ax.set_xlim(lo, hi)
    ax.set_title(f"Agreement dates: {len(table)} of {len(results.ok)} runs")
    ax.grid(alpha=0.3, axis="y")
    _date_axis(ax)
    return ax


def plot_concessions(
    ax: Any, results: Results, path: str, sector: str, *, data: pd.DataFrame | None = None
) -> Any:
    """One sector's agreed concession per level or quartile of one parameter (box + points).

    ``data`` is ``concessions_by_parameter(results, path)`` if already computed.
    """
    if data is None:
        data = concessions_by_parameter(results, path)
    groups = data.attrs.get("groups")
    if groups is None:
        _, groups, _ = group_by_parameter(results, path, bins=4)
    data = data[data["sector"] == sector]
    positions = list(range(len(groups)))
    samples = [data.loc[data["group"] == i, "concession"].to_numpy() for i in positions]
    filled = [i for i in positions if len(samples[i])]
    if filled:
        ax.boxplot(
            [samples[i] for i in filled],
            positions=filled,
            widths=0.55,
            showfliers=False,
            patch_artist=True,
            boxprops={"facecolor": "#d6e4f0", "edgecolor": "#1f4e9c"},
            medianprops={"color": "#1f4e9c", "lw": 1.8},
            whiskerprops={"color": "#1f4e9c"},
            capprops={"color": "#1f4e9c"},
        )
    rng = np.random.default_rng(0)
    for i in filled:
        ys = samples[i]
        ax.scatter(
            i + rng.uniform(-0.16, 0.16, len(ys)),
            ys,
            s=9,
            color="0.25",
            alpha=0.55,
            lw=0,
            zorder=3,
        )
    for i in positions:
        if not len(samples[i]):
            ax.annotate("no deal", (i, 0.5), ha="center", fontsize=7.5, color="0.45")
    binned = bool((groups["low"] != groups["high"]).any())
    labels = [
        f"Q{i + 1}\n{_short_range(lo, hi)}" if binned else lab
        for i, (lo, hi, lab) in enumerate(
            zip(groups["low"], groups["high"], groups["label"], strict=True)
        )
    ]
    ax.set_xticks(positions, labels, fontsize=7.5 if binned else 8.5)
    ax.set_xlim(-0.6, len(positions) - 0.4)
    ax.set_ylim(-0.04, 1.04)
    scenario = results.scenario
    if scenario is not None and sector in scenario.sectors:
        decorate_sector_axis(ax, scenario.sectors[sector])
    else:
        ax.set_title(sector, fontsize=9)
    ax.grid(alpha=0.3, axis="y")
    return ax


def plot_gains(ax: Any, results: Results) -> Any:
    """Each run's gain over no deal for the first two parties, coloured by agreement."""
    p, q = results.parties[:2]
    ok = results.ok
    agreed = ok["agreement"].astype(bool)
    gx, gy = ok[f"gains.{p}"].astype(float), ok[f"gains.{q}"].astype(float)
    ax.axhline(0, color="0.3", lw=0.9)
    ax.axvline(0, color="0.3", lw=0.9)
    ax.scatter(
        gx[agreed],
        gy[agreed],
        s=16,
        color=AGREED_COLOUR,
        alpha=0.7,
        lw=0,
        label=f"ratified agreement ({int(agreed.sum())} runs)",
    )
    none = ok[~agreed]
    if len(none):
        ax.scatter(
            none[f"gains.{p}"].astype(float),
            none[f"gains.{q}"].astype(float),
            s=60,
            facecolor="none",
            edgecolor=NO_DEAL_COLOUR,
            lw=1.4,
            zorder=3,
            label=f"no agreement ({len(none)} runs; gain 0 by definition)",
        )
    ax.set_xlabel(f"{results.party_label(p)}: gain over no deal (utility − R)")
    ax.set_ylabel(f"{results.party_label(q)}: gain over no deal (utility − R)")
    ax.set_title("Gains over no deal, one dot per run")
    ax.grid(alpha=0.3)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.13), ncol=1, frameon=False)
    return ax


def representative_frontier(results: Results, points: int = 80) -> tuple[pd.DataFrame, int] | None:
    """The Pareto frontier, in gains over no deal, of the run with the median deal.

    The agreed run whose first party's gain is the median is replayed from its seed and
    parameters, and the frontier traced as its governments saw things when they accepted it.
    """
    from sim.analysis import pareto_frontier
    from sim.model import NegotiationModel
    from sim.scenario import set_parameter

    if results.scenario is None or len(results.parties) != 2:
        return None
    p = results.parties[0]
    agreed = results.ok[results.ok["agreement"].astype(bool)]
    if agreed.empty or f"gains.{p}" not in agreed:
        return None
    gains = agreed[f"gains.{p}"].astype(float)
    row = agreed.loc[(gains - gains.median()).abs().idxmin()]
    scenario = results.scenario
    for path in results.parameters:
        value = row[path]
        scenario = set_parameter(scenario, path, value.item() if hasattr(value, "item") else value)
    model = NegotiationModel(scenario, rng=int(row["seed"]), collect=False, analyse=False)
    model.run()
    if model.deal is None or len(model.deal_sides) != 2:
        return None
    a, b = model.deal_sides
    lo, hi = model.public_bounds
    frontier = pareto_frontier(a, b, lo, hi, points)
    table = pd.DataFrame(
        {
            "x": [ua - a.disagreement for ua, _, _ in frontier],
            "y": [ub - b.disagreement for _, ub, _ in frontier],
        }
    )
    return table, int(row["run_id"])


def plot_utilities_nash(ax: Any, results: Results) -> Any:
    """Deals, their Nash bargaining solutions and a Pareto frontier, in gains over no deal.

    Every value is measured when the deal was accepted, so deal, Nash point and frontier share
    one yardstick: a deal's distance to the frontier is what the sides left on the table.
    """
    p, q = results.parties[:2]
    ok = results.ok
    agreed = ok[ok["agreement"].astype(bool)]
    gx, gy = agreed[f"gains.{p}"].astype(float), agreed[f"gains.{q}"].astype(float)
    has_nash = f"nash.{p}" in agreed and f"nash.{q}" in agreed and f"utilities.{p}" in agreed
    if has_nash:
        rx = agreed[f"utilities.{p}"].astype(float) - gx
        ry = agreed[f"utilities.{q}"].astype(float) - gy
        nx = agreed[f"nash.{p}"].astype(float) - rx
        ny = agreed[f"nash.{q}"].astype(float) - ry
        both = nx.notna() & ny.notna()
        has_nash = bool(both.any())
    frontier = representative_frontier(results) if len(agreed) else None
    if frontier is not None:
        table, run_id = frontier
        ax.plot(
            table["x"],
            table["y"],
            color="0.25",
            lw=1.6,
            zorder=2,
            label=f"Pareto frontier of run {run_id} (the median deal)",
        )
    if has_nash:
        ax.scatter(
            nx[both],
            ny[both],
            marker="x",
            s=26,
            color="black",
            lw=1.0,
            zorder=4,
            label=f"Nash bargaining solution of each run ({int(both.sum())})",
        )
    ax.scatter(
        gx,
        gy,
        s=16,
        color=AGREED_COLOUR,
        alpha=0.7,
        lw=0,
        zorder=3,
        label=f"ratified deal ({len(agreed)} runs)",
    )
    ax.axhline(0.0, color="0.4", lw=0.8)
    ax.axvline(0.0, color="0.4", lw=0.8)
    if len(agreed):
        # Frame the deals, their Nash points and the origin; the frontier runs on beyond.
        xs = [0.0, *gx.dropna(), *(nx[both] if has_nash else [])]
        ys = [0.0, *gy.dropna(), *(ny[both] if has_nash else [])]
        for values, setter in ((xs, ax.set_xlim), (ys, ax.set_ylim)):
            lo, hi = min(values), max(values)
            pad = 0.15 * (hi - lo or 1.0)
            setter(lo - pad, hi + pad)
    ax.set_xlabel(f"{results.party_label(p)}: gain over no deal (welfare points)")
    ax.set_ylabel(f"{results.party_label(q)}: gain over no deal (welfare points)")
    ax.set_title("Deals, Nash solutions and one run's Pareto frontier")
    ax.grid(alpha=0.3)
    if len(agreed):
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.13), ncol=2, frameon=False)
    else:
        ax.text(0.5, 0.5, "no run reached an agreement", transform=ax.transAxes, ha="center")
    return ax


def plot_trajectory(ax: Any, results: Results, sector: str) -> Any:
    """Fan chart of each party's offers in one sector: median, 50% and 90% bands."""
    lo = hi = None
    for p in results.parties:
        col = f"offer.{p}.{sector}"
        if results.timeseries is None or col not in results.timeseries:
            continue
        q = trajectory_quantiles(results, col)
        q = q[q["n"] >= min(3, int(q["n"].max()))]
        if q.empty:
            continue
        x = q.get("date", q.index)
        colour = results.party_colour(p)
        ax.fill_between(x, q["q05"], q["q95"], color=colour, alpha=BAND_ALPHAS[0], lw=0)
        ax.fill_between(x, q["q25"], q["q75"], color=colour, alpha=BAND_ALPHAS[1], lw=0)
        ax.plot(x, q["q50"], color=colour, lw=1.7)
        lo = min(lo, x.min()) if lo is not None else x.min()
        hi = max(hi, x.max()) if hi is not None else x.max()
    if lo is not None and isinstance(lo, pd.Timestamp):
        mark_calendar(ax, results, lo=lo, hi=hi)
        ax.set_xlim(lo, hi)
        _date_axis(ax, maxticks=6)
    elif lo is not None:
        ax.set_xlabel("step")
    ax.set_ylim(-0.04, 1.04)
    scenario = results.scenario
    if scenario is not None and sector in scenario.sectors:
        decorate_sector_axis(ax, scenario.sectors[sector])
    else:
        ax.set_title(sector, fontsize=9)
    ax.grid(alpha=0.3)
    return ax


def plot_sobol(ax: Any, results: Results, outcome: str = "agreement", **kwargs: Any) -> Any:
    """Bars of first-order (S1) and total (ST) Sobol' indices per parameter, with CIs."""
    return _draw_sobol(ax, results, outcome, sobol_table(results, outcome, **kwargs))


def _draw_sobol(ax: Any, results: Results, outcome: str, table: pd.DataFrame) -> Any:
    x = np.arange(len(table))
    w = 0.38
    for off, key, colour, label in (
        (-w / 2, "S1", "#1f4e9c", "first order S1"),
        (w / 2, "ST", "#c0392b", "total ST"),
    ):
        v = table[key].to_numpy(dtype=float)
        lo, hi = table[f"{key}_low"].to_numpy(float), table[f"{key}_high"].to_numpy(float)
        err = np.vstack([np.clip(v - lo, 0, None), np.clip(hi - v, 0, None)])
        ax.bar(x + off, v, w, color=colour, alpha=0.85, label=label)
        if np.isfinite(err).all():
            ax.errorbar(x + off, v, yerr=err, fmt="none", ecolor="black", capsize=3, lw=1)
    ax.axhline(0, color="0.3", lw=0.8)
    # The shortest unique tails of the paths name them; rotated so that long names never meet.
    paths = [str(p).split(".") for p in table["parameter"]]
    for k in range(2, max(len(p) for p in paths) + 1):
        names = [".".join(p[-k:]) for p in paths]
        if len(set(names)) == len(names):
            break
    ax.set_xticks(x, names, fontsize=8, rotation=30, ha="right", rotation_mode="anchor")
    ax.set_ylabel("Sobol' index (share of variance)")
    n = int(table["n"].iloc[0]) if len(table) else 0
    label = OUTCOME_LABELS.get(outcome, outcome)
    if outcome == "step" and results.scenario is not None:
        label = f"step at which the talks ended ({results.scenario.calendar.step_days}-day steps)"
    ax.set_title(f"{label}\nmean over each point's replicates; N = {n} base rows used")
    variance = float(table["variance"].iloc[0]) if len(table) else math.nan
    if not variance > 0:
        ax.text(
            0.5,
            0.5,
            "outcome constant over the design:\nno variance to apportion",
            transform=ax.transAxes,
            ha="center",
            va="center",
            color="0.3",
        )
    top = np.nanmax(np.r_[table[["S1", "ST", "S1_high", "ST_high"]].to_numpy(float).ravel(), 1.0])
    bottom = np.nanmin(np.r_[table[["S1", "S1_low"]].to_numpy(float).ravel(), 0.0])
    ax.set_ylim(min(bottom * 1.1, -0.05), top * 1.08)
    ax.grid(alpha=0.3, axis="y")
    ax.legend(loc="upper right")
    return ax


# --- figures ------------------------------------------------------------------------------------


def _plural(n: Any, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def _describe(results: Results) -> str:
    spec, m = results.spec, results.manifest
    if results.scenario is not None:
        scenario = results.scenario.title
    else:
        path = results.manifest.get("scenario_path") or spec.get("scenario") or "?"
        scenario = Path(str(path)).stem
    n_ok = len(results.ok)
    text = (
        f"{scenario} — {results.design} sweep: {n_ok} runs, "
        f"{m.get('n_points', '?')} points × {_plural(spec.get('replicates', '?'), 'replicate')}"
    )
    notes = []
    if results.n_failed:
        n = results.n_failed
        notes.append(f"{n} failed run{'s' if n > 1 else ''} left out")
    n_runs = m.get("n_runs")
    if not m.get("finished") or (n_runs and len(results.runs) < int(n_runs)):
        notes.append(f"incomplete sweep: {len(results.runs)} of {n_runs} runs")
    return text + (f" ({'; '.join(notes)})" if notes else "")


def _title(fig: Any, headline: str, results: Results) -> None:
    """Headline and the sweep's description, wrapped to the figure's width."""
    width = max(40, int(fig.get_figwidth() * 8.8))
    lines = [line for text in (headline, _describe(results)) for line in textwrap.wrap(text, width)]
    fig.suptitle("\n".join(lines))


def _figure(width: float, height: float) -> Figure:
    return plt.figure(figsize=(width, height), layout="constrained", dpi=DPI)


def _need_runs(results: Results, *columns: str) -> None:
    """Skip unless there are completed runs with values in these outcome columns.

    A column of nulls is as good as missing: drawn, it would read as 0% agreement.
    """
    if results.ok.empty:
        raise SkipPlot("no completed run (every run failed or none ran yet)")
    missing = [c for c in columns if c not in results.runs or results.ok[c].isna().all()]
    if missing:
        raise SkipPlot(f"the sweep did not record {', '.join(missing)} (see the spec's outcomes)")


def figure_agreement(results: Results) -> Figure:
    """Agreement probability against each varied parameter."""
    _need_runs(results, "agreement")
    params = [p for p in results.parameters if p in results.runs]
    if not params:
        raise SkipPlot("no varied parameter to plot agreement against")
    ncols = min(3, len(params))
    nrows = -(-len(params) // ncols)
    fig = _figure(5.4 * ncols, 4.0 * nrows + 0.8)
    axes = fig.subplots(nrows, ncols, squeeze=False)
    for ax, path in zip(axes.flat, params, strict=False):
        plot_agreement(ax, results, path)
    for ax in axes.flat[len(params) :]:
        ax.set_visible(False)
    _title(fig, "Probability of a ratified agreement by parameter", results)
    return fig


def figure_dates(results: Results) -> Figure:
    """ECDF and histogram of agreement dates, with elections and summits marked."""
    _need_runs(results, "agreement", "date")
    if not results.ok["agreement"].astype(bool).any():
        raise SkipPlot("no run reached an agreement: no dates to plot")
    fig = _figure(12, 7.2)
    top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=[3, 2])
    plot_dates_ecdf(top, results)
    plot_dates_histogram(bottom, results)
    top.set_xlabel("")
    note = (
        "elections (dashed) and summits (shaded) of the base scenario"
        if results.scenario is not None
        else f"no calendar marked ({results.scenario_problem})"
    )
    _title(fig, f"Agreement dates; {note}", results)
    return fig


def figure_concessions(results: Results) -> Figure:
    """Each sector's agreed concession by level (or quartile) of each varied parameter.

    One block of panels per parameter (one panel per sector), stacked.
    """
    _need_runs(results, "agreement")
    sectors = [s for s in results.sectors if f"concessions.{s}" in results.runs]
    if not sectors:
        raise SkipPlot("the sweep did not record concessions (see the spec's outcomes)")
    if not results.ok["agreement"].astype(bool).any():
        raise SkipPlot("no run reached an agreement: no concessions to plot")
    params = [p for p in results.parameters if p in results.runs]
    if not params:
        raise SkipPlot("no varied parameter to group concessions by")
    ncols = min(4, len(sectors))
    nrows = -(-len(sectors) // ncols)
    block = 2.75 * nrows + 1.0
    fig = _figure(4.0 * ncols, block * len(params) + 0.9)
    subfigs = np.atleast_1d(fig.subfigures(len(params), 1, hspace=0.04))
    for sub, path in zip(subfigs, params, strict=True):
        data = concessions_by_parameter(results, path)
        axes = sub.subplots(nrows, ncols, squeeze=False)
        for ax, sector in zip(axes.flat, sectors, strict=False):
            plot_concessions(ax, results, path, sector, data=data)
        for ax in axes.flat[len(sectors) :]:
            ax.set_visible(False)
        binned = "quartiles of " if _binned(results, path) else ""
        doc = _param_doc(results, path)
        sub.suptitle(
            f"by {binned}{path}" + (f" ({doc})" if doc else ""), fontsize=10.5, weight="bold"
        )
        sub.supylabel(CONCESSION_LABEL, fontsize=9)
    n = int(results.ok["agreement"].astype(bool).sum())
    _title(
        fig,
        f"Agreed concessions ({n} ratified deals; boxes: quartiles, whiskers: 1.5 IQR, "
        "dots: runs; right axis: the sector's own unit; dash-dot: reference levels)",
        results,
    )
    return fig


def _binned(results: Results, path: str) -> bool:
    _, table, _ = group_by_parameter(results, path, bins=4)
    return bool((table["low"] != table["high"]).any())


def figure_utility(results: Results) -> Figure:
    """Gains over no deal per run, and the deals' utilities against the Nash solution.

    Without ``utilities.<party>`` columns (a sweep that recorded only gains), the gains panel
    alone.
    """
    _need_runs(results, "agreement")
    parties = results.parties[:2]
    if len(parties) < 2 or any(f"gains.{p}" not in results.runs for p in parties):
        raise SkipPlot("the sweep did not record gains.<party> for two parties (see outcomes)")
    with_utilities = all(f"utilities.{p}" in results.runs for p in parties)
    fig = _figure(13 if with_utilities else 7, 6.4)
    if with_utilities:
        left, right = fig.subplots(1, 2)
        plot_utilities_nash(right, results)
    else:
        left = fig.subplots(1, 1)
    plot_gains(left, results)
    n = len(results.parties)
    note = f" (first two of {n} parties)" if n > 2 else ""
    headline = (
        f"Governments' gains over no deal{note}: gain = utility − R, both valued when the "
        "deal was accepted"
        if with_utilities
        else f"Governments' gains over no deal{note} (utilities not recorded in this sweep)"
    )
    _title(fig, headline, results)
    return fig


def figure_trajectories(results: Results) -> Figure:
    """Fan chart of the sampled runs' offers per sector, for each party."""
    series = results.timeseries
    if series is None:
        raise SkipPlot("no time series in the sweep (timeseries/ is empty or missing)")
    sectors = [
        s for s in results.sectors if any(f"offer.{p}.{s}" in series for p in results.parties)
    ]
    if not sectors:
        raise SkipPlot("the time series holds no offer.<party>.<sector> columns")
    ncols = min(4, len(sectors))
    nrows = -(-len(sectors) // ncols)
    fig = _figure(4.3 * ncols, 2.9 * nrows + 1.6)
    axes = fig.subplots(nrows, ncols, squeeze=False, sharex=True)
    for ax, sector in zip(axes.flat, sectors, strict=False):
        plot_trajectory(ax, results, sector)
    for k, ax in enumerate(axes.flat):
        if k >= len(sectors):
            ax.set_visible(False)
        elif k + ncols >= len(sectors):  # nothing below: show its dates
            ax.xaxis.set_tick_params(labelbottom=True)
    for r in range(nrows):
        axes[r, 0].set_ylabel("offer x (0 = today, 1 = free trade)", fontsize=8.5)
    dates = pd.to_datetime(series["date"].astype(str)) if "date" in series else None
    # Legend in columns of three: one column per party, then the calendar.
    blank = Line2D([], [], lw=0, label=" ")
    handles = []
    for p in results.parties:
        colour = results.party_colour(p)
        label = results.party_label(p)
        handles += [
            Line2D([], [], color=colour, lw=1.7, label=f"{label}: median offer"),
            Patch(color=colour, alpha=BAND_ALPHAS[1] + 0.1, lw=0, label=f"{label}: 50% of runs"),
            Patch(color=colour, alpha=BAND_ALPHAS[0], lw=0, label=f"{label}: 90% of runs"),
        ]
    calendar = (
        calendar_handles(results, lo=dates.min(), hi=dates.max()) if dates is not None else []
    )
    calendar += [blank] * (-len(calendar) % 3)
    handles += calendar
    fig.legend(handles=handles, loc="outside lower center", ncol=len(handles) // 3)
    n_runs = series["run_id"].nunique()
    _title(
        fig,
        f"Offers over time in {n_runs} sampled runs: at each date, quantiles over the runs "
        "still negotiating (a run leaves the sample when it ends)",
        results,
    )
    return fig


def figure_sobol(results: Results) -> Figure:
    """Sobol' indices of agreement and of the step at which talks ended."""
    if results.design != "sobol" or not results.manifest.get("sobol"):
        raise SkipPlot(f"Sobol' indices need a sobol design (this sweep: {results.design})")
    _need_runs(results)
    outcomes = [
        o for o in ("agreement", "step") if o in results.runs and results.ok[o].notna().any()
    ]
    if not outcomes:
        raise SkipPlot("the sweep recorded neither agreement nor step (see the spec's outcomes)")
    tables = {o: sobol_table(results, o) for o in outcomes}
    usable = min(int(t["n"].iloc[0]) for t in tables.values())
    if usable < MIN_SOBOL_ROWS:
        n, d = int(results.manifest["sobol"]["n"]), int(results.manifest["sobol"]["d"])
        raise SkipPlot(
            f"Sobol' indices need at least {MIN_SOBOL_ROWS} base rows whose {d + 2} points all"
            f" have a completed run; this sweep has {usable} of {n}"
            + (" (finish the sweep)" if usable < n else "")
        )
    fig = _figure(6 * len(outcomes), 5.4)
    for ax, outcome in zip(np.atleast_1d(fig.subplots(1, len(outcomes))), outcomes, strict=True):
        _draw_sobol(ax, results, outcome, tables[outcome])
    sob = results.manifest["sobol"]
    _title(
        fig,
        f"Sobol' sensitivity indices (Saltelli et al. 2010 estimator; N = {sob['n']} base points,"
        f" d = {sob['d']}; error bars: 95% bootstrap intervals)",
        results,
    )
    return fig


KINDS: dict[str, Callable[[Results], Figure]] = {
    "agreement": figure_agreement,
    "dates": figure_dates,
    "concessions": figure_concessions,
    "utility": figure_utility,
    "trajectories": figure_trajectories,
    "sobol": figure_sobol,
}
"""Plot kind -> figure builder; each raises ``SkipPlot`` when it does not apply."""

KIND_HELP: dict[str, str] = {
    "agreement": "agreement probability against each varied parameter, with 95% Wilson CIs",
    "dates": "ECDF (overall and per level) and histogram of agreement dates, with the calendar",
    "concessions": "each sector's agreed concession by level/quartile of each parameter",
    "utility": "gains over no deal per run; agreed utilities against the Nash solution",
    "trajectories": "fan chart of the sampled runs' offers per sector (needs time series)",
    "sobol": "first-order and total Sobol' indices with CIs (sobol designs only)",
}


class PlotFiles(list):
    """The PNG paths ``plot_all`` wrote (a list of ``Path``), with ``skipped``.

    Attributes:
        skipped: ``(kind, reason)`` for each kind that did not apply.

    """

    def __init__(self, paths: Iterable[Path] = (), skipped: Iterable[tuple[str, str]] = ()):
        super().__init__(paths)
        self.skipped: list[tuple[str, str]] = list(skipped)


def plot_kind(results: Results, kind: str, path: str | Path) -> Path:
    """Draw one kind of plot and write it as a PNG.

    Raises:
        ValueError: unknown kind.
        SkipPlot: the kind does not apply to this sweep (the message says why).

    """
    if kind not in KINDS:
        raise ValueError(f"unknown plot kind {kind!r} (kinds: {', '.join(KINDS)})")
    path = Path(path)
    before = set(plt.get_fignums())
    try:
        with plt.rc_context(STYLE):
            fig = KINDS[kind](results)
            path.parent.mkdir(parents=True, exist_ok=True)
            _save_whole(fig, path)
    finally:
        for num in set(plt.get_fignums()) - before:
            plt.close(num)
    return path


def _save_whole(fig: Figure, path: Path) -> None:
    """Write the PNG whole or not at all: a full disk must not leave half an image.

    Raises:
        OSError: the write failed (nothing is left at ``path`` or beside it).
    """
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        fig.savefig(tmp, dpi=DPI, format=path.suffix.lstrip(".") or "png")
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def plot_all(
    dir: str | Path,
    kinds: Sequence[str] | None = None,
    out: str | Path | None = None,
) -> PlotFiles:
    """Write ``<kind>.png`` for every kind that applies (default: all), into ``out``.

    Args:
        dir: The sweep folder.
        kinds: Kinds to draw (default: every kind in ``KINDS``).
        out: Folder for the PNGs (default: ``dir/plots``).

    Returns:
        The paths written, in the order of ``kinds``, as a list with ``.skipped``: the
        ``(kind, reason)`` of each kind that did not apply.

    Raises:
        SweepDataError: ``dir`` is not a readable sweep folder.
        ValueError: an unknown kind (before anything is drawn).

    """
    chosen = list(kinds) if kinds else list(KINDS)
    unknown = [k for k in chosen if k not in KINDS]
    if unknown:
        raise ValueError(f"unknown plot kind(s) {', '.join(unknown)} (kinds: {', '.join(KINDS)})")
    results = load(dir)
    folder = Path(out) if out is not None else Path(dir) / "plots"
    written = PlotFiles()
    for kind in dict.fromkeys(chosen):
        try:
            written.append(plot_kind(results, kind, folder / f"{kind}.png"))
        except SkipPlot as exc:
            written.skipped.append((kind, str(exc)))
    return written
