"""A calibration spec's mistakes: each one line naming the file, the field and the problem."""

from pathlib import Path

import pytest
from calibration_specs import TINY, write_spec

from sim.calibration import load_calibration
from sim.cli import main
from sim.errors import ScenarioError


def _error(tmp_path: Path, text: str) -> ScenarioError:
    path = write_spec(tmp_path, text)
    with pytest.raises(ScenarioError) as info:
        load_calibration(path)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(str(path))
    return info.value


def test_the_tiny_spec_loads(tiny_spec):
    plan = load_calibration(tiny_spec)
    assert plan.paths == ["lobbies.farmers.strength", "parties.southland.mandate_floor"]
    assert [r.name for r in plan.rules] == ["date", "grain", "dairy"]
    assert [r.holdout for r in plan.rules] == [False, False, True]
    assert plan.calibrated_name == "classroom_calibrated"


BAD = [
    # (what to replace, with what, the field named, words of the problem)
    ("scenario: classroom", "scenario: nowhere", "scenario", "no such scenario"),
    ("method:", "methd:", "methd", "unknown key"),
    ("  seed: 7", "  seed: 7\n  sead: 1", "method.sead", "unknown key"),
    (
        '    unit: "tariff (%)"\n    scale: 4\n    source: synthetic\n  dairy',
        "    scale: 4\n    source: synthetic\n  dairy",
        "targets.grain.unit",
        "missing field",
    ),
    (
        'unit: "tariff (%)"\n    scale: 4\n    source: synthetic\n  dairy',
        'unit: "percent"\n    scale: 4\n    source: synthetic\n  dairy',
        "targets.grain.unit",
        "not the unit of grain",
    ),
    ("value: 20", "value: 55", "targets.grain.value", "out of the sector's reach"),
    ("sector: grain", "sector: rice", "targets.grain.sector", "no sector"),
    ("kind: agreement_window", "kind: window", "targets.date.kind", "unknown kind"),
    (
        "from: 2025-07-14",
        "from: 2024-07-14",
        "targets.date.from",
        "outside the scenario's calendar",
    ),
    ("to: 2025-07-28", "to: 2025-07-01", "targets.date", "before"),
    ("    scale: 14\n", "", "targets.date", "needs a scale"),
    ("    source: synthetic\n  grain", "  grain", "targets.date.source", "missing field"),
    (
        "lobbies.farmers.strength:",
        "lobbies.farmers.strenght:",
        "parameters.lobbies.farmers.strenght",
        "no such parameter",
    ),
    (
        "lobbies.farmers.strength:",
        "lobbies.farmers.label:",
        "parameters.lobbies.farmers.label",
        "not a number",
    ),
    (
        "{dist: uniform, low: 0.2, high: 3.0}",
        "{dist: uniform, low: 3.0, high: 0.2}",
        "parameters.lobbies.farmers.strength",
        "low < high",
    ),
    (
        "{dist: uniform, low: 0.2, high: 3.0}",
        "{dist: uniform, low: -1.0, high: 3.0}",
        "parameters.lobbies.farmers.strength",
        "impossible prior",
    ),
    (
        "bounds: [0.02, 0.5]",
        "bounds: [0.5, 0.02]",
        "parameters.parties.southland.mandate_floor",
        "low < high",
    ),
    (
        "bounds: [0.02, 0.5]",
        "bounds: [50, 60]",
        "parameters.parties.southland.mandate_floor",
        "keep none",
    ),
    (
        "{dist: uniform, low: 0.2, high: 3.0}",
        "{dist: choice, values: [1, 2]}",
        "parameters.lobbies.farmers.strength",
        "discrete",
    ),
    (
        "{dist: uniform, low: 0.2, high: 3.0}",
        "{dist: normal, mean: 1, sd: 0.5}",
        "parameters.lobbies.farmers.strength",
        "impossible prior",
    ),
    (
        "{dist: uniform, low: 0.2, high: 3.0}",
        "{dist: uniform, low: 0.2, high: 3.0, scale: 1}",
        "parameters.lobbies.farmers.strength.scale",
        "unknown key",
    ),
    (
        "    holdout: true\n",
        "    holdout: true\n".replace("    holdout: true\n", ""),
        None,
        None,
    ),  # a valid edit: every target fitted
    ("  population: 20", "  population: 5", "method.population", "greater than or equal"),
    ("  generations: 2", "  generations: 2\n  epsilons: [1.0, 2.0]", "method", "smaller"),
]


@pytest.mark.parametrize(("old", "new", "field", "words"), BAD)
def test_each_mistake_is_one_line_with_its_field(tmp_path, old, new, field, words):
    assert old in TINY
    text = TINY.replace(old, new)
    if field is None:
        load_calibration(write_spec(tmp_path, text))
        return
    err = _error(tmp_path, text)
    assert err.field == field, str(err)
    assert words in err.problem, str(err)


def test_every_target_held_out_is_refused(tmp_path):
    text = TINY.replace("    scale: 14\n", "    scale: 14\n    holdout: true\n").replace(
        "    scale: 4\n    source: synthetic\n  dairy",
        "    scale: 4\n    holdout: true\n    source: synthetic\n  dairy",
    )
    assert "at least one must be fitted" in str(_error(tmp_path, text))


@pytest.mark.parametrize(
    "text", ["scenario: [unclosed", "- a list\n- not a mapping\n", "scenario: classroom\n"]
)
def test_malformed_specs_exit_2_with_one_line(tmp_path, capsys, text):
    path = write_spec(tmp_path, text)
    assert main(["calibrate", str(path), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and err.startswith("negsim: error: ")
    assert str(path) in err
    assert not (tmp_path / "out").exists()


def test_missing_unit_and_impossible_prior_exit_2(tmp_path, capsys):
    no_unit = TINY.replace(
        '    unit: "tariff (%)"\n    scale: 4\n    source: synthetic\n  dairy',
        "    scale: 4\n    source: synthetic\n  dairy",
    )
    assert main(["calibrate", str(write_spec(tmp_path, no_unit))]) == 2
    assert "targets.grain.unit: missing field" in capsys.readouterr().err
    impossible = TINY.replace("low: 0.2, high: 3.0", "low: -2, high: 3.0")
    assert main(["calibrate", str(write_spec(tmp_path, impossible))]) == 2
    err = capsys.readouterr().err
    assert "impossible prior" in err and err.count("\n") == 1


def test_missing_file_and_bad_workers_exit_2(tmp_path, capsys, tiny_spec):
    assert main(["calibrate", str(tmp_path / "nope.yaml")]) == 2
    assert "no such file" in capsys.readouterr().err
    assert main(["calibrate", str(tiny_spec), "--workers", "0"]) == 2
    assert "--workers" in capsys.readouterr().err
