"""What a run reports: its outcome, as in ``summary.json``, and how it is built."""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sim.negotiation import Negotiation


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


def build_outcome(model: Negotiation, ended: str, reason: str) -> Outcome:
    """A finished run's outcome: terms, values, the level-II record and the analysis.

    A deal is valued, and analysed against the Pareto frontier and the Nash point, as the
    governments saw it when they accepted it (``model.deal_values``, ``model.deal_sides``);
    no deal, as they see things at the end.
    """
    from sim.analysis import nash_solution, pareto_gap

    spec = model.spec
    deal = model.deal
    x = deal if deal is not None else [0.0] * len(model.sector_names)
    concessions = {name: float(v) for name, v in zip(model.sector_names, x, strict=True)}
    in_terms = {
        name: {
            "value": spec.sectors[name].level(v),
            "unit": spec.sectors[name].unit,
            "status_quo": spec.sectors[name].status_quo,
        }
        for name, v in concessions.items()
    }
    utilities, gains, welfare = {}, {}, {}
    for p, g in model.governments_by_name.items():
        u, r = model.deal_values[p] if deal is not None else (g.disagreement, g.disagreement)
        utilities[p] = u
        gains[p] = u - r
        welfare[p] = sum(e(v) for e, v in zip(g.economics, x, strict=True))
    gap = nash = None
    if model.analyse and len(model.party_names) == 2:
        a, b = model.deal_sides if deal is not None else model.sides()
        lo, hi = model.public_bounds
        if deal is not None:
            gap = pareto_gap(a, b, deal, lo, hi)
        solution = nash_solution(a, b, lo, hi)
        if solution is not None:
            nash = {model.party_names[0]: solution[0], model.party_names[1]: solution[1]}
    return Outcome(
        scenario=spec.name,
        seed=model.seed,
        agreement=deal is not None,
        ended=ended,
        reason=reason,
        step=model.t,
        date=model.calendar.date_of(model.t).isoformat(),
        concessions=concessions,
        concessions_in_terms=in_terms,
        utilities=utilities,
        gains=gains,
        welfare=welfare,
        ratification_attempts=model.ratification_attempts,
        ratification_failures=model.ratification_failures,
        walked_out=model.walked_out,
        pareto_gap=gap,
        nash=nash,
        last_offers={p: (list(v) if v is not None else None) for p, v in model.table.items()},
    )
