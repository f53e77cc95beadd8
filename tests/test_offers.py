"""Tests for sim.offers: the offer search and its closed-form per-sector solver."""

from __future__ import annotations

import math

import numpy as np
import pytest
from helpers import random_bounds, random_sides, value
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy.optimize import minimize

from sim.offers import (
    THETA_OWN,
    best_offer,
    best_value,
    compile_problem,
    own_best,
    sector_argmax,
    solve,
    solve_at,
)
from sim.single_segment import (
    best_value_single,
    compile_planned,
    compile_single,
    plateau_edge,
    segment_plan,
    solve_single,
    value_other,
    values_single,
)
from sim.utility import Piecewise, economic_term, total


def instance(seed: int, *, bounds_p: float = 0.3, linear_only: bool | None = None):
    """A random two-side instance with fs (proposer), hs (other side) and bounds."""
    rng = np.random.default_rng(seed)
    m = int(rng.integers(1, 7))
    if linear_only is None:
        linear_only = seed % 5 == 0
    fs, hs = random_sides(rng, m, linear_only=linear_only)
    lo, hi = random_bounds(rng, m, bounds_p)
    return rng, fs, hs, lo, hi


def ends(fs, hs, lo, hi):
    """F at the other side's favourite (theta = 0) and F at the proposer's own best."""
    x0, _ = solve_at(hs, fs, 0.0, lo, hi)
    xb = own_best(fs, hs, lo, hi)
    return value(fs, x0), value(fs, xb), x0, xb


def grid_max(u: Piecewise, lo: float, hi: float, n: int = 4001) -> float:
    xs = [lo + (hi - lo) * k / (n - 1) for k in range(n)]
    xs += [b for b in u.breaks if lo <= b <= hi]
    return max(u(x) for x in xs)


def interior_instances(count: int, start: int = 0):
    """Seeds whose aspiration range (F at theta=0, own best) is non-degenerate."""
    out = []
    seed = start
    while len(out) < count:
        _rng, fs, hs, lo, hi = instance(seed)
        f0, fb, _, _ = ends(fs, hs, lo, hi)
        if fb - f0 > 1e-4:
            out.append(seed)
        seed += 1
    return out


INTERIOR = interior_instances(40)

# --- (a) the offer meets the aspiration exactly ---------------------------------------------


@pytest.mark.parametrize("seed", INTERIOR)
def test_offer_meets_aspiration_exactly(seed):
    rng, fs, hs, lo, hi = instance(seed)
    f0, fb, _, _ = ends(fs, hs, lo, hi)
    for share in (0.2, 0.5, 0.8, float(rng.uniform(0.1, 0.9))):
        a = f0 + share * (fb - f0)
        if not f0 < a < fb:
            continue
        res = best_offer(hs, fs, a, lo, hi)
        assert res.feasible
        assert res.own >= a - 1e-9
        assert abs(res.own - a) <= 1e-7, (share, res.own - a)
        assert res.own == pytest.approx(value(fs, res.x), abs=1e-12)
        assert res.other == pytest.approx(value(hs, res.x), abs=1e-12)
        assert 0.0 < res.theta < 1.0


def test_offer_meets_aspiration_near_the_ends_of_its_range():
    """Aspirations just below the proposer's best (a negotiator's first steps) or just above
    the other side's favourite must be met exactly too."""
    misses = []
    for seed in range(120):
        _, fs, hs, lo, hi = instance(seed)
        f0, fb, _, _ = ends(fs, hs, lo, hi)
        if fb - f0 < 1e-4:
            continue
        for share in (0.01, 0.99):
            a = f0 + share * (fb - f0)
            res = best_offer(hs, fs, a, lo, hi)
            assert res.own >= a - 1e-9
            if abs(res.own - a) > 1e-7:
                misses.append((seed, share, res.own - a))
    assert not misses, misses


def minimal_stagnation_instance():
    """One sector: F(x) = x - 0.1 x**2 (proposer), H(x) = -x (the other side), A = 0.99 F(1).

    The answer is the smallest x with F(x) >= A: x* = (1 - sqrt(1 - 0.4 A)) / 0.2 = 0.98876...
    """
    b = (0.0, 1.0)
    fs = [economic_term(b, 1.0, -0.1)]
    hs = [economic_term(b, -1.0, 0.0)]
    a = 0.99 * fs[0](1.0)  # 0.891
    x_star = (1.0 - math.sqrt(1.0 - 0.4 * a)) / 0.2
    return fs, hs, a, x_star


