"""Seeded ensembles of runs for the validation report, each run reduced to what patterns need.

Runs are keyed by scenario and overrides and cached for one report, so patterns that share a
baseline (the classroom as shipped, say) do not run it twice. Seeds are ``0 .. n - 1``: the
report is reproducible, run for run.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sim.model import NegotiationModel
from sim.outcome import Outcome
from sim.scenario import Scenario, load_scenario, with_overrides


@dataclass(frozen=True, slots=True)
class Run:
    """One run as the patterns see it.

    Attributes:
        outcome: The run's outcome.
        first_accepted: Step of the first deal accepted at the table (before any vote), or
            None; a deal the ratifiers later reject still marks when the sides agreed.
        deadline_rounds: Steps of the last round before each summit and hard deadline.
        day: Days from the calendar's start to the end of the run.
        start: The calendar's first day.
    """

    outcome: Outcome
    first_accepted: int | None
    deadline_rounds: frozenset[int]
    day: int
    start: dt.date


def summarise(model: NegotiationModel) -> Run:
    """Run ``model`` to its end and keep what the patterns measure."""
    outcome = model.run()
    accepted = [step for step, _, text in model.log if _is_acceptance(text)]
    deadlines = {model.last_round_by(s.start) for s in model.summits if s.start <= model.horizon}
    for hard in model.hard_deadline_step.values():
        if hard is not None and 0 <= hard <= model.horizon:
            deadlines.add(model.last_round_by(hard))
    start = model.spec.calendar.start
    day = (dt.date.fromisoformat(outcome.date) - start).days
    return Run(outcome, accepted[0] if accepted else None, frozenset(deadlines), day, start)


def _is_acceptance(text: str) -> bool:
    return "accepted at the table" in text or "split the difference" in text


class Ensembles:
    """Runs of scenario variants, cached by ``(scenario, overrides)``.

    Args:
        seeds: Runs per ensemble (seeds ``0 .. seeds - 1``).
        progress: Called with the name of each ensemble as it starts (for a progress bar).
    """

    def __init__(self, seeds: int, progress: Callable[[str], None] | None = None) -> None:
        self.seeds = seeds
        self.progress = progress
        self._bases: dict[str, Scenario] = {}
        self._runs: dict[tuple[str, tuple[tuple[str, Any], ...]], list[Run]] = {}

    def runs(self, scenario: str, overrides: Mapping[str, Any] | None = None) -> list[Run]:
        """The ensemble of ``scenario`` with ``overrides`` (dotted paths, as for ``--set``)."""
        key = (scenario, tuple(sorted((overrides or {}).items())))
        if key not in self._runs:
            if self.progress is not None:
                self.progress(f"{scenario} {dict(key[1]) or ''}".strip())
            base = self._bases.get(scenario)
            if base is None:
                base = self._bases[scenario] = load_scenario(scenario)
            variant = with_overrides(base, dict(overrides)) if overrides else base
            self._runs[key] = [
                summarise(NegotiationModel(variant, rng=seed, collect=False, analyse=False))
                for seed in range(self.seeds)
            ]
        return self._runs[key]

    def base(self, scenario: str) -> Scenario:
        """The scenario as shipped (loaded once)."""
        if scenario not in self._bases:
            self._bases[scenario] = load_scenario(scenario)
        return self._bases[scenario]
