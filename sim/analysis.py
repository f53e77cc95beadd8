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
from typing import Any

from sim.offers import THETA_OWN, _solve, best_offer
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
        return _zone_two(sides[0], sides[1], lo, hi, tol, theta0)
    return _zone_many(sides, lo, hi, tol), None


def _zone_two(
    a: Side, b: Side, lo: Sequence[float], hi: Sequence[float], tol: float, theta0: float | None
) -> tuple[bool, float]:
    """Two win-sets intersect iff ``min_theta max_x (1 - theta) s_b(x) + theta s_a(x) >= 0``.

    ``s_c = U_c - floor_c`` are the surpluses. Any weighted-sum optimum with both surpluses
    non-negative proves the zone non-empty; any ``theta`` whose dual value is negative proves it
    empty (weak duality). Usually last step's ``theta`` settles it with one solve; otherwise a
    bisection moves weight toward the side short of its floor.
    """
    t_lo, t_hi = 0.0, THETA_OWN
    t = theta0 if theta0 is not None and 0.0 < theta0 < THETA_OWN else 0.5
    ends: dict[str, tuple[float, float]] = {}
    for _ in range(64):
        x, fa = _solve(b.utilities, a.utilities, t, lo, hi)
        sa = fa + a.constant - a.floor
        sb = b.value(x) - b.floor
        if sa >= -tol and sb >= -tol:
            return True, t
        if (1.0 - t) * sb + t * sa < -tol:
            return False, t
        if sa < 0.0:  # a is short: weigh it more
            t_lo, ends["lo"] = t, (sa, sb)
        else:
            t_hi, ends["hi"] = t, (sa, sb)
        if t_hi - t_lo < 1e-13:
            break
        t = 0.5 * (t_lo + t_hi)
    if "lo" in ends and "hi" in ends:
        # A flat stretch of the frontier: mix the two ends (concavity makes the mix at least
        # as good as the linear interpolation of their surpluses).
        (sa1, sb1), (sa2, sb2) = ends["lo"], ends["hi"]
        denom = (sa2 - sa1) - (sb2 - sb1)
        w = min(max((sb1 - sa1) / denom, 0.0), 1.0) if denom != 0.0 else 0.5
        return min(sa1 + w * (sa2 - sa1), sb1 + w * (sb2 - sb1)) >= -tol, t
    return False, t


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
        x, fa = _solve(b.utilities, a.utilities, theta, lo, hi)
        out.append((fa + a.constant, b.value(x), x))
    out.sort(key=lambda p: p[0])
    return out


ROUNDS = 16  # golden-section rounds: the bracket shrinks to 0.618**16 = 5e-4 of its width


def nash_solution(
    a: Side, b: Side, lo: Sequence[float], hi: Sequence[float], points: int = 15
) -> tuple[float, float, list[float]] | None:
    """The Nash bargaining solution: maximise ``(U_a - d_a)(U_b - d_b)`` on the frontier.

    Nash (1950). The frontier is traced at ``points`` weights ``theta``; around the best point
    the product is refined two ways, since the optimum lies either where the frontier is
    curved (a golden-section search over ``theta``) or in the middle of a straight edge, whose
    inner points no weight selects (a golden-section search along the edges next to the best
    point). Along both, ``min(gains)`` outside the region where both gains are positive and the
    product inside it make one unimodal objective. None when no deal gives both sides more than
    no deal.
    """
    da, db = a.disagreement, b.disagreement
    phi = (math.sqrt(5.0) - 1.0) / 2.0

    def product(ua: float, ub: float) -> float:
        ga, gb = ua - da, ub - db
        return ga * gb if ga > 0.0 and gb > 0.0 else min(ga, gb) - 1.0

    def at_theta(theta: float) -> tuple[float, list[float]]:
        x, fa = _solve(b.utilities, a.utilities, theta, lo, hi)
        return product(fa + a.constant, b.value(x)), x

    def golden(f: Any, left: float, right: float, rounds: int) -> tuple[float, list[float]]:
        c, d = right - phi * (right - left), left + phi * (right - left)
        (fc, xc), (fd, xd) = f(c), f(d)
        for _ in range(rounds):
            if fc > fd:
                right, d, fd, xd = d, c, fc, xc
                c = right - phi * (right - left)
                fc, xc = f(c)
            else:
                left, c, fc, xc = c, d, fd, xd
                d = left + phi * (right - left)
                fd, xd = f(d)
        return (fc, xc) if fc > fd else (fd, xd)

    thetas = [
        min(max(0.5 - 0.5 * math.cos(math.pi * i / (points - 1)), 1e-9), 1.0 - 1e-9)
        for i in range(points)
    ]
    traced = [at_theta(t) for t in thetas]
    k = max(range(points), key=lambda i: traced[i][0])
    best, best_x = traced[k]

    def differs(i: int) -> bool:
        return max(abs(u - v) for u, v in zip(traced[i][1], best_x, strict=True)) > 1e-12

    # The nearest traced points that differ from the best one: a range of weights can give
    # the same point (a vertex), and the optimum may lie on an edge beyond it.
    left = next((i for i in range(k - 1, -1, -1) if differs(i)), None)
    right = next((i for i in range(k + 1, points) if differs(i)), None)
    value, x = golden(
        at_theta,
        thetas[left if left is not None else 0],
        thetas[right if right is not None else points - 1],
        ROUNDS,
    )
    if value > best:
        best, best_x = value, x
    for i in (left, right):
        if i is None:
            continue
        x1, x2 = traced[i][1], traced[k][1]

        def along(
            s: float, x1: list[float] = x1, x2: list[float] = x2
        ) -> tuple[float, list[float]]:
            x = [u + s * (v - u) for u, v in zip(x1, x2, strict=True)]
            return product(a.value(x), b.value(x)), x

        value, x = golden(along, 0.0, 1.0, ROUNDS)
        if value > best:
            best, best_x = value, x
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
