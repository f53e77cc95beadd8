"""Hostile input to scenarios, `--set` and `negsim run`: one line and exit 2, or a valid result.

Each class of bad input has a test of its own, and two property-based tests throw random
damage at a scenario document and at `--set` values: whatever they generate, `negsim run` must
either finish with a strict-JSON summary of finite numbers, or refuse with exit code 2 and one
short line on stderr, never a traceback, a hang or invalid output.
"""

from __future__ import annotations

import errno
import json
import math
import os
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sim
from sim import safe_yaml
from sim.cli import main
from sim.distributions import TruncNormal
from sim.errors import ScenarioError
from sim.model import NegotiationModel, RunFinished
from sim.scenario import bundled_scenarios, iter_parameters, load_scenario

CONFIGS = Path(__file__).resolve().parent.parent / "configs"
CLASSROOM = yaml.safe_load((CONFIGS / "classroom.yaml").read_text())


def cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """`negsim ARGS` in this process: exit code, stdout, stderr (argparse exits included)."""
    try:
        code = main(args)
    except SystemExit as exc:  # argparse's own exits (usage errors)
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def assert_refused(code: int, err: str, *words: str) -> None:
    """Exit code 2, one short line on stderr naming what is wrong, no traceback."""
    lines = err.strip().splitlines()
    assert code == 2, err
    assert len(lines) == 1, err
    assert len(lines[0]) < 800
    assert "Traceback" not in err
    for word in words:
        assert word in lines[0], lines[0]


def strict_json(text: str) -> Any:
    """Parse JSON as strict readers do: NaN and Infinity are errors."""

    def reject(name: str) -> None:
        raise ValueError(f"not JSON: {name}")

    return json.loads(text, parse_constant=reject)


def write_doc(tmp_path: Path, text: str, name: str = "s.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def classroom_with(tmp_path: Path, old: str, new: str, base: str = "classroom") -> Path:
    text = (CONFIGS / f"{base}.yaml").read_text()
    assert old in text, old
    return write_doc(tmp_path, text.replace(old, new, 1))


# -- YAML that is malformed or built to exhaust memory, stack or time ------------------------


def test_a_duplicate_key_is_an_error_not_a_silent_override(tmp_path, capsys):
    path = classroom_with(tmp_path, "  northland:\n", "  northland: {}\n  northland:\n")
    code, _, err = cli(["run", str(path), "--no-plot", "--out", str(tmp_path / "o")], capsys)
    assert_refused(code, err, "duplicate key 'northland'", "line")


def test_an_alias_bomb_is_refused_quickly_with_a_short_message(tmp_path, capsys):
    levels = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 9):
        prev = f"*a{i - 1}"
        levels.append(f"a{i}: &a{i} [{', '.join([prev] * 9)}]")
    path = write_doc(tmp_path, "\n".join(levels) + "\nname: *a8\n")
    code, _, err = cli(["run", str(path), "--out", str(tmp_path / "o")], capsys)
    assert_refused(code, err, "aliases")


def test_a_self_referencing_alias_is_refused(tmp_path, capsys):
    path = write_doc(tmp_path, "name: &a [1, *a]\n")
    code, _, err = cli(["run", str(path)], capsys)
    assert_refused(code, err, "alias")


@pytest.mark.parametrize("depth", [100, 20_000])
def test_deep_nesting_is_refused_not_a_recursion_error(tmp_path, capsys, depth):
    path = write_doc(tmp_path, "name: " + "[" * depth + "]" * depth + "\n")
    code, _, err = cli(["run", str(path)], capsys)
    assert_refused(code, err, "nested more than")


def test_a_huge_file_is_refused_before_it_is_read(tmp_path, capsys):
    path = tmp_path / "big.yaml"
    with path.open("w") as fh:
        fh.write("name: x\n")
        fh.write("# " + "x" * (safe_yaml.MAX_BYTES + 10) + "\n")
    code, _, err = cli(["run", str(path)], capsys)
    assert_refused(code, err, "bytes")


@pytest.mark.parametrize(
    "content",
    [b"", b"- a\n- b\n", b"\xff\xfe\x00garbage", b"name: [unclosed\n", b"key: !!python/object {}"],
)
def test_files_that_are_not_scenarios(tmp_path, capsys, content):
    path = tmp_path / "x.yaml"
    path.write_bytes(content)
    code, _, err = cli(["run", str(path)], capsys)
    assert_refused(code, err, str(path))


