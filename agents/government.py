"""Governments: the principals who weigh lobbies, set mandates and ratify deals."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

from mesa import Agent

from sim import rules
from sim.utility import Piecewise, economic_term, total

if TYPE_CHECKING:
    from agents.lobby import Lobby
    from sim.negotiation import Negotiation
    from sim.schema import PartySpec


_Term = tuple[int, float, float, float]
_SegmentPlan = tuple[list[float], list[float], list[float], int, float, float, float, list[_Term]]
"""One segment of one sector that some lobby has a stake in: the utility's ``c, p, q`` lists and
the segment's index in them, the economic ``c, p, q``, and ``(lobby index, c, p, q)`` per term."""


class Government(Agent):
    """A country's government: principal of its negotiator and gatekeeper of ratification.

    Rules:
        * **Utility on a fixed yardstick** ``U(x, t) = sum_j g_j(x_j) - sum_L w_L(t) D_L(x) +
          V(t)``: economic gains per sector, minus the weighted dissatisfaction of its lobbies,
          plus the strategic value of a deal. Never rescaled over time, so outcomes are
          comparable across runs (docs/model.md, "Sector utilities").
        * **Lobby weights** ``w_L = base_L + k P_L``: political-support maximisation in the
          spirit of Grossman & Helpman (1994), with pressure as the lobby's currency.
        * **Mandate**: a deal is acceptable when ``U >= R + m`` (``m > 0``, the visible gain a
          government needs), within its red lines (Putnam 1988: the win-set). The government
          negotiates with the ratifier in mind: its mandate weighs lobbies as the ratifier is
          known to, ``max(1, lobby_weight) * w_L`` (Milner 1997; Milner & Rosendorff 1997: the
          executive anticipates the legislature's known preferences).
        * **Ratification** is a separate decision with the ratifier's own lobby weights,
          ``lobby_weight * exp(bias_sd * z) * w_L``, where ``z`` is drawn once per run and is
          private to the ratifier; so a deal the negotiators accept can still fail (Putnam's
          involuntary defection, Iida 1993), the more likely the stronger the lobbies and the
          more uncertain the ratifier.
        * **After a rejection** the government learns a lower bound on the ratifier's
          multiplier (the value at which the rejected deal would just have passed) and adopts
          it, plus a share ``mandate_tightening`` of extra caution that halves every
          ``tightening_half_life_weeks`` (Tarar 2001: constraints revealed at level II). The
          learned multiplier never exceeds the true one, so the tightening is bounded.

    Attributes:
        name: Scenario key of the party.
        no_deal_value: Shift of the no-deal utility (threats, lost share), moves with events
            and failed summits; ``disagreement`` is the full ``R``.
        strategic_value: ``V``, moves with events.
        mandate_floor: ``m``.
        sector_utilities: This step's per-sector utility functions (without ``V``).
        lo, hi: Red-line bounds per sector in this government's mandate.

    """

    def __init__(self, model: Negotiation, name: str, spec: PartySpec) -> None:
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
        # What the government knows of it: the systematic part, never looser than its own.
        self.learned_multiplier = max(1.0, float(ratifier.lobby_weight))
        self.tightening = float(model.spec.protocol.mandate_tightening)
        self.tightening_half_life = float(model.spec.protocol.tightening_half_life_weeks)
        self.last_rejection_step: int | None = None
        self.lobbies: list[Lobby] = []
        self.reacting_lobbies = False  # any of its lobbies mobilises against a tentative deal
        self.version = 0  # rises whenever the mandate is rebuilt: others cache what they derive
        self._plan: list[_SegmentPlan] | None = None
        self.sector_utilities: list[Piecewise] = [e.copy() for e in self.economics]
        self._status_quo = sum(u.c[0] for u in self.sector_utilities)
        self.last_ratifier_gain: float | None = None

    def add_lobby(self, lobby: Lobby) -> None:
        """``lobby`` presses this government from now on."""
        self.lobbies.append(lobby)
        self.reacting_lobbies |= lobby.reaction > 0.0
        self._plan = None

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
        """``w_L``: how much this government cares about ``lobby`` now (its own politics)."""
        return rules.lobby_weight(lobby.base_weight, self.pressure_response, lobby.pressure)

    def mandate_multiplier(self) -> float:
        """Factor on lobby weights in the mandate: the ratifier as the government knows it."""
        multiplier = self.learned_multiplier
        if self.last_rejection_step is not None:
            weeks = (self.model.t - self.last_rejection_step) * self.model.step_weeks
            multiplier *= 1.0 + rules.caution(self.tightening, weeks, self.tightening_half_life)
        return multiplier

    def mandate_weight_of(self, lobby: Lobby) -> float:
        """``w_L`` as the mandate counts it (``mandate_multiplier`` times ``weight_of``)."""
        return self.mandate_multiplier() * self.weight_of(lobby)

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
        multiplier = self.mandate_multiplier()
        weights = [multiplier * self.weight_of(lb) for lb in self.lobbies]
        if self._plan is None:
            self._plan = []
            for j, (econ, u) in enumerate(zip(self.economics, self.sector_utilities, strict=True)):
                staked = [
                    (k, lb.terms[j]) for k, lb in enumerate(self.lobbies) if lb.terms[j] is not None
                ]
                if not staked:
                    continue
                for i in range(len(econ.c)):
                    terms = [(k, term.c[i], term.p[i], term.q[i]) for k, term in staked]
                    self._plan.append((u.c, u.p, u.q, i, econ.c[i], econ.p[i], econ.q[i], terms))
        # Segments no lobby has a stake in keep their economic coefficients: they are not
        # in the plan.
        for c, p, q, i, ci, pi, qi, terms in self._plan:
            for k, tc, tp, tq in terms:
                w = weights[k]
                ci -= w * tc
                pi -= w * tp
                qi -= w * tq
            c[i], p[i], q[i] = ci, pi, qi
        self._status_quo = sum([u.c[0] for u in self.sector_utilities])
        self.version += 1

    def utility(self, x: Sequence[float]) -> float:
        """``U(x, t)`` on the fixed yardstick (includes the strategic value ``V``)."""
        return total(self.sector_utilities, x, self.strategic_value)

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

    def survives_reaction(self, x: Sequence[float]) -> bool:
        """Whether ``x`` stays in the win-set once the lobbies react to it as a deal.

        Lobbies mobilise on a tentative deal before the vote (``Lobby.react_to_deal``); that
        reaction is foreseeable, so the government accepts only deals that still bring its
        mandate's visible gain ``m`` under the weights it will provoke, leaving only the
        ratifier's private bias to chance.
        """
        if not self.reacting_lobbies:  # no lobby reacts beyond its pressure: U >= floor says it
            return True
        multiplier = self.mandate_multiplier()
        none = [0.0] * len(x)
        gain = self.strategic_value - self.no_deal_value
        gain += sum(e(xj) - e.c[0] for e, xj in zip(self.economics, x, strict=True))
        for lobby in self.lobbies:
            weight = rules.lobby_weight(
                lobby.base_weight, self.pressure_response, lobby.pressure_after(x)
            )
            change = lobby.dissatisfaction_with(x) - lobby.dissatisfaction_with(none)
            gain -= multiplier * weight * change
        return gain >= self.mandate_floor - self.model.tol

    def ratify(self, x: Sequence[float]) -> bool:
        """Step 4: put the tentative deal to the ratifier."""
        gain = self.ratifier_gain(x)
        self.last_ratifier_gain = gain
        return rules.ratifies(gain, 0.0, self.ratifier_margin, self.model.tol)

    def learn_from_rejection(self, x: Sequence[float]) -> None:
        """After the ratifier rejected ``x``: adopt the multiplier the vote revealed.

        When lobbies do not explain the rejection (the deal lost on economics alone), the
        floor rises instead by the revealed shortfall; both are bounded by what the vote
        showed.
        """
        economic = sum(e(xj) - e.c[0] for e, xj in zip(self.economics, x, strict=True))
        none = [0.0] * len(x)
        lobby_loss = 0.0
        for lobby in self.lobbies:
            change = lobby.dissatisfaction_with(x) - lobby.dissatisfaction_with(none)
            lobby_loss += self.weight_of(lobby) * change
        revealed = rules.ratifier_multiplier_at_rejection(
            economic, self.strategic_value - self.no_deal_value, self.ratifier_margin, lobby_loss
        )
        if revealed is not None:
            self.learned_multiplier = max(self.learned_multiplier, revealed)
        else:
            gain = self.last_ratifier_gain if self.last_ratifier_gain is not None else 0.0
            self.mandate_floor += max(self.ratifier_margin - gain, 0.0)
        self.last_rejection_step = self.model.t
