"""Sweep plots on small sweep folders: real runs of usjapan_2019 and a synthetic Sobol' design."""

from __future__ import annotations

import datetime as dt
import json
import math
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.stats import qmc

import sim
import sim.sweep.plots as sp

CONFIG = Path(__file__).resolve().parent.parent / "configs" / "usjapan_2019.yaml"
PNG = b"\x89PNG\r\n\x1a\n"
STRENGTH = "lobbies.ja_zenchu.strength"
RESPONSE = "parties.japan.pressure_response"
ELECTION = "parties.japan.elections.upper_house_2019.date"


def flatten(outcome: sim.Outcome) -> dict:
    """An Outcome as the outcome columns of a row of runs/part-*.parquet."""
    row = {
        "agreement": outcome.agreement,
        "ended": outcome.ended,
        "reason": outcome.reason,
        "step": outcome.step,
        "date": outcome.date,
    }
    for name in ("concessions", "utilities", "gains", "welfare"):
        for key, value in getattr(outcome, name).items():
            row[f"{name}.{key}"] = float(value)
    row["ratification_attempts"] = outcome.ratification_attempts
    row["ratification_failures"] = outcome.ratification_failures
    row["walked_out"] = outcome.walked_out
    row["pareto_gap"] = math.nan if outcome.pareto_gap is None else float(outcome.pareto_gap)
    for party in ("united_states", "japan"):
        row[f"nash.{party}"] = math.nan if outcome.nash is None else float(outcome.nash[party])
    row["error"] = None
    return row


def failed(row: dict) -> dict:
    """The same row for a run that raised: outcome columns null, error set."""
    out = dict(row)
    for key in row:
        if key in OUTCOME or key.startswith(PREFIXES):
            out[key] = None
    out["error"] = "RuntimeError: boom"
    return out


OUTCOME = {"agreement", "ended", "reason", "step", "date", "ratification_attempts",
           "ratification_failures", "walked_out", "pareto_gap"}
PREFIXES = ("concessions.", "utilities.", "gains.", "welfare.", "nash.")


def write_sweep(folder: Path, spec: dict, parameters: list[str], points: list[dict],
                rows: list[dict], series: list[pd.DataFrame] | None = None,
                sobol: dict | None = None) -> Path:
    folder.mkdir(parents=True)
    manifest = {
        "spec": spec,
        "scenario_path": str(CONFIG),
        "parameters": parameters,
        "n_points": len(points),
        "n_runs": len(rows),
        "sobol": sobol,
        "negsim_version": sim.__version__,
        "created": "2026-01-01T00:00:00",
        "finished": "2026-01-01T00:01:00",
    }
    (folder / "manifest.json").write_text(json.dumps(manifest))
    (folder / "runs").mkdir()
    runs = pd.DataFrame(rows)
    for col in ("run_id", "point", "replicate", "seed"):
        runs[col] = runs[col].astype("int64")
    for col in ("step", "ratification_attempts", "ratification_failures"):
        runs[col] = runs[col].astype("Int64")
    runs["agreement"] = runs["agreement"].astype("boolean")
    half = len(runs) // 2
    runs.iloc[:half].to_parquet(folder / "runs" / "part-000000.parquet", index=False)
    runs.iloc[half:].to_parquet(folder / "runs" / "part-000001.parquet", index=False)
    pd.DataFrame(points).to_parquet(folder / "points.parquet", index=False)
    if series:
        (folder / "timeseries").mkdir()
        pd.concat(series, ignore_index=True).to_parquet(
            folder / "timeseries" / "part-000000.parquet", index=False
        )
    return folder


def run_point(params: dict, seed: int, *, collect: bool = False):
    scenario = sim.load_scenario(str(CONFIG), params)
    if not collect:
        return sim.run(scenario, seed), None
    model = sim.NegotiationModel(scenario, rng=seed)
    outcome = model.run()
    return outcome, model.time_series().reset_index()


