"""Hostile sweep specs: bounded before anything is allocated, and every design point valid.

A spec may not ask for more than the limits in ``sim.sweep.spec`` (checked by arithmetic, so a
grid of 10^10 points is refused in milliseconds without a ``MemoryError``); every design point
must be a scenario ``negsim run`` accepts, checked across blocks (a property test compares the
fast, cached check with checking every point in full); and whatever a spec file holds, loading
it gives a plan or one ``ScenarioError``, never another exception.
"""

from __future__ import annotations

import itertools
import tempfile
import tracemalloc
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.cli import main
from sim.errors import ScenarioError
from sim.scenario import load_scenario, with_overrides
from sim.sweep import SweepSpec, load_spec
from sim.sweep.points import PointChecker
from sim.sweep.spec import (
    MAX_POINTS,
    MAX_RUNS,
    MAX_TIMESERIES_RUNS,
    MIN_SOBOL_SAMPLES,
    OUTCOME_GROUPS,
)

CONFIGS = Path(__file__).resolve().parents[2] / "configs"
CLASSROOM = str(CONFIGS / "classroom.yaml")
FLOATS = [
    "lobbies.farmers.strength",
    "lobbies.carmakers.strength",
    "parties.northland.tactic.beta",
    "parties.southland.tactic.beta",
    "parties.northland.mandate_floor",
    "parties.southland.mandate_floor",
    "parties.northland.pressure_response",
    "parties.southland.pressure_response",
    "parties.northland.perception_noise",
    "parties.southland.perception_noise",
]


def spec_file(folder: Path, data: dict[str, Any], name: str = "spec.yaml") -> Path:
    path = folder / name
    path.write_text(yaml.safe_dump({"scenario": CLASSROOM, **data}))
    return path


def refused(path: Path) -> str:
    with pytest.raises(ScenarioError) as info:
        load_spec(path)
    message = str(info.value)
    assert "\n" not in message and len(message) < 800
    return message


# -- resource limits ----------------------------------------------------------------------


BIG = [
    ({"parameters": {p: [0.5, 1, 1.5, 2, 2.5, 3, 3.5, 4, 4.5, 5] for p in FLOATS}},
     f"at most {MAX_POINTS:,}"),
    ({"design": "lhs", "samples": 10**9, "parameters": {FLOATS[0]: {"low": 1, "high": 2}}},
     "less than or equal"),
    ({"replicates": 10**9, "parameters": {FLOATS[0]: [1]}}, "less than or equal"),
    ({"replicates": 20_000, "parameters": {FLOATS[0]: list(range(1, 1001))}},
     f"20,000,000 runs; at most {MAX_RUNS:,}"),
    ({"design": "sobol", "samples": 2**19,
      "parameters": {p: {"low": 1, "high": 2} for p in FLOATS[:4]}}, f"at most {MAX_POINTS:,}"),
    ({"timeseries": {"runs": 10**6}, "parameters": {FLOATS[0]: [1]}}, "less than or equal"),
    ({"seed": 2**70, "parameters": {FLOATS[0]: [1]}}, "less than or equal"),
]  # fmt: skip


