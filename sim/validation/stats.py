"""Intervals for the validation report: proportions, means and their differences.

Each measured value carries a 95% interval, so that "the pattern holds" means "its interval
lies clear of the line", not "the point estimate happens to fall on the right side".
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

Z95 = 1.959963984540054


@dataclass(frozen=True, slots=True)
class Estimate:
    """A measured value with its 95% interval and the number of runs behind it."""

    value: float
    low: float
    high: float
    n: int

    def text(self, digits: int = 3) -> str:
        """``0.412 [0.371, 0.455]``."""
        if math.isnan(self.value):
            return "n/a"
        return f"{self.value:.{digits}f} [{self.low:.{digits}f}, {self.high:.{digits}f}]"


def proportion(hits: int, n: int) -> Estimate:
    """A share with its Wilson score interval (scipy's ``binomtest(...).proportion_ci``)."""
    if n == 0:
        return Estimate(math.nan, math.nan, math.nan, 0)
    from scipy.stats import binomtest

    ci = binomtest(hits, n).proportion_ci(confidence_level=0.95, method="wilson")
    return Estimate(hits / n, float(ci.low), float(ci.high), n)


def mean(values: Sequence[float]) -> Estimate:
    """A mean with its normal-approximation interval (the ensembles hold hundreds of runs)."""
    n = len(values)
    if n == 0:
        return Estimate(math.nan, math.nan, math.nan, 0)
    m = sum(values) / n
    if n == 1:
        return Estimate(m, m, m, 1)
    var = sum((v - m) ** 2 for v in values) / (n - 1)
    half = Z95 * math.sqrt(var / n)
    return Estimate(m, m - half, m + half, n)


def difference_of_means(a: Sequence[float], b: Sequence[float]) -> Estimate:
    """``mean(a) - mean(b)`` for independent samples (Welch's standard error)."""
    if len(a) < 2 or len(b) < 2:
        return Estimate(math.nan, math.nan, math.nan, len(a) + len(b))
    ma, mb = sum(a) / len(a), sum(b) / len(b)
    va = sum((v - ma) ** 2 for v in a) / (len(a) - 1)
    vb = sum((v - mb) ** 2 for v in b) / (len(b) - 1)
    half = Z95 * math.sqrt(va / len(a) + vb / len(b))
    d = ma - mb
    return Estimate(d, d - half, d + half, len(a) + len(b))


def difference_of_proportions(hits_a: int, n_a: int, hits_b: int, n_b: int) -> Estimate:
    """``p_a - p_b`` with Newcombe's hybrid score interval (from the two Wilson intervals)."""
    if n_a == 0 or n_b == 0:
        return Estimate(math.nan, math.nan, math.nan, n_a + n_b)
    a, b = proportion(hits_a, n_a), proportion(hits_b, n_b)
    d = a.value - b.value
    low = d - math.sqrt((a.value - a.low) ** 2 + (b.high - b.value) ** 2)
    high = d + math.sqrt((a.high - a.value) ** 2 + (b.value - b.low) ** 2)
    return Estimate(d, low, high, n_a + n_b)
