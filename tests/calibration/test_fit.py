"""The fit: the same posterior with any executor and across an interruption; every output."""

import json
from pathlib import Path

import pandas as pd
import pytest

from sim.calibration import load_calibration
from sim.calibration.executors import DaskExecutor, LocalExecutor, PoolExecutor
from sim.calibration.predictive import read_posterior
from sim.calibration.runner import CalibrationInterrupted, _Bar, fit
from sim.cli import main
from sim.errors import ScenarioError
from sim.scenario import load_scenario


def _posterior(plan, out: Path, executor) -> pd.DataFrame:
    result = fit(plan, out, executor, progress=False, echo=None)
    assert len(result.generations) == plan.spec.method.generations
    return read_posterior(result.db, plan.paths)


def test_same_posterior_in_process_in_a_pool_and_on_dask(tiny_spec, tmp_path):
    plan = load_calibration(tiny_spec)
    local = _posterior(plan, tmp_path / "local", LocalExecutor())
    pool = PoolExecutor(2)
    try:
        pooled = _posterior(plan, tmp_path / "pool", pool)
    finally:
        pool.close()
    pd.testing.assert_frame_equal(local, pooled)
    distributed = pytest.importorskip("distributed")
    with distributed.Client(
        processes=False, n_workers=1, threads_per_worker=2, dashboard_address=None
    ) as client:
        on_dask = _posterior(plan, tmp_path / "dask", DaskExecutor(client=client))
    pd.testing.assert_frame_equal(local, on_dask)
    assert len(local) == plan.spec.method.population
    assert local["weight"].sum() == pytest.approx(1.0)


def test_an_interrupted_fit_resumes_to_the_same_posterior(tiny_spec, tmp_path, monkeypatch):
    plan = load_calibration(tiny_spec)
    whole = _posterior(plan, tmp_path / "whole", LocalExecutor())
    calls = []

    def interrupt(self, accepted, n):
        calls.append(self.label)
        if self.label == "generation 1" and accepted >= 5:
            raise KeyboardInterrupt

    monkeypatch.setattr(_Bar, "__call__", interrupt)
    with pytest.raises(CalibrationInterrupted, match="1 generation"):
        fit(plan, tmp_path / "cut", LocalExecutor(), progress=False, echo=None)
    monkeypatch.undo()
    lines = []
    resumed = fit(plan, tmp_path / "cut", LocalExecutor(), progress=False, echo=lines.append)
    assert resumed.resumed_from == 1 and resumed.ran_now == 1
    assert lines[0].startswith("resuming: 1 generation")
    pd.testing.assert_frame_equal(whole, read_posterior(resumed.db, plan.paths))
    again = fit(plan, tmp_path / "cut", LocalExecutor(), progress=False, echo=None)
    assert again.ran_now == 0


def test_a_folder_of_another_spec_is_refused(tiny_spec, tmp_path):
    plan = load_calibration(tiny_spec)
    fit(plan, tmp_path / "out", LocalExecutor(), progress=False, echo=None)
    other = tiny_spec.read_text().replace("seed: 7", "seed: 8")
    tiny_spec.write_text(other)
    with pytest.raises(ScenarioError, match="another spec"):
        fit(load_calibration(tiny_spec), tmp_path / "out", LocalExecutor(), echo=None)


def test_negsim_calibrate_writes_every_output(tiny_spec, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["calibrate", str(tiny_spec), "--workers", "1", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "generation 2/2" in printed and "dairy (held out)" in printed
    for name in [
        "posterior.parquet",
        "predictive.parquet",
        "calibrated_check.parquet",
        "posterior_marginals.png",
        "posterior_pairs.png",
        "predictive.png",
        "classroom_calibrated.yaml",
        "calibration.json",
        "abc.db",
    ]:
        assert (out / name).is_file(), name
    summary = json.loads((out / "calibration.json").read_text())
    assert summary["final"]["population"] == 20
    assert len(summary["tolerances"]) == 2
    assert summary["tolerances"][1] < summary["tolerances"][0]
    assert set(summary["targets"]) == {"date", "grain", "dairy"}
    assert summary["targets"]["dairy"]["holdout"] is True
    assert 0 <= summary["timing"]["model_share_of_worker_time"] <= 1
    posterior = pd.read_parquet(out / "posterior.parquet")
    assert {"weight", "lobbies.farmers.strength"} <= set(posterior.columns)
    # The calibrated scenario is one `negsim run` accepts, with the posterior as choices.
    calibrated = load_scenario(out / "classroom_calibrated.yaml")
    strength = calibrated.lobbies["farmers"].strength
    assert strength.dist == "choice"
    assert set(strength.values) == set(posterior["lobbies.farmers.strength"])
    assert (
        main(
            [
                "run",
                str(out / "classroom_calibrated.yaml"),
                "--no-plot",
                "--out",
                str(tmp_path / "run"),
            ]
        )
        == 0
    )
    # Run again: nothing left to fit, the outputs are rewritten the same.
    before = pd.read_parquet(out / "predictive.parquet")
    assert main(["calibrate", str(tiny_spec), "--workers", "1", "--out", str(out), "--quiet"]) == 0
    pd.testing.assert_frame_equal(before, pd.read_parquet(out / "predictive.parquet"))
