"""Reading a sweep for its plots: through the store, one line for every damaged folder."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pandas as pd
import pytest
from plot_sweeps import CONFIG, ELECTION, RESPONSE, STRENGTH, US_BETA, assert_png

import sim.sweep.plots as sp
from sim.cli import main


def test_load_reads_every_part_through_the_store(grid_dir):
    from sim.sweep.store import read_results

    res = sp.load(grid_dir)
    assert len(res.runs) == 42 and res.runs["run_id"].is_monotonic_increasing
    pd.testing.assert_frame_equal(res.runs, read_results(grid_dir))
    assert res.n_failed == 1 and len(res.ok) == 41
    assert res.parameters == [STRENGTH, RESPONSE]
    assert res.scenario is not None and res.scenario.name == "usjapan_2019"
    assert res.timeseries is not None and res.timeseries["run_id"].nunique() == 12
    assert res.parties == ["united_states", "japan"] and "rice" in res.sectors
    assert len(res.points) == 6 and list(res.points.columns) == ["point", STRENGTH, RESPONSE]


def test_load_rejects_a_folder_without_manifest(tmp_path):
    with pytest.raises(sp.SweepDataError, match=r"manifest\.json"):
        sp.load(tmp_path)


def test_parameters_are_named_for_readers(grid_dir, lhs_dir):
    res = sp.load(grid_dir)
    assert sp.param_label(res, STRENGTH) == "JA-Zenchu strength"
    assert sp.param_label(res, RESPONSE) == "Japan pressure response"
    assert sp.param_label(res, US_BETA) == "United States tactic beta"
    assert sp.param_label(res, ELECTION) == "Japan upper-house election date"
    label = sp.axis_label(res, "parties.japan.elections.upper_house_2019.amplitude", width=20)
    assert label.startswith("Japan upper-house election amplitude\n")
    words = set(res.param_docs["parties.japan.elections.upper_house_2019.amplitude"].split())
    assert set(label.split("\n", 1)[1].split()) == words  # wrapped, never split mid-word


def test_ratio_parameters_go_on_a_log_axis(grid_dir, lhs_dir):
    grid, lhs = sp.load(grid_dir), sp.load(lhs_dir)
    assert sp.log_scale(grid, STRENGTH) and sp.log_scale(grid, RESPONSE)  # factors of 4, 6
    runs = grid.runs.copy()
    runs[RESPONSE] = runs[RESPONSE].map({1.0: 2.0, 6.0: 3.0})
    narrow = sp.Results(grid.dir, grid.manifest, runs, None, grid.scenario)
    assert not sp.log_scale(narrow, RESPONSE)  # 2 .. 3: linear
    runs[RESPONSE] = runs[RESPONSE].map({2.0: 0.0, 3.0: 6.0})
    assert not sp.log_scale(sp.Results(grid.dir, grid.manifest, runs, None, None), RESPONSE)
    assert sp.is_log(lhs, STRENGTH) and sp.log_scale(lhs, STRENGTH)
    assert not sp.log_scale(lhs, ELECTION)


def test_plots_without_the_scenario_file(grid_dir, tmp_path):
    folder = tmp_path / "moved"
    shutil.copytree(grid_dir, folder, ignore=shutil.ignore_patterns("plots"))
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["scenario_path"] = str(tmp_path / "gone.yaml")
    manifest["finished"] = None
    (folder / "manifest.json").write_text(json.dumps(manifest))
    res = sp.load(folder)
    assert res.scenario is None and "not found" in res.scenario_problem
    assert res.parties == ["united_states", "japan"] and "auto_parts" in res.sectors
    assert "incomplete sweep" in sp.describe(res)
    written = sp.plot_all(folder, kinds=["dates", "concessions", "trajectories", "utility"])
    assert len(written) == 4 and not written.skipped
    for path in written:
        assert_png(path)


def test_an_outcome_recorded_as_nulls_is_refused_not_drawn_as_zero(grid_dir, tmp_path, capsys):
    res = sp.load(grid_dir)
    runs = res.runs.copy()
    runs["agreement"] = None  # as `outcomes: []` once stored it: a column of nulls
    blank = sp.Results(res.dir, res.manifest, runs, None, res.scenario)
    for kind in ("agreement", "dates", "concessions", "utility"):
        with pytest.raises(sp.SkipPlot, match="did not record agreement"):
            sp.plot_kind(blank, kind, tmp_path / f"{kind}.png")
    folder = tmp_path / "blank"
    shutil.copytree(grid_dir, folder, ignore=shutil.ignore_patterns("plots"))
    for part in (folder / "runs").glob("part-*.parquet"):
        frame = pd.read_parquet(part)
        frame["agreement"] = pd.array([None] * len(frame), dtype="boolean")
        frame.to_parquet(part, index=False)
    assert main(["plot", str(folder), "--kind", "agreement"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "nothing to plot" in err and "agreement" in err
    assert not (folder / "plots" / "agreement.png").exists()


def test_kinds_whose_outcomes_were_not_recorded_are_skipped(sobol_dir, tmp_path):
    res = sp.load(sobol_dir)
    runs = res.runs.drop(columns=[c for c in res.runs if c.startswith(("concessions.", "gains."))]
                         + ["date", "step"])  # fmt: skip
    part = sp.Results(res.dir, res.manifest, runs, None, res.scenario)
    for kind, column in (("concessions", "concessions"), ("utility", "gains"), ("dates", "date")):
        with pytest.raises(sp.SkipPlot, match=column):
            sp.plot_kind(part, kind, tmp_path / f"{kind}.png")
    assert_png(sp.plot_kind(part, "sobol", tmp_path / "sobol.png"))  # agreement only


@pytest.mark.parametrize(
    ("damage", "words"),
    [
        (lambda f: (f / "runs" / "part-000001.parquet").write_bytes(b"PAR1 cut"), "damaged"),
        (lambda f: (f / "manifest.json").write_text('{"sobol": {"n": "16", "d": 2}}'), "sobol.n"),
        (lambda f: (f / "manifest.json").write_text('{"parameters": {"a": 1}}'), "parameters"),
        (lambda f: (f / "manifest.json").write_text("[1, 2]"), "not a sweep manifest"),
        (lambda f: (f / "timeseries" / "part-000000.parquet").write_bytes(b"x"), "timeseries"),
    ],
)
def test_a_damaged_folder_is_one_line(grid_dir, tmp_path, capsys, damage, words):
    folder = tmp_path / "damaged"
    shutil.copytree(grid_dir, folder, ignore=shutil.ignore_patterns("plots"))
    damage(folder)
    with pytest.raises(sp.SweepDataError, match=words.replace(".", r"\.")):
        sp.load(folder)
    assert main(["plot", str(folder)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and words in err and "Traceback" not in err


def test_an_empty_runs_folder_is_not_plotted(tmp_path):
    folder = tmp_path / "empty"
    (folder / "runs").mkdir(parents=True)
    (folder / "manifest.json").write_text(json.dumps({"scenario_path": str(CONFIG)}))
    with pytest.raises(sp.SweepDataError, match="no runs yet"):
        sp.load(folder)


def test_design_levels_colour_one_parameter_and_mark_the_other(tactics_dir, lhs_dir):
    res = sp.load(tactics_dir)
    levels = sp.design_levels(res)
    assert len(levels.table) == 9 and levels.marker_key is not None
    assert levels.colour_key[0] == "United States tactic beta"
    assert levels.marker_key[0] == "Japan tactic beta"
    assert set(levels.code) == set(range(9))
    row = res.ok.iloc[0]
    code = levels.code.iloc[0]
    us = [0.2, 1.0, 2.0].index(row[US_BETA])
    assert levels.table.iloc[code]["colour"] == levels.colour_key[1][us][1]
    binned = sp.design_levels(sp.load(lhs_dir))
    assert binned.marker_key is None and len(binned.table) == 4
    assert np.all(binned.code >= 0)
