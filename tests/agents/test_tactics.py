"""Every concession tactic passes the same invariant tests (as Axelrod's strategies do)."""

from __future__ import annotations

import copy
import itertools
import pickle
from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import sim
from agents.tactics import TACTICS, Hardliner, RelativeTitForTat, TimeDependent, tactic_for

NEGOTIATOR = SimpleNamespace(concession=0.0, their_concession=lambda: 0.0)

TACTIC_MAKERS = {
    "boulware": lambda: TimeDependent(0.2),
    "linear": lambda: TimeDependent(1.0),
    "conceder": lambda: TimeDependent(2.0),
    "hardliner": lambda: Hardliner(),
    "tit_for_tat": lambda: RelativeTitForTat(TimeDependent(1.0), 0.5),
}


def path(tactic, deadlines):
    return [tactic.concede(NEGOTIATOR, float(t), float(d)) for t, d in enumerate(deadlines)]


@pytest.fixture(params=list(TACTIC_MAKERS))
def make(request):
    return TACTIC_MAKERS[request.param]


@settings(max_examples=40, deadline=None)
@given(deadlines=st.lists(st.integers(1, 60), min_size=1, max_size=60))
def test_concessions_stay_in_the_unit_interval_and_never_fall(deadlines):
    for make in TACTIC_MAKERS.values():
        f = path(make(), deadlines)
        assert all(0.0 <= v <= 1.0 for v in f)
        if not isinstance(make(), RelativeTitForTat):  # reciprocity may answer a retraction
            assert all(b >= a for a, b in itertools.pairwise(f))


def test_everything_is_conceded_by_the_deadline(make):
    # Reciprocity at weight 0.5 against a side that never moves keeps half of it back.
    expected = 0.5 if make is TACTIC_MAKERS["tit_for_tat"] else 1.0
    assert path(make(), [10] * 11)[-1] == pytest.approx(expected)


def test_a_copy_or_a_pickle_concedes_the_same(make):
    tactic = make()
    deadlines = [30] * 12 + [20] * 8
    a, b = copy.deepcopy(tactic), pickle.loads(pickle.dumps(tactic))
    assert path(a, deadlines) == path(b, deadlines) == path(make(), deadlines)


def test_boulware_concedes_later_than_conceder():
    early = path(TimeDependent(2.0), [40] * 20)
    late = path(TimeDependent(0.2), [40] * 20)
    assert all(b <= a for a, b in zip(early, late, strict=True))
    assert late[10] < 0.01 < early[10]


def test_a_hardliner_concedes_nothing_before_its_deadline():
    assert path(Hardliner(0.1), [10] * 11) == [0.1] * 10 + [1.0]


def test_every_kind_the_schema_names_has_a_tactic():
    from sim.schema import TacticSpec

    names = TacticSpec.model_fields["kind"].annotation.__args__
    assert set(names) == set(TACTICS)
    for name in names:
        assert isinstance(tactic_for(TacticSpec(kind=name)), RelativeTitForTat)


def test_a_hardliner_negotiator_runs_in_a_scenario():
    scenario = sim.load_scenario("classroom", {"parties.northland.tactic.kind": "hardliner"})
    outcome = sim.run(scenario, 1)
    assert outcome.ended in {"agreement", "breakdown", "horizon"}
