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
import ctypes
import math
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sim.errors import ScenarioError, shorten
from sim.sweep.spec import (
    DEFAULT_RUN_TIMEOUT,
    MAX_RUN_TIMEOUT,
    OUTCOME_GROUPS,
    Plan,
    text_digest,
)
from sim.sweep.store import Store, coerce_parameter, parameter_type

MAX_ERROR_TEXT = 1000
"""Longest error text stored for a run that raised."""

MAX_BATCH_SIZE = 10_000
"""Most runs per batch: a batch's rows are held in memory until it is written."""

WORKERS_PER_CORE = 4
"""Most local worker processes per core: runs are CPU-bound, and each process holds negsim."""

_SWEEP_PID = "NEGSIM_SWEEP_PID"
"""Set while the sweep starts its forkserver: the forkserver then knows whose death to share."""


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
    run_timeout: float = DEFAULT_RUN_TIMEOUT
    scenario_digest: str = ""  # the scenario file's text as planned (empty: not checked)


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


class BatchFailed(Exception):
    """A batch that could not start (its scenario unreadable); one picklable message."""


class RunTimeout(BaseException):
    """A run past its time limit (a BaseException, so no ``except Exception`` swallows it)."""


# -- the worker side ---------------------------------------------------------------------

_SCENARIOS: dict[str, Any] = {}


def _scenario(path: str, fingerprint: str, digest: str = "") -> Any:
    """The batch's base scenario, read once per worker, and the same text the plan read.

    Raises:
        BatchFailed: the file is unreadable, or changed since the sweep was planned (its runs
            would silently belong to another scenario).
    """
    key = f"{path}#{fingerprint}"
    if key not in _SCENARIOS:
        from sim.scenario import load_scenario

        _SCENARIOS.clear()
        try:
            text = Path(path).read_text(encoding="utf-8")
            if digest and text_digest(text) != digest:
                raise BatchFailed(f"{path}: the scenario file changed since the sweep began")
            _SCENARIOS[key] = load_scenario(path)
        except ScenarioError as exc:  # not picklable as it is: sent back as its text
            raise BatchFailed(str(exc)) from None
        except (OSError, UnicodeDecodeError) as exc:
            raise BatchFailed(f"{path}: cannot read: {exc}") from None
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


class TimeLimit:
    """Stop a run after ``seconds`` by raising ``RunTimeout`` in it.

    In a main thread, inside ``alarm_handler()``, a ``SIGALRM`` timer interrupts the run
    wherever it is; elsewhere (Dask's worker threads) signals cannot be used, and the run must
    call ``check()`` as it goes. A class, not a generator: it is entered once per run.
    """

    armed = False  # whether a SIGALRM now means "this run is over" (class-wide: one timer)

    def __init__(self, seconds: float, alarm: bool) -> None:
        self.seconds, self.alarm = seconds, alarm
        self.deadline = time.monotonic() + seconds

    def check(self) -> None:
        """Raise ``RunTimeout`` if the time is up (the way threads stop a run)."""
        if time.monotonic() > self.deadline:
            raise RunTimeout

    def __enter__(self) -> TimeLimit:
        if self.alarm:
            TimeLimit.armed = True
            signal.setitimer(signal.ITIMER_REAL, self.seconds)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.alarm:
            TimeLimit.armed = False
            signal.setitimer(signal.ITIMER_REAL, 0)


_HAS_ALARM = hasattr(signal, "setitimer") and hasattr(signal, "SIGALRM")  # not on Windows


def _on_alarm(signum: int, frame: Any) -> None:
    if TimeLimit.armed:  # a signal delivered late, after its run ended, is ignored
        raise RunTimeout


@contextlib.contextmanager
def alarm_handler() -> Iterator[bool]:
    """Install the SIGALRM handler of ``TimeLimit`` for the body; yield whether it could be.

    Only a main thread can handle signals; the caller's handler is put back afterwards.
    """
    if threading.current_thread() is not threading.main_thread() or not _HAS_ALARM:
        yield False
        return
    previous = signal.signal(signal.SIGALRM, _on_alarm)
    try:
        yield True
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous if previous is not None else signal.SIG_DFL)


