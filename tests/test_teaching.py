"""The classroom guide, docs/teaching.md, stays true: its exercises run and show what it says.

Every ```bash block preceded by ``<!-- exercise: NAME -->`` is run as a student would paste it:
line by line, each line a ``negsim`` command, in a fresh temporary folder (so ``runs/`` lands
there, never in the repository), with ``experiments/...`` pointing at the repository's specs.
Each command must exit 0 and write what it promises; the sweeps must still show the patterns
the guide describes. The three exercises run in parallel threads.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shlex
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

import sim

REPO = Path(__file__).resolve().parent.parent
GUIDE = REPO / "docs" / "teaching.md"
SPECS = REPO / "experiments" / "teaching"
NETLOGO_SECTIONS = (
    "WHAT IS IT?",
    "HOW IT WORKS",
    "HOW TO USE IT",
    "THINGS TO NOTICE",
    "THINGS TO TRY",
    "EXTENDING THE MODEL",
    "RELATED MODELS",
    "CREDITS AND REFERENCES",
)
EXERCISES = ("tied-hands", "deadlines", "elections")
EXERCISE_PARTS = (
    "**Goal.**",
    "**Settings.**",
    "**Commands.**",
    "**Questions for students.**",
    "**What to expect.**",
)
MARKED_BLOCK = re.compile(r"<!--\s*exercise:\s*([\w-]+)\s*-->\s*\n```bash\n(.*?)```", re.S)
FENCED = re.compile(r"```[a-z]*\n(.*?)```", re.S)
SET_PAIR = re.compile(r"--set\s+([a-z][\w.]*)=([^\s`]+)")  # not the placeholder PATH=VALUE
MAX_SWEEP_RUNS = 400  # a classroom sweep must finish in seconds

# The classroom calendar, in the weeks `negsim run` prints (week 0 = 2025-01-06).
START = dt.date(2025, 1, 6)
SUMMIT, HARD_DEADLINE = 29, 42


def guide_text() -> str:
    return GUIDE.read_text(encoding="utf-8")


def exercise_chunks() -> dict[str, str]:
    """Each exercise's text, from its ``### Exercise`` heading to the next heading."""
    chunks = {}
    for chunk in guide_text().split("\n### Exercise ")[1:]:
        chunk = chunk.split("\n## ")[0]
        name = re.search(r"<!--\s*exercise:\s*([\w-]+)\s*-->", chunk)
        assert name, f"an exercise without a marked block: {chunk[:60]!r}"
        chunks[name[1]] = chunk
    return chunks


def marked_blocks() -> dict[str, str]:
    blocks: dict[str, str] = {}
    for name, body in MARKED_BLOCK.findall(guide_text()):
        assert name not in blocks, f"exercise {name!r} is marked twice"
        blocks[name] = body
    return blocks


def commands(block: str) -> list[list[str]]:
    """The block's commands, each split as a shell would (comments dropped)."""
    out = []
    for line in block.splitlines():
        args = shlex.split(line, comments=True)
        if not args:
            continue
        assert args[0] == "negsim", f"not a negsim command: {line!r}"
        assert not line.rstrip().endswith("\\"), f"continuation lines are not checked: {line!r}"
        out.append(args)
    return out


def option(args: list[str], name: str) -> str | None:
    return args[args.index(name) + 1] if name in args else None


def week(date: str) -> float:
    return (dt.date.fromisoformat(str(date)[:10]) - START).days / 7


# --- running the exercises ------------------------------------------------------------------


@dataclass
class Step:
    args: list[str]
    returncode: int
    stdout: str
    stderr: str


@dataclass
class Exercise:
    name: str
    work: Path
    steps: list[Step]

    def summary(self, out: str) -> dict:
        return json.loads((self.work / out / "summary.json").read_text(encoding="utf-8"))

    def results(self, out: str):
        from sim.sweep import read_results

        return read_results(self.work / out)


def _cli_args(args: list[str]) -> list[str]:
    """``negsim ...`` as ``python -m sim.cli ...``, spec paths made absolute.

    Sweeps run in one process (``--workers 1``): a pool's start-up costs more than these few
    hundred runs, and the dataset is the same for any number of workers (tests/test_sweep.py).
    """
    rewritten = [str(REPO / a) if a.startswith("experiments/") else a for a in args[1:]]
    if rewritten[0] == "sweep" and "--workers" not in rewritten:
        rewritten += ["--workers", "1", "--quiet"]
    return [sys.executable, "-m", "sim.cli", *rewritten]


def _run_block(name: str, block: str, work: Path) -> Exercise:
    env = {**os.environ, "MPLBACKEND": "Agg", "PYTHONPATH": str(REPO)}
    steps = []
    for args in commands(block):
        proc = subprocess.run(
            _cli_args(args), cwd=work, env=env, capture_output=True, text=True, timeout=600
        )
        steps.append(Step(args, proc.returncode, proc.stdout, proc.stderr))
        if proc.returncode != 0:
            break
    return Exercise(name, work, steps)


