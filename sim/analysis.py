"""Analysis of an outcome: win-sets, Pareto frontier, Nash bargaining solution.

Utilities are concave, so the set of feasible utility pairs is convex and every point of its
Pareto frontier maximises some weighted sum of the parties' utilities. The frontier is traced
with the same closed-form per-sector solver the negotiators use (``sim.offers``).
"""

from __future__ import annotations

import itertools
import math
from bisect import bisect_left
from collections.abc import Sequence
from typing import NamedTuple

from sim.offers import (
    THETA_OWN,
    best_offer,
    compile_problem,
    solve,
    solve_at,
)
from sim.single_segment import (
    Plan,
    compile_planned,
    compile_single,
    solve_single,
    value_other,
    values_single,
)
from sim.utility import Piecewise, total


class Side(NamedTuple):
    """One party seen from outside: per-sector utilities, constant term and disagreement point.

    Immutable, and a named tuple rather than a frozen dataclass because the model builds two
    every step (a tuple is built at half the cost).

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

    def copy(self) -> Side:
        """An independent snapshot: a model rebuilds its governments' utilities in place."""
        utilities = [u.copy() for u in self.utilities]
        return Side(utilities, self.constant, self.floor, self.disagreement)

    def value(self, x: Sequence[float]) -> float:
        """Total utility of ``x``."""
        return total(self.utilities, x, self.constant)


def zone_of_agreement(
    sides: Sequence[Side],
    lo: Sequence[float],
    hi: Sequence[float],
    tol: float = 1e-9,
    theta0: float | None = None,
    plan: Plan | None = None,
) -> tuple[bool, float | None]:
    """Do the win-sets intersect? Return ``(non_empty, theta)`` (``theta``: a warm start).

    ``plan`` is the bounds' ``segment_plan`` when the caller knows it (a model: once a run).

    Two parties: exact. Maximise the second side's utility subject to the first one's floor
    and check the second one's floor (Putnam 1988: a deal needs both win-sets). More parties:
    a multiplicative-weights search on the weights of ``sum_c mu_c (U_c - floor_c)``, exact
    when it finds a point, conservative (may miss a thin zone) when it does not.
    """
    for a, b in zip(lo, hi, strict=True):
        if a > b + tol:
            return False, None
    if len(sides) == 2:
        return _zone_two(sides[0], sides[1], lo, hi, tol, theta0, plan)
    return _zone_many(sides, lo, hi, tol), None


def _zone_two(
    a: Side,
    b: Side,
    lo: Sequence[float],
    hi: Sequence[float],
    tol: float,
    theta0: float | None,
    plan: Plan | None = None,
) -> tuple[bool, float]:
    """Two win-sets intersect iff ``min_theta max_x (1 - theta) s_b(x) + theta s_a(x) >= 0``.

    ``s_c = U_c - floor_c`` are the surpluses. Any weighted-sum optimum with both surpluses
    non-negative proves the zone non-empty; any ``theta`` whose dual value is negative proves it
    empty (weak duality). Usually last step's ``theta`` settles it with one solve; otherwise a
    bisection moves weight toward the side short of its floor.
    """
    if plan is not None:
        flat = compile_planned(b.utilities, a.utilities, plan)
    else:
        flat = compile_single(b.utilities, a.utilities, lo, hi)
    problem = compile_problem(b.utilities, a.utilities, lo, hi) if flat is None else []
    t_lo, t_hi = 0.0, THETA_OWN
    t = theta0 if theta0 is not None and 0.0 < theta0 < THETA_OWN else 0.5
    ends: dict[str, tuple[float, float]] = {}
    for _ in range(64):
        if flat is not None:  # the same floats as solve, faster
            fa, fb = values_single(flat, t)
        else:
            _, fa, fb, _ = solve(problem, t)
        sa = fa + a.constant - a.floor
        sb = fb + b.constant - b.floor
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
            xs, _ = solve_at([h], [sides[0].utilities[j]], mu[0] / (mu[0] + 1.0), [lo[j]], [hi[j]])
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
    problem = compile_problem(b.utilities, a.utilities, lo, hi)
    out = []
    for i in range(points):
        theta = 0.5 - 0.5 * math.cos(math.pi * i / (points - 1))
        theta = min(max(theta, 1e-9), 1.0 - 1e-9)
        x, fa, fb, _ = solve(problem, theta)
        out.append((fa + a.constant, fb + b.constant, x))
    out.sort(key=lambda p: p[0])
    return out


