"""Calendar marks: summits, elections, scheduled events, hard deadlines and the deal.

``calendar_marks`` lists what a scenario's calendar holds in a window of dates;
``draw_calendar`` draws those marks on any time axis (the run figure's panels, the sweep
figures, the teaching app's views), so they look the same everywhere: summits shaded,
elections dashed and hard deadlines dash-dotted in the party's colour, events dotted grey,
the deal solid black. Their names go either in a legend (``calendar_handles``, or
``calendar_legend_items`` for the app's HTML legends) or in a strip of labels above a panel
(``label_calendar``), where no label is printed over a line or over another label.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import matplotlib.dates as mdates
from matplotlib.colors import to_hex
from matplotlib.font_manager import FontProperties
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from sim.calendar import possessive
from sim.plots.style import (
    DEAL_COLOUR,
    EVENT_COLOUR,
    FONT,
    SUMMIT_ALPHA,
    SUMMIT_COLOUR,
    SUMMIT_TEXT_COLOUR,
    party_colour,
)

if TYPE_CHECKING:
    from sim.schema import Scenario

ORDER = ("summit", "election", "deadline", "event", "deal")
LINESTYLE = {"election": "--", "deadline": "-.", "event": ":", "deal": "-"}
LINEWIDTH = {"election": 1.4, "deadline": 1.4, "event": 1.2, "deal": 1.6}
APP_STYLE = {
    "summit": "thick",
    "election": "dashed",
    "deadline": "dashdot",
    "event": "dotted",
    "deal": "solid",
}
"""Each kind's swatch in the app's HTML legends (``sim.app.page.SWATCH``)."""

STRIP_ROW_INCHES = 0.22
"""Height of one row of ``label_calendar``'s strip at the default font size."""

MAX_LABEL = 46
"""Longest label in a strip (an event's label is cut at its first ';', then at a word)."""


@dataclass(frozen=True)
class Mark:
    """One thing on the calendar.

    Attributes:
        kind: ``summit``, ``election``, ``deadline``, ``event`` or ``deal``.
        start: Its date (a summit's first day).
        end: The day after a summit's last day; ``start`` for the others.
        label: Its name, as the scenario gives it.
        colour: Its colour (the party's for elections and deadlines).
        party: The party it belongs to (elections and deadlines), else None.
        name: Its key in the scenario (summits, elections, events), else None.

    """

    kind: str
    start: dt.date
    end: dt.date
    label: str
    colour: str
    party: str | None = None
    name: str | None = None