def test_minimal_instance_offer_is_exact():
    fs, hs, a, x_star = minimal_stagnation_instance()
    res = best_offer(hs, fs, a, [0.0], [1.0])
    assert res.x[0] == pytest.approx(x_star, abs=1e-6)
    assert abs(res.own - a) <= 1e-7
    assert res.other >= hs[0](x_star) - 1e-9


def test_minimal_instance_answer_is_right():
    """The closed form used above is the optimum."""
    fs, _hs, a, x_star = minimal_stagnation_instance()
    assert fs[0](x_star) == pytest.approx(a, abs=1e-12)
    grid = np.linspace(0.0, 1.0, 100001)
    feasible = grid[grid - 0.1 * grid**2 >= a]
    assert feasible.min() == pytest.approx(x_star, abs=2e-5)


# --- (b) the offer is best for the other side -----------------------------------------------


def scipy_best(fs, hs, a, lo, hi, rng, starts: int = 4) -> float:
    """Best feasible H found by SLSQP from several starts (constraint tightened by 1e-7)."""
    bounds = list(zip(lo, hi, strict=True))
    best = -math.inf
    inits = [np.array(lo), np.array(hi), 0.5 * (np.array(lo) + np.array(hi))]
    inits += [rng.uniform(lo, hi) for _ in range(starts)]
    for x_init in inits:
        res = minimize(
            lambda x: -value(hs, x),
            x_init,
            method="SLSQP",
            bounds=bounds,
            constraints=[{"type": "ineq", "fun": lambda x: value(fs, x) - a - 1e-7}],
            options={"maxiter": 300, "ftol": 1e-12},
        )
        x = np.clip(res.x, lo, hi)
        if value(fs, x) >= a - 1e-9:
            best = max(best, value(hs, x))
    return best


@pytest.mark.parametrize("seed", INTERIOR[:20])
def test_offer_at_least_as_good_as_scipy(seed):
    rng, fs, hs, lo, hi = instance(seed)
    f0, fb, _, _ = ends(fs, hs, lo, hi)
    a = f0 + float(rng.uniform(0.05, 0.95)) * (fb - f0)
    res = best_offer(hs, fs, a, lo, hi)
    h_scipy = scipy_best(fs, hs, a, lo, hi, rng)
    assert h_scipy > -math.inf, "scipy found no feasible point"
    assert res.other >= h_scipy - 1e-6


def test_minimal_instance_at_least_as_good_as_scipy():
    fs, hs, a, _ = minimal_stagnation_instance()
    res = best_offer(hs, fs, a, [0.0], [1.0])
    h_scipy = scipy_best(fs, hs, a, [0.0], [1.0], np.random.default_rng(0))
    assert res.other >= h_scipy - 1e-6


@pytest.mark.parametrize("seed", range(30))
def test_offer_beats_every_feasible_grid_point(seed):
    """One or two sectors: no point of a fine grid meeting A is better for the other side."""
    rng = np.random.default_rng(1000 + seed)
    m = 1 + seed % 2
    fs, hs = random_sides(rng, m, linear_only=seed % 3 == 0)
    lo, hi = random_bounds(rng, m, 0.3)
    f0, fb, _, _ = ends(fs, hs, lo, hi)
    if fb - f0 < 1e-6:
        pytest.skip("degenerate instance")
    a = f0 + float(rng.uniform(0.05, 0.95)) * (fb - f0)
    res = best_offer(hs, fs, a, lo, hi)
    n = 2001 if m == 1 else 201
    axes = [np.linspace(lo[j], hi[j], n) for j in range(m)]
    mesh = np.meshgrid(*axes, indexing="ij")
    pts = np.stack([g.ravel() for g in mesh], axis=1)
    fvals = sum(np.vectorize(fs[j])(pts[:, j]) for j in range(m))
    hvals = sum(np.vectorize(hs[j])(pts[:, j]) for j in range(m))
    feasible = fvals >= a
    assert feasible.any()
    assert res.other >= hvals[feasible].max() - 1e-9


# --- (c) infeasible and (d) trivial aspirations ---------------------------------------------


