"""Governments: the principals who weigh lobbies, set mandates and ratify deals."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

from mesa import Agent

from sim import rules
from sim.utility import Piecewise, economic_term

if TYPE_CHECKING:
    from agents.lobby import Lobby
    from sim.model import NegotiationModel
    from sim.scenario import Party


_SegmentPlan = tuple[float, float, float, list[tuple[int, float, float, float]]]
"""One segment of one sector: economic ``c, p, q`` and ``(lobby index, c, p, q)`` per term."""


class Government(Agent):
    """A country's government: principal of its negotiator and gatekeeper of ratification.

    Rules:
        * **Utility on a fixed yardstick** ``U(x, t) = sum_j g_j(x_j) - sum_L w_L(t) D_L(x) +
          V(t)``: economic gains per sector, minus the weighted dissatisfaction of its lobbies,
          plus the strategic value of a deal. Never rescaled over time, so outcomes are
          comparable across runs (DESIGN.md, "Utilities").
        * **Lobby weights** ``w_L = base_L + k P_L``: political-support maximisation in the
          spirit of Grossman & Helpman (1994), with pressure as the lobby's currency.
        * **Mandate**: a deal is acceptable when ``U >= R + m`` (``m > 0``, the visible gain a
          government needs), within its red lines (Putnam 1988: the win-set).
        * **Ratification** is a separate decision with the ratifier's own lobby weights,
          ``lobby_weight * exp(bias_sd * z) * w_L``, where ``z`` is drawn once per run and is
          unknown to the negotiators; so a deal they accept can fail (Putnam's involuntary
          defection), the more likely the stronger the lobbies.
        * **After a rejection** the mandate floor rises by the shortfall revealed by the vote,
          times ``1 + mandate_tightening`` (Tarar 2001: constraints revealed at level II).

    Attributes:
        name: Scenario key of the party.
        no_deal_value: Shift of the no-deal utility (threats, lost share), moves with events
            and failed summits; ``disagreement`` is the full ``R``.
        strategic_value: ``V``, moves with events.
        mandate_floor: ``m``.
        sector_utilities: This step's per-sector utility functions (without ``V``).
        lo, hi: Red-line bounds per sector in this government's mandate.

    """

    def __init__(self, model: NegotiationModel, name: str, spec: Party) -> None:
        super().__init__(model)
        self.name = name
        self.label = spec.label
        self.no_deal_value = float(spec.no_deal_value)
        self.strategic_value = float(spec.strategic_value)
        self.mandate_floor = float(spec.mandate_floor)
        self.pressure_response = float(spec.pressure_response)
        scenario = model.spec
        self.economics: list[Piecewise] = []
        self.lo: list[float] = []
        self.hi: list[float] = []
        for j, sector_name in enumerate(model.sector_names):
            sector = scenario.sectors[sector_name]
            econ = sector.economics.get(name)
            linear = float(econ.linear) if econ else 0.0
            quadratic = float(econ.quadratic) if econ else 0.0
            self.economics.append(economic_term(model.breaks[j], linear, quadratic))
            line = spec.red_lines.get(sector_name)
            lo = (
                scenario.reference_level(sector_name, line.min)
                if line and line.min is not None
                else 0.0
            )
            hi = (
                scenario.reference_level(sector_name, line.max)
                if line and line.max is not None
                else 1.0
            )
            self.lo.append(lo)
            self.hi.append(hi)
        ratifier = spec.ratifier
        self.ratifier_label = ratifier.label
        self.ratifier_margin = float(ratifier.margin)
        # Drawn once per run, unknown to the negotiators.
        bias = math.exp(float(ratifier.bias_sd) * float(self.rng.standard_normal()))
        self.ratifier_lobby_weight = float(ratifier.lobby_weight) * bias
        self.lobbies: list[Lobby] = []
        self._plan: list[list[_SegmentPlan]] | None = None
        self.sector_utilities: list[Piecewise] = [e.copy() for e in self.economics]
        self._status_quo = sum(u.c[0] for u in self.sector_utilities)
        self.ratification_failures = 0
        self.last_ratifier_gain: float | None = None

    # -- the mandate -----------------------------------------------------------------------

    @property
    def disagreement(self) -> float:
        """``R(t)``: utility of no deal, i.e. of today's protection under current weights.

        The utility of ``x = 0`` under the current lobby weights, shifted by the no-deal value
        (threats, lost market share).

        Valuing no deal with the same weights as a deal keeps the comparison honest: an exporter
        lobby unhappy with the status quo makes a deal more attractive, not less.
        """
        return self.no_deal_value + self._status_quo

    @property
    def floor(self) -> float:
        """Lowest utility this government lets its negotiator accept: ``R + m``."""
        return self.disagreement + self.mandate_floor

    def weight_of(self, lobby: Lobby) -> float:
        """``w_L``: how much this government cares about ``lobby`` now."""
        return rules.lobby_weight(lobby.base_weight, self.pressure_response, lobby.pressure)

    def _utilities_with(self, weights: Sequence[float]) -> list[Piecewise]:
        out = []
        for j, econ in enumerate(self.economics):
            u = econ.copy()
            for lobby, w in zip(self.lobbies, weights, strict=True):
                term = lobby.terms[j]
                if term is not None and w != 0.0:
                    u.add_scaled(term, -w)
            out.append(u)
        return out

    def update_mandate(self) -> None:
        """Step 2: reweigh lobbies under their new pressure and rebuild the utility.

        Same arithmetic as ``_utilities_with``, written in place over a precomputed plan (per
        sector and segment: the economic coefficients and the staked lobbies' terms), since
        this runs every step.
        """
        weights = [self.weight_of(lb) for lb in self.lobbies]
        if self._plan is None:
            self._plan = [
                [
                    (
                        econ.c[i],
                        econ.p[i],
                        econ.q[i],
                        [
                            (k, lb.terms[j].c[i], lb.terms[j].p[i], lb.terms[j].q[i])
                            for k, lb in enumerate(self.lobbies)
                            if lb.terms[j] is not None
                        ],
                    )
                    for i in range(len(econ.c))
                ]
                for j, econ in enumerate(self.economics)
            ]
        for u, segments in zip(self.sector_utilities, self._plan, strict=True):
            c, p, q = u.c, u.p, u.q
            for i, (ci, pi, qi, terms) in enumerate(segments):
                for k, tc, tp, tq in terms:
                    w = weights[k]
                    ci -= w * tc
                    pi -= w * tp
                    qi -= w * tq
                c[i], p[i], q[i] = ci, pi, qi
        self._status_quo = sum(u.c[0] for u in self.sector_utilities)
        self.model.mandate_version += 1

    def utility(self, x: Sequence[float]) -> float:
        """``U(x, t)`` on the fixed yardstick (includes the strategic value ``V``)."""
        total = self.strategic_value
        for u, xj in zip(self.sector_utilities, x, strict=True):
            total += u(xj)
        return total

    def within_red_lines(self, x: Sequence[float], tol: float) -> bool:
        """True if ``x`` respects this government's red lines."""
        for lo, hi, xj in zip(self.lo, self.hi, x, strict=True):
            if xj < lo - tol or xj > hi + tol:
                return False
        return True

    # -- ratification ----------------------------------------------------------------------

    def ratifier_gain(self, x: Sequence[float]) -> float:
        """The ratifier's gain from ``x`` over no deal, with lobbies weighed its own way."""
        weights = [self.ratifier_lobby_weight * self.weight_of(lb) for lb in self.lobbies]
        gain = self.strategic_value - self.no_deal_value
        for u, xj in zip(self._utilities_with(weights), x, strict=True):
            gain += u(xj) - u.c[0]
        return gain

    def ratify(self, x: Sequence[float]) -> bool:
        """Step 4: put the tentative deal to the ratifier."""
        gain = self.ratifier_gain(x)
        self.last_ratifier_gain = gain
        return rules.ratifies(gain, 0.0, self.ratifier_margin, self.model.tol)

    def tighten_mandate(self, tightening: float) -> float:
        """After a rejection: raise the floor by the revealed shortfall; return the rise."""
        gain = self.last_ratifier_gain if self.last_ratifier_gain is not None else 0.0
        shortfall = max(self.ratifier_margin - gain, 0.0)
        rise = shortfall * (1.0 + tightening) + self.model.tol
        self.mandate_floor += rise
        self.ratification_failures += 1
        return rise
