"""The hand-inlined fast paths of the agents equal their plain versions, at every step.

``Government.update_mandate`` rebuilds the utilities in place over a precomputed plan, and
``Lobby.felt`` inlines ``dissatisfaction_with``: both run every step, so they were written for
speed. These tests hold them to the slow, obvious versions over whole runs.
"""

from __future__ import annotations

import pytest

import sim
from sim.model import NegotiationModel


@pytest.mark.parametrize("name", ["classroom", "usjapan_2019", "tests/fixtures/three_party.yaml"])
def test_the_in_place_mandate_equals_a_rebuilt_one(name):
    scenario = sim.load_scenario(name)
    checked = 0
    for seed in range(4):
        model = NegotiationModel(scenario, rng=seed, collect=False)
        while model.running:
            model.step()
            for gov in model.governments_by_name.values():
                weights = [gov.mandate_weight_of(lobby) for lobby in gov.lobbies]
                slow = gov._utilities_with(weights)
                for fast, plain in zip(gov.sector_utilities, slow, strict=True):
                    for attr in ("c", "p", "q"):
                        assert getattr(fast, attr) == pytest.approx(getattr(plain, attr), abs=1e-12)
                checked += 1
    assert checked > 50


@pytest.mark.parametrize("name", ["classroom", "usjapan_2019"])
def test_what_a_lobby_feels_equals_its_dissatisfaction(name):
    scenario = sim.load_scenario(name)
    for seed in range(4):
        model = NegotiationModel(scenario, rng=seed, collect=False)
        while model.running:
            model.step()
            for lobby in model.lobbies_by_name.values():
                for party, x in model.table.items():
                    if x is not None:
                        d, crosses = lobby.felt(party, x)
                        assert d == pytest.approx(lobby.dissatisfaction_with(x), abs=1e-12)
                        assert crosses == lobby.crosses_red_line(x, model.tol)
