"""Trade representatives: the negotiators at the table."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

from mesa import Agent

from sim import rules
from sim.offers import best_offer, best_value
from sim.utility import Piecewise

if TYPE_CHECKING:
    from agents.government import Government
    from sim.model import NegotiationModel
    from sim.scenario import Party


class TradeRepresentative(Agent):
    """A negotiator (USTR, Japan's economy minister) who concedes over time within a mandate.

    Rules:
        * **Aspiration** falls from the best deal toward the mandate floor ``R + m`` by the
          time-dependent tactic of Faratin, Sierra & Jennings (1998),
          ``F(t) = k + (1 - k) ((t - t0) / (T - t0)) ** (1 / beta)`` (Boulware ``beta < 1``,
          Conceder ``beta > 1``; Genius defaults Boulware 0.2, Linear 1, Conceder 2), optionally
          mixed with their relative tit-for-tat (weight ``tit_for_tat``). Because the floor and
          the best deal are recomputed each step under the current lobby weights, a tightening
          mandate (pressure before an election) makes it step **away** from agreement and a
          loosening one toward it.
        * **Perceived deadline** ``T``: the next summit its leader attends while one is
          reachable (at least ``summit_lead_weeks`` ahead and the zone of agreement not
          empty), else its side's hard deadline, else the horizon. When ``T`` moves, the
          tactic re-anchors at the current concession (no jump in aspiration).
        * **Offer**: the best deal for the other side, under its own noisy model of the other
          side's priorities, among deals meeting its aspiration and every side's public red
          lines (``sim.offers.best_offer``: a separable concave problem solved through its
          Lagrange multiplier; Raiffa 1982 on integrative bargaining, Faratin et al. 1998's
          trade-off tactic in spirit).
        * **Acceptance**: an offer that meets its current aspiration and mandate
          (Faratin et al.'s ``AC_next``-style rule).
        * **Walk-out**: past its side's hard deadline with the zone of agreement empty for
          ``walkout_weeks`` weeks it leaves the table (decided by the model, which sees the
          zone).

    Attributes:
        name: Party it negotiates for.
        government: Its principal.
        concession: Current ``F`` in [0, 1].
        aspiration: Current demanded utility on the fixed yardstick.
        deadline: Perceived deadline ``T`` (a step).
        offer: Its last offer, or None.

    """

    def __init__(
        self, model: NegotiationModel, name: str, spec: Party, government: Government
    ) -> None:
        super().__init__(model)
        self.name = name
        self.negotiator = spec.negotiator or f"{spec.label} negotiator"
        self.government = government
        tactic = spec.tactic
        self.beta = float(tactic.beta)
        self.initial_concession = float(tactic.initial_concession)
        self.tit_for_tat = float(tactic.tit_for_tat)
        noise = float(spec.perception_noise)
        # Its model of each other side's priorities: one log-normal factor per sector, drawn
        # once per run from the run's seed ("known with noise", DESIGN.md).
        self.perception: dict[str, list[float]] = {}
        for other in model.party_names:
            if other != name:
                self.perception[other] = [
                    math.exp(noise * float(self.rng.standard_normal())) for _ in model.sector_names
                ]
        self.concession = self.initial_concession
        self.anchor = (0.0, self.initial_concession)
        self.deadline: float | None = None
        self.best = 0.0
        self.aspiration = 0.0
        self.offer: list[float] | None = None
        self._theta: float | None = None
        self._model_key: tuple[int, int] | None = None
        self._modelled: list[Piecewise] = []

    # -- beliefs ---------------------------------------------------------------------------

    def modelled_others(self) -> list[Piecewise]:
        """Per-sector utility of the other side(s) as this negotiator believes it to be."""
        model = self.model
        key = (model.steps, model.mandate_version)
        if self._model_key == key:
            return self._modelled
        if not self._modelled:
            self._modelled = [Piecewise.zero(b) for b in model.breaks]
        others = [
            (model.governments_by_name[other].sector_utilities, factors)
            for other, factors in self.perception.items()
        ]
        for j, total in enumerate(self._modelled):
            c, p, q = total.c, total.p, total.q
            for i in range(len(c)):
                ci = pi = qi = 0.0
                for utilities, factors in others:
                    u, f = utilities[j], factors[j]
                    ci += f * u.c[i]
                    pi += f * u.p[i]
                    qi += f * u.q[i]
                c[i], p[i], q[i] = ci, pi, qi
        self._model_key = key
        return self._modelled

    def their_concession(self) -> float:
        """Others' last concession, as a share of my range (for tit-for-tat)."""
        gov = self.government
        span = self.best - gov.floor
        if span <= 0.0:
            return 0.0
        total = 0.0
        for other in self.perception:
            prev = self.model.previous_offers.get(other)
            last = self.model.table.get(other)
            if prev is not None and last is not None:
                total += (gov.utility(last) - gov.utility(prev)) / span
        return total

    # -- decisions -------------------------------------------------------------------------

    def update_aspiration(self) -> None:
        """Step 3a: concede along the tactic toward the perceived deadline."""
        model = self.model
        t = float(model.t)
        deadline = float(model.perceived_deadline(self.name))
        if self.deadline is not None and deadline != self.deadline:
            self.anchor = (t, self.concession)
        self.deadline = deadline
        start, level = self.anchor
        timed = rules.time_dependent_concession(t, deadline, self.beta, start, level)
        gov = self.government
        lo, hi = model.public_bounds
        self.best = gov.strategic_value + best_value(gov.sector_utilities, lo, hi)
        if self.tit_for_tat > 0.0:
            reciprocal = rules.reciprocal_concession(self.concession, self.their_concession())
            timed = (1.0 - self.tit_for_tat) * timed + self.tit_for_tat * reciprocal
        self.concession = min(1.0, max(0.0, timed))
        self.aspiration = rules.aspiration_level(self.best, gov.floor, self.concession)

    def propose(self) -> list[float]:
        """Step 3b: the best offer for the other side that still meets my aspiration."""
        gov = self.government
        model = self.model
        lo, hi = model.public_bounds
        if len(self.perception) == 1:  # bilateral: scale the other side's utility in place
            ((other, factors),) = self.perception.items()
            others, scale = model.governments_by_name[other].sector_utilities, factors
        else:
            others, scale = self.modelled_others(), None
        result = best_offer(
            others,
            gov.sector_utilities,
            self.aspiration - gov.strategic_value,
            lo,
            hi,
            theta0=self._theta,
            h_scale=scale,
        )
        self._theta = result.theta if 0.0 < result.theta < 1.0 else None
        self.offer = result.x
        return result.x

    def accepts(self, x: Sequence[float]) -> bool:
        """Step 3c: accept an offer that meets my aspiration, my floor and my red lines."""
        gov = self.government
        tol = self.model.tol
        return gov.within_red_lines(x, tol) and rules.acceptable(
            gov.utility(x), self.aspiration, gov.floor, tol
        )
