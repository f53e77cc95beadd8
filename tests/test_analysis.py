"""Tests for sim.analysis: Pareto frontier, Nash solution, Pareto gap, zone of agreement."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from helpers import random_bounds, random_sides
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.analysis import (
    Side,
    deal_rate,
    distance_to_frontier,
    nash_solution,
    pareto_frontier,
    pareto_gap,
    rate_window,
    zone_of_agreement,
)
from sim.utility import economic_term

UNIT = (0.0, 1.0)


def two_sides(seed: int, *, m: int | None = None, linear_only: bool = False, bounds_p=0.3):
    rng = np.random.default_rng(seed)
    m = int(rng.integers(1, 5)) if m is None else m
    ua, ub = random_sides(rng, m, linear_only=linear_only)
    lo, hi = random_bounds(rng, m, bounds_p)
    da, db = -float(rng.uniform(0.0, 0.3)), -float(rng.uniform(0.0, 0.3))
    va, vb = float(rng.uniform(-0.2, 0.2)), float(rng.uniform(-0.2, 0.2))
    a = Side(ua, va, da + 0.05, da)
    b = Side(ub, vb, db + 0.05, db)
    return rng, a, b, lo, hi


def grid_points(lo, hi, n: int) -> np.ndarray:
    axes = [np.linspace(a, b, n) for a, b in zip(lo, hi, strict=True)]
    return np.stack([g.ravel() for g in np.meshgrid(*axes, indexing="ij")], axis=1)


def values(side: Side, pts: np.ndarray) -> np.ndarray:
    out = np.full(len(pts), side.constant)
    for j, u in enumerate(side.utilities):
        out += np.vectorize(u)(pts[:, j])
    return out


def nash_product(a: Side, b: Side, ua: float, ub: float) -> float:
    ga, gb = ua - a.disagreement, ub - b.disagreement
    return ga * gb if ga > 0 and gb > 0 else -math.inf


def brute_nash(a: Side, b: Side, lo, hi) -> float:
    n = 4001 if len(lo) == 1 else 301
    pts = grid_points(lo, hi, n)
    ga = values(a, pts) - a.disagreement
    gb = values(b, pts) - b.disagreement
    prod = np.where((ga > 0) & (gb > 0), ga * gb, -np.inf)
    return float(prod.max())


# --- Pareto frontier ------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(20))
def test_frontier_sorted_consistent_and_mutually_non_dominated(seed):
    _, a, b, lo, hi = two_sides(seed, linear_only=seed % 4 == 0)
    front = pareto_frontier(a, b, lo, hi, points=61)
    assert len(front) == 61
    ua = [p[0] for p in front]
    ub = [p[1] for p in front]
    assert ua == sorted(ua)
    assert all(y2 <= y1 + 1e-9 for y1, y2 in itertools.pairwise(ub))
    for u_a, u_b, x in front:
        assert u_a == pytest.approx(a.value(x), abs=1e-12)
        assert u_b == pytest.approx(b.value(x), abs=1e-12)
        assert all(lo_j <= v <= hi_j for lo_j, v, hi_j in zip(lo, x, hi, strict=True))
    for p, q in itertools.permutations(front, 2):
        dominates = p[0] >= q[0] - 1e-12 and p[1] >= q[1] - 1e-12
        strictly = p[0] > q[0] + 1e-9 or p[1] > q[1] + 1e-9
        assert not (dominates and strictly), (p[:2], q[:2])


@pytest.mark.parametrize("seed", range(12))
def test_no_feasible_deal_dominates_a_frontier_point(seed):
    rng, a, b, lo, hi = two_sides(seed, m=1 + seed % 2, linear_only=seed % 3 == 0)
    front = pareto_frontier(a, b, lo, hi, points=41)
    pts = grid_points(lo, hi, 1001 if len(lo) == 1 else 101)
    pts = np.vstack([pts, rng.uniform(lo, hi, size=(500, len(lo)))])
    va, vb = values(a, pts), values(b, pts)
    for u_a, u_b, _ in front:
        better = (va >= u_a + 1e-9) & (vb >= u_b + 1e-9)
        assert not better.any(), (u_a, u_b, pts[better][:1])


def test_frontier_of_a_simple_trade():
    # One sector: a loses x, b gains 2x - x**2: the frontier runs from x = 0 to x = 1.
    a = Side([economic_term(UNIT, -1.0, 0.0)], 0.0, 0.0, 0.0)
    b = Side([economic_term(UNIT, 2.0, -1.0)], 0.0, 0.0, 0.0)
    front = pareto_frontier(a, b, [0.0], [1.0], points=51)
    assert front[0][2][0] == pytest.approx(1.0)  # best for b: x = 1
    assert front[-1][2][0] == pytest.approx(0.0)  # best for a: x = 0
    for u_a, u_b, x in front:
        assert u_b == pytest.approx(2 * x[0] - x[0] ** 2)
        assert u_a == pytest.approx(-x[0])


def test_distance_to_frontier():
    a = Side([economic_term(UNIT, -1.0, 0.0)], 0.0, 0.0, 0.0)
    b = Side([economic_term(UNIT, 1.0, 0.0)], 0.0, 0.0, 0.0)
    front = [(-1.0, 1.0, [1.0]), (0.0, 0.0, [0.0])]  # the segment u_a + u_b = 0
    assert distance_to_frontier((-0.5, 0.5), front) == pytest.approx(0.0)
    assert distance_to_frontier((-1.0, 0.0), front) == pytest.approx(math.sqrt(0.5))
    assert distance_to_frontier((1.0, 0.0), front) == pytest.approx(1.0)
    del a, b


# --- Nash bargaining solution ---------------------------------------------------------------


def test_nash_solution_closed_form():
    # g_a = 1 - x, g_b = 2x - x**2: maximise x (1 - x) (2 - x): x = 1 - sqrt(3) / 3.
    a = Side([economic_term(UNIT, -1.0, 0.0)], 0.0, -0.95, -1.0)
    b = Side([economic_term(UNIT, 2.0, -1.0)], 0.0, 0.05, 0.0)
    sol = nash_solution(a, b, [0.0], [1.0])
    assert sol is not None
    ua, ub, x = sol
    assert x[0] == pytest.approx(1.0 - math.sqrt(3.0) / 3.0, abs=1e-4)
    assert ua == pytest.approx(-x[0]) and ub == pytest.approx(2 * x[0] - x[0] ** 2)


def test_nash_solution_symmetric_case_splits_evenly():
    # Two sectors, mirror images: the Nash solution treats both sides alike.
    ua = [economic_term(UNIT, -0.5, 0.0), economic_term(UNIT, 1.0, -0.3)]
    ub = [economic_term(UNIT, 1.0, -0.3), economic_term(UNIT, -0.5, 0.0)]
    a = Side(ua, 0.0, 0.05, 0.0)
    b = Side(ub, 0.0, 0.05, 0.0)
    sol = nash_solution(a, b, [0.0, 0.0], [1.0, 1.0])
    assert sol is not None
    assert sol[0] == pytest.approx(sol[1], abs=1e-4)
    assert sol[2][0] == pytest.approx(sol[2][1], abs=1e-3)
    assert nash_product(a, b, sol[0], sol[1]) >= brute_nash(a, b, [0.0, 0.0], [1.0, 1.0]) - 1e-6


def test_nash_solution_none_without_gains_from_trade():
    # a loses from every concession and no deal is worth exactly 0 to it.
    a = Side([economic_term(UNIT, -1.0, 0.0)], 0.0, 0.05, 0.0)
    b = Side([economic_term(UNIT, 1.0, 0.0)], 0.0, 0.05, 0.0)
    assert nash_solution(a, b, [0.0], [1.0]) is None


def test_nash_point_is_on_the_frontier():
    found = 0
    for seed in range(30):
        _, a, b, lo, hi = two_sides(seed)
        sol = nash_solution(a, b, lo, hi)
        if sol is None:
            continue
        found += 1
        ua, ub, x = sol
        assert all(lo_j <= v <= hi_j for lo_j, v, hi_j in zip(lo, x, hi, strict=True))
        assert ua == pytest.approx(a.value(x), abs=1e-12)
        assert ub == pytest.approx(b.value(x), abs=1e-12)
        assert pareto_gap(a, b, x, lo, hi) <= 1e-6
    assert found >= 10


def test_nash_point_gives_both_sides_more_than_no_deal():
    losers = []
    for seed in range(40):
        _, a, b, lo, hi = two_sides(seed)
        sol = nash_solution(a, b, lo, hi)
        if sol is not None and not (sol[0] > a.disagreement and sol[1] > b.disagreement):
            losers.append((seed, sol[0] - a.disagreement, sol[1] - b.disagreement))
    assert not losers, losers


def test_minimal_nash_instance_behind_a_plateau():
    # a gains 3x - 0.5 x**2 (no deal 0); b loses x (no deal -0.1): both gain only for x < 0.1,
    # where the product (3x - 0.5x**2)(0.1 - x) peaks near x = 0.0496. The frontier traced at
    # 61 weights holds x = 0 twenty-one times, then 0.337, ...
    a = Side([economic_term(UNIT, 3.0, -0.5)], 0.0, 0.05, 0.0)
    b = Side([economic_term(UNIT, -1.0, 0.0)], 0.0, -0.05, -0.1)
    sol = nash_solution(a, b, [0.0], [1.0])
    assert sol is not None
    assert sol[0] > a.disagreement and sol[1] > b.disagreement
    assert sol[2][0] == pytest.approx(0.0496, abs=1e-3)


def minimal_nash_instance():
    """One sector: a loses 0.5 x (no deal worth -0.1), b gains 2x - 0.5 x**2 (no deal 0).

    Both gain for x < 0.2; the Nash product 0.5 * (0.2 - x) * (2x - 0.5x**2) peaks near
    x = 0.0987 at about 0.00975.
    """
    a = Side([economic_term(UNIT, -0.5, 0.0)], 0.0, -0.05, -0.1)
    b = Side([economic_term(UNIT, 2.0, -0.5)], 0.0, 0.05, 0.0)
    return a, b


def test_minimal_nash_instance_has_gains_for_both():
    a, b = minimal_nash_instance()
    assert brute_nash(a, b, [0.0], [1.0]) == pytest.approx(0.00975, abs=1e-4)


def test_minimal_nash_instance_is_found():
    a, b = minimal_nash_instance()
    sol = nash_solution(a, b, [0.0], [1.0])
    assert sol is not None
    assert sol[2][0] == pytest.approx(0.0987, abs=1e-3)


def test_nash_solution_beats_a_fine_scan_of_the_frontier():
    misses = []
    for seed in range(40):
        _, a, b, lo, hi = two_sides(seed)
        sol = nash_solution(a, b, lo, hi)
        got = -math.inf if sol is None else nash_product(a, b, sol[0], sol[1])
        front = pareto_frontier(a, b, lo, hi, points=2001)
        best = max(nash_product(a, b, p[0], p[1]) for p in front)
        if got < best - 1e-7:
            misses.append((seed, got, best))
    assert not misses, misses


def test_nash_solution_beats_brute_force_on_small_instances():
    misses = []
    for seed in range(30):
        _, a, b, lo, hi = two_sides(seed, m=1 + seed % 2)
        sol = nash_solution(a, b, lo, hi)
        got = -math.inf if sol is None else nash_product(a, b, sol[0], sol[1])
        best = brute_nash(a, b, lo, hi)
        if got < best - 1e-6:
            misses.append((seed, got, best))
    assert not misses, misses


def test_nash_solution_on_a_linear_frontier_edge():
    # g_a = 0.25 - 0.5 x, g_b = x: Nash product peaks at x = 0.25.
    a = Side([economic_term(UNIT, -0.5, 0.0)], 0.0, -0.2, -0.25)
    b = Side([economic_term(UNIT, 1.0, 0.0)], 0.0, 0.05, 0.0)
    sol = nash_solution(a, b, [0.0], [1.0])
    assert sol is not None
    assert sol[2][0] == pytest.approx(0.25, abs=1e-3)


# --- Pareto gap -----------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(12))
def test_pareto_gap_zero_on_the_frontier(seed):
    _, a, b, lo, hi = two_sides(seed, linear_only=seed % 4 == 0)
    # The two ends are left out: where a's marginal utility vanishes, the 1e-10 slack that
    # best_offer allows on a's level buys b a visible gain (the frontier is vertical there).
    for _, _, x in pareto_frontier(a, b, lo, hi, points=15)[1:-1]:
        gap = pareto_gap(a, b, x, lo, hi)
        assert 0.0 <= gap <= 1e-6, (x, gap)


def test_pareto_gap_positive_for_no_deal_with_gains_from_trade():
    # Each side imports one sector and exports the other, gaining more than the other loses:
    # liberalising both makes both better off, so x = 0 lies inside the frontier.
    ua = [economic_term(UNIT, -0.3, 0.0), economic_term(UNIT, 1.0, -0.2)]
    ub = [economic_term(UNIT, 1.0, -0.2), economic_term(UNIT, -0.3, 0.0)]
    a = Side(ua, 0.0, 0.05, 0.0)
    b = Side(ub, 0.0, 0.05, 0.0)
    lo, hi = [0.0, 0.0], [1.0, 1.0]
    gap = pareto_gap(a, b, [0.0, 0.0], lo, hi)
    # b can have x = (1, 1 - ...) keeping a at 0: brute force gives the best such gain.
    pts = grid_points(lo, hi, 401)
    va, vb = values(a, pts), values(b, pts)
    best = float(vb[va >= a.value([0.0, 0.0])].max() - b.value([0.0, 0.0]))
    assert gap > 0.3
    assert gap >= best - 1e-9
    assert gap == pytest.approx(best, abs=5e-3)


@pytest.mark.parametrize("seed", range(12))
def test_pareto_gap_matches_brute_force(seed):
    rng, a, b, lo, hi = two_sides(seed, m=1 + seed % 2)
    x = list(rng.uniform(lo, hi))
    gap = pareto_gap(a, b, x, lo, hi)
    pts = grid_points(lo, hi, 2001 if len(lo) == 1 else 201)
    va, vb = values(a, pts), values(b, pts)
    ok = va >= a.value(x)
    best = max(float(vb[ok].max()) - b.value(x), 0.0) if ok.any() else 0.0
    assert gap >= best - 1e-9
    assert gap >= 0.0


# --- zone of agreement ----------------------------------------------------------------------


def brute_zone_margin(sides, lo, hi, n: int) -> float:
    pts = grid_points(lo, hi, n)
    margins = np.min(np.stack([values(s, pts) - s.floor for s in sides]), axis=0)
    return float(margins.max())


def test_two_party_zone_brute_force():
    """Small instances: exact answer vs the best grid point (ambiguous instances skipped)."""
    checked = {True: 0, False: 0}
    for seed in range(60):
        rng, a, b, lo, hi = two_sides(seed, m=1 + seed % 2)
        # floors that put the zone near its edge: sometimes open, sometimes closed
        shift_a, shift_b = rng.uniform(-0.4, 0.4, 2)
        a = Side(a.utilities, a.constant, a.floor + shift_a, a.disagreement)
        b = Side(b.utilities, b.constant, b.floor + shift_b, b.disagreement)
        n = 4001 if len(lo) == 1 else 201
        margin = brute_zone_margin([a, b], lo, hi, n)
        if abs(margin) < 0.02:
            continue
        found, _theta = zone_of_agreement([a, b], lo, hi)
        assert found == (margin > 0), (seed, margin)
        checked[margin > 0] += 1
    assert checked[True] >= 5 and checked[False] >= 5, checked


def test_two_party_zone_order_of_sides_does_not_matter():
    for seed in range(20):
        _, a, b, lo, hi = two_sides(seed)
        assert zone_of_agreement([a, b], lo, hi)[0] == zone_of_agreement([b, a], lo, hi)[0]


def test_zone_empty_when_bounds_conflict():
    a = Side([economic_term(UNIT, 1.0, 0.0)], 0.0, -1.0, -1.0)
    b = Side([economic_term(UNIT, 1.0, 0.0)], 0.0, -1.0, -1.0)
    assert zone_of_agreement([a, b], [0.6], [0.4])[0] is False
    assert zone_of_agreement([a, b], [0.4], [0.6])[0] is True


def three_way(costs, g_odd, g_even, point=(0.5, 0.5, 0.5), margin=0.05):
    """Three parties, three sectors; party k imports sector k and exports the others.

    Floors sit ``margin`` below each side's utility at ``point``: a zone exists for sure.
    """
    us = [
        [
            economic_term(UNIT, -costs[k], 0.0)
            if k == j
            else economic_term(UNIT, g_odd if (j + k) % 2 else g_even, -0.25)
            for j in range(3)
        ]
        for k in range(3)
    ]
    return [
        Side(u, 0.0, sum(f(v) for f, v in zip(u, point, strict=True)) - margin, 0.0) for u in us
    ]


def test_many_party_zone_found_when_symmetric():
    sides = three_way([0.3, 0.3, 0.3], 0.6, 0.6)
    assert zone_of_agreement(sides, [0.0] * 3, [1.0] * 3)[0] is True


def test_many_party_zone_found_when_floors_are_low():
    sides = three_way([0.2, 0.5, 1.0], 0.5, 1.0, margin=1.0)
    assert zone_of_agreement(sides, [0.0] * 3, [1.0] * 3)[0] is True


def test_many_party_zone_empty_when_a_floor_is_out_of_reach():
    sides = three_way([0.3, 0.3, 0.3], 0.6, 0.6)
    best_0 = sum(max(u(v) for v in np.linspace(0, 1, 101)) for u in sides[0].utilities)
    sides[0] = Side(sides[0].utilities, 0.0, best_0 + 0.1, 0.0)
    assert zone_of_agreement(sides, [0.0] * 3, [1.0] * 3)[0] is False


def test_many_party_zone_found_minimal_instance():
    # x = (0.5, 0.5, 0.5) gives every side 0.05 above its floor.
    sides = three_way([0.2, 0.5, 1.0], 0.5, 1.0)
    assert all(s.value([0.5] * 3) - s.floor == pytest.approx(0.05) for s in sides)
    assert zone_of_agreement(sides, [0.0] * 3, [1.0] * 3)[0] is True


def test_many_party_zone_found_on_random_instances_with_a_planted_point():
    misses = []
    for seed in range(60):
        rng = np.random.default_rng(seed)
        n = 3 + seed % 2
        m = int(rng.integers(2, 6))
        us = random_sides(rng, m, n)
        point = rng.uniform(0.0, 1.0, m)
        sides = [
            Side(u, 0.0, sum(f(v) for f, v in zip(u, point, strict=True)) - 0.05, 0.0) for u in us
        ]
        if not zone_of_agreement(sides, [0.0] * m, [1.0] * m)[0]:
            misses.append(seed)
    assert not misses, misses


def test_a_side_copy_does_not_follow_the_model():
    import sim

    model = sim.NegotiationModel("classroom", rng=1, collect=False)
    model.step()
    (live,) = model.sides()[:1]
    frozen = live.copy()
    x = [0.5] * len(model.sector_names)
    before = frozen.value(x)
    for _ in range(12):
        model.step()
    assert frozen.value(x) == before
    assert live.value(x) != before  # the live side's utilities were rebuilt in place


# --- exchange-rate windows: why a sector lands where it does ---------------------------------


def _optimal_on_grid(ua, ub, mu: float, level: float, n: int = 2001) -> bool:
    """Whether ``level`` maximises ``mu * ua + ub`` on [0, 1], up to rounding."""
    grid = [k / (n - 1) for k in range(n)] + list(ua.breaks)
    best = max(mu * ua(x) + ub(x) for x in grid)
    return mu * ua(level) + ub(level) >= best - 1e-9


@given(st.integers(0, 2**32 - 1), st.floats(0.0, 1.0), st.floats(0.0, 1.0))
@settings(max_examples=150, deadline=None)
def test_every_rate_in_a_window_makes_its_level_optimal(seed, level, where):
    rng = np.random.default_rng(seed)
    (ua,), (ub,) = random_sides(rng, 1)
    if rng.random() < 0.5:  # often at a kink or an end, where windows are wide
        level = float(ua.breaks[int(rng.integers(0, len(ua.breaks)))])
    window = rate_window(ua, ub, level)
    if window is None:
        return
    low, high = window
    assert 0.0 <= low <= high
    top = high if math.isfinite(high) else low + 10.0
    assert _optimal_on_grid(ua, ub, low + where * (top - low), level)


def test_rate_window_by_hand():
    b = (0.0, 1.0)
    # a gains 2x from liberalising, b loses x: x = 1 is optimal for mu >= 1/2, x = 0 below.
    ua, ub = economic_term(b, 2.0, 0.0), economic_term(b, -1.0, 0.0)
    assert rate_window(ua, ub, 1.0) == (0.5, math.inf)
    assert rate_window(ua, ub, 0.0) == (0.0, 0.5)
    # Linear: an interior level is optimal only at the rate where the objective is flat.
    assert rate_window(ua, ub, 0.3) == (0.5, 0.5)
    # Outside its window a level is not optimal: at mu = 0.4 the optimum is 0, at 0.6 it is 1.
    assert not _optimal_on_grid(ua, ub, 0.6, 0.0) and not _optimal_on_grid(ua, ub, 0.4, 1.0)
    # b's loss grows faster than a's gain everywhere past 0.5: nothing beyond is ever optimal
    # for a's concave gain 2x - 2x^2 (its slope is negative there) against b's loss.
    ud = economic_term(b, 2.0, -2.0)
    assert rate_window(ud, ub, 0.8) is None
    # a concave gain 2x - x^2 against b's loss x: interior optimum where mu (2 - 2x) = 1.
    uc = economic_term(b, 2.0, -1.0)
    low, high = rate_window(uc, ub, 0.75)
    assert low == pytest.approx(2.0) and high == pytest.approx(2.0)


def test_deal_rate_reads_the_rate_off_interior_sectors():
    b = (0.0, 1.0)
    ua = [economic_term(b, 2.0, -1.0), economic_term(b, 2.0, -1.0)]
    ub = [economic_term(b, -1.0, 0.0), economic_term(b, -1.0, 0.0)]
    a, bb = Side(ua, 0.0, 0.0, 0.0), Side(ub, 0.0, 0.0, 0.0)
    # mu (2 - 2x) = 1: x = 0.75 at mu = 2, x = 0.5 at mu = 1; the median of the two is 1.5.
    assert deal_rate(a, bb, [0.75, 0.5], [0.0, 0.0], [1.0, 1.0]) == pytest.approx(1.5)
    assert deal_rate(a, bb, [1.0, 0.0], [0.0, 0.0], [1.0, 1.0]) is None  # at the bounds
