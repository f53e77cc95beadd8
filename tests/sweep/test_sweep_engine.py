"""Sweeps: specs, designs, seeds, backends, resuming after a kill, errors recorded."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sim
from sim.cli import main
from sim.sweep import load_spec, read_results, run_sweep
from sim.sweep.plan import run_seed

CONFIGS = Path(__file__).resolve().parents[2] / "configs"


def write_spec(tmp_path: Path, text: str, name: str = "spec.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text.replace("SCENARIO", str(CONFIGS / "classroom.yaml")))
    return path


GRID = """
scenario: SCENARIO
design: grid
replicates: 4
seed: 11
parameters:
  lobbies.farmers.strength: [0.5, 2.0, 4.0]
  parties.southland.elections.general.date: [2025-05-19, 2025-09-08]
timeseries: {runs: 3}
"""


@pytest.fixture(scope="module")
def grid_inline(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("grid")
    plan = load_spec(write_spec(tmp, GRID))
    run_sweep(plan, tmp / "inline", workers=1, batch_size=5, progress=False)
    return tmp, plan


def test_grid_plan_has_every_combination_and_seeds_from_the_master(grid_inline):
    _, plan = grid_inline
    assert len(plan.points) == 6 and plan.n_runs == 24
    levels = {(p["lobbies.farmers.strength"], str(p["parties.southland.elections.general.date"]))
              for p in plan.points}
    assert len(levels) == 6
    runs = list(plan.runs())
    # common random numbers: replicate r has one seed at every point; replicates differ
    seeds_by_rep = {}
    for run in runs:
        seeds_by_rep.setdefault(run.replicate, set()).add(run.seed)
    assert all(len(s) == 1 for s in seeds_by_rep.values())
    assert len({next(iter(s)) for s in seeds_by_rep.values()}) == 4
    expected = int(np.random.SeedSequence(11, spawn_key=(2,)).generate_state(1)[0])
    assert plan.run(6).seed == expected  # run 6 = point 1, replicate 2


def test_runs_table_has_identity_parameters_and_flat_outcome(grid_inline):
    tmp, plan = grid_inline
    runs = read_results(tmp / "inline")
    assert list(runs["run_id"]) == list(range(24))
    assert runs["error"].isna().all()
    for col in ("agreement", "ended", "step", "date", "concessions.grain", "utilities.southland",
                "ratification_failures", "nash.northland", "lobbies.farmers.strength",
                "parties.southland.elections.general.date"):
        assert col in runs.columns
    assert set(runs["parties.southland.elections.general.date"]) == {"2025-05-19", "2025-09-08"}
    # each row is exactly what sim.run gives for that point and seed
    row = runs.iloc[7]
    election = "parties.southland.elections.general.date"
    scenario = sim.load_scenario(
        CONFIGS / "classroom.yaml",
        {"lobbies.farmers.strength": row["lobbies.farmers.strength"], election: row[election]},
    )
    outcome = sim.run(scenario, int(row["seed"]))
    assert outcome.agreement == row["agreement"] and outcome.step == row["step"]
    assert outcome.concessions["grain"] == row["concessions.grain"]
    manifest = json.loads((tmp / "inline" / "manifest.json").read_text())
    assert manifest["n_runs"] == 24 and manifest["finished"] and manifest["runs_done"] == 24
    assert manifest["versions"]["mesa"].startswith("3.")
    series = read_results(tmp / "inline", timeseries=True)
    assert sorted(series["run_id"].unique()) == sorted(plan.timeseries_runs())
    assert "offer.southland.grain" in series.columns


def test_same_dataset_with_a_process_pool_and_with_dask(grid_inline):
    tmp, plan = grid_inline
    inline = read_results(tmp / "inline")
    run_sweep(plan, tmp / "pool", workers=2, batch_size=3, progress=False)
    pd.testing.assert_frame_equal(inline, read_results(tmp / "pool"))
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  host="127.0.0.1", dashboard_address=None) as cluster:
        run_sweep(plan, tmp / "dask", scheduler=cluster.scheduler_address, batch_size=7,
                  progress=False)
    pd.testing.assert_frame_equal(inline, read_results(tmp / "dask"))
    pd.testing.assert_frame_equal(read_results(tmp / "inline", timeseries=True),
                                  read_results(tmp / "dask", timeseries=True))


def test_rerun_resumes_nothing_twice(grid_inline):
    tmp, plan = grid_inline
    again = run_sweep(plan, tmp / "inline", workers=1, progress=False)
    assert again.ran_now == 0 and again.runs_done == 24
    assert len(read_results(tmp / "inline")) == 24


def _sweep_cmd(spec: Path, out: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "sim.cli", "sweep", str(spec), "--out", str(out), "--quiet",
            *extra]


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT])
def test_killed_sweep_resumes_to_the_uninterrupted_dataset(tmp_path, sig):
    spec = write_spec(tmp_path, """