@pytest.fixture(scope="module")
def exercises(tmp_path_factory) -> dict[str, Exercise]:
    blocks = marked_blocks()
    with ThreadPoolExecutor(max_workers=len(blocks)) as pool:
        futures = {
            name: pool.submit(_run_block, name, block, tmp_path_factory.mktemp(name))
            for name, block in blocks.items()
        }
        return {name: f.result() for name, f in futures.items()}


# --- the guide's shape ----------------------------------------------------------------------


def test_guide_has_the_netlogo_info_sections_in_order():
    headings = [h.strip().upper() for h in re.findall(r"^## (.+)$", guide_text(), re.M)]
    positions = []
    for section in NETLOGO_SECTIONS:
        assert section in headings, f"missing section ## {section}"
        positions.append(headings.index(section))
    assert positions == sorted(positions), f"sections out of NetLogo's order: {headings}"


def test_guide_has_three_complete_exercises():
    assert tuple(marked_blocks()) == EXERCISES
    chunks = exercise_chunks()
    assert tuple(chunks) == EXERCISES
    for name, chunk in chunks.items():
        for part in EXERCISE_PARTS:
            assert part in chunk, f"exercise {name!r} lacks {part}"
        kinds = {args[1] for args in commands(marked_blocks()[name])}
        assert {"run", "sweep", "plot"} <= kinds, f"exercise {name!r} runs only {kinds}"


def test_every_set_in_the_guide_is_a_valid_parameter():
    """Every ``--set PATH=VALUE`` in the guide, in blocks or inline, is accepted by its scenario."""
    text = guide_text()
    snippets = FENCED.findall(text)
    snippets += re.findall(r"`([^`]+)`", FENCED.sub("", text))
    checked = 0
    for snippet in snippets:
        for line in [snippet] if "\n" not in snippet.strip() else snippet.splitlines():
            scenario = re.search(r"negsim (?:run|params) (\S+)", line)
            for path, value in SET_PAIR.findall(line):
                sim.load_scenario(scenario[1] if scenario else "classroom", [f"{path}={value}"])
                checked += 1
    assert checked >= 10


def test_teaching_sweeps_are_small_and_valid():
    from sim.sweep import load_spec

    text = guide_text()
    named = set(re.findall(r"experiments/teaching/([\w-]+\.yaml)", text))
    on_disk = {p.name for p in SPECS.glob("*.yaml")}
    assert named <= on_disk, f"the guide names missing specs: {named - on_disk}"
    for name in sorted(on_disk):
        plan = load_spec(SPECS / name)
        assert plan.scenario.name == "classroom"
        assert plan.n_runs <= MAX_SWEEP_RUNS, f"{name}: {plan.n_runs} runs"


# --- the exercises run and write their files ------------------------------------------------


@pytest.mark.parametrize("name", EXERCISES)
def test_exercise_commands_run_and_write_their_outputs(exercises, name):
    ex = exercises[name]
    assert len(ex.steps) == len(commands(marked_blocks()[name]))
    for step in ex.steps:
        shown = " ".join(step.args)
        assert step.returncode == 0, f"{shown} exited {step.returncode}:\n{step.stderr}"
        kind = step.args[1]
        if kind == "run":
            out = option(step.args, "--out")
            assert out and not Path(out).is_absolute(), f"{shown}: --out must be relative"
            assert (ex.work / out / "summary.json").is_file()
            if "--no-plot" not in step.args:
                assert (ex.work / out / "run.png").stat().st_size > 0
        elif kind == "sweep":
            out = option(step.args, "--out")
            assert out and not Path(out).is_absolute(), f"{shown}: --out must be relative"
            from sim.sweep import load_spec

            plan = load_spec(REPO / step.args[2])
            runs = ex.results(out)
            assert (ex.work / out / "manifest.json").is_file()
            assert len(runs) == plan.n_runs
            if "error" in runs:
                assert runs["error"].isna().all(), f"{shown}: some runs raised"
        elif kind == "plot":
            pngs = [Path(line) for line in step.stdout.splitlines() if line.endswith(".png")]
            assert pngs, f"{shown} wrote no PNG"
            for png in pngs:
                path = png if png.is_absolute() else ex.work / png
                assert path.is_file() and path.stat().st_size > 0
                assert ex.work.resolve() in path.resolve().parents
            assert {"agreement.png", "dates.png", "concessions.png"} <= {p.name for p in pngs}