# -- dates ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "date", ["2019-13-45", "2025-02-30", "2019-00-10", "20190721", "9999-12-31"]
)
def test_impossible_dates_in_the_file_and_through_set(tmp_path, capsys, date):
    path = classroom_with(tmp_path, "start: 2025-01-06", f"start: {date}")
    code, _, err = cli(["run", str(path)], capsys)
    assert_refused(code, err, "calendar.start")
    code, _, err = cli(["run", "classroom", f"--set=calendar.start={date}"], capsys)
    assert_refused(code, err, "calendar.start")


def test_a_calendar_too_long_to_run_is_refused(capsys):
    args = ["run", "classroom", "--set", "calendar.step_days=1", "--set", "calendar.end=2290-01-01"]
    code, _, err = cli(args, capsys)
    assert_refused(code, err, "calendar.end", "steps")


# -- non-finite and overflowing numbers ------------------------------------------------------


@pytest.mark.parametrize(
    "value", [".nan", ".inf", "-.inf", "1e308", "-1e308", "9" * 400, "1e400", "'nan'"]
)
@pytest.mark.parametrize(
    "path",
    [
        "parties.northland.no_deal_value",
        "lobbies.farmers.strength",
        "sectors.grain.status_quo",
        "sectors.grain.economics.northland.linear",
    ],
)
def test_non_finite_and_overflowing_numbers_are_refused(capsys, tmp_path, path, value):
    code, _, err = cli(["run", "classroom", "--set", f"{path}={value}", "--out", str(tmp_path)],
                       capsys)
    assert_refused(code, err, path)


@pytest.mark.parametrize(
    "dist",
    [
        "{dist: lognormal, median: 1, sigma: 1000}",
        "{dist: lognormal, median: 1e300, sigma: 0.1}",
        "{dist: uniform, low: 0, high: .inf}",
        "{dist: uniform, low: 0, high: 1e308}",
        "{dist: normal, mean: .nan, sd: 1}",
        "{dist: choice, values: [1, .nan]}",
        "{dist: triangular, low: 0, mode: 1, high: 1e300}",
    ],
)
def test_distributions_that_could_draw_non_finite_values_are_refused(capsys, dist):
    code, _, err = cli(["run", "classroom", "--set", f"lobbies.farmers.strength={dist}"], capsys)
    assert_refused(code, err, "lobbies.farmers.strength")


def test_log_scale_noise_is_bounded_so_no_draw_overflows(capsys):
    code, _, err = cli(["run", "classroom", "--set", "parties.southland.perception_noise=1e5"],
                       capsys)
    assert_refused(code, err, "perception_noise")


@settings(max_examples=60, deadline=None)
@given(
    mean=st.floats(-100, 100),
    sd=st.floats(1e-3, 10),
    low=st.floats(-100, 100),
    width=st.floats(1e-12, 50),
)
def test_a_truncated_normal_always_finishes_inside_its_interval(mean, sd, low, width):
    high = low + width
    if high <= low or (low - mean) / sd > 4 or (mean - high) / sd > 4:
        return  # refused by validation
    dist = TruncNormal(dist="truncnormal", mean=mean, sd=sd, low=low, high=high)
    rng = np.random.default_rng(0)
    draws = [dist.draw(rng) for _ in range(20)]  # inverse CDF: no loop that could hang
    assert all(low <= v <= high and math.isfinite(v) for v in draws)


def test_a_truncated_normal_with_almost_no_mass_does_not_hang(capsys, tmp_path):
    narrow = "{dist: truncnormal, mean: 1, sd: 1, low: 0.5, high: 0.5000000001}"
    code, out, _ = cli(["run", "classroom", "--json", "--no-plot", "--out", str(tmp_path),
                        "--set", f"lobbies.farmers.strength={narrow}"], capsys)
    assert code == 0
    assert strict_json(out)["scenario"] == "classroom"


# -- silent acceptance of the wrong thing -----------------------------------------------------


def test_a_reference_named_like_the_status_quo_keyword_is_refused(tmp_path, capsys):
    path = classroom_with(
        tmp_path, "references: {tpp:", "references: {status_quo: 0.5, tpp:", base="usjapan_2019"
    )
    code, _, err = cli(["run", str(path)], capsys)
    assert_refused(code, err, "references.status_quo")


@pytest.mark.parametrize("name", ["north.land", "north land", "", "../x", "a" * 65])
def test_names_that_cannot_be_dotted_paths_are_refused(tmp_path, capsys, name):
    path = classroom_with(tmp_path, "  northland:\n", f"  {json.dumps(name)}:\n")
    code, _, err = cli(["run", str(path)], capsys)
    assert_refused(code, err, "parties")


