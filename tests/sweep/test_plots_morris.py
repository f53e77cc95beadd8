"""Morris screening: the design (SALib's trajectories) and the figure (SALib's mu* and sigma).

A synthetic sweep whose outcome is a known linear function gives elementary effects known
exactly; a real sweep through the engine checks the layout end to end.
"""

from __future__ import annotations

import datetime as dt
import json

import matplotlib.pyplot as plt
import numpy as np
import pytest
from plot_sweeps import CONFIG, RESPONSE, STRENGTH, assert_png, flatten, run_point, write_sweep
from pydantic import ValidationError

import sim.sweep.plots as sp
from sim.cli import main
from sim.sweep.plan import design_points, morris_trajectories
from sim.sweep.spec import SweepSpec

PARAMS = {STRENGTH: {"low": 0.5, "high": 2.0, "log": False},
          RESPONSE: {"low": 1.0, "high": 8.0, "log": True}}  # fmt: skip


def morris_spec(**changes) -> SweepSpec:
    spec = {"scenario": str(CONFIG), "design": "morris", "samples": 10, "levels": 4,
            "replicates": 2, "seed": 3, "parameters": PARAMS}  # fmt: skip
    return SweepSpec.model_validate({**spec, **changes})


def morris_sweep(folder, r: int = 10):
    """r trajectories; step = 10 + 30 a + 3 b (+ replicate), a and b the parameters' quantiles
    (on the grid of thirds, so steps are whole): elementary effects per whole range are exactly
    30 and 3, so mu* = 30 and 3, sigma = 0."""
    spec = morris_spec(samples=r)
    points, shape = design_points(spec)
    template = flatten(run_point({}, 1)[0])
    unit = morris_trajectories(spec)
    rows = []
    for point, ((a, b), values) in enumerate(zip(unit, points, strict=True)):
        for rep in range(2):
            step = 10 + round(30 * a) + round(3 * b) + rep
            row = dict(template)
            when = dt.date(2019, 4, 15) + dt.timedelta(weeks=int(step))
            row.update(agreement=bool(a > 0.5), step=step, date=when.isoformat())
            run_id = 2 * point + rep
            rows.append({"run_id": run_id, "point": point, "replicate": rep,
                         "seed": 10 + run_id, **values, **row})  # fmt: skip
    rows_spec = spec.model_dump(mode="json")
    folder = write_sweep(folder, rows_spec, list(PARAMS), rows, n_points=len(points))
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["morris"] = shape
    (folder / "manifest.json").write_text(json.dumps(manifest))
    return folder


@pytest.fixture(scope="module")
def morris_dir(tmp_path_factory):
    return morris_sweep(tmp_path_factory.mktemp("sweeps") / "morris")


def test_the_design_is_r_trajectories_of_one_step_per_parameter_on_the_grid():
    spec = morris_spec()
    points, shape = design_points(spec)
    assert shape == {"r": 10, "d": 2, "levels": 4} and len(points) == spec.n_points == 30
    unit = morris_trajectories(spec)
    assert set(np.round(unit.ravel() * 3, 12)) <= {0.0, 1.0, 2.0, 3.0}  # 4 levels
    for k in range(10):
        steps = np.diff(unit[3 * k : 3 * k + 3], axis=0)
        # each move changes one parameter, by Morris's step of levels / (2 (levels - 1))
        assert (np.count_nonzero(np.abs(steps) > 1e-12, axis=1) == 1).all()
        assert np.allclose(np.abs(steps).sum(axis=1), 4 / 6)
    # the values are the ranges' quantiles, log-uniform where the range says so
    low, high = PARAMS[RESPONSE]["low"], PARAMS[RESPONSE]["high"]
    for u, p in zip(unit, points, strict=True):
        assert p[STRENGTH] == pytest.approx(0.5 + 1.5 * u[0])
        assert p[RESPONSE] == pytest.approx(low * (high / low) ** u[1])
    again, _ = design_points(spec)
    assert again == points  # seeded
    assert design_points(morris_spec(seed=4))[0] != points


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"samples": 1}, "at least 2 trajectories"),
        ({"levels": 5}, "even number of levels"),
        ({"levels": 1}, "levels"),
        ({"design": "lhs", "levels": 4}, "only a morris design has levels"),
        ({"parameters": {STRENGTH: [0.5, 1.0]}}, "needs a range"),
        ({"samples": 600_000}, "at most"),
    ],
)
def test_a_bad_morris_spec_is_refused_with_its_field(changes, words):
    with pytest.raises(ValidationError, match=words):
        morris_spec(**changes)