@pytest.fixture(scope="module")
def grid_dir(tmp_path_factory) -> Path:
    """3 x 2 grid, 7 replicates (42 runs, one failed), time series for 8 runs."""
    levels = {STRENGTH: [0.5, 1.0, 2.0], RESPONSE: [1.0, 6.0]}
    spec = {"scenario": str(CONFIG), "design": "grid", "samples": 6, "replicates": 7,
            "seed": 1, "parameters": levels, "outcomes": None}
    points, rows, series = [], [], []
    run_id = 0
    for point, (s, r) in enumerate((s, r) for s in levels[STRENGTH] for r in levels[RESPONSE]):
        values = {STRENGTH: s, RESPONSE: r}
        points.append({"point": point, **values})
        for rep in range(7):
            seed = 1000 + run_id
            collect = rep < 2 and point < 4
            outcome, ts = run_point(values, seed, collect=collect)
            row = {"run_id": run_id, "point": point, "replicate": rep, "seed": seed, **values,
                   **flatten(outcome)}
            if run_id == 5:
                row = failed(row)
            rows.append(row)
            if ts is not None:
                ts.insert(0, "run_id", run_id)
                series.append(ts)
            run_id += 1
    folder = tmp_path_factory.mktemp("sweeps") / "grid"
    return write_sweep(folder, spec, list(levels), points, rows, series)


@pytest.fixture(scope="module")
def lhs_dir(tmp_path_factory) -> Path:
    """16 LHS points, 1 replicate: a log-scaled strength and an election date (no series)."""
    params = {STRENGTH: {"low": 0.25, "high": 4.0, "log": True},
              ELECTION: {"low": "2019-06-01", "high": "2019-10-15", "log": False}}
    spec = {"scenario": str(CONFIG), "design": "lhs", "samples": 16, "replicates": 1,
            "seed": 2, "parameters": params, "outcomes": None}
    u = qmc.LatinHypercube(d=2, rng=np.random.default_rng(2)).random(16)
    start = dt.date(2019, 6, 1)
    points, rows = [], []
    for point, (a, b) in enumerate(u):
        values = {STRENGTH: float(0.25 * 16.0**a),
                  ELECTION: (start + dt.timedelta(days=round(b * 136))).isoformat()}
        points.append({"point": point, **values})
        outcome, _ = run_point(values, 50 + point)
        rows.append({"run_id": point, "point": point, "replicate": 0, "seed": 50 + point,
                     **values, **flatten(outcome)})
    folder = tmp_path_factory.mktemp("sweeps") / "lhs"
    return write_sweep(folder, spec, list(params), points, rows)


def sobol_points(n: int, d: int, seed: int = 3) -> np.ndarray:
    """Saltelli layout in [0, 1]^d: A, B, then AB_i (A with column i from B)."""
    ab = qmc.Sobol(d=2 * d, rng=np.random.default_rng(seed)).random(n)
    a, b = ab[:, :d], ab[:, d:]
    blocks = [a, b]
    for i in range(d):
        m = a.copy()
        m[:, i] = b[:, i]
        blocks.append(m)
    return np.vstack(blocks)


@pytest.fixture(scope="module")
def sobol_dir(tmp_path_factory) -> Path:
    """N = 16, d = 2, 2 replicates; outcomes a known function dominated by the strength."""
    n, d = 16, 2
    params = {STRENGTH: {"low": 0.5, "high": 2.0, "log": False},
              RESPONSE: {"low": 1.0, "high": 6.0, "log": False}}
    spec = {"scenario": str(CONFIG), "design": "sobol", "samples": n, "replicates": 2,
            "seed": 3, "parameters": params, "outcomes": None}
    template = flatten(run_point({}, 1)[0])
    u = sobol_points(n, d)
    points, rows = [], []
    for point, (a, b) in enumerate(u):
        values = {STRENGTH: 0.5 + 1.5 * a, RESPONSE: 1.0 + 5.0 * b}
        points.append({"point": point, **values})
        for rep, threshold in enumerate((0.4, 0.6)):
            agreed = bool(a + 0.1 * b > threshold)
            step = int(10 + 40 * a + 4 * b + rep)
            row = dict(template)
            row.update(agreement=agreed, ended="agreement" if agreed else "horizon", step=step,
                       date=(dt.date(2019, 4, 15) + dt.timedelta(weeks=step)).isoformat())
            if not agreed:
                for k in row:
                    if k.startswith(("concessions.", "gains.")):
                        row[k] = 0.0
            run_id = 2 * point + rep
            rows.append({"run_id": run_id, "point": point, "replicate": rep,
                         "seed": 10 + run_id, **values, **row})
    folder = tmp_path_factory.mktemp("sweeps") / "sobol"
    return write_sweep(folder, spec, list(params), points, rows, sobol={"n": n, "d": d})


