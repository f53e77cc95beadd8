"""Random instances shared by the tests: per-sector utilities of two or more sides.

Each sector has one importer (who loses from liberalising, linearly, maybe with lobby terms
that make its utility kinked at references) and exporters (concave gains), built only from
``economic_term`` and ``dissatisfaction_term`` so that they look like the model's.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from sim.utility import (
    LIBERALISATION,
    PROTECTION,
    Piecewise,
    dissatisfaction_term,
    economic_term,
    sector_breaks,
    total,
)


def value(us: Sequence[Piecewise], x: Sequence[float]) -> float:
    return total(us, [float(v) for v in x])


def random_sides(
    rng: np.random.Generator,
    m: int,
    n: int = 2,
    *,
    linear_only: bool = False,
    lobbies: bool = True,
) -> list[list[Piecewise]]:
    """``n`` sides' per-sector utilities over ``m`` sectors (lists indexed [side][sector])."""
    sides: list[list[Piecewise]] = [[] for _ in range(n)]
    for _ in range(m):
        refs = [float(rng.uniform(0.05, 0.95)) for _ in range(int(rng.integers(0, 3)))]
        breaks = sector_breaks(refs)
        importer = int(rng.integers(n))
        for k in range(n):
            if k == importer:
                lin = -float(rng.uniform(0.05, 1.0))
                quad = 0.0 if linear_only or rng.random() < 0.5 else -float(rng.uniform(0, 0.3))
            else:
                lin = float(rng.uniform(0.2, 1.5))
                quad = 0.0 if linear_only else -float(rng.uniform(0.05, 0.5))
            u = economic_term(breaks, lin, quad)
            if lobbies and rng.random() < 0.6:
                ref = refs[int(rng.integers(len(refs)))] if refs and rng.random() < 0.7 else 0.0
                term = dissatisfaction_term(
                    breaks,
                    wants=PROTECTION if k == importer else LIBERALISATION,
                    reference=ref,
                    stake=float(rng.uniform(0.1, 1.0)),
                    loss_aversion=float(rng.uniform(1.0, 3.0)),
                    convexity=0.0 if linear_only else float(rng.uniform(0.0, 1.5)),
                )
                u.add_scaled(term, -float(rng.uniform(0.1, 1.5)))
            sides[k].append(u)
    return sides


def random_bounds(
    rng: np.random.Generator, m: int, p: float = 0.5
) -> tuple[list[float], list[float]]:
    """Bounds per sector: [0, 1] or, with probability p, a random sub-interval."""
    lo, hi = [], []
    for _ in range(m):
        if rng.random() < p:
            a, b = sorted(float(v) for v in rng.uniform(0.0, 1.0, 2))
            lo.append(a)
            hi.append(b)
        else:
            lo.append(0.0)
            hi.append(1.0)
    return lo, hi
