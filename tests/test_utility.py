"""Tests for sim.utility: piecewise quadratics, lobby dissatisfaction, breakpoints."""

from __future__ import annotations

import itertools
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.utility import (
    LIBERALISATION,
    PROTECTION,
    Piecewise,
    dissatisfaction_term,
    economic_term,
    sector_breaks,
    total,
)

WANTS = (PROTECTION, LIBERALISATION)


def reference_dissatisfaction(
    x: float, *, wants: str, r: float, s: float, lam: float, eta: float
) -> float:
    """docs/model.md / docstring form: loss l weighs lam*l + eta*l**2, a gain g lowers D by g."""
    if wants == PROTECTION:
        loss, gain = max(x - r, 0.0), max(r - x, 0.0)
    else:
        loss, gain = max(r - x, 0.0), max(x - r, 0.0)
    return s * (lam * loss + eta * loss * loss) - s * gain


def segment_value(u: Piecewise, i: int, x: float) -> float:
    """Value of segment i's quadratic at x (also outside the segment: for one-sided limits)."""
    return u.c[i] + x * (u.p[i] + u.q[i] * x)


def segment_slope(u: Piecewise, i: int, x: float) -> float:
    return u.p[i] + 2.0 * u.q[i] * x


unit = st.floats(0.0, 1.0, allow_nan=False)
interior = st.floats(0.01, 0.99, allow_nan=False)


@st.composite
def term_params(draw):
    """A lobby term on breaks holding its reference, maybe with other lobbies' references."""
    wants = draw(st.sampled_from(WANTS))
    r = draw(st.one_of(st.just(0.0), st.just(1.0), interior))
    others = draw(st.lists(interior, max_size=3))
    breaks = sector_breaks([r, *others])
    s = draw(st.floats(0.0, 5.0))
    lam = draw(st.floats(1.0, 5.0))
    eta = draw(st.floats(0.0, 5.0))
    return breaks, wants, r, s, lam, eta


def make_term(breaks, wants, r, s, lam, eta) -> Piecewise:
    return dissatisfaction_term(
        breaks, wants=wants, reference=r, stake=s, loss_aversion=lam, convexity=eta
    )


# --- sector_breaks --------------------------------------------------------------------------


def test_sector_breaks_sorted_deduplicated_with_ends():
    assert sector_breaks([0.5, 0.2, 0.5, 0.0, 1.0]) == (0.0, 0.2, 0.5, 1.0)
    assert sector_breaks([]) == (0.0, 1.0)
    assert sector_breaks([0.0, 1.0, 0.0]) == (0.0, 1.0)


def test_sector_breaks_drops_points_outside_open_unit_interval():
    assert sector_breaks([-0.5, 1.5, 0.3]) == (0.0, 0.3, 1.0)


def test_sector_breaks_returns_floats():
    b = sector_breaks([1, 0, 0.25])
    assert b == (0.0, 0.25, 1.0)
    assert all(type(v) is float for v in b)


@given(st.lists(st.floats(-1.0, 2.0, allow_nan=False), max_size=8))
@settings(max_examples=50)
def test_sector_breaks_property(points):
    b = sector_breaks(points)
    assert b[0] == 0.0 and b[-1] == 1.0
    assert all(a < c for a, c in itertools.pairwise(b))
    inner = {p for p in points if 0.0 < p < 1.0}
    assert set(b[1:-1]) == inner


# --- Piecewise basics -----------------------------------------------------------------------


def test_piecewise_segment_picks_right_one_at_breakpoint_and_clamps():
    u = Piecewise.zero((0.0, 0.3, 0.7, 1.0))
    assert u.segment(0.0) == 0
    assert u.segment(0.2) == 0
    assert u.segment(0.3) == 1
    assert u.segment(0.7) == 2
    assert u.segment(1.0) == 2
    assert u.segment(-0.1) == 0
    assert u.segment(1.5) == 2


def test_economic_term_is_the_quadratic():
    u = economic_term((0.0, 0.4, 1.0), 0.8, -0.3)
    for x in (0.0, 0.1, 0.4, 0.77, 1.0):
        assert u(x) == pytest.approx(0.8 * x - 0.3 * x * x, abs=1e-15)
        assert u.slope(x) == pytest.approx(0.8 - 0.6 * x, abs=1e-15)


