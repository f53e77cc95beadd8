"""Lobbies: farm lobbies, auto industry, exporters; one class, different stakes."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

from mesa import Agent

from sim import rules
from sim.utility import Piecewise, dissatisfaction_term

if TYPE_CHECKING:
    from sim.negotiation import Negotiation
    from sim.schema import LobbySpec


class Lobby(Agent):
    """An interest group that presses its government according to what is on the table.

    Rules:
        * **Dissatisfaction** ``D(x)`` is reference-dependent and loss-averse, convex in the
          size of the loss (prospect theory: Kahneman & Tversky 1979, Tversky & Kahneman
          1991). A protectionist lobby's reference is today's protection, an exporter lobby's
          parity with its competitors (e.g. the TPP terms its rivals enjoy), so neither starts
          at an extreme by construction (docs/model.md, "Lobby").
        * **Pressure** ``P_t = rho P_{t-1} + (1 - rho) shock (strength * salience * D / D(worst
          deal) + outrage)``: the lobby reacts to what its own government offers, and to
          other countries' demands only at ``foreign_offer_weight`` (Grossman & Helpman 1994:
          lobbies act on their own government; Putnam 1988's reverberation as a secondary
          effect), feels it more as its country's election nears (Conconi, Facchini & Zanardi
          2014), and mobilises with a lasting random mood. Time is calendar time: ``rho`` is
          ``inertia`` (kept after a week) raised to the step's length in weeks, and the mood
          is an Ornstein-Uhlenbeck process with correlation time ``shock_weeks``, so a finer
          step gives the same politics.
        * **Red lines**: while an offer on the table crosses one, ``outrage`` adds to pressure.
        * **Reaction to a tentative deal**: before ratification the lobby's pressure jumps to
          what the deal itself would provoke, without inertia (Putnam 1988: level-II
          constituents mobilise on the actual agreement).

    Attributes:
        name: Scenario key of the lobby.
        country: Party whose government it presses.
        pressure: Current pressure ``P``.
        dissatisfaction: ``D`` it feels this step (``rules.felt_dissatisfaction``), as a
            share of its dissatisfaction with the worst possible deal.
        mood: Its mobilisation mood ``z`` (standard normal, Ornstein-Uhlenbeck in time).

    """

    def __init__(self, model: Negotiation, name: str, spec: LobbySpec) -> None:
        super().__init__(model)
        self.name = name
        self.label = spec.label
        self.country = spec.country
        self.wants = spec.wants
        self.strength = float(spec.strength)
        self.base_weight = float(spec.base_weight)
        self.inertia = float(spec.inertia)
        self.shock_sd = float(spec.shock_sd)
        self.shock_weeks = float(spec.shock_weeks)
        self.foreign_offer_weight = float(spec.foreign_offer_weight)
        self.outrage = float(spec.outrage)
        self.reaction = float(spec.reaction)
        scenario = model.spec
        self.terms: list[Piecewise | None] = []
        self.red_lines: list[float | None] = []
        for j, sector in enumerate(model.sector_names):
            stake = spec.stakes.get(sector)
            if stake is None or float(stake) == 0.0:
                self.terms.append(None)
            else:
                ref = scenario.lobby_reference(spec, sector)
                self.terms.append(
                    dissatisfaction_term(
                        model.breaks[j],
                        wants=self.wants,
                        reference=ref,
                        stake=float(stake),
                        loss_aversion=float(spec.loss_aversion),
                        convexity=float(spec.convexity),
                    )
                )
            line = spec.red_lines.get(sector)
            self.red_lines.append(None if line is None else scenario.reference_level(sector, line))
        self.staked = [(j, term) for j, term in enumerate(self.terms) if term is not None]
        # The same terms as plain tuples, for ``felt``, which runs for every offer tabled.
        self._staked_coefficients = [
            (j, term.breaks, len(term.breaks) - 2, term.c, term.p, term.q)
            for j, term in self.staked
        ]
        self.lines = [(j, line) for j, line in enumerate(self.red_lines) if line is not None]
        # Dissatisfaction with the worst deal it can imagine (every staked sector against it):
        # pressure is driven by D relative to this, so strength and salience alone set its scale.
        worst = [
            (1.0 if self.wants == "protection" else 0.0) if term is not None else 0.0
            for term in self.terms
        ]
        worst_d = self.dissatisfaction_with(worst)
        # A lobby that cannot lose (an exporter measured against today) is never dissatisfied.
        self.worst_dissatisfaction = worst_d if worst_d > 1e-12 else 1.0
        self.pressure = 0.0
        self.dissatisfaction = 0.0
        self.mood = float(self.rng.standard_normal())  # stationary from the start
        self._mood_decay = math.exp(-model.step_weeks / self.shock_weeks)  # fixed for the run
        self._retention = (self.inertia, rules.retention(self.inertia, model.step_weeks))
        # Party -> (its offer on the table, D of it, whether it crosses a red line). Tabled
        # offers are new lists, never changed in place, so identity says "already felt".
        self._felt: dict[str, tuple[Sequence[float], float, bool]] = {}

    # -- what it feels ---------------------------------------------------------------------

    def dissatisfaction_with(self, x: Sequence[float]) -> float:
        """``D(x)``: summed over the sectors it has a stake in."""
        total = 0.0
        for j, term in self.staked:
            total += term(x[j])
        return total

    def relative_dissatisfaction(self, x: Sequence[float]) -> float:
        """``D(x)`` as a share of its dissatisfaction with the worst deal (1 = the worst)."""
        return self.dissatisfaction_with(x) / self.worst_dissatisfaction

    def crosses_red_line(self, x: Sequence[float], tol: float) -> bool:
        """True if ``x`` goes past one of its red lines in the direction it fears."""
        if self.wants == "protection":
            return any(x[j] > line + tol for j, line in self.lines)
        return any(x[j] < line - tol for j, line in self.lines)

    # -- what it does ----------------------------------------------------------------------

    def felt(self, party: str, x: Sequence[float]) -> tuple[float, bool]:
        """``D(x)`` of ``party``'s tabled offer, and whether it crosses a red line.

        Tabled offers are new lists, never changed in place, so each is evaluated once (only
        the proposer's offer is new in a round).
        """
        seen = self._felt.get(party)
        if seen is not None and seen[0] is x:
            return seen[1], seen[2]
        d = 0.0
        # dissatisfaction_with, inlined: runs for every offer tabled
        for j, breaks, last, c, p, q in self._staked_coefficients:
            v = x[j]
            i = 0
            while i < last and v >= breaks[i + 1]:
                i += 1
            d += c[i] + v * (p[i] + q[i] * v)
        crosses = bool(self.lines) and self.crosses_red_line(x, self.model.tol)
        self._felt[party] = (x, d, crosses)
        return d, crosses

    def update_pressure(self) -> None:
        """Step 1: observe the offers on the table and press accordingly."""
        model = self.model
        own: float | None = None
        foreign: list[float] = []
        outrage = 0.0  # a red line crossed by its own government's offer, or (less) abroad
        for party, x in model.table.items():
            if x is None:
                continue
            d, crosses = self.felt(party, x)
            if party == self.country:
                own = d
                if crosses:
                    outrage = self.outrage
            else:
                foreign.append(d)
                if crosses:
                    outrage = max(outrage, self.foreign_offer_weight * self.outrage)
        worst = rules.felt_dissatisfaction(own, foreign, self.foreign_offer_weight)
        self.dissatisfaction = worst / self.worst_dissatisfaction
        if self._retention[0] != self.inertia:  # an event changed it
            self._retention = (self.inertia, rules.retention(self.inertia, model.step_weeks))
        self.mood = rules.ou_step(self.mood, self._mood_decay, float(self.rng.standard_normal()))
        self.pressure = rules.lobby_pressure(
            self.pressure,
            strength=self.strength,
            salience=model.salience[self.country],
            dissatisfaction=self.dissatisfaction,
            inertia=self._retention[1],
            shock=rules.mobilisation_shock(self.mood, self.shock_sd),
            outrage=outrage,
        )

    def provoked_by(self, deal: Sequence[float]) -> float:
        """The pressure a tentative deal would provoke at once (no inertia, no shock)."""
        model = self.model
        d = self.relative_dissatisfaction(deal)
        outrage = self.outrage if self.crosses_red_line(deal, model.tol) else 0.0
        return self.reaction * (
            self.strength * model.salience[self.country] * max(d, 0.0) + outrage
        )

    def pressure_after(self, deal: Sequence[float]) -> float:
        """Its pressure once it has reacted to ``deal`` (what its government can foresee)."""
        return max(self.pressure, self.provoked_by(deal))

    def react_to_deal(self, deal: Sequence[float]) -> None:
        """Step 4: before ratification, pressure jumps to what the deal itself provokes."""
        self.pressure = self.pressure_after(deal)