@pytest.mark.parametrize("seed", range(25))
def test_infeasible_aspiration_returns_own_best(seed):
    _, fs, hs, lo, hi = instance(seed)
    _, fb, _, xb = ends(fs, hs, lo, hi)
    res = best_offer(hs, fs, fb + 0.1, lo, hi)
    assert res.feasible is False
    assert res.x == pytest.approx(xb, abs=1e-12)
    # The own best really is the best for the proposer, sector by sector.
    own_max = sum(grid_max(f, a, b) for f, a, b in zip(fs, lo, hi, strict=True))
    assert res.own >= own_max - 1e-9
    # Also with a warm start.
    warm = best_offer(hs, fs, fb + 0.1, lo, hi, theta0=0.3)
    assert warm.feasible is False
    assert warm.own == pytest.approx(res.own, abs=1e-9)


@pytest.mark.parametrize("seed", range(25))
def test_trivial_aspiration_returns_the_others_favourite(seed):
    _, fs, hs, lo, hi = instance(seed)
    f0, _, x0, _ = ends(fs, hs, lo, hi)
    for a in (f0, f0 - 1.0, -1e6):
        res = best_offer(hs, fs, a, lo, hi)
        assert res.feasible
        assert res.x == pytest.approx(x0, abs=1e-9)
        other_max = sum(grid_max(h, lo_j, hi_j) for h, lo_j, hi_j in zip(hs, lo, hi, strict=True))
        assert res.other >= other_max - 1e-9
        warm = best_offer(hs, fs, a, lo, hi, theta0=0.7)
        assert warm.feasible
        assert warm.other == pytest.approx(res.other, abs=1e-9)


# --- (e) warm start --------------------------------------------------------------------------


@pytest.mark.parametrize("seed", INTERIOR[:25])
def test_warm_start_gives_the_same_answer(seed):
    rng, fs, hs, lo, hi = instance(seed)
    f0, fb, _, _ = ends(fs, hs, lo, hi)
    for share in (0.2, 0.5, 0.8):
        a = f0 + share * (fb - f0)
        cold = best_offer(hs, fs, a, lo, hi)
        for theta0 in (1e-6, cold.theta, float(rng.uniform(0.0, 1.0)), 0.999999):
            warm = best_offer(hs, fs, a, lo, hi, theta0=theta0)
            assert warm.feasible
            assert warm.own >= a - 1e-9
            assert abs(warm.own - a) <= 1e-7
            assert warm.other == pytest.approx(cold.other, abs=1e-7)
            # H and F are both fixed, so unless H is flat along F's level set x agrees too.
            assert np.allclose(warm.x, cold.x, atol=1e-4) or linear_somewhere(fs, hs)


def linear_somewhere(fs, hs) -> bool:
    return any(
        any(f.q[i] == 0.0 and h.q[i] == 0.0 for i in range(len(f.q)))
        for f, h in zip(fs, hs, strict=True)
    )


def test_warm_start_sequence_of_rising_aspirations():
    """The model's use: each step reuses the last theta while A moves a little."""
    _, fs, hs, lo, hi = instance(INTERIOR[3])
    f0, fb, _, _ = ends(fs, hs, lo, hi)
    theta = None
    for k in range(1, 40):
        a = f0 + (fb - f0) * k / 40
        warm = best_offer(hs, fs, a, lo, hi, theta0=theta)
        cold = best_offer(hs, fs, a, lo, hi)
        assert warm.other == pytest.approx(cold.other, abs=1e-7)
        assert warm.own >= a - 1e-9
        theta = warm.theta if 0.0 < warm.theta < 1.0 else None


# --- (f) bounds ------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(30))
def test_bounds_respected(seed):
    _rng, fs, hs, lo, hi = instance(seed, bounds_p=1.0)
    f0, fb, _, _ = ends(fs, hs, lo, hi)
    for a in (f0 - 1.0, f0 + 0.5 * (fb - f0), fb + 1.0):
        res = best_offer(hs, fs, a, lo, hi)
        assert all(lo_j <= x <= hi_j for lo_j, x, hi_j in zip(lo, res.x, hi, strict=True))


def test_point_bounds_pin_the_offer():
    _, fs, hs, _, _ = instance(7)
    m = len(fs)
    lo = hi = [0.25] * m
    res = best_offer(hs, fs, -10.0, lo, hi)
    assert res.x == [0.25] * m
    res = best_offer(hs, fs, 10.0, lo, hi)
    assert res.x == [0.25] * m and not res.feasible


