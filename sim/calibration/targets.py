"""Targets as summary statistics, and the per-target scaled distance.

Each target turns a run's outcome into two numbers:

- ``measure``: what the run says in the target's own terms, for the predictive plots (the
  agreement date in days from the calendar's start, a sector's level in its unit, a count of
  failed votes, 1 for a deal); ``nan`` when there is nothing to measure (no deal, no date).
- ``miss``: the number compared with the observed value. For sectors, failed votes and
  agreement it is the measure itself (a run without a deal keeps today's protection, so a
  sector target scores today's level). For date targets it is the days the run falls outside
  what history allows: days outside the window (a run without a deal counts as a deal at the
  horizon), or days before the date of ``no_deal_before``; observed: 0.

A particle's summary statistic for a target is the mean ``miss`` over its runs (one run by
default; an agreement target then scores 0 or 1, averaged it is an agreement rate). Its
discrepancy is ``max(0, |mean miss - observed| - tolerance) / scale``: 0 inside the tolerance,
1 one error scale beyond it. The distance combines the fitted (not held-out) targets'
discrepancies: Euclidean (the default), Manhattan (their sum) or the largest. A target is
*hit* when its discrepancy is at most 1.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from pyabc.distance import Distance

from sim.calibration.spec import (
    AgreementTarget,
    FailuresTarget,
    NoDealBeforeTarget,
    SectorTarget,
    Target,
    WindowTarget,
)
from sim.outcome import Outcome

HIT = 1.0
"""A target is hit when its discrepancy is at most this (one error scale past the tolerance)."""


@dataclass(frozen=True)
class TargetRule:
    """One target, ready to score runs (plain data: it travels to workers).

    Attributes:
        name: The target's key in the spec.
        target: The target as specified.
        start: The scenario's first date (days are counted from it).
        horizon: The scenario's last date (a run without a deal counts as a deal then).
        step_days: Days per step (a run's date is its step's first day).
    """

    name: str
    target: Target
    start: dt.date
    horizon: dt.date
    step_days: int

    @property
    def observed(self) -> float:
        """The value ``miss`` is compared with."""
        t = self.target
        if isinstance(t, SectorTarget | AgreementTarget):
            return float(t.value)
        if isinstance(t, FailuresTarget):
            return float(t.value)
        return 0.0

    @property
    def holdout(self) -> bool:
        """Whether the target is left out of the fit."""
        return self.target.holdout

    def day(self, date: dt.date) -> float:
        """Days from the scenario's start."""
        return float((date - self.start).days)

    def measure(self, outcome: Outcome) -> float:
        """The run in the target's terms (``nan`` if there is nothing to measure)."""
        t = self.target
        if isinstance(t, SectorTarget):
            return float(outcome.concessions_in_terms[t.sector]["value"])
        if isinstance(t, FailuresTarget):
            return float(outcome.ratification_failures)
        if isinstance(t, AgreementTarget):
            return 1.0 if outcome.agreement else 0.0
        if not outcome.agreement:
            return math.nan
        return self.day(dt.date.fromisoformat(outcome.date))

    def miss(self, outcome: Outcome) -> float:
        """The run's value to compare with ``observed`` (see the module's docstring)."""
        t = self.target
        if isinstance(t, WindowTarget):
            if outcome.agreement:
                first = dt.date.fromisoformat(outcome.date)
                last = first + dt.timedelta(days=self.step_days - 1)  # the step's last day
            else:
                first = last = self.horizon
            if last < t.start:
                return float((t.start - last).days)
            if first > t.end:
                return float((first - t.end).days)
            return 0.0
        if isinstance(t, NoDealBeforeTarget):
            if not outcome.agreement:
                return 0.0
            last = dt.date.fromisoformat(outcome.date) + dt.timedelta(days=self.step_days - 1)
            return float(max((t.date - last).days, 0))
        return self.measure(outcome)

    def discrepancy(self, mean_miss: float) -> float:
        """``max(0, |mean_miss - observed| - tolerance) / scale``."""
        scale = self.target.scale or 1.0
        if not math.isfinite(mean_miss):
            return math.inf
        return max(0.0, abs(mean_miss - self.observed) - self.target.tolerance) / scale

    def describe(self) -> str:
        """The target in a few words, for plots and reports."""
        t = self.target
        if isinstance(t, SectorTarget):
            return f"{t.sector}: {t.value:g} {t.unit}"
        if isinstance(t, WindowTarget):
            return f"agreement between {t.start} and {t.end}"
        if isinstance(t, NoDealBeforeTarget):
            return f"no agreement before {t.date}"
        if isinstance(t, FailuresTarget):
            return f"{t.value} failed ratification vote(s)"
        return f"agreement {'rate ' if 0 < t.value < 1 else ''}{t.value:g}"


def combine(discrepancies: Sequence[float], kind: str) -> float:
    """The distance of a particle: its fitted targets' discrepancies combined."""
    if not discrepancies:
        return 0.0
    if kind == "max":
        return max(discrepancies)
    if kind == "manhattan":
        return float(sum(discrepancies))
    return math.sqrt(sum(d * d for d in discrepancies))


class ScaledDistance(Distance):
    """pyabc's distance: per-target scaled discrepancies of the fitted targets, combined.

    The summary statistics ``x`` hold each target's mean miss; ``x_0`` (the observed data)
    is not needed, since each rule holds its observed value, tolerance and scale.
    """

    def __init__(self, rules: Sequence[TargetRule], kind: str = "euclidean") -> None:
        super().__init__()
        self.rules = [r for r in rules if not r.holdout]
        self.kind = kind

    def __call__(  # noqa: D102
        self,
        x: Mapping[str, float],
        x_0: Mapping[str, float],
        t: int | None = None,
        par: Mapping[str, float] | None = None,
    ) -> float:
        return combine([r.discrepancy(float(x[r.name])) for r in self.rules], self.kind)


def observed_stats(rules: Sequence[TargetRule]) -> dict[str, float]:
    """The observed summary statistics (pyabc stores them with the run)."""
    return {r.name: r.observed for r in rules}