def as_date(value: Any) -> dt.date:
    """A date from a ``date``, a ``datetime`` or ``pandas.Timestamp``, or ISO text."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def calendar_marks(
    scenario: Scenario,
    lo: Any = None,
    hi: Any = None,
    *,
    skip_elections: Iterable[tuple[str, str]] = (),
    deal: Any = None,
) -> list[Mark]:
    """What the scenario's calendar holds between ``lo`` and ``hi``, in order of date.

    Args:
        scenario: A scenario (drawn or not: only dates and labels are read).
        lo: First date (default: the calendar's start).
        hi: Last date (default: the calendar's end).
        skip_elections: ``(party, election)`` pairs to leave out (e.g. an election whose
            date a sweep varies).
        deal: The date of a ratified deal, if any.

    """
    cal = scenario.calendar
    first = as_date(lo) if lo is not None else cal.start
    last = as_date(hi) if hi is not None else cal.end
    skip = set(skip_elections)
    marks: list[Mark] = []
    for name, s in scenario.summits.items():
        end = (s.end or s.start) + dt.timedelta(days=1)
        if s.start <= last and end > first:
            marks.append(Mark("summit", s.start, end, s.label, SUMMIT_COLOUR, None, name))
    for i, (p, party) in enumerate(scenario.parties.items()):
        colour = party_colour(i)
        for name, e in party.elections.items():
            if (p, name) not in skip and first <= e.date <= last:
                label = e.label or f"{party.label} election"
                marks.append(Mark("election", e.date, e.date, label, colour, p, name))
        when = party.hard_deadline
        if when is not None and first <= when <= last:
            label = f"{possessive(party.label)} hard deadline"
            marks.append(Mark("deadline", when, when, label, colour, p))
    for name, ev in scenario.events.items():
        if first <= ev.date <= last:
            marks.append(Mark("event", ev.date, ev.date, ev.label, EVENT_COLOUR, None, name))
    if deal is not None:
        day = as_date(deal)
        marks.append(Mark("deal", day, day, "deal ratified", DEAL_COLOUR))
    return sorted(marks, key=lambda m: (m.start, ORDER.index(m.kind)))


def draw_calendar(ax: Any, marks: Sequence[Mark], *, zorder: float = 1.0) -> list[Any]:
    """Draw calendar marks across a time axis; return the artists (behind the data).

    Summits are shaded spans, the others vertical lines. The one function that draws the
    calendar: the run figure, the sweep figures and the app's views all call it.
    """
    artists = []
    for m in marks:
        if m.kind == "summit":
            artist = ax.axvspan(
                m.start, m.end, color=m.colour, alpha=SUMMIT_ALPHA, lw=0, zorder=zorder - 1
            )
        else:
            artist = ax.axvline(
                m.start,
                color=m.colour,
                ls=LINESTYLE[m.kind],
                lw=LINEWIDTH[m.kind],
                zorder=zorder,
            )
        artists.append(artist)
    return artists


def calendar_handles(marks: Sequence[Mark]) -> list[Any]:
    """Legend handles for ``draw_calendar``'s marks: elections and deadlines one by one."""
    handles: list[Any] = []
    seen: set[tuple[str, str]] = set()
    for kind in ORDER:
        for m in marks:
            if m.kind != kind or (kind, m.label) in seen:
                continue
            seen.add((kind, m.label))
            if kind == "summit":
                handles.append(Patch(color=m.colour, alpha=SUMMIT_ALPHA, lw=0, label="summits"))
                break
            if kind == "event":
                handles.append(_line(m, "scheduled events"))
                break
            handles.append(_line(m, m.label))
    return handles


def _line(m: Mark, label: str) -> Line2D:
    return Line2D([], [], color=m.colour, ls=LINESTYLE[m.kind], lw=LINEWIDTH[m.kind], label=label)


def calendar_legend_items(marks: Sequence[Mark]) -> list[tuple[str, str, str]]:
    """``(colour, swatch, label)`` for an HTML legend of the marks (the teaching app's)."""
    items = []
    for m in marks:
        if m.kind in ("election", "deadline", "deal"):
            items.append((to_hex(m.colour), APP_STYLE[m.kind], f"{m.label} ({m.start})"))
    summits = [m.label for m in marks if m.kind == "summit"]
    if summits:
        items.append((SUMMIT_COLOUR, APP_STYLE["summit"], "summits: " + ", ".join(summits)))
    if any(m.kind == "event" for m in marks):
        items.append((EVENT_COLOUR, APP_STYLE["event"], "scheduled events (see the log)"))
    return items


def short_label(text: str, limit: int = MAX_LABEL) -> str:
    """A mark's label for a strip: up to its first ';', at most ``limit`` characters."""
    text = text.split(";")[0].strip()
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0]
    return cut.rstrip(",:") + "…"


def label_calendar(
    ax: Any, marks: Sequence[Mark], *, fontsize: float = FONT["note"], shrink: float = 0.8
) -> int:
    """Turn ``ax`` into a strip that names the marks, in as few rows as no overlap allows.

    Each mark is drawn small, in its row only (a short tick, or the summit's span), with its
    name beside it (to its right, or to its left near the right edge), so no name crosses a
    line or another name. Call it once ``ax`` has its final x limits. Names are measured
    against the axis' width before the figure's layout, taken ``shrink`` times narrower (a
    constrained layout's margins take at most that much), so that none can overlap after it.

    Returns:
        The number of rows (0 without marks): about ``STRIP_ROW_INCHES`` each is needed.

    """
    ax.set_yticks([])
    ax.tick_params(axis="x", which="both", length=0, labelbottom=False, labeltop=False)
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.patch.set_alpha(0.0)
    if not marks:
        return 0
    root = ax.get_figure(root=True)
    renderer = root.canvas.get_renderer()
    font = FontProperties(size=fontsize)
    px = root.dpi / 72.0  # pixels per point
    left, right_edge = ax.get_xlim()
    width = ax.get_position().width * root.get_figwidth() * root.dpi * shrink
    per_day = width / max(right_edge - left, 1e-9)  # pixels per day, at the narrowest
    gap, sep = 0.35 * fontsize * px, 0.8 * fontsize * px

    def x_px(day: dt.date) -> float:
        return (mdates.date2num(day) - left) * per_day

    rows: list[list[tuple[float, float]]] = []
    placed = []
    for m in marks:
        text = short_label(m.label)
        w, _, _ = renderer.get_text_width_height_descent(text, font, ismath=False)
        x0 = x_px(m.start)
        x1 = max(x_px(m.end), x0 + 2.0) if m.kind == "summit" else x0
        right = x1 + gap + w <= width or x0 - gap - w < 0.0
        span = (x0 - 2.0, x1 + gap + w) if right else (x0 - gap - w, x1 + 2.0)
        free = [
            i
            for i, row in enumerate(rows)
            if all(b + sep <= span[0] or a >= span[1] + sep for a, b in row)
        ]
        k = free[0] if free else len(rows)
        if not free:
            rows.append([])
        rows[k].append(span)
        placed.append((m, text, k, right))
    n = len(rows)
    ax.set_ylim(0, n)
    for m, text, k, right in placed:
        low, high = (k + 0.12) / n, (k + 0.88) / n
        if m.kind == "summit":
            ax.axvspan(m.start, m.end, ymin=low, ymax=high, color=m.colour, alpha=0.6, lw=0)
            colour = SUMMIT_TEXT_COLOUR
        else:
            ax.axvline(m.start, ymin=low, ymax=high, color=m.colour, ls="-", lw=2.0)
            colour = "#4d4d4d" if m.kind == "event" else m.colour
        anchor = m.end if (right and m.kind == "summit") else m.start
        label = ax.annotate(
            text,
            (anchor, k + 0.5),
            xytext=(0.35 * fontsize if right else -0.35 * fontsize, 0),
            textcoords="offset points",
            ha="left" if right else "right",
            va="center",
            fontsize=fontsize,
            color=colour,
            annotation_clip=False,
        )
        label.set_in_layout(False)
    return n
