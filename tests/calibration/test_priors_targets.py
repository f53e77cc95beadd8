"""Priors (densities, truncation, draws) and targets (misses, discrepancies, the distance)."""

import datetime as dt
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.calibration.priors import BoundedRV, density, frozen
from sim.calibration.spec import NoDealBeforeTarget, SectorTarget, WindowTarget, parse_prior
from sim.calibration.targets import ScaledDistance, TargetRule, combine
from sim.outcome import Outcome

positive = st.floats(0.05, 20, allow_nan=False)
location = st.floats(-10, 10, allow_nan=False)


@st.composite
def priors(draw):
    kind = draw(
        st.sampled_from(
            ["uniform", "loguniform", "normal", "truncnormal", "lognormal", "triangular"]
        )
    )
    if kind in ("uniform", "loguniform"):
        low = draw(positive)
        d = {"dist": kind, "low": low, "high": low + draw(positive)}
    elif kind == "normal":
        d = {"dist": kind, "mean": draw(location), "sd": draw(positive)}
    elif kind == "truncnormal":
        mean, sd = draw(location), draw(positive)
        d = {
            "dist": kind,
            "mean": mean,
            "sd": sd,
            "low": mean - sd * draw(st.floats(0.1, 3)),
            "high": mean + sd * draw(st.floats(0.1, 3)),
        }
    elif kind == "lognormal":
        d = {"dist": kind, "median": draw(positive), "sigma": draw(st.floats(0.05, 2))}
    else:
        low = draw(location)
        width = draw(positive)
        d = {
            "dist": kind,
            "low": low,
            "mode": low + width * draw(st.floats(0, 1)),
            "high": low + width,
        }
    return parse_prior(d)


@settings(max_examples=150, deadline=None)
@given(priors(), st.floats(0, 1))
def test_density_by_formula_is_scipys(prior, u):
    f = frozen(prior.dist)
    x = float(f.ppf(min(max(u, 1e-6), 1 - 1e-6)))
    assert density(prior.dist, x) == pytest.approx(float(f.pdf(x)), rel=1e-7, abs=1e-12)


@settings(max_examples=100, deadline=None)
@given(priors(), st.floats(0.05, 0.45), st.floats(0.55, 0.95), st.integers(0, 2**32 - 1))
def test_bounds_truncate_draws_and_density(prior, qa, qb, seed):
    f = frozen(prior.dist)
    low, high = float(f.ppf(qa)), float(f.ppf(qb))
    if not low < high:
        return
    rv = BoundedRV(parse_prior({**prior.as_yaml(), "bounds": [low, high]}))
    draws = rv.sample(np.random.default_rng(seed), 200)
    assert np.all((draws >= low) & (draws <= high))
    assert rv.pdf(low - abs(low) * 0.01 - 1e-3) == 0.0
    assert rv.pdf(high + abs(high) * 0.01 + 1e-3) == 0.0
    grid = np.linspace(low, high, 2001)
    mass = np.trapezoid([rv.pdf(float(x)) for x in grid], grid)
    assert mass == pytest.approx(1.0, rel=0.02)
    mid = float(rv.ppf(0.5))
    assert rv.cdf(mid) == pytest.approx(0.5, abs=1e-6)


def test_prior_draws_follow_the_global_generator_pyabc_seeds():
    rv = BoundedRV(parse_prior({"dist": "uniform", "low": 0, "high": 1}))
    np.random.seed(3)  # noqa: NPY002
    a = [rv.rvs() for _ in range(5)]
    np.random.seed(3)  # noqa: NPY002
    assert a == [rv.rvs() for _ in range(5)]


def _outcome(agreement: bool, date: str, **levels: float) -> Outcome:
    terms = {s: {"value": v, "unit": "tariff (%)", "status_quo": 40.0} for s, v in levels.items()}
    return Outcome(
        "t",
        0,
        agreement,
        "agreement" if agreement else "breakdown",
        "",
        0,
        date,
        {s: 0.0 for s in levels},
        terms,
        {},
        {},
        {},
        1,
        0,
    )


def _rule(target, name="x") -> TargetRule:
    return TargetRule(name, target, dt.date(2025, 1, 6), dt.date(2025, 12, 29), 7)


WINDOW = WindowTarget.model_validate(
    {
        "kind": "agreement_window",
        "from": "2025-07-14",
        "to": "2025-07-28",
        "scale": 7,
        "source": "s",
    }
)


@pytest.mark.parametrize(
    ("date", "agreement", "miss"),
    [
        ("2025-07-14", True, 0.0),
        ("2025-07-08", True, 0.0),  # the step 07-08 .. 07-14 reaches the window
        ("2025-07-07", True, 1.0),  # its last day is 07-13
        ("2025-07-28", True, 0.0),
        ("2025-07-29", True, 1.0),
        ("2025-09-01", False, (dt.date(2025, 12, 29) - dt.date(2025, 7, 28)).days),
    ],
)
def test_window_misses_count_days_outside(date, agreement, miss):
    assert _rule(WINDOW).miss(_outcome(agreement, date)) == miss


def test_no_deal_before_and_sector_misses():
    rule = _rule(
        NoDealBeforeTarget.model_validate(
            {"kind": "no_deal_before", "date": "2025-05-19", "scale": 7, "source": "s"}
        )
    )
    assert rule.miss(_outcome(True, "2025-05-05")) == 8.0  # last day 05-11
    assert rule.miss(_outcome(True, "2025-05-19")) == 0.0
    assert rule.miss(_outcome(False, "2025-05-05")) == 0.0
    sector = _rule(
        SectorTarget.model_validate(
            {
                "kind": "sector",
                "sector": "grain",
                "value": 20,
                "unit": "tariff (%)",
                "tolerance": 1,
                "scale": 4,
                "source": "s",
            }
        )
    )
    assert sector.miss(_outcome(True, "2025-05-05", grain=26.0)) == 26.0
    assert sector.discrepancy(26.0) == pytest.approx(5 / 4)
    assert sector.discrepancy(20.5) == 0.0
    assert math.isinf(sector.discrepancy(math.nan))


@given(st.lists(st.floats(0, 100), min_size=1, max_size=8))
def test_distances_order(ds):
    e, m, x = combine(ds, "euclidean"), combine(ds, "manhattan"), combine(ds, "max")
    assert x <= e + 1e-9 <= m + 2e-9
    assert e == pytest.approx(math.sqrt(sum(d * d for d in ds)))


def test_held_out_targets_do_not_count():
    fitted = _rule(WINDOW, "date")
    held = _rule(
        WindowTarget.model_validate({**WINDOW.model_dump(by_alias=True), "holdout": True}), "held"
    )
    distance = ScaledDistance([fitted, held])
    assert distance({"date": 14.0, "held": 1000.0}, {}) == pytest.approx(2.0)
