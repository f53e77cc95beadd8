"""The plot kinds: one module each, one line each here.

A kind is a function ``figure(results) -> Figure`` that raises ``SkipPlot`` when it does not
apply to a sweep, and a one-line help. ``KINDS`` names each kind's function by its module, so
that this module imports nothing heavy: the command line reads it to build ``negsim plot
--help``, and a kind's module is imported only when the kind is drawn. A new kind is a module
in this package and a line in ``KINDS`` (or a call to ``register``).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class PlotKind:
    """A plot kind: its figure builder and its one-line help.

    ``figure`` is a callable, or where to find one: ``"module:function"`` (``function``
    defaults to ``figure``; a module starting with a dot is in this package).
    """

    figure: Callable[[Any], Any] | str
    help: str

    def build(self, results: Any) -> Any:
        """The kind's figure of ``results`` (raises ``SkipPlot`` if it does not apply)."""
        builder = self.figure
        if isinstance(builder, str):
            module, _, name = builder.partition(":")
            module = importlib.import_module(module, package=__package__)
            builder = getattr(module, name or "figure")
        return builder(results)


KINDS: dict[str, PlotKind] = {
    "agreement": PlotKind(".agreement", "agreement rate by parameter and by pair (95% Wilson CIs)"),
    "dates": PlotKind(".dates", "when deals are ratified, by level, with the calendar marked"),
    "concessions": PlotKind(".concessions", "each sector's agreed concession by parameter level"),
    "utility": PlotKind(".utility", "who gains: deals by level, and on their own run's frontier"),
    "trajectories": PlotKind(".trajectories", "offers over time by level (needs timeseries)"),
    "sobol": PlotKind(".sobol", "first-order and total Sobol' indices (sobol designs)"),
    "morris": PlotKind(".morris", "Morris screening: mu* and sigma per parameter (morris designs)"),
}
"""Plot kind -> ``PlotKind``, in the order ``negsim plot`` draws them."""


def register(name: str, figure: Callable[[Any], Any] | str, help: str) -> PlotKind:
    """Add (or replace) a plot kind; it is drawn by ``plot_all`` and listed by ``--help``."""
    KINDS[name] = PlotKind(figure, help)
    return KINDS[name]


def kinds_help() -> str:
    """The kinds and their help, one per line (for ``negsim plot --help``)."""
    width = max(len(k) for k in KINDS) + 2
    return "plot kinds:\n" + "\n".join(f"  {k:<{width}}{kind.help}" for k, kind in KINDS.items())


class PlotFiles(list):
    """The PNG paths ``plot_all`` wrote (a list of ``Path``), with ``skipped``.

    Attributes:
        skipped: ``(kind, reason)`` for each kind that did not apply.

    """

    def __init__(self, paths: Iterable[Path] = (), skipped: Iterable[tuple[str, str]] = ()):
        super().__init__(paths)
        self.skipped: list[tuple[str, str]] = list(skipped)


def _unknown(kinds: Iterable[str]) -> list[str]:
    return [k for k in kinds if k not in KINDS]


def plot_kind(results: Any, kind: str, path: str | Path) -> Path:
    """Draw one kind of plot and write it as a PNG, whole or not at all.

    Raises:
        ValueError: unknown kind.
        SkipPlot: the kind does not apply to this sweep (the message says why).

    """
    import matplotlib.pyplot as plt

    from sim.plots.style import STYLE
    from sim.sweep.plots.figures import save_whole

    if _unknown([kind]):
        raise ValueError(f"unknown plot kind {kind!r} (kinds: {', '.join(KINDS)})")
    path = Path(path)
    before = set(plt.get_fignums())
    try:
        with plt.rc_context(STYLE):
            fig = KINDS[kind].build(results)
            path.parent.mkdir(parents=True, exist_ok=True)
            save_whole(fig, path)
    finally:
        for num in set(plt.get_fignums()) - before:
            plt.close(num)
    return path


def plot_all(
    dir: str | Path,
    kinds: Sequence[str] | None = None,
    out: str | Path | None = None,
) -> PlotFiles:
    """Write ``<kind>.png`` for every kind that applies (default: all), into ``out``.

    Args:
        dir: The sweep folder.
        kinds: Kinds to draw (default: every kind in ``KINDS``).
        out: Folder for the PNGs (default: ``dir/plots``).

    Returns:
        The paths written, in the order of ``kinds``, as a list with ``.skipped``: the
        ``(kind, reason)`` of each kind that did not apply.

    Raises:
        SweepDataError: ``dir`` is not a readable sweep folder.
        ValueError: an unknown kind (before anything is drawn).

    """
    from sim.sweep.plots.data import SkipPlot, load

    chosen = list(kinds) if kinds else list(KINDS)
    unknown = _unknown(chosen)
    if unknown:
        raise ValueError(f"unknown plot kind(s) {', '.join(unknown)} (kinds: {', '.join(KINDS)})")
    results = load(dir)
    folder = Path(out) if out is not None else Path(dir) / "plots"
    written = PlotFiles()
    for kind in dict.fromkeys(chosen):
        try:
            written.append(plot_kind(results, kind, folder / f"{kind}.png"))
        except SkipPlot as exc:
            written.skipped.append((kind, str(exc)))
    return written