scenario: SCENARIO
design: lhs
samples: 30
replicates: 10
seed: 3
parameters:
  lobbies.farmers.strength: {low: 0.3, high: 3.0, log: true}
  parties.southland.tactic.beta: {low: 0.3, high: 3.0}
""")
    out = tmp_path / "killed"
    # A shell's background jobs ignore SIGINT and children inherit that: restore the default
    # so that the test means the same whether pytest runs in the foreground or not.
    proc = subprocess.Popen(_sweep_cmd(spec, out, "--workers", "1", "--batch-size", "4"),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        parts = list((out / "runs").glob("part-*.parquet")) if (out / "runs").is_dir() else []
        if len(parts) >= 5:
            break
        time.sleep(0.02)
    os.kill(proc.pid, sig)
    _, err = proc.communicate(timeout=60)
    done_before = len(list((out / "runs").glob("part-*.parquet")))
    assert 5 <= done_before < 75, "the kill must land in the middle of the sweep"
    if sig == signal.SIGINT:
        assert proc.returncode == 130
        assert "run the same command to resume" in err
    resumed = subprocess.run(_sweep_cmd(spec, out, "--workers", "2"), capture_output=True,
                             text=True, check=True)
    assert "300 of 300" in resumed.stdout
    fresh = tmp_path / "fresh"
    run_sweep(load_spec(spec), fresh, workers=1, batch_size=4, progress=False)
    pd.testing.assert_frame_equal(read_results(out), read_results(fresh))
    assert not list((out / "runs").glob("*.tmp"))


def test_a_run_that_raises_is_recorded_not_fatal(tmp_path, monkeypatch):
    import sim.model

    class Flaky(sim.model.NegotiationModel):
        def step(self):
            if self.seed == bad_seed and self.t == 0 and self.steps == 1:
                raise RuntimeError("boom")
            super().step()

    plan = load_spec(write_spec(tmp_path, GRID))
    bad_seed = plan.run(1).seed
    monkeypatch.setattr(sim.model, "NegotiationModel", Flaky)
    result = run_sweep(plan, tmp_path / "out", workers=1, progress=False)
    runs = read_results(tmp_path / "out")
    failed = runs[runs["error"].notna()]
    assert result.errors == len(failed) == 6  # replicate 1 at each of the 6 points
    assert set(failed["seed"]) == {bad_seed}
    assert failed["error"].str.contains("RuntimeError: boom").all()
    assert runs.loc[runs["error"].isna(), "agreement"].notna().all()


def test_lhs_and_sobol_designs_cover_their_ranges(tmp_path):
    lhs = load_spec(write_spec(tmp_path, """
scenario: SCENARIO
design: lhs
samples: 20
replicates: 1
parameters:
  lobbies.farmers.strength: {low: 0.1, high: 10, log: true}
  parties.southland.tactic.beta: {low: 0.5, high: 2.0}
""", "lhs.yaml"))
    values = np.array([p["lobbies.farmers.strength"] for p in lhs.points])
    assert len(values) == 20 and values.min() >= 0.1 and values.max() <= 10
    # Latin hypercube on a log scale: one point in each of 20 equal log-strata
    strata = np.floor((np.log(values) - np.log(0.1)) / (np.log(100) / 20)).astype(int)
    assert sorted(strata) == list(range(20))
    sobol = load_spec(write_spec(tmp_path, """
scenario: SCENARIO
design: sobol
samples: 16
replicates: 2
parameters:
  lobbies.farmers.strength: {low: 0.5, high: 3}
  parties.southland.tactic.beta: {low: 0.5, high: 2.0}
