"""The teaching app's views: figures that follow a running model step by step.

A step may take at most 100 ms with its views redrawn, and a matplotlib figure with several
axes takes several hundred milliseconds to draw on a laptop. So every view here is a single
axes with a fixed layout, built once per model (axes, the calendar, empty lines); titles and
legends are left to the page (``heading`` and ``legend``, drawn as HTML by the browser); and
after a step ``png`` redraws only the artists that moved over a cached picture of the rest
(matplotlib's blitting), unless the axes' limits changed, then encodes the PNG the page shows
(``benchmarks/bench_app.py`` times it). The views take a model and know nothing of Solara, so
they can be tested and timed without a browser; ``sim.app.page`` wraps them.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import TYPE_CHECKING, Any

import matplotlib.dates as mdates
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure
from PIL import Image

from sim.analysis import nash_solution, pareto_frontier
from sim.calendar import possessive
from sim.plots import PARTY_COLOURS, calendar_legend_items, calendar_marks, draw_calendar
from sim.plots.style import LOBBY_COLOURS

if TYPE_CHECKING:
    from sim.model import NegotiationModel

FRONTIER_POINTS = 41
DPI = 80
BAND = 0.8  # height of a sector's band in the offers view (1 = the gap between bands)
TRAIL_WEEKS = 12


def _colour(i: int) -> str:
    return PARTY_COLOURS[i % len(PARTY_COLOURS)]


def _sticky_ylim(
    ax: Any, low: float, high: float, floor: float | None = None, headroom: float = 0.15
) -> None:
    """Widen the y-axis to hold ``[low, high]`` with headroom; keep it while the data fits.

    Limits that move every step would force a full redraw every step (see ``_Blitted``).
    """
    bottom, top = ax.get_ylim()
    span = high - low or 1.0
    fits = bottom <= low and high <= top and (high - low) >= 0.4 * (top - bottom)
    if not fits:
        new_bottom = low - headroom * span if floor is None else floor
        ax.set_ylim(new_bottom, high + headroom * span)


class _Blitted:
    """Rendering shared by the views: a cached background, the moving artists drawn over it.

    Subclasses set ``fig``, ``ax`` and ``moving`` (the artists ``update`` changes) and
    implement ``update``; everything else (axes, ticks, labels, the calendar) is drawn once
    and cached until the axes' limits change.
    """

    fig: Figure
    ax: Any
    moving: list[Any]

    def update(self, model: NegotiationModel) -> Figure:  # pragma: no cover - abstract
        raise NotImplementedError

    def png(self, model: NegotiationModel) -> bytes:
        """This step's picture as PNG bytes."""
        self.update(model)
        canvas = self.fig.canvas
        if not isinstance(canvas, FigureCanvasAgg):
            canvas = FigureCanvasAgg(self.fig)
        limits = (self.ax.get_xlim(), self.ax.get_ylim())
        if getattr(self, "_limits", None) != limits:
            for artist in self.moving:
                artist.set_visible(False)
            canvas.draw()
            self._background = canvas.copy_from_bbox(self.fig.bbox)
            self._limits = limits
            for artist in self.moving:
                artist.set_visible(True)
        canvas.restore_region(self._background)
        for artist in self.moving:
            self.ax.draw_artist(artist)
        width, height = canvas.get_width_height()
        image = Image.frombuffer("RGBA", (width, height), canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
        out = io.BytesIO()
        image.save(out, format="PNG", compress_level=1)
        return out.getvalue()


class _TimeView(_Blitted):
    """A single axes over the scenario's whole calendar, with elections and summits marked."""

    def __init__(self, model: NegotiationModel, size: tuple[float, float], margins: dict) -> None:
        self.fig = Figure(figsize=size, dpi=DPI)
        self.fig.subplots_adjust(**margins)
        self.ax = ax = self.fig.add_subplot()
        cal = model.spec.calendar
        ax.set_xlim(cal.start, cal.end)
        ax.xaxis.set_major_locator(mdates.MonthLocator(bymonth=range(1, 13, 2)))
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%b %Y"))
        ax.tick_params(labelsize=7)
        draw_calendar(ax, calendar_marks(model.spec))  # part of the cached background
        self.now = ax.axvline(cal.start, color="0.25", lw=0.8, alpha=0.5)

    def _columns(self, model: NegotiationModel) -> dict[str, list[Any]]:
        recorder = model.recorder
        return {name: [row[k] for row in recorder.rows] for k, name in enumerate(recorder.columns)}

    @staticmethod
    def _dates(model: NegotiationModel, steps: list[int]) -> list[dt.date]:
        return [model.calendar.date_of(t) for t in steps]


def _calendar_legend(model: NegotiationModel) -> list[tuple[str, str, str]]:
    return calendar_legend_items(calendar_marks(model.spec))


class OffersView(_TimeView):
    """Both sides' offers over time, one band per sector.

    In each band, today's protection is at the bottom and free trade at the top; the
    scenario's focal levels (e.g. TPP) are thin dash-dot lines.
    """

    def __init__(self, model: NegotiationModel) -> None:
        sectors = model.sector_names
        height = 0.8 + 0.42 * len(sectors)
        super().__init__(
            model, (7.6, height), {"left": 0.16, "right": 0.98, "top": 0.97, "bottom": 0.1}
        )
        ax = self.ax
        spec = model.spec
        cal = spec.calendar
        n = len(sectors)
        # Few artists, since each one costs time at every redraw: the bands are one
        # collection, the focal levels another, and each side's offers one line broken by NaN.
        x0, x1 = mdates.date2num(cal.start), mdates.date2num(cal.end)
        bands = [[(x0, j), (x1, j), (x1, j + BAND), (x0, j + BAND)] for j in range(n)]
        ax.add_collection(PolyCollection(bands, facecolors="0.95", edgecolors="none", zorder=0))
        focal = [
            j + BAND * level
            for j, name in enumerate(sectors)
            for level in spec.sectors[name].references.values()
        ]
        if focal:
            ax.hlines(focal, cal.start, cal.end, color="0.55", lw=0.6, ls="-.")
        self.lines: dict[str, Any] = {
            p: ax.plot([], [], color=_colour(i), lw=1.6)[0] for i, p in enumerate(model.party_names)
        }
        # This week's offers as dots (a marker at every point would double the drawing time).
        self.heads: dict[str, Any] = {
            p: ax.plot([], [], color=_colour(i), ls="", marker="o", ms=3)[0]
            for i, p in enumerate(model.party_names)
        }
        ax.set_yticks([j + BAND / 2 for j in range(n)])
        ax.set_yticklabels(
            [
                f"{spec.sectors[s].label} ({spec.sectors[s].status_quo:g}"
                f"→{spec.sectors[s].free_trade:g})"
                for s in sectors
            ],
            fontsize=7,
        )
        ax.set_ylim(-0.15, n - 1 + BAND + 0.15)
        (self.deal,) = ax.plot([], [], ls="", marker="*", ms=10, color="black")
        self.legend = [
            (_colour(i), "solid", f"{possessive(spec.parties[p].label)} offer")
            for i, p in enumerate(model.party_names)
        ] + [("#555555", "dashdot", "focal levels (e.g. TPP)"), ("black", "star", "the deal")]
        self.legend += _calendar_legend(model)
        self.moving = [*self.lines.values(), *self.heads.values(), self.deal, self.now]

    def update(self, model: NegotiationModel) -> Figure:
        """Redraw the offers up to the current step."""
        cols = self._columns(model)
        dates = self._dates(model, cols.get("step", []))
        nan = float("nan")
        days = [float(d) for d in mdates.date2num(dates)] if dates else []
        for p, line in self.lines.items():
            xs: list[float] = []
            ys: list[float] = []
            for j, sector in enumerate(model.sector_names):
                xs += [*days, nan]
                ys += [j + BAND * v for v in cols.get(f"offer.{p}.{sector}", [])] + [nan]
            line.set_data(xs, ys)
            offer = model.table.get(p)
            if days and offer is not None:
                self.heads[p].set_data(
                    [days[-1]] * len(offer), [j + BAND * v for j, v in enumerate(offer)]
                )
        if model.deal is not None:
            when = model.calendar.date_of(model.t)
            self.deal.set_data(
                [when] * len(model.deal), [j + BAND * v for j, v in enumerate(model.deal)]
            )
        if dates:
            self.now.set_xdata([dates[-1], dates[-1]])
        return self.fig

    def heading(self, model: NegotiationModel) -> str:
        """What the figure shows, for the page."""
        return (
            "Offers per sector: in each band, today's protection at the bottom and free trade "
            "at the top (weeks count from 0, as in negsim run)"
        )


class UtilitiesView(_TimeView):
    """Aspirations, floors and no-deal values over time.

    Each government's negotiator's aspiration, its floor ``R + m`` (the reservation value) and
    its no-deal value ``R``, with the value of the side's own offers as dots.
    """

    def __init__(self, model: NegotiationModel) -> None:
        super().__init__(
            model, (6.4, 3.0), {"left": 0.12, "right": 0.98, "top": 0.97, "bottom": 0.1}
        )
        ax = self.ax
        self.lines: dict[tuple[str, str], Any] = {}
        self.legend = []
        for i, p in enumerate(model.party_names):
            label = model.spec.parties[p].label
            c = _colour(i)
            self.lines[(p, "aspiration")] = ax.plot([], [], color=c, lw=2, marker=".", ms=3)[0]
            self.lines[(p, "floor")] = ax.plot([], [], color=c, lw=1.2, ls="--")[0]
            self.lines[(p, "no_deal")] = ax.plot([], [], color=c, lw=1, ls=":")[0]
            self.lines[(p, "utility_own_offer")] = ax.plot(
                [], [], color=c, lw=0, marker="o", ms=3, alpha=0.6
            )[0]
            self.legend += [
                (c, "solid", f"{label}: aspiration"),
                (c, "dashed", f"{label}: floor R + m (reservation value)"),
                (c, "dotted", f"{label}: no deal R"),
                (c, "dot", f"{label}: value of its own offer"),
            ]
        ax.set_ylabel("utility (welfare points)", fontsize=8)
        self.moving = [*self.lines.values(), self.now]

    def update(self, model: NegotiationModel) -> Figure:
        """Redraw the lines up to the current step and rescale the utility axis."""
        cols = self._columns(model)
        dates = self._dates(model, cols.get("step", []))
        values: list[float] = []
        for (p, what), line in self.lines.items():
            ys = cols.get(f"{what}.{p}", [])
            line.set_data(dates, ys)
            values += [v for v in ys if v == v]  # drop NaN
        if values:
            _sticky_ylim(self.ax, min(values), max(values))
            self.now.set_xdata([dates[-1], dates[-1]])
        return self.fig

    def heading(self, model: NegotiationModel) -> str:
        """What the figure shows, for the page."""
        return "Negotiators' aspirations fall toward their governments' floors"


class PressureView(_TimeView):
    """Each lobby's pressure ``P`` and each party's election salience over time."""

    def __init__(self, model: NegotiationModel) -> None:
        super().__init__(
            model, (6.4, 2.8), {"left": 0.08, "right": 0.98, "top": 0.97, "bottom": 0.11}
        )
        ax = self.ax
        self.lines: dict[str, Any] = {}
        self.legend = []
        for k, (name, lobby) in enumerate(model.lobbies_by_name.items()):
            c = LOBBY_COLOURS[k % len(LOBBY_COLOURS)]
            self.lines[f"pressure.{name}"] = ax.plot([], [], lw=1.6, color=c, marker=".", ms=3)[0]
            self.legend.append((c, "solid", f"{lobby.label}: pressure"))
        for i, p in enumerate(model.party_names):
            if model.spec.parties[p].elections:
                self.lines[f"salience.{p}"] = ax.plot([], [], color=_colour(i), lw=1.2, ls="--")[0]
                self.legend.append(
                    (_colour(i), "dashed", f"{model.spec.parties[p].label}: election salience")
                )
        self.moving = [*self.lines.values(), self.now]

    def update(self, model: NegotiationModel) -> Figure:
        """Redraw pressure and salience up to the current step."""
        cols = self._columns(model)
        dates = self._dates(model, cols.get("step", []))
        top = 1.0
        for key, line in self.lines.items():
            ys = cols.get(key, [])
            line.set_data(dates, ys)
            top = max([top, *ys])
        _sticky_ylim(self.ax, 0.0, top, floor=0.0, headroom=0.5)  # pressure climbs fast
        if dates:
            self.now.set_xdata([dates[-1], dates[-1]])
        return self.fig

    def heading(self, model: NegotiationModel) -> str:
        """What the figure shows, for the page."""
        return "Lobbies press harder as an election nears and trade becomes salient"


class UtilitySpaceView(_Blitted):
    """The utility space as the governments see it this week.

    The Pareto frontier, each side's floor (its win-set lies beyond it; Putnam 1988), the zone
    of agreement where both overlap, the no-deal point, the Nash (1950) bargaining solution and
    the trail of recent offers.
    """

    def __init__(self, model: NegotiationModel) -> None:
        self.fig = Figure(figsize=(4.8, 4.2), dpi=DPI)
        self.fig.subplots_adjust(left=0.15, right=0.97, top=0.97, bottom=0.12)
        self.ax = ax = self.fig.add_subplot()
        self.two_parties = len(model.party_names) == 2
        self.moving: list[Any] = []
        if not self.two_parties:
            ax.text(0.5, 0.5, "The utility space is drawn for two parties", ha="center")
            ax.set_axis_off()
            return
        pa, pb = model.party_names
        la, lb = model.spec.parties[pa].label, model.spec.parties[pb].label
        (self.frontier,) = ax.plot([], [], color="0.15", lw=1.6)
        (self.zone,) = ax.plot([], [], color="#27ae60", lw=5, alpha=0.55)
        self.floor_a = ax.axvline(0, color=_colour(0), ls="--", lw=1.2)
        self.floor_b = ax.axhline(0, color=_colour(1), ls="--", lw=1.2)
        (self.no_deal,) = ax.plot([], [], marker="s", color="0.4", ls="")
        (self.nash,) = ax.plot([], [], marker="*", ms=13, color="#f39c12", ls="")
        (self.path,) = ax.plot([], [], color="0.6", lw=0.7)
        self.trail = {
            p: ax.plot([], [], ls="", marker="o", ms=4, color=_colour(i))[0]
            for i, p in enumerate(model.party_names)
        }
        ax.set_xlabel(f"{possessive(la)} utility", fontsize=8)
        ax.set_ylabel(f"{possessive(lb)} utility", fontsize=8)
        ax.tick_params(labelsize=7)
        self.legend = [
            ("#262626", "solid", "Pareto frontier"),
            ("#27ae60", "thick", "zone of agreement (both win-sets)"),
            (_colour(0), "dashed", f"{possessive(la)} floor: its win-set lies to the right"),
            (_colour(1), "dashed", f"{possessive(lb)} floor: its win-set lies above"),
            ("#666666", "square", "no deal"),
            ("#f39c12", "star", "Nash bargaining solution"),
            (_colour(0), "dot", f"{possessive(la)} recent offers (valued when made)"),
            (_colour(1), "dot", f"{possessive(lb)} recent offers"),
        ]
        self.zone_open = False
        self.moving = [
            self.frontier, self.zone, self.floor_a, self.floor_b, self.no_deal, self.nash,
            self.path, *self.trail.values(),
        ]  # fmt: skip

    def update(self, model: NegotiationModel) -> Figure:
        """Recompute the frontier and the Nash point under this step's utilities."""
        if not self.two_parties:
            return self.fig
        a, b = model.sides()
        lo, hi = model.public_bounds
        front = pareto_frontier(a, b, lo, hi, points=FRONTIER_POINTS)
        fx = [p[0] for p in front]
        fy = [p[1] for p in front]
        self.frontier.set_data(fx, fy)
        zone = [(x, y) for x, y in zip(fx, fy, strict=True) if x >= a.floor and y >= b.floor]
        self.zone.set_data([z[0] for z in zone], [z[1] for z in zone])
        self.floor_a.set_xdata([a.floor, a.floor])
        self.floor_b.set_ydata([b.floor, b.floor])
        self.no_deal.set_data([a.disagreement], [b.disagreement])
        nash = nash_solution(a, b, lo, hi)
        self.nash.set_data(([nash[0]], [nash[1]]) if nash else ([], []))
        recent = [p for p in getattr(model, "trail", []) if p.step > model.t - TRAIL_WEEKS]
        self.path.set_data([p.utilities[0] for p in recent], [p.utilities[1] for p in recent])
        for party, line in self.trail.items():
            mine = [p for p in recent if p.proposer == party]
            line.set_data([p.utilities[0] for p in mine], [p.utilities[1] for p in mine])
        # Frame where deals are decided: no deal, the floors, each side's best deal, the Nash
        # point and the recent offers (the frontier runs on beyond, clipped).
        xs = [a.disagreement, a.floor, max(fx)] + [p.utilities[0] for p in recent]
        ys = [b.disagreement, b.floor, max(fy)] + [p.utilities[1] for p in recent]
        if nash is not None:
            xs.append(nash[0])
            ys.append(nash[1])
        for lim, values in ((self.ax.set_xlim, xs), (self.ax.set_ylim, ys)):
            low, high = min(values), max(values)
            pad = 0.08 * (high - low or 1.0)
            lim(low - pad, high + pad)
        self.zone_open = bool(zone)
        return self.fig

    def heading(self, model: NegotiationModel) -> str:
        """What the figure shows, for the page."""
        if not self.two_parties:
            return "Utility space"
        state = "open" if self.zone_open else "empty"
        return (
            f"Utility space this week: the zone of agreement is {state}; dots are the offers "
            f"of the last {TRAIL_WEEKS} weeks"
        )


VIEWS = {
    "offers": OffersView,
    "utilities": UtilitiesView,
    "utility_space": UtilitySpaceView,
    "pressure": PressureView,
}
