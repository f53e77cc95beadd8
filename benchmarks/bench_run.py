"""Wall time of whole negsim runs on one scenario (default: usjapan_2019).

Measures, after a warm-up:

(a) one whole run without time series: ``NegotiationModel(sc, rng=seed, collect=False).run()``;
(b) the same with time series: ``collect=True`` plus ``model.time_series()`` (the DataFrame);
(c) runs per second over many seeds in one process with ``sim.run(sc, seed)``;
(d) the mean number of steps per run, hence the cost of one step.

The scenario is loaded once, outside every timed part; model construction (which draws the
scenario's uncertain inputs) is inside, since it is part of a run. Usage::

    .venv/bin/python benchmarks/bench_run.py                 # 300 runs for (a)/(b), 1000 for (c)
    .venv/bin/python benchmarks/bench_run.py --runs 100 --seeds 200   # quicker
"""

from __future__ import annotations

import argparse
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sim

TARGET_NO_SERIES_MS = 5.0
TARGET_WITH_SERIES_MS = 10.0


def quantile(values: list[float], q: float) -> float:
    """Linear-interpolation quantile (``q`` in [0, 1]) of ``values``."""
    xs = sorted(values)
    pos = q * (len(xs) - 1)
    i = int(pos)
    if i + 1 >= len(xs):
        return xs[-1]
    return xs[i] + (pos - i) * (xs[i + 1] - xs[i])


def time_runs(
    scenario: sim.Scenario, seeds: range, *, collect: bool, analyse: bool = True
) -> dict[str, list[float]]:
    """Per-run wall times (s): whole run, construction, stepping, DataFrame; steps per run."""
    out: dict[str, list[float]] = {"total": [], "init": [], "steps": [], "frame": [], "n": []}
    clock = time.perf_counter
    for seed in seeds:
        t0 = clock()
        model = sim.NegotiationModel(scenario, rng=seed, collect=collect, analyse=analyse)
        t1 = clock()
        outcome = model.run()
        t2 = clock()
        if collect:
            model.time_series()
        t3 = clock()
        out["total"].append(t3 - t0)
        out["init"].append(t1 - t0)
        out["steps"].append(t2 - t1)
        out["frame"].append(t3 - t2)
        out["n"].append(float(outcome.step + 1))
    return out


def load_average() -> str:
    """The 1, 5 and 15-minute load averages (Linux), to spot a busy machine."""
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "n/a"


def code_state() -> str:
    """The commit measured, and whether sim/ or agents/ had uncommitted changes."""
    root = Path(__file__).resolve().parents[1]
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "sim", "agents"],
            cwd=root,
            capture_output=True,
            text=True,
        ).stdout.strip()
    except OSError:
        return "unknown"
    return f"{head or 'unknown'}{' + uncommitted changes in sim/ or agents/' if dirty else ''}"


def ms(seconds: float) -> str:
    """Format seconds as milliseconds."""
    return f"{1e3 * seconds:8.2f}"


