"""Trade representatives: the negotiators at the table."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

from mesa import Agent

from agents.tactics import tactic_for
from sim import rules
from sim.offers import best_offer, best_value
from sim.single_segment import best_value_single
from sim.utility import Piecewise

if TYPE_CHECKING:
    from agents.government import Government
    from sim.negotiation import Negotiation
    from sim.schema import PartySpec


class TradeRepresentative(Agent):
    """A negotiator (USTR, Japan's economy minister) who concedes over time within a mandate.

    Rules:
        * **Aspiration** falls from the best deal toward the mandate floor ``R + m`` as its
          tactic concedes (``agents/tactics.py``: Faratin, Sierra & Jennings's 1998
          time-dependent tactic, Boulware ``beta < 1`` to Conceder ``beta > 1``, or a
          Hardliner, optionally mixed with their relative tit-for-tat). Because the floor and
          the best deal are recomputed each step under the current lobby weights, a tightening
          mandate (pressure before an election) makes it step **away** from agreement and a
          loosening one toward it.
        * **Perceived deadline** ``T``: the next summit its leader attends while one is
          reachable (at least ``summit_lead_weeks`` ahead, or already the target, no later
          than its hard deadline, and the zone of agreement open), else its side's hard
          deadline, else the horizon; in each case the last round held by then. The tactic's
          concession never falls when ``T`` moves, so a deadline that moves never undoes
          concessions already made. Its aspiration rises only when its mandate tightens, which
          shows as a logged retraction of its offer.
        * **Offer**: the best deal for the other side, under its own noisy model of the other
          side's priorities, among deals meeting its aspiration and every side's public red
          lines (``sim.offers.best_offer``: a separable concave problem solved through its
          Lagrange multiplier; Raiffa 1982 on integrative bargaining, Faratin et al. 1998's
          trade-off tactic in spirit).
        * **Acceptance**: any offer on the table that meets its current aspiration and
          mandate, the other side's standing offer included before it proposes (``AC_next``:
          Faratin et al. 1998; Baarslag, Hindriks & Jonker 2014). When several offers are
          acceptable to everyone, the model settles at their average (``rules.settle``).
        * **Walk-out**: past its side's hard deadline with the zone of agreement empty for
          ``walkout_weeks`` weeks it leaves the table (``walks_out``).

    Attributes:
        name: Party it negotiates for.
        government: Its principal.
        concession: Current ``F`` in [0, 1].
        aspiration: Current demanded utility on the fixed yardstick.
        deadline: Perceived deadline ``T`` (a step).
        offer: Its last offer, or None.

    """

    def __init__(
        self, model: Negotiation, name: str, spec: PartySpec, government: Government
    ) -> None:
        super().__init__(model)
        self.name = name
        self.negotiator = spec.negotiator or f"{spec.label} negotiator"
        self.government = government
        self.tactic = tactic_for(spec.tactic)
        noise = float(spec.perception_noise)
        # Its model of each other side's priorities: one log-normal factor per sector, drawn
        # once per run from the run's seed (its model of the other side is "known with noise").
        self.perception: dict[str, list[float]] = {}
        for other in model.party_names:
            if other != name:
                self.perception[other] = [
                    math.exp(noise * float(self.rng.standard_normal())) for _ in model.sector_names
                ]
        self.concession = float(spec.tactic.initial_concession)
        self.deadline: float | None = None
        self.target_summit: str | None = None  # name of the summit it aims at, once planned
        self.hard_deadline: int | None = model.hard_deadline_step[name]
        self.best = 0.0
        self.aspiration = 0.0
        self.offer: list[float] | None = None
        self._theta: float | None = None
        self._model_key: tuple[int, ...] | None = None
        self._modelled: list[Piecewise] = []

    # -- beliefs ---------------------------------------------------------------------------

    def modelled_others(self) -> list[Piecewise]:
        """Per-sector utility of the other side(s) as this negotiator believes it to be."""
        model = self.model
        key = tuple(model.governments_by_name[other].version for other in self.perception)
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

    def perceived_deadline(self) -> int:
        """``T``: the next reachable summit, else the hard deadline, else the horizon.

        A summit is aimed at while the zone of agreement is open (a leader does not plan a
        signing for talks that cannot close) and if it is at least ``summit_lead_weeks`` ahead,
        or already the target. ``T`` may move back and forth as the zone opens and closes;
        the concession never falls when it does (``update_aspiration``).
        """
        model = self.model
        t = model.t
        hard = self.hard_deadline
        if model.zone:
            for s in model.summits:
                aimed_at = s.name == self.target_summit or s.start >= t + model.summit_lead
                in_time = hard is None or s.start <= hard  # a summit after it walks is moot
                if self.name in s.parties and s.start >= t and aimed_at and in_time:
                    self.target_summit = s.name
                    return s.start
        self.target_summit = None
        if hard is not None and hard >= t:
            return hard
        return model.horizon

    def walks_out(self) -> bool:
        """Past its hard deadline with the zone empty for ``walkout_weeks``: it leaves."""
        model = self.model
        hard = self.hard_deadline
        if hard is None or model.t <= hard:
            return False
        return min(model.empty_zone_steps, model.t - hard) >= model.walkout_steps

    def update_aspiration(self) -> None:
        """Step 3a: concede along the tactic toward the perceived deadline."""
        model = self.model
        t = float(model.t)
        deadline = float(model.last_round_by(self.perceived_deadline()))
        self.deadline = deadline
        gov = self.government
        plan = model.segment_plan
        if plan is not None:  # the usual case: the same float, without the segment scan
            best = best_value_single(gov.sector_utilities, plan)
        else:
            best = best_value(gov.sector_utilities, *model.public_bounds)
        self.best = gov.strategic_value + best
        self.concession = min(1.0, max(0.0, self.tactic.concede(self, t, deadline)))
        self.aspiration = rules.aspiration_level(self.best, gov.floor, self.concession)

    def held(self) -> float:
        """The most any other side's offer on the table is worth to me (-inf: none yet)."""
        gov = self.government
        held = -math.inf
        for p, x in self.model.table.items():
            if x is not None and p != self.name:
                value = gov.utility(x)
                if value > held:
                    held = value
        return held

    def propose(self) -> list[float]:
        """Step 3b: the best offer for the other side that still meets my aspiration.

        Never one worth less to me than an offer I already hold: ``AC_next`` (Baarslag,
        Hindriks & Jonker 2014) compares the offer in hand with one's own next bid, so the
        bid is made at ``max(aspiration, held)``.
        """
        gov = self.government
        model = self.model
        target = max(self.aspiration, self.held())
        lo, hi = model.public_bounds
        if len(self.perception) == 1:  # bilateral: scale the other side's utility in place
            ((other, factors),) = self.perception.items()
            others, scale = model.governments_by_name[other].sector_utilities, factors
        else:
            others, scale = self.modelled_others(), None
        result = best_offer(
            others,
            gov.sector_utilities,
            target - gov.strategic_value,
            lo,
            hi,
            theta0=self._theta,
            h_scale=scale,
            plan=model.segment_plan,
        )
        self._theta = result.theta if 0.0 < result.theta < 1.0 else None
        x = result.x
        # An offer its own lobbies' foreseeable reaction would push out of the win-set is
        # not made: the negotiator asks for more, in quarters of what is left of its range.
        for k in (1, 2, 3, 4):
            if gov.survives_reaction(x):
                break
            higher = target + k / 4 * (self.best - target) - gov.strategic_value
            x = best_offer(
                others, gov.sector_utilities, higher, lo, hi, h_scale=scale, plan=model.segment_plan
            ).x
        self.offer = x
        return x

    def accepts(self, x: Sequence[float]) -> bool:
        """Accept an offer that meets my aspiration, floor and red lines.

        The offer must also stay in my government's win-set once its lobbies react to it
        (``Government.survives_reaction``).
        """
        gov = self.government
        tol = self.model.tol
        return (
            rules.acceptable(gov.utility(x), self.aspiration, gov.floor, tol)
            and gov.within_red_lines(x, tol)
            and gov.survives_reaction(x)
        )
