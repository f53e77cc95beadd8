"""What a run reports: its outcome, as in ``summary.json``."""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(slots=True)
class Outcome:
    """The result of one run.

    Attributes:
        scenario: Scenario name.
        seed: The run's seed.
        agreement: True only for a deal every ratifier approved.
        ended: ``"agreement"``, ``"breakdown"`` (walk-out or collapse) or ``"horizon"``.
        reason: How and why it ended, in words.
        step: Step at which it ended.
        date: ISO date of that step.
        concessions: Sector -> agreed ``x`` in [0, 1] (0 everywhere without a deal: today's
            protection stays).
        concessions_in_terms: Sector -> the same in the sector's own unit.
        utilities: Party -> utility of the deal on the fixed yardstick, with the lobby
            weights in force when it was accepted (``R`` without a deal).
        gains: Party -> utility minus the no-deal value ``R`` at the same moment.
        welfare: Party -> economic gain only (no lobby or strategic terms).
        ratification_attempts: Deals put to ratifiers.
        ratification_failures: Of those, how many a ratifier rejected.
        walked_out: Party that walked out, if any.
        pareto_gap: How far the deal is inside the Pareto frontier (two parties), else None.
        nash: Party -> utility at the Nash bargaining solution (two parties), else None.
        last_offers: Party -> its last offer (how far apart the sides ended).

    """

    scenario: str
    seed: int | None
    agreement: bool
    ended: str
    reason: str
    step: int
    date: str
    concessions: dict[str, float]
    concessions_in_terms: dict[str, dict[str, Any]]
    utilities: dict[str, float]
    gains: dict[str, float]
    welfare: dict[str, float]
    ratification_attempts: int
    ratification_failures: int
    walked_out: str | None = None
    pareto_gap: float | None = None
    nash: dict[str, float] | None = None
    last_offers: dict[str, list[float] | None] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Plain data for ``summary.json``."""
        return asdict(self)

    def to_json(self) -> str:
        """``summary.json``'s text, always valid JSON.

        A number that could not be computed is ``null``: JSON has no NaN or infinity, and
        strict readers reject Python's ``NaN``/``Infinity`` extensions.
        """
        return json.dumps(finite_or_null(self.to_dict()), indent=2, allow_nan=False)


def finite_or_null(value: Any) -> Any:
    """``value`` with every NaN or infinite float replaced by None, at any depth."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: finite_or_null(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [finite_or_null(v) for v in value]
    return value
