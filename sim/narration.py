"""The plain-language event log of a run: what a teacher or a reader would want told.

Only words: nothing here changes the run. The model calls these at the points of its step
where something worth telling happens (``NegotiationModel.say`` appends to ``model.log``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sim.negotiation import Negotiation

MOVE = 0.02
"""A move of more than this in a sector, away from agreement, is told as a retraction."""


def narrate_pressure(model: Negotiation) -> None:
    """Elections passing, and lobbies pressing harder as one nears.

    A lobby's pressure is told when it passes 1.5 times the level last told
    (``model.narrated_pressure``, which starts at each lobby's opening pressure, at least 0.05).
    """
    voted = set()
    t = model.t
    for p, elections in model.elections.items():
        for t_e, _, _ in elections:
            if t - 1 < t_e <= t:
                voted.add(p)
                model.say(f"{model.label(p)} votes: trade falls back to its usual salience")
    narrated = model.narrated_pressure
    salience = model.salience
    for name, lobby in model.lobbies_by_name.items():
        if lobby.pressure > 1.5 * narrated[name]:
            nearing = salience[lobby.country] > 1.5 and lobby.country not in voted
            if nearing:
                narrated[name] = lobby.pressure
                model.say(f"{lobby.label} presses harder as the election nears")


def narrate_offer(
    model: Negotiation, party: str, previous: Sequence[float], offer: Sequence[float]
) -> None:
    """A negotiator pulling back its own opening, or asking more of the other side."""
    pulled, hardened = [], []
    for sector, before, now in zip(model.sector_names, previous, offer, strict=True):
        if -MOVE <= now - before <= MOVE:  # no move worth telling (most sectors, most rounds)
            continue
        spec = model.spec.sectors[sector]
        if spec.importer == party:
            if before - now > MOVE:
                pulled.append(spec.label.lower())
        elif now - before > MOVE:
            hardened.append(spec.label.lower())
    who = model.representatives_by_name[party].negotiator
    if pulled:
        model.say(f"{who} pulls back its offer on {', '.join(pulled)}")
    if hardened:
        model.say(f"{who} asks for more on {', '.join(hardened)}")
