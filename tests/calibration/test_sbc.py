"""Simulation-based calibration (Talts et al. 2018), reduced: the truth lands in the posterior
intervals about as often as they promise. The full run is in benchmarks/bench_calibrate.py."""

from sim.calibration.sbc import run_sbc


def test_truths_fall_in_posterior_intervals_at_about_their_nominal_rate():
    result = run_sbc(trials=5, population=25, generations=2, seed=11)
    inside90, n = result.pooled_coverage(0.9)
    inside50, _ = result.pooled_coverage(0.5)
    assert n == 10
    # 90% intervals: P(at most 6 of 10 | p = 0.9) < 0.02; an overconfident posterior fails.
    assert inside90 >= 7, result.quantiles
    # 50% intervals: neither none nor all of the truths.
    assert 2 <= inside50 <= 9, result.quantiles
    # And the posterior learnt something (a posterior equal to the prior is calibrated too).
    assert max(result.contraction().values()) > 0.3, result.contraction()
    # The truth's quantiles are spread over (0, 1), not piled at one end.
    qs = [q for v in result.quantiles.values() for q in v]
    assert min(qs) < 0.5 < max(qs)
