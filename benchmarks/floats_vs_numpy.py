"""Design question: plain Python floats or numpy for negsim's 7-element vectors?

Times, with ``timeit``, the two kernels of the per-step loop on real utilities from a model of
the default scenario (usjapan_2019):

1. a government's utility of an offer, the sum over 7 sectors of a piecewise quadratic:
   ``sim.utility.total`` over ``Piecewise`` objects against a numpy version (arrays of
   ``c, p, q`` per segment, ``np.searchsorted`` for the segments, vectorised evaluation);
2. one closed-form per-sector argmax pass of the offer search: ``sim.offers.solve`` on a
   problem compiled once per search (``compile_problem``, timed too), and ``solve_at`` (compile
   and solve), against a numpy version of the same rule.

Both numpy versions are checked against the project's code before timing. They are timed on
arrays built beforehand (numpy's best case); the cost of building those arrays, which a numpy
design would pay whenever a utility is rebuilt (every step), is printed separately. Usage::

    .venv/bin/python benchmarks/floats_vs_numpy.py
    .venv/bin/python benchmarks/floats_vs_numpy.py --steps 1 --repeat 9
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import random
import sys
import timeit
from collections.abc import Sequence
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sim
from sim import offers
from sim.offers import compile_problem, solve_at
from sim.utility import Piecewise, total


class PiecewiseArrays:
    """The per-sector piecewise quadratics of one party as padded 2-D numpy arrays.

    Row ``j`` is sector ``j``; sectors with fewer segments are padded with empty segments at
    ``x = 1`` (never selected). Breakpoints are stored once more flattened, each row shifted by
    ``2 j``, so that one ``np.searchsorted`` call finds every sector's segment.
    """

    def __init__(self, pieces: Sequence[Piecewise]) -> None:
        n = len(pieces)
        k = max(len(u.c) for u in pieces)
        self.n, self.k = n, k
        self.breaks = np.ones((n, k + 1))
        self.c = np.zeros((n, k))
        self.p = np.zeros((n, k))
        self.q = np.zeros((n, k))
        for j, u in enumerate(pieces):
            m = len(u.c)
            self.breaks[j, : m + 1] = u.breaks
            self.c[j, :m] = u.c
            self.p[j, :m] = u.p
            self.q[j, :m] = u.q
        self.rows = np.arange(n)
        self.last = np.array([len(u.c) - 1 for u in pieces])
        self.shift = 2.0 * self.rows
        self.flat = (self.breaks + self.shift[:, None]).ravel()
        self.base = self.rows * (k + 1) + 1

    def segments(self, x: np.ndarray) -> np.ndarray:
        """Segment index per sector (the right one at a breakpoint), like ``Piecewise.segment``."""
        i = np.searchsorted(self.flat, x + self.shift, side="right") - self.base
        return np.clip(i, 0, self.last)

    def total(self, x: np.ndarray) -> float:
        """Sum over sectors of ``u_j(x_j)``."""
        i = self.segments(x)
        r = self.rows
        return float((self.c[r, i] + x * (self.p[r, i] + self.q[r, i] * x)).sum())


def solve_numpy(
    h: PiecewiseArrays, f: PiecewiseArrays, theta: float, lo: np.ndarray, hi: np.ndarray
) -> tuple[np.ndarray, float]:
    """Vectorised ``sim.offers.solve_at``: per-sector argmax of ``(1 - theta) h + theta f``.

    Same rule as ``sim.offers.sector_argmax``: the optimum lies on the first segment (from the
    left, among those reaching ``lo``) whose right end has a non-positive derivative or is
    ``hi``; there it is the clipped root of the derivative.
    """
    wh = 1.0 - theta
    p = wh * h.p + theta * f.p
    q2 = 2.0 * (wh * h.q + theta * f.q)
    left, right = f.breaks[:, :-1], f.breaks[:, 1:]
    lo2, hi2 = lo[:, None], hi[:, None]
    a = np.maximum(left, lo2)
    b = np.minimum(right, hi2)
    db = p + q2 * b
    stop = (right >= lo2) & ((db <= 0.0) | (b >= hi2))
    i = stop.argmax(axis=1)
    r = f.rows
    pi, q2i, ai, bi = p[r, i], q2[r, i], a[r, i], b[r, i]
    safe = np.where(q2i == 0.0, -1.0, q2i)
    x = np.where(db[r, i] >= 0.0, bi, np.where(pi + q2i * ai <= 0.0, ai, -pi / safe))
    own = float((f.c[r, i] + x * (f.p[r, i] + f.q[r, i] * x)).sum())
    return x, own


def per_call(stmt: object, repeat: int) -> float:
    """Best-of-``repeat`` seconds per call of ``stmt`` (``timeit`` picks the loop count)."""
    timer = timeit.Timer(stmt)  # type: ignore[arg-type]
    number, _ = timer.autorange()
    return min(timer.repeat(repeat=repeat, number=number)) / number


def calls_per_run(scenario: sim.Scenario, runs: int) -> dict[str, float]:
    """Mean calls per run of the two kernels, from a cProfile of ``runs`` runs.

    ``solve``: passes of the per-sector argmax over all sectors (``offers.solve``, called
    directly or through ``solve_at``, not counted twice); ``sums``: 7-sector utility
    sums (``utility.total``, ``offers._value``, ``Government.utility``, ``Side.value``);
    ``pieces``: single ``Piecewise.__call__`` evaluations, from anywhere.
    """
    prof = cProfile.Profile()
    prof.enable()
    for seed in range(runs):
        sim.run(scenario, seed)
    prof.disable()
    stats = pstats.Stats(prof).stats  # type: ignore[attr-defined]
    kinds = {
        ("offers.py", "solve_at"): "solve",
        ("offers.py", "solve"): "solve",
        ("utility.py", "total"): "sums",
        ("offers.py", "_value"): "sums",
        ("government.py", "utility"): "sums",
        ("analysis.py", "value"): "sums",
        ("utility.py", "__call__"): "pieces",
    }

    def kind(func: tuple[str, int, str]) -> str | None:
        return kinds.get((Path(func[0]).name, func[2]))

    out = {"solve": 0.0, "sums": 0.0, "pieces": 0.0}
    for func, (_, ncalls, _, _, callers) in stats.items():
        k = kind(func)
        if k is None:
            continue
        # Calls from another function of the same kind (a wrapper) are not counted twice.
        nested = 0 if k == "pieces" else sum(c[1] for f, c in callers.items() if kind(f) == k)
        out[k] += (ncalls - nested) / runs
    return out


def main(argv: list[str] | None = None) -> int:
    """Check the numpy versions, time both sides and print the comparison."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--scenario", default="usjapan_2019")
    ap.add_argument("--party", default="japan", help="government whose utilities are used")
    ap.add_argument("--steps", type=int, default=5, help="model steps before sampling utilities")
    ap.add_argument("--theta", type=float, default=0.5, help="weight on own utility in solve_at")
    ap.add_argument("--repeat", type=int, default=7, help="timeit repeats (best one is kept)")
    ap.add_argument("--profile-runs", type=int, default=20, help="runs to count calls per run")
    args = ap.parse_args(argv)

    scenario = sim.load_scenario(args.scenario)
    model = sim.NegotiationModel(scenario, rng=1, collect=False)
    for _ in range(args.steps):
        model.step()
    gov = model.governments_by_name[args.party]
    rep = model.representatives_by_name[args.party]
    fs: list[Piecewise] = gov.sector_utilities
    hs: list[Piecewise] = rep.modelled_others()
    lo_l, hi_l = (list(v) for v in model.public_bounds)
    if rep.offer is not None:
        x_l = list(rep.offer)
    else:
        x_l = [0.5 * (a + b) for a, b in zip(lo_l, hi_l, strict=True)]
    segs = [len(u.c) for u in fs]
    print(
        f"{args.scenario}, {args.party}'s utilities after {args.steps} step(s): "
        f"{len(fs)} sectors, segments per sector {segs}"
    )

    F, H = PiecewiseArrays(fs), PiecewiseArrays(hs)
    lo, hi, x = np.array(lo_l), np.array(hi_l), np.array(x_l)

    # Check: the numpy versions agree with the project's code (a warning, not an error, so
    # that the timing still runs if sim/ changes its rule under this script).
    rnd = random.Random(0)
    bad_total = bad_solve = 0
    for _ in range(2000):
        xs = [rnd.choice([0.0, 1.0, *u.breaks, rnd.random()]) for u in fs]
        bad_total += abs(F.total(np.array(xs)) - total(fs, xs)) > 1e-9
    thetas = [0.0, 1e-6, *(rnd.random() for _ in range(500)), 0.999, 1.0 - 1e-9]
    for theta in thetas:
        xr, own_r = solve_at(hs, fs, theta, lo_l, hi_l)
        xn, own_n = solve_numpy(H, F, theta, lo, hi)
        bad_solve += not np.allclose(xn, xr, rtol=0, atol=1e-12) or abs(own_n - own_r) > 1e-9
    if bad_total or bad_solve:
        print(
            f"WARNING: numpy versions disagree: total {bad_total}/2000, "
            f"solve_at {bad_solve}/{len(thetas)} (sim/ changed? fix the numpy side)"
        )
    else:
        print(
            "check: numpy versions agree with sim.utility.total (2000 offers) and "
            f"sim.offers.solve_at ({len(thetas)} thetas)"
        )

    th = args.theta
    problem = compile_problem(hs, fs, lo_l, hi_l)
    rows = [
        ("utility of an offer", "sim.utility.total (floats)", lambda: total(fs, x_l)),
        ("utility of an offer", "numpy, x an ndarray", lambda: F.total(x)),
        ("utility of an offer", "numpy, x a list (+ np.asarray)", lambda: F.total(np.asarray(x_l))),
        (
            "per-sector argmax",
            "sim.offers.solve_at (floats)",
            lambda: solve_at(hs, fs, th, lo_l, hi_l),
        ),
        ("per-sector argmax", "numpy solve_numpy", lambda: solve_numpy(H, F, th, lo, hi)),
        (
            "per-sector argmax",
            "sim.offers.solve (compiled problem)",
            lambda: offers.solve(problem, th),
        ),
        (
            "compile a problem",
            "sim.offers.compile_problem",
            lambda: compile_problem(hs, fs, lo_l, hi_l),
        ),
        ("build arrays", "PiecewiseArrays(7 Piecewise)", lambda: PiecewiseArrays(fs)),
    ]
    times = {}
    print()
    print(f"{'kernel':22s} {'implementation':34s} {'per call':>10s}")
    for kernel, impl, fn in rows:
        t = per_call(fn, args.repeat)
        times[impl] = t
        print(f"{kernel:22s} {impl:34s} {1e6 * t:8.2f} µs")

    t_tot, t_tot_np = times["sim.utility.total (floats)"], times["numpy, x an ndarray"]
    t_sol, t_sol_np = times["sim.offers.solve (compiled problem)"], times["numpy solve_numpy"]
    print()
    print(
        f"utility of an offer: numpy / floats = {t_tot_np / t_tot:.1f}x "
        f"({'floats' if t_tot < t_tot_np else 'numpy'} faster)"
    )
    print(
        f"per-sector argmax:   numpy / floats = {t_sol_np / t_sol:.1f}x "
        f"({'floats' if t_sol < t_sol_np else 'numpy'} faster)"
    )

    calls = calls_per_run(scenario, args.profile_runs)
    n_solve, n_totals = calls["solve"], calls["sums"]
    print()
    print(
        f"calls per run (cProfile, {args.profile_runs} runs): argmax passes {n_solve:.0f}, "
        f"7-sector utility sums {n_totals:.0f}, "
        f"single Piecewise evaluations {calls['pieces']:.0f}"
    )
    print(
        f"time per run in these kernels (unprofiled per-call figures x calls): "
        f"floats {1e3 * (n_solve * t_sol + n_totals * t_tot):.2f} ms, "
        f"numpy {1e3 * (n_solve * t_sol_np + n_totals * t_tot_np):.2f} ms"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
