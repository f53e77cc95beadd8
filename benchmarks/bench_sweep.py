"""Throughput, scaling and memory of negsim's sweep engine (``sim.sweep``) on usjapan_2019.

Every spec is written to a temporary folder: a grid over ``lobbies.ja_zenchu.strength``
(10 values) times enough replicates. Four measurements, then where the time goes:

1. negsim's sweep (``load_spec`` + ``run_sweep``) against ``mesa.batch_run`` over the same
   model, the same parameter values and the same seeds, with 1 and 2 processes; outcomes
   ``[agreement, step]``, which batch_run collects with a ``DataCollector`` once per run (see
   ``_batchrun_model.py``). Both results are checked to be identical.
2. negsim's sweep with 1 worker (in-process) and with 2 (a local process pool).
3. the same sweep on a Dask ``LocalCluster`` of 2 single-threaded worker processes, against
   the process pool with 2 workers (the cluster's start-up is timed but not counted).
4. the parent process's peak memory (``ru_maxrss``) over a 100,000-run sweep, 2 workers.
5. where the time goes: a worker batch under cProfile, and the parent's cost per batch.

Each timed call runs in a fresh Python process started by this script (``--child``), after
its imports: so both engines pay their own start-up (negsim's forkserver and its forked
workers; batch_run's spawned workers, which import mesa and negsim again) inside the timed
call, and neither benefits from a pool left over by an earlier measurement. The figures are
best-of-``--repeat``. Targets in parentheses in the final table are for reference only
(the same ratio with start-up excluded). Usage::

    .venv/bin/python benchmarks/bench_sweep.py                 # ~14 min (the 100k run ~8 min)
    .venv/bin/python benchmarks/bench_sweep.py --repeat 2      # ~20 min
    .venv/bin/python benchmarks/bench_sweep.py --quick         # smoke test, ~1.5 min
    .venv/bin/python benchmarks/bench_sweep.py --skip 4 --runs-scaling 2000
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_run import code_state  # noqa: E402  (the same commit line in both benchmarks)

import sim  # noqa: E402  (as ``negsim sweep`` has it: the forkserver preloads this module)

SCENARIO = ROOT / "configs" / "usjapan_2019.yaml"
PARAMETER = "lobbies.ja_zenchu.strength"
VALUES = [0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0]
OUTCOMES_COMPARE = ["agreement", "step"]
OUTCOMES_SWEEP = ["agreement", "step", "date", "concessions"]

TARGET_VS_BATCH_RUN = 3.0
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
    """Record (time, runs) each time the parent writes a finished batch (this process only).

    ``Store.write_batch`` is wrapped, not changed: it gives the time to the first batch (the
    pool's start-up: workers importing mesa and negsim) and the steady rate after it.
    """
    from sim.sweep import store

    marks: list[tuple[float, int]] = []
    original = store.Store.write_batch

    def write_batch(self: Any, index: int, rows: list[Any], series: Any) -> None:
        original(self, index, rows, series)
        marks.append((time.perf_counter(), len(rows)))

    store.Store.write_batch = write_batch  # type: ignore[method-assign]
    return marks


def batch_figures(marks: list[tuple[float, int]], t0: float) -> dict[str, float]:
    """Seconds to the first finished batch, and runs/s from the first to the last."""
    if not marks:
        return {"first_batch": math.nan, "steady_rate": math.nan}
    span = marks[-1][0] - marks[0][0]
    after = sum(n for _, n in marks[1:])
    return {
        "first_batch": marks[0][0] - t0,
        "steady_rate": after / span if span > 0 else math.nan,
    }


# -- the child side: one timed call in a fresh process ----------------------------------------


def child_negsim(task: dict[str, Any]) -> dict[str, Any]:
    """``load_spec`` + ``run_sweep`` on a process pool (workers > 1) or inline, timed."""
    from sim.sweep import load_spec, read_results, run_sweep

    marks = watch_batches()
    t0, c0 = time.perf_counter(), time.process_time()
    plan = load_spec(task["spec"])
    result = run_sweep(
        plan,
        task["out"],
        workers=task["workers"],
        batch_size=task.get("batch_size"),
        progress=False,
    )
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    t1 = time.perf_counter()
    frame = read_results(task["out"])
    read = time.perf_counter() - t1
    manifest = json.loads((Path(task["out"]) / "manifest.json").read_text())
    return {
        "seconds": seconds,
        "parent_cpu": cpu,
        "runs": len(frame),
        "errors": int(frame["error"].notna().sum()),
        "to_frame": read,
        "batch_size": manifest["batch_size"],
        "engine_seconds": result.seconds,
        **batch_figures(marks, t0),
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
    return {"seconds": seconds, "parent_cpu": cpu, "runs": len(frame), "to_frame": to_frame}


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
        result = run_sweep(
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
        "engine_seconds": result.seconds,
        **batch_figures(marks, t1),
    }


def child_memory(task: dict[str, Any]) -> dict[str, Any]:
    """A long sweep with 2 workers; this process's peak RSS, sampled RSS over time."""
    from sim.sweep import load_spec, run_sweep

    marks = watch_batches()
    plan = load_spec(task["spec"])
    before = maxrss_mb()
    samples: list[tuple[float, float]] = []
    stop = threading.Event()
    t0 = time.perf_counter()

    def sample() -> None:
        while not stop.wait(1.0):
            samples.append((time.perf_counter() - t0, rss_mb()))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    c0 = time.process_time()
    result = run_sweep(plan, task["out"], workers=task["workers"], progress=False)
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    stop.set()
    sampler.join()
    peak = maxrss_mb()
    manifest = json.loads((Path(task["out"]) / "manifest.json").read_text())
    parts = list((Path(task["out"]) / "runs").glob("part-*.parquet"))
    # Reading everything back is not part of the target: measured after the peak.
    from sim.sweep import read_results

    t1 = time.perf_counter()
    frame = read_results(task["out"])
    read = time.perf_counter() - t1
    return {
        "seconds": seconds,
        "parent_cpu": cpu,
        "maxrss_before_mb": before,
        "maxrss_mb": peak,
        "rss_samples": samples,
        "runs": result.ran_now,
        "rows_read": len(frame),
        "errors": result.errors,
        "batch_size": manifest["batch_size"],
        "parts": len(parts),
        "disk_mb": sum(p.stat().st_size for p in parts) / 2**20,
        "read_seconds": read,
        "maxrss_after_read_mb": maxrss_mb(),
        **batch_figures(marks, t0),
    }


CHILDREN = {
    "negsim": child_negsim,
    "batch_run": child_batch_run,
    "dask": child_dask,
    "memory": child_memory,
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


def best_of(task: dict[str, Any], repeat: int, fresh_out: bool = True) -> dict[str, Any]:
    """The fastest of ``repeat`` runs of ``task`` (each in a new output folder)."""
    results = []
    for i in range(repeat):
        t = dict(task)
        if fresh_out:
            t["out"] = f"{task['out']}-{i}"
        results.append(in_child(t))
        results[-1]["out"] = t["out"]
    best = min(results, key=lambda r: r["seconds"])
    best["all_seconds"] = [r["seconds"] for r in results]
    return best


# -- where the time goes ---------------------------------------------------------------------


def where_time_goes(spec: Path, folder: Path, top: int) -> dict[str, float]:
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
            sim.NegotiationModel(scenarios[point], rng=seed, collect=False, analyse=False).run()

    # Interleaved, best of 3 each: the machine may be shared.
    worker = bare = math.inf
    for _ in range(3):
        t0 = time.perf_counter()
        index, rows, series = run_batch(batch)
        worker = min(worker, time.perf_counter() - t0)
        t0 = time.perf_counter()
        bare_runs()
        bare = min(bare, time.perf_counter() - t0)
    n = len(rows)

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

    print(
        f"  one worker batch of {n} runs (best of 3): {worker:.3f} s = "
        f"{1e3 * worker / n:.2f} ms/run; "
        f"the same runs bare (NegotiationModel(...).run()): {1e3 * bare / n:.2f} ms/run "
        f"(sweep overhead in the worker {100 * (worker - bare) / bare:+.1f}%)"
    )
    print(
        f"  parent per batch: making it {1e3 * make:.2f} ms, pickling it "
        f"({len(blob_in)} B) and the result ({len(blob_out)} B) + unpickling "
        f"{1e3 * transfer:.2f} ms, writing its Parquet file (fsync) {1e3 * write:.2f} ms "
        f"-> {1e3 * (make + transfer + write) / n:.3f} ms per run, "
        f"{100 * (make + transfer + write) / worker:.1f}% of the batch's run time"
    )
    print(f"  cProfile of one worker batch (top {top} by cumulative time):")
    for line in text.getvalue().splitlines():
        if line.strip():
            print("    " + line)
    return {
        "worker_ms_per_run": 1e3 * worker / n,
        "bare_ms_per_run": 1e3 * bare / n,
        "parent_ms_per_batch": 1e3 * (make + transfer + write),
        "batch_size": n,
    }


# -- the parent side ---------------------------------------------------------------------------


def check(value: float, target: float, higher: bool = True) -> str:
    """'met' or 'NOT met' for ``value`` against ``target``."""
    ok = value >= target if higher else value < target
    return "met" if ok else "NOT met"


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


def main(argv: list[str] | None = None) -> int:
    """Run the measurements and print the table."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs-compare", type=int, default=1000, help="runs for (1)")
    ap.add_argument("--runs-scaling", type=int, default=5000, help="runs for (2) and (3)")
    ap.add_argument("--runs-memory", type=int, default=100_000, help="runs for (4)")
    ap.add_argument("--repeat", type=int, default=1, help="best of this many calls")
    ap.add_argument("--quick", action="store_true", help="everything scaled down (smoke test)")
    ap.add_argument("--skip", default="", help="parts to skip, e.g. '4' or '1,3'")
    ap.add_argument("--top", type=int, default=20, help="cProfile lines in (5)")
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)

    if args.child:
        task = json.loads(args.child)
        print(json.dumps(CHILDREN[task["kind"]](task)))
        return 0

    if args.quick:
        args.runs_compare, args.runs_scaling = 100, 200
        args.runs_memory = min(args.runs_memory, 2000)
    skip = {s.strip() for s in args.skip.split(",") if s.strip()}
    n = len(VALUES)

    print(f"code: {code_state()}")
    print(
        f"negsim {sim.__version__}, Python {platform.python_version()} ({platform.machine()}), "
        f"{os.cpu_count()} CPUs, load average {load_average()}"
    )
    import mesa

    print(
        f"mesa {mesa.__version__}; scenario usjapan_2019; grid over {PARAMETER} "
        f"({n} values); best of {args.repeat}"
    )
    folder = Path(tempfile.mkdtemp(prefix="bench_sweep-"))
    table: list[tuple[str, str, str]] = []
    try:
        # 1. negsim vs mesa.batch_run, same processes -----------------------------------------
        if "1" not in skip:
            reps = max(1, args.runs_compare // n)
            spec = write_spec(folder, "compare", reps, OUTCOMES_COMPARE)
            print(
                f"\n(1) negsim sweep vs mesa.batch_run: {n * reps} runs, outcomes "
                f"{OUTCOMES_COMPARE}, the whole call timed"
            )
            for procs in (1, 2):
                ns = best_of(
                    {
                        "kind": "negsim",
                        "spec": str(spec),
                        "workers": procs,
                        "out": str(folder / f"cmp-negsim-{procs}"),
                    },
                    args.repeat,
                )
                fixed_ns = in_child(
                    {
                        "kind": "negsim",
                        "spec": str(write_spec(folder, "tiny", 1, OUTCOMES_COMPARE)),
                        "workers": procs,
                        "batch_size": 1,
                        "out": str(folder / f"tiny-negsim-{procs}"),
                    }
                )
                rates = {}
                for model in ("BatchNegotiationModel", "CachedBatchNegotiationModel"):
                    br = best_of(
                        {
                            "kind": "batch_run",
                            "spec": str(spec),
                            "workers": procs,
                            "model": model,
                            "out": str(folder / f"cmp-br-{model}-{procs}.parquet"),
                        },
                        args.repeat,
                    )
                    rates[model] = br
                fixed_br = in_child(
                    {
                        "kind": "batch_run",
                        "spec": str(folder / "tiny.yaml"),
                        "workers": procs,
                        "model": "CachedBatchNegotiationModel",
                        "out": str(folder / f"tiny-br-{procs}.parquet"),
                    }
                )
                ns_rate = ns["runs"] / ns["seconds"]
                print(f"  {procs} process(es):")
                print(
                    f"    negsim load_spec+run_sweep          {ns['seconds']:7.2f} s  "
                    f"{ns_rate:7.1f} runs/s  (batch size {ns['batch_size']}, first batch after "
                    f"{ns['first_batch']:.2f} s; parent CPU "
                    f"{ns['parent_cpu']:.1f} s; read_results {ns['to_frame']:.2f} s; "
                    f"all {[round(s, 2) for s in ns['all_seconds']]}; load {ns['load']})"
                )
                for model, br in rates.items():
                    rate = br["runs"] / br["seconds"]
                    print(
                        f"    batch_run {model:<28}{br['seconds']:7.2f} s  {rate:7.1f} runs/s"
                        f"  -> negsim {ns_rate / rate:.2f}x  (DataFrame {br['to_frame']:.2f} s"
                        f"; results {same_results(ns['out'], br['out'])}; all "
                        f"{[round(s, 2) for s in br['all_seconds']]}; load {br['load']})"
                    )
                print(
                    f"    fixed cost of a call (a {fixed_ns['runs']}-run sweep): negsim "
                    f"{fixed_ns['seconds']:.2f} s, batch_run {fixed_br['seconds']:.2f} s"
                )
                naive = rates["BatchNegotiationModel"]
                cached = rates["CachedBatchNegotiationModel"]
                r_naive = ns_rate / (naive["runs"] / naive["seconds"])
                r_cached = ns_rate / (cached["runs"] / cached["seconds"])
                table.append(
                    (
                        f"negsim / batch_run, {procs} process(es), model loading its "
                        "scenario per run",
                        f"{r_naive:.2f}x",
                        f">= {TARGET_VS_BATCH_RUN:g}x: {check(r_naive, 3.0)}",
                    )
                )
                table.append(
                    (
                        f"negsim / batch_run, {procs} process(es), scenario cached per process",
                        f"{r_cached:.2f}x",
                        f">= {TARGET_VS_BATCH_RUN:g}x: {check(r_cached, 3.0)}",
                    )
                )
                table.append(
                    (f"negsim, {procs} process(es), runs/s (whole call)", f"{ns_rate:.1f}", "")
                )

        # 2. scaling 1 -> 2 workers; 3. Dask vs the pool ------------------------------------
        pool2 = None
        if "2" not in skip or "3" not in skip:
            reps = max(1, args.runs_scaling // n)
            spec = write_spec(folder, "scaling", reps, OUTCOMES_SWEEP)
            print(f"\n(2) scaling and (3) Dask: {n * reps} runs, outcomes {OUTCOMES_SWEEP}")
            pool2 = best_of(
                {"kind": "negsim", "spec": str(spec), "workers": 2, "out": str(folder / "scale-2")},
                args.repeat,
            )
            r2 = pool2["runs"] / pool2["seconds"]
            print(
                f"  pool, 2 workers: {pool2['seconds']:.2f} s, {r2:.1f} runs/s (batch size "
                f"{pool2['batch_size']}; first batch written after {pool2['first_batch']:.2f} s, "
                f"then {pool2['steady_rate']:.1f} runs/s; parent CPU {pool2['parent_cpu']:.1f} s"
                f" = {100 * pool2['parent_cpu'] / pool2['seconds']:.0f}% of a core; all "
                f"{[round(s, 2) for s in pool2['all_seconds']]}; load {pool2['load']})"
            )
        if "2" not in skip:
            one = best_of(
                {"kind": "negsim", "spec": str(spec), "workers": 1, "out": str(folder / "scale-1")},
                args.repeat,
            )
            r1 = one["runs"] / one["seconds"]
            print(
                f"  inline, 1 worker: {one['seconds']:.2f} s, {r1:.1f} runs/s (batch size "
                f"{one['batch_size']}; first batch written after {one['first_batch']:.2f} s, "
                f"then {one['steady_rate']:.1f} runs/s; all "
                f"{[round(s, 2) for s in one['all_seconds']]}; load {one['load']})"
            )
            steady = pool2["steady_rate"] / one["steady_rate"]
            print(
                f"  scaling 1 -> 2 workers: {r2 / r1:.2f}x whole call, {steady:.2f}x after the "
                "first batch (start-up excluded)"
            )
            table.append(
                (
                    f"scaling, 1 -> 2 workers, whole call ({pool2['runs']} runs)",
                    f"{r2 / r1:.2f}x ({r1:.0f} -> {r2:.0f} runs/s)",
                    f">= {TARGET_SCALING:g}x: {check(r2 / r1, TARGET_SCALING)}",
                )
            )
            table.append(
                (
                    "scaling, 1 -> 2 workers, after the first batch",
                    f"{steady:.2f}x ({one['steady_rate']:.0f} -> "
                    f"{pool2['steady_rate']:.0f} runs/s)",
                    f"(>= {TARGET_SCALING:g}x: {check(steady, TARGET_SCALING)})",
                )
            )
            table.append(
                (
                    "pool start-up: first batch written after",
                    f"{pool2['first_batch']:.2f} s (inline: {one['first_batch']:.2f} s)",
                    "",
                )
            )
        if "3" not in skip:
            dk = best_of(
                {
                    "kind": "dask",
                    "spec": str(spec),
                    "workers": 2,
                    "out": str(folder / "scale-dask"),
                },
                args.repeat,
            )
            rd = dk["runs"] / dk["seconds"]
            print(
                f"  Dask LocalCluster, 2 workers: {dk['seconds']:.2f} s, {rd:.1f} runs/s "
                f"(batch size {dk['batch_size']}; first batch written after "
                f"{dk['first_batch']:.2f} s, then {dk['steady_rate']:.1f} runs/s; cluster "
                f"start-up {dk['startup']:.2f} s, close {dk['close']:.2f} s, not counted; "
                f"parent CPU {dk['parent_cpu']:.1f} s; all "
                f"{[round(s, 2) for s in dk['all_seconds']]}; load {dk['load']})"
            )
            steady_dk = dk["steady_rate"] / pool2["steady_rate"]
            print(
                f"  Dask / pool: {rd / r2:.2f}x whole call (the cluster's start-up excluded, the "
                f"pool's included), {steady_dk:.2f}x after the first batch"
            )
            table.append(
                (
                    "Dask LocalCluster / process pool, 2 workers, whole call",
                    f"{rd / r2:.2f}x ({rd:.0f} vs {r2:.0f} runs/s; cluster start-up "
                    f"{dk['startup']:.1f} s not counted)",
                    f">= {TARGET_DASK:g}x: {check(rd / r2, TARGET_DASK)}",
                )
            )
            table.append(
                (
                    "Dask LocalCluster / process pool, 2 workers, after the first batch",
                    f"{steady_dk:.2f}x ({dk['steady_rate']:.0f} vs "
                    f"{pool2['steady_rate']:.0f} runs/s)",
                    f"(>= {TARGET_DASK:g}x: {check(steady_dk, TARGET_DASK)})",
                )
            )

        # 4. memory of the parent over a long sweep -----------------------------------------
        if "4" not in skip:
            reps = max(1, args.runs_memory // n)
            spec = write_spec(folder, "memory", reps, OUTCOMES_SWEEP)
            print(
                f"\n(4) parent's peak memory: {n * reps} runs, 2 workers, outcomes "
                f"{OUTCOMES_SWEEP} (in a subprocess; this can take minutes)",
                flush=True,
            )
            mem = in_child(
                {"kind": "memory", "spec": str(spec), "workers": 2, "out": str(folder / "memory")}
            )
            samples = mem["rss_samples"]
            shown = (
                [samples[round(i * (len(samples) - 1) / 4)] for i in range(5)] if samples else []
            )
            print(
                f"  {mem['runs']} runs ({mem['errors']} errors) in {mem['seconds']:.1f} s = "
                f"{mem['runs'] / mem['seconds']:.1f} runs/s; batch size {mem['batch_size']}, "
                f"{mem['parts']} Parquet files, {mem['disk_mb']:.1f} MB on disk; "
                f"parent CPU {mem['parent_cpu']:.1f} s; first batch written after "
                f"{mem['first_batch']:.2f} s, then {mem['steady_rate']:.1f} runs/s; "
                f"load {mem['load']}"
            )
            print(
                f"  parent peak RSS (ru_maxrss) {mem['maxrss_mb']:.1f} MB; after imports and "
                f"load_spec {mem['maxrss_before_mb']:.1f} MB; RSS over time: "
                + ", ".join(f"{t:.0f} s {m:.0f} MB" for t, m in shown)
            )
            print(
                f"  reading the {mem['rows_read']} rows back (read_results, not counted): "
                f"{mem['read_seconds']:.2f} s, peak RSS then {mem['maxrss_after_read_mb']:.0f} MB"
            )
            table.append(
                (
                    f"parent peak RSS, {mem['runs']}-run sweep, 2 workers",
                    f"{mem['maxrss_mb']:.0f} MB",
                    f"< {TARGET_MEMORY_MB:g} MB: "
                    f"{check(mem['maxrss_mb'], TARGET_MEMORY_MB, higher=False)}",
                )
            )
            table.append(
                (
                    f"wall time of that sweep ({mem['runs'] / mem['seconds']:.0f} runs/s)",
                    f"{mem['seconds']:.0f} s",
                    "",
                )
            )

        # 5. where the time goes ---------------------------------------------------------
        if "5" not in skip:
            print("\n(5) where the time goes (in this process)")
            spec = write_spec(folder, "profile", max(1, args.runs_scaling // n), OUTCOMES_SWEEP)
            where_time_goes(spec, folder, args.top)
    finally:
        if args.keep:
            print(f"\nkept {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)

    print(f"\nload average after: {load_average()}")
    print("\n| measure | figure | target |")
    print("|---|---|---|")
    for row in table:
        print(f"| {row[0]} | {row[1]} | {row[2]} |")
    checked = [r for r in table if r[2] and not r[2].startswith("(")]  # (...): for reference
    missed = [r for r in checked if "NOT met" in r[2]]
    print(
        f"\n{len(checked) - len(missed)} of {len(checked)} targets met"
        + ("; missed: " + "; ".join(r[0] for r in missed) if missed else "")
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