def test_add_scaled_scaled_copy():
    b = (0.0, 0.5, 1.0)
    e = economic_term(b, 1.0, -0.5)
    d = make_term(b, PROTECTION, 0.5, 1.0, 2.0, 1.0)
    u = e.copy()
    u.add_scaled(d, -0.7)
    v = d.scaled(-0.7)
    for x in (0.0, 0.2, 0.5, 0.9, 1.0):
        assert u(x) == pytest.approx(e(x) - 0.7 * d(x), abs=1e-14)
        assert v(x) == pytest.approx(-0.7 * d(x), abs=1e-14)
    # copy is independent
    assert e(1.0) == pytest.approx(0.5)
    w = e.copy()
    w.add_scaled(d, 3.0)
    assert e(1.0) == pytest.approx(0.5)


def test_total_sums_over_sectors_and_checks_lengths():
    b = (0.0, 1.0)
    us = [economic_term(b, 1.0, 0.0), economic_term(b, -2.0, 0.0)]
    assert total(us, [0.5, 0.25]) == pytest.approx(0.0)
    with pytest.raises(ValueError):
        total(us, [0.5])


# --- dissatisfaction_term: piecewise evaluation ---------------------------------------------


@pytest.mark.parametrize("wants", WANTS)
@pytest.mark.parametrize("r", [0.0, 0.35, 1.0])
def test_dissatisfaction_matches_reference_form(wants, r):
    breaks = sector_breaks([r, 0.6])
    s, lam, eta = 1.3, 2.25, 0.8
    d = make_term(breaks, wants, r, s, lam, eta)
    for k in range(101):
        x = k / 100
        want = reference_dissatisfaction(x, wants=wants, r=r, s=s, lam=lam, eta=eta)
        assert d(x) == pytest.approx(want, abs=1e-12), x


def test_dissatisfaction_values_by_hand():
    b = (0.0, 0.4, 1.0)
    prot = make_term(b, PROTECTION, 0.4, 2.0, 2.0, 1.0)
    assert prot(0.0) == pytest.approx(-0.8)  # gain 0.4 * stake 2
    assert prot(0.4) == pytest.approx(0.0)
    assert prot(1.0) == pytest.approx(2.0 * (2.0 * 0.6 + 0.36))
    lib = make_term(b, LIBERALISATION, 0.4, 2.0, 2.0, 1.0)
    assert lib(0.0) == pytest.approx(2.0 * (2.0 * 0.4 + 0.16))
    assert lib(0.4) == pytest.approx(0.0)
    assert lib(1.0) == pytest.approx(-1.2)


def test_reference_at_zero_and_one():
    b = (0.0, 1.0)
    # Protectionist lobby with today's protection as reference: every concession is a loss.
    d = make_term(b, PROTECTION, 0.0, 1.0, 2.0, 0.5)
    assert d(0.0) == 0.0 and d(1.0) == pytest.approx(2.5)
    # Exporter lobby with reference at status quo: any liberalisation is a gain.
    d = make_term(b, LIBERALISATION, 0.0, 1.0, 2.0, 0.5)
    assert d(0.0) == 0.0 and d(1.0) == pytest.approx(-1.0)
    # Protectionist lobby referenced at free trade: everything is a gain.
    d = make_term(b, PROTECTION, 1.0, 1.0, 2.0, 0.5)
    assert d(1.0) == pytest.approx(0.0) and d(0.0) == pytest.approx(-1.0)
    # Exporter lobby referenced at free trade: everything short of it is a loss.
    d = make_term(b, LIBERALISATION, 1.0, 1.0, 2.0, 0.5)
    assert d(1.0) == pytest.approx(0.0) and d(0.0) == pytest.approx(2.5)


@given(term_params(), unit)
@settings(max_examples=100)
def test_dissatisfaction_property_matches_reference_form(params, x):
    breaks, wants, r, s, lam, eta = params
    d = make_term(breaks, wants, r, s, lam, eta)
    want = reference_dissatisfaction(x, wants=wants, r=r, s=s, lam=lam, eta=eta)
    assert d(x) == pytest.approx(want, abs=1e-9)


@given(term_params())
@settings(max_examples=100)
def test_dissatisfaction_zero_at_reference_and_continuous(params):
    breaks, wants, r, s, lam, eta = params
    d = make_term(breaks, wants, r, s, lam, eta)
    assert d(r) == pytest.approx(0.0, abs=1e-12)
    for i in range(1, len(breaks) - 1):
        left = segment_value(d, i - 1, breaks[i])
        right = segment_value(d, i, breaks[i])
        assert left == pytest.approx(right, abs=1e-12), (i, breaks)


