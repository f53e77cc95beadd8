"""The agreement plot: rates by level or bin with Wilson intervals, and by pair."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from plot_sweeps import ELECTION, JP_BETA, RESPONSE, STRENGTH, US_BETA, assert_png
from scipy import stats

import sim.sweep.plots as sp


def test_wilson_intervals_are_scipys():
    k, n = np.array([0, 5, 10, 97, 3]), np.array([10, 10, 10, 100, 7])
    low, high = sp.wilson_interval(k, n)
    for i in range(len(k)):
        ci = stats.binomtest(int(k[i]), int(n[i])).proportion_ci(method="wilson")
        assert low[i] == pytest.approx(ci.low) and high[i] == pytest.approx(ci.high)
    assert low[0] == 0 and high[0] == pytest.approx(0.2775, abs=1e-4)
    assert low[1] == pytest.approx(0.2366, abs=1e-4) and high[1] == pytest.approx(0.7634, abs=1e-4)
    assert high[2] == 1 and low[2] == pytest.approx(0.7225, abs=1e-4)
    low, high = sp.wilson_interval(0, 0)
    assert np.isnan(low) and np.isnan(high)
    narrow, wide = sp.wilson_interval([4], [8], confidence=0.5), sp.wilson_interval([4], [8])
    assert narrow[1][0] - narrow[0][0] < wide[1][0] - wide[0][0]


def test_agreement_by_parameter_on_a_grid(grid_dir):
    res = sp.load(grid_dir)
    table = sp.agreement_by_parameter(res, STRENGTH)
    assert table["level"].tolist() == [0.5, 1.0, 2.0]
    assert (table["low"] == table["high"]).all()
    assert table["runs"].sum() == 41 and table["runs"].tolist() == [13, 14, 14]
    assert table["agreements"].sum() == int(sp.agreement_mask(res.ok).sum())
    assert ((table["ci_low"] <= table["rate"]) & (table["rate"] <= table["ci_high"])).all()
    by_hand = res.ok[res.ok[STRENGTH] == 2.0]["agreement"].astype(bool).mean()
    assert table["rate"].iloc[2] == pytest.approx(by_hand)
    assert sp.agreement_by_parameter(res, RESPONSE)["level"].tolist() == [1.0, 6.0]


def test_agreement_by_parameter_bins_continuous_and_date_parameters(lhs_dir):
    res = sp.load(lhs_dir)
    table = sp.agreement_by_parameter(res, STRENGTH)
    assert len(table) == 4  # sqrt(16) quantile bins
    assert (table["low"] < table["high"]).all()
    assert ((table["low"] <= table["level"]) & (table["level"] <= table["high"])).all()
    assert table["runs"].sum() == 16 and table["runs"].min() >= 3
    dates = sp.agreement_by_parameter(res, ELECTION, bins=3)
    assert len(dates) == 3 and isinstance(dates["level"].iloc[0], pd.Timestamp)
    assert dates["low"].iloc[0] >= pd.Timestamp("2019-06-01")
    assert dates["high"].iloc[-1] <= pd.Timestamp("2019-10-15")


def test_agreement_by_pair_counts_every_cell(tactics_dir):
    res = sp.load(tactics_dir)
    table = sp.agreement_by_pair(res, US_BETA, JP_BETA)
    assert len(table) == 9 and (table["runs"] == 4).all()
    cell = res.ok[(res.ok[US_BETA] == 0.2) & (res.ok[JP_BETA] == 2.0)]
    row = table[(table["x"] == 0) & (table["y"] == 2)].iloc[0]
    assert row["agreements"] == int(cell["agreement"].astype(bool).sum())
    assert row["x_label"] == "0.2" and row["y_label"] == "2"
    assert sp.interaction_pair(res) == (US_BETA, JP_BETA)


def test_the_pair_of_a_continuous_design_is_the_two_that_move_agreement(lhs_dir):
    res = sp.load(lhs_dir)
    assert set(sp.interaction_pair(res)) == {STRENGTH, ELECTION}
    table = sp.agreement_by_pair(res, STRENGTH, ELECTION, bins=2)
    assert len(table) == 4 and table["runs"].sum() == 16


def test_panels_are_named_by_parameter_and_count_under_each_level(tactics_dir):
    res = sp.load(tactics_dir)
    fig, (left, right) = plt.subplots(1, 2)
    assert sp.plot_agreement(left, res, US_BETA) is left
    sp.plot_agreement(right, res, JP_BETA)
    assert left.get_title() == "United States tactic beta"
    assert right.get_title() == "Japan tactic beta"
    assert left.get_xscale() == "log"  # 0.2 .. 2
    labels = [t.get_text() for t in left.get_xticklabels()]
    assert labels == ["0.2\n10/12", "1\n11/12", "2\n12/12"] or all("/12" in t for t in labels)
    plt.close(fig)


def test_the_agreement_figure_has_an_interaction_panel(tactics_dir, tmp_path):
    res = sp.load(tactics_dir)
    fig = sp.KINDS["agreement"].build(res)
    titles = [ax.get_title() for ax in fig.axes]
    assert "United States tactic beta" in titles and "Japan tactic beta" in titles
    assert any("Both at once" in t for t in titles)
    heat = next(ax for ax in fig.axes if "Both at once" in ax.get_title())
    assert len(heat.texts) == 9
    plt.close(fig)
    assert_png(sp.plot_kind(res, "agreement", tmp_path / "agreement.png"))


def test_the_agreement_plot_without_any_deal(grid_dir, tmp_path):
    res = sp.load(grid_dir)
    runs = res.runs.copy()
    runs["agreement"] = runs["agreement"].map(lambda v: False if v is not None else None)
    none = sp.Results(res.dir, res.manifest, runs, None, res.scenario)
    assert_png(sp.plot_kind(none, "agreement", tmp_path / "agreement.png"))