def assert_png(path: Path) -> None:
    data = path.read_bytes()
    assert data[:8] == PNG
    assert len(data) > 20_000


# --- loading and data functions -----------------------------------------------------------------


def test_load_reads_every_part(grid_dir):
    res = sp.load(grid_dir)
    assert len(res.runs) == 42 and res.runs["run_id"].is_monotonic_increasing
    assert res.n_failed == 1 and len(res.ok) == 41
    assert res.parameters == [STRENGTH, RESPONSE]
    assert res.scenario is not None and res.scenario.name == "usjapan_2019"
    assert res.timeseries is not None and res.timeseries["run_id"].nunique() == 8
    assert res.parties == ["united_states", "japan"]
    assert "rice" in res.sectors


def test_load_rejects_a_folder_without_manifest(tmp_path):
    with pytest.raises(sp.SweepDataError, match=r"manifest\.json"):
        sp.load(tmp_path)


def test_wilson_interval_known_values():
    low, high = sp.wilson_interval([0, 5, 10], [10, 10, 10])
    assert low[0] == 0 and high[0] == pytest.approx(0.2775, abs=1e-4)
    assert low[1] == pytest.approx(0.2366, abs=1e-4) and high[1] == pytest.approx(0.7634, abs=1e-4)
    assert high[2] == 1 and low[2] == pytest.approx(0.7225, abs=1e-4)
    low, high = sp.wilson_interval(0, 0)
    assert np.isnan(low) and np.isnan(high)


def test_agreement_by_parameter_on_a_grid(grid_dir):
    res = sp.load(grid_dir)
    table = sp.agreement_by_parameter(res, STRENGTH)
    assert table["level"].tolist() == [0.5, 1.0, 2.0]
    assert (table["low"] == table["high"]).all()
    assert table["runs"].sum() == 41 and table["runs"].tolist() == [13, 14, 14]
    assert table["agreements"].sum() == int(res.ok["agreement"].astype(bool).sum())
    assert ((table["ci_low"] >= 0) & (table["ci_high"] <= 1)).all()
    assert ((table["ci_low"] <= table["rate"]) & (table["rate"] <= table["ci_high"])).all()
    by_hand = res.ok[res.ok[STRENGTH] == 2.0]["agreement"].astype(bool).mean()
    assert table["rate"].iloc[2] == pytest.approx(by_hand)
    assert sp.agreement_by_parameter(res, RESPONSE)["level"].tolist() == [1.0, 6.0]


def test_agreement_by_parameter_bins_continuous_and_date_parameters(lhs_dir):
    res = sp.load(lhs_dir)
    table = sp.agreement_by_parameter(res, STRENGTH)
    assert len(table) == 4  # sqrt(16) quantile bins
    assert (table["low"] < table["high"]).all()
    assert ((table["low"] <= table["level"]) & (table["level"] <= table["high"])).all()
    assert table["runs"].sum() == 16 and table["runs"].min() >= 3
    assert sp.is_log(res, STRENGTH) and not sp.is_log(res, ELECTION)
    dates = sp.agreement_by_parameter(res, ELECTION, bins=3)
    assert len(dates) == 3 and isinstance(dates["level"].iloc[0], pd.Timestamp)
    assert dates["low"].iloc[0] >= pd.Timestamp("2019-06-01")
    assert dates["high"].iloc[-1] <= pd.Timestamp("2019-10-15")


def test_agreement_dates(grid_dir):
    res = sp.load(grid_dir)
    table = sp.agreement_dates(res)
    agreed = int(res.ok["agreement"].astype(bool).sum())
    assert len(table) == agreed
    assert table["date"].is_monotonic_increasing
    assert table["ecdf"].iloc[-1] == pytest.approx(1.0)
    assert table["share_of_runs"].iloc[-1] == pytest.approx(agreed / 41)
    assert (table["date"] >= pd.Timestamp("2019-04-15")).all()


def test_concessions_by_parameter(grid_dir, lhs_dir):
    res = sp.load(grid_dir)
    table = sp.concessions_by_parameter(res, STRENGTH)
    agreed = int(res.ok["agreement"].astype(bool).sum())
    assert len(table) == agreed * len(res.sectors)
    assert set(table["group"]) <= {0, 1, 2} and table["concession"].between(0, 1).all()
    beef = table[table["sector"] == "beef"]
    # Beef: 38.5% tariff today, 0 at free trade.
    assert np.allclose(beef["in_terms"], 38.5 * (1 - beef["concession"]))
    everything = sp.concessions_by_parameter(res, STRENGTH, agreed_only=False)
    assert len(everything) == 41 * len(res.sectors)
    quartiles = sp.concessions_by_parameter(sp.load(lhs_dir), STRENGTH)
    assert set(quartiles["group"]) <= {0, 1, 2, 3}
    assert quartiles.attrs["groups"]["label"].str.contains("–").all()