def nash_solution(
    a: Side, b: Side, lo: Sequence[float], hi: Sequence[float]
) -> tuple[float, float, list[float]] | None:
    """The Nash bargaining solution: maximise ``(U_a - d_a)(U_b - d_b)`` on the frontier.

    Nash (1950). The frontier point that maximises ``(1 - theta) U_b + theta U_a`` is the Nash
    point when its supporting line is tangent to the product's level curve there, that is
    when the weights are inversely proportional to the gains: ``theta g_a = (1 - theta) g_b``
    (the first-order condition; Shapley 1969 reads the Nash solution this way, as the
    utilitarian optimum for weights ``1 / g``). ``phi(theta) = theta g_a - (1 - theta) g_b`` rises
    with ``theta``, so a bracketed root search (regula falsi with the Illinois correction,
    bisection as the safeguard) finds it. Where the frontier has a straight edge, no weight
    selects its inner points and ``phi`` jumps across zero: the search closes on the edge's two
    ends, along which both utilities are affine, so the product is a parabola maximised in
    closed form. None when no deal gives both sides more than no deal.
    """
    flat = compile_single(b.utilities, a.utilities, lo, hi)
    problem = compile_problem(b.utilities, a.utilities, lo, hi) if flat is None else []
    da, db = a.disagreement - a.constant, b.disagreement - b.constant
    t_lo, t_hi = 0.0, THETA_OWN
    # Bracket ends: (x, g_a, g_b, phi); phi is None where one side gains nothing (the root is
    # then on the side that moves weight toward it).
    end_lo: tuple[list[float], float, float, float | None] | None = None
    end_hi: tuple[list[float], float, float, float | None] | None = None
    best: tuple[float, list[float]] = (0.0, [])
    t, side, widths, exact = 0.5, 0, [1.0], False
    for _ in range(200):
        if flat is not None:  # the same floats as solve, faster
            x, fa, _, _ = solve_single(flat, t)
            fb = value_other(flat, x)
        else:
            x, fa, fb, _ = solve(problem, t)
        ga, gb = fa - da, fb - db
        if ga <= 0.0 and gb <= 0.0:
            return None  # this weighted optimum beats every deal with both gains positive
        phi = t * ga - (1.0 - t) * gb if ga > 0.0 and gb > 0.0 else None
        if phi is not None and ga * gb > best[0]:
            best = (ga * gb, x)
        if phi is not None and abs(phi) <= 1e-13 * (ga + gb):
            exact = True  # a smooth point of the frontier (or a vertex): x is the Nash point
            break
        if (phi is None and ga <= 0.0) or (phi is not None and phi < 0.0):
            t_lo, end_lo = t, (x, ga, gb, phi)
            if side == -1 and end_hi is not None and end_hi[3] is not None:
                end_hi = (*end_hi[:3], 0.5 * end_hi[3])  # Illinois: the stale end's weight halves
            side = -1
        else:
            t_hi, end_hi = t, (x, ga, gb, phi)
            if side == 1 and end_lo is not None and end_lo[3] is not None:
                end_lo = (*end_lo[:3], 0.5 * end_lo[3])
            side = 1
        widths.append(t_hi - t_lo)
        if t_hi - t_lo < 1e-12:
            break
        t = 0.5 * (t_lo + t_hi)
        stalled = len(widths) >= 3 and widths[-1] > 0.5 * widths[-3]
        if end_lo is not None and end_hi is not None and not stalled:
            p_lo, p_hi = end_lo[3], end_hi[3]
            if p_lo is not None and p_hi is not None and p_hi > p_lo:
                secant = t_lo - p_lo * (t_hi - t_lo) / (p_hi - p_lo)
                if t_lo < secant < t_hi:
                    t = secant
    if not exact and end_lo is not None and end_hi is not None:
        # An edge between the bracket's two ends: both gains are affine along it.
        x1, ga1, gb1, _ = end_lo
        x2, ga2, gb2, _ = end_hi
        dga, dgb = ga2 - ga1, gb2 - gb1
        s_star = -(ga1 * dgb + gb1 * dga) / (2.0 * dga * dgb) if dga * dgb < 0.0 else 0.5
        s_star = min(max(s_star, 0.0), 1.0)
        x = [u + s_star * (v - u) for u, v in zip(x1, x2, strict=True)]
        # The chord may run a hair inside a curved frontier: move out to it, giving b all it
        # can get without a losing, which can only raise the product.
        res = best_offer(b.utilities, a.utilities, a.value(x) - a.constant, lo, hi)
        if res.feasible and res.other > b.value(x) - b.constant:
            x = res.x
        ga, gb = a.value(x) - a.disagreement, b.value(x) - b.disagreement
        if ga > 0.0 and gb > 0.0 and ga * gb > best[0]:
            best = (ga * gb, x)
    if best[0] <= 0.0:
        return None
    x = best[1]
    return a.value(x), b.value(x), x


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