def report(label: str, r: dict[str, list[float]]) -> tuple[float, float]:
    """Print one block of the table; return the median run time and mean steps."""
    total = r["total"]
    med = statistics.median(total)
    mean_steps = statistics.fmean(r["n"])
    per_step = sum(r["steps"]) / sum(r["n"])
    print(f"{label}  ({len(total)} runs)")
    print(
        f"  whole run  median {ms(med)} ms   p10 {ms(quantile(total, 0.1))} ms   "
        f"p90 {ms(quantile(total, 0.9))} ms   mean {ms(statistics.fmean(total))} ms"
    )
    print(
        f"    of which construction (median) {ms(statistics.median(r['init']))} ms, "
        f"stepping {ms(statistics.median(r['steps']))} ms, "
        f"DataFrame {ms(statistics.median(r['frame']))} ms"
    )
    print(
        f"  steps/run  mean {mean_steps:.2f}  (min {min(r['n']):.0f}, max {max(r['n']):.0f})"
        f"   stepping time per step {1e6 * per_step:.0f} µs"
    )
    return med, mean_steps


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the table."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--scenario", default="usjapan_2019", help="bundled name or path")
    ap.add_argument("--runs", type=int, default=300, help="timed runs for (a) and (b)")
    ap.add_argument("--seeds", type=int, default=1000, help="seeds for runs/second (c)")
    ap.add_argument("--warmup", type=int, default=30, help="untimed runs before each part")
    args = ap.parse_args(argv)

    scenario = sim.load_scenario(args.scenario)
    print(f"code: {code_state()}")
    print(f"load average before: {load_average()}")
    print(
        f"negsim {sim.__version__}, scenario {args.scenario}, Python {platform.python_version()}"
        f", {platform.machine()}"
    )

    warm = range(10_000, 10_000 + args.warmup)  # seeds not reused by the timed parts
    seeds = range(args.runs)

    time_runs(scenario, warm, collect=False)
    a = time_runs(scenario, seeds, collect=False)
    time_runs(scenario, warm, collect=True)
    b = time_runs(scenario, seeds, collect=True)
    a2 = time_runs(scenario, seeds, collect=False, analyse=False)

    for seed in warm:
        sim.run(scenario, seed)
    t0, c0 = time.perf_counter(), time.process_time()
    steps_c = 0
    for seed in range(args.seeds):
        steps_c += sim.run(scenario, seed).step + 1
    elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0

    print()
    med_a, steps = report("(a) NegotiationModel(collect=False).run()", a)
    print()
    med_b, _ = report("(b) NegotiationModel(collect=True).run() + time_series()", b)
    print()
    med_a2, _ = report("(a') NegotiationModel(collect=False, analyse=False).run()", a2)
    print()
    print(
        f"(c) sim.run over {args.seeds} seeds: {elapsed:.3f} s = {args.seeds / elapsed:.1f} "
        f"runs/s ({1e3 * elapsed / args.seeds:.2f} ms/run); "
        f"process CPU time {cpu:.3f} s ({1e3 * cpu / args.seeds:.2f} ms/run)"
    )
    print(
        f"    mean steps/run over these seeds {steps_c / args.seeds:.2f}: "
        f"{1e6 * elapsed / steps_c:.0f} µs per step, construction and outcome included"
    )
    if cpu < 0.9 * elapsed:
        print(
            "    warning: CPU time is well below wall time: the machine is busy, "
            "so the wall times above are inflated"
        )
    print(f"    load average after: {load_average()}")
    print()
    print("| measure | figure | target |")
    print("|---|---|---|")
    print(
        f"| whole run, no series, median | {1e3 * med_a:.2f} ms | < {TARGET_NO_SERIES_MS:g} ms "
        f"({'met' if 1e3 * med_a < TARGET_NO_SERIES_MS else 'NOT met'}) |"
    )
    print(
        f"| whole run, no series, p10 / p90 | {1e3 * quantile(a['total'], 0.1):.2f} / "
        f"{1e3 * quantile(a['total'], 0.9):.2f} ms | |"
    )
    print(
        f"| whole run, with series, median | {1e3 * med_b:.2f} ms | < "
        f"{TARGET_WITH_SERIES_MS:g} ms "
        f"({'met' if 1e3 * med_b < TARGET_WITH_SERIES_MS else 'NOT met'}) |"
    )
    print(
        f"| whole run, with series, p10 / p90 | {1e3 * quantile(b['total'], 0.1):.2f} / "
        f"{1e3 * quantile(b['total'], 0.9):.2f} ms | |"
    )
    print(f"| whole run, no series, no Pareto/Nash analysis, median | {1e3 * med_a2:.2f} ms | |")
    print(f"| sim.run, runs per second ({args.seeds} seeds) | {args.seeds / elapsed:.1f} | |")
    print(f"| steps per run, mean | {steps:.2f} | |")
    print(
        f"| stepping time per step (no series) | {1e6 * sum(a['steps']) / sum(a['n']):.0f} µs | |"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
