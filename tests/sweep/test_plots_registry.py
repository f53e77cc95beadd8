"""The registry of plot kinds drives `negsim plot`: its help, its kinds, `plot_all`."""

from __future__ import annotations

import subprocess
import sys

import matplotlib.pyplot as plt
import pytest
from plot_sweeps import assert_png

import sim.sweep.plots as sp
from sim.cli import main
from sim.sweep.plots import registry


def _help(capsys) -> str:
    with pytest.raises(SystemExit) as done:
        main(["plot", "--help"])
    assert done.value.code == 0
    return capsys.readouterr().out


def test_the_registry_is_the_help(capsys):
    text = _help(capsys)
    for kind, entry in registry.KINDS.items():
        assert kind in text and entry.help in text
    assert list(sp.KINDS) == ["agreement", "dates", "concessions", "utility", "trajectories",
                              "sobol", "morris"]  # fmt: skip


def test_a_kind_registered_shows_up_in_the_help_and_in_plot_all(grid_dir, tmp_path, capsys,
                                                               monkeypatch):  # fmt: skip
    monkeypatch.setattr(registry, "KINDS", dict(registry.KINDS))

    def runs_per_point(results):
        fig, ax = plt.subplots()
        results.ok.groupby("point").size().plot.bar(ax=ax)
        return fig

    sp.register("runs", runs_per_point, "completed runs per design point")
    assert "completed runs per design point" in _help(capsys)
    for kind in ("dates", "concessions", "utility", "trajectories"):  # keep the test quick
        del registry.KINDS[kind]
    written = sp.plot_all(grid_dir, out=tmp_path)
    assert [p.name for p in written] == ["agreement.png", "runs.png"]
    assert [kind for kind, _ in written.skipped] == ["sobol", "morris"]
    assert main(["plot", str(grid_dir), "--kind", "runs", "--out", str(tmp_path / "cli")]) == 0
    assert (tmp_path / "cli" / "runs.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_registry_imports_no_plotting_library():
    code = "import sys, sim.sweep.plots.registry; print('matplotlib' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


def test_plot_all_on_a_grid_writes_every_kind_but_sobol_and_morris(grid_dir, tmp_path):
    written = sp.plot_all(grid_dir, out=tmp_path / "plots")
    assert [p.name for p in written] == ["agreement.png", "dates.png", "concessions.png",
                                         "utility.png", "trajectories.png"]  # fmt: skip
    for path in written:
        assert_png(path)
    assert [kind for kind, _ in written.skipped] == ["sobol", "morris"]
    assert "sobol design" in written.skipped[0][1] and "morris design" in written.skipped[1][1]


def test_plot_all_default_folder_and_chosen_kinds(lhs_dir):
    written = sp.plot_all(lhs_dir, kinds=["agreement", "trajectories", "concessions"])
    assert list(written) == [lhs_dir / "plots" / "agreement.png",
                             lhs_dir / "plots" / "concessions.png"]  # fmt: skip
    for path in written:
        assert_png(path)
    assert written.skipped == [
        ("trajectories", "no time series in the sweep (timeseries/ is empty or missing)")
    ]


def test_unknown_kinds_are_refused(grid_dir, tmp_path, capsys):
    with pytest.raises(ValueError, match="unknown plot kind"):
        sp.plot_all(grid_dir, kinds=["agreement", "pie"], out=tmp_path)
    assert not list(tmp_path.iterdir())
    with pytest.raises(ValueError, match="unknown plot kind"):
        sp.plot_kind(sp.load(grid_dir), "pie", tmp_path / "pie.png")
    assert main(["plot", str(grid_dir), "--kind", "pie"]) == 2
    err = capsys.readouterr().err
    assert "unknown kind 'pie'" in err and "agreement" in err


def test_every_kind_closes_its_figures(grid_dir, tmp_path):
    before = set(plt.get_fignums())
    sp.plot_all(grid_dir, kinds=["agreement", "dates"], out=tmp_path)
    assert set(plt.get_fignums()) == before