# -- why a sector lands where it does -------------------------------------------------------


def one_sided_slopes(u: Piecewise, x: float) -> tuple[float, float]:
    """``u``'s derivative just left and just right of ``x`` (they differ at a kink)."""
    right = u.slope(x)
    i = bisect_left(u.breaks, x) - 1  # the segment that ends at or contains x from the left
    i = min(max(i, 0), len(u.p) - 1)
    return u.p[i] + 2.0 * u.q[i] * x, right


def rate_window(ua: Piecewise, ub: Piecewise, level: float) -> tuple[float, float] | None:
    """The exchange rates ``mu >= 0`` at which ``level`` maximises ``mu * ua + ub`` on [0, 1].

    Every deal on the Pareto frontier of two sides with concave, separable utilities
    maximises ``mu U_a + U_b`` for one ``mu``, the same in every sector (the weight of a unit of
    a's utility in units of b's; in the offer search, ``theta / (1 - theta)`` or its inverse).
    So a sector reaches a given level only if the negotiation's ``mu`` falls in that level's
    window, and several sectors reach theirs together only if their windows overlap: a way to
    see *why* a scenario cannot produce a set of terms, whatever its negotiators' tactics.
    Concavity makes ``level`` optimal iff the objective's left derivative there is >= 0 (or
    ``level`` is 0) and its right derivative <= 0 (or ``level`` is 1). Returns the window
    ``(low, high)`` (``high`` may be inf), or None when no ``mu`` makes ``level`` optimal.
    """
    low, high = 0.0, math.inf
    a_left, a_right = one_sided_slopes(ua, level)
    b_left, b_right = one_sided_slopes(ub, level)
    # mu * a + b >= 0 on the left of level, <= 0 on its right: each bounds mu from one side.
    conditions = []
    if level > 0.0:
        conditions.append((a_left, b_left, 1.0))
    if level < 1.0:
        conditions.append((a_right, b_right, -1.0))
    for a, b, sign in conditions:  # sign * (mu * a + b) >= 0
        a, b = sign * a, sign * b
        if a > 0.0:
            low = max(low, -b / a)
        elif a < 0.0:
            high = min(high, -b / a)
        elif b < 0.0:
            return None
    return (low, high) if low <= high else None


def deal_rate(
    a: Side, b: Side, deal: Sequence[float], lo: Sequence[float], hi: Sequence[float]
) -> float | None:
    """The exchange rate ``mu`` a deal implies: the median over its interior sectors.

    Where a sector's level is strictly inside its bounds and not at a kink, ``mu`` is the rate
    at which the two sides' marginal utilities there balance, ``-u_b'(x) / u_a'(x)``; each
    negotiator's noisy model of the other side spreads these a little around the rate of the
    search that made the deal. None when no sector is interior.
    """
    rates = []
    for ua, ub, x, low, high in zip(a.utilities, b.utilities, deal, lo, hi, strict=True):
        if not low + 1e-9 < x < high - 1e-9 or x in ua.breaks:
            continue
        slope_a = ua.slope(x)
        if slope_a != 0.0:
            rate = -ub.slope(x) / slope_a
            if rate > 0.0:
                rates.append(rate)
    if not rates:
        return None
    rates.sort()
    n = len(rates)
    return rates[n // 2] if n % 2 else 0.5 * (rates[n // 2 - 1] + rates[n // 2])