def test_trajectory_quantiles(grid_dir):
    res = sp.load(grid_dir)
    q = sp.trajectory_quantiles(res, "offer.japan.beef")
    assert list(q.columns) == ["date", "n", "q05", "q25", "q50", "q75", "q95"]
    assert q.index.name == "step" and q.index.is_monotonic_increasing
    assert (q["n"] <= 8).all() and q["n"].iloc[0] >= 1
    ordered = q[["q05", "q25", "q50", "q75", "q95"]].diff(axis=1).iloc[:, 1:]
    assert (ordered >= -1e-12).all().all()
    with pytest.raises(ValueError, match="no time-series column"):
        sp.trajectory_quantiles(res, "offer.nobody.beef")
    with pytest.raises(ValueError, match="no time series"):
        sp.trajectory_quantiles(sp.Results(res.dir, res.manifest, res.runs, None, None, None),
                                "offer.japan.beef")


def test_sobol_table_ranks_the_parameter_with_the_larger_effect(sobol_dir):
    res = sp.load(sobol_dir)
    for outcome in ("agreement", "step"):
        table = sp.sobol_table(res, outcome)
        assert table["parameter"].tolist() == [STRENGTH, RESPONSE]
        assert table["n"].iloc[0] == 16 and table["variance"].iloc[0] > 0
        s1 = table.set_index("parameter")["S1"]
        st = table.set_index("parameter")["ST"]
        assert s1[STRENGTH] > s1[RESPONSE] and st[STRENGTH] > st[RESPONSE]
        assert s1[STRENGTH] > 0.5
        assert (table["S1_low"] <= table["S1_high"]).all()
        assert (table["ST_low"] <= table["ST_high"]).all()
    again = sp.sobol_table(res, "step")
    assert np.array_equal(again["S1_low"], sp.sobol_table(res, "step")["S1_low"])  # seeded


def test_sobol_table_matches_the_fallback_estimator_and_survives_missing_points(sobol_dir):
    res = sp.load(sobol_dir)
    table = sp.sobol_table(res, "step", n_resamples=99)
    y = res.ok.groupby("point")["step"].mean().to_numpy(float)
    s1, st = sp._saltelli_2010(y[:16], y[16:32], y[32:].reshape(2, 16))
    assert np.allclose(table["S1"], s1) and np.allclose(table["ST"], st)
    broken = res.runs.copy()
    broken.loc[broken["point"] == 3, "error"] = "RuntimeError: boom"
    partial = sp.Results(res.dir, res.manifest, broken, res.points, None, res.scenario)
    table = sp.sobol_table(partial, "step", n_resamples=99)
    assert table["n"].iloc[0] == 15 and np.isfinite(table["S1"]).all()


def test_sobol_table_refuses_other_designs(grid_dir):
    with pytest.raises(ValueError, match="sobol design"):
        sp.sobol_table(sp.load(grid_dir))


# --- plots --------------------------------------------------------------------------------------


def test_plot_all_on_a_grid_writes_every_kind_but_sobol(grid_dir, tmp_path):
    written = sp.plot_all(grid_dir, out=tmp_path / "plots")
    names = [p.name for p in written]
    assert names == ["agreement.png", "dates.png", "concessions.png", "utility.png",
                     "trajectories.png"]
    for path in written:
        assert_png(path)
    assert [kind for kind, _ in written.skipped] == ["sobol"]
    assert "sobol design" in written.skipped[0][1]


def test_plot_all_default_folder_and_chosen_kinds(lhs_dir):
    written = sp.plot_all(lhs_dir, kinds=["agreement", "trajectories", "concessions"])
    assert [p for p in written] == [lhs_dir / "plots" / "agreement.png",
                                    lhs_dir / "plots" / "concessions.png"]
    for path in written:
        assert_png(path)
    assert written.skipped == [
        ("trajectories", "no time series in the sweep (timeseries/ is empty or missing)")
    ]


