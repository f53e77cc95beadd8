"""The figure of one run (`negsim run` writes it as run.png; notebooks call `sim.plots`)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pytest

import sim
import sim.plots


@pytest.fixture(scope="module")
def finished():
    model = sim.NegotiationModel(sim.load_scenario("usjapan_2019"), rng=1)
    model.run()
    return model


@pytest.fixture(scope="module")
def figure(finished):
    fig = sim.plots.plot_run(finished)
    fig.canvas.draw()
    yield fig
    plt.close(fig)


def test_the_names_notebooks_use_are_importable():
    names = ["plot_run", "plot_offers", "plot_utilities", "plot_pressure", "mark_calendar",
             "decorate_sector_axis", "draw_calendar", "calendar_marks"]  # fmt: skip
    assert all(callable(getattr(sim.plots, name)) for name in names)
    assert len(sim.plots.PARTY_COLOURS) >= 2


def test_plot_run_writes_a_png(finished, tmp_path):
    path = tmp_path / "run.png"
    fig = sim.plots.plot_run(finished, path)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not plt.fignum_exists(fig.number)  # written and closed


def test_every_right_axis_is_labelled(figure, finished):
    sectors = {
        finished.spec.sectors[s].label: finished.spec.sectors[s] for s in finished.sector_names
    }
    panels = [ax for ax in figure.axes if ax.get_title().split(" (")[0] in sectors]
    assert len(panels) == len(sectors)
    for ax in panels:
        (right,) = ax.child_axes  # the sector's own unit
        unit = sectors[ax.get_title().split(" (")[0]].unit
        assert " ".join(right.get_ylabel().split()) == unit
    twins = [ax for ax in figure.axes if ax.yaxis.get_label_position() == "right"]
    assert [ax.get_ylabel() for ax in twins] == ["election salience (dashed)"]


def test_fonts_are_readable(figure):
    sizes = [t.get_fontsize() for t in figure.findobj(plt.Text) if t.get_text().strip()]
    assert min(sizes) >= 8


def test_legends_hide_nothing(figure):
    renderer = figure.canvas.get_renderer()
    panels = [ax for ax in figure.axes if ax.lines and ax.get_label() != "<SecondaryAxis>"]
    legends = [ax.get_legend() for ax in figure.axes if ax.get_legend() is not None]
    legends += [leg for sub in figure.subfigs for leg in sub.legends]
    assert len(legends) >= 3
    for legend in legends:
        box = legend.get_window_extent(renderer)
        for ax in panels:
            assert not box.overlaps(ax.get_window_extent(renderer)), legend


def test_calendar_names_are_in_a_strip_not_over_the_lines(figure, finished):
    names = {m.label for m in sim.plots.run_marks(finished)}
    where = {ax.get_title(): {t.get_text() for t in ax.texts} for ax in figure.axes}
    strip = where.pop("Negotiators' aspirations and governments' floors")
    assert {"G20 Osaka", "Japan upper-house election", "deal ratified"} <= strip
    assert all(not (texts & names) for texts in where.values())  # no name over a panel's lines


def test_a_run_without_a_deal(tmp_path):
    model = sim.NegotiationModel(sim.load_scenario("classroom"), rng=3)
    outcome = model.run()
    assert not outcome.agreement
    fig = sim.plots.plot_run(model)
    legend = [t.get_text() for sub in fig.subfigs for leg in sub.legends for t in leg.get_texts()]
    assert "ratified deal" not in legend and "Southland election" in legend
    assert "no agreement" in fig.get_suptitle()
    plt.close(fig)
