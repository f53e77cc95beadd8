"""Record the runs the regression test compares against (tests/fixtures/outcomes.json).

Run it only when a change is *meant* to change results (a new rule, a re-calibration), and say
so in the commit: ``python tools/record_outcomes.py``. A restructuring must leave the file as it
is; ``tests/test_regression.py`` checks that every run still ends exactly as recorded.
"""

from __future__ import annotations

import functools
import hashlib
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import sim  # noqa: E402

FIXTURE = ROOT / "tests" / "fixtures" / "outcomes.json"
SCENARIOS = {
    "classroom": 300,
    "usjapan_2019": 300,
    "usjapan_2015": 300,
    "tests/fixtures/three_party.yaml": 60,
}


def canonical(value: object) -> object:
    """Floats to 12 significant digits: the same run on another libm still matches."""
    if isinstance(value, float):
        return float(f"{value:.12g}")
    if isinstance(value, dict):
        return {k: canonical(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [canonical(v) for v in value]
    return value


@functools.cache
def _scenario(name: str) -> sim.Scenario:
    return sim.load_scenario(str(ROOT / name) if "/" in name else name)


def digest(scenario: str, seed: int) -> str:
    """SHA-256 of one run's summary (with the Pareto/Nash analysis) and event log."""
    model = sim.NegotiationModel(_scenario(scenario), rng=seed, collect=False)
    outcome = model.run()
    text = json.dumps([canonical(outcome.to_dict()), model.log], sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def record() -> dict[str, list[str]]:
    """Every recorded run's digest, per scenario, by seed."""
    return {name: [digest(name, seed) for seed in range(n)] for name, n in SCENARIOS.items()}


if __name__ == "__main__":
    FIXTURE.write_text(json.dumps(record(), indent=1) + "\n", encoding="utf-8")
    print(f"wrote {FIXTURE}")
