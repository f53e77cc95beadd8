"""What a validation pattern checks: measured values with intervals, and the lines they must clear.

A ``Check`` holds when its whole 95% interval clears its line; ``Result`` is a pattern's checks;
the functions below measure ensembles of runs (``sim.validation.ensembles``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sim.validation.ensembles import Ensembles, Run
from sim.validation.stats import (
    Estimate,
    difference_of_means,
    difference_of_proportions,
    proportion,
)


@dataclass(frozen=True, slots=True)
class Check:
    """One measured quantity and the line its interval must clear.

    Attributes:
        label: What is measured, in words.
        estimate: The value with its 95% interval.
        rule: The line, in words (``> 0``, ``>= 0.9``, ``within ±0.05`` ...).
        holds: Whether the interval clears it.
    """

    label: str
    estimate: Estimate
    rule: str
    holds: bool
    alternative: Check | None = None


@dataclass
class Result:
    """A pattern's checks."""

    pattern: Pattern
    checks: list[Check]

    @property
    def holds(self) -> bool:
        """A pattern holds when every one of its checks does."""
        return all(c.holds for c in self.checks)


@dataclass(frozen=True)
class Pattern:
    """A documented regularity, how negsim measures it, and its source."""

    key: str
    title: str
    source: str
    scenario: str
    settings: str
    expected: str
    measure: Callable[[Ensembles], Result]
    note: str = ""


# -- checks ------------------------------------------------------------------------------


def above(label: str, e: Estimate, line: float = 0.0) -> Check:
    """The whole interval lies above ``line``."""
    return Check(label, e, f"> {line:g}", e.low > line)


def below(label: str, e: Estimate, line: float = 0.0) -> Check:
    """The whole interval lies below ``line``."""
    return Check(label, e, f"< {line:g}", e.high < line)


def at_least(label: str, e: Estimate, line: float) -> Check:
    """The interval's lower end is at least ``line``."""
    return Check(label, e, f">= {line:g}", e.low >= line)


def at_most(label: str, e: Estimate, line: float) -> Check:
    """The interval's upper end is at most ``line``."""
    return Check(label, e, f"<= {line:g}", e.high <= line)


def within(label: str, e: Estimate, margin: float) -> Check:
    """Equivalence: the whole interval lies within ``±margin`` (agreement within error)."""
    return Check(label, e, f"within ±{margin:g}", -margin <= e.low and e.high <= margin)


def either(first: Check, second: Check) -> Check:
    """One of two checks holds (e.g. "fewer deals, or later ones"); both are reported."""
    return Check(
        first.label, first.estimate, first.rule, first.holds or second.holds, alternative=second
    )


# -- measures on ensembles ---------------------------------------------------------------


def deals(runs: Sequence[Run]) -> list[Run]:
    """The runs that ended in a ratified agreement."""
    return [r for r in runs if r.outcome.agreement]


def agreement_gap(a: Sequence[Run], b: Sequence[Run]) -> Estimate:
    """Agreement rate of ``a`` minus that of ``b``."""
    return difference_of_proportions(len(deals(a)), len(a), len(deals(b)), len(b))


def step_gap(a: Sequence[Run], b: Sequence[Run]) -> Estimate:
    """Mean week of agreement in ``a`` minus that in ``b`` (deals only)."""
    return difference_of_means(
        [r.outcome.step for r in deals(a)], [r.outcome.step for r in deals(b)]
    )


def concession_sum(run: Run, sectors: Sequence[str]) -> float:
    """A deal's concessions summed over ``sectors``."""
    return sum(run.outcome.concessions[s] for s in sectors)


def share(runs: Sequence[Run], test: Callable[[Run], bool]) -> Estimate:
    """Share of ``runs`` passing ``test``, with its Wilson interval."""
    return proportion(sum(1 for r in runs if test(r)), len(runs))


