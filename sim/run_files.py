"""The files ``negsim run`` writes for one run: summary, time series, event log, figure.

Each file is written atomically (``sim.files``): after a full disk or a kill, the folder holds
whole files from this run or the previous one, never a torn one.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import TYPE_CHECKING

from sim.files import output_folder, write_atomically, write_text

if TYPE_CHECKING:
    from sim.model import NegotiationModel


def write_events(model: NegotiationModel, path: Path) -> None:
    """The plain-language event log as CSV (``step,date,event``)."""
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["step", "date", "event"])
        writer.writerows(model.log)


def write_run(model: NegotiationModel, out: Path, *, plot: bool = True) -> list[Path]:
    """Write a finished run's files into ``out`` (created); return their paths.

    Raises:
        ScenarioError: one line naming the folder when it cannot be created or written (a
            file, a read-only file system, a full disk).
    """
    assert model.outcome is not None, "the run has not finished"
    output_folder(out)
    files = [write_text(out / "summary.json", model.outcome.to_json() + "\n")]
    files.append(write_atomically(out / "timeseries.csv", model.time_series().to_csv))
    files.append(write_atomically(out / "events.csv", lambda tmp: write_events(model, tmp)))
    if plot:
        from sim.plots import plot_run

        files.append(write_atomically(out / "run.png", lambda tmp: plot_run(model, tmp)))
    return files
