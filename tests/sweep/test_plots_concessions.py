"""The concessions plot: the deals' terms per sector, without panels of empty boxes."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest
from plot_sweeps import RESPONSE, STRENGTH, assert_png

import sim.sweep.plots as sp


def test_concessions_by_parameter(grid_dir, lhs_dir):
    res = sp.load(grid_dir)
    table = sp.concessions_by_parameter(res, STRENGTH)
    agreed = int(sp.agreement_mask(res.ok).sum())
    assert len(table) == agreed * len(res.sectors)
    assert set(table["group"]) <= {0, 1, 2} and table["concession"].between(0, 1).all()
    beef = table[table["sector"] == "beef"]
    assert np.allclose(beef["in_terms"], 38.5 * (1 - beef["concession"]))  # 38.5% tariff today
    everything = sp.concessions_by_parameter(res, STRENGTH, agreed_only=False)
    assert len(everything) == 41 * len(res.sectors)
    quartiles = sp.concessions_by_parameter(sp.load(lhs_dir), STRENGTH)
    assert set(quartiles["group"]) <= {0, 1, 2, 3}
    assert quartiles.attrs["groups"]["label"].str.contains("–").all()


def test_sectors_that_never_move_get_no_panel_but_a_mention(grid_dir):
    res = sp.load(grid_dir)
    fixed = sp.fixed_sectors(res)
    assert {"autos", "auto_parts"} <= set(fixed) and "dairy" not in fixed
    assert fixed["autos"] == pytest.approx(0.0)
    fig = sp.KINDS["concessions"].build(res)
    titles = {ax.get_title().split(" (")[0] for ax in fig.axes}
    assert "Dairy" in titles and "Autos" not in titles and "Auto parts" not in titles
    legend = " ".join(t.get_text() for leg in fig.subfigs[0].legends for t in leg.get_texts())
    assert "Autos (today's level)" in legend and "not shown" in legend
    blocks = [sub._suptitle.get_text() for sub in fig.subfigs[0].subfigs]
    assert blocks[0].startswith("by JA-Zenchu strength") and "Japan pressure response" in blocks[1]
    plt.close(fig)


def test_the_concessions_figure(grid_dir, lhs_dir, tmp_path):
    assert_png(sp.plot_kind(sp.load(grid_dir), "concessions", tmp_path / "grid.png"))
    assert_png(sp.plot_kind(sp.load(lhs_dir), "concessions", tmp_path / "lhs.png"))


def test_concessions_without_any_deal_are_skipped(grid_dir, tmp_path):
    res = sp.load(grid_dir)
    runs = res.runs.copy()
    runs["agreement"] = runs["agreement"].map(lambda v: False if v is not None else None)
    none = sp.Results(res.dir, res.manifest, runs, None, res.scenario)
    with pytest.raises(sp.SkipPlot, match="no run reached an agreement"):
        sp.plot_kind(none, "concessions", tmp_path / "concessions.png")
    assert RESPONSE in res.parameters
