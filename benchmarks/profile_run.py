"""cProfile of many whole negsim runs: where the time of a run goes.

Profiles ``sim.run(scenario, seed)`` (no time series) for seeds ``0 .. runs-1`` after a short
unprofiled warm-up, then prints the top functions by cumulative and by own (total) time.
The scenario is loaded outside the profile. Usage::

    .venv/bin/python benchmarks/profile_run.py
    .venv/bin/python benchmarks/profile_run.py --runs 200 --top 25 --collect --out run.prof

With ``--out`` the raw profile is saved for ``snakeviz`` or ``python -m pstats``.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sim


def main(argv: list[str] | None = None) -> int:
    """Profile the runs and print both rankings."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--scenario", default="usjapan_2019")
    ap.add_argument("--runs", type=int, default=200)
    ap.add_argument("--top", type=int, default=25)
    ap.add_argument(
        "--collect",
        action="store_true",
        help="profile NegotiationModel(collect=True).run() + time_series() instead",
    )
    ap.add_argument("--out", type=Path, default=None, help="save the raw profile here")
    args = ap.parse_args(argv)

    scenario = sim.load_scenario(args.scenario)

    def one(seed: int) -> None:
        if args.collect:
            model = sim.NegotiationModel(scenario, rng=seed, collect=True)
            model.run()
            model.time_series()
        else:
            sim.run(scenario, seed)

    for seed in range(10_000, 10_010):  # warm-up: imports, caches
        one(seed)

    prof = cProfile.Profile()
    t0 = time.perf_counter()
    prof.enable()
    for seed in range(args.runs):
        one(seed)
    prof.disable()
    elapsed = time.perf_counter() - t0

    what = "collect=True + time_series()" if args.collect else "sim.run, no time series"
    print(
        f"{args.runs} runs of {args.scenario} ({what}) under cProfile: {elapsed:.2f} s, "
        f"{1e3 * elapsed / args.runs:.2f} ms/run (profiling overhead included)"
    )
    if args.out is not None:
        prof.dump_stats(args.out)
        print(f"raw profile saved to {args.out}")
    for key, title in (("cumulative", "cumulative time"), ("tottime", "own (total) time")):
        buf = io.StringIO()
        stats = pstats.Stats(prof, stream=buf)
        stats.strip_dirs().sort_stats(key).print_stats(args.top)
        body = buf.getvalue()
        # Drop pstats' preamble (call counts, "Ordered by") and keep the table.
        start = body.find("   ncalls")
        print()
        print(f"=== top {args.top} by {title} ===")
        print(body[start:].rstrip() if start >= 0 else body.rstrip())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
