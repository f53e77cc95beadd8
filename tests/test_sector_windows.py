"""docs/calibration.md's diagnosis of usjapan_2015's misses holds (experiments/sector_windows.py).

Every deal maximises ``mu U_us + U_japan`` for one exchange rate ``mu``; TPP's terms need
windows of ``mu`` that do not overlap, so no setting of the negotiators can reach them all.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

import sim

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "experiments"))

from sector_windows import verdict, windows


@pytest.fixture(scope="module")
def tpp_windows():
    rate, deals, rows = windows(sim.load_scenario("usjapan_2015"), range(40), "tpp")
    return rate, deals, {w.sector: w for w in rows}


def test_the_deals_rate_puts_beef_at_tpp_and_nothing_else(tpp_windows):
    rate, deals, rows = tpp_windows
    assert deals >= 38 and rate is not None
    assert 0.3 < rate < 0.5
    assert {s for s, w in rows.items() if verdict(w, rate) == "inside"} == {"beef"}


def test_the_tpp_windows_do_not_overlap(tpp_windows):
    """Rice needs a rate over 20 times the deal's, cheese one above 1, U.S. cars and parts one
    below half the deal's: no single rate can give them all."""
    rate, _, rows = tpp_windows
    assert rows["rice"].low > 20 * rate
    assert rows["dairy"].low > 0.9 and rows["dairy"].high == float("inf")
    assert rows["autos"].high < 0.5 * rate and rows["auto_parts"].high < 0.5 * rate
    assert rows["autos"].high < rows["dairy"].low < rows["rice"].low
    # The deals sit where the rate puts them: rice at 0, cheese and parts short of TPP.
    assert rows["rice"].deal_level == 0
    assert rows["dairy"].deal_level > 15 and rows["auto_parts"].deal_level < 40