@st.composite
def offer_problem(draw):
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    m = draw(st.integers(1, 7))
    fs, hs = random_sides(rng, m, linear_only=draw(st.booleans()))
    lo, hi = [], []
    for _ in range(m):
        a = draw(st.floats(0.0, 1.0))
        b = draw(st.floats(0.0, 1.0))
        lo.append(min(a, b))
        hi.append(max(a, b))
    aspiration = draw(st.floats(-5.0, 5.0))
    theta0 = draw(st.one_of(st.none(), st.floats(0.0, 1.0)))
    return fs, hs, aspiration, lo, hi, theta0


@given(offer_problem())
@settings(max_examples=150, deadline=None)
def test_offer_always_within_bounds_and_finite(problem):
    fs, hs, aspiration, lo, hi, theta0 = problem
    res = best_offer(hs, fs, aspiration, lo, hi, theta0=theta0)
    assert len(res.x) == len(fs)
    for lo_j, x, hi_j in zip(lo, res.x, hi, strict=True):
        assert math.isfinite(x)
        assert 0.0 <= lo_j <= x <= hi_j <= 1.0
    assert math.isfinite(res.own) and math.isfinite(res.other)
    assert 0.0 <= res.theta <= 1.0
    if res.feasible:
        assert res.own >= aspiration - 1e-9
    else:
        xb = own_best(fs, hs, lo, hi)
        assert value(fs, xb) < aspiration


# --- sector_argmax ---------------------------------------------------------------------------


@st.composite
def sector_problem(draw):
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    f_list, h_list = random_sides(rng, 1, linear_only=draw(st.booleans()))
    a = draw(st.floats(0.0, 1.0))
    b = draw(st.floats(0.0, 1.0))
    wh = draw(st.floats(0.0, 1.0))
    wf = draw(st.one_of(st.just(1.0 - wh), st.floats(0.0, 3.0)))
    return h_list[0], f_list[0], wh, wf, min(a, b), max(a, b)


@given(sector_problem())
@settings(max_examples=150, deadline=None)
def test_sector_argmax_matches_brute_force_grid(problem):
    h, f, wh, wf, lo, hi = problem
    found = sector_argmax(h, f, wh, wf, lo, hi)
    x, i = found[0], found[1]
    assert lo <= x <= hi
    assert h.breaks[i] <= x <= h.breaks[i + 1]

    def obj(v: float) -> float:
        return wh * h(v) + wf * f(v)

    n = 2001
    grid = [lo + (hi - lo) * k / (n - 1) for k in range(n)] + [b for b in h.breaks if lo <= b <= hi]
    assert obj(x) >= max(obj(v) for v in grid) - 1e-12


def test_sector_argmax_by_hand():
    b = (0.0, 0.5, 1.0)
    h = economic_term(b, 1.0, -1.0)  # max at 0.5
    f = economic_term(b, 0.0, 0.0)
    assert sector_argmax(h, f, 1.0, 0.0, 0.0, 1.0)[0] == pytest.approx(0.5)
    assert sector_argmax(h, f, 1.0, 0.0, 0.0, 0.3)[0] == pytest.approx(0.3)
    assert sector_argmax(h, f, 1.0, 0.0, 0.7, 1.0)[0] == pytest.approx(0.7)
    g = economic_term(b, 2.0, -1.0)  # max at 1.0
    assert sector_argmax(g, f, 1.0, 0.0, 0.0, 1.0)[0] == pytest.approx(1.0)
    # h + f with f = -3 x: h'(x) + f'(x) = 1 - 2x - 3 < 0 everywhere -> 0.
    f3 = economic_term(b, -3.0, 0.0)
    assert sector_argmax(h, f3, 1.0, 1.0, 0.0, 1.0)[0] == 0.0


def test_own_best_prefers_the_other_side_on_ties():
    b = (0.0, 1.0)
    f = [economic_term(b, 0.0, 0.0)]  # indifferent
    h = [economic_term(b, 1.0, 0.0)]  # the other side wants 1
    assert own_best(f, h, [0.0], [1.0]) == [1.0]
    assert THETA_OWN < 1.0


# --- fast paths give the same floats as the general code -------------------------------------


