"""The classroom guide, docs/teaching.md, stays true: its exercises run and show what it says.

Every ```bash block preceded by ``<!-- exercise: NAME -->`` is run as a student would paste it:
line by line, each line a ``negsim`` command, in a fresh temporary folder (so ``runs/`` lands
there, never in the repository), with ``experiments/...`` pointing at the repository's specs.
Each command must exit 0 and write what it promises; the runs and sweeps must still show what
the guide's "What to expect" says. The three exercises run in parallel threads. The figures of
THINGS TO NOTICE come from the default run of seed 8 (which Exercise 3 runs), those of THINGS
TO TRY from the guide's own ``means`` function, run here in-process.
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
    hundred runs, and the dataset is the same for any number of workers
    (tests/sweep/test_sweep_engine.py).
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


# --- the guide's claims still hold -----------------------------------------------------------
#
# Each test checks what the guide's "What to expect" (or THINGS TO NOTICE / THINGS TO TRY)
# says, with margins wide enough that a different draw of the same patterns passes, and narrow
# enough that the opposite pattern fails. Weeks are the ones `negsim run` prints.

VOTE = 19  # Southland's election, 2025-05-19
FARM = ("grain", "dairy")
NORTH_BETA, SOUTH_BETA = "parties.northland.tactic.beta", "parties.southland.tactic.beta"


def _ran(exercises, name) -> Exercise:
    ex = exercises[name]
    if any(step.returncode for step in ex.steps):
        pytest.fail(f"exercise {name!r} did not run; see the test above")
    return ex


def _series(ex: Exercise, out: str):
    import pandas as pd

    return pd.read_csv(ex.work / out / "timeseries.csv", index_col="step")


def _events(ex: Exercise, out: str) -> list[str]:
    import pandas as pd

    return pd.read_csv(ex.work / out / "events.csv")["event"].tolist()


def _closed_weeks(series) -> list[int]:
    return [int(w) for w in series.index[~series["zone"].astype(bool)]]


def _python_block(section: str) -> str:
    """The one ```python block of a ``## SECTION`` of the guide."""
    text = guide_text().split(f"\n## {section}\n")[1].split("\n## ")[0]
    (code,) = re.findall(r"```python\n(.*?)```", text, re.S)
    return code


def test_things_to_notice_seed_8(exercises):
    """The default run of seed 8 (`runs/first`; Exercise 3 runs it as `runs/election_may`)."""
    ex = _ran(exercises, "elections")
    first, series = ex.summary("runs/election_may"), _series(ex, "runs/election_may")
    # Before the vote: salience and the farm lobby's weight climb, Southland holds back.
    assert series.loc[0, "salience.southland"] < 1.5 and series.loc[VOTE, "salience.southland"] > 6
    weight = series["weight.farmers"]
    assert weight.loc[0] == pytest.approx(0.3) and weight.loc[VOTE] > 1.0
    assert weight.loc[:VOTE].idxmax() >= VOTE - 2  # the peak comes with the vote
    assert series.loc[:VOTE, "offer.southland.grain"].max() < 0.05
    assert series.loc[:VOTE, "offer.southland.dairy"].max() < 0.2
    closed = _closed_weeks(series)
    assert closed and all(w <= VOTE for w in closed), closed  # closes only before the vote
    # After the vote: pressure decays, Southland's farm offer rises, a deal before the summit.
    assert weight.loc[VOTE + 3] < 0.6 * weight.loc[VOTE]
    assert series.loc[first["step"], "offer.southland.grain"] > 0.2
    assert first["agreement"] and first["ratification_failures"] == 0
    assert SUMMIT - 2 <= first["step"] < SUMMIT
    assert "the offers on the table cross: the sides split the difference" in _events(
        ex, "runs/election_may"
    )
    # Efficient: almost nothing left on the table.
    assert first["pareto_gap"] < 0.02

    # Seed 6: a deal rejected at home, the summit missed, a second deal ratified.
    six = sim.run("classroom", 6, analyse=False)
    assert six.agreement and six.ratification_failures == 1 and six.step > SUMMIT
    # The strength-1 row of Exercise 1: most runs end in a deal, the rest in a collapse.
    runs = _ran(exercises, "tied-hands").results("runs/tied_hands")
    row = runs[runs["lobbies.farmers.strength"] == 1.0]
    assert row["agreement"].mean() >= 0.8
    assert row.loc[~row["agreement"], "reason"].str.contains("collapsed").all()


def test_things_to_try_means_over_seeds_0_to_99():
    """The figures in brackets of THINGS TO TRY, from the guide's own ``means`` function."""
    code = _python_block("THINGS TO TRY")
    namespace: dict = {}
    exec(compile(code.split("\nprint(")[0], "docs/teaching.md (THINGS TO TRY)", "exec"), namespace)
    means = namespace["means"]
    default = means()
    assert 0.85 <= default["deals"] <= 1.0
    assert SUMMIT - 3 <= default["week"] < SUMMIT

    cars = means({"lobbies.carmakers.strength": 3})  # Northland's hands tied on cars
    assert cars["cars"] < default["cars"] - 0.1 and cars["week"] > default["week"] + 2
    # Simultaneous offers: nobody proposes first, so first_proposer changes nothing at all.
    same = means({"protocol.first_proposer": "southland"})
    assert same.round(12).equals(default.round(12))
    one = sim.run("classroom", 8, analyse=False)
    other = sim.run(
        "classroom", 8, overrides={"protocol.first_proposer": "southland"}, analyse=False
    )
    assert (one.step, one.concessions) == (other.step, other.concessions)
    # Alternating offers: no first-mover advantage.
    north_first = means({"protocol.offers": "alternating"})
    south_first = means({"protocol.offers": "alternating", "protocol.first_proposer": "southland"})
    for side in ("gain N", "gain S"):
        assert abs(north_first[side] - south_first[side]) < 0.03, side
    summit = means({"summits.leaders.start": "2025-09-15"})  # week 36
    assert summit["week"] > default["week"] + 4
    no_vote = means({"parties.southland.elections.general.amplitude": 0})
    assert abs(no_vote["week"] - default["week"]) < 1  # the May election does not delay deals
    noise = {"parties.northland.perception_noise": 0.5, "parties.southland.perception_noise": 0.5}
    assert means(noise)["deals"] < default["deals"] - 0.05
    stuck = sim.NegotiationModel(sim.load_scenario("classroom", overrides=noise), rng=0)
    outcome = stuck.run()
    assert outcome.ended == "horizon" and stuck.zone  # a deal both accept exists, none is made
    assert means({"protocol.collapse_probability": 0})["deals"] == 1.0
    floor = means({"parties.southland.mandate_floor": 0.3})
    assert floor["gain S"] > default["gain S"] + 0.05 and floor["gain N"] < default["gain N"] - 0.05
    assert floor["deals"] < default["deals"] and floor["week"] > default["week"] + 3


def test_tied_hands_a_known_constraint_shapes_the_deal_a_hidden_one_breaks_it(exercises):
    ex = _ran(exercises, "tied-hands")
    default = _ran(exercises, "elections").summary("runs/election_may")  # = runs/first
    weak, strong = ex.summary("runs/farm_weak"), ex.summary("runs/farm_strong")
    assert weak["agreement"] and strong["agreement"]
    assert not _closed_weeks(_series(ex, "runs/farm_weak"))  # the zone never closes
    closed = _closed_weeks(_series(ex, "runs/farm_strong"))
    assert len(closed) >= 10 and max(closed) > VOTE  # closed until after the vote
    assert weak["step"] < strong["step"] <= SUMMIT + 2
    for sector in ("grain", "dairy", "cars"):  # less on farm goods, and less on cars too
        assert strong["concessions"][sector] < weak["concessions"][sector] - 0.05, sector
        lo, hi = sorted((weak["concessions"][sector], strong["concessions"][sector]))
        assert lo < default["concessions"][sector] < hi, sector

    # A tougher parliament the government knows about: tied hands, not a rejection.
    tough = ex.summary("runs/tough_parliament")
    assert tough["agreement"] and tough["ratification_failures"] == 0
    assert abs(tough["step"] - default["step"]) <= 1
    assert max(_closed_weeks(_series(ex, "runs/tough_parliament"))) >= VOTE
    for sector in FARM:
        assert tough["concessions"][sector] < default["concessions"][sector] - 0.03, sector
    assert tough["concessions"]["cars"] < default["concessions"]["cars"]
    # A parliament with a stronger private lean: a rejection, a missed summit, a smaller deal.
    plain, hidden = ex.summary("runs/seed1"), ex.summary("runs/hidden_bias")
    assert plain["agreement"] and plain["ratification_failures"] == 0
    assert hidden["agreement"] and hidden["ratification_failures"] >= 1
    assert plain["step"] < SUMMIT < hidden["step"] <= HARD_DEADLINE
    assert hidden["concessions"]["grain"] < plain["concessions"]["grain"] - 0.05
    seed8 = sim.NegotiationModel(sim.load_scenario("classroom"), rng=8)
    south = seed8.governments_by_name["southland"]
    assert south.ratifier_lobby_weight < 1.2  # seed 8's parliament leans toward free trade

    # The lobby-strength sweep: tied hands buy a bigger slice of a smaller pie, later.
    runs = ex.results("runs/tied_hands")
    strength = "lobbies.farmers.strength"
    deals = runs[runs["agreement"]].groupby(strength)
    for sector in FARM:
        mean = deals[f"concessions.{sector}"].mean()
        assert mean.is_monotonic_decreasing and mean.is_unique, f"{sector}: {mean.to_dict()}"
        assert mean.iloc[-1] < mean.iloc[0] - 0.15, f"{sector}: {mean.to_dict()}"
    cars = deals["concessions.cars"].mean()
    assert cars.iloc[-1] < cars.iloc[0] - 0.1, cars.to_dict()
    when = deals["step"].mean()
    assert when.iloc[-1] > when.iloc[0] + 3, when.to_dict()
    rate = runs.groupby(strength)["agreement"].mean()
    assert rate.min() >= 0.75 and rate.max() - rate.min() < 0.2, rate.to_dict()  # barely moves
    south_gain, north_gain = deals["welfare.southland"].mean(), deals["welfare.northland"].mean()
    share = south_gain / (south_gain + north_gain)
    assert share.is_monotonic_increasing and share.iloc[-1] > share.iloc[0] + 0.08, share.to_dict()
    assert south_gain.iloc[-1] < south_gain.iloc[0] - 0.1, south_gain.to_dict()  # smaller pie
    late = deals["step"].apply(lambda s: (s >= HARD_DEADLINE - 6).mean())
    assert late.iloc[-1] >= 0.1 and late.iloc[-1] > late.iloc[0] + 0.05, late.to_dict()
    walked = runs.groupby(strength)["walked_out"].apply(lambda s: s.notna().sum())
    assert walked.iloc[-1] >= 2 and walked.iloc[0] == 0, walked.to_dict()

    # The parliament sweep: the known weight moves the terms, the private lean the failures.
    runs = ex.results("runs/parliament")
    weight, bias = "parties.southland.ratifier.lobby_weight", "parties.southland.ratifier.bias_sd"
    deals = runs[runs["agreement"]]
    for sd, group in deals.groupby(bias):
        grain = group.groupby(weight)["concessions.grain"].mean()
        assert grain.is_monotonic_decreasing and grain.iloc[0] - grain.iloc[-1] > 0.07, (sd, grain)
        gains = group.groupby(weight)[["welfare.southland", "welfare.northland"]].mean()
        share = gains["welfare.southland"] / gains.sum(axis=1)
        assert share.iloc[-1] > share.iloc[0] + 0.03, (sd, share.to_dict())
    known = runs[runs[bias] == runs[bias].min()].groupby(weight)["agreement"].mean()
    assert known.min() >= 0.85, known.to_dict()  # a known constraint rarely breaks the talks
    for lw, group in deals.groupby(weight):
        grain = group.groupby(bias)["concessions.grain"].mean()
        assert abs(grain.iloc[-1] - grain.iloc[0]) < 0.05, (lw, grain.to_dict())
    pooled = runs.groupby(bias)[["agreement", "ratification_failures"]].mean()
    assert pooled["ratification_failures"].iloc[-1] > pooled["ratification_failures"].iloc[0] + 0.15
    assert pooled["agreement"].iloc[-1] < pooled["agreement"].iloc[0] - 0.07


def test_deadlines_tactics_decide_how_close_to_the_summit_and_toughness_pays(exercises):
    ex = _ran(exercises, "deadlines")
    default = _ran(exercises, "elections").summary("runs/election_may")  # = runs/first
    boulware, conceder = ex.summary("runs/boulware"), ex.summary("runs/conceder")
    assert boulware["agreement"] and conceder["agreement"]
    assert boulware["step"] == SUMMIT  # at the summit itself
    assert VOTE < conceder["step"] <= SUMMIT - 3 and conceder["step"] < default["step"]
    for sector in ("grain", "dairy", "cars"):  # the date moves, the terms hardly
        values = [run["concessions"][sector] for run in (default, boulware, conceder)]
        assert max(values) - min(values) < 0.03, (sector, values)
    b_series, c_series = _series(ex, "runs/boulware"), _series(ex, "runs/conceder")
    assert len(_closed_weeks(b_series)) >= 15 and len(_closed_weeks(c_series)) <= 3
    # Northland's tough demands keep the farm lobby up even at half weight.
    assert b_series.loc[VOTE, "pressure.farmers"] > 2 * c_series.loc[VOTE, "pressure.farmers"]
    assert b_series.loc[VOTE, "offer.northland.grain"] > 0.8
    assert b_series.loc[VOTE, "offer.southland.grain"] < 0.05
    # A deal needs about 95% of the way to the floor: Boulware get there at the summit.
    assert 0.9 <= c_series["concession.northland"].iloc[-1] < 0.99
    assert b_series["concession.northland"].iloc[-1] >= 0.99

    tough = ex.summary("runs/tough_north")  # Boulware Northland, Conceder Southland
    t_series = _series(ex, "runs/tough_north")
    assert tough["agreement"] and tough["step"] > conceder["step"] + 2
    assert tough["gains"]["northland"] > conceder["gains"]["northland"] + 0.02
    assert tough["gains"]["southland"] < conceder["gains"]["southland"] - 0.03
    assert abs(tough["concessions"]["grain"] - conceder["concessions"]["grain"]) < 0.02
    assert tough["concessions"]["cars"] < conceder["concessions"]["cars"]
    assert abs(tough["welfare"]["northland"] - conceder["welfare"]["northland"]) < 0.03
    assert t_series["weight.carmakers"].iloc[-1] < c_series["weight.carmakers"].iloc[-1]

    runs = ex.results("runs/deadlines")
    deals = runs[runs["agreement"]]
    steps = {
        beta: deals[(deals[NORTH_BETA] == beta) & (deals[SOUTH_BETA] == beta)]["step"]
        for beta in (0.3, 1.0, 3.0)
    }
    assert steps[0.3].median() == SUMMIT  # Boulware pairs: in the summit week
    assert SUMMIT - 2 <= steps[1.0].median() < SUMMIT  # linear: one or two weeks before
    assert steps[3.0].median() <= SUMMIT - 3  # Conceders: weeks before
    assert (steps[0.3] == SUMMIT).mean() >= 0.75
    assert steps[1.0].between(SUMMIT - 2, SUMMIT - 1).mean() >= 0.75
    assert (steps[3.0] <= SUMMIT - 3).mean() >= 0.75
    assert (deals["step"] > VOTE).all()  # nobody agrees before the election
    late = deals[deals["step"] > SUMMIT]
    assert (late["ratification_failures"] >= 1).mean() >= 0.9  # after a rejection
    assert runs.groupby([NORTH_BETA, SOUTH_BETA])["agreement"].mean().min() >= 0.85

    # Toughness pays: whatever the other side does, the tougher side gains more.
    gains = deals.groupby([NORTH_BETA, SOUTH_BETA])[["gains.northland", "gains.southland"]].mean()
    for other in (0.3, 1.0, 3.0):
        north = gains.xs(other, level=SOUTH_BETA)["gains.northland"]
        assert north.loc[0.3] > north.loc[3.0] + 0.03, (other, north.to_dict())
        south = gains.xs(other, level=NORTH_BETA)["gains.southland"]
        assert south.loc[0.3] > south.loc[3.0] + 0.03, (other, south.to_dict())
    assert gains.loc[(0.3, 3.0), "gains.northland"] > 1.5 * gains.loc[(0.3, 3.0), "gains.southland"]
    assert gains.loc[(3.0, 0.3), "gains.southland"] > 1.5 * gains.loc[(3.0, 0.3), "gains.northland"]
    # ... paid with time, not with the terms or the economics.
    pair_mean = deals.groupby([NORTH_BETA, SOUTH_BETA]).mean(numeric_only=True)
    assert pair_mean.loc[(0.3, 3.0), "step"] > pair_mean.loc[(3.0, 3.0), "step"] + 3
    for column, spread in (
        ("concessions.grain", 0.05),
        ("concessions.cars", 0.05),
        ("welfare.northland", 0.08),
        ("welfare.southland", 0.08),
    ):
        values = pair_mean[column]
        assert values.max() - values.min() < spread, (column, values.to_dict())


def test_elections_matter_only_near_the_summit(exercises):
    ex = _ran(exercises, "elections")
    may, off = ex.summary("runs/election_may"), ex.summary("runs/no_election")
    august = ex.summary("runs/election_august")
    assert may["agreement"] and off["agreement"] and august["agreement"]
    # Without the election Southland moves early and the zone never closes, yet the deal is
    # the same: the May election freezes the offers, not the deal.
    may_series, off_series = _series(ex, "runs/election_may"), _series(ex, "runs/no_election")
    assert not _closed_weeks(off_series) and _closed_weeks(may_series)
    assert off_series["weight.farmers"].max() < 0.6 * may_series["weight.farmers"].max()
    assert off_series.loc[VOTE, "offer.southland.grain"] > 0.15
    assert may_series.loc[VOTE, "offer.southland.grain"] < 0.05
    assert off["step"] == may["step"]
    for sector in ("grain", "dairy", "cars"):
        assert abs(off["concessions"][sector] - may["concessions"][sector]) < 0.02, sector
    # An August vote blocks the summit; the deal follows the vote, with less farm opening.
    assert 31 < august["step"] <= 31 + 4
    assert any("passes without a deal" in e for e in _events(ex, "runs/election_august"))
    assert august["concessions"]["grain"] < may["concessions"]["grain"] - 0.05

    runs = ex.results("runs/elections")
    path = "parties.southland.elections.general.date"
    deals = runs[runs["agreement"]]
    by_date = {str(date)[:10]: group for date, group in deals.groupby(path)}
    may_steps = by_date["2025-05-19"].set_index("replicate")["step"]
    for date, group in by_date.items():
        vote = week(date)
        steps = group["step"]
        summit = steps.between(SUMMIT - 3, SUMMIT + 2).mean()
        deadline = steps.between(HARD_DEADLINE - 6, HARD_DEADLINE).mean()
        before = (steps < vote).mean()
        if date <= "2025-06-16":  # an early election changes nothing
            assert SUMMIT - 3 <= steps.median() < SUMMIT, (date, steps.median())
            paired = group.set_index("replicate")["step"].reindex(may_steps.index)
            assert (paired == may_steps).mean() >= 0.9, date
        elif date == "2025-07-14":  # a vote just before the summit: half miss it
            assert steps.median() >= SUMMIT + 5, (date, steps.median())
            assert summit >= 0.3 and deadline >= 0.3, (date, summit, deadline)
            assert before == 0, date
        elif date == "2025-08-11":  # a vote just after it: most deals wait for the vote
            assert steps.median() > vote, (date, steps.median())
            assert 0.1 <= before <= 0.5, (date, before)
        else:  # a later vote: the summit, before the vote, on smaller farm concessions
            assert before >= 0.7 and summit >= 0.7, (date, before, summit)
    grain = deals.groupby(path)["concessions.grain"].mean()
    grain.index = [str(d)[:10] for d in grain.index]
    for date in ("2025-08-11", "2025-09-08", "2025-10-06"):
        assert grain[date] < grain["2025-05-19"] - 0.05, grain.to_dict()
