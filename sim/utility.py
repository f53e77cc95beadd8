"""Sector utilities as concave piecewise-quadratic functions of a concession ``x`` in [0, 1].

Every term of a government's utility in one sector (its economic gain or loss, the weighted
dissatisfaction of each of its lobbies) is a quadratic on each segment between the sector's
breakpoints: 0, the lobbies' reference points, 1. Keeping all parties' utilities of a sector on
the *same* breakpoints lets the offer search (``sim.offers``) add and scale them segment by
segment and find each sector's optimum in closed form, which is what makes a run take
milliseconds. Vectors here have about seven elements, where plain Python floats beat numpy's
per-call overhead (see ``benchmarks/README.md``), so this module deliberately uses lists.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass

PROTECTION = "protection"
LIBERALISATION = "liberalisation"


@dataclass(slots=True)
class Piecewise:
    """A concave piecewise quadratic ``u(x) = c[i] + p[i] x + q[i] x**2`` on segment ``i``.

    Attributes:
        breaks: Segment boundaries, ``0 = breaks[0] < ... < breaks[-1] = 1`` (shared by all
            parties of one sector).
        c: Constant term per segment.
        p: Linear term per segment.
        q: Quadratic term per segment (``<= 0`` so that the function is concave).

    """

    breaks: tuple[float, ...]
    c: list[float]
    p: list[float]
    q: list[float]

    @classmethod
    def zero(cls, breaks: tuple[float, ...]) -> Piecewise:
        """The zero function on ``breaks``, the start of every sum of terms."""
        n = len(breaks) - 1
        return cls(breaks, [0.0] * n, [0.0] * n, [0.0] * n)

    def segment(self, x: float) -> int:
        """Index of the segment that holds ``x`` (the right one at a breakpoint)."""
        i = bisect_right(self.breaks, x) - 1
        last = len(self.c) - 1
        return 0 if i < 0 else (last if i > last else i)

    def __call__(self, x: float) -> float:
        """Value at ``x``."""
        # A linear scan beats bisect here: sectors have one to three segments.
        breaks = self.breaks
        i = 0
        last = len(breaks) - 2
        while i < last and x >= breaks[i + 1]:
            i += 1
        return self.c[i] + x * (self.p[i] + self.q[i] * x)

    def slope(self, x: float) -> float:
        """Derivative at ``x`` (from the right at a breakpoint)."""
        i = self.segment(x)
        return self.p[i] + 2.0 * self.q[i] * x

    def add_scaled(self, other: Piecewise, weight: float) -> None:
        """In place: ``self += weight * other`` (both on the same breakpoints)."""
        c, p, q = self.c, self.p, self.q
        for i in range(len(c)):
            c[i] += weight * other.c[i]
            p[i] += weight * other.p[i]
            q[i] += weight * other.q[i]

    def scaled(self, weight: float) -> Piecewise:
        """A copy multiplied by ``weight``."""
        return Piecewise(
            self.breaks,
            [weight * v for v in self.c],
            [weight * v for v in self.p],
            [weight * v for v in self.q],
        )

    def copy(self) -> Piecewise:
        """An independent copy."""
        return Piecewise(self.breaks, list(self.c), list(self.p), list(self.q))


def economic_term(breaks: tuple[float, ...], linear: float, quadratic: float) -> Piecewise:
    """A government's economic gain ``g(x) = linear * x + quadratic * x**2`` in one sector.

    Exporters have ``linear > 0`` and a concave ``quadratic < 0`` (diminishing gains);
    importers have ``linear < 0`` so that no concession is free (docs/model.md).
    """
    n = len(breaks) - 1
    return Piecewise(breaks, [0.0] * n, [linear] * n, [quadratic] * n)


def dissatisfaction_term(
    breaks: tuple[float, ...],
    *,
    wants: str,
    reference: float,
    stake: float,
    loss_aversion: float,
    convexity: float,
) -> Piecewise:
    """A lobby's reference-dependent, loss-averse dissatisfaction ``D(x)`` in one sector.

    Prospect theory (Kahneman & Tversky 1979; Tversky & Kahneman 1991): the lobby measures a
    deal against its reference point ``r`` (today's protection for a protectionist lobby,
    parity with competitors for an exporter lobby), and a loss ``l`` weighs
    ``loss_aversion * l + convexity * l**2`` (convex in the size of the loss) while a gain
    ``g`` lowers dissatisfaction by ``g``. With ``loss_aversion >= 1`` the kink at ``r`` is
    concave for the government, which subtracts ``w * D``.

    Args:
        breaks: The sector's breakpoints; ``reference`` must be one of them.
        wants: ``"protection"`` (a liberalisation beyond ``r`` is a loss) or
            ``"liberalisation"`` (falling short of ``r`` is a loss).
        reference: Reference point ``r`` in [0, 1].
        stake: Scale ``s >= 0`` of the lobby's interest in this sector.
        loss_aversion: Slope of the loss at the reference, ``>= 1``.
        convexity: Quadratic growth of the loss, ``>= 0``.

    """
    s, lam, eta, r = stake, loss_aversion, convexity, reference
    term = Piecewise.zero(breaks)
    for i in range(len(breaks) - 1):
        left_of_reference = 0.5 * (breaks[i] + breaks[i + 1]) < r
        if wants == PROTECTION:
            if left_of_reference:  # gain r - x
                c, p, q = -s * r, s, 0.0
            else:  # loss x - r
                c, p, q = s * (-lam * r + eta * r * r), s * (lam - 2.0 * eta * r), s * eta
        elif left_of_reference:  # liberalisation lobby, loss r - x
            c, p, q = s * (lam * r + eta * r * r), s * (-lam - 2.0 * eta * r), s * eta
        else:  # liberalisation lobby, gain x - r
            c, p, q = s * r, -s, 0.0
        term.c[i], term.p[i], term.q[i] = c, p, q
    return term


def sector_breaks(points: Sequence[float]) -> tuple[float, ...]:
    """Sorted, de-duplicated breakpoints of a sector: 0, 1 and every interior reference."""
    inner = sorted({float(v) for v in points if 0.0 < v < 1.0})
    return (0.0, *inner, 1.0)


def total(utilities: Sequence[Piecewise], x: Sequence[float], start: float = 0.0) -> float:
    """``start`` plus the sum over sectors of ``utilities[j](x[j])``: the utility of an offer.

    The one place a utility is summed over sectors (a government's, the analysis's, the offer
    search's), added in one order so that every caller gets the same float.
    """
    s = start
    for u, xj in zip(utilities, x, strict=True):
        # Piecewise.__call__, inlined: this runs for every offer every side weighs.
        breaks = u.breaks
        i, last = 0, len(breaks) - 2
        while i < last and xj >= breaks[i + 1]:
            i += 1
        s += u.c[i] + xj * (u.p[i] + u.q[i] * xj)
    return s
