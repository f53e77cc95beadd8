"""Uncertain inputs: any numeric scenario parameter may be given as a distribution.

A scenario states what is not known (a lobby's strength, a ratifier's bias) as a distribution;
each run draws one value from the run's own seed, so that outcome distributions over seeds
reflect that uncertainty and not only the shocks inside a run. Written in YAML as a mapping
with a ``dist`` key, e.g. ``strength: {dist: lognormal, median: 1.0, sigma: 0.3}``.

Every distribution's parameters are finite, every draw is finite, and every sampler finishes in
a fixed number of operations (no rejection loops), whatever the file says. ``reach`` is the
interval that holds all but a negligible share (about 1e-15) of the draws; the schema checks it
against a field's magnitude limit, so no draw can overflow the model's arithmetic.
"""

from __future__ import annotations

import math
from typing import Annotated, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

Finite = Annotated[float, Field(allow_inf_nan=False)]
"""A distribution parameter: NaN and infinities cannot mean anything here."""

TAIL_SDS = 8.0
"""Standard deviations to the edge of ``reach`` for unbounded distributions (P ~ 1e-15)."""


class Dist(BaseModel):
    """Base of every distribution: its parameters, the interval its draws fill, one draw."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    def support(self) -> tuple[float, float]:
        """Smallest interval that holds every draw (closed or open ends alike)."""
        raise NotImplementedError

    def reach(self) -> tuple[float, float]:
        """An interval that holds all but about 1e-15 of the draws (finite)."""
        return self.support()

    def draw(self, rng: np.random.Generator) -> float:
        """One value drawn from ``rng``."""
        raise NotImplementedError


class Uniform(Dist):
    """Uniform on ``[low, high]``."""

    dist: Literal["uniform"]
    low: Finite
    high: Finite

    @model_validator(mode="after")
    def _ordered(self) -> Uniform:
        if not self.low < self.high:
            raise ValueError(f"needs low < high (got {self.low}, {self.high})")
        return self

    def support(self) -> tuple[float, float]:  # noqa: D102
        return (self.low, self.high)

    def draw(self, rng: np.random.Generator) -> float:  # noqa: D102
        return float(rng.uniform(self.low, self.high))


class LogUniform(Dist):
    """Log-uniform on ``[low, high]`` with ``0 < low < high``: every factor of 2 equally likely."""

    dist: Literal["loguniform"]
    low: Annotated[Finite, Field(gt=0)]
    high: Finite

    @model_validator(mode="after")
    def _ordered(self) -> LogUniform:
        if not self.low < self.high:
            raise ValueError(f"needs low < high (got {self.low}, {self.high})")
        return self

    def support(self) -> tuple[float, float]:  # noqa: D102
        return (self.low, self.high)

    def draw(self, rng: np.random.Generator) -> float:  # noqa: D102
        return float(math.exp(rng.uniform(math.log(self.low), math.log(self.high))))


class Normal(Dist):
    """Normal with ``mean`` and standard deviation ``sd`` (unbounded: for unbounded fields)."""

    dist: Literal["normal"]
    mean: Finite
    sd: Annotated[Finite, Field(gt=0)]

    def support(self) -> tuple[float, float]:  # noqa: D102
        return (-math.inf, math.inf)

    def reach(self) -> tuple[float, float]:  # noqa: D102
        return (self.mean - TAIL_SDS * self.sd, self.mean + TAIL_SDS * self.sd)

    def draw(self, rng: np.random.Generator) -> float:  # noqa: D102
        return float(rng.normal(self.mean, self.sd))


class TruncNormal(Dist):
    """Normal truncated to ``[low, high]``, drawn by its inverse CDF.

    Inverse-CDF sampling costs the same whatever share of the normal's mass the interval
    holds; rejection sampling would loop for ever on an interval that holds almost none.
    """

    dist: Literal["truncnormal"]
    mean: Finite
    sd: Annotated[Finite, Field(gt=0)]
    low: Finite
    high: Finite

    @model_validator(mode="after")
    def _ordered(self) -> TruncNormal:
        if not self.low < self.high:
            raise ValueError(f"needs low < high (got {self.low}, {self.high})")
        if (self.low - self.mean) / self.sd > 4 or (self.mean - self.high) / self.sd > 4:
            raise ValueError("the interval [low, high] lies more than 4 sd from the mean")
        return self

    def support(self) -> tuple[float, float]:  # noqa: D102
        return (self.low, self.high)

    def draw(self, rng: np.random.Generator) -> float:  # noqa: D102
        from scipy.stats import truncnorm  # here: only scenarios that use it pay the import

        a, b = (self.low - self.mean) / self.sd, (self.high - self.mean) / self.sd
        v = float(truncnorm.ppf(rng.uniform(), a, b, loc=self.mean, scale=self.sd))
        return min(max(v, self.low), self.high)  # rounding at the edges stays inside


class LogNormal(Dist):
    """Log-normal around ``median`` with log-scale ``sigma``: positive, right-skewed."""

    dist: Literal["lognormal"]
    median: Annotated[Finite, Field(gt=0)]
    sigma: Annotated[Finite, Field(gt=0, le=10)]

    def support(self) -> tuple[float, float]:  # noqa: D102
        return (0.0, math.inf)

    def reach(self) -> tuple[float, float]:  # noqa: D102
        return (0.0, self.median * math.exp(TAIL_SDS * self.sigma))

    def draw(self, rng: np.random.Generator) -> float:  # noqa: D102
        return float(self.median * math.exp(rng.normal(0.0, self.sigma)))


class Triangular(Dist):
    """Triangular on ``[low, high]`` peaking at ``mode``: a range with a best guess."""

    dist: Literal["triangular"]
    low: Finite
    mode: Finite
    high: Finite

    @model_validator(mode="after")
    def _ordered(self) -> Triangular:
        if not self.low <= self.mode <= self.high or self.low == self.high:
            raise ValueError("needs low <= mode <= high and low < high")
        return self

    def support(self) -> tuple[float, float]:  # noqa: D102
        return (self.low, self.high)

    def draw(self, rng: np.random.Generator) -> float:  # noqa: D102
        return float(rng.triangular(self.low, self.mode, self.high))


class Choice(Dist):
    """One of ``values``, with optional ``weights`` (normalised)."""

    dist: Literal["choice"]
    values: Annotated[list[Finite], Field(min_length=1, max_length=10_000)]
    weights: list[Annotated[Finite, Field(ge=0)]] | None = None

    @model_validator(mode="after")
    def _weights(self) -> Choice:
        if self.weights is not None:
            if len(self.weights) != len(self.values):
                raise ValueError("weights must have one entry per value")
            if sum(self.weights) <= 0:
                raise ValueError("weights must not all be zero")
        return self

    def support(self) -> tuple[float, float]:  # noqa: D102
        return (min(self.values), max(self.values))

    def draw(self, rng: np.random.Generator) -> float:  # noqa: D102
        if self.weights is None:
            return float(self.values[int(rng.integers(len(self.values)))])
        w = np.asarray(self.weights, dtype=float)
        return float(self.values[int(rng.choice(len(self.values), p=w / w.sum()))])


Distribution = Annotated[
    Uniform | LogUniform | Normal | TruncNormal | LogNormal | Triangular | Choice,
    Field(discriminator="dist"),
]
