"""The Sobol' plot: SALib's indices, checked against the estimator they replace."""

from __future__ import annotations

import json

import matplotlib.pyplot as plt
import numpy as np
import pytest
from plot_sweeps import RESPONSE, STRENGTH, assert_png

import sim.sweep.plots as sp


def saltelli_2010(f_a, f_b, f_ab):
    """First order (Saltelli et al. 2010) and total (Jansen 1999), centred as scipy does."""
    mean = np.mean(np.concatenate([f_a, f_b]))
    f_a, f_b, f_ab = f_a - mean, f_b - mean, f_ab - mean
    var = np.var(np.concatenate([f_a, f_b]))
    first = np.mean(f_b * (f_ab - f_a), axis=-1) / var
    return first, 0.5 * np.mean((f_a - f_ab) ** 2, axis=-1) / var


def test_sobol_table_ranks_the_parameter_with_the_larger_effect(sobol_dir):
    res = sp.load(sobol_dir)
    for outcome in ("agreement", "step"):
        table = sp.sobol_table(res, outcome)
        assert table["parameter"].tolist() == [STRENGTH, RESPONSE]
        assert table["n"].iloc[0] == 16 and table["variance"].iloc[0] > 0
        s1 = table.set_index("parameter")["S1"]
        st = table.set_index("parameter")["ST"]
        assert s1[STRENGTH] > s1[RESPONSE] and st[STRENGTH] > st[RESPONSE]
        assert s1[STRENGTH] > 0.5
        assert (table["S1_low"] <= table["S1_high"]).all()
        assert (table["ST_low"] <= table["ST_high"]).all()
    again = sp.sobol_table(res, "step")
    assert np.array_equal(again["S1_low"], sp.sobol_table(res, "step")["S1_low"])  # seeded


def test_salib_agrees_with_the_estimator_it_replaces_and_survives_missing_points(sobol_dir):
    res = sp.load(sobol_dir)
    table = sp.sobol_table(res, "step", n_resamples=99)
    y = res.ok.groupby("point")["step"].mean().to_numpy(float)
    s1, st = saltelli_2010(y[:16], y[16:32], y[32:].reshape(2, 16))
    assert np.allclose(table["S1"], s1, atol=0.02) and np.allclose(table["ST"], st, atol=1e-9)
    broken = res.runs.copy()
    broken.loc[broken["point"] == 3, "error"] = "RuntimeError: boom"
    partial = sp.Results(res.dir, res.manifest, broken, None, res.scenario)
    table = sp.sobol_table(partial, "step", n_resamples=99)
    assert table["n"].iloc[0] == 15 and np.isfinite(table["S1"]).all()


def test_a_constant_outcome_has_no_variance_to_apportion(sobol_dir):
    res = sp.load(sobol_dir)
    runs = res.runs.copy()
    runs["step"] = 12
    table = sp.sobol_table(sp.Results(res.dir, res.manifest, runs, None, None), "step")
    assert table["variance"].iloc[0] == 0 and (table["S1"] == 0).all()


def test_sobol_table_refuses_other_designs(grid_dir):
    with pytest.raises(ValueError, match="sobol design"):
        sp.sobol_table(sp.load(grid_dir))


def test_the_sobol_figure_names_parameters_across(sobol_dir, tmp_path):
    res = sp.load(sobol_dir)
    fig = sp.KINDS["sobol"].build(res)
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert labels == ["Japan pressure response", "JA-Zenchu strength"]  # bottom up, by ST
    plt.close(fig)
    written = sp.plot_all(sobol_dir, kinds=["sobol", "trajectories"], out=tmp_path)
    assert written == [tmp_path / "sobol.png"]
    assert_png(written[0])
    assert [kind for kind, _ in written.skipped] == ["trajectories"]


def test_the_sobol_plot_refuses_data_that_cannot_give_indices(sobol_dir, tmp_path):
    res = sp.load(sobol_dir)
    broken = res.runs.copy()
    broken.loc[broken["point"] % 16 >= 6, "error"] = "RuntimeError: boom"  # 6 usable base rows
    few = sp.Results(res.dir, res.manifest, broken, None, res.scenario)
    with pytest.raises(sp.SkipPlot, match=r"at least 8 base rows .* this sweep has 6 of 16"):
        sp.plot_kind(few, "sobol", tmp_path / "sobol.png")
    one = json.loads(json.dumps(res.manifest))
    one["sobol"] = {"n": 1, "d": 2}  # a one-sample design: its chart would be empty
    single = sp.Results(res.dir, one, res.runs[res.runs["point"] < 4], None, res.scenario)
    with pytest.raises(sp.SkipPlot, match="at least 8 base rows"):
        sp.plot_kind(single, "sobol", tmp_path / "sobol.png")
    assert not (tmp_path / "sobol.png").exists()
