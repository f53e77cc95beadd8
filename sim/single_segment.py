"""The offer problem in its common case: every sector's bounds inside one segment.

The red lines usually sit at the lobbies' reference points, so a sector's bounds seldom
straddle a breakpoint of its utilities. Then each sector is a single quadratic piece, and the
per-sector optimum of ``(1 - theta) H + theta F`` needs no scan over segments: this module is
``sim.offers``'s ``compile_problem`` and ``solve`` for that case, with the same arithmetic, so
the same floats (``tests/test_offers.py`` checks it bit for bit), without the scan. The offer
search and the zone check use it whenever it applies.
"""

from __future__ import annotations

from collections.abc import Sequence

from sim.utility import Piecewise

Single = tuple[float, float, float, float, float, float, float, float]
"""A sector whose bounds hold one segment: ``(lo, hi, hc, hp, hq, fc, fp, fq)``."""


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
    flat = []
    scales = h_scale if h_scale is not None else [1.0] * len(hs)
    for h, f, a, b, w in zip(hs, fs, lo, hi, scales, strict=True):
        breaks = h.breaks
        # The segment that holds a (the first one reaching it, as compile_problem clips).
        k, n = 0, len(breaks) - 1
        while breaks[k + 1] < a:
            k += 1
        right = breaks[k + 1]
        if right < b and k < n - 1:
            return None  # the bounds reach into the next segment
        left = breaks[k]
        flat.append(
            (
                a if left < a else left,
                b if right > b else right,
                w * h.c[k],
                w * h.p[k],
                w * h.q[k],
                f.c[k],
                f.p[k],
                f.q[k],
            )
        )
    return flat


def solve_single(flat: Sequence[Single], theta: float) -> tuple[list[float], float, float]:
    """``solve`` on a problem of one segment per sector: ``x``, F and ``dF/dtheta``.

    The same arithmetic as ``solve`` (so the same floats), without the segment scan, and
    without ``H``, which a search needs only for its answer (``value_other``).
    """
    wh = 1.0 - theta
    xs: list[float] = []
    append = xs.append
    own = slope = 0.0
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
                slope -= d * d / (wh * q2)
        append(x)
        own += fc + x * (fp + fq * x)
    return xs, own, slope


def value_other(flat: Sequence[Single], x: Sequence[float]) -> float:
    """``H(x)`` on a one-segment-per-sector problem, summed as ``solve`` sums it."""
    other = 0.0
    for segment, xj in zip(flat, x, strict=True):
        other += segment[2] + xj * (segment[3] + segment[4] * xj)
    return other
