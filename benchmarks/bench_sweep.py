"""What negsim's sweep engine (``sim.sweep``) costs and what it buys, on usjapan_2019.

Every spec is written to a temporary folder: a grid over ``lobbies.ja_zenchu.strength``
(10 values) times enough replicates, master seed 2019. Six parts:

1. negsim's sweep (``load_spec`` + ``run_sweep``) against ``mesa.batch_run`` configured as its
   best users would: a model that keeps its parsed scenario per process
   (``CachedBatchNegotiationModel`` in ``_batchrun_model.py``), ``data_collection_period=-1``,
   ``number_processes`` equal to negsim's workers (1 and 2), the spawn start method batch_run
   forces, the plan's own seeds. Also, labelled as such, the model a naive user writes
   (``BatchNegotiationModel``: loads and validates the YAML scenario in every run). Same
   values, same seeds, outcomes ``[agreement, step]``; the results are checked to be identical.
2. The engine's own overhead over the bare model: the same runs as a plain loop of
   ``sim.model.NegotiationModel(scenario, rng=seed, collect=False, analyse=...).run()``
   (scenarios and seeds prepared outside the timing) against ``run_sweep`` inline (1 worker)
   and with a 2-process pool; per-run overhead in microseconds and percent.
3. The same sweep on a Dask ``LocalCluster`` (2 single-threaded worker processes) against the
   2-process pool; the cluster's start-up is timed but not counted.
4. Memory: the parent's RSS over a long sweep, negsim (results streamed to Parquet) and
   batch_run with the cached model (results kept in a list), 2 processes each.
5. Where the time goes: a worker batch under cProfile, and the parent's cost per batch.
6. Resume: a sweep interrupted after a few batches, then run again, against the same sweep run
   in one go.

Method. Every timed call of parts 1-4 runs in a fresh Python process started by this script
(``--child``), timed from after its imports: each engine pays its own worker start-up inside
the call (negsim's forkserver, batch_run's spawned workers), nobody inherits a warm pool. The
calls of a part are interleaved: each round runs every arm once, in an order rotated by one
from round to round (ABC, BCA, CAB, ...), for ``--repeat`` rounds (default 5). Figures are
medians over the rounds with [min, max]; a ratio is the median of the per-round ratios (the
two calls of a ratio ran minutes apart at most). Usage::

    .venv/bin/python benchmarks/bench_sweep.py                  # a few minutes on 2 cores
    .venv/bin/python benchmarks/bench_sweep.py --quick          # smoke test (figures meaningless)
    .venv/bin/python benchmarks/bench_sweep.py --runs-compare 2000 --runs-overhead 2000 \\
        --runs-dask 5000 --runs-memory 100000 --repeat 7        # the full measurement, ~40 min
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_run import code_state, quantile  # noqa: E402  (the same commit line in both)

import sim.model  # noqa: E402  (imported before any timer, as the rival imports mesa and its model)

SCENARIO = ROOT / "configs" / "usjapan_2019.yaml"
PARAMETER = "lobbies.ja_zenchu.strength"
VALUES = [0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0]
OUTCOMES_COMPARE = ["agreement", "step"]
OUTCOMES_SWEEP = ["agreement", "step", "date", "concessions"]

# Targets of the original sweep issue that still describe the engine itself. The issue's
# ">= 3x mesa.batch_run" is not one of them: it held only against the naive batch_run model.
TARGET_SCALING = 1.6
TARGET_DASK = 0.9
TARGET_MEMORY_MB = 300.0


# -- helpers -------------------------------------------------------------------------------


def write_spec(folder: Path, name: str, replicates: int, outcomes: list[str]) -> Path:
    """A grid spec over the farm lobby's strength (10 values) in ``folder``."""
    path = folder / f"{name}.yaml"
    path.write_text(
        f"scenario: {SCENARIO}\n"
        "design: grid\n"
        f"replicates: {replicates}\n"
        "seed: 2019\n"
        "parameters:\n"
        f"  {PARAMETER}: {json.dumps(VALUES)}\n"
        f"outcomes: {json.dumps(outcomes)}\n",
        encoding="utf-8",
    )
    return path


def load_average() -> str:
    """The 1, 5 and 15-minute load averages (Linux)."""
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "n/a"


