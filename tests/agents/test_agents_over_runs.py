"""The agents' rules over whole runs: what must hold at every step, whatever the seed."""

from __future__ import annotations

import math

import pytest

import sim
from sim.model import NegotiationModel

SCENARIOS = ("classroom", "usjapan_2019", "usjapan_2015")


@pytest.mark.parametrize("name", SCENARIOS)
def test_a_concession_once_made_is_never_undone(name):
    # The deadline may move back and forth; the tactic's concession never falls (without
    # tit-for-tat, the only way to retract is a tighter mandate).
    for seed in range(15):
        model = NegotiationModel(name, rng=seed)
        model.run()
        series = model.time_series()
        for p in model.party_names:
            f = series[f"concession.{p}"].to_numpy()
            assert (f[1:] >= f[:-1] - 1e-12).all(), (name, seed, p)


@pytest.mark.parametrize("name", SCENARIOS)
def test_no_negotiator_offers_less_than_it_holds(name):
    for seed in range(10):
        model = NegotiationModel(name, rng=seed, collect=False)
        while model.running:
            before = {p: x for p, x in model.table.items() if x is not None}
            model.step()
            for party, offer in model.tabled:
                gov = model.governments_by_name[party]
                held = [gov.utility(x) for p, x in before.items() if p != party]
                rep = model.representatives_by_name[party]
                if held and rep.best >= max(held):
                    assert gov.utility(offer) >= max(held) - 1e-6


def test_what_a_rejection_teaches_never_exceeds_the_truth():
    # A government learns a lower bound on its ratifier's multiplier: bounded tightening.
    scenario = sim.load_scenario(
        "usjapan_2019",
        {"parties.japan.ratifier.bias_sd": 1.0, "protocol.collapse_probability": 0.0},
    )
    learned = 0
    for seed in range(30):
        model = NegotiationModel(scenario, rng=seed, collect=False)
        model.run()
        for gov in model.governments_by_name.values():
            if gov.last_rejection_step is not None:
                learned += 1
                assert gov.learned_multiplier <= gov.ratifier_lobby_weight + 1e-9
                assert gov.mandate_floor < 10  # the old ratchet reached 19
    assert learned >= 3


def test_negotiators_meet_on_the_same_days_whatever_the_step():
    counts = set()
    for step_days in (1, 3, 7):
        model = NegotiationModel(
            sim.load_scenario("classroom", {"calendar.step_days": step_days}), rng=0
        )
        for step, k in model.rounds.items():  # round k is held on day 7k, in the step holding it
            assert step * step_days <= 7 * k < (step + 1) * step_days
        counts.add(len(model.rounds))
    assert len(counts) == 1


def test_rounds_cannot_be_more_frequent_than_steps():
    with pytest.raises(sim.ScenarioError, match="round_days"):
        sim.load_scenario("classroom", {"calendar.step_days": 14, "protocol.round_days": 7})


def test_a_lobby_presses_on_its_own_governments_offer_more_than_on_foreign_demands():
    base = {"lobbies.farmers.shock_sd": 0.0, "lobbies.farmers.inertia": 0.0}
    model = NegotiationModel(sim.load_scenario("classroom", base), rng=0, collect=False)
    lobby = model.lobbies_by_name["farmers"]
    generous = [1.0, 1.0, 0.0]  # grain, dairy opened; cars not
    model.salience = {p: 1.0 for p in model.party_names}
    model.step_weeks = 1.0
    model.table = {"northland": generous, "southland": None}
    lobby.update_pressure()
    foreign = lobby.pressure
    model.table = {"northland": None, "southland": list(generous)}
    lobby.update_pressure()
    own = lobby.pressure
    assert own == pytest.approx(2 * foreign) and foreign > 0  # foreign_offer_weight 0.5


def test_simultaneous_offers_make_the_first_proposer_irrelevant():
    a = sim.load_scenario("classroom", {"protocol.first_proposer": "northland"})
    b = sim.load_scenario("classroom", {"protocol.first_proposer": "southland"})
    for seed in range(5):
        assert sim.run(a, seed) == sim.run(b, seed)


def test_with_alternating_offers_the_proposer_matters_and_runs_still_finish():
    outcomes = [
        sim.run(
            sim.load_scenario(
                "classroom", {"protocol.offers": "alternating", "protocol.first_proposer": p}
            ),
            3,
        )
        for p in ("northland", "southland")
    ]
    assert all(o.ended in {"agreement", "breakdown", "horizon"} for o in outcomes)
    assert all(math.isfinite(v) for o in outcomes for v in o.gains.values())
