"""Every pattern of the validation report holds on a reduced ensemble, so none can silently rot.

`negsim validate --seeds 300 --out docs` writes the full report (docs/validation.md); here each
pattern runs on 120 seeds per variant (240 for time-step convergence, whose equivalence margins
need narrower intervals), enough for every interval to clear its line.
"""

from __future__ import annotations

import pytest

from sim.cli import main
from sim.validation import PATTERNS, write_report
from sim.validation.ensembles import Ensembles
from sim.validation.stats import difference_of_proportions, mean, proportion

SEEDS = 120
SEEDS_FOR = {"time_step": 240}  # equivalence needs narrower intervals than a direction does


@pytest.fixture(scope="module")
def ensembles() -> Ensembles:
    return Ensembles(SEEDS)


@pytest.fixture(scope="module")
def results(ensembles):
    return {}


@pytest.mark.parametrize("key", list(PATTERNS))
def test_pattern_holds(ensembles, results, key):
    runs = Ensembles(SEEDS_FOR[key]) if key in SEEDS_FOR else ensembles
    result = PATTERNS[key].measure(runs)
    results[key] = result
    failing = [
        f"{c.label}: {c.estimate.text()} (needs {c.rule})" for c in result.checks if not c.holds
    ]
    assert result.holds, "; ".join(failing)


def test_the_report_states_every_pattern_with_its_source_and_figure(ensembles, results, tmp_path):
    chosen = [results[k] if k in results else PATTERNS[k].measure(ensembles)
              for k in ("deadline", "history_2019")]
    files = write_report(chosen, tmp_path, SEEDS, 1.0)
    text = (tmp_path / "validation.md").read_text()
    for r in chosen:
        assert r.pattern.title in text and r.pattern.source in text
        assert (tmp_path / "validation" / f"{r.pattern.key}.png").read_bytes()[:4] == b"\x89PNG"
    assert files[0] == tmp_path / "validation.md"
    assert f"--seeds {SEEDS}" in text and "95% interval" in text


def test_a_pattern_that_fails_makes_validate_exit_1(tmp_path, monkeypatch, capsys):
    # A check that cannot hold: the report says so and the command fails (for CI).
    from sim.validation import patterns

    real = patterns.history_2015

    def impossible(ens):
        result = real(ens)
        result.checks.append(patterns.at_least("impossible", proportion(0, SEEDS), 0.5))
        return result

    monkeypatch.setitem(
        patterns.PATTERNS, "history_2015",
        patterns.Pattern(**{**patterns.PATTERNS["history_2015"].__dict__, "measure": impossible}),
    )
    code = main(["validate", "--seeds", "20", "--pattern", "history_2015", "--quiet",
                 "--out", str(tmp_path)])
    assert code == 1
    assert "FAILS" in capsys.readouterr().out
    assert "**no**" in (tmp_path / "validation.md").read_text()


@pytest.mark.parametrize("args", [["--seeds", "0"], ["--pattern", "nosuch"]])
def test_validate_refuses_bad_arguments_in_one_line(args, capsys, tmp_path):
    assert main(["validate", *args, "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "error" in err[0]


def test_intervals_cover_what_they_should():
    p = proportion(30, 100)
    assert p.low < 0.3 < p.high and p.low > 0.2 and p.high < 0.4
    d = difference_of_proportions(60, 100, 40, 100)
    assert d.low > 0 and abs(d.value - 0.2) < 1e-12
    m = mean([1.0, 2.0, 3.0, 4.0])
    assert m.low < 2.5 < m.high
