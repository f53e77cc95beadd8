"""Plots of one run: offers per sector with the calendar marked, utilities, lobby pressure.

Each panel function takes ``ax=`` and draws on it (Axelrod's convention); ``plot_run`` lays
them out on one figure. The data behind the panels is the model's time series.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from sim.calendar import possessive

if TYPE_CHECKING:
    import pandas as pd

    from sim.model import NegotiationModel
    from sim.scenario import Sector

PARTY_COLOURS = ["#1f4e9c", "#c0392b", "#2e8b57", "#8e44ad", "#d68910", "#17a589"]


def _dates(series: pd.DataFrame) -> list[dt.date]:
    return [dt.date.fromisoformat(d) for d in series["date"]]


def mark_calendar(ax: Any, model: NegotiationModel, *, labels: bool = False) -> None:
    """Shade summits, draw elections (dashed), events (dotted) and the deal (solid)."""
    spec = model.spec
    lo, _hi = spec.calendar.start, spec.calendar.end
    end_of_run = model.calendar.date_of(model.t + 1)
    for s in spec.summits.values():
        if s.start <= end_of_run:
            ax.axvspan(
                s.start,
                (s.end or s.start) + dt.timedelta(days=1),
                color="#f5b041",
                alpha=0.35,
                lw=0,
            )
            if labels:
                ax.annotate(
                    s.label,
                    (s.start, 1.0),
                    xycoords=("data", "axes fraction"),
                    rotation=90,
                    va="top",
                    ha="right",
                    fontsize=7,
                    color="#9a6a00",
                )
    for i, party in enumerate(spec.parties.values()):
        colour = PARTY_COLOURS[i % len(PARTY_COLOURS)]
        for e in party.elections.values():
            if lo <= e.date <= end_of_run:
                ax.axvline(e.date, color=colour, ls="--", lw=1.2)
                if labels:
                    ax.annotate(
                        e.label or "election",
                        (e.date, 1.0),
                        xycoords=("data", "axes fraction"),
                        rotation=90,
                        va="top",
                        ha="right",
                        fontsize=7,
                        color=colour,
                    )
    for ev in spec.events.values():
        if lo <= ev.date <= end_of_run:
            ax.axvline(ev.date, color="0.55", ls=":", lw=1)
    if model.deal is not None:
        ax.axvline(model.calendar.date_of(model.t), color="black", lw=1.5)


def decorate_sector_axis(ax: Any, s: Sector) -> None:
    """Make ``ax`` a concession axis in [0, 1] for one sector.

    Its focal levels (e.g. TPP) are lines, its own unit is on the right-hand axis and today's
    protection in the title.
    """
    for name, level in s.references.items():
        ax.axhline(level, color="0.3", lw=0.8, ls="-.")
        ax.annotate(
            name.upper(),
            (0.01, level),
            xycoords=("axes fraction", "data"),
            fontsize=7,
            va="bottom",
            color="0.3",
        )
    ax.set_ylim(-0.04, 1.04)
    ax.set_title(f"{s.label}: {s.unit}, {s.status_quo:g} today", fontsize=9)
    secondary = ax.secondary_yaxis(
        "right",
        functions=(s.level, lambda v, s=s: (v - s.status_quo) / (s.free_trade - s.status_quo)),
    )
    secondary.tick_params(labelsize=7)


def plot_offers(ax: Any, model: NegotiationModel, series: pd.DataFrame, sector: str) -> Any:
    """Each side's offer in one sector over time, in [0, 1] and labelled in sector terms."""
    spec = model.spec
    s = spec.sectors[sector]
    dates = _dates(series)
    for i, p in enumerate(model.party_names):
        ax.plot(
            dates,
            series[f"offer.{p}.{sector}"],
            color=PARTY_COLOURS[i % len(PARTY_COLOURS)],
            lw=1.6,
            marker=".",
            ms=3,
            label=f"{possessive(spec.parties[p].label)} offer",
        )
    decorate_sector_axis(ax, s)
    if model.deal is not None:
        j = model.sector_names.index(sector)
        ax.plot(
            [model.calendar.date_of(model.t)], [model.deal[j]], marker="*", ms=12, color="black"
        )
    mark_calendar(ax, model)
    ax.set_ylabel("concession x", fontsize=8)
    return ax


