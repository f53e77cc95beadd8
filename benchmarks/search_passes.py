"""How many solves an offer search takes: the distribution over every search of many runs.

The search (``sim.offers.best_offer``) costs one pass over the sectors per value of ``theta`` it
tries; this counts them, per search made by the negotiators, over whole runs. Usage::

    .venv/bin/python benchmarks/search_passes.py                 # usjapan_2019, seeds 0..99
    .venv/bin/python benchmarks/search_passes.py --scenario classroom --seeds 200
"""

from __future__ import annotations

import argparse
import collections
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import agents.representative as representative
import sim
import sim.offers as offers


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default="usjapan_2019")
    parser.add_argument("--seeds", type=int, default=100)
    args = parser.parse_args()
    passes = 0
    counts: collections.Counter[int] = collections.Counter()
    solve_single, solve, best_offer = offers.solve_single, offers.solve, offers.best_offer

    def counted_single(*a, **k):
        nonlocal passes
        passes += 1
        return solve_single(*a, **k)

    def counted_general(*a, **k):
        nonlocal passes
        passes += 1
        return solve(*a, **k)

    def search(*a, **k):
        nonlocal passes
        passes = 0
        result = best_offer(*a, **k)
        counts[passes] += 1
        return result

    offers.solve_single, offers.solve, representative.best_offer = (
        counted_single,
        counted_general,
        search,
    )
    scenario = sim.load_scenario(args.scenario)
    for seed in range(args.seeds):
        sim.NegotiationModel(scenario, rng=seed, collect=False).run()
    n = sum(counts.values())
    mean = sum(k * v for k, v in counts.items()) / n
    print(f"{args.scenario}, seeds 0..{args.seeds - 1}: {n} offer searches")
    print(f"solves per search: mean {mean:.2f}, most {max(counts)}")
    for k in sorted(counts):
        print(f"  {k:3d} solves: {counts[k] / n:6.1%}")


if __name__ == "__main__":
    main()
