"""Reproduce the calibration figures of docs/calibration.md.

Usage: python experiments/calibration_check.py [--seeds 500]
Runs the 2019 and 2015 scenarios over many seeds and prints how close they come to history.
"""

from __future__ import annotations

import argparse
import statistics

import sim

TPP = {"rice": 0.3256, "wheat": 0.45, "dairy": 1.0, "beef": 0.7662, "pork": 0.8963}
HISTORY_2019 = {
    "rice": 0.0,
    "wheat": 0.45,
    "dairy": 1.0,
    "beef": 0.7662,
    "pork": 0.8963,
    "autos": 0.0,
    "auto_parts": 0.0,
}


def check_2019(seeds: int) -> None:
    scenario = sim.load_scenario("usjapan_2019")
    outs = [sim.run(scenario, s) for s in range(seeds)]
    deals = [o for o in outs if o.agreement]
    n = len(deals)
    print(f"usjapan_2019, {seeds} seeds")
    print(f"  agreement rate                       {n / seeds:.3f}")
    ended = {
        k: sum(o.ended == k for o in outs) / seeds for k in ("agreement", "breakdown", "horizon")
    }
    print(f"  ended                                {ended}")
    after = sum("2019-07-21" < o.date < "2020-11-03" for o in deals) / n
    print(f"  deals after Japan's election, before the U.S. one  {after:.3f}")
    dates = sorted(o.date for o in deals)
    print(f"  deal date: median {dates[n // 2]}, 10% {dates[n // 10]}, 90% {dates[9 * n // 10]}")
    by_month = {}
    for d in dates:
        by_month[d[:7]] = by_month.get(d[:7], 0) + 1
    print(
        "  deals by month                      ", {k: round(v / n, 3) for k, v in by_month.items()}
    )
    farm_ok = sum(all(o.concessions[s] <= TPP[s] + 1e-9 for s in TPP) for o in deals) / n
    print(f"  farm concessions <= TPP              {farm_ok:.3f}")
    print(
        f"  no rice access (x < 0.01)            {sum(o.concessions['rice'] < 0.01 for o in deals) / n:.3f}"
    )
    print(
        f"  no U.S. car tariff cut (x < 0.01)    {sum(o.concessions['autos'] < 0.01 for o in deals) / n:.3f}"
    )
    print(
        f"  U.S. car tariff cut < 0.1 (0.25 pt)  {sum(o.concessions['autos'] < 0.1 for o in deals) / n:.3f}"
    )
    print("  sector      model mean [10%, 90%]      history")
    for s, hist in HISTORY_2019.items():
        xs = sorted(o.concessions[s] for o in deals)
        sector = scenario.sectors[s]
        print(
            f"  {s:<11} {statistics.mean(xs):.2f} [{xs[n // 10]:.2f}, {xs[9 * n // 10]:.2f}]"
            f"  = {sector.level(statistics.mean(xs)):,.1f} vs {sector.level(hist):,.1f} {sector.unit}"
        )
    print(
        f"  ratification failures per run        {sum(o.ratification_failures for o in outs) / seeds:.3f}"
    )


def check_2015(seeds: int) -> None:
    scenario = sim.load_scenario("usjapan_2015")
    outs = [sim.run(scenario, s) for s in range(seeds)]
    deals = [o for o in outs if o.agreement]
    n = len(deals)
    print(f"usjapan_2015, {seeds} seeds")
    print(f"  agreement rate                       {n / seeds:.3f}")
    print(
        f"  closed by Abe's visit (2015-04-28)   {sum(o.date <= '2015-04-28' for o in deals) / seeds:.3f}"
    )
    print(
        f"  closed by TPP's conclusion (10-05)   {sum(o.date <= '2015-10-05' for o in deals) / seeds:.3f}"
    )
    dates = sorted(o.date for o in deals)
    if dates:
        print(
            f"  deal date: median {dates[n // 2]}, 10% {dates[n // 10]}, 90% {dates[9 * n // 10]}"
        )
        for s in TPP:
            xs = [o.concessions[s] for o in deals]
            print(f"  {s:<11} model mean {statistics.mean(xs):.2f}   TPP {TPP[s]:.2f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=500)
    args = parser.parse_args()
    check_2019(args.seeds)
    check_2015(args.seeds)
