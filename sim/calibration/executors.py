"""Where a calibration's batches run: this process, a local process pool, or a Dask cluster.

Each executor has the same four operations, so the sampler does not care which it has:
``prepare`` a generation's payload (pyabc's pickled ``simulate_one``: sent once to every Dask
worker, passed with each task to pool workers, which unpickle it once), ``submit`` a batch
(something with ``result()`` and ``cancel()``), ``release`` the payload, and ``close``. The pool
lives for the whole calibration (its workers import negsim and pyabc once); its workers ignore
Ctrl-C and die with the calibration, like a sweep's (``sim.sweep.worker.worker_init``).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any

from sim.errors import ScenarioError


class _Deferred:
    """A batch run in this process when its result is asked for (nothing runs ahead)."""

    def __init__(self, fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
        self.fn, self.args = fn, args

    def result(self) -> Any:
        return self.fn(*self.args)

    def cancel(self) -> bool:
        return True


class LocalExecutor:
    """Everything in this process, in order (``--workers 1``)."""

    workers = 1
    name = "this process"

    def prepare(self, payload: bytes) -> bytes:  # noqa: D102
        return payload

    def submit(self, fn: Callable[..., Any], *args: Any) -> _Deferred:  # noqa: D102
        return _Deferred(fn, args)

    def release(self, payload: Any) -> None:  # noqa: D102
        pass

    def close(self, abort: bool = False) -> None:  # noqa: D102
        pass


PRELOAD = ["sim.model", "sim.sweep.worker", "sim.calibration.sampler", "pyabc"]
"""What the forkserver imports once, so that no worker pays pyabc's import (seconds) again."""


def _start_forkserver(context: Any) -> int | None:
    """Start the forkserver as a sweep does (``sim.sweep.backends``), preloading pyabc.

    Ctrl-C is blocked while it starts, so neither it nor the workers it forks ever see one
    (the calibration handles it); the environment tells it to die with this process.
    """
    from multiprocessing import forkserver, resource_tracker

    from sim.sweep.backends import sigint_blocked
    from sim.sweep.worker import SWEEP_PID_VAR

    context.set_forkserver_preload(PRELOAD)
    saved = os.environ.get(SWEEP_PID_VAR)
    os.environ[SWEEP_PID_VAR] = str(os.getpid())
    try:
        resource_tracker.ensure_running()
        with sigint_blocked():
            forkserver.ensure_running()
    finally:
        if saved is None:
            os.environ.pop(SWEEP_PID_VAR, None)
        else:
            os.environ[SWEEP_PID_VAR] = saved
    return getattr(getattr(forkserver, "_forkserver", None), "_forkserver_pid", None)


class PoolExecutor:
    """A process pool on this machine, started from a forkserver (as sweeps start theirs)."""

    name = "process pool"

    def __init__(self, workers: int) -> None:
        from sim.sweep.worker import worker_init

        self.workers = workers
        context = multiprocessing.get_context("forkserver")
        self._server_pid = _start_forkserver(context)
        self._pool = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=context,
            initializer=worker_init,
            initargs=(os.getpid(), self._server_pid),
        )

    def prepare(self, payload: bytes) -> bytes:  # noqa: D102
        return payload

    def submit(self, fn: Callable[..., Any], *args: Any) -> Future:  # noqa: D102
        return self._pool.submit(fn, *args)

    def release(self, payload: Any) -> None:  # noqa: D102
        pass

    def close(self, abort: bool = False) -> None:
        """Shut the pool down; ``abort``: at once, ending the workers mid-batch."""
        if not abort:
            self._pool.shutdown(wait=True)
            return
        processes = list((getattr(self._pool, "_processes", None) or {}).values())
        if self._server_pid is not None:
            with contextlib.suppress(OSError):
                os.kill(self._server_pid, signal.SIGKILL)
        for process in processes:
            with contextlib.suppress(OSError, ValueError, AttributeError):
                process.terminate()
        self._pool.shutdown(wait=False, cancel_futures=True)


class DaskExecutor:
    """A Dask cluster, by its scheduler's address or through an open ``Client``."""

    name = "Dask"

    def __init__(self, address: str | None = None, client: Any = None) -> None:
        try:
            from distributed import Client
        except ImportError:  # pragma: no cover - pyabc needs distributed
            raise ScenarioError(str(address), "--scheduler", "needs Dask (distributed)") from None
        self._own = client is None
        if client is None:
            try:
                client = Client(address, timeout="10s")
            except (OSError, TimeoutError, ValueError) as exc:
                raise ScenarioError(
                    str(address), "--scheduler", f"cannot reach the scheduler ({exc})"
                ) from None
        self.client = client
        self.workers = max(1, sum(client.nthreads().values()))

    def prepare(self, payload: bytes) -> Any:  # noqa: D102
        return self.client.scatter(payload, broadcast=True)

    def submit(self, fn: Callable[..., Any], *args: Any) -> Any:  # noqa: D102
        return self.client.submit(fn, *args, pure=False)

    def release(self, payload: Any) -> None:  # noqa: D102
        with contextlib.suppress(Exception):
            payload.release()

    def close(self, abort: bool = False) -> None:  # noqa: D102
        if self._own:
            self.client.close()


def make_executor(workers: int | None, scheduler: str | None = None) -> Any:
    """The executor the command line asks for: Dask, a pool, or this process."""
    if scheduler is not None:
        return DaskExecutor(scheduler)
    n = workers if workers is not None else (os.cpu_count() or 1)
    return LocalExecutor() if n <= 1 else PoolExecutor(n)
