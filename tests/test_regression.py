"""Runs end exactly as recorded: a restructuring must not change a single outcome.

The digests in tests/fixtures/outcomes.json are re-recorded (``python tools/record_outcomes.py``)
only by a change that is meant to change results, and its commit says so.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

from record_outcomes import FIXTURE, SCENARIOS, digest  # noqa: E402

RECORDED = json.loads(FIXTURE.read_text(encoding="utf-8"))


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_every_recorded_run_ends_exactly_as_recorded(scenario):
    recorded = RECORDED[scenario]
    changed = [seed for seed, expected in enumerate(recorded) if digest(scenario, seed) != expected]
    assert not changed, f"{scenario}: seeds {changed[:10]} end differently ({len(changed)} runs)"
