"""The worker side of a sweep: one batch of runs, each with its time limit, in any process.

``run_batch`` is what a pool worker, a Dask worker or the sweep's own process runs. A run that
raises, or that is still going after ``run_timeout`` seconds, becomes an error row with its
seed; the batch goes on. Pool workers die with the sweep (``worker_init``), however it ends.
"""

from __future__ import annotations

import contextlib
import ctypes
import math
import os
import signal
import sys
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sim.errors import ScenarioError, shorten
from sim.sweep.plan import text_digest
from sim.sweep.spec import DEFAULT_RUN_TIMEOUT
from sim.sweep.store import coerce_parameter

MAX_ERROR_TEXT = 1000
"""Longest error text stored for a run that raised."""

SWEEP_PID_VAR = "NEGSIM_SWEEP_PID"
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


def point_scenario(base: Any, values: dict[str, Any]) -> Any:
    """The scenario of one design point: ``base`` with the point's values set.

    One definition for every place that rebuilds a run (the workers, the plots' replays), so
    a replayed run is the run that was recorded.
    """
    from sim.scenario import set_parameter

    scenario = base
    for path, value in values.items():
        scenario = set_parameter(scenario, path, value)
    return scenario


def run_batch(batch: Batch) -> tuple[int, list[dict[str, Any]], list[dict[str, Any]]]:
    """Run one batch; a run that raises or overruns is recorded with its error, not fatal."""
    from sim.model import NegotiationModel

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
                    cached, cached_point = point_scenario(base, values), point
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


def die_with_parent() -> None:
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


def worker_init(sweep_pid: int, server_pid: int | None) -> None:
    """Start a pool worker: Ctrl-C is the sweep's to handle, and the worker dies with it.

    Its parent is the forkserver, which dies with the sweep: the kernel ends the worker when
    the forkserver dies, and a thread ends it when the sweep or the forkserver is gone (the
    only way off Linux, and a second guard on it).
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    die_with_parent()
    if server_pid is not None and os.getppid() != server_pid:
        os._exit(1)  # the forkserver died before the kernel could be asked to tell us
    watch = threading.Thread(
        target=_watch, args=(sweep_pid, server_pid), daemon=True, name="negsim-watch"
    )
    watch.start()


# In the forkserver a sweep started (see ``_start_forkserver``): die with that sweep.
if os.environ.get(SWEEP_PID_VAR) == str(os.getppid()):
    die_with_parent()
