"""The offer problem in its common case: every sector's bounds inside one segment.

The red lines usually sit at the lobbies' reference points, so a sector's bounds seldom
straddle a breakpoint of its utilities. Then each sector is a single quadratic piece, and the
per-sector optimum of ``(1 - theta) H + theta F`` needs no scan over segments: this module is
``sim.offers``'s ``compile_problem`` and ``solve`` for that case, with the same arithmetic, so
the same floats (``tests/test_offers.py`` checks it bit for bit), without the scan. The offer
search and the zone check use it whenever it applies.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from sim.utility import Piecewise

Single = tuple[float, float, float, float, float, float, float, float]
"""A sector whose bounds hold one segment: ``(lo, hi, hc, hp, hq, fc, fp, fq)``."""


Plan = list[tuple[int, float, float]]
"""Each sector's one segment within its bounds: ``(k, lo, hi)``, the bounds clipped to it."""


def segment_plan(
    breaks: Sequence[Sequence[float]], lo: Sequence[float], hi: Sequence[float]
) -> Plan | None:
    """The segment that holds each sector's bounds; None when some bounds straddle a breakpoint.

    The breakpoints and the public red lines are fixed for a run, so a model works this out
    once and every search of the run reuses it (``compile_planned``).
    """
    plan = []
    for sector_breaks, a, b in zip(breaks, lo, hi, strict=True):
        # The segment that holds a (the first one reaching it, as compile_problem clips).
        k, n = 0, len(sector_breaks) - 1
        while sector_breaks[k + 1] < a:
            k += 1
        right = sector_breaks[k + 1]
        if right < b and k < n - 1:
            return None  # the bounds reach into the next segment
        left = sector_breaks[k]
        plan.append((k, a if left < a else left, b if right > b else right))
    return plan


def compile_planned(
    hs: Sequence[Piecewise],
    fs: Sequence[Piecewise],
    plan: Plan,
    h_scale: Sequence[float] | None = None,
) -> list[Single]:
    """The one-segment problem on a known ``segment_plan``: coefficients read, ``hs`` scaled."""
    if h_scale is None:
        return [
            (a, b, h.c[k], h.p[k], h.q[k], f.c[k], f.p[k], f.q[k])
            for h, f, (k, a, b) in zip(hs, fs, plan, strict=True)
        ]
    return [
        (a, b, w * h.c[k], w * h.p[k], w * h.q[k], f.c[k], f.p[k], f.q[k])
        for h, f, w, (k, a, b) in zip(hs, fs, h_scale, plan, strict=True)
    ]


def compile_single(
    hs: Sequence[Piecewise],
    fs: Sequence[Piecewise],
    lo: Sequence[float],
    hi: Sequence[float],
    h_scale: Sequence[float] | None = None,
) -> list[Single] | None:
    """``compile_problem`` for the common case: every sector's bounds inside one segment.

    The red lines usually sit at the lobbies' reference points, so a sector's bounds seldom
    straddle a breakpoint; then ``solve_single`` can skip the scan over segments. None when
    some sector has several segments within its bounds (use ``compile_problem``).
    """
    plan = segment_plan([h.breaks for h in hs], lo, hi)
    return None if plan is None else compile_planned(hs, fs, plan, h_scale)


def best_value_single(fs: Sequence[Piecewise], plan: Plan) -> float:
    """``best_value`` (the sum of sector maxima) on a ``segment_plan``: the same floats.

    Each sector's maximum lies on its one segment, so the scan for the segment where the
    slope turns is not needed; every negotiator recomputes this every step.
    """
    best = 0.0
    for f, (k, s_lo, s_hi) in zip(fs, plan, strict=True):
        fp, fq = f.p[k], f.q[k]
        q2 = 2.0 * fq
        if fp + q2 * s_hi >= 0.0:
            x = s_hi
        elif fp + q2 * s_lo <= 0.0:
            x = s_lo
        else:
            x = -fp / q2
        best += f.c[k] + x * (fp + fq * x)
    return best


