"""Reproduce the calibration figures of docs/calibration.md.

Usage: python experiments/calibration_check.py [--seeds 500]
Runs the 2019 and 2015 scenarios over many seeds (seeds 0 .. N-1) and prints, for each, what a
calibration table needs: how the runs ended and why, when deals came (quantiles, by month, by
summit week, against the elections and the historical milestones), and the terms (each sector's
mean with its 10-90% range, in x and in the sector's unit, against history).
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import sim

FARM = ("rice", "wheat", "dairy", "beef", "pork")
FARM_NO_RICE = ("wheat", "dairy", "beef", "pork")


@dataclass(frozen=True)
class History:
    """What happened, to set the model's runs against."""

    levels: dict[str, float]  # sector -> the historical outcome in the sector's own unit
    milestones: tuple[tuple[str, str], ...]  # (label, ISO date): share of runs agreed by then


# Sector levels from shared/facts/usjapan.md, in each sector's unit (see configs/).
TPP_LEVELS = {
    "rice": 70_000,  # U.S.-specific quota, t/yr, after 13 years
    "wheat": 45,  # cut in the state import markup, %
    "dairy": 0,  # cheese tariff, %
    "beef": 9,  # tariff, %
    "pork": 50,  # gate-price duty, yen/kg
    "autos": 0,  # U.S. car tariff, %, in year 25
    "auto_parts": 80,  # U.S. tariff lines duty-free, %
}
HISTORY = {
    # The 2019 agreement: TPP terms on wheat, cheese, beef and pork, no rice quota, no cut of
    # the U.S. car tariff (2.5%) or of U.S. auto-part duties.
    "usjapan_2019": History(
        levels={**TPP_LEVELS, "rice": 0, "autos": 2.5, "auto_parts": 0},
        milestones=(
            ("G7 agreement in principle", "2019-08-25"),
            ("joint statement, New York", "2019-09-25"),
            ("signature", "2019-10-07"),
        ),
    ),
    # The 2015 talks ended in TPP (concluded 2015-10-05): its terms are the outcome; nothing
    # was settled by Abe's state visit of 2015-04-28.
    "usjapan_2015": History(
        levels=TPP_LEVELS,
        milestones=(
            ("Abe's state visit", "2015-04-28"),
            ("TPP's conclusion, Atlanta", "2015-10-05"),
        ),
    ),
}


def at(values: Sequence, q: float):
    """The ``q`` quantile of sorted ``values`` by rank (the value at index ``floor(q n)``)."""
    return values[min(int(q * len(values)), len(values) - 1)]


def x_of(sector, level: float) -> float:
    """A level in the sector's unit as a concession ``x`` (0 today, 1 free trade)."""
    return (level - sector.status_quo) / (sector.free_trade - sector.status_quo) + 0.0  # no -0.0


def share(count: float, total: int) -> str:
    return f"{count / total:.3f}" if total else "n/a"


