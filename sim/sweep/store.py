"""A sweep's output folder: a Parquet dataset written batch by batch, and its manifest.

Layout of ``DIR``::

    manifest.json              the spec, the plan's shape, versions, times, progress
    points.parquet             one row per design point
    runs/part-000000.parquet   one file per finished batch, one row per run
    timeseries/part-*.parquet  per-step series of the sampled runs (optional)

A batch's file appears only when the batch is complete (written to a temporary name, then
renamed), so a sweep killed at any moment leaves whole files; the same command finds which
batches exist and runs the others. Batches are fixed by the plan and the batch size recorded
in the manifest, so the resumed dataset equals an uninterrupted one.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import platform
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from sim.errors import ScenarioError
from sim.sweep.spec import OUTCOME_GROUPS, Plan

PART = re.compile(r"^part-(\d{6})\.parquet$")


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def outcome_columns(plan: Plan) -> list[tuple[str, pa.DataType]]:
    """Outcome columns and their types, for the scenario's sectors and parties."""
    groups = plan.spec.outcomes or list(OUTCOME_GROUPS)
    sectors = list(plan.scenario.sectors)
    parties = list(plan.scenario.parties)
    per_group: dict[str, list[tuple[str, pa.DataType]]] = {
        "agreement": [("agreement", pa.bool_())],
        "ended": [("ended", pa.string())],
        "reason": [("reason", pa.string())],
        "step": [("step", pa.int64())],
        "date": [("date", pa.string())],
        "concessions": [(f"concessions.{s}", pa.float64()) for s in sectors],
        "utilities": [(f"utilities.{p}", pa.float64()) for p in parties],
        "gains": [(f"gains.{p}", pa.float64()) for p in parties],
        "welfare": [(f"welfare.{p}", pa.float64()) for p in parties],
        "ratification_attempts": [("ratification_attempts", pa.int64())],
        "ratification_failures": [("ratification_failures", pa.int64())],
        "walked_out": [("walked_out", pa.string())],
        "pareto_gap": [("pareto_gap", pa.float64())],
        "nash": [(f"nash.{p}", pa.float64()) for p in parties],
    }
    return [col for g in OUTCOME_GROUPS if g in groups for col in per_group[g]]


def parameter_type(values: Sequence[Any]) -> pa.DataType:
    """Numbers are stored as floats, anything else (dates) as text."""
    numeric = all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)
    return pa.float64() if numeric else pa.string()


def runs_schema(plan: Plan) -> pa.Schema:
    """The schema of the runs table: identity, parameters, outcome, error."""
    fields = [
        ("run_id", pa.int64()),
        ("point", pa.int64()),
        ("replicate", pa.int64()),
        ("seed", pa.int64()),
    ]
    for path in plan.parameters:
        fields.append((path, parameter_type([p[path] for p in plan.points])))
    fields += outcome_columns(plan)
    fields.append(("error", pa.string()))
    return pa.schema(fields)


def timeseries_schema(columns: Sequence[str]) -> pa.Schema:
    """The schema of the sampled time series (``run_id`` and the model's columns)."""
    kinds = {"step": pa.int64(), "date": pa.string(), "status": pa.string(), "zone": pa.bool_()}
    return pa.schema([("run_id", pa.int64())] + [(c, kinds.get(c, pa.float64())) for c in columns])


def coerce_parameter(value: Any, kind: pa.DataType) -> Any:
    """A design value as stored: float, or its text (ISO for dates)."""
    if kind == pa.float64():
        return float(value)
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


