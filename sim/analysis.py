"""Analysis of an outcome: win-sets, Pareto frontier, Nash bargaining solution.

Utilities are concave, so the set of feasible utility pairs is convex and every point of its
Pareto frontier maximises some weighted sum of the parties' utilities. The frontier is traced
with the same closed-form per-sector solver the negotiators use (``sim.offers``).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

from sim.offers import _solve, best_offer
from sim.utility import Piecewise


@dataclass(frozen=True, slots=True)
class Side:
    """One party seen from outside: per-sector utilities, constant term and disagreement point.

    Attributes:
        utilities: Per-sector utility functions.
        constant: Added to the sum over sectors (the strategic value ``V``).
        floor: Lowest acceptable utility (``R + m``) for the win-set.
        disagreement: Utility of no deal (``R``), the Nash disagreement point.

    """

    utilities: Sequence[Piecewise]
    constant: float
    floor: float
    disagreement: float

    def value(self, x: Sequence[float]) -> float:
        """Total utility of ``x``."""
        total = self.constant
        for u, xj in zip(self.utilities, x, strict=True):
            total += u(xj)
        return total


def zone_of_agreement(
    sides: Sequence[Side],
    lo: Sequence[float],
    hi: Sequence[float],
    tol: float = 1e-9,
    theta0: float | None = None,
) -> tuple[bool, float | None]:
    """Do the win-sets intersect? Return ``(non_empty, theta)`` (``theta``: a warm start).

    Two parties: exact. Maximise the second side's utility subject to the first one's floor
    and check the second one's floor (Putnam 1988: a deal needs both win-sets). More parties:
    a multiplicative-weights search on the weights of ``sum_c mu_c (U_c - floor_c)``, exact
    when it finds a point, conservative (may miss a thin zone) when it does not.
    """
    if any(a > b + tol for a, b in zip(lo, hi, strict=True)):
        return False, None
    if len(sides) == 2:
        a, b = sides
        res = best_offer(b.utilities, a.utilities, a.floor - a.constant, lo, hi, theta0=theta0)
        if not res.feasible:
            return False, None
        return b.value(res.x) >= b.floor - tol, res.theta
    return _zone_many(sides, lo, hi, tol), None


def _zone_many(sides: Sequence[Side], lo: Sequence[float], hi: Sequence[float], tol: float) -> bool:
    """Dual search for a point in every win-set: ``min_mu max_x sum_c mu_c (U_c - floor_c)``.

    Multiplicative weights with a shrinking step move weight toward the sides below their
    floor; since every ``U_c`` is concave, the running average of the weighted-sum optima gains
    what the iterates lose by cycling, so both it and the current optimum are checked.
    """
    n = len(sides)
    m = len(lo)
    mu = [1.0 / n] * n
    avg = [0.0] * m
    for k in range(1, 301):
        x = []
        for j in range(m):
            h = Piecewise.zero(sides[0].utilities[j].breaks)
            for c in range(1, n):
                h.add_scaled(sides[c].utilities[j], mu[c])
            xs, _ = _solve([h], [sides[0].utilities[j]], mu[0] / (mu[0] + 1.0), [lo[j]], [hi[j]])
            x.append(xs[0])
        avg = [a + (v - a) / k for a, v in zip(avg, x, strict=True)]
        for point in (x, avg):
            if min(s.value(point) - s.floor for s in sides) >= -tol:
                return True
        surplus = [s.value(x) - s.floor for s in sides]
        scale = max(abs(v) for v in surplus) or 1.0
        step = 1.0 / math.sqrt(k)
        mu = [w * math.exp(-step * v / scale) for w, v in zip(mu, surplus, strict=True)]
        total = sum(mu)
        mu = [w / total for w in mu]
    return False


def pareto_frontier(
    a: Side, b: Side, lo: Sequence[float], hi: Sequence[float], points: int = 101
) -> list[tuple[float, float, list[float]]]:
    """Points ``(U_a, U_b, x)`` on the Pareto frontier of two parties, ordered by ``U_a``.

    Each point maximises ``(1 - theta) U_b + theta U_a`` for ``theta`` spaced so that points
    spread along the frontier.
    """
    out = []
    for i in range(points):
        theta = 0.5 - 0.5 * math.cos(math.pi * i / (points - 1))
        theta = min(max(theta, 1e-9), 1.0 - 1e-9)
        x, _ = _solve(b.utilities, a.utilities, theta, lo, hi)
        out.append((a.value(x), b.value(x), x))
    out.sort(key=lambda p: p[0])
    return out


def nash_solution(
    a: Side, b: Side, lo: Sequence[float], hi: Sequence[float], points: int = 61
) -> tuple[float, float, list[float]] | None:
    """The Nash bargaining solution: maximise ``(U_a - d_a)(U_b - d_b)`` on the frontier.

    Nash (1950). The frontier is traced at ``points`` weights; the Nash point lies on the best
    frontier point or on a frontier edge next to it (with linear utilities the weighted-sum
    optima are only the vertices), so both neighbouring edges are searched by golden section.
    Along an edge both gains are concave, so ``min(gains)`` outside the region where both are
    positive and the product inside it make one unimodal objective. None when no deal gives
    both sides more than no deal.
    """

    def score(x: Sequence[float]) -> float:
        ga, gb = a.value(x) - a.disagreement, b.value(x) - b.disagreement
        return ga * gb if ga > 0.0 and gb > 0.0 else min(ga, gb) - 1.0

    frontier = pareto_frontier(a, b, lo, hi, points)
    xs: list[list[float]] = []
    for _, _, x in frontier:  # a range of weights can give the same point: keep it once
        if not xs or max(abs(u - v) for u, v in zip(x, xs[-1], strict=True)) > 1e-12:
            xs.append(x)
    scores = [score(x) for x in xs]
    k = max(range(len(xs)), key=scores.__getitem__)
    best_x, best = xs[k], scores[k]
    phi = (math.sqrt(5.0) - 1.0) / 2.0
    for i in (k - 1, k):
        if i < 0 or i + 1 >= len(xs):
            continue
        x1, x2 = xs[i], xs[i + 1]

        def along(s: float, x1: list[float] = x1, x2: list[float] = x2) -> list[float]:
            return [u + s * (v - u) for u, v in zip(x1, x2, strict=True)]

        left, right = 0.0, 1.0
        c, d = right - phi, phi
        fc, fd = score(along(c)), score(along(d))
        for _ in range(40):
            if fc > fd:
                right, d, fd = d, c, fc
                c = right - phi * (right - left)
                fc = score(along(c))
            else:
                left, c, fc = c, d, fd
                d = left + phi * (right - left)
                fd = score(along(d))
        x = along(0.5 * (left + right))
        value = score(x)
        if value > best:
            best_x, best = x, value
    if best <= 0.0:
        return None
    # A chord between curved frontier points runs inside the frontier: move out to it, giving
    # b all it can get without a losing, which raises the product further.
    res = best_offer(b.utilities, a.utilities, a.value(best_x) - a.constant, lo, hi)
    if res.feasible and b.value(res.x) > b.value(best_x):
        best_x = res.x
    return a.value(best_x), b.value(best_x), best_x


def pareto_gap(
    a: Side, b: Side, x: Sequence[float], lo: Sequence[float], hi: Sequence[float]
) -> float:
    """How much ``b`` could gain over ``x`` without ``a`` losing: 0 on the frontier."""
    res = best_offer(b.utilities, a.utilities, a.value(x) - a.constant, lo, hi)
    return max(b.value(res.x) - b.value(x), 0.0)


def distance_to_frontier(
    point: tuple[float, float], frontier: Sequence[tuple[float, float, list[float]]]
) -> float:
    """Euclidean distance in utility space from ``point`` to the frontier's polyline."""
    px, py = point
    best = math.inf
    for (x1, y1, _), (x2, y2, _) in itertools.pairwise(frontier):
        dx, dy = x2 - x1, y2 - y1
        length = dx * dx + dy * dy
        s = 0.0 if length == 0 else max(0.0, min(1.0, ((px - x1) * dx + (py - y1) * dy) / length))
        best = min(best, math.hypot(px - (x1 + s * dx), py - (y1 + s * dy)))
    return best
