"""The decision rules of the model as small pure functions, each testable on its own.

Agents (``agents/``) call these; nothing here touches a model, an agent or a random generator,
so each rule can be checked against its equation and its source.
"""

from __future__ import annotations

import math
from collections.abc import Iterable


def salience(t: float, elections: Iterable[tuple[float, float, float]]) -> float:
    """How much trade matters to voters at step ``t``: ``1 + A exp(-(t_e - t) / tau)``.

    Before each upcoming election at step ``t_e`` salience rises exponentially toward
    ``1 + A``; after it, it is back to 1 (DESIGN.md; the election-proximity effect of Conconi,
    Facchini & Zanardi 2014). With several upcoming elections the most salient one counts.

    Args:
        t: Current step.
        elections: ``(t_e, A, tau)`` per election, ``tau`` in steps.

    """
    best = 1.0
    for t_e, amplitude, tau in elections:
        if t <= t_e:
            best = max(best, 1.0 + amplitude * math.exp(-(t_e - t) / tau))
    return best


def lobby_pressure(
    previous: float,
    *,
    strength: float,
    salience: float,
    dissatisfaction: float,
    inertia: float,
    shock: float = 1.0,
    outrage: float = 0.0,
) -> float:
    """Pressure a lobby puts on its government this step.

    ``P_t = inertia * P_{t-1} + (1 - inertia) * shock * (strength * salience * max(D, 0) +
    outrage)``: pressure follows dissatisfaction with the offers on the table, amplified by
    election salience and smoothed by organisational inertia; a satisfied lobby does not press
    (Grossman & Helpman 1994 for the lobby-government link; DESIGN.md for the form).
    """
    drive = strength * salience * max(dissatisfaction, 0.0) + outrage
    return inertia * previous + (1.0 - inertia) * shock * drive


def lobby_weight(base: float, response: float, pressure: float) -> float:
    """A lobby's weight in its government's utility: ``w = base + k * P`` (DESIGN.md)."""
    return base + response * pressure


def time_dependent_concession(
    t: float, deadline: float, beta: float, start: float = 0.0, start_level: float = 0.0
) -> float:
    """Faratin, Sierra & Jennings (1998) time-dependent tactic.

    ``F(t) = k + (1 - k) * ((t - t0) / (T - t0)) ** (1 / beta)``: the share of the way from the
    best deal to the reservation level conceded by ``t``. ``beta < 1`` is Boulware (concede
    late), ``beta = 1`` linear, ``beta > 1`` Conceder (concede early). ``(t0, k)`` is the
    anchor: when a negotiator's perceived deadline moves, it re-anchors at its current
    concession so that aspiration stays continuous (see docs/model.md).
    """
    if t <= start:
        return start_level
    if t >= deadline or deadline <= start:
        return 1.0
    frac = (t - start) / (deadline - start)
    return start_level + (1.0 - start_level) * frac ** (1.0 / beta)


def reciprocal_concession(previous: float, their_concession: float) -> float:
    """Relative tit-for-tat (Faratin et al. 1998, "behaviour-dependent tactics").

    Concede as much as the other side just did, measured as a share of my own range
    between best deal and floor; a retraction is answered with a retraction.
    """
    return min(1.0, max(0.0, previous + their_concession))


def aspiration_level(best: float, floor: float, concession: float) -> float:
    """Utility a negotiator demands after conceding ``concession`` of its range.

    Normalised between its floor ``R + m`` and the best deal it could get, on the fixed
    yardstick (DESIGN.md, "Utilities"). If even the best deal is below the floor, the floor
    (an unreachable demand: the zone of agreement is empty for this side).
    """
    if best <= floor:
        return floor
    return best - concession * (best - floor)


def acceptable(utility: float, aspiration: float, floor: float, tol: float) -> bool:
    """Accept an offer that meets the current aspiration and the mandate floor."""
    return utility >= max(aspiration, floor) - tol


def ratifies(ratifier_utility: float, no_deal_value: float, margin: float, tol: float) -> bool:
    """A ratifier approves a deal worth at least its no-deal value plus its margin (Putnam)."""
    return ratifier_utility >= no_deal_value + margin - tol


def mobilisation_shock(normal_draw: float, sd: float) -> float:
    """A mean-one lognormal factor ``exp(sd * z - sd**2 / 2)`` from a standard normal draw."""
    return math.exp(sd * normal_draw - 0.5 * sd * sd)
