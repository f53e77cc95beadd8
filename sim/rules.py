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
    ``1 + A``; after it, it is back to 1 (the election-proximity effect of Conconi,
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
    (Grossman & Helpman 1994 for the lobby-government link; docs/model.md for the form).
    """
    drive = strength * salience * max(dissatisfaction, 0.0) + outrage
    return inertia * previous + (1.0 - inertia) * shock * drive


def lobby_weight(base: float, response: float, pressure: float) -> float:
    """A lobby's weight in its government's utility: ``w = base + k * P`` (docs/model.md)."""
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
    yardstick (docs/model.md, "Sector utilities"). If even the best deal is below the floor,
    the floor (an unreachable demand: the zone of agreement is empty for this side).
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


# -- rules added for validity: time in calendar units, closing, level-II learning ------------


def retention(per_week: float, weeks: float) -> float:
    """Share of a quantity kept after ``weeks`` when ``per_week`` is kept after one week.

    Memories are stated per unit of calendar time and converted to the step, so that a finer
    step does not mean a shorter memory: ``per_week ** weeks`` (the exact discretisation of
    exponential decay).
    """
    return per_week**weeks


def ou_step(z: float, decay: float, normal_draw: float) -> float:
    """One exact step of a stationary Ornstein-Uhlenbeck process with unit variance.

    ``z' = decay * z + sqrt(1 - decay**2) * eps`` with ``decay = exp(-dt / tau)``: the same
    process, sampled at any step, has the same distribution and autocorrelation in calendar
    time (Gillespie 1996), so shocks do not average away on finer steps.
    """
    return decay * z + math.sqrt(max(0.0, 1.0 - decay * decay)) * normal_draw


def felt_dissatisfaction(
    own: float | None, foreign: Iterable[float], foreign_weight: float
) -> float:
    """What a lobby reacts to: its own government's offer fully, other countries' offers less.

    Lobbies act on their own government (Grossman & Helpman 1994): what it offers abroad is
    what they fear. A foreign demand mobilises them only at ``foreign_weight`` (Putnam 1988's
    reverberation, a secondary effect). The worst of the weighted offers counts; 0 before any
    offer.
    """
    worst = -math.inf if own is None else own
    for d in foreign:
        worst = max(worst, foreign_weight * d)
    return 0.0 if worst == -math.inf else worst


def settle(acceptable: list[list[float]]) -> list[float]:
    """The deal when several offers on the table are acceptable to every side: their average.

    When offers cross, neither side's last offer is taken as it stands; the sides split the
    difference (Raiffa 1982), so the terms do not depend on whose turn it was to propose. With
    concave utilities and convex red lines, the average of offers that every side accepts is
    itself acceptable to every side.
    """
    n = len(acceptable)
    return [sum(values) / n for values in zip(*acceptable, strict=True)]


def ratifier_multiplier_at_rejection(
    economic_gain: float, strategic_gain: float, margin: float, lobby_loss: float
) -> float | None:
    """The ratifier's lobby multiplier at which a rejected deal would just have passed.

    The ratifier's gain is ``economic_gain + strategic_gain - b * lobby_loss``, linear in its
    multiplier ``b`` on the government's lobby weights, where ``lobby_loss`` is the weighted
    rise in lobby dissatisfaction the deal brings. A rejection reveals ``b`` above the value
    that makes the gain equal ``margin`` (Tarar 2001: level II reveals its constraint). None
    when lobbies do not explain the rejection (``lobby_loss <= 0``).
    """
    if lobby_loss <= 0.0:
        return None
    return (economic_gain + strategic_gain - margin) / lobby_loss


def caution(safety: float, weeks_since: float, half_life_weeks: float) -> float:
    """Extra caution after a failed vote: ``safety`` halving every ``half_life_weeks``."""
    return safety * 0.5 ** (weeks_since / half_life_weeks)
