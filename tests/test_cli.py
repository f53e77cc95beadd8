"""The command line as a user meets it: outputs of `negsim run`, `negsim params`, bad input."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from sim.cli import main

CONFIGS = Path(__file__).resolve().parent.parent / "configs"
REQUIRED = {"scenario", "seed", "agreement", "ended", "step", "date", "concessions",
            "utilities", "ratification_failures"}


def test_run_writes_summary_series_events_and_plot(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["run", "classroom", "--seed", "3", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "Outcome:" in printed and "Written:" in printed
    summary = json.loads((out / "summary.json").read_text())
    assert set(summary) >= REQUIRED
    assert summary["seed"] == 3 and summary["scenario"] == "classroom"
    assert summary["ended"] in {"agreement", "breakdown", "horizon"}
    assert set(summary["concessions"]) == {"grain", "dairy", "cars"}
    assert all(0.0 <= v <= 1.0 for v in summary["concessions"].values())
    series = (out / "timeseries.csv").read_text().splitlines()
    assert series[0].startswith("step,date,status,zone")
    assert len(series) == summary["step"] + 2  # header + steps 0..step
    assert (out / "events.csv").read_text().startswith("step,date,event")
    assert (out / "run.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_run_json_matches_the_python_api(tmp_path, capsys):
    import sim

    assert main(["run", "usjapan_2019", "--seed", "5", "--out", str(tmp_path), "--json",
                 "--no-plot", "--set", "lobbies.ja_zenchu.strength=1.5"]) == 0
    printed = json.loads(capsys.readouterr().out)
    scenario = sim.load_scenario("usjapan_2019", {"lobbies.ja_zenchu.strength": 1.5})
    assert printed == json.loads(sim.run(scenario, 5).to_json())


def test_params_lists_paths_that_set_accepts(capsys):
    assert main(["params", "usjapan_2019"]) == 0
    lines = capsys.readouterr().out.splitlines()
    paths = [line.split(" = ")[0] for line in lines]
    assert "lobbies.ja_zenchu.strength" in paths
    assert "parties.japan.elections.upper_house_2019.date" in paths
    assert all("#" in line for line in lines)


def _bad(tmp_path: Path, old: str, new: str) -> Path:
    text = (CONFIGS / "classroom.yaml").read_text()
    assert old in text
    path = tmp_path / "bad.yaml"
    path.write_text(text.replace(old, new, 1))
    return path


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("    strength: 1.0", "    strenght: 1.0", "lobbies.farmers.strenght: unknown key"),
        ("importer: southland", "importer: nowhere", "sectors.grain.importer: unknown party"),
        ("stakes: {grain: 0.6, dairy: 0.4}", "stakes: {grian: 0.6}", "unknown sector 'grian'"),
        ("  end: 2025-12-29", "  end: 2024-12-29", "calendar.end: must be after"),
        ("tactic: {beta: 1.0}", "tactic: {beta: -1}", "tactic.beta: must lie in (0, inf)"),
        ("name: classroom", "name: classroom\n  oops: [", "not valid YAML"),
    ],
)
def test_bad_scenario_is_one_line_exit_2(tmp_path, capsys, old, new, expected):
    path = _bad(tmp_path, old, new)
    assert main(["run", str(path), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0
    assert str(path) in err and expected in err


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["run", "no_such_scenario.yaml"], "no such file"),
        (["run", "classroom", "--set", "lobbies.farmers.strenght=2"], "no such parameter"),
        (["run", "classroom", "--set", "parties.southland.mandate_floor=-1"], "must lie in"),
        (["params", "classroom", "--set", "protocol.walkout_weeks"], "--set needs PATH=VALUE"),
    ],
)
def test_bad_arguments_are_one_line_exit_2(tmp_path, capsys, args, expected):
    assert main([*args, *(["--out", str(tmp_path)] if args[0] == "run" else [])]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and expected in err


def test_console_script_prints_no_traceback(tmp_path):
    exe = shutil.which("negsim", path=str(Path(sys.executable).parent))
    if exe is None:
        pytest.skip("negsim console script not installed")
    done = subprocess.run([exe, "run", str(tmp_path / "missing.yaml")], capture_output=True,
                          text=True, check=False)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert done.stderr.startswith("negsim: error:")