""", "sobol.yaml"))
    assert sobol.sobol == {"n": 16, "d": 2} and len(sobol.points) == 16 * 4
    a, b, ab0 = sobol.points[:16], sobol.points[16:32], sobol.points[32:48]
    for i in range(16):  # AB_0 takes column 0 from B and the rest from A
        assert ab0[i]["lobbies.farmers.strength"] == b[i]["lobbies.farmers.strength"]
        assert ab0[i]["parties.southland.tactic.beta"] == a[i]["parties.southland.tactic.beta"]


def test_seed_without_common_random_numbers_depends_on_the_point():
    spec = sim.sweep.SweepSpec(scenario="classroom", parameters={"lobbies.farmers.strength": [1]},
                               common_random_numbers=False, seed=5)
    assert run_seed(spec, 0, 0) != run_seed(spec, 1, 0)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("design: grid\nparameters: {lobbies.farmers.strenght: [1, 2]}", "no such parameter"),
        ("design: grid\nparameters: {lobbies.farmers.strength: [1, -2]}", "must lie in"),
        ("design: grid\nparameters: {lobbies.farmers.strength: {low: 1, high: 2}}",
         "needs a list of values"),
        ("design: lhs\nparameters: {lobbies.farmers.strength: [1, 2]}", "needs a range"),
        ("design: lhs\nparameters: {lobbies.farmers.strength: {low: 2, high: 1}}", "low < high"),
        ("design: grid\nreplicats: 3\nparameters: {lobbies.farmers.strength: [1]}",
         "unknown key"),
        ("design: grids\nparameters: {lobbies.farmers.strength: [1]}", "design"),
        ("parameters: {lobbies.farmers.strength: [1]}\noutcomes: [agreement, happiness]",
         "unknown outcome"),
    ],
)
def test_malformed_spec_is_one_line_exit_2(tmp_path, capsys, body, expected):
    spec = write_spec(tmp_path, f"scenario: SCENARIO\n{body}\n")
    assert main(["sweep", str(spec), "--out", str(tmp_path / "o"), "--quiet"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and expected in err and str(spec) in err


def test_missing_spec_or_scenario_and_a_foreign_folder_are_refused(tmp_path, capsys):
    assert main(["sweep", str(tmp_path / "none.yaml")]) == 2
    assert "no such file" in capsys.readouterr().err
    spec = write_spec(tmp_path, "scenario: nowhere.yaml\nparameters: {a.b: [1]}\n")
    assert main(["sweep", str(spec), "--quiet"]) == 2
    assert "scenario" in capsys.readouterr().err
    first = write_spec(tmp_path, GRID, "first.yaml")
    other = write_spec(tmp_path, GRID.replace("seed: 11", "seed: 12"), "other.yaml")
    out = tmp_path / "shared"
    assert main(["sweep", str(first), "--out", str(out), "--quiet", "--workers", "1"]) == 0
    capsys.readouterr()
    assert main(["sweep", str(other), "--out", str(out), "--quiet", "--workers", "1"]) == 2
    assert "holds a different sweep" in capsys.readouterr().err
    assert main(["sweep", str(first), "--workers", "0"]) == 2


def test_outcome_selection_keeps_only_those_columns(tmp_path):
    spec = write_spec(tmp_path, """
scenario: SCENARIO
replicates: 2
parameters: {lobbies.farmers.strength: [1.0]}
outcomes: [agreement, step, concessions]
""")
    plan = load_spec(spec)
    assert not plan.analyse()
    run_sweep(plan, tmp_path / "o", workers=1, progress=False)
    runs = read_results(tmp_path / "o")
    assert "utilities.southland" not in runs.columns and "nash.southland" not in runs.columns
    assert {"agreement", "step", "concessions.grain", "concessions.cars"} <= set(runs.columns)


def test_negsim_plot_writes_every_applicable_kind(grid_inline, capsys, tmp_path):
    tmp, _ = grid_inline
    assert main(["plot", str(tmp / "inline"), "--out", str(tmp_path / "png")]) == 0
    lines = capsys.readouterr().out.splitlines()
    written = [Path(line) for line in lines if line.endswith(".png")]
    assert {p.stem for p in written} == {"agreement", "dates", "concessions", "utility",
                                         "trajectories"}
    assert all(p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for p in written)
    assert any(line.startswith("skipped sobol") for line in lines)
    assert main(["plot", str(tmp_path), "--kind", "agreement"]) == 2
    assert main(["plot", str(tmp / "inline"), "--kind", "pie"]) == 2
