"""Agreed concessions: each sector's concession in the deals, by level of each parameter.

Without a deal every concession stays 0 (today's protection), so only deals are shown. A
sector that ends at the same level in every deal (rice at today's quota, say) gets no panel of
empty boxes: the figure's legend names it and its level.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from sim.plots.sectors import CONCESSION_LABEL, decorate_sector_axis
from sim.plots.style import ACCENT_COLOUR, FONT, REFERENCE_COLOUR, wrap
from sim.sweep.plots.data import Results, SkipPlot, agreement_mask, need_runs
from sim.sweep.plots.figures import new_figure, plural, title
from sim.sweep.plots.levels import (
    group_by_parameter,
    is_binned,
    param_doc,
    param_label,
    short_range,
)

BINS = 4
"""Quartiles of a continuous parameter."""
FIXED = 0.005
"""A sector whose agreed concessions all lie within this of each other does not move (for rice,
0.005 of the way to free trade is about a thousand tonnes of a 230,000-tonne quota)."""
COLUMNS = ["run_id", "group", "level", "label", "sector", "concession", "in_terms", "agreement"]


def concessions_by_parameter(
    results: Results, path: str, *, agreed_only: bool = True, bins: int = BINS
) -> pd.DataFrame:
    """Each sector's concession per level (grid) or quartile (continuous) of one parameter.

    Without a deal every concession is 0 (today's protection stays), so by default only runs
    that reached a ratified agreement are kept: the values describe the deals.

    Returns:
        Long format, one row per run and sector: ``run_id``, ``group``, ``level``, ``label``,
        ``sector``, ``concession`` (x in [0, 1]), ``in_terms`` (the same in the sector's unit,
        NaN without the scenario) and ``agreement``; ``attrs["groups"]``: the group table.

    """
    group, table, _ = group_by_parameter(results, path, bins=bins)
    ok = results.ok
    keep = group >= 0
    if agreed_only:
        keep &= agreement_mask(ok)
    sel, g = ok.loc[keep], group.loc[keep].to_numpy()
    rows = []
    for sector in results.sectors:
        col = f"concessions.{sector}"
        if col not in ok:
            continue
        x = sel[col].astype(float)
        terms = pd.Series(np.nan, index=x.index)
        if results.scenario is not None and sector in results.scenario.sectors:
            terms = x.map(results.scenario.sectors[sector].level)
        rows.append(
            pd.DataFrame(
                {
                    "run_id": sel["run_id"].to_numpy(),
                    "group": g,
                    "level": table["level"].to_numpy()[g] if len(g) else [],
                    "label": table["label"].to_numpy()[g] if len(g) else [],
                    "sector": sector,
                    "concession": x.to_numpy(),
                    "in_terms": terms.to_numpy(),
                    "agreement": agreement_mask(sel).to_numpy(),
                }
            )
        )
    out = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=COLUMNS)
    out.attrs["groups"] = table
    return out


def fixed_sectors(results: Results) -> dict[str, float]:
    """Sectors whose concession is (within ``FIXED``) the same in every deal -> its median."""
    agreed = results.agreed
    out = {}
    for sector in results.sectors:
        col = f"concessions.{sector}"
        if col in agreed and len(agreed):
            x = agreed[col].astype(float)
            if x.max() - x.min() < FIXED:
                out[sector] = float(x.median())
    return out


def plot_concessions(
    ax: Any, results: Results, path: str, sector: str, *, data: pd.DataFrame | None = None
) -> Any:
    """One sector's agreed concession per level or quartile of one parameter (box + points).

    ``data`` is ``concessions_by_parameter(results, path)`` if already computed.
    """
    if data is None:
        data = concessions_by_parameter(results, path)
    groups = data.attrs.get("groups")
    if groups is None:
        _, groups, _ = group_by_parameter(results, path, bins=BINS)
    data = data[data["sector"] == sector]
    positions = list(range(len(groups)))
    samples = [data.loc[data["group"] == i, "concession"].to_numpy() for i in positions]
    filled = [i for i in positions if len(samples[i])]
    if filled:
        ax.boxplot(
            [samples[i] for i in filled],
            positions=filled,
            widths=0.55,
            showfliers=False,
            patch_artist=True,
            boxprops={"facecolor": "#d6e4f0", "edgecolor": ACCENT_COLOUR},
            medianprops={"color": ACCENT_COLOUR, "lw": 1.8},
            whiskerprops={"color": ACCENT_COLOUR},
            capprops={"color": ACCENT_COLOUR},
        )
    rng = np.random.default_rng(0)
    for i in filled:
        ys = samples[i]
        xs = i + rng.uniform(-0.16, 0.16, len(ys))
        ax.scatter(xs, ys, s=9, color="0.25", alpha=0.5, lw=0, zorder=3)
    for i in positions:
        if not len(samples[i]):
            ax.annotate("no deal", (i, 0.5), ha="center", fontsize=FONT["note"], color="0.45")
    binned = is_binned(groups)
    labels = [
        f"Q{i + 1}\n{short_range(lo, hi)}" if binned else label
        for i, (lo, hi, label) in enumerate(
            zip(groups["low"], groups["high"], groups["label"], strict=True)
        )
    ]
    ax.set_xticks(positions, labels, fontsize=FONT["note"] if binned else FONT["tick"])
    ax.set_xlim(-0.6, len(positions) - 0.4)
    ax.set_ylim(-0.04, 1.04)
    scenario = results.scenario
    if scenario is not None and sector in scenario.sectors:
        decorate_sector_axis(ax, scenario.sectors[sector])
    else:
        ax.set_title(results.sector_label(sector), fontsize=FONT["title"])
    ax.grid(alpha=0.3, axis="y")
    return ax


def _fixed_note(results: Results, fixed: dict[str, float]) -> str:
    def level(sector: str, x: float) -> str:
        if x < FIXED:
            return "today's level"
        if results.scenario is not None and sector in results.scenario.sectors:
            return f"x = {x:.2f} ({results.scenario.sectors[sector].level(x):g})"
        return f"x = {x:.2f}"

    parts = [f"{results.sector_label(s)} ({level(s, x)})" for s, x in fixed.items()]
    return "not shown, the same in every deal: " + ", ".join(parts)


def figure(results: Results) -> Figure:
    """Each moving sector's agreed concession by level (or quartile) of each parameter.

    One block of panels per parameter (one panel per sector), stacked.
    """
    need_runs(results, "agreement")
    recorded = [s for s in results.sectors if f"concessions.{s}" in results.runs]
    if not recorded:
        raise SkipPlot("the sweep did not record concessions (see the spec's outcomes)")
    if not agreement_mask(results.ok).any():
        raise SkipPlot("no run reached an agreement: no concessions to plot")
    params = [p for p in results.parameters if p in results.runs]
    if not params:
        raise SkipPlot("no varied parameter to group concessions by")
    fixed = fixed_sectors(results)
    sectors = [s for s in recorded if s not in fixed] or recorded[:1]
    ncols = len(sectors) if len(sectors) <= 5 else 4
    nrows = -(-len(sectors) // ncols)
    block = 3.0 * nrows + 0.9
    fig, body = new_figure(4.3 * ncols + 0.6, block * len(params) + 1.6)
    subfigs = np.atleast_1d(body.subfigures(len(params), 1, hspace=0.04))
    for sub, path in zip(subfigs, params, strict=True):
        data = concessions_by_parameter(results, path)
        axes = sub.subplots(nrows, ncols, squeeze=False)
        for ax, sector in zip(axes.flat, sectors, strict=False):
            plot_concessions(ax, results, path, sector, data=data)
        for ax in axes.flat[len(sectors) :]:
            ax.set_visible(False)
        binned = "quartiles of " if is_binned(data.attrs["groups"]) else ""
        doc = param_doc(results, path)
        text = f"by {binned}{param_label(results, path)}" + (f": {doc}" if doc else "")
        sub.suptitle(wrap(text, 130), fontsize=FONT["title"], weight="bold")
        sub.supylabel(CONCESSION_LABEL, fontsize=FONT["label"])
    box = "quartiles of the deals (whiskers: 1.5 IQR)"
    handles = [
        Patch(facecolor="#d6e4f0", edgecolor=ACCENT_COLOUR, label=box),
        Line2D([], [], ls="", marker="o", ms=4, color="0.25", alpha=0.6, label="one deal"),
        Line2D([], [], color=REFERENCE_COLOUR, ls="-.", lw=0.9, label="focal level (e.g. TPP)"),
    ]
    if fixed and len(sectors) < len(recorded):
        handles.append(Patch(alpha=0, label=wrap(_fixed_note(results, fixed), 150)))
    body.legend(
        handles=handles, loc="outside lower center", ncol=min(len(handles), 4), frameon=False
    )
    n = int(agreement_mask(results.ok).sum())
    title(fig, f"Agreed concessions in {plural(n, 'ratified deal')}, by parameter level", results)
    return fig
