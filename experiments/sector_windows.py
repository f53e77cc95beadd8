"""Why a scenario's deals miss a set of terms: each sector's exchange-rate window.

Usage: python experiments/sector_windows.py [SCENARIO] [--reference tpp] [--seeds 200]
       [--set PATH=VALUE ...]   (what-ifs, as negsim run --set takes them)

Every deal on the Pareto frontier of two sides maximises ``mu U_a + U_b`` for one exchange
rate ``mu`` (a unit of the first party's utility in units of the second's), the same in every
sector (``sim.analysis.rate_window``). A sector lands at a given level only if the deal's
``mu`` falls in that level's window, computed from the two governments' utilities at the
deal. This script runs the scenario, and for every ratified deal records ``mu`` at the deal
(``sim.analysis.deal_rate``) and each sector's window at its named reference level (TPP's
terms by default); it prints their medians. Windows that do not overlap mean no setting of
the negotiators' tactics, floors or strengths that moves ``mu`` can reach all the terms
together: the scenario's sector utilities (stakes, economics) must change
(docs/calibration.md, "usjapan_2015: why TPP's terms are out of reach").
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
from dataclasses import dataclass
from typing import NoReturn

import sim
from sim.analysis import deal_rate, one_sided_slopes, rate_window
from sim.calendar import possessive


@dataclass
class SectorWindow:
    """One sector's reference level, where the deals put it, and its window (medians)."""

    sector: str
    label: str
    unit: str
    reference: float  # x
    reference_level: float  # in the sector's unit
    deal: float  # median x at the deal
    deal_level: float
    low: float | None  # median window, None when no deal had one
    high: float | None
    no_window: float  # share of deals where no mu makes the reference level optimal
    marginal: tuple[float, float]  # each party's marginal utility of x reaching the level


def windows(
    scenario: sim.Scenario, seeds: range, reference: str
) -> tuple[float | None, int, list[SectorWindow]]:
    """Median ``mu`` at the ratified deals, their number, and every sector's window."""
    if len(scenario.parties) != 2:
        raise ValueError("the windows are defined for two parties")
    rates: list[float] = []
    deals: list[list[float]] = []
    per_sector: dict[str, list[tuple[float, float] | None]] = {s: [] for s in scenario.sectors}
    marginals: dict[str, list[tuple[float, float]]] = {s: [] for s in scenario.sectors}
    for seed in seeds:
        model = sim.NegotiationModel(scenario, rng=seed, collect=False, analyse=False)
        outcome = model.run()
        if outcome.ended != "agreement" or model.deal is None:
            continue
        a, b = model.deal_sides
        lo, hi = model.public_bounds
        rate = deal_rate(a, b, model.deal, lo, hi)
        if rate is not None:
            rates.append(rate)
        deals.append(model.deal)
        for j, sector in enumerate(model.sector_names):
            level = scenario.reference_level(sector, reference)
            per_sector[sector].append(rate_window(a.utilities[j], b.utilities[j], level))
            # From the left (the last step to the level), or from the right at 0.
            side = 0 if level > 0.0 else 1
            marginals[sector].append(
                (
                    one_sided_slopes(a.utilities[j], level)[side],
                    one_sided_slopes(b.utilities[j], level)[side],
                )
            )
    out = []
    for j, (sector, spec) in enumerate(scenario.sectors.items()):
        found = [w for w in per_sector[sector] if w is not None]
        level = scenario.reference_level(sector, reference)
        deal = statistics.median(d[j] for d in deals) if deals else math.nan
        out.append(
            SectorWindow(
                sector=sector,
                label=spec.label,
                unit=spec.unit,
                reference=level,
                reference_level=spec.level(level),
                deal=deal,
                deal_level=spec.level(deal),
                low=statistics.median(w[0] for w in found) if found else None,
                high=statistics.median(w[1] for w in found) if found else None,
                no_window=1.0 - len(found) / len(per_sector[sector]) if deals else math.nan,
                marginal=(
                    statistics.median(m[0] for m in marginals[sector]) if deals else math.nan,
                    statistics.median(m[1] for m in marginals[sector]) if deals else math.nan,
                ),
            )
        )
    rate = statistics.median(rates) if rates else None
    return rate, len(deals), out


def verdict(w: SectorWindow, rate: float | None) -> str:
    """Where the deal's rate falls against the sector's window."""
    if w.low is None or w.high is None or rate is None:
        return "no window"
    if rate < w.low:
        return "rate below the window"
    if rate > w.high:
        return "rate above the window"
    return "inside"


def number(value: float) -> str:
    """A level for people: thousands separated, small values to three figures."""
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"


def refuse(message: str) -> NoReturn:
    """A user's mistake: one line on stderr, exit code 2 (as negsim's commands do)."""
    print(f"sector_windows: {message}", file=sys.stderr)
    sys.exit(2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", nargs="?", default="usjapan_2015")
    parser.add_argument("--reference", default="tpp", help="a named reference level")
    parser.add_argument("--seeds", type=int, default=200)
    parser.add_argument("--set", action="append", default=[], metavar="PATH=VALUE")
    args = parser.parse_args()
    if args.seeds < 1:
        refuse(f"--seeds: needs at least 1 run (got {args.seeds})")
    try:
        scenario = sim.load_scenario(args.scenario, args.set or None)
    except sim.ScenarioError as exc:
        refuse(str(exc))
    if len(scenario.parties) != 2:
        refuse(f"{args.scenario}: the windows are defined for two parties")
    lacking = [name for name, s in scenario.sectors.items() if args.reference not in s.references]
    if lacking:
        refuse(
            f"--reference: {args.scenario} has no level {args.reference!r} in"
            f" {', '.join(lacking)} (a name from the sectors' references)"
        )
    labels = [scenario.parties[p].label for p in scenario.parties]
    first, second = (possessive(label) for label in labels)
    rate, n, rows = windows(scenario, range(args.seeds), args.reference)
    shown = "none" if rate is None else f"{rate:.3f}"
    print(f"{args.scenario}: {n} ratified deals of {args.seeds} runs; mu at the deal {shown}")
    print(f"(mu: a unit of {first} utility in units of {second})\n")
    print(
        f"| sector | {args.reference} | deals (median) | marginal utility at {args.reference}: "
        f"{labels[0]} / {labels[1]} | window for {args.reference} | where |"
    )
    print("|---|---|---|---|---|---|")
    for w in rows:
        window = "none" if w.low is None or w.high is None else f"[{w.low:.3g}, {w.high:.3g}]"
        print(
            f"| {w.label} ({w.unit}) | {number(w.reference_level)} | {number(w.deal_level)} "
            f"| {w.marginal[0]:.3g} / {w.marginal[1]:.3g} | {window} | {verdict(w, rate)} |"
        )


if __name__ == "__main__":
    main()
