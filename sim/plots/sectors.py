"""A sector's concession axis: x in [0, 1] on the left, the sector's own unit on the right."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from matplotlib.ticker import FuncFormatter

from sim.plots.style import FONT, REFERENCE_COLOUR, wrap

if TYPE_CHECKING:
    from sim.schema import SectorSpec

CONCESSION_LABEL = "concession x (0 = today, 1 = free trade)"


def decorate_sector_axis(ax: Any, s: SectorSpec, *, unit_label: bool = True) -> None:
    """Make ``ax`` a concession axis in [0, 1] for one sector.

    Its focal levels (e.g. TPP) are dash-dot lines named at the left edge; the right-hand axis
    is in the sector's own unit (labelled with it), and the title names the sector and today's
    protection.
    """
    for name, level in s.references.items():
        ax.axhline(level, color=REFERENCE_COLOUR, lw=0.9, ls="-.", zorder=1.5)
        ax.annotate(
            name.upper(),
            (0.01, level),
            xycoords=("axes fraction", "data"),
            xytext=(0, 1.5),
            textcoords="offset points",
            fontsize=FONT["note"] - 0.5,
            va="bottom",
            color=REFERENCE_COLOUR,
        )
    ax.set_ylim(-0.04, 1.04)
    ax.set_title(f"{s.label} (today: {s.status_quo:g})", fontsize=FONT["title"])
    span = s.free_trade - s.status_quo
    secondary = ax.secondary_yaxis(
        "right",
        functions=(s.level, lambda v, s=s, span=span: (v - s.status_quo) / span),
    )
    secondary.tick_params(labelsize=FONT["tick"] - 0.5)
    secondary.yaxis.set_major_formatter(FuncFormatter(_plain))
    if unit_label:
        secondary.set_ylabel(wrap(s.unit, 26), fontsize=FONT["note"], color="0.25")


def _plain(value: float, _pos: Any = None) -> str:
    """A tick label in plain numbers, with thousands separated (200,000 t, not 2e5)."""
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:g}"