@pytest.mark.parametrize(("data", "expected"), BIG)
def test_oversized_specs_are_refused_before_anything_is_allocated(tmp_path, data, expected):
    path = spec_file(tmp_path, data)
    tracemalloc.start()
    try:
        message = refused(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert expected in message
    assert peak < 30e6  # refused by arithmetic on the spec, before any point is made


def test_limits_are_generous_for_real_use(tmp_path):
    # The largest spec in experiments/ is 8,192 runs; a 100 x 100 grid x 100 replicates fits.
    plan = load_spec(spec_file(tmp_path, {"replicates": 100, "parameters": {
        FLOATS[0]: [0.1 * k for k in range(1, 101)], FLOATS[2]: [0.1 * k for k in range(1, 101)]
    }}))  # fmt: skip
    assert plan.n_runs == 1_000_000 and MAX_TIMESERIES_RUNS >= 1000


@pytest.mark.parametrize("samples", [1, 4, 7, 12, 100])
def test_sobol_needs_a_power_of_two_of_at_least_8_samples(tmp_path, samples):
    data = {"design": "sobol", "samples": samples, "parameters": {
        FLOATS[0]: {"low": 0.5, "high": 2}, FLOATS[2]: {"low": 0.5, "high": 2}}}  # fmt: skip
    message = refused(spec_file(tmp_path, data))
    assert "power of two" in message and f">= {MIN_SOBOL_SAMPLES}" in message
    data["samples"] = 8
    assert load_spec(spec_file(tmp_path, data, "ok.yaml")).sobol == {"n": 8, "d": 2}


def test_an_empty_outcome_list_is_refused(tmp_path):
    message = refused(spec_file(tmp_path, {"outcomes": [], "parameters": {FLOATS[0]: [1]}}))
    assert "outcomes" in message and "records nothing" in message


def test_a_range_over_a_whole_number_parameter_is_refused(tmp_path):
    data = {"design": "lhs", "samples": 4,
            "parameters": {"protocol.walkout_weeks": {"low": 2, "high": 9}}}  # fmt: skip
    assert "whole numbers" in refused(spec_file(tmp_path, data))


# -- every design point is a scenario negsim run accepts ----------------------------------


@pytest.mark.parametrize(
    ("parameters", "where"),
    [
        ({"calendar.start": ["2025-01-06", "2025-06-02"],
          "parties.southland.elections.general.date": ["2025-05-19", "2025-09-08"]},
         "design point 2"),
        ({"calendar.end": ["2025-12-29", "2025-08-04"],
          "summits.leaders.start": ["2025-07-28", "2025-10-06"]}, "design point 3"),
        ({"parties.northland.hard_deadline": ["2025-10-27", "2025-03-03"],
          "calendar.start": ["2025-01-06", "2025-04-07"]}, "design point 3"),
    ],
)  # fmt: skip
def test_grid_points_that_break_a_cross_block_check_are_refused(tmp_path, parameters, where):
    path = spec_file(tmp_path, {"parameters": parameters})
    message = refused(path)
    assert where in message and "not a scenario negsim run accepts" in message
    main_code = main(["sweep", str(path), "--out", str(tmp_path / "o"), "--quiet"])
    assert main_code == 2 and not (tmp_path / "o").exists()


def test_lhs_points_with_crossed_red_lines_are_refused(tmp_path):
    spec = {
        "scenario": "usjapan_2019",
        "design": "lhs",
        "samples": 64,
        "parameters": {
            "parties.japan.red_lines.rice.min": {"low": 0.0, "high": 0.6},
            "parties.japan.red_lines.rice.max": {"low": 0.4, "high": 1.0},
        },
    }
    path = tmp_path / "lhs.yaml"
    path.write_text(yaml.safe_dump(spec))
    assert "min must not exceed max" in refused(path)
    spec["parameters"]["parties.japan.red_lines.rice.max"] = {"low": 0.6, "high": 1.0}
    path.write_text(yaml.safe_dump(spec))
    assert len(load_spec(path).points) == 64


def test_the_cross_block_check_is_cached_by_what_it_reads(tmp_path):
    # 40,000 points of numbers the scenario-wide check never reads, times four election dates
    # that it does: four full checks in all, whatever the size of the grid.
    parameters = {p: [0.5 + 0.1 * k for k in range(20)] for p in FLOATS[:2]}
    parameters[FLOATS[2]] = [0.5 + 0.01 * k for k in range(100)]
    parameters["parties.southland.elections.general.date"] = [
        "2025-03-03", "2025-05-19", "2025-07-14", "2025-09-08"]  # fmt: skip
    plan = load_spec(spec_file(tmp_path, {"replicates": 1, "parameters": parameters}))
    assert len(plan.points) == 160_000
    checker = PointChecker(plan.scenario, plan.spec, "s")
    for i, point in enumerate(plan.points[:500]):
        checker.check(i, point)
    assert checker.read == ["parties.southland.elections.general.date"]
    assert len(checker.verdicts) <= 4  # four full checks, whatever the size of the grid


# Values for a property test on usjapan_2019: some combinations break cross-block checks (red
# lines against references, dates against the calendar), others are read by no check at all.
CANDIDATES: dict[str, list[Any]] = {
    "parties.japan.red_lines.rice.min": [None, 0.2, 0.5],
    "parties.japan.red_lines.rice.max": ["tpp", 0.3, 0.9],
    "sectors.rice.references.tpp": [0.1, 0.3256, 0.6],
    "lobbies.ja_zenchu.red_lines.rice": ["tpp", 0.5, 1.5],
    "lobbies.ja_zenchu.strength": [0.5, 2.0],
    "parties.japan.tactic.beta": [0.5, 1.0, 3.0],
    "calendar.start": ["2019-04-15", "2019-08-01"],
    "parties.japan.elections.upper_house_2019.date": ["2019-07-21", "2019-05-01"],
    "parties.japan.hard_deadline": ["2019-11-13", "2019-03-01", None],
    "summits.g20_osaka.start": ["2019-06-28", "2019-01-07"],
    "sectors.rice.status_quo": [778.0, 0.0],
    "sectors.rice.free_trade": [0.0, 778.0],
}
USJAPAN = load_scenario("usjapan_2019")


@st.composite
def grids(draw: st.DrawFn) -> dict[str, list[Any]]:
    paths = draw(st.lists(st.sampled_from(sorted(CANDIDATES)), min_size=1, max_size=3,
                          unique=True))  # fmt: skip
    return {
        p: draw(st.lists(st.sampled_from(CANDIDATES[p]), min_size=1, max_size=3, unique=True))
        for p in paths
    }


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(grid=grids())
def test_cached_point_check_agrees_with_checking_every_point_in_full(grid):
    spec = SweepSpec(scenario="usjapan_2019", parameters=grid, replicates=1)
    checker = PointChecker(USJAPAN, spec, "s")
    for index, combo in enumerate(itertools.product(*grid.values())):
        point = dict(zip(grid, combo, strict=True))
        try:
            with_overrides(USJAPAN, point)
            expected = None
        except ScenarioError as exc:
            expected = exc.problem
        try:
            checker.check(index, point)
            got = None
        except ScenarioError as exc:
            got = exc.problem
        assert (got is None) == (expected is None), (point, got, expected)
        if expected is not None:
            assert expected in got


# -- whatever the file holds: a plan or one ScenarioError ---------------------------------

KNOWN = [*FLOATS[:3], "calendar.start", "parties.southland.elections.general.date"]
SCALARS = (
    st.none()
    | st.booleans()
    | st.sampled_from([-1, 0, 1, 2, 3, 8, 16, 10**7, 2**63, 10**30])
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.sampled_from(["", "x", "2025-02-30", "2025-05-19", "1e400", "grid", "sobol", "tpp"])
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.sampled_from(["low", "high", "log", "dist", "runs", "x"]), inner, max_size=4),
    max_leaves=12,
)  # fmt: skip
RANGES = st.fixed_dictionaries(
    {"low": SCALARS, "high": SCALARS}, optional={"log": SCALARS, "extra": SCALARS}
)
PARAMETERS = st.dictionaries(
    st.sampled_from([*KNOWN, "no.such.path", "lobbies.farmers"]),
    st.lists(SCALARS, max_size=4) | RANGES | VALUES,
    max_size=3,
)
SPECS = st.fixed_dictionaries(
    {},
    optional={
        "scenario": st.sampled_from([CLASSROOM, "classroom", "nowhere.yaml", "", "\x00"])
        | SCALARS,
        "design": st.sampled_from(["grid", "lhs", "sobol", "grids"]) | SCALARS,
        "samples": SCALARS,
        "replicates": SCALARS,
        "seed": SCALARS,
        "parameters": PARAMETERS | VALUES,
        "outcomes": st.lists(st.sampled_from([*OUTCOME_GROUPS, "happiness"]), max_size=3)
        | VALUES,
        "timeseries": st.fixed_dictionaries({}, optional={"runs": SCALARS}) | VALUES,
        "common_random_numbers": SCALARS,
        "run_timeout": SCALARS,
        "unknown_key": SCALARS,
    },
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(document=SPECS)
def test_any_spec_document_gives_a_plan_or_one_scenario_error(document):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "spec.yaml"
        path.write_text(yaml.safe_dump(document, allow_unicode=True))
        try:
            plan = load_spec(path)
        except ScenarioError as exc:
            message = str(exc)
            assert "\n" not in message and len(message) < 800
        else:
            assert 1 <= plan.n_runs <= MAX_RUNS and len(plan.points) <= MAX_POINTS


@pytest.mark.parametrize(
    "text",
    [
        "seed: " + "9" * 5000,  # an integer Python will not parse
        "scenario: classroom\nparameters: " + "[" * 200 + "]" * 200,
        "a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
        "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
        "parameters: {lobbies.farmers.strength: [*c]}\nscenario: classroom",
        "- just\n- a list",
        "scenario: classroom\nparameters: {lobbies.farmers.strength: [1, 2]}\nseed: 1\nseed: 2",
        "\x00\x01 not yaml: [",
    ],
)
def test_hostile_spec_text_is_one_line(tmp_path, capsys, text):
    path = tmp_path / "spec.yaml"
    path.write_text(text)
    assert main(["sweep", str(path), "--out", str(tmp_path / "o"), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and len(err) < 800 and "Traceback" not in err
