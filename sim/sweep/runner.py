"""Running a sweep: batches of runs on one core, a local process pool, or a Dask cluster.

Runs travel in batches (one task per run costs Dask about 2 ms of scheduling, a run about
7 ms); each batch's result is written as soon as it arrives, so the parent holds at most a
window of batches in memory however long the sweep. Every run's seed comes from the plan, so
the dataset does not depend on the backend, the number of workers or the order of completion.

What can go wrong, and what happens then:

- A run that raises, or that is still going after ``run_timeout`` seconds, becomes an error
  row with its seed; the sweep goes on. The limit is a ``SIGALRM`` timer where runs execute in
  a process's main thread (one core, the process pool), which stops even a run stuck inside
  one step; in a Dask worker's thread, where signals cannot be used, it is checked after
  every step, so a run stuck inside a single step is not stopped there.
- Ctrl-C: worker processes and the forkserver ignore SIGINT (they are started with it ignored),
  the sweep stops its workers, says in one line how far it got, and the same command resumes.
- ``kill -9`` of the sweep: the forkserver asks Linux to kill it when the sweep dies
  (``PR_SET_PDEATHSIG``), each worker likewise when the forkserver dies, and each worker also
  watches the sweep's pid, so no process of the sweep outlives it by more than a second.
- A worker killed from outside (the out-of-memory killer): one line; the runs saved stay.
"""

from __future__ import annotations

import contextlib
import math
import os
import time
from collections.abc import Callable, Iterator
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.errors import ScenarioError
from sim.sweep.backends import TaskFailed, run_dask, run_pool, sigint_ignored
from sim.sweep.plan import Plan
from sim.sweep.spec import MAX_RUN_TIMEOUT, OUTCOME_GROUPS
from sim.sweep.store import Store, parameter_type
from sim.sweep.worker import Batch, BatchFailed, run_batch

MAX_BATCH_SIZE = 10_000
"""Most runs per batch: a batch's rows are held in memory until it is written."""

WORKERS_PER_CORE = 4
"""Most local worker processes per core: runs are CPU-bound, and each process holds negsim."""


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


# -- the parent side ---------------------------------------------------------------------


def make_batches(
    plan: Plan, batch_size: int, skip: set[int], run_timeout: float | None = None
) -> Iterator[Batch]:
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
    digest = plan.scenario_digest()
    timeout = plan.spec.run_timeout if run_timeout is None else run_timeout
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
            run_timeout=timeout,
            scenario_digest=digest,
        )


def max_workers() -> int:
    """Most local worker processes allowed on this machine."""
    return WORKERS_PER_CORE * (os.cpu_count() or 1)


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
    run_timeout: float | None = None,
    notice: Callable[[str], None] | None = None,
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
        run_timeout: Seconds a run may take (default: the spec's ``run_timeout``).
        notice: Called with one line for each damaged file found and moved aside (default:
            printed on stderr).

    Raises:
        SweepInterrupted: Ctrl-C; what is saved stays, and the same call resumes.
        ScenarioError: the folder is taken, foreign or unwritable, the disk is full, or a
            worker died; what is saved stays.
    """
    timeout = plan.spec.run_timeout if run_timeout is None else run_timeout
    if not 0 < timeout <= MAX_RUN_TIMEOUT:
        raise ScenarioError("run_timeout", "", f"must lie in (0, {MAX_RUN_TIMEOUT:g}] seconds")
    workers = workers or os.cpu_count() or 1
    if not scheduler and not 1 <= workers <= max_workers():
        raise ScenarioError("workers", "", f"must lie in 1 .. {max_workers()} (got {workers})")
    if batch_size is not None and not 1 <= batch_size <= MAX_BATCH_SIZE:
        raise ScenarioError("batch_size", "", f"must lie in 1 .. {MAX_BATCH_SIZE}")
    store = Store(out, plan, notice)
    backend = "dask" if scheduler else ("inline" if workers == 1 else "processes")
    with store.lock():
        wanted = batch_size or default_batch_size(plan.n_runs, workers)
        manifest = store.prepare(wanted, backend, workers, run_timeout=timeout)
        done = store.done_batches()
        runs_done = sum(len(store.batch_runs(i)) for i in done)
        batches = make_batches(plan, store.batch_size, done, timeout)
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
                run_pool(batches, workers, handle)
            else:
                run_dask(batches, scheduler or "", handle)
        except KeyboardInterrupt:
            with sigint_ignored():
                bar.close()
                _finish_quietly(store, manifest, runs_done)
            raise SweepInterrupted(store.out, runs_done, plan.n_runs) from None
        except (BrokenProcessPool, BatchFailed, TaskFailed) as exc:
            with sigint_ignored():
                bar.close()
                _finish_quietly(store, manifest, runs_done)
            raise ScenarioError(str(store.out), "", _stopped(exc, runs_done, plan.n_runs)) from None
        except BaseException:
            with sigint_ignored():
                bar.close()
                _finish_quietly(store, manifest, runs_done)
            raise
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


def _stopped(exc: BaseException, runs_done: int, n_runs: int) -> str:
    saved = f"{runs_done} of {n_runs} runs are saved; run the same command to resume"
    if isinstance(exc, BrokenProcessPool):
        return f"a worker process died (killed, or out of memory); {saved}"
    return f"a batch failed: {exc}; {saved}"


def _finish_quietly(store: Store, manifest: dict[str, Any], runs_done: int) -> None:
    """Record the session's end if the disk lets us: the error being raised matters more."""
    with contextlib.suppress(ScenarioError, OSError):
        store.finish(manifest, runs_done)


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
