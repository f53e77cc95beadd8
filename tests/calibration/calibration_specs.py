"""The tiny classroom calibration spec the calibration tests share, and a way to write it.

A module of its own (not ``conftest``) so that tests import it by a name no other test folder
uses.
"""

from pathlib import Path

TINY = """\
scenario: classroom
parameters:
  lobbies.farmers.strength: {dist: uniform, low: 0.2, high: 3.0}
  parties.southland.mandate_floor: {dist: lognormal, median: 0.1, sigma: 0.5, bounds: [0.02, 0.5]}
targets:
  date:
    kind: agreement_window
    from: 2025-07-14
    to: 2025-07-28
    scale: 14
    source: synthetic
  grain:
    kind: sector
    sector: grain
    value: 20
    unit: "tariff (%)"
    scale: 4
    source: synthetic
  dairy:
    kind: sector
    sector: dairy
    value: 15
    unit: "tariff (%)"
    scale: 4
    holdout: true
    source: synthetic
method:
  population: 20
  generations: 2
  seed: 7
  predictive_runs: 20
  batch_size: 5
"""


def write_spec(folder: Path, text: str = TINY, name: str = "spec.yaml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path
