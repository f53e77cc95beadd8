"""Uncertain inputs: any numeric scenario parameter may be given as a distribution.

A scenario states what is not known (a lobby's strength, a ratifier's bias) as a distribution;
each run draws one value from the run's own seed, so that outcome distributions over seeds
reflect that uncertainty and not only the shocks inside a run (DESIGN.md, "Calendar, elections,
events"). Written in YAML as a mapping with a ``dist`` key, e.g.
``strength: {dist: lognormal, median: 1.0, sigma: 0.3}``.
"""

from __future__ import annotations

import math
from typing import Annotated, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator


class _Dist(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    def support(self) -> tuple[float, float]:
        """Smallest interval that holds every draw (closed or open ends alike)."""
        raise NotImplementedError

    def draw(self, rng: np.random.Generator) -> float:
        """One value drawn from ``rng``."""
        raise NotImplementedError


class Uniform(_Dist):
    """Uniform on ``[low, high]``."""

    dist: Literal["uniform"]
    low: float
    high: float

    @model_validator(mode="after")
    def _ordered(self) -> Uniform:
        if not self.low < self.high:
            raise ValueError(f"needs low < high (got {self.low}, {self.high})")
        return self

    def support(self) -> tuple[float, float]:  # noqa: D102
        return (self.low, self.high)

    def draw(self, rng: np.random.Generator) -> float:  # noqa: D102
        return float(rng.uniform(self.low, self.high))


class LogUniform(_Dist):
    """Log-uniform on ``[low, high]`` with ``0 < low < high``: every factor of 2 equally likely."""

    dist: Literal["loguniform"]
    low: Annotated[float, Field(gt=0)]
    high: float

    @model_validator(mode="after")
    def _ordered(self) -> LogUniform:
        if not self.low < self.high:
            raise ValueError(f"needs low < high (got {self.low}, {self.high})")
        return self

    def support(self) -> tuple[float, float]:  # noqa: D102
        return (self.low, self.high)

    def draw(self, rng: np.random.Generator) -> float:  # noqa: D102
        return float(math.exp(rng.uniform(math.log(self.low), math.log(self.high))))


class Normal(_Dist):
    """Normal with ``mean`` and standard deviation ``sd`` (unbounded: for unbounded fields)."""

    dist: Literal["normal"]
    mean: float
    sd: Annotated[float, Field(gt=0)]

    def support(self) -> tuple[float, float]:  # noqa: D102
        return (-math.inf, math.inf)

    def draw(self, rng: np.random.Generator) -> float:  # noqa: D102
        return float(rng.normal(self.mean, self.sd))


class TruncNormal(_Dist):
    """Normal truncated to ``[low, high]`` (drawn by rejection; the interval must hold mass)."""

    dist: Literal["truncnormal"]
    mean: float
    sd: Annotated[float, Field(gt=0)]
    low: float
    high: float

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
        while True:
            v = float(rng.normal(self.mean, self.sd))
            if self.low <= v <= self.high:
                return v


class LogNormal(_Dist):
    """Log-normal around ``median`` with log-scale ``sigma``: positive, right-skewed."""

    dist: Literal["lognormal"]
    median: Annotated[float, Field(gt=0)]
    sigma: Annotated[float, Field(gt=0)]

    def support(self) -> tuple[float, float]:  # noqa: D102
        return (0.0, math.inf)

    def draw(self, rng: np.random.Generator) -> float:  # noqa: D102
        return float(self.median * math.exp(rng.normal(0.0, self.sigma)))


class Triangular(_Dist):
    """Triangular on ``[low, high]`` peaking at ``mode``: a range with a best guess."""

    dist: Literal["triangular"]
    low: float
    mode: float
    high: float

    @model_validator(mode="after")
    def _ordered(self) -> Triangular:
        if not self.low <= self.mode <= self.high or self.low == self.high:
            raise ValueError("needs low <= mode <= high and low < high")
        return self

    def support(self) -> tuple[float, float]:  # noqa: D102
        return (self.low, self.high)

    def draw(self, rng: np.random.Generator) -> float:  # noqa: D102
        return float(rng.triangular(self.low, self.mode, self.high))


class Choice(_Dist):
    """One of ``values``, with optional ``weights`` (normalised)."""

    dist: Literal["choice"]
    values: Annotated[list[float], Field(min_length=1)]
    weights: list[Annotated[float, Field(ge=0)]] | None = None

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