@given(offer_problem())
@settings(max_examples=150, deadline=None)
def test_best_value_is_the_sum_of_sector_maxima_bit_for_bit(problem):
    """``best_value`` is ``sector_argmax`` specialised to one function: the same float."""
    fs, _, _, lo, hi, _ = problem
    expected = 0.0
    for f, a, b in zip(fs, lo, hi, strict=True):
        x, i, _ = sector_argmax(f, f, 0.0, 1.0, a, b)
        expected += f.c[i] + x * (f.p[i] + f.q[i] * x)
    assert best_value(fs, lo, hi) == expected


@given(offer_problem(), st.floats(0.0, THETA_OWN), st.booleans())
@settings(max_examples=200, deadline=None)
def test_single_segment_solver_is_the_general_solver_bit_for_bit(problem, theta, narrow):
    """``compile_single`` compiles exactly when every sector's bounds hold one segment of
    ``compile_problem``; then ``solve_single`` and ``value_other`` give exactly ``solve``'s x,
    F, H and slope (a run's results must not depend on the path taken)."""
    fs, hs, _, lo, hi, _ = problem
    if narrow:  # bounds inside one segment of each sector: the case the fast path is for
        lo, hi = list(lo), list(hi)
        for j, f in enumerate(fs):
            k = f.segment(lo[j])
            hi[j] = min(max(hi[j], lo[j]), f.breaks[k + 1])
    scale = [1.5] * len(fs)
    problem_ = compile_problem(hs, fs, lo, hi, scale)
    flat = compile_single(hs, fs, lo, hi, scale)
    assert (flat is not None) == all(len(segments) == 1 for segments in problem_)
    if flat is not None:
        x, own, other, slope = solve(problem_, theta)
        assert solve_single(flat, theta)[:3] == (x, own, slope)
        assert value_other(flat, x) == other
        assert values_single(flat, theta) == (own, other)


@given(offer_problem(), st.booleans())
@settings(max_examples=150, deadline=None)
def test_planned_fast_paths_are_the_general_code_bit_for_bit(problem, narrow):
    """A run's ``segment_plan`` (worked out once) gives ``compile_single``'s problem and
    ``best_value``'s float; it exists exactly when ``compile_single`` compiles."""
    fs, hs, _, lo, hi, _ = problem
    if narrow:
        lo, hi = list(lo), list(hi)
        for j, f in enumerate(fs):
            k = f.segment(lo[j])
            hi[j] = min(max(hi[j], lo[j]), f.breaks[k + 1])
    plan = segment_plan([f.breaks for f in fs], lo, hi)
    flat = compile_single(hs, fs, lo, hi)
    assert (plan is None) == (flat is None)
    if plan is not None:
        assert compile_planned(hs, fs, plan) == flat
        scale = [0.5 + j for j in range(len(fs))]
        assert compile_planned(hs, fs, plan, scale) == compile_single(hs, fs, lo, hi, scale)
        assert best_value_single(fs, plan) == best_value(fs, lo, hi)


def test_compile_single_refuses_bounds_across_a_breakpoint():
    b = (0.0, 0.5, 1.0)
    f = [economic_term(b, 1.0, -1.0)]
    assert compile_single(f, f, [0.0], [1.0]) is None
    assert compile_single(f, f, [0.2], [0.6]) is None
    assert compile_single(f, f, [0.0], [0.4]) is not None
    # From a breakpoint on, compile_problem keeps the point where the left segment ends too.
    assert compile_single(f, f, [0.5], [1.0]) is None
    assert compile_single(f, f, [0.6], [1.0]) is not None
    assert compile_single(f, f, [0.0], [0.5]) is not None  # up to the breakpoint
    # Wherever it does compile, it holds compile_problem's one segment per sector.
    for lo, hi in ((0.0, 0.4), (0.6, 1.0), (0.0, 0.5), (0.7, 0.7), (0.5, 0.5)):
        (segment,) = compile_problem(f, f, [lo], [hi])[0]
        (single,) = compile_single(f, f, [lo], [hi])
        assert single == (segment[0], segment[1], *segment[3:])


@given(offer_problem())
@settings(max_examples=100, deadline=None)
def test_total_is_the_sum_of_the_sector_functions(problem):
    fs, _, _, lo, hi, _ = problem
    x = [0.5 * (a + b) for a, b in zip(lo, hi, strict=True)]
    expected = 0.25
    for f, xj in zip(fs, x, strict=True):
        expected += f(xj)
    assert total(fs, x, 0.25) == expected