def test_mu_star_and_sigma_are_the_known_elementary_effects(morris_dir):
    table = sp.morris_table(sp.load(morris_dir), "step").set_index("parameter")
    assert table.loc[STRENGTH, "mu_star"] == pytest.approx(30.0)
    assert table.loc[RESPONSE, "mu_star"] == pytest.approx(3.0)
    assert table["sigma"].to_numpy() == pytest.approx([0.0, 0.0], abs=1e-9)
    assert (table["r"] == 10).all()
    agreement = sp.morris_table(sp.load(morris_dir), "agreement").set_index("parameter")
    assert agreement.loc[STRENGTH, "mu_star"] > 0.0 == agreement.loc[RESPONSE, "mu_star"]


def test_a_trajectory_with_a_missing_point_is_left_out_whole(morris_dir):
    res = sp.load(morris_dir)
    runs = res.runs[res.runs["point"] != 4]  # point 4 is in trajectory 1 (points 3-5)
    part = sp.Results(res.dir, res.manifest, runs, None, res.scenario)
    table = sp.morris_table(part, "step").set_index("parameter")
    assert (table["r"] == 9).all() and table.loc[STRENGTH, "mu_star"] == pytest.approx(30.0)


def test_the_morris_figure_and_its_refusals(morris_dir, grid_dir, tmp_path):
    fig = sp.KINDS["morris"].build(sp.load(morris_dir))
    assert len(fig.axes) == 2
    plt.close(fig)
    assert_png(sp.plot_kind(sp.load(morris_dir), "morris", tmp_path / "morris.png"))
    with pytest.raises(sp.SkipPlot, match="morris design"):
        sp.KINDS["morris"].build(sp.load(grid_dir))
    with pytest.raises(ValueError, match="morris design"):
        sp.morris_table(sp.load(grid_dir))


def test_a_morris_sweep_runs_and_plots_through_the_command_line(tmp_path):
    spec = tmp_path / "morris.yaml"
    spec.write_text(
        "scenario: classroom\ndesign: morris\nsamples: 3\nreplicates: 1\nseed: 2\n"
        "outcomes: [agreement, step]\nparameters:\n"
        "  lobbies.farmers.strength: {low: 0.3, high: 3.0}\n"
        "  parties.southland.mandate_floor: {low: 0.02, high: 0.4}\n"
    )
    out = tmp_path / "out"
    assert main(["sweep", str(spec), "--out", str(out), "--workers", "1"]) == 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["morris"] == {"r": 3, "d": 2, "levels": 4} and manifest["n_points"] == 9
    table = sp.morris_table(sp.load(out), "step")
    assert (table["r"] == 3).all() and np.isfinite(table["mu_star"]).all()
    assert main(["plot", str(out), "--kind", "morris", "--out", str(tmp_path / "png")]) == 0
    assert_png(tmp_path / "png" / "morris.png")


def test_a_morris_manifest_whose_parameters_are_not_ranges_is_refused(morris_dir, tmp_path):
    """The plot maps points back onto the ranges: a damaged or foreign manifest is one line."""
    import shutil

    folder = tmp_path / "damaged"
    shutil.copytree(morris_dir, folder)
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["spec"]["parameters"][STRENGTH] = [0.5, 2.0]
    (folder / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(sp.SweepDataError, match=f"spec.parameters.{STRENGTH}: .*ranges"):
        sp.load(folder)
    assert main(["plot", str(folder), "--kind", "morris", "--out", str(tmp_path / "png")]) == 2
