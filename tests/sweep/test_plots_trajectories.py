"""The trajectories plot: offers over time, split by level rather than pooled."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pytest
from plot_sweeps import STRENGTH, assert_png

import sim.sweep.plots as sp


def test_trajectory_quantiles(grid_dir):
    res = sp.load(grid_dir)
    q = sp.trajectory_quantiles(res, "offer.japan.beef")
    assert list(q.columns) == ["date", "n", "q05", "q25", "q50", "q75", "q95"]
    assert q.index.name == "step" and q.index.is_monotonic_increasing
    assert (q["n"] <= 12).all() and q["n"].iloc[0] >= 1
    ordered = q[["q05", "q25", "q50", "q75", "q95"]].diff(axis=1).iloc[:, 1:]
    assert (ordered >= -1e-12).all().all()
    some = sp.trajectory_quantiles(res, "offer.japan.beef", (0.5,), runs=[0, 1])
    assert list(some.columns) == ["date", "n", "q50"] and (some["n"] <= 2).all()
    with pytest.raises(ValueError, match="no time-series column"):
        sp.trajectory_quantiles(res, "offer.nobody.beef")
    with pytest.raises(ValueError, match="no time series"):
        sp.trajectory_quantiles(sp.Results(res.dir, res.manifest, res.runs, None, None),
                                "offer.japan.beef")  # fmt: skip


def test_trajectories_are_split_by_level(grid_dir, tmp_path):
    res = sp.load(grid_dir)
    assert sp.level_grouping(res) == STRENGTH
    fig = sp.KINDS["trajectories"].build(res)
    titles = [ax.get_title() for ax in fig.axes]
    assert "Beef: Japan's offers" in titles and "Beef: United States' offers" in titles
    beef = fig.axes[titles.index("Beef: Japan's offers")]
    curves = [line for line in beef.lines if line.get_linewidth() == 1.8]
    assert len({line.get_color() for line in curves}) == 3  # one colour per strength level
    legend = " ".join(t.get_text() for leg in fig.subfigs[0].legends for t in leg.get_texts())
    assert "0.5 (4 runs)" in legend
    plt.close(fig)
    assert_png(sp.plot_kind(res, "trajectories", tmp_path / "trajectories.png"))


def test_trajectories_are_pooled_without_levels(grid_dir, tmp_path):
    res = sp.load(grid_dir)
    manifest = {**res.manifest, "parameters": []}
    pooled = sp.Results(res.dir, manifest, res.runs, res.timeseries, res.scenario)
    fig = sp.KINDS["trajectories"].build(pooled)
    assert any(ax.get_title().startswith("Beef") for ax in fig.axes)
    plt.close(fig)
    assert_png(sp.plot_kind(pooled, "trajectories", tmp_path / "pooled.png"))
