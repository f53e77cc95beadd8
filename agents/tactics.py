"""Concession tactics: how far along its range a negotiator has conceded, ``F`` in [0, 1].

One class per tactic, each naming its rule and its source, as the Axelrod library does for its
strategies. A negotiator (``TradeRepresentative``) asks its tactic for ``F`` once a step; the
aspiration it then demands is ``best - F (best - floor)``. The scenario chooses the tactic
(``parties.P.tactic.kind``) and its parameters; ``tactic_for`` builds it.

To add a tactic: write its class here (a ``concede`` method, its source in the docstring), add
its name to ``TACTICS`` and to ``TacticSpec.kind`` in ``sim/schema.py``, and any parameter it
needs to ``TacticSpec``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from sim import rules

if TYPE_CHECKING:
    from sim.schema import TacticSpec


class Negotiator(Protocol):
    """What a tactic reads of its negotiator (``agents.TradeRepresentative``)."""

    concession: float

    def their_concession(self) -> float:
        """The other sides' last concession, as a share of the negotiator's range."""


class Tactic:
    """A concession tactic: ``concede`` returns this step's ``F`` in [0, 1]."""

    def concede(self, negotiator: Negotiator, t: float, deadline: float) -> float:
        """The share of its range ``negotiator`` has conceded at step ``t``."""
        raise NotImplementedError


class TimeDependent(Tactic):
    """Faratin, Sierra & Jennings (1998): concede as a power of the time elapsed.

    ``F(t) = k + (1 - k) (t / T) ** (1 / beta)`` toward the perceived deadline ``T``:
    ``beta < 1`` is Boulware (concede late; Genius's default 0.2), ``beta = 1`` Linear,
    ``beta > 1`` Conceder (concede early; Genius's default 2) (Lin et al. 2014). The curve keeps
    its start whatever ``T`` does, and ``F`` never falls: when the deadline recedes the
    negotiator holds until the curve catches up, so a concession once made stays made.
    """

    def __init__(self, beta: float, initial: float = 0.0) -> None:
        self.beta = beta
        self.initial = initial
        self.conceded = initial

    def concede(self, negotiator: Negotiator, t: float, deadline: float) -> float:  # noqa: D102
        curve = rules.time_dependent_concession(t, deadline, self.beta, 0.0, self.initial)
        self.conceded = max(self.conceded, curve)
        return self.conceded


class Hardliner(Tactic):
    """Genius's Hardliner (``e = 0``; Lin et al. 2014): concede nothing until the deadline.

    The limit of Boulware as ``beta`` goes to 0: ``F = k`` before ``T``, 1 from ``T`` on.
    """

    def __init__(self, initial: float = 0.0) -> None:
        self.initial = initial
        self.conceded = initial

    def concede(self, negotiator: Negotiator, t: float, deadline: float) -> float:  # noqa: D102
        self.conceded = max(self.conceded, 1.0 if t >= deadline else self.initial)
        return self.conceded


class RelativeTitForTat(Tactic):
    """Faratin, Sierra & Jennings (1998), behaviour-dependent: relative tit-for-tat.

    Mixes a base tactic with reciprocity, weight ``tit_for_tat``: concede as much as the other
    side just did, as a share of one's own range, and answer a retraction with a retraction:
    ``F = (1 - w) F_base + w clip(F_previous + their concession)``. With ``w = 0`` it is the
    base tactic.
    """

    def __init__(self, base: Tactic, tit_for_tat: float = 0.0) -> None:
        self.base = base
        self.tit_for_tat = tit_for_tat

    def concede(self, negotiator: Negotiator, t: float, deadline: float) -> float:  # noqa: D102
        f = self.base.concede(negotiator, t, deadline)
        w = self.tit_for_tat
        if w > 0.0:
            reciprocal = rules.reciprocal_concession(
                negotiator.concession, negotiator.their_concession()
            )
            f = (1.0 - w) * f + w * reciprocal
        return f


TACTICS = {
    "time_dependent": lambda spec: TimeDependent(float(spec.beta), float(spec.initial_concession)),
    "hardliner": lambda spec: Hardliner(float(spec.initial_concession)),
}
"""The scenario's ``tactic.kind`` -> how to build that tactic from its parameters."""


def tactic_for(spec: TacticSpec) -> RelativeTitForTat:
    """A negotiator's tactic as its scenario block says: the kind, with reciprocity on top.

    The reciprocity layer is always there (weight ``tit_for_tat``, 0 by default), so that an
    event can switch it on mid-run.
    """
    return RelativeTitForTat(TACTICS[spec.kind](spec), float(spec.tit_for_tat))
