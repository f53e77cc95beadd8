"""Calibration speed (process pool against a Dask LocalCluster) and the full SBC check.

    python benchmarks/bench_calibrate.py speed [--spec experiments/calibrate_2019.yaml]
    python benchmarks/bench_calibrate.py sbc [--trials 60 --population 100 --generations 3]

``speed`` runs the spec's whole calibration (fit, predictive checks, files) twice, on a
2-worker process pool and on a 2-worker Dask LocalCluster, checks that both give the same
posterior bit for bit, and prints the wall times and where the time went (the model's share,
the library's overhead per accepted particle). ``sbc`` runs the simulation-based calibration
of ``sim.calibration.sbc`` and writes ``benchmarks/sbc_classroom.json`` and
``benchmarks/sbc_classroom.png`` (the truths' posterior quantiles and the coverage of the 50%
and 90% intervals). Results go to benchmarks/README.md by hand.
"""

from __future__ import annotations

import argparse
import json
import logging
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent


def speed(spec: str, workers: int) -> dict:
    from distributed import Client, LocalCluster

    from sim.calibration import load_calibration
    from sim.calibration.executors import DaskExecutor, PoolExecutor
    from sim.calibration.pipeline import run_calibration

    logging.getLogger("distributed").setLevel(logging.ERROR)
    plan = load_calibration(spec)
    results = {}
    posteriors = {}
    with tempfile.TemporaryDirectory(prefix="bench-calibrate-") as tmp:
        t0 = time.perf_counter()
        pool = PoolExecutor(workers)
        started = time.perf_counter() - t0
        try:
            t = time.perf_counter()
            r = run_calibration(plan, Path(tmp) / "pool", executor=pool, progress=False)
            results["pool"] = {
                "startup_s": started,
                "calibration_s": time.perf_counter() - t,
                "timing": r.summary["timing"],
                "final": r.summary["final"],
            }
        finally:
            pool.close()
        posteriors["pool"] = pd.read_parquet(Path(tmp) / "pool" / "posterior.parquet")
        t0 = time.perf_counter()
        with (
            LocalCluster(
                n_workers=workers,
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                dashboard_address=None,
            ) as cluster,
            Client(cluster) as client,
        ):
            client.run(lambda: __import__("pyabc") and None)  # workers import pyabc once
            started = time.perf_counter() - t0
            t = time.perf_counter()
            r = run_calibration(
                plan, Path(tmp) / "dask", executor=DaskExecutor(client=client), progress=False
            )
            results["dask"] = {
                "startup_s": started,
                "calibration_s": time.perf_counter() - t,
                "timing": r.summary["timing"],
                "final": r.summary["final"],
            }
        posteriors["dask"] = pd.read_parquet(Path(tmp) / "dask" / "posterior.parquet")
    pd.testing.assert_frame_equal(posteriors["pool"], posteriors["dask"])
    results["identical_posteriors"] = True
    return results


def report_speed(results: dict) -> None:
    for name in ("pool", "dask"):
        r = results[name]
        tm, per = r["timing"], r["timing"]["per_accepted_particle"]
        print(
            f"{name:5} startup {r['startup_s']:5.1f} s, calibration {r['calibration_s']:6.1f} s"
            f" (fit {tm['wall_seconds_this_session']:.1f} s, checks and files"
            f" {tm['checks_and_files_seconds']:.1f} s); {r['final']['simulations']:,} sims;"
            f" model share of worker time {tm['model_share_of_worker_time']:.1%}, of the fit's"
            f" capacity {tm['model_share_of_fit_capacity']:.1%}; per accepted particle: fit"
            f" {1000 * per['fit_wall_seconds']:.1f} ms wall, model"
            f" {1000 * per['model_seconds']:.1f} ms, the rest"
            f" {1000 * per['library_seconds']:.1f} ms (worker-seconds)"
        )
    ratio = results["dask"]["calibration_s"] / results["pool"]["calibration_s"]
    print(
        f"Dask / pool wall time: {ratio:.3f}; identical posteriors: "
        f"{results['identical_posteriors']}"
    )


def sbc(trials: int, population: int, generations: int, workers: int, seed: int) -> dict:
    from sim.calibration.executors import make_executor
    from sim.calibration.sbc import run_sbc

    executor = make_executor(workers)
    t = time.perf_counter()
    try:
        result = run_sbc(
            trials,
            population,
            generations,
            seed=seed,
            executor=executor,
            progress=lambda i, n: print(f"  trial {i}/{n}", flush=True),
        )
    finally:
        executor.close()
    inside90, n = result.pooled_coverage(0.9)
    inside50, _ = result.pooled_coverage(0.5)
    out = {
        "trials": trials,
        "population": population,
        "generations": generations,
        "seed": seed,
        "seconds": time.perf_counter() - t,
        "coverage_50": result.coverage(0.5),
        "coverage_90": result.coverage(0.9),
        "pooled_50": [inside50, n],
        "pooled_90": [inside90, n],
        "contraction": result.contraction(),
        "quantiles": result.quantiles,
        "truths": result.truths,
    }
    (HERE / "sbc_classroom.json").write_text(json.dumps(out, indent=2) + "\n")
    _plot_sbc(out, HERE / "sbc_classroom.png")
    return out


def _plot_sbc(out: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(out["quantiles"])
    fig, axes = plt.subplots(1, len(names), figsize=(4.5 * len(names), 3.3), squeeze=False)
    for ax, name in zip(axes[0], names, strict=True):
        qs = np.asarray(out["quantiles"][name])
        ax.hist(qs, bins=10, range=(0, 1), color="tab:blue", alpha=0.75)
        ax.axhline(len(qs) / 10, color="0.3", ls="--", lw=1, label="uniform")
        ax.set_xlabel("posterior quantile of the truth")
        ax.set_title(
            f"{name.split('.')[-2]}.{name.split('.')[-1]}: 50% {out['coverage_50'][name]:.0%},"
            f" 90% {out['coverage_90'][name]:.0%}",
            fontsize=9,
        )
        ax.legend(fontsize=8)
    fig.suptitle(f"Simulation-based calibration, classroom ({out['trials']} trials)", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="what", required=True)
    s = sub.add_parser("speed")
    s.add_argument("--spec", default=str(HERE.parent / "experiments" / "calibrate_2019.yaml"))
    s.add_argument("--workers", type=int, default=2)
    s.add_argument("--json", type=Path, default=None)
    b = sub.add_parser("sbc")
    b.add_argument("--trials", type=int, default=60)
    b.add_argument("--population", type=int, default=100)
    b.add_argument("--generations", type=int, default=3)
    b.add_argument("--workers", type=int, default=2)
    b.add_argument("--seed", type=int, default=2018)
    args = parser.parse_args()
    if args.what == "speed":
        results = speed(args.spec, args.workers)
        report_speed(results)
        if args.json:
            args.json.write_text(json.dumps(results, indent=2) + "\n")
    else:
        out = sbc(args.trials, args.population, args.generations, args.workers, args.seed)
        print(
            json.dumps(
                {
                    k: out[k]
                    for k in (
                        "seconds",
                        "coverage_50",
                        "coverage_90",
                        "pooled_50",
                        "pooled_90",
                        "contraction",
                    )
                },
                indent=2,
            )
        )


if __name__ == "__main__":
    main()
