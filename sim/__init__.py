"""negsim: an agent-based simulator of two-level trade negotiations under election deadlines.

The public API::

    import sim
    scenario = sim.load_scenario("usjapan_2019", overrides={"lobbies.ja_zenchu.strength": 2})
    outcome = sim.run(scenario, seed=1)            # an Outcome, as in summary.json
    model = sim.NegotiationModel(scenario, rng=1)  # a Mesa Model, to step by hand
"""

from sim.errors import ScenarioError
from sim.model import NegotiationModel, RunFinished, run
from sim.outcome import Outcome
from sim.scenario import Scenario, load_scenario, with_overrides

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