def test_exercise_python_snippets_run_on_the_exercise_outputs(exercises, monkeypatch, capsys):
    """The Python blocks inside an exercise read that exercise's outputs and print a table."""
    snippets = 0
    for name, chunk in exercise_chunks().items():
        for code in re.findall(r"```python\n(.*?)```", chunk, re.S):
            monkeypatch.chdir(_ran(exercises, name).work)
            exec(compile(code, f"docs/teaching.md ({name})", "exec"), {})
            assert capsys.readouterr().out.strip(), f"a snippet of {name!r} printed nothing"
            snippets += 1
    assert snippets >= 1


# --- the exercises still show what the guide says -------------------------------------------


def _ran(exercises, name) -> Exercise:
    ex = exercises[name]
    if any(step.returncode for step in ex.steps):
        pytest.fail(f"exercise {name!r} did not run; see the test above")
    return ex


def test_tied_hands_strong_lobby_concedes_less_agrees_less_and_later(exercises):
    ex = _ran(exercises, "tied-hands")
    weak, strong = ex.summary("runs/farm_weak"), ex.summary("runs/farm_strong")
    assert weak["agreement"] and strong["agreement"]
    assert strong["step"] > weak["step"]
    for sector in ("grain", "dairy", "cars"):
        assert strong["concessions"][sector] < weak["concessions"][sector]
    tough = ex.summary("runs/tough_parliament")
    assert not tough["agreement"] and tough["ratification_failures"] >= 1

    runs = ex.results("runs/tied_hands")
    by = runs.groupby("lobbies.farmers.strength")
    deals = runs[runs["agreement"]].groupby("lobbies.farmers.strength")
    for sector in ("grain", "dairy"):
        mean = deals[f"concessions.{sector}"].mean()
        assert mean.is_monotonic_decreasing and mean.is_unique, f"{sector}: {mean.to_dict()}"
    rate, when = by["agreement"].mean(), deals["step"].mean()
    assert rate.iloc[-1] < rate.iloc[0] - 0.2, rate.to_dict()
    assert when.iloc[-1] > when.iloc[0] + 5, when.to_dict()
    assert deals["concessions.cars"].mean().iloc[-1] < deals["concessions.cars"].mean().iloc[0]


def test_deadlines_tactics_decide_which_deadline_deals_bunch_at(exercises):
    ex = _ran(exercises, "deadlines")
    boulware, conceder = ex.summary("runs/boulware"), ex.summary("runs/conceder")
    assert boulware["agreement"] and conceder["agreement"]
    assert boulware["step"] >= HARD_DEADLINE - 3
    assert week("2025-05-19") < conceder["step"] < SUMMIT

    runs = ex.results("runs/deadlines")
    deals = runs[runs["agreement"]]
    north, south = "parties.northland.tactic.beta", "parties.southland.tactic.beta"
    steps = {
        beta: deals[(deals[north] == beta) & (deals[south] == beta)]["step"]
        for beta in (0.3, 1.0, 3.0)
    }
    assert steps[0.3].mean() > steps[1.0].mean() > steps[3.0].mean()
    assert steps[0.3].min() >= HARD_DEADLINE - 3  # Boulware pairs: at the deadline...
    assert steps[0.3].between(HARD_DEADLINE - 3, HARD_DEADLINE).mean() >= 0.75  # ...not after
    assert steps[1.0].between(SUMMIT - 3, SUMMIT + 2).mean() >= 0.75  # linear: at the summit
    assert (steps[3.0] <= 25).mean() >= 0.75  # Conceders: right after the vote
    assert (deals["step"] > week("2025-05-19")).all()  # nobody agrees before the election
    for beta in (north, south):  # the tactics move the date far more than the terms
        for sector in ("grain", "cars"):
            mean = deals.groupby(beta)[f"concessions.{sector}"].mean()
            assert mean.max() - mean.min() < 0.1, (beta, sector, mean.to_dict())


def test_elections_deal_jumps_from_summit_to_deadline_and_never_just_before_vote(exercises):
    ex = _ran(exercises, "elections")
    may, august = ex.summary("runs/election_may"), ex.summary("runs/election_august")
    assert may["agreement"] and august["agreement"]
    assert SUMMIT - 3 <= may["step"] <= SUMMIT + 2
    assert week("2025-08-11") < august["step"] <= HARD_DEADLINE

    runs = ex.results("runs/elections")
    deals = runs[runs["agreement"]]
    path = "parties.southland.elections.general.date"
    for date, group in deals.groupby(path):
        vote = week(date)
        median = group["step"].median()
        if date <= "2025-06-16":
            assert SUMMIT - 3 <= median <= SUMMIT + 2, (date, median)
        elif date <= "2025-08-11":
            assert HARD_DEADLINE - 6 <= median <= HARD_DEADLINE, (date, median)
            assert (group["step"] > vote).all(), date
        just_before = group["step"].between(vote - 4, vote, inclusive="left")
        assert not just_before.any(), f"deal in the 4 weeks before a vote on {date}"
