"""The offer search: the best deal for the other side among those that give me enough.

A representative offers ``argmax_x H(x)  s.t.  F(x) >= A,  lo <= x <= hi`` where ``F`` is its own
government's utility, ``H`` its model of the other side's and ``A`` its aspiration. Both are
sums of concave per-sector functions, so the problem is separable with one coupling
constraint. Its Lagrangian ``H + lam * F`` splits into one-dimensional concave problems, each
solved in closed form on the sector's piecewise-quadratic segments (``sector_argmax``). The
multiplier is found by a 1-D root search on ``theta = lam / (1 + lam)`` in [0, 1]
(safeguarded Newton with the analytic ``dF/dtheta``, Halley with ``d2F/dtheta2`` where every
sector's bounds hold one segment, warm-started from the last step); a
bracket left open is closed by interpolating between its two ends, which by concavity of ``F``
still meets the aspiration.
No general-purpose optimiser runs in the per-step loop: every search is closed-form per sector.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from sim.single_segment import (
    Plan,
    Single,
    compile_planned,
    compile_single,
    plateau_edge,
    solve_single,
    value_other,
)
from sim.utility import Piecewise, total

THETA_OWN = 1.0 - 1e-9  # "only my own utility", with ties broken toward the other side


class OfferResult:
    """What the search found.

    Attributes:
        x: The offer, one value in [0, 1] per sector.
        own: Proposer's utility ``F(x)``.
        other: ``H(x)``, the (modelled) utility of the other side(s); on a one-segment problem
            summed when first read (a negotiator's own offer search never reads it).
        feasible: False when even the proposer's best deal falls short of ``A``.
        theta: Final weight on ``F``; a good warm start for the next search.

    """

    __slots__ = ("_flat", "_other", "feasible", "own", "theta", "x")

    def __init__(
        self,
        x: list[float],
        own: float,
        other: float | None,
        feasible: bool,
        theta: float,
        flat: Sequence[Single] | None = None,
    ) -> None:
        self.x, self.own, self.feasible, self.theta = x, own, feasible, theta
        self._other, self._flat = other, flat

    @property
    def other(self) -> float:
        """``H(x)``, summed on first reading when the search left it for later."""
        if self._other is None:
            assert self._flat is not None
            self._other = value_other(self._flat, self.x)
        return self._other

    def __repr__(self) -> str:
        return (
            f"OfferResult(x={self.x!r}, own={self.own!r}, other={self.other!r}, "
            f"feasible={self.feasible!r}, theta={self.theta!r})"
        )


def sector_argmax(
    h: Piecewise, f: Piecewise, wh: float, wf: float, lo: float, hi: float
) -> tuple[float, int, float]:
    """Maximise ``wh * h(x) + wf * f(x)`` over ``[lo, hi]``.

    The derivative is non-increasing (concavity), so the optimum is the first point, scanning
    segments from the left, where it turns non-positive.

    Returns:
        ``x``, its segment, and the objective's second derivative there when ``x`` is an
        interior stationary point (0.0 at a bound or a kink, where ``x`` does not move with
        the weights).

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
            return b, i, 0.0
        if p + q2 * a <= 0.0:
            return a, i, 0.0
        return -p / q2, i, q2
    return hi, last, 0.0


Segment = tuple[float, float, bool, float, float, float, float, float, float]
"""One segment of one sector, clipped to the sector's bounds: ``(lo, hi, last, hc, hp, hq, fc,
fp, fq)``, with the coefficients of ``h`` and ``f`` on it."""


def compile_problem(
    hs: Sequence[Piecewise],
    fs: Sequence[Piecewise],
    lo: Sequence[float],
    hi: Sequence[float],
    h_scale: Sequence[float] | None = None,
) -> list[tuple[Segment, ...]]:
    """Per sector, the segments inside its bounds as plain tuples.

    A search solves the same problem for many weights; clipping the segments and reading the
    coefficients once makes each of those solves a scan over a few tuples (the model's hot
    path). ``h_scale`` multiplies ``h`` sector by sector (a negotiator's noisy model of the
    other side's priorities) without building the scaled functions.
    """
    problem = []
    scales = h_scale if h_scale is not None else [1.0] * len(hs)
    for h, f, a, b, w in zip(hs, fs, lo, hi, scales, strict=True):
        breaks = h.breaks
        hc, hp, hq, fc, fp, fq = h.c, h.p, h.q, f.c, f.p, f.q
        n = len(hp)
        if n == 1:  # one segment (no lobby reference inside the sector): the common case
            left, right = breaks[0], breaks[1]
            s_lo = a if left < a else left
            s_hi = b if right > b else right
            problem.append(
                ((s_lo, s_hi, True, w * hc[0], w * hp[0], w * hq[0], fc[0], fp[0], fq[0]),)
            )
            continue
        segments = []
        for k in range(n):
            right = breaks[k + 1]
            if right < a:
                continue
            left = breaks[k]
            last = right >= b or k == n - 1
            segments.append(
                (
                    a if left < a else left,
                    b if right > b else right,
                    last,
                    w * hc[k],
                    w * hp[k],
                    w * hq[k],
                    fc[k],
                    fp[k],
                    fq[k],
                )
            )
            if last:
                break
        problem.append(tuple(segments))
    return problem


def solve(
    problem: Sequence[tuple[Segment, ...]], theta: float
) -> tuple[list[float], float, float, float]:
    """Per-sector optimum ``x`` of ``(1 - theta) H + theta F``, with F, H and ``dF/dtheta``.

    ``dF/dtheta`` is for Newton steps on ``theta``. Each sector's objective is concave with a
    non-increasing derivative, so its optimum is on the first segment, scanning from the left,
    where the derivative turns non-positive. At an interior optimum
    ``(1 - theta) h' + theta f' = 0``, so ``dx/dtheta = -f'(x) / ((1 - theta) q2)`` with
    ``q2 < 0`` the objective's curvature; sectors at a bound or kink do not move.
    """
    wh = 1.0 - theta
    xs: list[float] = []
    append = xs.append
    own = other = slope = 0.0
    x = fc = fp = fq = hc = hp = hq = 0.0
    for segments in problem:
        # The loop stops on the optimum's segment, whose coefficients are used after it.
        for s_lo, s_hi, last, hc, hp, hq, fc, fp, fq in segments:  # noqa: B007
            p = wh * hp + theta * fp
            q2 = 2.0 * (wh * hq + theta * fq)
            d_hi = p + q2 * s_hi
            if d_hi > 0.0 and not last:
                continue
            if d_hi >= 0.0:
                x = s_hi
            elif p + q2 * s_lo <= 0.0:
                x = s_lo
            else:
                x = -p / q2
                if wh > 0.0:
                    d = fp + 2.0 * fq * x
                    slope -= d * d / (wh * q2)
            break
        append(x)
        own += fc + x * (fp + fq * x)
        other += hc + x * (hp + hq * x)
    return xs, own, other, slope


def solve_at(
    hs: Sequence[Piecewise],
    fs: Sequence[Piecewise],
    theta: float,
    lo: Sequence[float],
    hi: Sequence[float],
) -> tuple[list[float], float]:
    """One solve without a compiled problem: the optimum ``x`` and ``F(x)``."""
    x, f, _, _ = solve(compile_problem(hs, fs, lo, hi), theta)
    return x, f


def _scaled_value(us: Sequence[Piecewise], scale: Sequence[float], x: Sequence[float]) -> float:
    s = 0.0
    for u, w, v in zip(us, scale, x, strict=True):
        s += w * u(v)
    return s


def best_offer(
    hs: Sequence[Piecewise],
    fs: Sequence[Piecewise],
    aspiration: float,
    lo: Sequence[float],
    hi: Sequence[float],
    *,
    theta0: float | None = None,
    tol: float = 1e-9,
    max_iter: int = 80,
    h_scale: Sequence[float] | None = None,
    plan: Plan | None = None,
) -> OfferResult:
    """The offer that is best for the other side among those worth ``aspiration`` to me.

    Safeguarded Newton on ``theta``: Newton steps (Halley's, with the curvature, on a
    one-segment problem; a jump to the edge of a plateau, where nothing moves with ``theta``)
    from ``theta0`` (last step's multiplier, as
    aspirations move little from one step to the next), falling back to regula falsi or
    bisection inside the bracket whenever a step would leave it.

    Args:
        hs: Per-sector utility of the other side(s), as the proposer models it.
        fs: Per-sector utility of the proposer's government (without constant terms such as
            the strategic value: pass ``aspiration`` net of them).
        aspiration: Level ``A`` that ``F(x)`` must reach.
        lo: Lower bounds per sector (red lines), in [0, 1].
        hi: Upper bounds per sector, ``lo <= hi``.
        theta0: Last search's ``theta`` (warm start), or None.
        tol: Absolute slack accepted above ``A``.
        max_iter: Cap on iterations (bisection alone needs about 45).
        h_scale: Per-sector factors on ``hs`` (None: as given).
        plan: ``segment_plan`` of these bounds on the utilities' breakpoints, when the caller
            knows it (a model works it out once a run); None: worked out here.

    Returns:
        The offer. When ``A`` is out of reach, the proposer's own best deal with
        ``feasible=False``; when the other side's favourite already meets ``A``, that one.

    """
    if plan is not None:
        flat = compile_planned(hs, fs, plan, h_scale)
    else:
        flat = compile_single(hs, fs, lo, hi, h_scale)
    problem = compile_problem(hs, fs, lo, hi, h_scale) if flat is None else []
    t_lo, t_hi = 0.0, THETA_OWN
    x_lo: list[float] | None = None
    x_hi: list[float] | None = None
    g_lo = g_hi = f_hi = 0.0
    h_hi: float | None = None
    s_lo = s_hi = 0.0  # dF/dtheta at the bracket's ends (0 on a plateau)
    t = theta0 if theta0 is not None and 0.0 < theta0 < THETA_OWN else 0.5
    reach = 0.05  # first stride when no Newton step can bracket the root
    # |g| and the bracket's width two iterations back, one back and now (inf: not yet).
    r2 = r1 = r0 = w2 = w1 = w0 = math.inf
    h: float | None = None  # H, left for the end when the problem is one segment a sector
    for _ in range(max_iter):
        if flat is not None:
            x, f, slope, curvature = solve_single(flat, t)
        else:
            x, f, h, slope = solve(problem, t)
            curvature = 0.0
        g = f - aspiration
        if slope == 0.0 and flat is not None and not -tol <= g <= tol:
            # On a plateau (every sector at a bound): go straight to its edge, where F starts
            # to move toward A, and take Newton's step from there.
            edge = plateau_edge(flat, t, g > tol)
            if edge is not None and t_lo < edge[0] < t_hi and edge[1] > 0.0:
                t, slope = edge
        if g >= -tol:  # meets A up to the tolerance every comparison uses
            t_hi, x_hi, g_hi, s_hi, f_hi, h_hi = t, x, g, slope, f, h
            if g <= tol or t == 0.0:
                break
        else:
            t_lo, x_lo, g_lo, s_lo = t, x, g, slope
            if t == THETA_OWN:
                return OfferResult(x, f, h, False, THETA_OWN, flat)
        r2, r1, r0 = r1, r0, abs(g)
        w2, w1, w0 = w1, w0, t_hi - t_lo
        bracketed = x_lo is not None and x_hi is not None
        if bracketed and t_hi - t_lo < 1e-12:
            break  # a jump of F across A: the closing interpolation below lands on A
        # Newton is trusted while it halves the residual or the bracket every two steps (it
        # does where F is smooth); at a kink, jump or plateau it may bounce, and bisection
        # takes over.
        stalled = r0 > 0.5 * r2 and w0 > 0.5 * w2
        if slope > 0.0:
            # Halley's step where the curvature is known and modest, Newton's otherwise.
            bend = 0.5 * g * curvature / (slope * slope)
            newton = t - g / (slope * (1.0 - bend)) if -0.5 < bend < 0.5 else t - g / slope
        else:
            newton = -1.0
        if not t_lo < newton < t_hi:
            # On a plateau (no sector moves with theta) Newton from the other end of the
            # bracket still points at the root, which lies where F rises.
            if g >= -tol and s_lo > 0.0 and x_lo is not None:
                newton = t_lo - g_lo / s_lo
            elif g < -tol and s_hi > 0.0 and x_hi is not None:
                newton = t_hi - g_hi / s_hi
        if bracketed and stalled:
            t = 0.5 * (t_lo + t_hi)
        elif t_lo < newton < t_hi:
            t = newton
        elif bracketed:
            t = 0.5 * (t_lo + t_hi)
        elif x_hi is None:  # every point so far falls short: more weight on my utility
            t = min(t + reach, THETA_OWN)
            reach *= 4.0
        else:  # every point so far meets A: more weight on theirs
            t = max(t - reach, 0.0)
            reach *= 4.0
    assert x_hi is not None
    if g_hi > tol and x_lo is not None:
        # Close the bracket on the segment between its ends: F is concave, so the point where
        # the linear interpolation of F reaches A has F >= A.
        g_lo_true = total(fs, x_lo) - aspiration
        g_hi_true = total(fs, x_hi) - aspiration
        w = -g_lo_true / (g_hi_true - g_lo_true) if g_hi_true > g_lo_true else 1.0
        x_hi = [a + w * (b - a) for a, b in zip(x_lo, x_hi, strict=True)]
        f_hi = total(fs, x_hi)
        h_hi = total(hs, x_hi) if h_scale is None else _scaled_value(hs, h_scale, x_hi)
    # On a one-segment problem H is left for OfferResult to sum if it is ever read.
    return OfferResult(x_hi, f_hi, h_hi, True, t_hi, flat)


def best_value(fs: Sequence[Piecewise], lo: Sequence[float], hi: Sequence[float]) -> float:
    """The most ``sum_j f_j(x_j)`` can reach within the bounds: the sum of sector maxima.

    The problem is separable, so no multiplier is needed; this is the top of a negotiator's
    aspiration range, recomputed every step.
    """
    best = 0.0
    for f, a, b in zip(fs, lo, hi, strict=True):
        # sector_argmax(f, f, 0.0, 1.0, a, b), specialised to one function: it runs for every
        # negotiator every step.
        breaks, fc, fp, fq = f.breaks, f.c, f.p, f.q
        last = len(fp) - 1
        x, i = b, last
        for k in range(last + 1):
            right = breaks[k + 1]
            if right < a:
                continue
            left = breaks[k]
            s_lo = a if left < a else left
            s_hi = b if right > b else right
            p = fp[k]
            q2 = 2.0 * fq[k]
            if p + q2 * s_hi > 0.0 and s_hi < b:
                continue
            i = k
            if p + q2 * s_hi >= 0.0:
                x = s_hi
            elif p + q2 * s_lo <= 0.0:
                x = s_lo
            else:
                x = -p / q2
            break
        best += fc[i] + x * (fp[i] + fq[i] * x)
    return best


def own_best(
    fs: Sequence[Piecewise], hs: Sequence[Piecewise], lo: Sequence[float], hi: Sequence[float]
) -> list[float]:
    """The proposer's favourite deal within the bounds, ties broken toward the other side."""
    x, _ = solve_at(hs, fs, THETA_OWN, lo, hi)
    return x