class Store:
    """The output folder of one sweep."""

    def __init__(self, out: str | Path, plan: Plan) -> None:
        self.out = Path(out)
        self.plan = plan
        self.runs_dir = self.out / "runs"
        self.series_dir = self.out / "timeseries"
        self.manifest_path = self.out / "manifest.json"
        self.schema = runs_schema(plan)

    # -- the manifest ----------------------------------------------------------------------

    def read_manifest(self) -> dict[str, Any] | None:
        """The manifest, or None for a new folder."""
        if not self.manifest_path.is_file():
            return None
        try:
            return json.loads(self.manifest_path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise ScenarioError(
                str(self.manifest_path), "", f"unreadable manifest: {exc}"
            ) from None

    def write_manifest(self, manifest: dict[str, Any]) -> None:
        """Write the manifest atomically."""
        tmp = self.manifest_path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(manifest, indent=2, default=str) + "\n", encoding="utf-8")
        os.replace(tmp, self.manifest_path)

    def prepare(self, batch_size: int, backend: str, workers: int) -> dict[str, Any]:
        """Create the folder, or check that it holds this same sweep; return the manifest."""
        if self.out.exists() and not self.out.is_dir():
            raise ScenarioError(str(self.out), "--out", "exists and is not a folder")
        manifest = self.read_manifest()
        fingerprint = self.plan.fingerprint()
        if manifest is None:
            if self.out.is_dir() and any(self.out.iterdir()):
                raise ScenarioError(str(self.out), "--out", "is not empty and holds no sweep")
            self.runs_dir.mkdir(parents=True, exist_ok=True)
            import sim

            manifest = {
                "spec": self.plan.spec.model_dump(mode="json"),
                "spec_file": str(Path(self.plan.source).resolve()),
                "scenario_path": str(self.plan.scenario_path),
                "scenario": self.plan.scenario.name,
                "fingerprint": fingerprint,
                "parameters": self.plan.parameters,
                "n_points": len(self.plan.points),
                "replicates": self.plan.spec.replicates,
                "n_runs": self.plan.n_runs,
                "batch_size": batch_size,
                "sobol": self.plan.sobol,
                "negsim_version": sim.__version__,
                "versions": _versions(),
                "created": _now(),
                "sessions": [],
                "finished": None,
            }
            self._write_points()
        elif manifest.get("fingerprint") != fingerprint:
            raise ScenarioError(
                str(self.out),
                "--out",
                "holds a different sweep (spec or scenario changed): use another folder",
            )
        manifest["sessions"].append({"started": _now(), "backend": backend, "workers": workers})
        self.write_manifest(manifest)
        self.runs_dir.mkdir(parents=True, exist_ok=True)
        for leftover in list(self.runs_dir.glob("*.tmp")) + list(self.series_dir.glob("*.tmp")):
            leftover.unlink(missing_ok=True)  # a batch interrupted while being written
        return manifest

    def _write_points(self) -> None:
        fields = [("point", pa.int64())]
        kinds = {}
        for path in self.plan.parameters:
            kinds[path] = parameter_type([p[path] for p in self.plan.points])
            fields.append((path, kinds[path]))
        rows = [
            {"point": i, **{k: coerce_parameter(v, kinds[k]) for k, v in p.items()}}
            for i, p in enumerate(self.plan.points)
        ]
        table = pa.Table.from_pylist(rows, schema=pa.schema(fields))
        pq.write_table(table, self.out / "points.parquet")

    # -- batches ---------------------------------------------------------------------------

    def done_batches(self) -> set[int]:
        """Indices of the batches already on disk."""
        done = set()
        for f in self.runs_dir.glob("part-*.parquet"):
            match = PART.match(f.name)
            if match:
                done.add(int(match.group(1)))
        return done

    def write_batch(
        self, index: int, rows: list[dict[str, Any]], series: list[dict[str, Any]] | None
    ) -> None:
        """Write one finished batch; its runs file is the mark that it is done."""
        if series:
            self.series_dir.mkdir(exist_ok=True)
            schema = timeseries_schema([c for c in series[0] if c != "run_id"])
            _atomic_parquet(
                pa.Table.from_pylist(series, schema=schema),
                self.series_dir / f"part-{index:06d}.parquet",
            )
        _atomic_parquet(
            pa.Table.from_pylist(rows, schema=self.schema),
            self.runs_dir / f"part-{index:06d}.parquet",
        )

    def finish(self, manifest: dict[str, Any], runs_done: int) -> None:
        """Record the end of this session (and of the sweep when every run is done)."""
        manifest["sessions"][-1]["ended"] = _now()
        manifest["runs_done"] = runs_done
        if runs_done == self.plan.n_runs:
            manifest["finished"] = manifest["finished"] or _now()
        self.write_manifest(manifest)


def _atomic_parquet(table: pa.Table, path: Path) -> None:
    tmp = path.with_name(path.name + ".tmp")
    pq.write_table(table, tmp)
    with open(tmp, "rb") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def _versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": platform.python_version()}
    for name in ("mesa", "numpy", "scipy", "pandas", "pyarrow", "pydantic"):
        with contextlib.suppress(PackageNotFoundError):
            out[name] = version(name)
    return out


def read_results(out: str | Path, *, timeseries: bool = False) -> Any:
    """The runs of a sweep (or its sampled time series) as a pandas DataFrame, by run id."""
    import pandas as pd

    folder = Path(out) / ("timeseries" if timeseries else "runs")
    parts = sorted(folder.glob("part-*.parquet"))
    if not parts:
        if not (Path(out) / "manifest.json").is_file():
            raise ScenarioError(str(out), "", "not a sweep folder (no manifest.json)")
        return pd.DataFrame()
    frame = pd.concat([pd.read_parquet(p) for p in parts], ignore_index=True)
    keys = ["run_id", "step"] if timeseries else ["run_id"]
    return frame.sort_values(keys).reset_index(drop=True)
