"""Tests for sim.scenario: bundled files, validation errors, overrides, distributions."""

from __future__ import annotations

import copy
import datetime as dt
import math
from pathlib import Path

import numpy as np
import pytest
import yaml

import sim
from sim import ScenarioError
from sim.distributions import (
    Choice,
    Dist,
    LogNormal,
    LogUniform,
    Normal,
    Triangular,
    TruncNormal,
    Uniform,
)
from sim.scenario import (
    bundled_scenarios,
    iter_parameters,
    load_scenario,
    parameter_paths,
    with_overrides,
)

CONFIGS = Path(__file__).resolve().parent.parent / "configs"
BUNDLED = bundled_scenarios()  # every scenario in configs/ is checked, new ones included


def raw(name: str) -> dict:
    return yaml.safe_load((CONFIGS / f"{name}.yaml").read_text(encoding="utf-8"))


def write(tmp_path: Path, data: dict, name: str = "scenario.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def error_of(path, overrides=None) -> ScenarioError:
    with pytest.raises(ScenarioError) as info:
        load_scenario(path, overrides)
    return info.value


def assert_names(err: ScenarioError, field: str, *problem_words: str) -> None:
    text = str(err)
    assert field in text, text
    assert err.field == field or err.field.startswith(field), (err.field, field)
    for word in problem_words:
        assert word.lower() in text.lower(), (word, text)
    assert "\n" not in text  # one line, as the command line prints it


# --- bundled scenarios ----------------------------------------------------------------------


@pytest.mark.parametrize("name", BUNDLED)
def test_bundled_scenarios_load_by_path_and_by_name(name):
    path = CONFIGS / f"{name}.yaml"
    if not path.is_file():
        pytest.skip(f"{path.name} does not exist")
    by_path = load_scenario(path)
    by_name = load_scenario(name)
    assert isinstance(by_path, sim.Scenario)
    assert by_path.name == name
    assert by_path == by_name
    assert len(by_path.parties) >= 2
    assert by_path.calendar.end > by_path.calendar.start


@pytest.mark.parametrize("name", BUNDLED)
def test_bundled_scenarios_draw_and_run(name):
    if not (CONFIGS / f"{name}.yaml").is_file():
        pytest.skip(f"{name}.yaml does not exist")
    scenario = load_scenario(name)
    drawn = scenario.draw(np.random.default_rng(0))
    assert drawn.is_drawn
    out = sim.run(scenario, seed=0)
    assert out.ended in {"agreement", "breakdown", "horizon"}


# --- bad inputs -----------------------------------------------------------------------------


@pytest.fixture
def data() -> dict:
    return raw("usjapan_2019")


def test_unknown_key(tmp_path, data):
    data["parties"]["japan"]["nope"] = 1
    err = error_of(write(tmp_path, data))
    assert_names(err, "parties.japan.nope", "unknown key")
    assert "scenario.yaml" in str(err)


def test_unknown_top_level_key(tmp_path, data):
    data["colour"] = "blue"
    assert_names(error_of(write(tmp_path, data)), "colour", "unknown key")


def test_missing_field(tmp_path, data):
    del data["sectors"]["rice"]["importer"]
    assert_names(error_of(write(tmp_path, data)), "sectors.rice.importer", "missing")


def test_missing_calendar(tmp_path, data):
    del data["calendar"]
    assert_names(error_of(write(tmp_path, data)), "calendar", "missing")


def test_value_out_of_range(tmp_path, data):
    data["parties"]["japan"]["tactic"]["beta"] = -1
    err = error_of(write(tmp_path, data))
    assert_names(err, "parties.japan.tactic.beta", "must lie in")
    assert "-1" in str(err)


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        (("lobbies", "ja_zenchu", "inertia"), 1.0, "lobbies.ja_zenchu.inertia"),
        (("lobbies", "ja_zenchu", "loss_aversion"), 0.5, "lobbies.ja_zenchu.loss_aversion"),
        (("parties", "japan", "mandate_floor"), 0.0, "parties.japan.mandate_floor"),
        (("protocol", "collapse_probability"), 1.5, "protocol.collapse_probability"),
        (("sectors", "rice", "references", "tpp"), 1.2, "sectors.rice.references.tpp"),
        (("lobbies", "ja_zenchu", "strength"), "strong", "lobbies.ja_zenchu.strength"),
        (("lobbies", "ja_zenchu", "strength"), float("nan"), "lobbies.ja_zenchu.strength"),
    ],
)
def test_bad_values_name_their_field(tmp_path, data, path, value, field):
    node = data
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    assert_names(error_of(write(tmp_path, data)), field)