def solve_single(
    flat: Sequence[Single], theta: float
) -> tuple[list[float], float, float, float]:
    """``solve`` on a problem of one segment per sector: ``x``, F, ``dF/dtheta``, ``d2F/dtheta2``.

    ``x``, F and the slope are ``solve``'s arithmetic (so the same floats), without the segment
    scan, and without ``H``, which a search needs only for its answer (``value_other``). The
    curvature lets the search take Halley's step instead of Newton's (one pass fewer, most
    searches): with ``x' = -F'(x) / ((1 - theta) q2)`` an interior sector adds
    ``f''(x) x'**2 + F'(x) x''`` where ``x'' = -2 x' q2' / q2``.
    """
    wh = 1.0 - theta
    xs: list[float] = []
    append = xs.append
    own = slope = curvature = 0.0
    for s_lo, s_hi, _, hp, hq, fc, fp, fq in flat:
        p = wh * hp + theta * fp
        q2 = 2.0 * (wh * hq + theta * fq)
        if p + q2 * s_hi >= 0.0:
            x = s_hi
        elif p + q2 * s_lo <= 0.0:
            x = s_lo
        else:
            x = -p / q2
            if wh > 0.0:
                d = fp + 2.0 * fq * x
                w = wh * q2
                gain = d * d / w
                slope -= gain
                dx = -d / w
                curvature += 2.0 * fq * dx * dx + 4.0 * gain * (fq - hq) / q2
        append(x)
        own += fc + x * (fp + fq * x)
    return xs, own, slope, curvature


def values_single(flat: Sequence[Single], theta: float) -> tuple[float, float]:
    """F and H at the optimum for ``theta``: ``solve_single``'s F and ``value_other``'s H.

    The zone check needs only the two values, so one loop sums both (each in sector order,
    hence the same floats) without building ``x`` or the slope.
    """
    wh = 1.0 - theta
    own = other = 0.0
    for s_lo, s_hi, hc, hp, hq, fc, fp, fq in flat:
        p = wh * hp + theta * fp
        q2 = 2.0 * (wh * hq + theta * fq)
        if p + q2 * s_hi >= 0.0:
            x = s_hi
        elif p + q2 * s_lo <= 0.0:
            x = s_lo
        else:
            x = -p / q2
        own += fc + x * (fp + fq * x)
        other += hc + x * (hp + hq * x)
    return own, other


def plateau_edge(flat: Sequence[Single], theta: float, down: bool) -> tuple[float, float] | None:
    """Where a plateau of ``F(theta)`` ends, going down or up, and the slope ``F`` takes there.

    On a plateau every sector sits at a bound, so ``F`` does not move with ``theta`` and Newton
    has no slope to follow. A sector's derivative at its bound ``b``, ``(1 - t) H'(b) + t F'(b)``,
    is linear in ``t``: the ``t`` at which the first sector leaves its bound is found in closed
    form, and so is the one-sided slope there (the sector's interior term of ``solve_single``).
    A root search jumps there instead of feeling its way along the plateau.

    Returns:
        ``(edge, slope)``, or None when some sector is interior (no plateau) or when no
        sector leaves its bound in that direction within (0, 1).

    """
    wh = 1.0 - theta
    edge = -math.inf if down else math.inf
    leaving: list[tuple[float, float, float, float]] = []
    for s_lo, s_hi, _, hp, hq, _, fp, fq in flat:
        p = wh * hp + theta * fp
        q2 = 2.0 * (wh * hq + theta * fq)
        if p + q2 * s_hi >= 0.0:
            b, at_top = s_hi, True
        elif p + q2 * s_lo <= 0.0:
            b, at_top = s_lo, False
        else:
            return None  # interior: F moves here
        if s_hi <= s_lo:
            continue  # a pinned sector never moves
        a = hp + 2.0 * hq * b  # the derivative at b when t = 0 (H') ...
        c = fp + 2.0 * fq * b  # ... and when t = 1 (F')
        if c == a:
            continue
        # From the top bound a sector leaves where the derivative turns negative, from the
        # bottom one where it turns positive; which way that lies depends on the sign of c - a.
        if down != ((c > a) == at_top):
            continue
        t_star = a / (a - c)
        if down and t_star <= theta:
            edge = max(edge, t_star)
            leaving.append((t_star, hq, fq, c))
        elif not down and t_star >= theta:
            edge = min(edge, t_star)
            leaving.append((t_star, hq, fq, c))
    if not 0.0 < edge < 1.0:
        return None
    w = 1.0 - edge
    slope = 0.0
    for t_star, hq, fq, d in leaving:
        if t_star == edge:
            q2 = 2.0 * (w * hq + edge * fq)
            if q2 < 0.0:
                slope -= d * d / (w * q2)
    return edge, slope


def value_other(flat: Sequence[Single], x: Sequence[float]) -> float:
    """``H(x)`` on a one-segment-per-sector problem, summed as ``solve`` sums it."""
    other = 0.0
    for segment, xj in zip(flat, x, strict=True):
        other += segment[2] + xj * (segment[3] + segment[4] * xj)
    return other
