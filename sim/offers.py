"""The offer search: the best deal for the other side among those that give me enough.

A representative offers ``argmax_x H(x)  s.t.  F(x) >= A,  lo <= x <= hi`` where ``F`` is its own
government's utility, ``H`` its model of the other side's and ``A`` its aspiration. Both are
sums of concave per-sector functions, so the problem is separable with one coupling
constraint. Its Lagrangian ``H + lam * F`` splits into one-dimensional concave problems, each
solved in closed form on the sector's piecewise-quadratic segments (``sector_argmax``). The
multiplier is found by a 1-D root search on ``theta = lam / (1 + lam)`` in [0, 1]
(bisection accelerated by the Illinois variant of regula falsi); the last bracket is closed by
interpolating between its two ends, which by concavity of ``F`` still meets the aspiration.
No general-purpose optimiser runs in the per-step loop (DESIGN.md, "Agents", 3).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sim.utility import Piecewise

THETA_OWN = 1.0 - 1e-9  # "only my own utility", with ties broken toward the other side


@dataclass(slots=True)
class OfferResult:
    """What the search found.

    Attributes:
        x: The offer, one value in [0, 1] per sector.
        own: Proposer's utility ``F(x)``.
        other: ``H(x)``, the (modelled) utility of the other side(s).
        feasible: False when even the proposer's best deal falls short of ``A``.
        theta: Final weight on ``F``; a good warm start for the next search.
    """

    x: list[float]
    own: float
    other: float
    feasible: bool
    theta: float


def sector_argmax(
    h: Piecewise, f: Piecewise, wh: float, wf: float, lo: float, hi: float
) -> tuple[float, int]:
    """Maximise ``wh * h(x) + wf * f(x)`` over ``[lo, hi]``; return ``x`` and its segment.

    The derivative is non-increasing (concavity), so the optimum is the first point, scanning
    segments from the left, where it turns non-positive.
    """
    breaks = h.breaks
    hp, hq, fp, fq = h.p, h.q, f.p, f.q
    last = len(hp) - 1
    for i in range(last + 1):
        right = breaks[i + 1]
        if right < lo:
            continue
        left = breaks[i]
        a = lo if left < lo else left
        b = hi if right > hi else right
        p = wh * hp[i] + wf * fp[i]
        q2 = 2.0 * (wh * hq[i] + wf * fq[i])
        if p + q2 * b > 0.0 and b < hi:
            continue
        if p + q2 * b >= 0.0:
            return b, i
        if p + q2 * a <= 0.0:
            return a, i
        return -p / q2, i
    return hi, last


def _solve(
    hs: Sequence[Piecewise],
    fs: Sequence[Piecewise],
    theta: float,
    lo: Sequence[float],
    hi: Sequence[float],
) -> tuple[list[float], float]:
    """Per-sector optimum of ``(1 - theta) H + theta F`` and the resulting ``F``."""
    wh = 1.0 - theta
    xs = []
    own = 0.0
    for h, f, a, b in zip(hs, fs, lo, hi, strict=True):
        x, i = sector_argmax(h, f, wh, theta, a, b)
        xs.append(x)
        own += f.c[i] + x * (f.p[i] + f.q[i] * x)
    return xs, own


def _value(us: Sequence[Piecewise], x: Sequence[float]) -> float:
    s = 0.0
    for u, v in zip(us, x, strict=True):
        s += u(v)
    return s


def best_offer(
    hs: Sequence[Piecewise],
    fs: Sequence[Piecewise],
    aspiration: float,
    lo: Sequence[float],
    hi: Sequence[float],
    *,
    theta0: float | None = None,
    tol: float = 1e-10,
    rtol: float = 1e-6,
    max_iter: int = 60,
) -> OfferResult:
    """The offer that is best for the other side among those worth ``aspiration`` to me.

    Args:
        hs: Per-sector utility of the other side(s), as the proposer models it.
        fs: Per-sector utility of the proposer's government (without constant terms such as
            the strategic value: pass ``aspiration`` net of them).
        aspiration: Level ``A`` that ``F(x)`` must reach.
        lo: Lower bounds per sector (red lines), in [0, 1].
        hi: Upper bounds per sector, ``lo <= hi``.
        theta0: Last search's ``theta`` (warm start), or None.
        tol: Absolute slack accepted above ``A``.
        rtol: Stop once the bracket's two values of ``F`` are this close; the final
            interpolation then lands on ``A`` within a second-order error.
        max_iter: Cap on root-search iterations (bisection alone needs about 45).

    Returns:
        The offer. When ``A`` is out of reach, the proposer's own best deal with
        ``feasible=False``; when the other side's favourite already meets ``A``, that one.
    """
    if theta0 is None or not 0.0 < theta0 < THETA_OWN:
        x0, f0 = _solve(hs, fs, 0.0, lo, hi)
        if f0 >= aspiration:
            return OfferResult(x0, f0, _value(hs, x0), True, 0.0)
        x1, f1 = _solve(hs, fs, THETA_OWN, lo, hi)
        if f1 < aspiration:
            return OfferResult(x1, f1, _value(hs, x1), False, THETA_OWN)
        t_lo, g_lo, x_lo = 0.0, f0 - aspiration, x0
        t_hi, g_hi, x_hi = THETA_OWN, f1 - aspiration, x1
    else:
        # Warm start: aspirations move little from one step to the next, so bracket the root
        # by stepping out from last step's multiplier instead of from the ends of [0, 1].
        x, f = _solve(hs, fs, theta0, lo, hi)
        step = 0.02
        if f >= aspiration:
            t_hi, g_hi, x_hi = theta0, f - aspiration, x
            while True:
                t = max(t_hi - step, 0.0)
                x, f = _solve(hs, fs, t, lo, hi)
                if f < aspiration:
                    t_lo, g_lo, x_lo = t, f - aspiration, x
                    break
                t_hi, g_hi, x_hi = t, f - aspiration, x
                if t == 0.0:
                    return OfferResult(x, f, _value(hs, x), True, 0.0)
                step *= 4.0
        else:
            t_lo, g_lo, x_lo = theta0, f - aspiration, x
            while True:
                t = min(t_lo + step, THETA_OWN)
                x, f = _solve(hs, fs, t, lo, hi)
                if f >= aspiration:
                    t_hi, g_hi, x_hi = t, f - aspiration, x
                    break
                t_lo, g_lo, x_lo = t, f - aspiration, x
                if t == THETA_OWN:
                    return OfferResult(x, f, _value(hs, x), False, THETA_OWN)
                step *= 4.0
    side = 0
    for _ in range(max_iter):
        if g_hi <= tol or g_hi - g_lo <= rtol or t_hi - t_lo < 1e-14:
            break
        t = t_lo - g_lo * (t_hi - t_lo) / (g_hi - g_lo)  # Illinois (modified regula falsi)
        if not t_lo < t < t_hi:
            t = 0.5 * (t_lo + t_hi)
        x, f = _solve(hs, fs, t, lo, hi)
        g = f - aspiration
        if g >= 0.0:
            t_hi, g_hi, x_hi = t, g, x
            if side == 1:
                g_lo *= 0.5
            side = 1
        else:
            t_lo, g_lo, x_lo = t, g, x
            if side == -1:
                g_hi *= 0.5
            side = -1
    if g_hi > tol:
        # Close the bracket on the segment between its ends: F is concave, so the point where
        # the linear interpolation of F reaches A has F >= A.
        g_lo_true = _value(fs, x_lo) - aspiration
        g_hi_true = _value(fs, x_hi) - aspiration
        w = -g_lo_true / (g_hi_true - g_lo_true) if g_hi_true > g_lo_true else 1.0
        x_hi = [a + w * (b - a) for a, b in zip(x_lo, x_hi, strict=True)]
    own = _value(fs, x_hi)
    return OfferResult(x_hi, own, _value(hs, x_hi), True, t_hi)


def own_best(
    fs: Sequence[Piecewise], hs: Sequence[Piecewise], lo: Sequence[float], hi: Sequence[float]
) -> list[float]:
    """The proposer's favourite deal within the bounds, ties broken toward the other side."""
    x, _ = _solve(hs, fs, THETA_OWN, lo, hi)
    return x