def test_unknown_sector_in_lobby_stakes(tmp_path, data):
    data["lobbies"]["ja_zenchu"]["stakes"]["bananas"] = 0.5
    assert_names(
        error_of(write(tmp_path, data)), "lobbies.ja_zenchu.stakes.bananas", "unknown sector"
    )


def test_unknown_party_as_importer(tmp_path, data):
    data["sectors"]["rice"]["importer"] = "korea"
    err = error_of(write(tmp_path, data))
    assert_names(err, "sectors.rice.importer", "unknown party")
    assert "korea" in str(err)


def test_unknown_party_as_lobby_country(tmp_path, data):
    data["lobbies"]["ja_zenchu"]["country"] = "korea"
    assert_names(error_of(write(tmp_path, data)), "lobbies.ja_zenchu.country", "unknown party")


def test_calendar_end_before_start(tmp_path, data):
    data["calendar"]["end"] = dt.date(2019, 1, 1)
    assert_names(error_of(write(tmp_path, data)), "calendar.end", "after")


def test_election_before_start(tmp_path, data):
    data["parties"]["japan"]["elections"]["upper_house_2019"]["date"] = dt.date(2018, 7, 21)
    assert_names(
        error_of(write(tmp_path, data)),
        "parties.japan.elections.upper_house_2019.date",
        "before calendar.start",
    )


def test_bad_date(tmp_path, data):
    data["calendar"]["start"] = "the spring"
    assert_names(error_of(write(tmp_path, data)), "calendar.start")


