"""negsim: an agent-based simulator of two-level trade negotiations under election deadlines.

The public API::

    import sim
    scenario = sim.load_scenario("usjapan_2019", overrides={"lobbies.ja_zenchu.strength": 2})
    outcome = sim.run(scenario, seed=1)            # an Outcome, as in summary.json
    model = sim.NegotiationModel(scenario, rng=1)  # a Mesa Model, to step by hand
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sim.errors import ScenarioError

if TYPE_CHECKING:
    from sim.model import NegotiationModel, RunFinished, run
    from sim.outcome import Outcome
    from sim.scenario import Scenario, load_scenario, with_overrides

# The public names load on first use (PEP 562): ``negsim --version`` or a Ctrl-C at start-up
# do not wait for Mesa, numpy and pydantic to import.
_LAZY = {
    "NegotiationModel": "sim.model",
    "RunFinished": "sim.model",
    "run": "sim.model",
    "Outcome": "sim.outcome",
    "Scenario": "sim.scenario",
    "load_scenario": "sim.scenario",
    "with_overrides": "sim.scenario",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'sim' has no attribute {name!r}")

__all__ = [
    "NegotiationModel",
    "Outcome",
    "RunFinished",
    "Scenario",
    "ScenarioError",
    "load_scenario",
    "run",
    "with_overrides",
]

__version__ = "0.1.0"
