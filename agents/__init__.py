"""The agents of negsim: lobbies, governments and trade representatives (Mesa agents)."""

from agents.government import Government
from agents.lobby import Lobby
from agents.representative import TradeRepresentative

__all__ = ["Government", "Lobby", "TradeRepresentative"]
