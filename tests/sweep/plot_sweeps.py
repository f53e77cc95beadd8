"""Small sweep folders for the plot tests: real runs of usjapan_2019, and a synthetic Sobol'.

Folders are written as the store writes them (a manifest, runs/part-*.parquet with one
schema, timeseries/part-*.parquet), and read back through ``sim.sweep.store``.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from scipy.stats import qmc

import sim

CONFIG = Path(__file__).resolve().parents[2] / "configs" / "usjapan_2019.yaml"
PNG = b"\x89PNG\r\n\x1a\n"
STRENGTH = "lobbies.ja_zenchu.strength"
RESPONSE = "parties.japan.pressure_response"
ELECTION = "parties.japan.elections.upper_house_2019.date"
US_BETA = "parties.united_states.tactic.beta"
JP_BETA = "parties.japan.tactic.beta"
OUTCOME = {"agreement", "ended", "reason", "step", "date", "ratification_attempts",
           "ratification_failures", "walked_out", "pareto_gap"}  # fmt: skip
PREFIXES = ("concessions.", "utilities.", "gains.", "welfare.", "nash.")


def flatten(outcome: sim.Outcome) -> dict:
    """An Outcome as the outcome columns of a row of runs/part-*.parquet."""
    row = {
        "agreement": outcome.agreement,
        "ended": outcome.ended,
        "reason": outcome.reason,
        "step": outcome.step,
        "date": outcome.date,
    }
    for name in ("concessions", "utilities", "gains", "welfare"):
        for key, value in getattr(outcome, name).items():
            row[f"{name}.{key}"] = float(value)
    row["ratification_attempts"] = outcome.ratification_attempts
    row["ratification_failures"] = outcome.ratification_failures
    row["walked_out"] = outcome.walked_out
    row["pareto_gap"] = math.nan if outcome.pareto_gap is None else float(outcome.pareto_gap)
    for party in ("united_states", "japan"):
        row[f"nash.{party}"] = math.nan if outcome.nash is None else float(outcome.nash[party])
    row["error"] = None
    return row


def failed(row: dict) -> dict:
    """The same row for a run that raised: outcome columns null, error set."""
    out = dict(row)
    for key in row:
        if key in OUTCOME or key.startswith(PREFIXES):
            out[key] = None
    out["error"] = "RuntimeError: boom"
    return out


def write_parts(frame: pd.DataFrame, folder: Path, parts: int = 2) -> None:
    """``frame`` as ``parts`` Parquet files of one schema (as the store writes them)."""
    folder.mkdir(parents=True, exist_ok=True)
    table = pa.Table.from_pandas(frame, preserve_index=False)
    size = -(-len(frame) // parts)
    for k in range(parts):
        pq.write_table(table.slice(k * size, size), folder / f"part-{k:06d}.parquet")


def write_sweep(folder: Path, spec: dict, parameters: list[str], rows: list[dict],
                series: list[pd.DataFrame] | None = None, sobol: dict | None = None,
                n_points: int | None = None) -> Path:  # fmt: skip
    folder.mkdir(parents=True)
    manifest = {
        "spec": spec,
        "scenario_path": str(CONFIG),
        "parameters": parameters,
        "n_points": n_points or len({r["point"] for r in rows}),
        "n_runs": len(rows),
        "sobol": sobol,
        "negsim_version": sim.__version__,
        "created": "2026-01-01T00:00:00",
        "finished": "2026-01-01T00:01:00",
    }
    (folder / "manifest.json").write_text(json.dumps(manifest))
    runs = pd.DataFrame(rows)
    for col in ("run_id", "point", "replicate", "seed"):
        runs[col] = runs[col].astype("int64")
    for col in ("step", "ratification_attempts", "ratification_failures"):
        runs[col] = runs[col].astype("Int64")
    runs["agreement"] = runs["agreement"].astype("boolean")
    runs["error"] = runs["error"].astype("string")
    write_parts(runs, folder / "runs")
    if series:
        write_parts(pd.concat(series, ignore_index=True), folder / "timeseries", parts=1)
    return folder


def run_point(params: dict, seed: int, *, collect: bool = False):
    scenario = sim.load_scenario(str(CONFIG), params)
    if not collect:
        return sim.run(scenario, seed), None
    model = sim.NegotiationModel(scenario, rng=seed)
    outcome = model.run()
    return outcome, model.time_series().reset_index()


def grid_sweep(folder: Path, levels: dict, replicates: int, *, failed_run: int | None = None,
               series_runs: int = 0) -> Path:  # fmt: skip
    """A grid over ``levels`` (two parameters), real runs; the first runs keep their series."""
    spec = {"scenario": str(CONFIG), "design": "grid", "replicates": replicates, "seed": 1,
            "parameters": levels, "outcomes": None}  # fmt: skip
    (a, xs), (b, ys) = levels.items()
    rows, series, run_id = [], [], 0
    for point, (x, y) in enumerate((x, y) for x in xs for y in ys):
        values = {a: x, b: y}
        for rep in range(replicates):
            seed = 1000 + run_id
            outcome, ts = run_point(values, seed, collect=rep < series_runs)
            row = {"run_id": run_id, "point": point, "replicate": rep, "seed": seed, **values,
                   **flatten(outcome)}  # fmt: skip
            rows.append(failed(row) if run_id == failed_run else row)
            if ts is not None and run_id != failed_run:
                ts.insert(0, "run_id", run_id)
                series.append(ts)
            run_id += 1
    return write_sweep(folder, spec, list(levels), rows, series)


def lhs_sweep(folder: Path) -> Path:
    """16 LHS points, 1 replicate: a log-scaled strength and an election date (no series)."""
    params = {STRENGTH: {"low": 0.25, "high": 4.0, "log": True},
              ELECTION: {"low": "2019-06-01", "high": "2019-10-15", "log": False}}  # fmt: skip
    spec = {"scenario": str(CONFIG), "design": "lhs", "samples": 16, "replicates": 1,
            "seed": 2, "parameters": params, "outcomes": None}  # fmt: skip
    u = qmc.LatinHypercube(d=2, rng=np.random.default_rng(2)).random(16)
    start = dt.date(2019, 6, 1)
    rows = []
    for point, (a, b) in enumerate(u):
        values = {STRENGTH: float(0.25 * 16.0**a),
                  ELECTION: (start + dt.timedelta(days=round(b * 136))).isoformat()}  # fmt: skip
        outcome, _ = run_point(values, 50 + point)
        rows.append({"run_id": point, "point": point, "replicate": 0, "seed": 50 + point,
                     **values, **flatten(outcome)})  # fmt: skip
    return write_sweep(folder, spec, list(params), rows)


def sobol_points(n: int, d: int, seed: int = 3) -> np.ndarray:
    """Saltelli layout in [0, 1]^d: A, B, then AB_i (A with column i from B)."""
    ab = qmc.Sobol(d=2 * d, rng=np.random.default_rng(seed)).random(n)
    a, b = ab[:, :d], ab[:, d:]
    blocks = [a, b]
    for i in range(d):
        m = a.copy()
        m[:, i] = b[:, i]
        blocks.append(m)
    return np.vstack(blocks)


def sobol_sweep(folder: Path, n: int = 16) -> Path:
    """d = 2, 2 replicates; outcomes a known function dominated by the strength."""
    d = 2
    params = {STRENGTH: {"low": 0.5, "high": 2.0, "log": False},
              RESPONSE: {"low": 1.0, "high": 6.0, "log": False}}  # fmt: skip
    spec = {"scenario": str(CONFIG), "design": "sobol", "samples": n, "replicates": 2,
            "seed": 3, "parameters": params, "outcomes": None}  # fmt: skip
    template = flatten(run_point({}, 1)[0])
    rows = []
    for point, (a, b) in enumerate(sobol_points(n, d)):
        values = {STRENGTH: 0.5 + 1.5 * a, RESPONSE: 1.0 + 5.0 * b}
        for rep, threshold in enumerate((0.4, 0.6)):
            agreed = bool(a + 0.1 * b > threshold)
            step = int(10 + 40 * a + 4 * b + rep)
            row = dict(template)
            when = (dt.date(2019, 4, 15) + dt.timedelta(weeks=step)).isoformat()
            ended = "agreement" if agreed else "horizon"
            row.update(agreement=agreed, ended=ended, step=step, date=when)
            if not agreed:
                for k in row:
                    if k.startswith(("concessions.", "gains.")):
                        row[k] = 0.0
            run_id = 2 * point + rep
            rows.append({"run_id": run_id, "point": point, "replicate": rep,
                         "seed": 10 + run_id, **values, **row})  # fmt: skip
    return write_sweep(folder, spec, list(params), rows, sobol={"n": n, "d": d},
                       n_points=n * (d + 2))  # fmt: skip


def assert_png(path: Path) -> None:
    data = path.read_bytes()
    assert data[:8] == PNG
    assert len(data) > 20_000
