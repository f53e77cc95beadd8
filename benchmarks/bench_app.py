"""How long each view of the teaching app takes to follow one step (target: under 100 ms).

For each scenario, a ``TeachingModel`` runs to its end; after every step each view of
``sim.app.views`` updates its data and renders its PNG (``view.png``), exactly as the app does
before handing the bytes to the page. Prints, per view, the median, 90th percentile and
maximum over the steps, and the model's own step time for comparison. Usage::

    .venv/bin/python benchmarks/bench_app.py                 # classroom, usjapan_2019, seed 1
    .venv/bin/python benchmarks/bench_app.py --seeds 3 --scenario usjapan_2015
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sim.app.model import TeachingModel
from sim.app.text import event_log_markdown, status_markdown
from sim.app.views import VIEWS


def measure(scenario: str, seed: int) -> dict[str, list[float]]:
    """Milliseconds per step for the model and for each view, over one whole run."""
    model = TeachingModel(scenario, seed=seed)
    views = {key: cls(model) for key, cls in VIEWS.items()}
    for view in views.values():  # the first render loads fonts: not a step's cost
        view.png(model)
    times: dict[str, list[float]] = {"model.step": [], **{k: [] for k in views}, "text": []}
    while model.running:
        t0 = time.perf_counter()
        model.step()
        times["model.step"].append(1e3 * (time.perf_counter() - t0))
        for key, view in views.items():
            t0 = time.perf_counter()
            view.png(model)
            times[key].append(1e3 * (time.perf_counter() - t0))
        t0 = time.perf_counter()
        event_log_markdown(model)
        status_markdown(model)
        times["text"].append(1e3 * (time.perf_counter() - t0))
    return times


def main(argv: list[str] | None = None) -> int:
    """Measure and print the table."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--scenario", action="append", help="repeatable (default: two scenarios)")
    ap.add_argument("--seeds", type=int, default=1, help="runs per scenario (seeds 1..N)")
    args = ap.parse_args(argv)
    for scenario in args.scenario or ["classroom", "usjapan_2019"]:
        merged: dict[str, list[float]] = {}
        steps = 0
        for seed in range(1, args.seeds + 1):
            for key, values in measure(scenario, seed).items():
                merged.setdefault(key, []).extend(values)
            steps = len(merged["model.step"])
        print(f"{scenario}: {steps} steps over {args.seeds} run(s); ms per step")
        print(f"  {'view':14s} {'median':>8s} {'p90':>8s} {'max':>8s}")
        for key, values in merged.items():
            ordered = sorted(values)
            p90 = ordered[int(0.9 * (len(ordered) - 1))]
            print(
                f"  {key:14s} {statistics.median(values):8.1f} {p90:8.1f} {max(values):8.1f}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
