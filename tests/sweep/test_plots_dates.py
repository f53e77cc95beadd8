"""The dates plot: when deals are ratified, by level, with the calendar named above."""

from __future__ import annotations

import json

import matplotlib.pyplot as plt
import pandas as pd
import pytest
from plot_sweeps import ELECTION, STRENGTH, assert_png

import sim.sweep.plots as sp


def test_agreement_dates(grid_dir):
    res = sp.load(grid_dir)
    table = sp.agreement_dates(res)
    agreed = int(sp.agreement_mask(res.ok).sum())
    assert len(table) == agreed
    assert table["date"].is_monotonic_increasing
    assert table["ecdf"].iloc[-1] == pytest.approx(1.0)
    assert table["share_of_runs"].iloc[-1] == pytest.approx(agreed / 41)
    assert (table["date"] >= pd.Timestamp("2019-04-15")).all()


def test_dates_are_drawn_per_level_of_a_varied_election(grid_dir, tmp_path):
    res = sp.load(grid_dir)
    assert sp.level_grouping(res) == STRENGTH and sp.varied_elections(res) == {}
    runs = res.runs.copy()
    levels = ["2019-06-30", "2019-07-21", "2019-09-15"]
    runs[ELECTION] = [levels[p % 3] for p in runs["point"]]
    manifest = json.loads(json.dumps(res.manifest))
    manifest["parameters"] = [STRENGTH, ELECTION]
    manifest["spec"]["parameters"][ELECTION] = levels
    moved = sp.Results(res.dir, manifest, runs, None, res.scenario)
    assert sp.varied_elections(moved) == {ELECTION: ("japan", "upper_house_2019")}
    assert sp.level_grouping(moved) == ELECTION
    table = sp.agreement_by_parameter(moved, ELECTION)
    assert [d.date().isoformat() for d in table["level"]] == levels
    assert_png(sp.plot_kind(moved, "dates", tmp_path / "dates.png"))


def test_the_median_is_drawn_over_the_curves_and_named(grid_dir):
    res = sp.load(grid_dir)
    fig, ax = plt.subplots()
    sp.plot_dates_ecdf(ax, res)
    curves = max(line.get_zorder() for line in ax.lines if line.get_linestyle() != "None")
    diamonds = [line for line in ax.lines if line.get_marker() == "D"]
    assert diamonds and all(d.get_zorder() > curves for d in diamonds)
    texts = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any("median" in t for t in texts)
    plt.close(fig)


def test_the_dates_figure_names_the_calendar_in_a_strip(grid_dir, tmp_path):
    res = sp.load(grid_dir)
    fig = sp.KINDS["dates"].build(res)
    strip = fig.axes[0]
    names = {t.get_text() for t in strip.texts}
    assert {"G20 Osaka", "G7 Biarritz", "Japan upper-house election"} <= names
    assert not fig.axes[1].texts  # no name printed over the curves
    plt.close(fig)
    assert_png(sp.plot_kind(res, "dates", tmp_path / "dates.png"))


def test_dates_without_any_deal_are_skipped(grid_dir, tmp_path):
    res = sp.load(grid_dir)
    runs = res.runs.copy()
    runs["agreement"] = runs["agreement"].map(lambda v: False if v is not None else None)
    none = sp.Results(res.dir, res.manifest, runs, None, res.scenario)
    with pytest.raises(sp.SkipPlot, match="no run reached an agreement"):
        sp.plot_kind(none, "dates", tmp_path / "dates.png")