def rss_mb() -> float:
    """Current resident set size of this process (MB), from /proc."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return math.nan


def maxrss_mb() -> float:
    """Peak resident set size of this process so far (MB; Linux reports KB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def watch_batches() -> list[tuple[float, int]]:
    """Record (time, runs) each time negsim's parent writes a finished batch (this process).

    ``Store.write_batch`` is wrapped, not changed: it gives the time to the first batch (the
    pool's start-up: workers importing mesa and negsim) and the steady rate after it. The time
    spent writing (Parquet file, fsync) is added up in ``WRITING``.
    """
    from sim.sweep import store

    marks: list[tuple[float, int]] = []
    original = store.Store.write_batch

    def write_batch(self: Any, index: int, rows: list[Any], series: Any) -> None:
        t = time.perf_counter()
        original(self, index, rows, series)
        done = time.perf_counter()
        WRITING[0] += done - t
        marks.append((done, len(rows)))

    store.Store.write_batch = write_batch  # type: ignore[method-assign]
    return marks


WRITING = [0.0]  # seconds spent in Store.write_batch in this (child) process


def watch_batch_run() -> list[tuple[float, int]]:
    """Record (time, 1) each time ``mesa.batch_run``'s parent receives a run's rows.

    batch_run calls ``update()`` on its tqdm bar once per finished run (even with
    ``display_progress=False``); the bar is replaced by a recorder, nothing else changes.
    """
    import mesa.batchrunner

    marks: list[tuple[float, int]] = []

    class Recorder:
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            pass

        def __enter__(self) -> Recorder:
            return self

        def __exit__(self, *exc: object) -> None:
            return None

        def update(self, n: int = 1) -> None:
            marks.append((time.perf_counter(), n))

    mesa.batchrunner.tqdm = Recorder  # type: ignore[attr-defined, assignment]
    return marks


def batch_figures(marks: list[tuple[float, int]], t0: float, runs: int) -> dict[str, float]:
    """First result after ``t0``, the steady rate after it, the implied fixed cost.

    The steady rate counts the runs after the first result over the time from the first to the
    last; the fixed cost is the whole call minus ``runs / steady rate`` (the call's intercept:
    start-up, first results, closing).
    """
    if len(marks) < 2:
        return {"first": math.nan, "steady_rate": math.nan}
    span = marks[-1][0] - marks[0][0]
    after = sum(n for _, n in marks[1:])
    return {
        "first": marks[0][0] - t0,
        "steady_rate": after / span if span > 0 else math.nan,
    }


def fixed_cost(result: dict[str, Any]) -> float:
    """The call's time minus its runs at the steady rate."""
    rate = result.get("steady_rate", math.nan)
    return result["seconds"] - result["runs"] / rate if rate and rate > 0 else math.nan


def fmt(xs: list[float], digits: int = 2, unit: str = "", scale: float = 1.0) -> str:
    """``median [min, max]`` of ``xs`` (NaNs dropped)."""
    s = [scale * x for x in xs if not math.isnan(x)]
    if not s:
        return "n/a"
    return f"{statistics.median(s):.{digits}f}{unit} [{min(s):.{digits}f}, {max(s):.{digits}f}]"


def fmt_iqr(xs: list[float], digits: int = 2, unit: str = "", scale: float = 1.0) -> str:
    """``median [min, max] (IQR q1-q3)`` of ``xs``."""
    s = [scale * x for x in xs if not math.isnan(x)]
    if not s:
        return "n/a"
    return (
        f"{fmt(s, digits, unit)} (IQR {quantile(s, 0.25):.{digits}f}-"
        f"{quantile(s, 0.75):.{digits}f})"
    )


def ratios(a: list[float], b: list[float]) -> list[float]:
    """Per-round ``a[i] / b[i]``."""
    return [x / y if y else math.nan for x, y in zip(a, b, strict=True)]


def col(results: list[dict[str, Any]], key: str) -> list[float]:
    """One figure of every round."""
    return [float(r.get(key, math.nan)) for r in results]


# -- the child side: one timed call in a fresh process ----------------------------------------


def child_negsim(task: dict[str, Any]) -> dict[str, Any]:
    """``load_spec`` + ``run_sweep`` on a process pool (workers > 1) or inline, timed.

    ``seconds`` is the whole call (``load_spec`` + ``run_sweep``), or ``run_sweep`` alone when
    ``task["time"] == "sweep"`` (part 2, where the bare loop's scenario is loaded untimed too).
    """
    from sim.sweep import load_spec, read_results, run_sweep

    marks = watch_batches()
    t0, c0 = time.perf_counter(), time.process_time()
    plan = load_spec(task["spec"])
    t_spec, c_spec = time.perf_counter(), time.process_time()
    run_sweep(
        plan,
        task["out"],
        workers=task["workers"],
        batch_size=task.get("batch_size"),
        progress=False,
    )
    t_end, cpu = time.perf_counter(), time.process_time() - c0
    t1 = time.perf_counter()
    frame = read_results(task["out"])
    read = time.perf_counter() - t1
    manifest = json.loads((Path(task["out"]) / "manifest.json").read_text())
    sweep_only = task.get("time") == "sweep"
    start = t_spec if sweep_only else t0
    return {
        "seconds": t_end - start,
        "load_spec": t_spec - t0,
        "parent_cpu": cpu - (c_spec - c0 if sweep_only else 0.0),
        "runs": len(frame),
        "errors": int(frame["error"].notna().sum()),
        "read_results": read,
        "writing": WRITING[0],
        "batch_size": manifest["batch_size"],
        **batch_figures(marks, start, len(frame)),
    }


def child_batch_run(task: dict[str, Any]) -> dict[str, Any]:
    """``mesa.batch_run`` over the same values and seeds, timed; its rows saved as Parquet."""
    import _batchrun_model
    import mesa
    import pandas as pd

    from sim.sweep import load_spec

    plan = load_spec(task["spec"])  # outside the timing: only to get the plan's seeds
    seeds = [plan.run(r).seed for r in range(plan.spec.replicates)]
    values = [p[PARAMETER] for p in plan.points]
    cls = getattr(_batchrun_model, task["model"])
    marks = watch_batch_run()
    t0, c0 = time.perf_counter(), time.process_time()
    rows = mesa.batch_run(
        cls,
        parameters={"scenario_path": str(plan.scenario_path), "strength": values},
        number_processes=task["workers"],
        data_collection_period=-1,
        max_steps=1_000_000,
        display_progress=False,
        rng=seeds,
    )
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    t1 = time.perf_counter()
    frame = pd.DataFrame(rows)
    to_frame = time.perf_counter() - t1
    frame.to_parquet(task["out"])
    return {
        "seconds": seconds,
        "parent_cpu": cpu,
        "runs": len(frame),
        "to_frame": to_frame,
        **batch_figures(marks, t0, len(frame)),
    }


def child_bare(task: dict[str, Any]) -> dict[str, Any]:
    """The plan's runs as a plain loop over ``NegotiationModel(...).run()``, timed.

    The scenario, its 10 variants and the seeds are prepared before the timing; the outcomes
    are kept in a list (as any loop would) and written as Parquet afterwards, for the check.
    """
    import pandas as pd

    from sim.model import NegotiationModel
    from sim.scenario import set_parameter
    from sim.sweep import load_spec
    from sim.sweep.spec import OUTCOME_GROUPS
    from sim.sweep.worker import flatten

    plan = load_spec(task["spec"])
    scenarios = [set_parameter(plan.scenario, PARAMETER, point[PARAMETER]) for point in plan.points]
    runs = [(r.run_id, r.point, r.seed) for r in plan.runs()]
    analyse = plan.analyse()
    outcomes = []
    t0, c0 = time.perf_counter(), time.process_time()
    for _, point, seed in runs:
        model = NegotiationModel(scenarios[point], rng=seed, collect=False, analyse=analyse)
        outcomes.append(model.run())
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    groups = [g for g in OUTCOME_GROUPS if g in (plan.spec.outcomes or OUTCOME_GROUPS)]
    frame = pd.DataFrame(
        [{"run_id": r[0], **flatten(o, groups)} for r, o in zip(runs, outcomes, strict=True)]
    )
    frame.to_parquet(task["out"])
    return {"seconds": seconds, "parent_cpu": cpu, "runs": len(runs), "analyse": analyse}


def child_dask(task: dict[str, Any]) -> dict[str, Any]:
    """The same sweep on a fresh Dask LocalCluster; its start-up timed apart."""
    from distributed import LocalCluster

    from sim.sweep import load_spec, read_results, run_sweep

    t0 = time.perf_counter()
    cluster = LocalCluster(
        n_workers=task["workers"],
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
    )
    startup = time.perf_counter() - t0
    marks = watch_batches()
    try:
        t1, c1 = time.perf_counter(), time.process_time()
        plan = load_spec(task["spec"])
        run_sweep(
            plan,
            task["out"],
            scheduler=cluster.scheduler_address,
            batch_size=task.get("batch_size"),
            progress=False,
        )
        seconds, cpu = time.perf_counter() - t1, time.process_time() - c1
    finally:
        t2 = time.perf_counter()
        cluster.close()
        close = time.perf_counter() - t2
    frame = read_results(task["out"])
    manifest = json.loads((Path(task["out"]) / "manifest.json").read_text())
    return {
        "seconds": seconds,
        "parent_cpu": cpu,
        "startup": startup,
        "close": close,
        "runs": len(frame),
        "errors": int(frame["error"].notna().sum()),
        "batch_size": manifest["batch_size"],
        **batch_figures(marks, t1, len(frame)),
    }


def sample_rss(t0: float) -> tuple[list[tuple[float, float]], Callable[[], None]]:
    """Sample this process's RSS every second from ``t0``; returns (samples, stop)."""
    samples: list[tuple[float, float]] = []
    stop = threading.Event()

    def sample() -> None:
        while not stop.wait(1.0):
            samples.append((time.perf_counter() - t0, rss_mb()))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()

    def done() -> None:
        stop.set()
        sampler.join()

    return samples, done


def child_memory(task: dict[str, Any]) -> dict[str, Any]:
    """A long negsim sweep with 2 workers; this process's peak RSS, sampled RSS over time."""
    from sim.sweep import load_spec, run_sweep

    marks = watch_batches()
    plan = load_spec(task["spec"])
    gc.collect()
    before, rss_before = maxrss_mb(), rss_mb()
    t0 = time.perf_counter()
    samples, done = sample_rss(t0)
    c0 = time.process_time()
    result = run_sweep(plan, task["out"], workers=task["workers"], progress=False)
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    done()
    peak, rss_after = maxrss_mb(), rss_mb()
    manifest = json.loads((Path(task["out"]) / "manifest.json").read_text())
    parts = list((Path(task["out"]) / "runs").glob("part-*.parquet"))
    # Reading everything back is not part of the figure: measured after the peak.
    from sim.sweep import read_results

    t1 = time.perf_counter()
    frame = read_results(task["out"])
    read = time.perf_counter() - t1
    return {
        "seconds": seconds,
        "parent_cpu": cpu,
        "maxrss_before_mb": before,
        "maxrss_mb": peak,
        "rss_before_mb": rss_before,
        "rss_growth_mb": max([m for _, m in samples] + [rss_after]) - rss_before,
        "rss_samples": samples,
        "runs": result.ran_now,
        "rows_read": len(frame),
        "errors": result.errors,
        "batch_size": manifest["batch_size"],
        "parts": len(parts),
        "disk_mb": sum(p.stat().st_size for p in parts) / 2**20,
        "read_seconds": read,
        "maxrss_after_read_mb": maxrss_mb(),
        **batch_figures(marks, t0, result.ran_now),
    }


def child_memory_batch_run(task: dict[str, Any]) -> dict[str, Any]:
    """The same runs through ``mesa.batch_run`` (cached model); the parent's RSS."""
    import _batchrun_model
    import mesa

    from sim.sweep import load_spec

    plan = load_spec(task["spec"])
    seeds = [plan.run(r).seed for r in range(plan.spec.replicates)]
    values = [p[PARAMETER] for p in plan.points]
    gc.collect()
    before, rss_before = maxrss_mb(), rss_mb()
    t0 = time.perf_counter()
    samples, done = sample_rss(t0)
    rows = mesa.batch_run(
        _batchrun_model.CachedBatchNegotiationModel,
        parameters={"scenario_path": str(plan.scenario_path), "strength": values},
        number_processes=task["workers"],
        data_collection_period=-1,
        max_steps=1_000_000,
        display_progress=False,
        rng=seeds,
    )
    seconds = time.perf_counter() - t0
    done()
    rss_after = rss_mb()
    return {
        "seconds": seconds,
        "maxrss_before_mb": before,
        "maxrss_mb": maxrss_mb(),
        "rss_before_mb": rss_before,
        "rss_growth_mb": max([m for _, m in samples] + [rss_after]) - rss_before,
        "rss_samples": samples,
        "runs": len(rows),
    }


CHILDREN = {
    "negsim": child_negsim,
    "batch_run": child_batch_run,
    "bare": child_bare,
    "dask": child_dask,
    "memory": child_memory,
    "memory_batch_run": child_memory_batch_run,
}


def in_child(task: dict[str, Any]) -> dict[str, Any]:
    """Run ``task`` in a fresh Python process (this script with ``--child``); its result."""
    load_before = load_average()
    proc = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--child", json.dumps(task)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    if proc.returncode != 0:
        raise SystemExit(f"child {task['kind']} failed (exit {proc.returncode})")
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    out["load"] = f"{load_before} -> {load_average()}"
    return out


def interleaved(
    arms: list[tuple[str, str, dict[str, Any]]], repeat: int
) -> dict[str, list[dict[str, Any]]]:
    """Run every arm once per round, ``repeat`` rounds, the order rotated each round.

    ``arms`` are (key, label, task); each call writes to its own output (``out-<round>``).
    Returns key -> the results of every round, in round order.
    """
    results: dict[str, list[dict[str, Any]]] = {key: [] for key, _, _ in arms}
    k = len(arms)
    for r in range(repeat):
        order = arms[r % k :] + arms[: r % k]
        for key, label, task in order:
            t = dict(task, out=f"{task['out']}-{r}")
            res = in_child(t)
            res["out"] = t["out"]
            results[key].append(res)
            print(
                f"    round {r + 1}/{repeat}  {label:<44} {res['seconds']:7.2f} s  "
                f"(load {res['load']})",
                flush=True,
            )
    return results


# -- checks of the results ---------------------------------------------------------------------


def same_results(negsim_out: str, batch_out: str) -> str:
    """Whether the two engines produced the same (strength, seed) -> agreement, step."""
    import pandas as pd

    from sim.sweep import read_results

    a = read_results(negsim_out)
    b = pd.read_parquet(batch_out)
    merged = a.merge(
        b, left_on=[PARAMETER, "seed"], right_on=["strength", "rng"], suffixes=("", "_b")
    )
    same = (
        len(merged) == len(a) == len(b)
        and bool((merged["agreement"] == merged["agreement_b"]).all())
        and bool((merged["step"] == merged["step_b"]).all())
    )
    return f"{'identical' if same else 'DIFFERENT'} ({len(merged)} of {len(a)} runs matched)"


def same_sweeps(outs: list[str], bare: str | None = None) -> str:
    """Whether negsim sweeps (and the bare loop's outcomes) agree column by column."""
    import pandas as pd

    from sim.sweep import read_results

    frames = [read_results(o).set_index("run_id").sort_index() for o in outs]
    first = frames[0]
    same = all(f.equals(first) for f in frames[1:])
    text = f"{len(outs)} sweeps {'identical' if same else 'DIFFERENT'}"
    if bare is not None:
        b = pd.read_parquet(bare).set_index("run_id").sort_index()
        cols = [c for c in b.columns if c in first.columns]
        ok = len(b) == len(first) and all(
            bool(((b[c] == first[c]) | (b[c].isna() & first[c].isna())).all()) for c in cols
        )
        text += f"; bare loop {'identical' if ok else 'DIFFERENT'} on {len(cols)} columns"
    return f"{text} ({len(first)} runs)"


# -- in this process: where the time goes, resume ---------------------------------------------


def where_time_goes(spec: Path, folder: Path, top: int, repeat: int) -> dict[str, float]:
    """Profile one worker batch in this process and time the parent's work per batch."""
    import cProfile
    import io
    import pickle
    import pstats

    from sim.sweep import load_spec
    from sim.sweep.runner import default_batch_size, make_batches, run_batch
    from sim.sweep.store import Store

    plan = load_spec(spec)
    size = default_batch_size(plan.n_runs, 2)
    t0 = time.perf_counter()
    batches = list(make_batches(plan, size, set()))
    make = (time.perf_counter() - t0) / len(batches)
    batch = batches[len(batches) // 2]
    run_batch(batches[0])  # warm: imports, the scenario cache

    # The same runs without the sweep around them: the model alone.
    from sim.scenario import set_parameter

    base = plan.scenario
    scenarios = {
        p: set_parameter(base, PARAMETER, plan.points[p][PARAMETER])
        for p in {r[1] for r in batch.runs}
    }

    def bare_runs() -> None:
        for _, point, _, seed in batch.runs:
            sim.NegotiationModel(
                scenarios[point], rng=seed, collect=False, analyse=batch.analyse
            ).run()

    # Interleaved, ``repeat`` times each: the machine may be shared.
    worker: list[float] = []
    bare: list[float] = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        index, rows, series = run_batch(batch)
        worker.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        bare_runs()
        bare.append(time.perf_counter() - t0)
    n = len(rows)
    diff = [1e6 * (w - b) / n for w, b in zip(worker, bare, strict=True)]
    pct = [100 * (w - b) / b for w, b in zip(worker, bare, strict=True)]

    prof = cProfile.Profile()
    prof.enable()
    run_batch(batch)
    prof.disable()
    text = io.StringIO()
    pstats.Stats(prof, stream=text).sort_stats("cumulative").print_stats(top)

    t0 = time.perf_counter()
    blob_in = pickle.dumps(batch)
    blob_out = pickle.dumps((index, rows, series))
    pickle.loads(blob_out)
    transfer = time.perf_counter() - t0

    store = Store(folder / "store-probe", plan)
    store.prepare(size, "processes", 2)
    k = 5
    t0 = time.perf_counter()
    for i in range(k):
        store.write_batch(i, rows, series)
    write = (time.perf_counter() - t0) / k
    median_worker = statistics.median(worker)

    print(
        f"  one worker batch of {n} runs ({repeat} times, alternating with the same runs bare):"
        f" run_batch {fmt(worker, 2, ' ms/run', 1e3 / n)}; bare "
        f"{fmt(bare, 2, ' ms/run', 1e3 / n)}; difference {fmt(diff, 0, ' µs/run')} = "
        f"{fmt(pct, 1, '%')}"
    )
    print(
        f"  parent per batch: making it {1e3 * make:.2f} ms, pickling it "
        f"({len(blob_in)} B) and the result ({len(blob_out)} B) + unpickling "
        f"{1e3 * transfer:.2f} ms, writing its Parquet file (fsync) {1e3 * write:.2f} ms "
        f"-> {1e6 * (make + transfer + write) / n:.0f} µs per run, "
        f"{100 * (make + transfer + write) / median_worker:.1f}% of the batch's run time"
    )
    print(f"  cProfile of one worker batch (top {top} by cumulative time):")
    for line in text.getvalue().splitlines():
        if line.strip():
            print("    " + line)
    return {
        "worker_us": statistics.median(diff),
        "worker_pct": statistics.median(pct),
        "parent_pct": 100 * (make + transfer + write) / median_worker,
        "parent_us": 1e6 * (make + transfer + write) / n,
        "batch_size": n,
    }


def resume_check(folder: Path) -> str:
    """Interrupt an inline sweep after 3 batches, run it again; compare with one go."""
    from sim.sweep import SweepInterrupted, load_spec, read_results, run_sweep
    from sim.sweep import store as store_module

    spec = write_spec(folder, "resume", 10, OUTCOMES_SWEEP)
    plan = load_spec(spec)
    original = store_module.Store.write_batch
    calls = 0

    def interrupting(self: Any, index: int, rows: list[Any], series: Any) -> None:
        nonlocal calls
        if calls == 3:
            raise KeyboardInterrupt  # what Ctrl-C does between two batches
        calls += 1
        original(self, index, rows, series)

    store_module.Store.write_batch = interrupting  # type: ignore[method-assign]
    try:
        run_sweep(plan, folder / "resume", workers=1, batch_size=10, progress=False)
        interrupted = "not interrupted (?)"
    except SweepInterrupted as exc:
        interrupted = f"interrupted with {exc.runs_done} of {exc.n_runs} runs saved"
    finally:
        store_module.Store.write_batch = original  # type: ignore[method-assign]
    again = run_sweep(load_spec(spec), folder / "resume", workers=2, progress=False)
    whole = run_sweep(load_spec(spec), folder / "one-go", workers=1, batch_size=10, progress=False)
    a = read_results(folder / "resume").set_index("run_id").sort_index()
    b = read_results(folder / "one-go").set_index("run_id").sort_index()
    return (
        f"{plan.n_runs}-run sweep, batches of 10: {interrupted}; the same command again "
        f"(with 2 workers this time) ran the other {again.ran_now}; "
        f"result {'identical to' if a.equals(b) else 'DIFFERENT from'} the sweep run in one go "
        f"({whole.ran_now} runs)"
    )


# -- the parent side ---------------------------------------------------------------------------


def check(value: float, target: float, higher: bool = True) -> str:
    """'met' or 'NOT met' for ``value`` against ``target``."""
    ok = value >= target if higher else value < target
    return "met" if ok else "NOT met"


def part_compare(args: argparse.Namespace, folder: Path, table: list[tuple[str, str, str]]) -> None:
    """Part 1: negsim against mesa.batch_run (cached model; naive model labelled)."""
    n = len(VALUES)
    reps = max(1, args.runs_compare // n)
    spec = write_spec(folder, "compare", reps, OUTCOMES_COMPARE)
    load_ms = scenario_load_ms()
    print(
        f"\n(1) negsim sweep vs mesa.batch_run: {n * reps} runs, outcomes {OUTCOMES_COMPARE}, "
        f"the whole call timed, {args.repeat} interleaved rounds\n"
        f"    the naive batch_run model's extra work per run: load_scenario(path, overrides) "
        f"= {load_ms:.1f} ms here (median of 20, in this process)",
        flush=True,
    )
    arms: list[tuple[str, str, dict[str, Any]]] = []
    for procs in (1, 2):
        arms.append(
            (
                f"negsim-{procs}",
                f"negsim load_spec+run_sweep, {procs} proc",
                {
                    "kind": "negsim",
                    "spec": str(spec),
                    "workers": procs,
                    "out": str(folder / f"cmp-negsim-{procs}"),
                },
            )
        )
        for model, short in (
            ("CachedBatchNegotiationModel", "cached"),
            ("BatchNegotiationModel", "naive"),
        ):
            arms.append(
                (
                    f"{short}-{procs}",
                    f"batch_run, {short} model, {procs} proc",
                    {
                        "kind": "batch_run",
                        "spec": str(spec),
                        "workers": procs,
                        "model": model,
                        "out": str(folder / f"cmp-br-{short}-{procs}.parquet"),
                    },
                )
            )
    res = interleaved(arms, args.repeat)
    for procs in (1, 2):
        ns = res[f"negsim-{procs}"]
        t_ns = col(ns, "seconds")
        runs = ns[0]["runs"]
        print(f"  {procs} process(es), {runs} runs; median [min, max] over {args.repeat} rounds:")
        print(
            f"    negsim (load_spec + run_sweep, Parquet on disk)   {fmt_iqr(t_ns, 2, ' s')}; "
            f"steady {fmt(col(ns, 'steady_rate'), 0, ' runs/s')}, fixed cost "
            f"{fmt([fixed_cost(r) for r in ns], 2, ' s')} (first batch after "
            f"{fmt(col(ns, 'first'), 2, ' s')}, batch size {ns[0]['batch_size']}, writing the "
            f"Parquet files {fmt(col(ns, 'writing'), 2, ' s')}, load_spec "
            f"{fmt(col(ns, 'load_spec'), 2, ' s')})"
        )
        for short, label in (
            ("cached", "batch_run, scenario cached per process (rival)"),
            ("naive", "batch_run, naive model (YAML loaded per run)"),
        ):
            br = res[f"{short}-{procs}"]
            t_br = col(br, "seconds")
            speed = ratios(t_br, t_ns)
            steady = ratios(col(ns, "steady_rate"), col(br, "steady_rate"))
            # 1 process: both sides run in the timed process, so its CPU time is the whole
            # work, and less sensitive than wall time to other work on the machine
            cpu = ratios(col(br, "parent_cpu"), col(ns, "parent_cpu"))
            cpu_text = (
                f", {fmt(cpu, 2, 'x')} CPU time ({fmt(col(ns, 'parent_cpu'), 2, ' s')} vs "
                f"{fmt(col(br, 'parent_cpu'), 2, ' s')})"
                if procs == 1
                else ""
            )
            print(
                f"    {label:<50}{fmt_iqr(t_br, 2, ' s')}; steady "
                f"{fmt(col(br, 'steady_rate'), 0, ' runs/s')}, fixed cost "
                f"{fmt([fixed_cost(r) for r in br], 2, ' s')}\n"
                f"      negsim's speed relative to it: {fmt(speed, 2, 'x')} whole call, "
                f"{fmt(steady, 2, 'x')} steady rate{cpu_text}; results "
                f"{same_results(ns[0]['out'], br[0]['out'])}"
            )
            what = (
                "batch_run with the scenario cached per process"
                if short == "cached"
                else "naive batch_run model (reloads the YAML every run; not the comparison)"
            )
            table.append(
                (
                    f"(1) negsim speed / {what}, {procs} process(es), {runs} runs, whole call",
                    f"{fmt(speed, 2, 'x')} ({statistics.median(t_ns):.2f} s vs "
                    f"{statistics.median(t_br):.2f} s)",
                    "",
                )
            )
            if short == "cached":
                table.append(
                    (
                        f"(1) same, steady rate (start-up excluded), {procs} process(es)",
                        f"{fmt(steady, 2, 'x')}",
                        "",
                    )
                )
                if procs == 1:
                    table.append(
                        ("(1) same, CPU time of the timed process, 1 process", fmt(cpu, 2, "x"), "")
                    )


def scenario_load_ms() -> float:
    """What the naive batch_run model adds per run: loading the scenario with its override."""
    times = []
    for i in range(21):
        t0 = time.perf_counter()
        sim.load_scenario(SCENARIO, {PARAMETER: VALUES[i % len(VALUES)]})
        times.append(time.perf_counter() - t0)
    return 1e3 * statistics.median(times[1:])


def part_overhead(
    args: argparse.Namespace, folder: Path, table: list[tuple[str, str, str]]
) -> None:
    """Part 2: the bare loop against run_sweep inline and with 2 processes."""
    n = len(VALUES)
    reps = max(1, args.runs_overhead // n)
    spec = write_spec(folder, "overhead", reps, OUTCOMES_SWEEP)
    print(
        f"\n(2) the engine's overhead over the bare model: {n * reps} runs, outcomes "
        f"{OUTCOMES_SWEEP} (analyse=False), {args.repeat} interleaved rounds; load_spec and "
        "the bare loop's scenario loading outside the timing",
        flush=True,
    )
    arms = [
        (
            "bare",
            "bare loop NegotiationModel(...).run()",
            {"kind": "bare", "spec": str(spec), "out": str(folder / "oh-bare.parquet")},
        ),
        (
            "inline",
            "run_sweep(workers=1), inline",
            {
                "kind": "negsim",
                "spec": str(spec),
                "workers": 1,
                "time": "sweep",
                "out": str(folder / "oh-inline"),
            },
        ),
        (
            "pool",
            "run_sweep(workers=2), process pool",
            {
                "kind": "negsim",
                "spec": str(spec),
                "workers": 2,
                "time": "sweep",
                "out": str(folder / "oh-pool"),
            },
        ),
    ]
    res = interleaved(arms, args.repeat)
    bare, inline, pool = res["bare"], res["inline"], res["pool"]
    runs = bare[0]["runs"]
    t_bare, t_in, t_pool = col(bare, "seconds"), col(inline, "seconds"), col(pool, "seconds")
    per_bare = [1e6 * t / runs for t in t_bare]
    # inline: the extra wall time per run, paired with the same round's bare loop
    in_us = [1e6 * (a - b) / runs for a, b in zip(t_in, t_bare, strict=True)]
    in_pct = [100 * (a - b) / b for a, b in zip(t_in, t_bare, strict=True)]
    in_steady = [1e6 / r["steady_rate"] - pb for r, pb in zip(inline, per_bare, strict=True)]
    # the same on CPU time (both run in the timed process): less sensitive to a shared machine
    c_bare, c_in = col(bare, "parent_cpu"), col(inline, "parent_cpu")
    in_cpu_us = [1e6 * (a - b) / runs for a, b in zip(c_in, c_bare, strict=True)]
    in_cpu_pct = [100 * (a - b) / b for a, b in zip(c_in, c_bare, strict=True)]
    # 2 processes: core time (2 x wall) against the bare loop's, i.e. against perfect scaling
    pool_us = [1e6 * (2 * a - b) / runs for a, b in zip(t_pool, t_bare, strict=True)]
    pool_pct = [100 * (2 * a - b) / b for a, b in zip(t_pool, t_bare, strict=True)]
    pool_steady = [2e6 / r["steady_rate"] - pb for r, pb in zip(pool, per_bare, strict=True)]
    scaling = ratios(t_in, t_pool)
    steady_scaling = ratios(col(pool, "steady_rate"), col(inline, "steady_rate"))
    print(f"  {runs} runs; median [min, max] over {args.repeat} rounds:")
    print(
        f"    bare loop                     {fmt_iqr(t_bare, 2, ' s')} = "
        f"{fmt(per_bare, 0, ' µs/run')}"
    )
    print(
        f"    run_sweep inline (1 worker)   {fmt_iqr(t_in, 2, ' s')}; overhead "
        f"{fmt(in_us, 0, ' µs/run')} = {fmt(in_pct, 1, '%')} of the bare loop; after the "
        f"first batch {fmt(in_steady, 0, ' µs/run')} (first batch after "
        f"{fmt(col(inline, 'first'), 2, ' s')}, batch size {inline[0]['batch_size']}; "
        f"writing the Parquet files {fmt(col(inline, 'writing'), 2, ' s')})\n"
        f"      on CPU time: bare {fmt(c_bare, 0, ' µs/run', 1e6 / runs)}, inline "
        f"{fmt(c_in, 0, ' µs/run', 1e6 / runs)}; overhead {fmt(in_cpu_us, 0, ' µs/run')} = "
        f"{fmt(in_cpu_pct, 1, '%')}"
    )
    print(
        f"    run_sweep, 2 processes        {fmt_iqr(t_pool, 2, ' s')}; against perfect "
        f"scaling of the bare loop (its time / 2): overhead {fmt(pool_us, 0, ' µs/run')} of "
        f"core time (2 x wall - bare) = {fmt(pool_pct, 1, '%')}; after the first batch "
        f"{fmt(pool_steady, 0, ' µs/run')} (first batch after "
        f"{fmt(col(pool, 'first'), 2, ' s')}: the forkserver and its workers start; parent "
        f"CPU {fmt(col(pool, 'parent_cpu'), 1, ' s')}; writing the Parquet files "
        f"{fmt(col(pool, 'writing'), 2, ' s')})"
    )
    print(
        f"    scaling inline -> 2 processes: {fmt(scaling, 2, 'x')} whole call, "
        f"{fmt(steady_scaling, 2, 'x')} after the first batch; load_spec (not timed above) "
        f"{fmt(col(inline, 'load_spec'), 2, ' s')}"
    )
    check_text = same_sweeps([inline[0]["out"], pool[0]["out"]], bare[0]["out"])
    print(f"    results: {check_text}")
    table += [
        (f"(2) bare model loop, {runs} runs", f"{fmt(per_bare, 0, ' µs/run')}", ""),
        (
            "(2) run_sweep inline: overhead over the bare loop, whole call",
            f"{fmt(in_us, 0, ' µs/run')} = {fmt(in_pct, 1, '%')}",
            "",
        ),
        (
            "(2) same, on CPU time",
            f"{fmt(in_cpu_us, 0, ' µs/run')} = {fmt(in_cpu_pct, 1, '%')}",
            "",
        ),
        (
            "(2) run_sweep, 2 processes: overhead over perfect scaling, whole call",
            f"{fmt(pool_us, 0, ' µs/run')} = {fmt(pool_pct, 1, '%')}",
            "",
        ),
        (
            "(2) run_sweep, 2 processes: same, after the first batch",
            f"{fmt(pool_steady, 0, ' µs/run')}",
            "",
        ),
        (
            "(2) scaling inline -> 2 processes, whole call",
            f"{fmt(scaling, 2, 'x')}",
            f">= {TARGET_SCALING:g}x: {check(statistics.median(scaling), TARGET_SCALING)}",
        ),
        (
            "(2) same, after the first batch",
            f"{fmt(steady_scaling, 2, 'x')}",
            f"(>= {TARGET_SCALING:g}x: {check(statistics.median(steady_scaling), TARGET_SCALING)})",
        ),
    ]


def part_dask(args: argparse.Namespace, folder: Path, table: list[tuple[str, str, str]]) -> None:
    """Part 3: Dask LocalCluster against the process pool, 2 workers each."""
    n = len(VALUES)
    reps = max(1, args.runs_dask // n)
    spec = write_spec(folder, "dask", reps, OUTCOMES_SWEEP)
    print(
        f"\n(3) Dask LocalCluster vs the process pool, 2 workers: {n * reps} runs, outcomes "
        f"{OUTCOMES_SWEEP}, {args.repeat} interleaved rounds (the cluster's start-up not "
        "counted, the pool's counted)",
        flush=True,
    )
    arms = [
        (
            "pool",
            "run_sweep, process pool, 2 workers",
            {"kind": "negsim", "spec": str(spec), "workers": 2, "out": str(folder / "dk-pool")},
        ),
        (
            "dask",
            "run_sweep, Dask LocalCluster, 2 workers",
            {"kind": "dask", "spec": str(spec), "workers": 2, "out": str(folder / "dk-dask")},
        ),
    ]
    res = interleaved(arms, args.repeat)
    pool, dk = res["pool"], res["dask"]
    speed = ratios(col(pool, "seconds"), col(dk, "seconds"))
    steady = ratios(col(dk, "steady_rate"), col(pool, "steady_rate"))
    print(
        f"    pool {fmt_iqr(col(pool, 'seconds'), 2, ' s')}; Dask "
        f"{fmt_iqr(col(dk, 'seconds'), 2, ' s')} (cluster start-up "
        f"{fmt(col(dk, 'startup'), 2, ' s')}, close {fmt(col(dk, 'close'), 2, ' s')})\n"
        f"    Dask's speed relative to the pool: {fmt(speed, 2, 'x')} whole call, "
        f"{fmt(steady, 2, 'x')} after the first batch; results "
        f"{same_sweeps([pool[0]['out'], dk[0]['out']])}"
    )
    table += [
        (
            f"(3) Dask LocalCluster / process pool, 2 workers, {pool[0]['runs']} runs, whole call",
            f"{fmt(speed, 2, 'x')} (cluster start-up {fmt(col(dk, 'startup'), 1, ' s')} "
            "not counted)",
            f">= {TARGET_DASK:g}x: {check(statistics.median(speed), TARGET_DASK)}",
        ),
        (
            "(3) same, after the first batch",
            f"{fmt(steady, 2, 'x')}",
            f"(>= {TARGET_DASK:g}x: {check(statistics.median(steady), TARGET_DASK)})",
        ),
    ]


def part_memory(args: argparse.Namespace, folder: Path, table: list[tuple[str, str, str]]) -> None:
    """Part 4: the parent's memory over a long sweep, negsim and batch_run (cached)."""
    n = len(VALUES)
    reps = max(1, args.runs_memory // n)
    spec = write_spec(folder, "memory", reps, OUTCOMES_SWEEP)
    print(
        f"\n(4) parent's memory: {n * reps} runs, 2 processes, one call each (memory is not "
        "noisy the way time is); negsim outcomes "
        f"{OUTCOMES_SWEEP}, batch_run's rows [agreement, step]",
        flush=True,
    )
    mem = in_child(
        {"kind": "memory", "spec": str(spec), "workers": 2, "out": str(folder / "memory")}
    )
    print(
        f"  negsim: {mem['runs']} runs ({mem['errors']} errors) in {mem['seconds']:.1f} s; "
        f"batch size {mem['batch_size']}, {mem['parts']} Parquet files, "
        f"{mem['disk_mb']:.1f} MB on disk; parent CPU {mem['parent_cpu']:.1f} s\n"
        f"    {memory_text(mem)}\n"
        f"    reading the {mem['rows_read']} rows back (read_results, not counted): "
        f"{mem['read_seconds']:.2f} s, peak RSS then {mem['maxrss_after_read_mb']:.0f} MB",
        flush=True,
    )
    br = in_child(
        {"kind": "memory_batch_run", "spec": str(spec), "workers": 2, "out": str(folder / "x")}
    )
    print(
        f"  batch_run (cached model): {br['runs']} rows in {br['seconds']:.1f} s\n"
        f"    {memory_text(br)}"
    )
    table += [
        (
            f"(4) negsim parent: peak RSS; growth of the RSS during the call, after its first "
            f"second; {mem['runs']} runs, 2 processes",
            f"{mem['maxrss_mb']:.0f} MB; +{mem['rss_growth_mb']:.1f} MB, "
            f"+{late_growth(mem):.1f} MB",
            f"< {TARGET_MEMORY_MB:g} MB: {check(mem['maxrss_mb'], TARGET_MEMORY_MB, higher=False)}",
        ),
        (
            f"(4) batch_run parent: same, {br['runs']} runs, 2 processes",
            f"{br['maxrss_mb']:.0f} MB; +{br['rss_growth_mb']:.1f} MB, +{late_growth(br):.1f} MB",
            "",
        ),
    ]


def memory_text(r: dict[str, Any]) -> str:
    """The parent's peak RSS, its RSS before the call, its growth, samples over time."""
    samples = r["rss_samples"]
    shown = [samples[round(i * (len(samples) - 1) / 4)] for i in range(5)] if samples else []
    return (
        f"parent peak RSS (ru_maxrss) {r['maxrss_mb']:.1f} MB ({r['maxrss_before_mb']:.1f} MB "
        f"after imports and load_spec); RSS {r['rss_before_mb']:.1f} MB before the call, "
        f"growth during it +{r['rss_growth_mb']:.1f} MB, of which after the first second "
        f"+{late_growth(r):.1f} MB; RSS over time: "
        + ", ".join(f"{t:.0f} s {m:.1f} MB" for t, m in shown)
    )


def late_growth(r: dict[str, Any]) -> float:
    """RSS growth from the first sample (after 1 s: start-up done) to the last."""
    samples = r["rss_samples"]
    return samples[-1][1] - samples[0][1] if len(samples) > 1 else math.nan


def main(argv: list[str] | None = None) -> int:
    """Run the measurements and print the table."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs-compare", type=int, default=300, help="runs for (1)")
    ap.add_argument("--runs-overhead", type=int, default=500, help="runs for (2) and (5)")
    ap.add_argument("--runs-dask", type=int, default=1000, help="runs for (3)")
    ap.add_argument("--runs-memory", type=int, default=10_000, help="runs for (4)")
    ap.add_argument("--repeat", type=int, default=5, help="interleaved rounds (>= 5 to report)")
    ap.add_argument("--quick", action="store_true", help="sizes and rounds cut (smoke test)")
    ap.add_argument("--skip", default="", help="parts to skip, e.g. '4' or '3,4,5'")
    ap.add_argument("--top", type=int, default=20, help="cProfile lines in (5)")
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)

    if args.child:
        task = json.loads(args.child)
        print(json.dumps(CHILDREN[task["kind"]](task)))
        return 0

    if args.quick:
        args.runs_compare, args.runs_overhead, args.runs_dask = 100, 100, 200
        args.runs_memory = min(args.runs_memory, 1000)
        args.repeat = min(args.repeat, 2)
    skip = {s.strip() for s in args.skip.split(",") if s.strip()}

    print(f"code: {code_state()}")
    print(
        f"negsim {sim.__version__}, Python {platform.python_version()} ({platform.machine()}), "
        f"{os.cpu_count()} CPUs, load average {load_average()}"
    )
    import mesa

    print(
        f"mesa {mesa.__version__}; scenario usjapan_2019; grid over {PARAMETER} "
        f"({len(VALUES)} values); {args.repeat} interleaved rounds per comparison"
    )
    if args.repeat < 5:
        print("note: fewer than 5 rounds: not enough to report medians")
    started = time.perf_counter()
    folder = Path(tempfile.mkdtemp(prefix="bench_sweep-"))
    table: list[tuple[str, str, str]] = []
    try:
        if "1" not in skip:
            part_compare(args, folder, table)
        if "2" not in skip:
            part_overhead(args, folder, table)
        if "3" not in skip:
            part_dask(args, folder, table)
        if "4" not in skip:
            part_memory(args, folder, table)
        if "5" not in skip:
            print("\n(5) where the time goes (in this process)")
            reps = max(1, args.runs_overhead // len(VALUES))
            spec = write_spec(folder, "profile", reps, OUTCOMES_SWEEP)
            w = where_time_goes(spec, folder, args.top, args.repeat)
            table.append(
                (
                    f"(5) in a worker: run_batch over the same runs bare ({w['batch_size']} runs)",
                    f"{w['worker_us']:+.0f} µs/run = {w['worker_pct']:+.1f}% (median)",
                    "",
                )
            )
            table.append(
                (
                    "(5) in the parent, per run (making, pickling, writing batches)",
                    f"{w['parent_us']:.0f} µs/run = {w['parent_pct']:.1f}% of the run time",
                    "",
                )
            )
        if "6" not in skip:
            print("\n(6) resume (in this process)")
            text = resume_check(folder)
            print(f"  {text}")
            table.append(("(6) resume after an interrupt", text.split("; result ")[-1], ""))
    finally:
        if args.keep:
            print(f"\nkept {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)

    print(
        f"\nload average after: {load_average()}; "
        f"{(time.perf_counter() - started) / 60:.1f} min in all"
    )
    print("\nmedian [min, max] over the rounds\n")
    print("| measure | figure | target (original sweep issue) |")
    print("|---|---|---|")
    for row in table:
        print(f"| {row[0]} | {row[1]} | {row[2]} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
