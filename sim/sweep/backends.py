"""Where batches run: a local process pool (started from a forkserver) or a Dask cluster.

Both keep a window of batches in flight and hand each finished one to the sweep as it
arrives. The forkserver and its workers ignore Ctrl-C (the sweep handles it) and die with the
sweep, even after ``kill -9``.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import Any

from sim.errors import ScenarioError
from sim.sweep.worker import SWEEP_PID_VAR, Batch, BatchFailed, run_batch, worker_init


@contextlib.contextmanager
def sigint_ignored() -> Iterator[None]:
    """Ignore Ctrl-C in the body (cleaning up must not be cut short); main thread only."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


@contextlib.contextmanager
def sigint_blocked() -> Iterator[None]:
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
    context.set_forkserver_preload(["sim.model", "sim.sweep.worker"])
    saved = {k: os.environ.get(k) for k in (SWEEP_PID_VAR, "PYTHONWARNINGS")}
    os.environ[SWEEP_PID_VAR] = str(os.getpid())
    quiet = "ignore:resource_tracker:UserWarning"
    os.environ["PYTHONWARNINGS"] = ",".join(filter(None, [saved["PYTHONWARNINGS"], quiet]))
    try:
        # Its own start unblocks SIGINT whatever the caller blocked: start it first.
        resource_tracker.ensure_running()
        with sigint_blocked():
            forkserver.ensure_running()
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    return getattr(getattr(forkserver, "_forkserver", None), "_forkserver_pid", None)


def run_pool(batches: Iterator[Batch], workers: int, handle: Callable[[Any], None]) -> None:
    """Run ``batches`` on a local process pool, handing each result to ``handle``."""
    # forkserver: workers are forked from a clean server process, not from a parent that
    # may already run pyarrow's threads.
    context = multiprocessing.get_context("forkserver")
    server_pid = _start_forkserver(context)
    window = 2 * workers
    pool = ProcessPoolExecutor(
        max_workers=workers,
        mp_context=context,
        initializer=worker_init,
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
    with sigint_ignored():
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


class TaskFailed(Exception):
    """A Dask task lost (its worker died more than Dask retries)."""


def run_dask(batches: Iterator[Batch], address: str, handle: Callable[[Any], None]) -> None:
    """Run ``batches`` on the Dask cluster at ``address``, handing each result to ``handle``."""
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
                raise TaskFailed(f"{type(exc).__name__}: {exc}") from None
            handle(result)
            for batch in _take(iterator, 1):
                queue.add(client.submit(run_batch, batch, pure=False))
    finally:
        with sigint_ignored():
            client.close()


def _take(iterator: Iterator[Batch], n: int) -> list[Batch]:
    out = []
    for _ in range(n):
        try:
            out.append(next(iterator))
        except StopIteration:
            break
    return out