def test_every_listed_parameter_can_be_set_to_its_own_value(capsys):
    # What `negsim params` lists, `--set` accepts (names with dots used to break this).
    scenario = load_scenario("usjapan_2019")
    for path, value, _ in iter_parameters(scenario):
        if isinstance(value, int | float) and not isinstance(value, bool):
            sim.load_scenario("usjapan_2019", {path: value})


def test_a_scenario_name_cannot_escape_the_output_folder(tmp_path, capsys):
    path = classroom_with(tmp_path, "name: classroom", "name: ../../escape")
    code, _, err = cli(["run", str(path)], capsys)
    assert_refused(code, err, "name")


# -- seeds, the API, finished models ---------------------------------------------------------


def test_negative_and_non_integer_seeds_are_one_line_errors(capsys):
    for seed in ["-1", "1.5", "x"]:
        code, _, err = cli(["run", "classroom", "--seed", seed], capsys)
        assert_refused(code, err, "--seed")
    with pytest.raises(ValueError, match="seed"):
        NegotiationModel("classroom", rng=-1)


def test_overrides_as_one_string_mean_one_override():
    one = sim.run("classroom", 4, overrides="lobbies.farmers.strength=2")
    listed = sim.run("classroom", 4, overrides=["lobbies.farmers.strength=2"])
    mapped = sim.run("classroom", 4, overrides={"lobbies.farmers.strength": 2.0})
    assert one == listed == mapped
    assert one != sim.run("classroom", 4)


def test_a_finished_model_refuses_to_step():
    model = NegotiationModel("classroom", rng=1)
    outcome = model.run()
    steps, log = model.steps, list(model.log)
    with pytest.raises(RunFinished, match="over"):
        model.step()
    assert model.steps == steps and model.log == log and model.outcome is outcome


# -- the command line's own promises ---------------------------------------------------------


def test_version(capsys):
    code, out, _ = cli(["--version"], capsys)
    assert code == 0 and out.strip() == f"negsim {sim.__version__}"


def test_bundled_scenarios_come_from_the_configs_folder(capsys):
    assert bundled_scenarios() == sorted(p.stem for p in CONFIGS.glob("*.yaml"))
    code, _, err = cli(["run", "nosuch"], capsys)
    assert_refused(code, err, "nosuch", *bundled_scenarios())
    code, out, _ = cli(["run", "--help"], capsys)
    assert all(name in out for name in bundled_scenarios())


# -- the file system --------------------------------------------------------------------------


def test_out_that_is_a_file_is_refused_before_the_run(tmp_path, capsys):
    target = tmp_path / "file"
    target.write_text("keep me")
    code, _, err = cli(["run", "classroom", "--out", str(target)], capsys)
    assert_refused(code, err, "not a folder")
    assert target.read_text() == "keep me"


@pytest.mark.parametrize(("err_no", "words"), [(errno.ENOSPC, "full"), (errno.EROFS, "read-only")])
def test_a_failing_disk_leaves_the_earlier_files_whole(tmp_path, capsys, monkeypatch, err_no,
                                                       words):
    out = tmp_path / "run"
    assert cli(["run", "classroom", "--seed", "1", "--out", str(out), "--no-plot"], capsys)[0] == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    real_replace = os.replace

    def failing_replace(src: Any, dst: Any) -> None:
        if Path(dst).name == "timeseries.csv":
            raise OSError(err_no, os.strerror(err_no))
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", failing_replace)
    code, _, err = cli(["run", "classroom", "--seed", "2", "--out", str(out), "--no-plot"], capsys)
    assert_refused(code, err, "timeseries.csv", words)
    after = {p.name: p.read_bytes() for p in out.iterdir()}
    assert set(after) == set(before)  # no temporary files left behind
    assert after["timeseries.csv"] == before["timeseries.csv"]  # the old file, whole
    strict_json(after["summary.json"].decode())


def test_an_uncreatable_folder_is_one_line(tmp_path, capsys, monkeypatch):
    def refuse(*_: Any, **__: Any) -> None:
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(Path, "mkdir", refuse)
    code, _, err = cli(["run", "classroom", "--out", str(tmp_path / "new")], capsys)
    assert_refused(code, err, "read-only")


# -- property-based: random damage to a scenario document and to --set values ---------------

