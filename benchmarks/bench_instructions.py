"""Instructions per run, counted by valgrind: a measure of a run's cost that the VM cannot skew.

Wall times on a shared virtual machine drift by 15% from one invocation to the next and by up
to 2x from one day to the next, so two versions of the code compared days apart, or even
minutes apart, can differ by more than the change being measured. The number of machine
instructions a run executes does not drift with the machine's load or speed; what noise is
left comes from where the interpreter's objects land in memory (hash tables keyed by object
identity; string hashing is fixed here by ``PYTHONHASHSEED=0``): the same code counted twice,
or two copies of one tree, differ by up to 1.5% a run (benchmarks/README.md), so versions
closer than about 2% cannot be told apart. It is not a wall time
(cache misses and mispredictions are not in it), but between two versions of the same
pure-Python model it tracks the time closely, and it lets a change of a few percent be seen.

Each tree's cost per run is the difference between two counts, ``--warmup`` runs and
``--warmup + --runs`` runs, divided by ``--runs``: interpreter start-up, imports and the
first runs' one-off costs cancel. Usage::

    .venv/bin/python benchmarks/bench_instructions.py                       # this tree
    git worktree add /tmp/negsim-old 910b0af                                # an older version
    .venv/bin/python benchmarks/bench_instructions.py --tree /tmp/negsim-old --tree .

Needs ``valgrind`` (Debian: ``apt-get install valgrind``); about 3 minutes per tree.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD = """
import sys
import sim
scenario = sim.load_scenario(sys.argv[1])
for seed in range(int(sys.argv[2])):
    sim.NegotiationModel(scenario, rng=seed, collect=False).run()
"""


def count(tree: Path, python: str, scenario: str, runs: int) -> int:
    """Instructions executed by a fresh interpreter that makes ``runs`` runs in ``tree``."""
    env = dict(os.environ, PYTHONHASHSEED="0", PYTHONPATH=str(tree))
    # One run outside valgrind first writes the tree's bytecode caches: otherwise the first
    # count alone would pay for compiling the package (millions of instructions a run).
    subprocess.run([python, "-c", CHILD, scenario, "1"], cwd=tree, env=env, capture_output=True)
    command = [
        "valgrind",
        "--tool=cachegrind",
        "--cache-sim=no",
        "--cachegrind-out-file=/dev/null",
        python,
        "-c",
        CHILD,
        scenario,
        str(runs),
    ]
    done = subprocess.run(command, cwd=tree, env=env, capture_output=True, text=True)
    found = re.search(r"I\s+refs:\s+([\d,]+)", done.stderr)
    if done.returncode != 0 or found is None:
        tail = done.stderr.strip().splitlines()[-1:] or ["no output"]
        raise SystemExit(f"bench_instructions: the runs in {tree} failed: {tail[0]}")
    return int(found.group(1).replace(",", ""))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tree", action="append", type=Path, help="a checkout (repeatable)")
    parser.add_argument("--scenario", default="usjapan_2019")
    parser.add_argument("--runs", type=int, default=150, help="runs counted (default 150)")
    parser.add_argument("--warmup", type=int, default=10, help="runs subtracted (default 10)")
    parser.add_argument("--python", default=sys.executable)
    args = parser.parse_args()
    if shutil.which("valgrind") is None:
        print("bench_instructions: valgrind is not installed (apt-get install valgrind)")
        sys.exit(2)
    trees = [t.resolve() for t in (args.tree or [ROOT])]
    print(f"{args.scenario}, seeds {args.warmup}..{args.warmup + args.runs - 1} counted")
    print("| tree | instructions per run | relative to the first |")
    print("|---|---|---|")
    first = None
    for tree in trees:
        base = count(tree, args.python, args.scenario, args.warmup)
        more = count(tree, args.python, args.scenario, args.warmup + args.runs)
        per_run = (more - base) / args.runs
        first = first or per_run
        print(f"| {tree} | {per_run / 1e6:.2f} M | {per_run / first:.3f} |", flush=True)


if __name__ == "__main__":
    main()
