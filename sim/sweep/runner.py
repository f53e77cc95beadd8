"""Running a sweep: batches of runs on one core, a local process pool, or a Dask cluster.

Runs travel in batches (one task per run costs Dask about 2 ms of scheduling, a run about
7 ms); each batch's result is written as soon as it arrives, so the parent holds at most a
window of batches in memory however long the sweep. Every run's seed comes from the plan, so
the dataset does not depend on the backend, the number of workers or the order of completion.
"""

from __future__ import annotations

import math
import multiprocessing
import os
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sim.sweep.spec import OUTCOME_GROUPS, Plan
from sim.sweep.store import Store, coerce_parameter, parameter_type


@dataclass(frozen=True)
class Batch:
    """A slice of the plan sent to a worker as one task (plain data: it is pickled)."""

    index: int
    scenario_path: str
    fingerprint: str
    runs: tuple[tuple[int, int, int, int], ...]  # run_id, point, replicate, seed
    points: dict[int, dict[str, Any]]  # the design points these runs use
    parameter_kinds: dict[str, str]  # "float" or "string", as stored
    outcomes: tuple[str, ...]
    analyse: bool
    timeseries: frozenset[int] = field(default_factory=frozenset)


@dataclass
class SweepResult:
    """What ``run_sweep`` did."""

    out: Path
    n_runs: int
    runs_done: int
    ran_now: int
    errors: int
    seconds: float
    backend: str
    workers: int

    @property
    def runs_per_second(self) -> float:
        """Runs finished in this session per second of wall time."""
        return self.ran_now / self.seconds if self.seconds > 0 else math.nan


class SweepInterrupted(Exception):
    """Ctrl-C during a sweep: what is on disk stays; the same command resumes."""

    def __init__(self, out: Path, runs_done: int, n_runs: int) -> None:
        self.out, self.runs_done, self.n_runs = out, runs_done, n_runs
        super().__init__(
            f"interrupted: {runs_done} of {n_runs} runs are saved in {out}; "
            "run the same command to resume"
        )


# -- the worker side ---------------------------------------------------------------------

_SCENARIOS: dict[str, Any] = {}


def _scenario(path: str, fingerprint: str) -> Any:
    key = f"{path}#{fingerprint}"
    if key not in _SCENARIOS:
        from sim.scenario import load_scenario

        _SCENARIOS.clear()
        _SCENARIOS[key] = load_scenario(path)
    return _SCENARIOS[key]


def flatten(outcome: Any, groups: Iterable[str]) -> dict[str, Any]:
    """An ``Outcome`` as flat columns (``concessions.rice``, ``utilities.japan`` ...)."""
    row: dict[str, Any] = {}
    for group in groups:
        value = getattr(outcome, group)
        if group == "nash":
            parties = outcome.utilities.keys()
            for p in parties:
                row[f"nash.{p}"] = value[p] if value else math.nan
        elif isinstance(value, dict):
            for key, v in value.items():
                row[f"{group}.{key}"] = v
        else:
            row[group] = math.nan if value is None and group == "pareto_gap" else value
    return row


def run_batch(batch: Batch) -> tuple[int, list[dict[str, Any]], list[dict[str, Any]]]:
    """Run one batch; a run that raises is recorded with its error, not fatal."""
    from sim.model import NegotiationModel
    from sim.scenario import set_parameter

    base = _scenario(batch.scenario_path, batch.fingerprint)
    rows: list[dict[str, Any]] = []
    series: list[dict[str, Any]] = []
    cached_point, cached = -1, base
    for run_id, point, replicate, seed in batch.runs:
        values = batch.points[point]
        row: dict[str, Any] = {"run_id": run_id, "point": point, "replicate": replicate}
        row["seed"] = seed
        for path, value in values.items():
            kind = batch.parameter_kinds[path]
            row[path] = float(value) if kind == "float" else coerce_parameter(value, None)
        try:
            if point != cached_point:
                cached, cached_point = base, point
                for path, value in values.items():
                    cached = set_parameter(cached, path, value)
            collect = run_id in batch.timeseries
            model = NegotiationModel(cached, rng=seed, collect=collect, analyse=batch.analyse)
            outcome = model.run()
            row.update(flatten(outcome, batch.outcomes))
            row["error"] = None
            if collect:
                frame = model.time_series().reset_index()
                for record in frame.to_dict("records"):
                    series.append({"run_id": run_id, **record})
        except Exception as exc:  # recorded with its seed; the sweep goes on
            row["error"] = f"{type(exc).__name__}: {exc}"
        rows.append(row)
    return batch.index, rows, series


# -- the parent side ---------------------------------------------------------------------


def make_batches(plan: Plan, batch_size: int, skip: set[int]) -> Iterator[Batch]:
    """The plan's batches in order, without those already done."""
    kinds = {
        path: "float"
        if str(parameter_type([p[path] for p in plan.points])) == "double"
        else "string"
        for path in plan.parameters
    }
    sampled = plan.timeseries_runs()
    groups = tuple(
        g for g in OUTCOME_GROUPS if plan.spec.outcomes is None or g in plan.spec.outcomes
    )
    fingerprint = plan.fingerprint()
    n_batches = math.ceil(plan.n_runs / batch_size)
    for index in range(n_batches):
        if index in skip:
            continue
        runs = [
            plan.run(i)
            for i in range(index * batch_size, min((index + 1) * batch_size, plan.n_runs))
        ]
        points = {r.point: plan.points[r.point] for r in runs}
        yield Batch(
            index=index,
            scenario_path=str(plan.scenario_path),
            fingerprint=fingerprint,
            runs=tuple((r.run_id, r.point, r.replicate, r.seed) for r in runs),
            points=points,
            parameter_kinds=kinds,
            outcomes=groups,
            analyse=plan.analyse(),
            timeseries=frozenset(r.run_id for r in runs if r.run_id in sampled),
        )