def test_unparseable_yaml(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("name: x\nparties: [a, b\n  c: {\n", encoding="utf-8")
    err = error_of(path)
    assert "broken.yaml" in str(err)
    assert "yaml" in str(err).lower()
    assert "line" in str(err)


def test_yaml_that_is_not_a_mapping(tmp_path):
    path = tmp_path / "list.yaml"
    path.write_text("- 1\n- 2\n", encoding="utf-8")
    assert "mapping" in str(error_of(path))


def test_missing_file(tmp_path):
    err = error_of(tmp_path / "nowhere.yaml")
    assert "nowhere.yaml" in str(err)
    assert "no such file" in str(err)


def test_unknown_bundled_name():
    assert "no such file" in str(error_of("no_such_scenario_xyz"))


def test_directory_is_not_a_scenario(tmp_path):
    assert "directory" in str(error_of(tmp_path))


def test_override_path_that_does_not_exist():
    err = error_of(CONFIGS / "usjapan_2019.yaml", ["parties.japan.nope=1"])
    assert_names(err, "parties.japan.nope", "no such parameter")


def test_override_typo_gets_a_hint():
    err = error_of("usjapan_2019", ["parties.japan.tactic.betta=1"])
    assert "no such parameter" in str(err)
    assert "parties.japan.tactic.beta" in str(err)


def test_override_without_equals_sign():
    err = error_of("usjapan_2019", ["parties.japan.tactic.beta"])
    assert "PATH=VALUE" in str(err)


def test_override_with_a_bad_value_names_the_field():
    err = error_of("usjapan_2019", ["parties.japan.tactic.beta=-2"])
    assert_names(err, "parties.japan.tactic.beta", "must lie in")


def test_distribution_whose_support_leaves_the_bounds(tmp_path, data):
    data["lobbies"]["ja_zenchu"]["strength"] = {"dist": "normal", "mean": 1.0, "sd": 0.1}
    err = error_of(write(tmp_path, data))
    assert_names(err, "lobbies.ja_zenchu.strength", "normal", "outside")


@pytest.mark.parametrize(
    "dist",
    [
        {"dist": "uniform", "low": -0.5, "high": 1.0},
        {"dist": "triangular", "low": -1.0, "mode": 0.5, "high": 1.0},
        {"dist": "truncnormal", "mean": 0.5, "sd": 0.5, "low": -0.1, "high": 1.0},
        {"dist": "choice", "values": [0.5, -0.1]},
    ],
)
def test_bounded_distributions_leaving_the_bounds(tmp_path, data, dist):
    data["lobbies"]["ja_zenchu"]["strength"] = dist
    assert_names(error_of(write(tmp_path, data)), "lobbies.ja_zenchu.strength", "outside")


@pytest.mark.parametrize(
    "dist",
    [
        {"dist": "uniform", "low": 2.0, "high": 1.0},
        {"dist": "lognormal", "median": -1.0, "sigma": 0.2},
        {"dist": "gamma", "shape": 2.0},
        {"dist": "normal", "mean": 1.0},
        {"dist": "normal", "mean": 1.0, "sd": 0.1, "extra": 1},
    ],
)
def test_malformed_distribution(tmp_path, data, dist):
    data["parties"]["japan"]["strategic_value"] = dist
    assert_names(error_of(write(tmp_path, data)), "parties.japan.strategic_value", "distribution")


def test_event_changing_an_unknown_parameter(tmp_path, data):
    data["events"]["section_232_finding"]["add"] = {"parties.japan.nope": 1.0}
    err = error_of(write(tmp_path, data))
    assert_names(err, "events.section_232_finding.add", "parties.japan.nope")


def test_event_changing_an_unknown_party(tmp_path, data):
    data["events"]["china_tariffs"]["set"] = {"parties.china.strategic_value": 1.0}
    err = error_of(write(tmp_path, data))
    assert_names(err, "events.china_tariffs.set", "parties.china.strategic_value")


def test_event_after_calendar_end(tmp_path, data):
    data["events"]["china_tariffs"]["date"] = dt.date(2030, 1, 1)
    assert_names(error_of(write(tmp_path, data)), "events.china_tariffs.date", "after")


def test_red_line_with_unknown_reference(tmp_path, data):
    data["parties"]["japan"]["red_lines"]["rice"] = {"max": "wto"}
    assert_names(error_of(write(tmp_path, data)), "parties.japan.red_lines.rice.max", "wto")


def test_summit_outside_calendar(tmp_path, data):
    data["summits"]["g7_biarritz"]["start"] = dt.date(2010, 1, 1)
    data["summits"]["g7_biarritz"]["end"] = dt.date(2010, 1, 2)
    assert_names(error_of(write(tmp_path, data)), "summits.g7_biarritz")


def test_single_party_is_rejected(tmp_path, data):
    data["parties"].pop("united_states")
    assert "parties" in str(error_of(write(tmp_path, data)))


# --- the YAML loader never executes code ----------------------------------------------------


def test_python_tags_are_rejected_and_not_executed(tmp_path):
    marker = tmp_path / "pwned"
    text = (CONFIGS / "classroom.yaml").read_text(encoding="utf-8")
    text = text.replace(
        "description: >",
        f"evil: !!python/object/apply:os.system ['touch {marker}']\ndescription: >",
        1,
    )
    path = tmp_path / "evil.yaml"
    path.write_text(text, encoding="utf-8")
    err = error_of(path)
    assert "evil.yaml" in str(err)
    assert not marker.exists()


def test_python_name_tag_is_rejected(tmp_path):
    path = tmp_path / "evil.yaml"
    path.write_text("name: !!python/name:os.system\n", encoding="utf-8")
    error_of(path)


def test_override_values_never_execute_code(tmp_path):
    marker = tmp_path / "pwned2"
    with pytest.raises(ScenarioError):
        load_scenario(
            "classroom",
            [f"parties.northland.no_deal_value=!!python/object/apply:os.system ['touch {marker}']"],
        )
    assert not marker.exists()


# --- overrides ------------------------------------------------------------------------------


def test_override_strings_change_values():
    s = load_scenario(
        "usjapan_2019",
        [
            "parties.japan.tactic.beta=2",
            "lobbies.ja_zenchu.strength=3.5",
            "parties.japan.hard_deadline=2019-12-01",
            "protocol.tolerance=1e-8",
        ],
    )
    assert s.parties["japan"].tactic.beta == 2.0
    assert s.lobbies["ja_zenchu"].strength == 3.5
    assert s.parties["japan"].hard_deadline == dt.date(2019, 12, 1)
    assert s.protocol.tolerance == pytest.approx(1e-8)
    # and nothing else moved
    base = load_scenario("usjapan_2019")
    assert s.parties["united_states"] == base.parties["united_states"]
    assert s.sectors == base.sectors


def test_override_mapping_form():
    s = load_scenario(
        "classroom", {"lobbies.farmers.strength": 2, "parties.southland.tactic.beta": 0.3}
    )
    assert s.lobbies["farmers"].strength == 2.0
    assert s.parties["southland"].tactic.beta == pytest.approx(0.3)


def test_override_with_a_distribution_mapping():
    s = load_scenario(
        "classroom", ["lobbies.farmers.strength={dist: lognormal, median: 2.0, sigma: 0.3}"]
    )
    strength = s.lobbies["farmers"].strength
    assert isinstance(strength, LogNormal)
    assert strength.median == 2.0 and strength.sigma == 0.3
    assert not s.is_drawn


def test_override_replaces_a_distribution_with_a_number():
    base = load_scenario("usjapan_2019")
    assert isinstance(base.lobbies["ja_zenchu"].strength, Dist)
    s = load_scenario("usjapan_2019", ["lobbies.ja_zenchu.strength=1.7"])
    assert s.lobbies["ja_zenchu"].strength == 1.7


def test_with_overrides_on_a_scenario_keeps_distributions_and_original():
    base = load_scenario("usjapan_2019")
    before = copy.deepcopy(base)
    s = with_overrides(base, {"parties.japan.tactic.beta": 1.5})
    assert s.parties["japan"].tactic.beta == 1.5
    assert isinstance(s.lobbies["ja_zenchu"].strength, LogNormal)
    assert base == before
    with pytest.raises(ScenarioError):
        with_overrides(base, {"parties.japan.nope": 1})


def test_override_of_default_field_not_in_file():
    s = load_scenario("classroom", ["protocol.tolerance=1e-7", "lobbies.farmers.reaction=2"])
    assert s.protocol.tolerance == pytest.approx(1e-7)
    assert s.lobbies["farmers"].reaction == 2.0


def test_every_listed_parameter_is_overridable():
    base = load_scenario("classroom")
    numeric = {
        p: v
        for p, v in parameter_paths(base).items()
        if isinstance(v, float) and not isinstance(v, bool)
    }
    assert "lobbies.farmers.strength" in numeric
    for path, value in list(numeric.items())[:40]:
        s = with_overrides(base, {path: value})
        assert parameter_paths(s)[path] == value


def test_parameter_descriptions_exist():
    for path, _, doc in iter_parameters(load_scenario("usjapan_2019")):
        assert doc, path


# --- distributions --------------------------------------------------------------------------

DISTS = {
    "lobbies.farmers.strength": {"dist": "lognormal", "median": 1.0, "sigma": 0.3},
    "lobbies.farmers.base_weight": {"dist": "uniform", "low": 0.2, "high": 0.8},
    "lobbies.carmakers.strength": {"dist": "loguniform", "low": 0.5, "high": 2.0},
    "lobbies.farmers.inertia": {
        "dist": "truncnormal",
        "mean": 0.6,
        "sd": 0.1,
        "low": 0.3,
        "high": 0.9,
    },
    "parties.southland.tactic.beta": {"dist": "triangular", "low": 0.3, "mode": 1.0, "high": 3.0},
    "parties.northland.tactic.beta": {
        "dist": "choice",
        "values": [0.5, 1.0, 2.0],
        "weights": [1, 2, 1],
    },
    "parties.northland.no_deal_value": {"dist": "normal", "mean": 0.0, "sd": 0.1},
}


@pytest.fixture(scope="module")
def uncertain() -> sim.Scenario:
    return load_scenario("classroom", DISTS)


def drawn_values(s: sim.Scenario) -> dict[str, float]:
    paths = parameter_paths(s)
    return {p: paths[p] for p in DISTS}


def test_undrawn_scenario_holds_distributions(uncertain):
    assert not uncertain.is_drawn
    values = drawn_values(uncertain)
    assert isinstance(values["lobbies.farmers.strength"], LogNormal)
    assert isinstance(values["lobbies.farmers.base_weight"], Uniform)
    assert isinstance(values["lobbies.carmakers.strength"], LogUniform)
    assert isinstance(values["lobbies.farmers.inertia"], TruncNormal)
    assert isinstance(values["parties.southland.tactic.beta"], Triangular)
    assert isinstance(values["parties.northland.tactic.beta"], Choice)
    assert isinstance(values["parties.northland.no_deal_value"], Normal)


def test_same_seed_same_draws(uncertain):
    a = uncertain.draw(np.random.default_rng(42))
    b = uncertain.draw(np.random.default_rng(42))
    assert a.is_drawn and b.is_drawn
    assert drawn_values(a) == drawn_values(b)
    assert a == b


def test_different_seeds_differ(uncertain):
    draws = [drawn_values(uncertain.draw(np.random.default_rng(seed))) for seed in range(5)]
    for path in DISTS:
        assert len({d[path] for d in draws}) > 1, path


def test_draw_does_not_change_the_scenario(uncertain):
    before = copy.deepcopy(uncertain)
    uncertain.draw(np.random.default_rng(1))
    assert uncertain == before
    assert not uncertain.is_drawn


def test_draws_lie_in_the_support(uncertain):
    supports = {p: v.support() for p, v in drawn_values(uncertain).items()}
    for seed in range(200):
        values = drawn_values(uncertain.draw(np.random.default_rng(seed)))
        for path, v in values.items():
            lo, hi = supports[path]
            assert isinstance(v, float)
            assert math.isfinite(v)
            assert lo <= v <= hi, (path, v)
    choice = [
        drawn_values(uncertain.draw(np.random.default_rng(s)))["parties.northland.tactic.beta"]
        for s in range(100)
    ]
    assert set(choice) <= {0.5, 1.0, 2.0}


def test_drawn_scenario_validates_again(uncertain):
    drawn = uncertain.draw(np.random.default_rng(3))
    again = with_overrides(drawn, {"parties.southland.tactic.beta": 1.0})
    assert again.is_drawn


def test_is_drawn_on_a_plain_scenario():
    s = load_scenario("classroom")
    assert s.is_drawn
    assert s.draw(np.random.default_rng(0)) == s


def test_lognormal_draws_have_the_right_median():
    d = LogNormal(dist="lognormal", median=2.0, sigma=0.5)
    rng = np.random.default_rng(0)
    draws = np.array([d.draw(rng) for _ in range(4000)])
    assert np.median(draws) == pytest.approx(2.0, rel=0.05)
    assert (draws > 0).all()