def run_batch(batch: Batch) -> tuple[int, list[dict[str, Any]], list[dict[str, Any]]]:
    """Run one batch; a run that raises or overruns is recorded with its error, not fatal."""
    from sim.model import NegotiationModel
    from sim.scenario import set_parameter

    base = _scenario(batch.scenario_path, batch.fingerprint, batch.scenario_digest)
    rows: list[dict[str, Any]] = []
    series: list[dict[str, Any]] = []
    cached_point, cached = -1, base
    with alarm_handler() as alarm:
        for run_id, point, replicate, seed in batch.runs:
            values = batch.points[point]
            ident: dict[str, Any] = {"run_id": run_id, "point": point, "replicate": replicate}
            ident["seed"] = seed
            for path, value in values.items():
                kind = batch.parameter_kinds[path]
                ident[path] = float(value) if kind == "float" else coerce_parameter(value, None)
            row = dict(ident)
            try:
                if point != cached_point:
                    cached, cached_point = base, point
                    for path, value in values.items():
                        cached = set_parameter(cached, path, value)
                collect = run_id in batch.timeseries
                run_series: list[dict[str, Any]] = []
                with TimeLimit(batch.run_timeout, alarm) as limit:
                    model = NegotiationModel(
                        cached, rng=seed, collect=collect, analyse=batch.analyse
                    )
                    while model.running:  # what ``model.run()`` does, with the limit checked
                        model.step()
                        limit.check()
                    row.update(flatten(model.outcome, batch.outcomes))
                    if collect:
                        frame = model.time_series().reset_index()
                        run_series = [{"run_id": run_id, **r} for r in frame.to_dict("records")]
                row["error"] = None
                series.extend(run_series)
            except RunTimeout:
                error = f"RunTimeout: still running after {batch.run_timeout:g} s (run_timeout)"
                row = {**ident, "error": error}
            except Exception as exc:  # recorded with its seed; the sweep goes on
                error = shorten(f"{type(exc).__name__}: {exc}", MAX_ERROR_TEXT)
                row = {**ident, "error": error}
            rows.append(row)
    return batch.index, rows, series


def _die_with_parent() -> None:
    """Ask Linux to SIGKILL this process when its parent dies (``PR_SET_PDEATHSIG``)."""
    if not sys.platform.startswith("linux"):
        return
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL, 0, 0, 0)


def _alive(pid: int) -> bool:
    """Whether process ``pid`` exists and is not a zombie."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True  # no /proc: trust kill()
    return stat.rsplit(")", 1)[-1].split()[0] != "Z"


def _watch(sweep_pid: int, server_pid: int | None) -> None:
    while _alive(sweep_pid) and server_pid in (None, os.getppid()):
        time.sleep(0.5)
    os._exit(1)


def _worker_init(sweep_pid: int, server_pid: int | None) -> None:
    """Start a pool worker: Ctrl-C is the sweep's to handle, and the worker dies with it.

    Its parent is the forkserver, which dies with the sweep: the kernel ends the worker when
    the forkserver dies, and a thread ends it when the sweep or the forkserver is gone (the
    only way off Linux, and a second guard on it).
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _die_with_parent()
    if server_pid is not None and os.getppid() != server_pid:
        os._exit(1)  # the forkserver died before the kernel could be asked to tell us
    watch = threading.Thread(
        target=_watch, args=(sweep_pid, server_pid), daemon=True, name="negsim-watch"
    )
    watch.start()


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