FIXTURES_OK = [HealthCheck.function_scoped_fixture]  # tmp_path and capsys are reset by hand
HOSTILE_SCALARS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**400), max_value=10**400),
    st.sampled_from([0, -1, 1, 1e6, -1e6, 1e-300, 2**63, True, None, "", "x", "2019-13-45",
                     "2025-02-30", "2019-07-21", "status_quo", "tpp", "northland", "a.b"]),
    st.text(max_size=20),
)
HOSTILE_DISTS = st.fixed_dictionaries(
    {"dist": st.sampled_from(["uniform", "loguniform", "normal", "truncnormal", "lognormal",
                              "triangular", "choice", "weird"])},
    optional={
        key: st.one_of(st.floats(allow_nan=True, allow_infinity=True),
                       st.integers(-(10**30), 10**30))
        for key in ("low", "high", "mean", "sd", "median", "sigma", "mode")
    },
)
HOSTILE_VALUES = st.recursive(
    st.one_of(HOSTILE_SCALARS, HOSTILE_DISTS),
    lambda children: st.one_of(
        st.lists(children, max_size=3), st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=6,
)


def _raw_paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    paths = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, child in node.items():
            paths += _raw_paths(child, (*prefix, key))
    elif isinstance(node, list):
        for i, child in enumerate(node):
            paths += _raw_paths(child, (*prefix, i))
    return paths


RAW_PATHS = _raw_paths(CLASSROOM)


def _damage(doc: Any, path: tuple[Any, ...], action: str, value: Any) -> Any:
    node = doc
    for key in path[:-1]:
        node = node[key]
    last = path[-1]
    if action == "delete" and isinstance(node, dict):
        del node[last]
    elif action == "add" and isinstance(node, dict):
        node[f"{last}_extra"] = value
    else:
        node[last] = value
    return doc


def check_run_or_refusal(code: int, out: str, err: str) -> None:
    """The property: a valid run with strict, finite JSON, or a one-line refusal."""
    if code == 0:
        summary = strict_json(out)
        for group in ("utilities", "gains", "welfare", "concessions"):
            assert all(isinstance(v, float) and math.isfinite(v) for v in summary[group].values())
        assert all(0.0 <= v <= 1.0 for v in summary["concessions"].values())
    else:
        assert_refused(code, err)


@settings(max_examples=150, deadline=None, suppress_health_check=FIXTURES_OK)
@given(
    damages=st.lists(
        st.tuples(st.sampled_from(RAW_PATHS), st.sampled_from(["set", "set", "delete", "add"]),
                  HOSTILE_VALUES),
        min_size=1,
        max_size=3,
    )
)
def test_a_damaged_scenario_document_runs_or_is_refused_in_one_line(tmp_path, capsys, damages):
    doc = json.loads(json.dumps(CLASSROOM, default=str))
    for path, action, value in damages:
        try:
            doc = _damage(doc, path, action, value)
        except (KeyError, IndexError, TypeError):
            continue  # an earlier damage removed this path
    path = tmp_path / "damaged.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    code, out, err = cli(["run", str(path), "--json", "--no-plot", "--out", str(tmp_path / "o")],
                         capsys)
    check_run_or_refusal(code, out, err)


SET_PATHS = [path for path, _, _ in iter_parameters(load_scenario("classroom"))]


def _yaml_text(value: Any) -> str:
    return yaml.safe_dump(value, default_flow_style=True, width=10**6).strip().removesuffix("...")


@settings(max_examples=150, deadline=None, suppress_health_check=FIXTURES_OK)
@given(
    path=st.one_of(st.sampled_from(SET_PATHS), st.text(max_size=30)),
    value=st.one_of(HOSTILE_VALUES.map(_yaml_text), st.text(max_size=30)),
)
def test_any_set_value_runs_or_is_refused_in_one_line(tmp_path, capsys, path, value):
    code, out, err = cli(
        ["run", "classroom", "--json", "--no-plot", "--out", str(tmp_path / "o"),
         f"--set={path}={value}"],
        capsys,
    )
    check_run_or_refusal(code, out, err)


def test_a_number_too_long_to_read_is_one_line(tmp_path, capsys):
    path = write_doc(tmp_path, "name: " + "9" * 5000 + "\n")
    code, _, err = cli(["run", str(path)], capsys)
    assert_refused(code, err, "too long")
    code, _, err = cli(["run", "classroom", "--set", "lobbies.farmers.strength=" + "9" * 5000],
                       capsys)
    assert_refused(code, err, "too long")


def test_scenario_errors_survive_pickling():  # they travel back from sweep workers
    import pickle

    error = pickle.loads(pickle.dumps(ScenarioError("f.yaml", "a.b", "bad")))
    assert (error.source, error.field, error.problem) == ("f.yaml", "a.b", "bad")


def test_scenario_errors_stay_short_whatever_the_value():
    error = ScenarioError("file.yaml", "a." * 1000, "bad value " + "x" * 10**6)
    assert len(str(error)) < 800 and "\n" not in str(error)