def check(name: str, seeds: int) -> None:
    scenario = sim.load_scenario(name)
    history = HISTORY[name]
    hist = {s: x_of(scenario.sectors[s], level) for s, level in history.levels.items()}
    tpp = {s: scenario.sectors[s].references["tpp"] for s in FARM}
    outs = [sim.run(scenario, s) for s in range(seeds)]
    deals = [o for o in outs if o.agreement]
    n = len(deals)
    dates = sorted(o.date for o in deals)
    step_days = scenario.calendar.step_days

    print(f"{name}, {seeds} seeds ({scenario.title})")
    print(f"  agreement rate                       {n / seeds:.3f} ({n} deals)")
    ended = {
        k: round(sum(o.ended == k for o in outs) / seeds, 3)
        for k in ("agreement", "breakdown", "horizon")
    }
    print(f"  ended                                {ended}")
    print("  runs without a deal, by reason (share of runs):")
    reasons = Counter(o.reason for o in outs if not o.agreement)
    for reason, count in reasons.most_common():
        print(f"    {count / seeds:.3f}  {reason}")
    if not reasons:
        print("    none")

    # Timing against the elections (each party's first election) and history's milestones.
    japan = min((e.date for e in scenario.parties["japan"].elections.values()), default=None)
    us = min((e.date for e in scenario.parties["united_states"].elections.values()), default=None)
    if japan and us:
        ja, u = japan.isoformat(), us.isoformat()
        before = sum(o.date <= ja for o in deals)
        between = sum(ja < o.date < u for o in deals)
        after = sum(o.date >= u for o in deals)
        print(f"  deals before Japan's election ({ja})              {share(before, n)}")
        print(
            f"  deals after Japan's election, before the U.S. one ({u})  {share(between, n)}"
            f"  (of all runs: {between / seeds:.3f})"
        )
        print(f"  deals on or after the U.S. election                {share(after, n)}")
    for label, date in history.milestones:
        agreed = sum(o.date <= date for o in deals)
        print(f"  runs agreed by {label} ({date}):  {agreed / seeds:.3f}")
    if not deals:
        print("  no deals: no dates or terms to report")
        return
    print(
        f"  deal date: median {at(dates, 0.5)}, 10% {at(dates, 0.1)}, 90% {at(dates, 0.9)}"
        f"  (a date is the first day of the {step_days}-day step)"
    )
    by_month = Counter(d[:7] for d in dates)
    print("  deals by month (share of deals):")
    print("    " + ", ".join(f"{m} {c / n:.3f}" for m, c in sorted(by_month.items())))
    print("  deals in the step holding a summit, or the step before (share of deals):")
    for summit in scenario.summits.values():
        week = sum(
            0 <= (summit.start - dt.date.fromisoformat(o.date)).days < step_days for o in deals
        )
        before = sum(
            step_days <= (summit.start - dt.date.fromisoformat(o.date)).days < 2 * step_days
            for o in deals
        )
        print(
            f"    {summit.label} ({summit.start}): its step {week / n:.3f}, step before {before / n:.3f}"
        )

    # Terms.
    print(
        "  sector       x: mean [10%, 90%]   history | in the sector's unit: mean [10%, 90%]   history"
    )
    for s, sector in scenario.sectors.items():
        xs = sorted(o.concessions[s] for o in deals)
        mean, lo, hi = statistics.mean(xs), at(xs, 0.1), at(xs, 0.9)
        u_lo, u_hi = sorted((sector.level(lo), sector.level(hi)))
        print(
            f"  {s:<11}  {mean:.2f} [{lo:.2f}, {hi:.2f}]   {hist[s]:.2f}   |"
            f" {sector.level(mean):,.1f} [{u_lo:,.1f}, {u_hi:,.1f}]"
            f"   {history.levels[s]:,}  {sector.unit}"
        )

    def farm_share(o, sectors: Sequence[str]) -> float:
        return statistics.mean(o.concessions[s] / tpp[s] for s in sectors)

    for sectors, label in ((FARM_NO_RICE, "wheat, dairy, beef, pork"), (FARM, "with rice")):
        xs = sorted(farm_share(o, sectors) for o in deals)
        hist_share = statistics.mean(hist[s] / tpp[s] for s in sectors)
        print(
            f"  farm share of TPP (mean x / TPP, {label}): {statistics.mean(xs):.3f}"
            f" [{at(xs, 0.1):.3f}, {at(xs, 0.9):.3f}]; history {hist_share:.3f}"
        )
    over = sum(any(o.concessions[s] > tpp[s] + 1e-6 for s in FARM) for o in deals)
    print(f"  deals with a farm sector above TPP   {over / n:.3f}")
    print(
        f"  no rice access (x < 0.01)            {sum(o.concessions['rice'] < 0.01 for o in deals) / n:.3f}"
    )
    print(
        f"  no U.S. car tariff cut (x < 0.01)    {sum(o.concessions['autos'] < 0.01 for o in deals) / n:.3f}"
    )
    print(
        f"  U.S. car tariff cut < 0.1 (0.25 pt)  {sum(o.concessions['autos'] < 0.1 for o in deals) / n:.3f}"
    )
    for p in ("united_states", "japan"):
        gains = sorted(o.gains[p] for o in deals)
        print(
            f"  {p + ' gain over no deal':<36} {statistics.mean(gains):.2f}"
            f" [{at(gains, 0.1):.2f}, {at(gains, 0.9):.2f}] (welfare points, deals)"
        )

    # Ratification.
    attempts = sum(o.ratification_attempts for o in outs) / seeds
    failures = sum(o.ratification_failures for o in outs) / seeds
    failed_runs = sum(o.ratification_failures > 0 for o in outs) / seeds
    print(f"  ratification attempts per run        {attempts:.3f}")
    print(
        f"  ratification failures per run        {failures:.3f} (runs with one or more: {failed_runs:.3f})"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=500)
    args = parser.parse_args()
    if args.seeds < 1:
        parser.error("--seeds must be at least 1")
    for i, name in enumerate(("usjapan_2019", "usjapan_2015")):
        if i:
            print()
        check(name, args.seeds)