def test_plot_all_on_a_sobol_design(sobol_dir, tmp_path):
    written = sp.plot_all(sobol_dir, kinds=["sobol", "trajectories"], out=tmp_path)
    assert written == [tmp_path / "sobol.png"]
    assert_png(written[0])
    assert [kind for kind, _ in written.skipped] == ["trajectories"]


def test_plots_without_the_scenario_file(grid_dir, tmp_path):
    folder = tmp_path / "moved"
    shutil.copytree(grid_dir, folder, ignore=shutil.ignore_patterns("plots"))
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["scenario_path"] = str(tmp_path / "gone.yaml")
    manifest["finished"] = None
    (folder / "manifest.json").write_text(json.dumps(manifest))
    res = sp.load(folder)
    assert res.scenario is None and "not found" in res.scenario_problem
    assert res.parties == ["united_states", "japan"] and "auto_parts" in res.sectors
    assert "incomplete sweep" in sp._describe(res)
    written = sp.plot_all(folder, kinds=["dates", "concessions", "trajectories", "utility"])
    assert len(written) == 4 and not written.skipped
    for path in written:
        assert_png(path)


def test_utility_plot_without_nash_solutions(grid_dir, tmp_path):
    res = sp.load(grid_dir)
    runs = res.runs.copy()
    runs[["nash.united_states", "nash.japan"]] = np.nan
    plain = sp.Results(res.dir, res.manifest, runs, res.points, None, res.scenario)
    assert_png(sp.plot_kind(plain, "utility", tmp_path / "utility.png"))


def test_unknown_kinds_are_refused(grid_dir, tmp_path):
    with pytest.raises(ValueError, match="unknown plot kind"):
        sp.plot_all(grid_dir, kinds=["agreement", "pie"], out=tmp_path)
    assert not list(tmp_path.iterdir())
    with pytest.raises(ValueError, match="unknown plot kind"):
        sp.plot_kind(sp.load(grid_dir), "pie", tmp_path / "pie.png")
    assert set(sp.KINDS) == set(sp.KIND_HELP)


def test_kinds_without_agreements_are_skipped(grid_dir, tmp_path):
    res = sp.load(grid_dir)
    runs = res.runs.copy()
    runs["agreement"] = runs["agreement"].map(lambda v: False if v is not None else None)
    none = sp.Results(res.dir, res.manifest, runs, res.points, None, res.scenario)
    with pytest.raises(sp.SkipPlot, match="no run reached an agreement"):
        sp.plot_kind(none, "dates", tmp_path / "dates.png")
    with pytest.raises(sp.SkipPlot, match="no run reached an agreement"):
        sp.plot_kind(none, "concessions", tmp_path / "concessions.png")
    assert_png(sp.plot_kind(none, "agreement", tmp_path / "agreement.png"))
    assert_png(sp.plot_kind(none, "utility", tmp_path / "utility.png"))


def test_kinds_whose_outcomes_were_not_recorded_are_skipped(sobol_dir, tmp_path):
    res = sp.load(sobol_dir)
    runs = res.runs.drop(columns=[c for c in res.runs if c.startswith(("concessions.", "gains."))]
                         + ["date", "step"])
    part = sp.Results(res.dir, res.manifest, runs, res.points, None, res.scenario)
    for kind, column in (("concessions", "concessions"), ("utility", "gains"), ("dates", "date")):
        with pytest.raises(sp.SkipPlot, match=column):
            sp.plot_kind(part, kind, tmp_path / f"{kind}.png")
    assert_png(sp.plot_kind(part, "sobol", tmp_path / "sobol.png"))  # agreement only
    dropped = [c for c in res.runs if c.startswith(("utilities.", "nash."))]
    gains_only = res.runs.drop(columns=dropped)
    part = sp.Results(res.dir, res.manifest, gains_only, res.points, None, res.scenario)
    assert_png(sp.plot_kind(part, "utility", tmp_path / "gains.png"))


