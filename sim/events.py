"""Scheduled events: which parameters an event may change, and the range each is held in.

One table says both, so the schema's check ("may an event change this?") and the model's
application ("set it, held within its range") cannot drift apart. An event moves a parameter
by a fixed amount; a drawn value may make it leave its range, so it is held at the edge (a
lobby's strength cannot fall below zero).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from sim.fields import MAX_LOG_SD, MAX_MAGNITUDE

if TYPE_CHECKING:
    from sim.schema import Scenario

Kind = Literal["party", "tactic", "lobby"]

M = MAX_MAGNITUDE
SETTABLE: dict[Kind, dict[str, tuple[float, float]]] = {
    # A government's attributes (agents.Government), by their scenario names.
    "party": {
        "no_deal_value": (-M, M),
        "strategic_value": (-M, M),
        "mandate_floor": (1e-9, M),
        "pressure_response": (0.0, M),
    },
    # A negotiator's tactic (agents.TradeRepresentative).
    "tactic": {"beta": (1e-6, M), "tit_for_tat": (0.0, 1.0)},
    # A lobby's attributes (agents.Lobby).
    "lobby": {
        "strength": (0.0, M),
        "base_weight": (0.0, M),
        "inertia": (0.0, 1.0 - 1e-9),
        "shock_sd": (0.0, MAX_LOG_SD),
        "outrage": (0.0, M),
    },
}
"""Kind of target -> attribute an event may change -> the range it is held in."""


@dataclass(frozen=True, slots=True)
class Target:
    """What an event's dotted path points at: a party's, a tactic's or a lobby's attribute."""

    kind: Kind
    name: str
    attribute: str

    def held(self, value: float) -> float:
        """``value`` held within the attribute's range."""
        low, high = SETTABLE[self.kind][self.attribute]
        return min(max(value, low), high)


def event_target(path: str, scenario: Scenario) -> Target | None:
    """The target of an event's parameter path, or None if an event may not change it."""
    parts = path.split(".")
    if len(parts) == 3 and parts[0] == "parties" and parts[1] in scenario.parties:
        kind, name, attribute = "party", parts[1], parts[2]
    elif len(parts) == 4 and parts[0] == "parties" and parts[2] == "tactic":
        if parts[1] not in scenario.parties:
            return None
        kind, name, attribute = "tactic", parts[1], parts[3]
    elif len(parts) == 3 and parts[0] == "lobbies" and parts[1] in scenario.lobbies:
        kind, name, attribute = "lobby", parts[1], parts[2]
    else:
        return None
    return Target(kind, name, attribute) if attribute in SETTABLE[kind] else None


def allowed_paths() -> list[str]:
    """The event paths, as a reader would write them (for messages and docs)."""
    out = [f"parties.P.{a}" for a in SETTABLE["party"]]
    out += [f"parties.P.tactic.{a}" for a in SETTABLE["tactic"]]
    return out + [f"lobbies.L.{a}" for a in SETTABLE["lobby"]]
