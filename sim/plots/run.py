"""The figure of one run: offers per sector, aspirations and floors, lobby pressure.

Each panel function takes ``ax=`` and draws on it (Axelrod's convention); ``plot_run`` lays
them out on one figure: the sectors in a grid, then, across the full width, a strip that names
the calendar's marks, the governments' aspirations and floors, and the lobbies' weights with
election salience. The data behind the panels is the model's time series.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any

import matplotlib.pyplot as plt
from matplotlib import transforms
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import FixedLocator, FuncFormatter

from sim.calendar import possessive
from sim.plots.calendar import (
    STRIP_ROW_INCHES,
    Mark,
    calendar_handles,
    calendar_marks,
    draw_calendar,
    label_calendar,
)
from sim.plots.sectors import decorate_sector_axis
from sim.plots.style import (
    DEAL_COLOUR,
    FONT,
    LOBBY_COLOURS,
    REFERENCE_COLOUR,
    date_axis,
    party_colour,
)

if TYPE_CHECKING:
    import pandas as pd

    from sim.model import NegotiationModel

DPI = 110
LEGEND_OFFSET = 58  # points right of a bottom panel: past a twin axis' ticks and label


def _dates(series: pd.DataFrame) -> list[dt.date]:
    return [dt.date.fromisoformat(d) for d in series["date"]]


def run_marks(model: NegotiationModel) -> list[Mark]:
    """The calendar's marks up to the end of the run, with the deal if there is one."""
    spec = model.spec
    deal = model.calendar.date_of(model.t) if model.deal is not None else None
    return calendar_marks(spec, spec.calendar.start, model.calendar.date_of(model.t + 1), deal=deal)


def mark_calendar(ax: Any, model: NegotiationModel) -> list[Any]:
    """Shade summits; draw elections, hard deadlines, events and the deal (``draw_calendar``)."""
    return draw_calendar(ax, run_marks(model))


def plot_offers(ax: Any, model: NegotiationModel, series: pd.DataFrame, sector: str) -> Any:
    """Each side's offer in one sector over time, in [0, 1] and labelled in sector terms."""
    spec = model.spec
    dates = _dates(series)
    for i, p in enumerate(model.party_names):
        ax.plot(
            dates,
            series[f"offer.{p}.{sector}"],
            color=party_colour(i),
            lw=1.8,
            marker=".",
            ms=3.5,
            zorder=3,
            label=f"{possessive(spec.parties[p].label)} offer",
        )
    decorate_sector_axis(ax, spec.sectors[sector])
    if model.deal is not None:
        j = model.sector_names.index(sector)
        ax.plot(
            [model.calendar.date_of(model.t)],
            [model.deal[j]],
            marker="*",
            ms=13,
            color=DEAL_COLOUR,
            zorder=5,
            clip_on=False,
        )
    mark_calendar(ax, model)
    ax.set_ylabel("concession x", fontsize=FONT["label"])
    ax.tick_params(labelsize=FONT["tick"])
    return ax


def _legend_beside(ax: Any, handles: list[Any], labels: list[str] | None = None) -> Any:
    """A legend to the right of ``ax``, past a twin axis' labels: it hides no line."""
    anchor = transforms.offset_copy(
        ax.transAxes, fig=ax.get_figure(root=True), x=LEGEND_OFFSET, units="points"
    )
    kwargs = {"labels": labels} if labels is not None else {}
    return ax.legend(
        handles=handles,
        **kwargs,
        loc="upper left",
        bbox_to_anchor=(1.0, 1.0),
        bbox_transform=anchor,
        fontsize=FONT["legend"],
        frameon=False,
        borderaxespad=0.0,
    )


def plot_utilities(ax: Any, model: NegotiationModel, series: pd.DataFrame) -> Any:
    """Aspiration, mandate floor and no-deal value of each government (fixed yardstick)."""
    dates = _dates(series)
    for i, p in enumerate(model.party_names):
        colour = party_colour(i)
        label = model.spec.parties[p].label
        ax.plot(dates, series[f"aspiration.{p}"], color=colour, lw=2, label=f"{label}: aspiration")
        ax.plot(
            dates,
            series[f"floor.{p}"],
            color=colour,
            lw=1.3,
            ls="--",
            label=f"{label}: floor R + m",
        )
        ax.plot(
            dates, series[f"no_deal.{p}"], color=colour, lw=1.1, ls=":", label=f"{label}: no deal R"
        )
    mark_calendar(ax, model)
    ax.set_title("Negotiators' aspirations and governments' floors", fontsize=FONT["title"])
    ax.set_ylabel("utility (welfare points)", fontsize=FONT["label"])
    ax.tick_params(labelsize=FONT["tick"])
    ax.grid(alpha=0.25)
    _legend_beside(ax, ax.get_legend_handles_labels()[0])
    return ax


def _weight_ticks(top: float) -> list[float]:
    nice = [0.0, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0, 1000.0]
    ticks = [v for v in nice if v <= top * 1.05]
    return ticks if len(ticks) > 1 else [0.0, 1.0]


