"""A sweep's output folder: a Parquet dataset written batch by batch, and its manifest.

Layout of ``DIR``::

    manifest.json              the spec, the plan's shape, versions, times, progress
    points.parquet             one row per design point
    runs/part-000000.parquet   one file per finished batch, one row per run
    timeseries/part-*.parquet  per-step series of the sampled runs (optional)
    damaged/                   parts found damaged on resuming, moved aside (if any)
    .lock                      held (``flock``) by the one sweep writing here

Every file appears whole or not at all (written to a temporary name, synced, then renamed), and
the manifest is written before anything else, so a sweep killed at any moment, even in its
first milliseconds, leaves a folder that the same command resumes. A batch's runs file is the
mark that the batch is done. On resuming, each runs file is read in full and must hold exactly
its batch's runs with the plan's columns; a damaged one is moved to ``damaged/`` (one line says
so) and its batch runs again. Batches are fixed by the plan and the batch size recorded in the
manifest, so the resumed dataset equals an uninterrupted one.

One folder has one writer: ``run_sweep`` holds an exclusive ``fcntl.flock`` on ``.lock``, which
the operating system releases when the process ends, however it ends.
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa

from sim.errors import ScenarioError
from sim.sweep.columns import coerce_parameter, parameter_type, runs_schema, timeseries_schema
from sim.sweep.manifest import now, read_manifest, versions
from sim.sweep.parts import (
    READ_ERRORS,
    atomic_json,
    atomic_parquet,
    check_runs_part,
    check_series_part,
    damage,
    move_aside,
    read_part,
    write_problem,
)
from sim.sweep.plan import Plan

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no flock; one writer is then up to the user
    fcntl = None  # type: ignore[assignment]

PART = re.compile(r"^part-(\d{6})\.parquet$")
LOCK_NAME = ".lock"
SETUP_NAMES = frozenset(
    {LOCK_NAME, "manifest.json.tmp", "points.parquet", "points.parquet.tmp", "runs", "timeseries"}
)
"""What a folder may hold when a sweep was killed before its manifest was written."""


def _stderr_notice(message: str) -> None:
    print(f"negsim: {message}", file=sys.stderr)


# -- writing -----------------------------------------------------------------------------


class Store:
    """The output folder of one sweep.

    Args:
        out: The folder.
        plan: The sweep written there.
        notice: Called with a one-line message when a damaged part is moved aside (default:
            printed on stderr).
    """

    def __init__(
        self, out: str | Path, plan: Plan, notice: Callable[[str], None] | None = None
    ) -> None:
        self.out = Path(out)
        self.plan = plan
        self.notice = notice or _stderr_notice
        self.runs_dir = self.out / "runs"
        self.series_dir = self.out / "timeseries"
        self.damaged_dir = self.out / "damaged"
        self.manifest_path = self.out / "manifest.json"
        self.schema = runs_schema(plan)
        self.batch_size = 0

    # -- one writer --------------------------------------------------------------------

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """Create the folder and hold its lock while the body runs.

        Raises:
            ScenarioError: ``out`` is a file, cannot be created or written, or another
                process holds the lock.
        """
        if self.out.exists() and not self.out.is_dir():
            raise ScenarioError(str(self.out), "--out", "exists and is not a folder")
        path = self.out / LOCK_NAME
        try:
            self.out.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise write_problem(self.out, exc) from None
        try:
            try:
                if fcntl is not None:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = os.pread(fd, 32, 0).decode(errors="replace").strip()
                who = f" (pid {holder})" if holder.isdigit() else ""
                raise ScenarioError(
                    str(self.out),
                    "--out",
                    f"another sweep{who} is writing to this folder; wait for it to end or use"
                    " another folder",
                ) from None
            with contextlib.suppress(OSError, AttributeError):  # the pid only helps a message
                os.ftruncate(fd, 0)
                os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
            yield
        finally:
            os.close(fd)  # releases the lock

    # -- the manifest ------------------------------------------------------------------

    def read_manifest(self) -> dict[str, Any] | None:
        """The manifest, or None for a new folder.

        Raises:
            ScenarioError: unreadable or of the wrong shape.
        """
        return read_manifest(self.out, writer=True)

    def write_manifest(self, manifest: dict[str, Any]) -> None:
        """Write the manifest atomically."""
        atomic_json(manifest, self.manifest_path)

    def prepare(
        self,
        batch_size: int,
        backend: str,
        workers: int,
        *,
        run_timeout: float | None = None,
    ) -> dict[str, Any]:
        """Create the folder, or check that it holds this same sweep; return the manifest.

        A folder left by a sweep killed before it wrote its manifest (only the lock, the
        temporary files of the setup, empty ``runs/``) is taken as new. The batch size of an
        existing sweep is the manifest's, not ``batch_size``.

        Raises:
            ScenarioError: a foreign or different folder, a bad manifest, a failed write.
        """
        if self.out.exists() and not self.out.is_dir():
            raise ScenarioError(str(self.out), "--out", "exists and is not a folder")
        manifest = self.read_manifest()
        fingerprint = self.plan.fingerprint()
        if manifest is None:
            self._clear_partial_setup()
            manifest = self._new_manifest(fingerprint, batch_size)
        elif manifest["fingerprint"] != fingerprint:
            raise ScenarioError(
                str(self.out),
                "--out",
                "holds a different sweep (spec or scenario changed): use another folder",
            )
        elif manifest["n_runs"] != self.plan.n_runs:
            raise ScenarioError(str(self.manifest_path), "n_runs", "does not match the spec")
        self.batch_size = manifest["batch_size"]
        session: dict[str, Any] = {"started": now(), "backend": backend, "workers": workers}
        if run_timeout is not None:
            session["run_timeout"] = run_timeout
        manifest["sessions"].append(session)
        self.write_manifest(manifest)
        try:
            self.runs_dir.mkdir(exist_ok=True)
        except OSError as exc:
            raise write_problem(self.runs_dir, exc) from None
        self._check_points()
        return manifest

    def _clear_partial_setup(self) -> None:
        if not self.out.is_dir():
            return
        names = {p.name for p in self.out.iterdir()}
        partial = names <= SETUP_NAMES and all(
            not d.is_dir() or all(f.name.endswith(".tmp") for f in d.iterdir())
            for d in (self.runs_dir, self.series_dir)
        )
        if not partial:
            raise ScenarioError(str(self.out), "--out", "is not empty and holds no sweep")
        for name in names - {LOCK_NAME}:
            path = self.out / name
            try:
                if path.is_dir():
                    for f in path.iterdir():
                        f.unlink()
                    path.rmdir()
                else:
                    path.unlink()
            except OSError as exc:
                raise write_problem(path, exc) from None

    def _new_manifest(self, fingerprint: str, batch_size: int) -> dict[str, Any]:
        import sim

        return {
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
            "morris": self.plan.morris,
            "negsim_version": sim.__version__,
            "versions": versions(),
            "created": now(),
            "sessions": [],
            "finished": None,
        }

    def _points_table(self) -> pa.Table:
        fields = [("point", pa.int64())]
        kinds = {}
        for path in self.plan.parameters:
            kinds[path] = parameter_type([p[path] for p in self.plan.points])
            fields.append((path, kinds[path]))
        rows = [
            {"point": i, **{k: coerce_parameter(v, kinds[k]) for k, v in p.items()}}
            for i, p in enumerate(self.plan.points)
        ]
        return pa.Table.from_pylist(rows, schema=pa.schema(fields))

    def _check_points(self) -> None:
        """Write ``points.parquet`` if it is missing or damaged (it follows from the plan)."""
        path = self.out / "points.parquet"
        if path.is_file():
            try:
                if read_part(path).num_rows == len(self.plan.points):
                    return
                problem = "has the wrong number of rows"
            except READ_ERRORS as exc:
                problem = damage(exc)
            self.notice(f"{path}: {problem}; written again")
        atomic_parquet(self._points_table(), path)

    # -- batches -----------------------------------------------------------------------

    def batch_runs(self, index: int) -> range:
        """Run ids of batch ``index``."""
        size = self.batch_size
        return range(index * size, min((index + 1) * size, self.plan.n_runs))

    def n_batches(self) -> int:
        """Batches in the plan."""
        return -(-self.plan.n_runs // self.batch_size)

    def done_batches(self) -> set[int]:
        """Indices of the batches on disk, each verified; damaged ones are moved aside.

        A runs part must read in full, have the plan's columns and hold exactly its batch's
        run ids; the batch's time-series part (if its sampled runs finished) must read and
        hold exactly those runs. Leftover temporary files are removed.
        """
        if not self.batch_size:
            manifest = self.read_manifest()
            self.batch_size = manifest["batch_size"] if manifest else 1
        for folder in (self.runs_dir, self.series_dir):
            for leftover in folder.glob("*.tmp") if folder.is_dir() else []:
                with contextlib.suppress(OSError):
                    leftover.unlink()  # a batch interrupted while being written
        done: set[int] = set()
        sampled = self.plan.timeseries_runs()
        for path in sorted(self.runs_dir.glob("part-*.parquet")):
            match = PART.match(path.name)
            if not match:
                continue
            index = int(match.group(1))
            expected = self.batch_runs(index)
            problem, finished = check_runs_part(
                path, index, self.n_batches(), self.schema, expected
            )
            series = self.series_dir / path.name
            if problem is None:
                wanted = {i for i in finished if i in sampled}
                problem = check_series_part(series, wanted)
            if problem is None:
                done.add(index)
                continue
            move_aside(path, self.out, self.notice, problem)
            if series.exists():
                move_aside(series, self.out, self.notice, "belongs to a batch that runs again")
        for path in self.series_dir.glob("part-*.parquet") if self.series_dir.is_dir() else []:
            match = PART.match(path.name)
            if match and int(match.group(1)) not in done:
                with contextlib.suppress(OSError):
                    path.unlink()  # written before its batch's runs file: the batch runs again
        return done

    def write_batch(
        self, index: int, rows: list[dict[str, Any]], series: list[dict[str, Any]] | None
    ) -> None:
        """Write one finished batch; its runs file is the mark that it is done.

        Raises:
            ScenarioError: the disk refused (nothing of this batch is left half-written).
        """
        if series:
            try:
                self.series_dir.mkdir(exist_ok=True)
            except OSError as exc:
                raise write_problem(self.series_dir, exc) from None
            schema = timeseries_schema([c for c in series[0] if c != "run_id"])
            atomic_parquet(
                pa.Table.from_pylist(series, schema=schema),
                self.series_dir / f"part-{index:06d}.parquet",
            )
        atomic_parquet(
            pa.Table.from_pylist(rows, schema=self.schema),
            self.runs_dir / f"part-{index:06d}.parquet",
        )

    def finish(self, manifest: dict[str, Any], runs_done: int) -> None:
        """Record the end of this session (and of the sweep when every run is done)."""
        manifest["sessions"][-1]["ended"] = now()
        manifest["runs_done"] = runs_done
        if runs_done == self.plan.n_runs:
            manifest["finished"] = manifest["finished"] or now()
        self.write_manifest(manifest)


# -- reading -----------------------------------------------------------------------------


def read_table(folder: Path, what: str = "runs") -> pa.Table | None:
    """All ``folder/what/part-*.parquet`` as one table, or None if there are none.

    Raises:
        ScenarioError: a part is unreadable, or the parts' columns differ; the message names
            the part and says how to repair it.
    """
    parts = sorted((folder / what).glob("part-*.parquet"))
    tables = []
    for part in parts:
        try:
            table = read_part(part)
        except READ_ERRORS as exc:
            raise ScenarioError(
                str(part),
                "",
                f"{damage(exc)}; run the sweep's command again: it moves damaged parts"
                " aside and runs their batches again",
            ) from None
        if tables and not table.schema.equals(tables[0].schema, check_metadata=False):
            raise ScenarioError(str(part), "", f"its columns differ from {parts[0].name}'s")
        tables.append(table)
    if not tables:
        return None
    return pa.concat_tables(tables)


def read_results(out: str | Path, *, timeseries: bool = False) -> Any:
    """The runs of a sweep (or its sampled time series) as a pandas DataFrame, by run id.

    Raises:
        ScenarioError: not a sweep folder, a manifest of the wrong shape, or a damaged part.
    """
    import pandas as pd

    folder = Path(out)
    if read_manifest(folder) is None:
        raise ScenarioError(str(out), "", "not a sweep folder (no manifest.json)")
    table = read_table(folder, "timeseries" if timeseries else "runs")
    if table is None:
        return pd.DataFrame()
    frame = table.to_pandas()
    keys = ["run_id", "step"] if timeseries else ["run_id"]
    return frame.sort_values(keys).reset_index(drop=True)
