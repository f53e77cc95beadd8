"""Priors as pyabc random variables: a scenario distribution, truncated to its bounds.

pyabc draws prior values and checks prior densities through its ``RVBase`` interface and the
global numpy generator (``np.random``), which the calibration's sampler seeds per candidate
(``sim.calibration.sampler``); so ``rvs`` here draws from ``np.random`` too. Truncation is by
the inverse CDF, which costs the same whatever share of the mass the bounds keep (a rejection
loop could run for ever). Plots and the simulation-based calibration draw with an explicit
generator instead (``sample``).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from pyabc.random_variables import RVBase
from scipy import stats

from sim.calibration.spec import Prior
from sim.distributions import Dist

MIN_MASS = 1e-9
"""Least share of a distribution's mass its bounds must keep (less: the prior is empty)."""


def frozen(dist: Dist) -> Any:
    """The scipy distribution of a scenario distribution (``choice`` excluded)."""
    d = dist.model_dump()
    kind = d["dist"]
    if kind == "uniform":
        return stats.uniform(d["low"], d["high"] - d["low"])
    if kind == "loguniform":
        return stats.loguniform(d["low"], d["high"])
    if kind == "normal":
        return stats.norm(d["mean"], d["sd"])
    if kind == "truncnormal":
        a, b = (d["low"] - d["mean"]) / d["sd"], (d["high"] - d["mean"]) / d["sd"]
        return stats.truncnorm(a, b, loc=d["mean"], scale=d["sd"])
    if kind == "lognormal":
        return stats.lognorm(s=d["sigma"], scale=d["median"])
    if kind == "triangular":
        width = d["high"] - d["low"]
        return stats.triang((d["mode"] - d["low"]) / width, loc=d["low"], scale=width)
    raise ValueError(f"{kind} cannot be a prior")


def density(dist: Dist, x: float) -> float:
    """The untruncated density at ``x``, by formula.

    scipy's ``pdf`` costs about 1 ms a call here, and pyabc asks for a density with every
    proposal.
    """
    d = dist.model_dump()
    kind = d["dist"]
    if kind == "uniform":
        return 1.0 / (d["high"] - d["low"]) if d["low"] <= x <= d["high"] else 0.0
    if kind == "loguniform":
        inside = d["low"] <= x <= d["high"]
        return 1.0 / (x * math.log(d["high"] / d["low"])) if inside else 0.0
    if kind in ("normal", "truncnormal"):
        z = (x - d["mean"]) / d["sd"]
        value = math.exp(-0.5 * z * z) / (d["sd"] * math.sqrt(2 * math.pi))
        if kind == "normal":
            return value
        if not d["low"] <= x <= d["high"]:
            return 0.0
        cdf = lambda v: 0.5 * (1 + math.erf((v - d["mean"]) / (d["sd"] * math.sqrt(2))))  # noqa: E731
        return value / (cdf(d["high"]) - cdf(d["low"]))
    if kind == "lognormal":
        if x <= 0:
            return 0.0
        z = math.log(x / d["median"]) / d["sigma"]
        return math.exp(-0.5 * z * z) / (x * d["sigma"] * math.sqrt(2 * math.pi))
    if kind == "triangular":
        lo, mode, hi = d["low"], d["mode"], d["high"]
        if not lo <= x <= hi:
            return 0.0
        if x < mode:
            return 2 * (x - lo) / ((hi - lo) * (mode - lo))
        if x > mode:
            return 2 * (hi - x) / ((hi - lo) * (hi - mode))
        return 2 / (hi - lo)
    raise ValueError(f"{kind} cannot be a prior")


class BoundedRV(RVBase):
    """A prior for pyabc: ``dist`` truncated to ``[low, high]`` (its support if no bounds).

    Picklable (it keeps the distribution's plain parameters and rebuilds scipy's object on
    demand), because pyabc ships priors to every worker.
    """

    def __init__(self, prior: Prior) -> None:
        self.prior = prior
        self._scipy: Any = None
        self._cdf_range: tuple[float, float] | None = None

    def __getstate__(self) -> dict[str, Any]:
        return {"prior": self.prior, "_scipy": None, "_cdf_range": None}

    @property
    def scipy(self) -> Any:
        """The untruncated scipy distribution."""
        if self._scipy is None:
            self._scipy = frozen(self.prior.dist)
        return self._scipy

    @property
    def interval(self) -> tuple[float, float]:
        """Where draws fall: the support cut to the bounds."""
        lo, hi = self.prior.dist.support()
        if self.prior.bounds is not None:
            lo, hi = max(lo, self.prior.bounds[0]), min(hi, self.prior.bounds[1])
        return lo, hi

    @property
    def cdf_range(self) -> tuple[float, float]:
        """The untruncated CDF at the interval's ends."""
        if self._cdf_range is None:
            lo, hi = self.interval
            self._cdf_range = (float(self.scipy.cdf(lo)), float(self.scipy.cdf(hi)))
        return self._cdf_range

    @property
    def mass(self) -> float:
        """Share of the untruncated distribution's mass inside the interval."""
        lo, hi = self.interval
        if not lo < hi:
            return 0.0
        a, b = self.cdf_range
        return b - a

    def ppf(self, q: float | np.ndarray) -> Any:
        """Quantile ``q`` of the truncated prior, kept inside its interval."""
        a, b = self.cdf_range
        lo, hi = self.interval
        return np.clip(self.scipy.ppf(a + np.asarray(q) * (b - a)), lo, hi)

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """``n`` draws from ``rng`` (plots and tests; pyabc uses ``rvs``)."""
        return np.asarray(self.ppf(rng.uniform(size=n)), dtype=float)

    def copy(self) -> BoundedRV:  # noqa: D102
        return BoundedRV(self.prior)

    def rvs(self, *args: Any, **kwargs: Any) -> float:  # noqa: D102
        return float(self.ppf(np.random.uniform()))  # noqa: NPY002 - pyabc seeds np.random

    def pdf(self, x: float, *args: Any, **kwargs: Any) -> float:  # noqa: D102
        lo, hi = self.interval
        if not lo <= x <= hi or not math.isfinite(x):
            return 0.0
        return density(self.prior.dist, x) / self.mass

    def pmf(self, x: float, *args: Any, **kwargs: Any) -> float:  # noqa: D102
        return 0.0

    def cdf(self, x: float, *args: Any, **kwargs: Any) -> float:  # noqa: D102
        lo, hi = self.interval
        if x <= lo:
            return 0.0
        if x >= hi:
            return 1.0
        a, _ = self.cdf_range
        return (float(self.scipy.cdf(x)) - a) / self.mass

    def __repr__(self) -> str:
        return f"<BoundedRV {self.prior.as_yaml()}>"
