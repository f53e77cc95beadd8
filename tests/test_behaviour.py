"""Behavioural tests: the properties DESIGN.md asks of the model, on small seeded ensembles.

Each test compares two ensembles that differ in one parameter and checks that the outcome moves
the way the literature says (Putnam 1988, Schelling 1960, Faratin et al. 1998, Roth et al.
1988). The seeds are fixed, so the tests are deterministic; the margins are wide enough that
they do not hinge on a lucky seed.
"""

from __future__ import annotations

import statistics

import pytest

import sim

SEEDS = range(40)
FARM = ("grain", "dairy")


@pytest.fixture(scope="module")
def classroom() -> sim.Scenario:
    return sim.load_scenario("classroom")


@pytest.fixture(scope="module")
def usjapan() -> sim.Scenario:
    return sim.load_scenario("usjapan_2019")


def ensemble(scenario: sim.Scenario, overrides: dict | None = None) -> list[sim.Outcome]:
    sc = sim.with_overrides(scenario, overrides) if overrides else scenario
    return [sim.run(sc, seed) for seed in SEEDS]


def agreements(outcomes: list[sim.Outcome]) -> list[sim.Outcome]:
    return [o for o in outcomes if o.agreement]


def rate(outcomes: list[sim.Outcome]) -> float:
    return len(agreements(outcomes)) / len(outcomes)


def mean_step(outcomes: list[sim.Outcome]) -> float:
    return statistics.mean(o.step for o in agreements(outcomes))


def mean_concession(outcomes: list[sim.Outcome], sectors) -> float:
    return statistics.mean(sum(o.concessions[s] for s in sectors) for o in agreements(outcomes))


def test_tied_hands_strong_farm_lobby(classroom):
    """Putnam/Schelling: a stronger protectionist lobby means fewer, later deals that give
    its country better terms on its own sectors."""
    weak = ensemble(classroom, {"lobbies.farmers.strength": 0.5})
    strong = ensemble(classroom, {"lobbies.farmers.strength": 3.0})
    assert rate(strong) < rate(weak) - 0.15
    assert mean_step(strong) > mean_step(weak) + 3
    assert mean_concession(strong, FARM) < mean_concession(weak, FARM) - 0.1


def test_no_deal_before_japans_election_2019(usjapan):
    """Abe 2019: Japan does not move before the upper-house election of 2019-07-21."""
    outcomes = ensemble(usjapan)
    deals = agreements(outcomes)
    assert len(deals) >= 0.8 * len(outcomes)
    before = [o for o in deals if o.date < "2019-07-21"]
    assert len(before) <= 0.1 * len(deals)
    assert all(o.date < "2020-11-03" for o in deals)


def test_government_steps_away_before_election_and_back_after(classroom):
    """Southland's negotiator retracts farm offers as its election nears and moves after it."""
    cal_election = 19  # 2025-05-19 is week 19 of the classroom calendar
    moved = 0
    for seed in range(20):
        model = sim.NegotiationModel(classroom, rng=seed)
        model.run()
        ts = model.time_series()
        farm = ts["offer.southland.grain"] + ts["offer.southland.dairy"]
        zone = ts["zone"]
        before = farm.loc[cal_election - 4 : cal_election].max()
        after = farm.loc[cal_election + 1 :].max()
        if after > before + 0.05 and not zone.loc[cal_election - 4 : cal_election].any():
            moved += 1
    assert moved >= 15


def test_moving_the_election_moves_the_deal(classroom):
    early = ensemble(classroom)
    late = ensemble(classroom, {"parties.southland.elections.general.date": "2025-09-08"})
    assert mean_step(late) > mean_step(early) + 5


def test_deals_cluster_before_deadlines_more_for_tough_negotiators(classroom):
    """Roth, Murnighan & Schoumaker (1988): agreements bunch up just before deadlines."""
    deadlines = (29, 42)  # the leaders' summit and the hard deadline, in weeks

    def share_near_deadline(outcomes):
        deals = agreements(outcomes)
        near = [o for o in deals if any(d - 3 <= o.step <= d for d in deadlines)]
        return len(near) / len(deals)

    tough = ensemble(classroom, {"parties.northland.tactic.beta": 0.3,
                                 "parties.southland.tactic.beta": 0.3})
    soft = ensemble(classroom, {"parties.northland.tactic.beta": 3.0,
                                "parties.southland.tactic.beta": 3.0})
    assert share_near_deadline(tough) > share_near_deadline(soft) + 0.2
    assert share_near_deadline(ensemble(classroom)) > 0.5


def test_boulware_gains_over_conceder(usjapan):
    """Faratin et al. (1998): a Boulware negotiator concedes late and gains more."""
    boulware = ensemble(usjapan, {"parties.united_states.tactic.beta": 0.2})
    conceder = ensemble(usjapan, {"parties.united_states.tactic.beta": 2.0})
    gain = lambda outs: statistics.mean(o.gains["united_states"] for o in agreements(outs))  # noqa: E731
    assert gain(boulware) > gain(conceder)
    farm = ("rice", "wheat", "dairy", "beef", "pork")
    jp_tough = ensemble(usjapan, {"parties.japan.tactic.beta": 0.2})
    jp_soft = ensemble(usjapan, {"parties.japan.tactic.beta": 2.0})
    assert mean_concession(jp_tough, farm) < mean_concession(jp_soft, farm)
