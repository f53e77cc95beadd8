"""What a run records each step: the time series, one declaration per column.

``timeseries.csv`` (``negsim run``), the app's views, the sweep's sampled trajectories and the
notebooks all read these columns. Each column is declared once, with the function that reads
its value, so the names and the values cannot fall out of step.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from sim.negotiation import Negotiation


def offer_distance(model: Negotiation) -> float:
    """Largest distance between two sides' latest offers, per sector (RMS)."""
    offers = [x for x in model.table.values() if x is not None]
    if len(offers) < len(model.party_names):
        return math.nan
    m = len(model.sector_names)
    worst = 0.0
    for i in range(len(offers)):
        for k in range(i + 1, len(offers)):
            d = math.sqrt(sum((a - b) ** 2 for a, b in zip(offers[i], offers[k], strict=True)) / m)
            worst = max(worst, d)
    return worst


def _own_offer_utility(model: Negotiation, party: str) -> float:
    offer = model.table[party]
    return model.governments_by_name[party].utility(offer) if offer is not None else math.nan


# The model as a whole: name -> value.
MODEL_COLUMNS: list[tuple[str, Callable[[Negotiation], Any]]] = [
    ("step", lambda m: m.t),
    ("date", lambda m: m.calendar.date_of(m.t).isoformat()),
    ("status", lambda m: m.status),
    ("zone", lambda m: m.zone),
    ("distance", offer_distance),
]

# Per party ``p``: ``NAME.p``.
PARTY_COLUMNS: list[tuple[str, Callable[[Negotiation, str], Any]]] = [
    ("salience", lambda m, p: m.salience[p]),
    ("aspiration", lambda m, p: m.representatives_by_name[p].aspiration),
    ("best", lambda m, p: m.representatives_by_name[p].best),
    ("floor", lambda m, p: m.governments_by_name[p].floor),
    ("no_deal", lambda m, p: m.governments_by_name[p].disagreement),
    ("strategic", lambda m, p: m.governments_by_name[p].strategic_value),
    ("concession", lambda m, p: m.representatives_by_name[p].concession),
    ("deadline", lambda m, p: m.representatives_by_name[p].deadline),
    ("utility_own_offer", _own_offer_utility),
]

# Per lobby ``l``: ``NAME.l``.
LOBBY_COLUMNS: list[tuple[str, Callable[[Negotiation, str], Any]]] = [
    ("pressure", lambda m, name: m.lobbies_by_name[name].pressure),
    ("dissatisfaction", lambda m, name: m.lobbies_by_name[name].dissatisfaction),
    (
        "weight",
        lambda m, name: m.governments_by_name[m.lobbies_by_name[name].country].weight_of(
            m.lobbies_by_name[name]
        ),
    ),
]


class SeriesRecorder:
    """Collects one row per step; its columns follow the declarations above.

    Each party also has ``offer.p.SECTOR`` per sector (its latest offer, NaN before its first).
    """

    def __init__(self, model: Negotiation) -> None:
        self.rows: list[list[Any]] = []
        self.columns = [name for name, _ in MODEL_COLUMNS]
        for p in model.party_names:
            self.columns += [f"{name}.{p}" for name, _ in PARTY_COLUMNS]
            self.columns += [f"offer.{p}.{s}" for s in model.sector_names]
        for lobby in model.lobbies_by_name:
            self.columns += [f"{name}.{lobby}" for name, _ in LOBBY_COLUMNS]

    def record(self, model: Negotiation) -> None:
        """Append this step's row."""
        row = [read(model) for _, read in MODEL_COLUMNS]
        nan_offer = [math.nan] * len(model.sector_names)
        for p in model.party_names:
            row += [read(model, p) for _, read in PARTY_COLUMNS]
            offer = model.table[p]
            row += offer if offer is not None else nan_offer
        for lobby in model.lobbies_by_name:
            row += [read(model, lobby) for _, read in LOBBY_COLUMNS]
        self.rows.append(row)

    def frame(self) -> pd.DataFrame:
        """The rows as a pandas DataFrame indexed by step."""
        import pandas as pd

        return pd.DataFrame(self.rows, columns=self.columns).set_index("step")