def test_dates_are_drawn_per_level_of_a_varied_election(grid_dir, tmp_path):
    res = sp.load(grid_dir)
    assert sp.dates_grouping(res) == STRENGTH and sp.varied_elections(res) == {}
    runs = res.runs.copy()
    levels = ["2019-06-30", "2019-07-21", "2019-09-15"]
    runs[ELECTION] = [levels[p % 3] for p in runs["point"]]
    manifest = json.loads(json.dumps(res.manifest))
    manifest["parameters"] = [STRENGTH, ELECTION]
    manifest["spec"]["parameters"][ELECTION] = levels
    moved = sp.Results(res.dir, manifest, runs, None, None, res.scenario)
    assert sp.varied_elections(moved) == {ELECTION: ("japan", "upper_house_2019")}
    assert sp.dates_grouping(moved) == ELECTION
    table = sp.agreement_by_parameter(moved, ELECTION)
    assert [d.date().isoformat() for d in table["level"]] == levels
    assert_png(sp.plot_kind(moved, "dates", tmp_path / "dates.png"))


def test_panels_draw_on_a_given_axis(grid_dir):
    import matplotlib.pyplot as plt

    res = sp.load(grid_dir)
    fig, ax = plt.subplots()
    assert sp.plot_agreement(ax=ax, results=res, path=STRENGTH) is ax
    assert ax.get_ylabel() and ax.get_xlabel().startswith(STRENGTH)
    plt.close(fig)


# --- data that cannot be plotted: one line, never a misleading chart -----------------------------


def test_an_outcome_recorded_as_nulls_is_refused_not_drawn_as_zero(grid_dir, tmp_path, capsys):
    from sim.cli import main

    res = sp.load(grid_dir)
    runs = res.runs.copy()
    runs["agreement"] = None  # as `outcomes: []` once stored it: a column of nulls
    blank = sp.Results(res.dir, res.manifest, runs, res.points, None, res.scenario)
    for kind in ("agreement", "dates", "concessions", "utility"):
        with pytest.raises(sp.SkipPlot, match="did not record agreement"):
            sp.plot_kind(blank, kind, tmp_path / f"{kind}.png")
    folder = tmp_path / "blank"
    shutil.copytree(grid_dir, folder, ignore=shutil.ignore_patterns("plots"))
    for part in (folder / "runs").glob("part-*.parquet"):
        frame = pd.read_parquet(part)
        frame["agreement"] = pd.array([None] * len(frame), dtype="boolean")
        frame.to_parquet(part, index=False)
    assert main(["plot", str(folder), "--kind", "agreement"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "nothing to plot" in err and "agreement" in err
    assert not (folder / "plots" / "agreement.png").exists()


def test_the_sobol_plot_refuses_data_that_cannot_give_indices(sobol_dir, tmp_path):
    res = sp.load(sobol_dir)
    broken = res.runs.copy()
    broken.loc[broken["point"] % 16 >= 6, "error"] = "RuntimeError: boom"  # 6 usable base rows
    few = sp.Results(res.dir, res.manifest, broken, res.points, None, res.scenario)
    with pytest.raises(sp.SkipPlot, match=r"at least 8 base rows .* this sweep has 6 of 16"):
        sp.plot_kind(few, "sobol", tmp_path / "sobol.png")
    one = json.loads(json.dumps(res.manifest))
    one["sobol"] = {"n": 1, "d": 2}  # a one-sample design: its chart would be empty
    single = sp.Results(res.dir, one, res.runs[res.runs["point"] < 4], res.points, None,
                        res.scenario)  # fmt: skip
    with pytest.raises(sp.SkipPlot, match="at least 8 base rows"):
        sp.plot_kind(single, "sobol", tmp_path / "sobol.png")
    assert not (tmp_path / "sobol.png").exists()


@pytest.mark.parametrize(
    ("damage", "words"),
    [
        (lambda f: (f / "runs" / "part-000001.parquet").write_bytes(b"PAR1 cut"), "damaged"),
        (lambda f: (f / "manifest.json").write_text('{"sobol": {"n": "16", "d": 2}}'), "sobol.n"),
        (lambda f: (f / "manifest.json").write_text('{"parameters": {"a": 1}}'), "parameters"),
        (lambda f: (f / "manifest.json").write_text("[1, 2]"), "not a sweep manifest"),
        (lambda f: (f / "points.parquet").write_bytes(b"x"), "points.parquet"),
    ],
)
def test_a_damaged_folder_is_one_line(grid_dir, tmp_path, capsys, damage, words):
    from sim.cli import main

    folder = tmp_path / "damaged"
    shutil.copytree(grid_dir, folder, ignore=shutil.ignore_patterns("plots"))
    damage(folder)
    with pytest.raises(sp.SweepDataError, match=words.replace(".", r"\.")):
        sp.load(folder)
    assert main(["plot", str(folder)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and words in err and "Traceback" not in err