@contextlib.contextmanager
def _sigint_ignored() -> Iterator[None]:
    """Ignore Ctrl-C in the body (cleaning up must not be cut short); main thread only."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


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
                _run_pool(batches, workers, handle)
            else:
                _run_dask(batches, scheduler or "", handle)
        except KeyboardInterrupt:
            with _sigint_ignored():
                bar.close()
                _finish_quietly(store, manifest, runs_done)
            raise SweepInterrupted(store.out, runs_done, plan.n_runs) from None
        except (BrokenProcessPool, BatchFailed, _TaskFailed) as exc:
            with _sigint_ignored():
                bar.close()
                _finish_quietly(store, manifest, runs_done)
            raise ScenarioError(str(store.out), "", _stopped(exc, runs_done, plan.n_runs)) from None
        except BaseException:
            with _sigint_ignored():
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


@contextlib.contextmanager
def _sigint_blocked() -> Iterator[None]:
    """Hold Ctrl-C back in the body; a Ctrl-C pressed meanwhile arrives when it ends.

    Processes started in the body inherit the blocked signal: SIGINT never reaches them.
    """
    if not hasattr(signal, "pthread_sigmask"):  # pragma: no cover - not POSIX
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _start_forkserver(context: Any) -> int | None:
    """Start the forkserver with Ctrl-C blocked, so that neither it nor a worker sees one.

    Signal masks pass through fork and exec: the forkserver (busy importing negsim for a
    second or more) and the workers it forks never receive the SIGINT that a terminal sends
    to the whole process group, and so never print KeyboardInterrupt tracebacks; the sweep
    handles Ctrl-C alone. The environment tells the forkserver, when it imports this module,
    that its parent is a sweep whose death it must share (the kernel signals the death of the
    thread that started it: the thread that runs the sweep), and tells multiprocessing's
    resource tracker not to warn about the semaphores of a sweep killed with ``kill -9``.

    Returns:
        The forkserver's pid (None if multiprocessing no longer says).
    """
    from multiprocessing import forkserver, resource_tracker

    # The server imports negsim once; every worker is then forked with it already loaded
    # (without this, each worker pays about 1.3 s of imports).
    context.set_forkserver_preload(["sim.model", "sim.sweep.runner"])
    saved = {k: os.environ.get(k) for k in (_SWEEP_PID, "PYTHONWARNINGS")}
    os.environ[_SWEEP_PID] = str(os.getpid())
    quiet = "ignore:resource_tracker:UserWarning"
    os.environ["PYTHONWARNINGS"] = ",".join(filter(None, [saved["PYTHONWARNINGS"], quiet]))
    try:
        # Its own start unblocks SIGINT whatever the caller blocked: start it first.
        resource_tracker.ensure_running()
        with _sigint_blocked():
            forkserver.ensure_running()
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    return getattr(getattr(forkserver, "_forkserver", None), "_forkserver_pid", None)


def _run_pool(batches: Iterator[Batch], workers: int, handle: Callable[[Any], None]) -> None:
    # forkserver: workers are forked from a clean server process, not from a parent that
    # may already run pyarrow's threads.
    context = multiprocessing.get_context("forkserver")
    server_pid = _start_forkserver(context)
    window = 2 * workers
    pool = ProcessPoolExecutor(
        max_workers=workers,
        mp_context=context,
        initializer=_worker_init,
        initargs=(os.getpid(), server_pid),
    )
    pending: set[Future] = set()

    def collect() -> None:
        nonlocal pending
        finished, pending = wait(pending, return_when=FIRST_COMPLETED)
        for f in finished:
            handle(f.result())

    try:
        for batch in batches:
            pending.add(pool.submit(run_batch, batch))
            if len(pending) >= window:
                collect()
        while pending:
            collect()
    except BaseException:
        _stop_pool(pool, server_pid)
        raise
    pool.shutdown(wait=True)


def _stop_pool(pool: ProcessPoolExecutor, server_pid: int | None) -> None:
    """Stop at once: cancel what waits, end the workers (their batches run again later).

    The forkserver goes first: workers asked for before the stop would otherwise still be
    forked, fail to find the pool's semaphores and print tracebacks. The next pool starts a
    new one.
    """
    with _sigint_ignored():
        if server_pid is not None:
            with contextlib.suppress(OSError):
                os.kill(server_pid, signal.SIGKILL)
        processes = list((getattr(pool, "_processes", None) or {}).values())
        for process in processes:
            with contextlib.suppress(OSError, ValueError, AttributeError):
                process.terminate()
        pool.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            with contextlib.suppress(OSError, ValueError, AssertionError, AttributeError):
                process.join(timeout=5)


class _TaskFailed(Exception):
    """A Dask task lost (its worker died more than Dask retries)."""


def _run_dask(batches: Iterator[Batch], address: str, handle: Callable[[Any], None]) -> None:
    try:
        from distributed import Client, as_completed
    except ImportError:  # pragma: no cover - depends on the install
        raise ScenarioError(
            address, "--scheduler", "needs Dask: pip install 'negsim[dask]'"
        ) from None
    try:
        client = Client(address, timeout="10s")
    except (OSError, TimeoutError, ValueError) as exc:
        raise ScenarioError(address, "--scheduler", f"cannot reach the scheduler ({exc})") from None
    try:
        window = 2 * max(1, sum(client.nthreads().values()))
        iterator = iter(batches)
        first = [client.submit(run_batch, b, pure=False) for b in _take(iterator, window)]
        queue = as_completed(first)
        for future in queue:
            try:
                result = future.result()
            except (BatchFailed, KeyboardInterrupt):
                raise
            except Exception as exc:
                raise _TaskFailed(f"{type(exc).__name__}: {exc}") from None
            handle(result)
            for batch in _take(iterator, 1):
                queue.add(client.submit(run_batch, batch, pure=False))
    finally:
        with _sigint_ignored():
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


# In the forkserver a sweep started (see ``_start_forkserver``): die with that sweep.
if os.environ.get(_SWEEP_PID) == str(os.getppid()):
    _die_with_parent()