@given(term_params())
@settings(max_examples=100)
def test_dissatisfaction_is_convex_and_nonnegative_loss(params):
    breaks, wants, r, s, lam, eta = params
    d = make_term(breaks, wants, r, s, lam, eta)
    assert all(q >= 0.0 for q in d.q)
    # Slopes (left and right at every breakpoint, plus interior points) never decrease.
    slopes = []
    for i in range(len(breaks) - 1):
        a, b = breaks[i], breaks[i + 1]
        for k in range(5):
            slopes.append(segment_slope(d, i, a + (b - a) * k / 4))
    assert all(s2 >= s1 - 1e-12 for s1, s2 in itertools.pairwise(slopes))


# --- loss aversion -------------------------------------------------------------------------


@pytest.mark.parametrize("r", [0.0, 0.3, 0.5, 1.0])
@pytest.mark.parametrize("lam", [1.0, 2.25, 4.0])
@pytest.mark.parametrize("eta", [0.0, 1.5])
def test_loss_slope_at_reference_is_stake_times_loss_aversion(r, lam, eta):
    s = 0.7
    breaks = sector_breaks([r])
    prot = make_term(breaks, PROTECTION, r, s, lam, eta)
    lib = make_term(breaks, LIBERALISATION, r, s, lam, eta)
    i_right = prot.segment(r) if r < 1.0 else None  # segment starting at r
    i_left = prot.segment(r) - 1 if r > 0.0 else None  # segment ending at r
    if r == 1.0:
        i_left = len(breaks) - 2
    if i_right is not None:
        # Protection lobby: moving right of r is a loss with slope s * lam.
        assert segment_slope(prot, i_right, r) == pytest.approx(s * lam)
        # Exporter lobby: moving right of r is a gain with slope -s.
        assert segment_slope(lib, i_right, r) == pytest.approx(-s)
    if i_left is not None:
        # Protection lobby: left of r is a gain, D rises with slope s toward r.
        assert segment_slope(prot, i_left, r) == pytest.approx(s)
        # Exporter lobby: left of r is a loss: D falls with slope -s * lam toward r.
        assert segment_slope(lib, i_left, r) == pytest.approx(-s * lam)


def test_loss_weighs_loss_aversion_times_gain_near_reference():
    r, eps, s, lam = 0.5, 1e-6, 1.0, 2.25
    d = make_term((0.0, r, 1.0), PROTECTION, r, s, lam, 3.0)
    assert d(r + eps) / -d(r - eps) == pytest.approx(lam, rel=1e-4)


# --- concavity of a government's sector utility ---------------------------------------------


@st.composite
def government_sector(draw):
    refs = draw(st.lists(st.one_of(st.just(0.0), st.just(1.0), interior), min_size=1, max_size=3))
    breaks = sector_breaks(refs)
    u = economic_term(breaks, draw(st.floats(-2.0, 2.0)), draw(st.floats(-2.0, 0.0)))
    for r in refs:
        term = make_term(
            breaks,
            draw(st.sampled_from(WANTS)),
            r,
            draw(st.floats(0.0, 3.0)),
            draw(st.floats(1.0, 4.0)),
            draw(st.floats(0.0, 3.0)),
        )
        u.add_scaled(term, -draw(st.floats(0.0, 3.0)))
    return u


@given(government_sector())
@settings(max_examples=100)
def test_economic_minus_weighted_dissatisfaction_is_concave(u):
    breaks = u.breaks
    assert all(q <= 1e-15 for q in u.q)
    slopes = []
    for i in range(len(breaks) - 1):
        a, b = breaks[i], breaks[i + 1]
        for k in range(5):
            slopes.append(segment_slope(u, i, a + (b - a) * k / 4))
    assert all(s2 <= s1 + 1e-12 for s1, s2 in itertools.pairwise(slopes))
    # Midpoint concavity on a grid as well (value-based, independent of slopes).
    xs = [k / 40 for k in range(41)]
    for a in xs[::4]:
        for b in xs[::5]:
            assert u(0.5 * (a + b)) >= 0.5 * (u(a) + u(b)) - 1e-12
    # and continuity
    for i in range(1, len(breaks) - 1):
        assert segment_value(u, i - 1, breaks[i]) == pytest.approx(
            segment_value(u, i, breaks[i]), abs=1e-12
        )


def test_slope_method_is_right_derivative():
    b = (0.0, 0.5, 1.0)
    u = economic_term(b, 0.3, -0.2)
    u.add_scaled(make_term(b, PROTECTION, 0.5, 1.0, 2.0, 1.0), -1.0)
    h = 1e-7
    for x in (0.0, 0.25, 0.5, 0.75):
        assert u.slope(x) == pytest.approx((u(x + h) - u(x)) / h, abs=1e-5)
    assert math.isfinite(u.slope(1.0))