def plot_pressure(ax: Any, model: NegotiationModel, series: pd.DataFrame) -> Any:
    """Each lobby's weight in its government's utility, with election salience."""
    dates = _dates(series)
    top = 1.0
    for k, (name, lobby) in enumerate(model.lobbies_by_name.items()):
        values = series[f"weight.{name}"]
        top = max(top, float(values.max()))
        ax.plot(
            dates, values, lw=1.8, color=LOBBY_COLOURS[k % len(LOBBY_COLOURS)], label=lobby.label
        )
    ax.set_ylabel("lobby weight w = base + k P\n(symmetric log scale)", fontsize=FONT["label"])
    ax.set_yscale("symlog", linthresh=1.0)
    ax.yaxis.set_major_locator(FixedLocator(_weight_ticks(top)))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.set_ylim(bottom=0.0)
    twin = ax.twinx()
    for i, p in enumerate(model.party_names):
        if model.spec.parties[p].elections:
            twin.plot(
                dates,
                series[f"salience.{p}"],
                color=party_colour(i),
                lw=1.3,
                ls=(0, (4, 2)),
                alpha=0.8,
                label=f"{possessive(model.spec.parties[p].label)} election salience",
            )
    twin.set_ylabel("election salience (dashed)", fontsize=FONT["label"])
    twin.set_ylim(bottom=0.0)
    twin.tick_params(labelsize=FONT["tick"])
    twin.spines["right"].set_visible(True)
    mark_calendar(ax, model)
    ax.set_title("Lobby pressure and election salience", fontsize=FONT["title"])
    ax.tick_params(labelsize=FONT["tick"])
    ax.grid(alpha=0.25)
    lines, labels = ax.get_legend_handles_labels()
    more, more_labels = twin.get_legend_handles_labels()
    _legend_beside(twin, lines + more, labels + more_labels)
    return ax


def _verdict(model: NegotiationModel) -> str:
    outcome = model.outcome
    if outcome is None:
        return "running"
    if outcome.agreement:
        return f"agreement ratified on {outcome.date}"
    return f"no agreement ({outcome.ended}, {outcome.date})"


def plot_run(model: NegotiationModel, path: str | Path | None = None) -> Figure:
    """One figure of a run: every sector's offers, the calendar, aspirations, pressure.

    Args:
        model: A model (usually finished; a running one is drawn as far as it went).
        path: Write the figure there as a PNG and close it (the figure is still returned).

    """
    series = model.time_series().reset_index()
    sectors = model.sector_names
    ncols = min(4, max(2, len(sectors)))  # no empty panel for a three-sector scenario
    nrows = -(-len(sectors) // ncols)
    width = 4.2 * ncols + 0.6
    top_height = 2.75 * nrows + 0.9
    bottom_height = 0.6 + 2 * 2.6
    fig = plt.figure(figsize=(width, top_height + bottom_height + 0.5), layout="constrained")
    top, bottom = fig.subfigures(2, 1, height_ratios=[top_height, bottom_height], hspace=0.02)
    marks = run_marks(model)
    dates = _dates(series)
    lo = min(dates[0], model.spec.calendar.start) - dt.timedelta(days=5)
    hi = max(dates[-1], marks[-1].start if marks else dates[-1]) + dt.timedelta(days=5)

    grid = top.add_gridspec(nrows, ncols)
    first = None
    for k, sector in enumerate(sectors):
        ax = top.add_subplot(grid[k // ncols, k % ncols], sharex=first)
        first = first or ax
        plot_offers(ax, model, series, sector)
        if k % ncols:
            ax.set_ylabel("")
    rows = bottom.add_gridspec(3, 1, height_ratios=[0.6, 2.6, 2.6])
    strip = bottom.add_subplot(rows[0])
    utilities = plot_utilities(bottom.add_subplot(rows[1], sharex=strip), model, series)
    strip.set_title(utilities.get_title(), fontsize=FONT["title"])  # the marks' names: below it
    utilities.set_title("")
    pressure = plot_pressure(bottom.add_subplot(rows[2], sharex=strip), model, series)
    utilities.tick_params(labelbottom=False)
    for ax in (first, strip):
        ax.set_xlim(lo, hi)
    for ax in [*top.axes, utilities, pressure]:
        date_axis(ax, maxticks=7)

    handles = [
        Line2D([], [], color=party_colour(i), lw=1.8, marker=".", ms=7, label=label)
        for i, label in enumerate(
            f"{possessive(model.spec.parties[p].label)} offer" for p in model.party_names
        )
    ]
    if model.deal is not None:
        handles.append(
            Line2D([], [], color=DEAL_COLOUR, lw=1.6, marker="*", ms=12, label="ratified deal")
        )
    if any(model.spec.sectors[s].references for s in sectors):
        handles.append(
            Line2D([], [], color=REFERENCE_COLOUR, lw=0.9, ls="-.", label="focal level (e.g. TPP)")
        )
    handles += [h for h in calendar_handles(marks) if h.get_label() != "deal ratified"]
    top.legend(
        handles=handles,
        loc="outside upper center",
        ncol=min(len(handles), 5),
        fontsize=FONT["legend"],
        frameon=False,
    )
    fig.suptitle(
        f"{model.spec.title} — seed {model.seed}: {_verdict(model)}", fontsize=FONT["suptitle"]
    )
    n = label_calendar(strip, marks)
    rows.set_height_ratios([max(n, 1) * STRIP_ROW_INCHES, 2.6, 2.6])
    if path is not None:
        fig.savefig(path, dpi=DPI, format="png")
        plt.close(fig)
    return fig