def default_batch_size(n_runs: int, workers: int) -> int:
    """Large enough to amortise scheduling, small enough to balance load and resume finely."""
    return int(min(200, max(10, n_runs // max(1, 8 * workers))))


def run_sweep(
    plan: Plan,
    out: str | Path,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    batch_size: int | None = None,
    progress: bool = True,
) -> SweepResult:
    """Run every design point times replicate of ``plan`` into ``out``, resuming if needed.

    Args:
        plan: From ``load_spec``.
        out: Output folder (created; an existing one must hold this same sweep).
        workers: 1 runs in this process; more use a local process pool (default: one per
            core). Ignored with ``scheduler``.
        scheduler: Address of a Dask scheduler (``tcp://host:port``) to run on its workers.
        batch_size: Runs per task; fixed when the folder is created, then read from it.
        progress: Show a progress bar (runs done, runs per second, time left).
    """
    store = Store(out, plan)
    existing = store.read_manifest()
    workers = workers or os.cpu_count() or 1
    backend = "dask" if scheduler else ("inline" if workers == 1 else "processes")
    size = (
        int(existing["batch_size"])
        if existing
        else (batch_size or default_batch_size(plan.n_runs, workers))
    )
    manifest = store.prepare(size, backend, workers)
    done = store.done_batches()
    runs_done = sum(min(size, plan.n_runs - i * size) for i in done if i * size < plan.n_runs)
    batches = make_batches(plan, size, done)
    bar = _progress(plan.n_runs, runs_done, progress)
    start = time.perf_counter()
    ran_now = errors = 0

    def handle(result: tuple[int, list[dict[str, Any]], list[dict[str, Any]]]) -> None:
        nonlocal ran_now, errors, runs_done
        index, rows, series = result
        store.write_batch(index, rows, series)
        ran_now += len(rows)
        runs_done += len(rows)
        errors += sum(1 for r in rows if r.get("error"))
        bar.update(len(rows))

    try:
        if backend == "inline":
            for batch in batches:
                handle(run_batch(batch))
        elif backend == "processes":
            _run_pool(batches, workers, handle)
        else:
            _run_dask(batches, scheduler or "", handle)
    except KeyboardInterrupt:
        bar.close()
        store.finish(manifest, runs_done)
        raise SweepInterrupted(store.out, runs_done, plan.n_runs) from None
    bar.close()
    store.finish(manifest, runs_done)
    return SweepResult(
        store.out,
        plan.n_runs,
        runs_done,
        ran_now,
        errors,
        time.perf_counter() - start,
        backend,
        workers,
    )


def _run_pool(batches: Iterator[Batch], workers: int, handle: Callable[[Any], None]) -> None:
    # forkserver: workers are forked from a clean server process, not from a parent that
    # may already run pyarrow's threads.
    context = multiprocessing.get_context("forkserver")
    # The server imports negsim once; every worker is then forked with it already loaded
    # (without this, each worker pays about 1.3 s of imports).
    context.set_forkserver_preload(["sim.model", "sim.sweep.runner"])
    window = 2 * workers
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        pending: set[Future] = set()
        try:
            for batch in batches:
                pending.add(pool.submit(run_batch, batch))
                if len(pending) >= window:
                    finished, pending = wait(pending, return_when=FIRST_COMPLETED)
                    for f in finished:
                        handle(f.result())
            while pending:
                finished, pending = wait(pending, return_when=FIRST_COMPLETED)
                for f in finished:
                    handle(f.result())
        except BaseException:
            for f in pending:
                f.cancel()
            pool.shutdown(wait=False, cancel_futures=True)
            raise


def _run_dask(batches: Iterator[Batch], address: str, handle: Callable[[Any], None]) -> None:
    try:
        from distributed import Client, as_completed
    except ImportError:  # pragma: no cover - depends on the install
        from sim.errors import ScenarioError

        raise ScenarioError(
            address, "--scheduler", "needs Dask: pip install 'negsim[dask]'"
        ) from None
    try:
        client = Client(address, timeout="10s")
    except (OSError, TimeoutError) as exc:
        from sim.errors import ScenarioError

        raise ScenarioError(address, "--scheduler", f"cannot reach the scheduler ({exc})") from None
    try:
        window = 2 * max(1, sum(client.nthreads().values()))
        iterator = iter(batches)
        first = [client.submit(run_batch, b, pure=False) for b in _take(iterator, window)]
        queue = as_completed(first)
        for future in queue:
            handle(future.result())
            for batch in _take(iterator, 1):
                queue.add(client.submit(run_batch, batch, pure=False))
    finally:
        client.close()


def _take(iterator: Iterator[Batch], n: int) -> list[Batch]:
    out = []
    for _ in range(n):
        try:
            out.append(next(iterator))
        except StopIteration:
            break
    return out


class _NoBar:
    def update(self, n: int) -> None:
        pass

    def close(self) -> None:
        pass


def _progress(total: int, initial: int, enabled: bool) -> Any:
    if not enabled:
        return _NoBar()
    try:
        from tqdm import tqdm
    except ImportError:  # pragma: no cover
        return _NoBar()
    return tqdm(total=total, initial=initial, unit="run", dynamic_ncols=True, smoothing=0.1)