def plot_utilities(ax: Any, model: NegotiationModel, series: pd.DataFrame) -> Any:
    """Aspiration, mandate floor and no-deal value of each government (fixed yardstick)."""
    dates = _dates(series)
    for i, p in enumerate(model.party_names):
        colour = PARTY_COLOURS[i % len(PARTY_COLOURS)]
        label = model.spec.parties[p].label
        ax.plot(dates, series[f"aspiration.{p}"], color=colour, lw=2, label=f"{label}: aspiration")
        ax.plot(
            dates,
            series[f"floor.{p}"],
            color=colour,
            lw=1.2,
            ls="--",
            label=f"{label}: floor R + m",
        )
        ax.plot(
            dates, series[f"no_deal.{p}"], color=colour, lw=1, ls=":", label=f"{label}: no deal R"
        )
    mark_calendar(ax, model, labels=True)
    ax.set_title("Negotiators' aspirations and governments' floors", fontsize=9)
    ax.set_ylabel("utility (welfare points)", fontsize=8)
    ax.legend(fontsize=7, ncol=2, loc="best")
    return ax


def plot_pressure(ax: Any, model: NegotiationModel, series: pd.DataFrame) -> Any:
    """Each lobby's weight in its government's utility, with election salience."""
    dates = _dates(series)
    for name, lobby in model.lobbies_by_name.items():
        ax.plot(dates, series[f"weight.{name}"], lw=1.6, label=lobby.label)
    ax.set_ylabel("lobby weight w = base + k P", fontsize=8)
    ax.set_yscale("symlog", linthresh=1.0)
    twin = ax.twinx()
    for i, p in enumerate(model.party_names):
        if model.spec.parties[p].elections:
            twin.plot(
                dates,
                series[f"salience.{p}"],
                color=PARTY_COLOURS[i % len(PARTY_COLOURS)],
                lw=1,
                ls="--",
                alpha=0.7,
                label=f"{model.spec.parties[p].label}: salience",
            )
    twin.set_ylabel("election salience", fontsize=8)
    mark_calendar(ax, model)
    ax.set_title("Lobby pressure and election salience", fontsize=9)
    lines = ax.get_legend_handles_labels()
    more = twin.get_legend_handles_labels()
    ax.legend(lines[0] + more[0], lines[1] + more[1], fontsize=7, loc="upper left")
    return ax


def plot_run(model: NegotiationModel, path: str | Path | None = None) -> Figure:
    """One figure of a finished run: every sector's offers, utilities, pressure."""
    series = model.time_series().reset_index()
    sectors = model.sector_names
    ncols = min(4, max(2, len(sectors)))  # no empty panel for a three-sector scenario
    nrows = -(-len(sectors) // ncols) + 1
    fig = plt.figure(figsize=(4.2 * ncols, 2.9 * nrows + 0.6), layout="constrained")
    grid = fig.add_gridspec(nrows, ncols)
    first = None
    for k, sector in enumerate(sectors):
        ax = fig.add_subplot(grid[k // ncols, k % ncols], sharex=first)
        first = first or ax
        plot_offers(ax, model, series, sector)
    plot_utilities(fig.add_subplot(grid[nrows - 1, : ncols // 2], sharex=first), model, series)
    plot_pressure(fig.add_subplot(grid[nrows - 1, ncols // 2 :], sharex=first), model, series)
    for ax in fig.axes:
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(mdates.AutoDateLocator()))
        ax.tick_params(labelsize=7)
    handles, labels = first.get_legend_handles_labels()
    outcome = model.outcome
    verdict = (
        f"agreement on {outcome.date}"
        if outcome and outcome.agreement
        else f"no agreement ({outcome.ended}, {outcome.date})"
        if outcome
        else "running"
    )
    fig.suptitle(
        f"{model.spec.title} — seed {model.seed}: {verdict}\n"
        "shaded: summits; dashed: elections; dotted: events; solid black: ratified deal",
        fontsize=10,
    )
    fig.legend(handles, labels, loc="outside lower center", ncol=len(labels), fontsize=8)
    if path is not None:
        fig.savefig(path, dpi=110, format="png")
        plt.close(fig)
    return fig
