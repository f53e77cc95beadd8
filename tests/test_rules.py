"""Tests for sim.rules: each decision rule against its equation."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim import rules

# --- salience -------------------------------------------------------------------------------


def test_salience_without_elections_is_one():
    assert rules.salience(5.0, []) == 1.0


def test_salience_at_election_is_one_plus_amplitude():
    assert rules.salience(14.0, [(14.0, 10.0, 8.0)]) == pytest.approx(11.0)


def test_salience_after_election_is_one():
    for t in (14.01, 15.0, 100.0):
        assert rules.salience(t, [(14.0, 10.0, 8.0)]) == 1.0


def test_salience_formula_before_election():
    t_e, a, tau = 20.0, 6.0, 6.0
    for t in (0.0, 5.0, 19.5):
        assert rules.salience(t, [(t_e, a, tau)]) == pytest.approx(
            1.0 + a * math.exp(-(t_e - t) / tau)
        )


@given(
    t_e=st.floats(0.0, 200.0),
    amplitude=st.floats(0.0, 20.0),
    tau=st.floats(0.1, 50.0),
)
@settings(max_examples=50)
def test_salience_rises_monotonically_before_election(t_e, amplitude, tau):
    ts = np.linspace(t_e - 100.0, t_e, 201)
    values = [rules.salience(float(t), [(t_e, amplitude, tau)]) for t in ts]
    assert all(v >= 1.0 for v in values)
    assert all(b >= a for a, b in itertools.pairwise(values))
    assert values[-1] == pytest.approx(1.0 + amplitude)
    # and falls back to 1 just after
    assert rules.salience(t_e + 1e-6, [(t_e, amplitude, tau)]) == 1.0


def test_salience_with_several_elections_takes_the_most_salient():
    elections = [(10.0, 2.0, 4.0), (12.0, 10.0, 4.0)]
    t = 9.0
    expected = max(1.0 + 2.0 * math.exp(-1.0 / 4.0), 1.0 + 10.0 * math.exp(-3.0 / 4.0))
    assert rules.salience(t, elections) == pytest.approx(expected)
    # once the first has passed only the second counts
    assert rules.salience(11.0, elections) == pytest.approx(1.0 + 10.0 * math.exp(-1.0 / 4.0))
    assert rules.salience(13.0, elections) == 1.0


# --- Faratin time-dependent tactic ----------------------------------------------------------


def test_linear_tactic_is_t_over_T():
    for t in (0.0, 2.5, 5.0, 7.0, 10.0):
        assert rules.time_dependent_concession(t, 10.0, 1.0) == pytest.approx(t / 10.0)


@pytest.mark.parametrize("beta", [0.1, 0.2, 0.5, 0.9])
def test_boulware_concedes_late(beta):
    assert rules.time_dependent_concession(5.0, 10.0, beta) < 0.5
    assert rules.time_dependent_concession(5.0, 10.0, beta) == pytest.approx(0.5 ** (1 / beta))


@pytest.mark.parametrize("beta", [1.1, 2.0, 5.0])
def test_conceder_concedes_early(beta):
    assert rules.time_dependent_concession(5.0, 10.0, beta) > 0.5


@given(
    deadline=st.floats(1.0, 200.0),
    beta=st.floats(0.05, 20.0),
    k=st.floats(0.0, 0.99),
)
@settings(max_examples=50)
def test_tactic_ends_and_monotone(deadline, beta, k):
    f = rules.time_dependent_concession
    assert f(0.0, deadline, beta, 0.0, k) == pytest.approx(k)
    assert f(deadline, deadline, beta, 0.0, k) == 1.0
    assert f(deadline + 5.0, deadline, beta, 0.0, k) == 1.0
    ts = np.linspace(0.0, deadline, 101)
    values = [f(float(t), deadline, beta, 0.0, k) for t in ts]
    assert all(k - 1e-12 <= v <= 1.0 for v in values)
    assert all(b >= a - 1e-12 for a, b in itertools.pairwise(values))


@given(
    t1=st.floats(1.0, 30.0),
    old_deadline=st.floats(31.0, 60.0),
    new_deadline=st.floats(31.0, 100.0),
    beta=st.floats(0.1, 5.0),
)
@settings(max_examples=50)
def test_reanchoring_keeps_concession_continuous(t1, old_deadline, new_deadline, beta):
    f = rules.time_dependent_concession
    c1 = f(t1, old_deadline, beta)
    # At the re-anchoring step the concession is unchanged...
    assert f(t1, new_deadline, beta, t1, c1) == pytest.approx(c1)
    # ...just after it, it moves away from c1 continuously (the gap shrinks to 0 with the
    # time elapsed) and only upward; it reaches 1 at the new deadline.
    gaps = [f(t1 + eps, new_deadline, beta, t1, c1) - c1 for eps in (1e-3, 1e-6, 1e-9, 1e-12)]
    assert all(g >= 0.0 for g in gaps)
    assert all(b <= a for a, b in itertools.pairwise(gaps))
    assert gaps[-1] < 5e-3
    assert f(new_deadline, new_deadline, beta, t1, c1) == 1.0


def test_reanchored_tactic_formula():
    # k + (1 - k) ((t - t0) / (T - t0)) ** (1 / beta)
    got = rules.time_dependent_concession(14.0, 20.0, 0.5, start=10.0, start_level=0.4)
    assert got == pytest.approx(0.4 + 0.6 * (4.0 / 10.0) ** 2)


def test_deadline_at_or_before_anchor_concedes_fully():
    assert rules.time_dependent_concession(12.0, 10.0, 0.5, start=10.0, start_level=0.3) == 1.0


# --- aspiration -----------------------------------------------------------------------------


def test_aspiration_level_endpoints_and_formula():
    assert rules.aspiration_level(2.0, 0.5, 0.0) == 2.0
    assert rules.aspiration_level(2.0, 0.5, 1.0) == pytest.approx(0.5)
    assert rules.aspiration_level(2.0, 0.5, 0.4) == pytest.approx(2.0 - 0.4 * 1.5)


def test_aspiration_level_floor_when_best_below_floor():
    assert rules.aspiration_level(0.2, 0.5, 0.0) == 0.5
    assert rules.aspiration_level(0.2, 0.5, 0.7) == 0.5
    assert rules.aspiration_level(0.5, 0.5, 0.3) == 0.5


@given(
    best=st.floats(-5.0, 5.0),
    floor=st.floats(-5.0, 5.0),
    c1=st.floats(0.0, 1.0),
    c2=st.floats(0.0, 1.0),
)
@settings(max_examples=50)
def test_aspiration_level_decreasing_and_between_floor_and_best(best, floor, c1, c2):
    a1 = rules.aspiration_level(best, floor, c1)
    a2 = rules.aspiration_level(best, floor, c2)
    assert a1 >= floor - 1e-12
    assert a1 <= max(best, floor) + 1e-12
    if c1 <= c2:
        assert a1 >= a2 - 1e-12


# --- lobby pressure -------------------------------------------------------------------------


def test_lobby_pressure_formula():
    p = rules.lobby_pressure(
        0.5, strength=2.0, salience=3.0, dissatisfaction=0.4, inertia=0.6, shock=1.1, outrage=0.2
    )
    assert p == pytest.approx(0.6 * 0.5 + 0.4 * 1.1 * (2.0 * 3.0 * 0.4 + 0.2))


def test_lobby_pressure_zero_when_satisfied():
    for d in (0.0, -0.5):
        assert (
            rules.lobby_pressure(0.0, strength=3.0, salience=5.0, dissatisfaction=d, inertia=0.5)
            == 0.0
        )


def test_lobby_pressure_decays_with_inertia_when_satisfied():
    p = 1.0
    for n in range(1, 6):
        p = rules.lobby_pressure(p, strength=1.0, salience=1.0, dissatisfaction=-1.0, inertia=0.7)
        assert p == pytest.approx(0.7**n)


def test_lobby_pressure_converges_to_drive():
    p = 0.0
    values = []
    for _ in range(200):
        p = rules.lobby_pressure(p, strength=1.5, salience=2.0, dissatisfaction=0.5, inertia=0.8)
        values.append(p)
    assert all(b >= a for a, b in itertools.pairwise(values))  # rises smoothly
    assert values[0] == pytest.approx(0.2 * 1.5)  # only (1 - inertia) of the drive at once
    assert values[-1] == pytest.approx(1.5 * 2.0 * 0.5)


@given(
    prev=st.floats(0.0, 10.0),
    strength=st.floats(0.0, 5.0),
    sal=st.floats(1.0, 11.0),
    d1=st.floats(-1.0, 1.0),
    d2=st.floats(-1.0, 1.0),
    inertia=st.floats(0.0, 0.99),
)
@settings(max_examples=50)
def test_lobby_pressure_monotone_in_dissatisfaction_and_nonnegative(
    prev, strength, sal, d1, d2, inertia
):
    kw = {"strength": strength, "salience": sal, "inertia": inertia}
    p1 = rules.lobby_pressure(prev, dissatisfaction=d1, **kw)
    p2 = rules.lobby_pressure(prev, dissatisfaction=d2, **kw)
    assert p1 >= 0.0
    if d1 <= d2:
        assert p1 <= p2 + 1e-12


def test_lobby_weight():
    assert rules.lobby_weight(0.3, 0.5, 2.0) == pytest.approx(1.3)
    assert rules.lobby_weight(0.3, 0.0, 2.0) == pytest.approx(0.3)


def test_mobilisation_shock_has_mean_one_and_is_positive():
    # Gauss-Hermite: E[f(Z)] for Z ~ N(0, 1).
    nodes, weights = np.polynomial.hermite_e.hermegauss(60)
    for sd in (0.0, 0.15, 0.5, 1.0):
        mean = sum(
            w * rules.mobilisation_shock(float(z), sd) for z, w in zip(nodes, weights, strict=True)
        ) / math.sqrt(2.0 * math.pi)
        assert mean == pytest.approx(1.0, rel=1e-9)
    assert rules.mobilisation_shock(0.0, 0.0) == 1.0
    assert rules.mobilisation_shock(-10.0, 1.0) > 0.0


# --- acceptance and ratification ------------------------------------------------------------


def test_acceptable_needs_aspiration_and_floor():
    tol = 1e-9
    assert rules.acceptable(1.0, 0.8, 0.5, tol)
    assert rules.acceptable(0.8, 0.8, 0.5, tol)
    assert rules.acceptable(0.8 - 0.5e-9, 0.8, 0.5, tol)  # within tolerance
    assert not rules.acceptable(0.8 - 2e-9, 0.8, 0.5, tol)
    # the floor binds when the aspiration has fallen below it
    assert not rules.acceptable(0.4, 0.3, 0.5, tol)
    assert rules.acceptable(0.5, 0.3, 0.5, tol)


def test_ratifies_with_tolerance():
    tol = 1e-9
    assert rules.ratifies(1.0, 0.5, 0.2, tol)
    assert rules.ratifies(0.7, 0.5, 0.2, tol)
    # a 2e-16 rounding error must not sink a deal
    assert rules.ratifies(0.7 - 2e-16, 0.5, 0.2, tol)
    assert rules.ratifies(0.1 + 0.2, 0.0, 0.3, tol)
    assert not rules.ratifies(0.7 - 1e-6, 0.5, 0.2, tol)
    assert not rules.ratifies(0.6, 0.5, 0.2, tol)


# --- tit for tat ----------------------------------------------------------------------------


def test_reciprocal_concession_adds_and_clips():
    assert rules.reciprocal_concession(0.3, 0.2) == pytest.approx(0.5)
    assert rules.reciprocal_concession(0.3, -0.1) == pytest.approx(0.2)  # retraction answered
    assert rules.reciprocal_concession(0.9, 0.5) == 1.0
    assert rules.reciprocal_concession(0.1, -0.5) == 0.0


@given(st.floats(0.0, 1.0), st.floats(-5.0, 5.0))
@settings(max_examples=50)
def test_reciprocal_concession_stays_in_unit_interval(prev, theirs):
    c = rules.reciprocal_concession(prev, theirs)
    assert 0.0 <= c <= 1.0


# -- rules added for validity ------------------------------------------------------------


@given(rho=st.floats(0.0, 0.999), weeks=st.floats(0.01, 13.0))
def test_retention_composes_over_calendar_time(rho, weeks):
    # Two half-steps keep what one whole step keeps: memory is per week, not per step.
    assert rules.retention(rho, weeks / 2) ** 2 == pytest.approx(rules.retention(rho, weeks))
    assert rules.retention(rho, 1.0) == pytest.approx(rho)


def test_ou_shocks_have_the_same_law_at_any_step():
    # Stationary unit variance, and the same one-week autocorrelation with daily or weekly
    # steps: a finer step does not average the mood away.
    rng = np.random.default_rng(7)
    tau = 1.5  # weeks
    lags = {}
    for days in (1, 7):
        decay = math.exp(-(days / 7) / tau)
        per_week = 7 // days
        z, path = float(rng.standard_normal()), []
        for _ in range(40_000 * per_week):
            z = rules.ou_step(z, decay, float(rng.standard_normal()))
            path.append(z)
        weekly = np.array(path[::per_week])
        assert weekly.var() == pytest.approx(1.0, abs=0.05)
        lags[days] = float(np.corrcoef(weekly[:-1], weekly[1:])[0, 1])
    assert lags[1] == pytest.approx(math.exp(-1 / tau), abs=0.03)
    assert lags[7] == pytest.approx(lags[1], abs=0.03)


def test_a_lobby_feels_its_own_offer_fully_and_foreign_ones_in_part():
    assert rules.felt_dissatisfaction(None, [], 0.5) == 0.0
    assert rules.felt_dissatisfaction(0.2, [0.6], 0.5) == pytest.approx(0.3)
    assert rules.felt_dissatisfaction(0.4, [0.6], 0.5) == pytest.approx(0.4)
    assert rules.felt_dissatisfaction(None, [0.6, 0.2], 0.25) == pytest.approx(0.15)
    assert rules.felt_dissatisfaction(-0.1, [], 1.0) == pytest.approx(-0.1)


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 10_000), m=st.integers(1, 6), n=st.integers(2, 3))
def test_splitting_offers_everyone_accepts_gives_a_deal_everyone_accepts(seed, m, n):
    from helpers import random_sides, value

    rng = np.random.default_rng(seed)
    sides = random_sides(rng, m, n)
    offers = [list(rng.uniform(0.0, 1.0, m)) for _ in range(3)]
    # Each side's aspiration: the least it gets from any of the offers, so all are acceptable.
    aspirations = [min(value(us, x) for x in offers) for us in sides]
    deal = rules.settle(offers)
    for us, a in zip(sides, aspirations, strict=True):
        assert value(us, deal) >= a - 1e-9  # concavity: the average is no worse than the worst


@given(
    econ=st.floats(-5, 5), strategic=st.floats(-2, 2), margin=st.floats(0, 1),
    loss=st.floats(0.01, 10),
)
def test_the_revealed_multiplier_makes_the_rejected_deal_just_pass(econ, strategic, margin, loss):
    b = rules.ratifier_multiplier_at_rejection(econ, strategic, margin, loss)
    assert econ + strategic - b * loss == pytest.approx(margin, abs=1e-9)
    assert rules.ratifier_multiplier_at_rejection(econ, strategic, margin, 0.0) is None
    assert rules.ratifier_multiplier_at_rejection(econ, strategic, margin, -loss) is None


def test_caution_halves_every_half_life():
    assert rules.caution(0.5, 0.0, 8.0) == pytest.approx(0.5)
    assert rules.caution(0.5, 8.0, 8.0) == pytest.approx(0.25)
    assert rules.caution(0.5, 24.0, 8.0) == pytest.approx(0.0625)
