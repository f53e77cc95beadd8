"""The utility plot: who gains, by level, and each deal against its own run's frontier."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest
from plot_sweeps import US_BETA, assert_png

import sim.sweep.plots as sp


def test_gains_carry_their_design_level(tactics_dir):
    res = sp.load(tactics_dir)
    gains = sp.gains_by_level(res)
    agreed = res.agreed
    assert len(gains) == len(agreed) and (gains["level"] >= 0).all()
    assert np.allclose(gains["x"], agreed["gains.united_states"])
    levels = sp.design_levels(res)
    first = agreed.iloc[0]
    label = levels.table.iloc[gains["level"].iloc[0]]["label"]
    assert label.startswith(f"{first[US_BETA]:.3g},")


def test_deals_never_lie_beyond_their_own_frontier(grid_dir):
    res = sp.load(grid_dir)
    deals, frontiers = sp.deal_frontiers(res)
    assert len(deals) == len(res.agreed) and set(frontiers["run_id"]) == set(deals["run_id"])
    for deal in deals.itertuples():
        line = frontiers[frontiers["run_id"] == deal.run_id]
        assert line["x"].is_monotonic_increasing
        assert np.interp(deal.x, line["x"], line["y"]) >= deal.y - 1e-9
        assert deal.gap >= 0
    # The deals are the sweep's own: their gains, in units of their Nash gains.
    recorded = res.agreed.set_index("run_id")
    for deal in deals.head(5).itertuples():
        row = recorded.loc[deal.run_id]
        assert deal.x * deal.nash_x == pytest.approx(row["gains.united_states"], abs=1e-9)
        assert deal.y * deal.nash_y == pytest.approx(row["gains.japan"], abs=1e-9)
        no_deal = row["utilities.united_states"] - row["gains.united_states"]
        assert deal.nash_x == pytest.approx(row["nash.united_states"] - no_deal)


def test_a_sample_of_deals_keeps_every_level(tactics_dir):
    res = sp.load(tactics_dir)
    deals, _ = sp.deal_frontiers(res, max_runs=12)
    assert 9 <= len(deals) <= 14 and deals["level"].nunique() == 9


def test_a_run_that_does_not_replay_as_recorded_is_refused(grid_dir):
    res = sp.load(grid_dir)
    runs = res.runs.copy()
    first = res.agreed["run_id"].iloc[0]
    runs.loc[runs["run_id"] == first, "seed"] += 7919
    runs.loc[runs["run_id"] == first, "step"] += 1
    changed = sp.Results(res.dir, res.manifest, runs, None, res.scenario)
    with pytest.raises(sp.ReplayMismatch, match=f"run {first}"):
        sp.replay(changed, [first])


def test_the_utility_figure_colours_by_level(tactics_dir, tmp_path):
    res = sp.load(tactics_dir)
    fig = sp.KINDS["utility"].build(res)
    axes = [ax for ax in fig.axes if ax.get_title()]
    titles = [ax.get_title() for ax in axes]
    assert titles[0].startswith("Gains over no deal") and "own run's Pareto frontier" in titles[1]
    legend = [t.get_text() for t in axes[0].get_legend().get_texts()]
    assert "United States tactic beta:" in legend and "Japan tactic beta:" in legend
    colours = {tuple(c) for coll in axes[0].collections for c in coll.get_facecolors()}
    assert len(colours) >= 3
    assert sum("mean gain over no deal per cell" in t for t in titles) == 2
    plt.close(fig)
    assert_png(sp.plot_kind(res, "utility", tmp_path / "utility.png"))


def test_utility_without_nash_utilities_or_scenario(grid_dir, tmp_path):
    res = sp.load(grid_dir)
    dropped = [c for c in res.runs if c.startswith(("utilities.", "nash."))]
    gains_only = res.runs.drop(columns=dropped)
    part = sp.Results(res.dir, res.manifest, gains_only, None, res.scenario)
    assert_png(sp.plot_kind(part, "utility", tmp_path / "gains.png"))
    alone = sp.Results(res.dir, res.manifest, res.runs, None, None, "gone")
    fig = sp.KINDS["utility"].build(alone)
    titles = [ax.get_title() for ax in fig.axes if ax.get_visible()]
    assert not any("frontier" in t for t in titles)  # no replay without the scenario
    assert sum("per cell" in t for t in titles) == 2
    plt.close(fig)


def test_utility_without_any_deal(grid_dir, tmp_path):
    res = sp.load(grid_dir)
    runs = res.runs.copy()
    runs["agreement"] = runs["agreement"].map(lambda v: False if v is not None else None)
    none = sp.Results(res.dir, res.manifest, runs, None, res.scenario)
    assert_png(sp.plot_kind(none, "utility", tmp_path / "utility.png"))


def test_runs_that_do_not_replay_leave_the_gains_and_say_why(grid_dir, tmp_path):
    res = sp.load(grid_dir)
    runs = res.runs.copy()
    runs["step"] = runs["step"] + 1
    changed = sp.Results(res.dir, res.manifest, runs, None, res.scenario)
    fig = sp.KINDS["utility"].build(changed)
    notes = [t.get_text() for ax in fig.axes for t in ax.texts]
    assert any("does not replay as recorded" in t for t in notes)
    plt.close(fig)