def _states(flat, theta):
    """Which bound each sector sits at (or 'in' when interior) at ``theta``."""
    x, _, _, _ = solve_single(flat, theta)
    return [
        "lo" if v == s[0] else "hi" if v == s[1] else "in" for v, s in zip(x, flat, strict=True)
    ]


@given(offer_problem(), st.floats(0.05, 0.95), st.booleans())
@settings(max_examples=200, deadline=None)
def test_curvature_is_the_derivative_of_the_slope(problem, theta, narrow):
    """``solve_single``'s curvature is ``d2F/dtheta2`` (Halley's step relies on it): it matches
    a central difference of its slope wherever no sector changes state nearby."""
    fs, hs, _, lo, hi, _ = problem
    if narrow:
        lo, hi = list(lo), list(hi)
        for j, f in enumerate(fs):
            hi[j] = min(max(hi[j], lo[j]), f.breaks[f.segment(lo[j]) + 1])
    flat = compile_single(hs, fs, lo, hi)
    assume(flat is not None)
    step = 1e-5
    assume(_states(flat, theta - step) == _states(flat, theta) == _states(flat, theta + step))
    _, _, slope, curvature = solve_single(flat, theta)
    _, f_minus, s_minus, _ = solve_single(flat, theta - step)
    _, f_plus, s_plus, _ = solve_single(flat, theta + step)
    scale = 1.0 + abs(slope) + abs(curvature)
    assert (f_plus - f_minus) / (2 * step) == pytest.approx(slope, rel=1e-4, abs=1e-6 * scale)
    assert (s_plus - s_minus) / (2 * step) == pytest.approx(curvature, rel=1e-3, abs=1e-4 * scale)


def test_plateau_edge_by_hand():
    """One sector, H = x - x**2 (wants 0.5), F = x (wants 1), bounds [0.7, 0.9].

    The optimum of (1 - t) H + t F is x = 0.5 + t / (2 (1 - t)): at t = 0.1 it lies below the
    bounds, so the sector sits at 0.7, and it leaves 0.7 where (1 - t)(1 - 1.4) + t = 0,
    t = 2/7."""
    b = (0.0, 1.0)
    hs = [Piecewise(b, [0.0], [1.0], [-1.0])]
    fs = [Piecewise(b, [0.0], [1.0], [0.0])]
    flat = compile_single(hs, fs, [0.7], [0.9])
    assert _states(flat, 0.1) == ["lo"]
    edge, slope = plateau_edge(flat, 0.1, down=False)
    assert edge == pytest.approx(2.0 / 7.0)
    # Nothing moves before the edge; past it the sector moves, at the slope promised.
    assert solve_single(flat, edge - 1e-6)[0] == [0.7]
    _, f_a, _, _ = solve_single(flat, edge + 1e-7)
    _, f_b, _, _ = solve_single(flat, edge + 2e-7)
    assert (f_b - f_a) / 1e-7 == pytest.approx(slope, rel=1e-4)
    # Going down from the lower bound there is no edge (the sector only goes further down),
    # and an interior point is no plateau.
    assert plateau_edge(flat, 0.1, down=True) is None
    assert _states(flat, 0.35) == ["in"]
    assert plateau_edge(flat, 0.35, down=False) is None


@given(offer_problem(), st.floats(0.01, 0.99), st.booleans())
@settings(max_examples=200, deadline=None)
def test_plateau_edge_is_where_the_first_sector_moves(problem, theta, down):
    """From a plateau, every sector stays put up to the edge, and some sector moves past it."""
    fs, hs, _, lo, hi, _ = problem
    lo, hi = list(lo), list(hi)
    for j, f in enumerate(fs):
        hi[j] = min(max(hi[j], lo[j]), f.breaks[f.segment(lo[j]) + 1])
    flat = compile_single(hs, fs, lo, hi)
    assume(flat is not None and "in" not in _states(flat, theta))
    found = plateau_edge(flat, theta, down)
    assume(found is not None)
    edge, slope = found
    assert (edge <= theta) if down else (edge >= theta)
    assert slope >= 0.0
    gap = 1e-7
    assume(abs(edge - theta) > 2 * gap and gap < edge < 1.0 - gap)
    inside = edge + gap if down else edge - gap
    beyond = edge - gap if down else edge + gap
    x_theta = solve_single(flat, theta)[0]
    assert solve_single(flat, inside)[0] == x_theta
    assert solve_single(flat, beyond)[0] != x_theta
