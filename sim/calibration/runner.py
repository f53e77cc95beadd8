"""ABC-SMC through pyabc, one generation at a time, resumable from pyabc's SQLite history.

Each generation builds a fresh ``pyabc.ABCSMC`` from the spec, loads the history
(``DIR/abc.db``) and runs one generation. Nothing is carried over in memory from one
generation to the next: the tolerance, the perturbation kernel and the weights are all fitted
from the stored populations. So a calibration interrupted at any moment and run again by the
same command continues where the last stored generation ended, and gives the same result as
one that was never interrupted (a generation cut short is run again from its start, with the
same seeds). ``DIR/state.json`` holds the spec's fingerprint: a folder fitted for another spec
or scenario is refused, not mixed.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from sim.calibration.plan import CalibrationPlan
from sim.calibration.sampler import OrderedSampler, Timing
from sim.calibration.simulate import NegsimModel
from sim.calibration.targets import ScaledDistance, observed_stats
from sim.errors import ScenarioError
from sim.files import output_folder, write_text

DB_NAME = "abc.db"
STATE_NAME = "state.json"


class CalibrationInterrupted(Exception):
    """Ctrl-C during a calibration: what is stored stays, and the same command resumes."""


@dataclass
class FitResult:
    """What a fit did.

    Attributes:
        db: pyabc's history.
        generations: One row per stored generation: ``t``, ``epsilon``, ``evaluated``,
            ``accepted``, ``acceptance_rate``, ``ess``, ``seconds``.
        stopped: Why the fit stopped, in words.
        timing: Where this session's time went (generations run now only).
        wall_seconds: This session's wall time.
        resumed_from: Generations already stored when this session began.
        ran_now: Generations run in this session.
    """

    db: Path
    generations: list[dict[str, float]]
    stopped: str
    timing: Timing
    wall_seconds: float
    resumed_from: int
    ran_now: int = 0
    stopped_early: bool = field(default=False)


@contextlib.contextmanager
def folder_lock(out: Path) -> Iterator[None]:
    """One calibration per folder at a time (``DIR/.lock``, released when the process ends)."""
    handle = (out / ".lock").open("a")
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise ScenarioError(
                str(out), "--out", "another calibration is writing to this folder"
            ) from None
        yield
    finally:
        handle.close()


def check_state(plan: CalibrationPlan, out: Path) -> bool:
    """Refuse a folder fitted for another spec; say whether there is a fit to resume."""
    state, db = out / STATE_NAME, out / DB_NAME
    if state.is_file():
        try:
            stored = json.loads(state.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            stored = {}
        if stored.get("fingerprint") != plan.fingerprint():
            raise ScenarioError(
                str(out),
                "--out",
                "holds a calibration of another spec or scenario; give another --out or"
                " delete the folder",
            )
        return db.is_file()
    if db.is_file():
        raise ScenarioError(str(out), "--out", f"holds an {DB_NAME} this spec did not write")
    write_text(out / STATE_NAME, json.dumps({"fingerprint": plan.fingerprint()}, indent=2))
    return False


def _components(plan: CalibrationPlan, sampler: OrderedSampler) -> Any:
    import pyabc

    method = plan.spec.method
    model = NegsimModel(
        plan.scenario, plan.paths, plan.rules, method.seed, method.runs_per_particle
    )
    prior = pyabc.Distribution(**plan.priors)
    if method.epsilons is not None:
        eps: Any = pyabc.ListEpsilon(method.epsilons)
    else:
        eps = pyabc.QuantileEpsilon(alpha=method.quantile, weighted=True)
    return pyabc.ABCSMC(
        model,
        prior,
        ScaledDistance(plan.rules, method.distance),
        population_size=method.population,
        sampler=sampler,
        eps=eps,
    )


def stored_generations(db: Path) -> list[dict[str, float]]:
    """The generations in pyabc's history, with acceptance rates and effective sizes."""
    import pyabc
    from pyabc.weighted_statistics import effective_sample_size

    if not db.is_file():
        return []
    history = pyabc.History(f"sqlite:///{db.resolve()}", _id=1)
    if history.id is None:
        return []
    rows = []
    table = history.get_all_populations()
    for _, row in table[table["t"] >= 0].iterrows():
        t = int(row["t"])
        _, w = history.get_distribution(m=0, t=t)
        rows.append(
            {
                "t": t,
                "epsilon": float(row["epsilon"]),
                "evaluated": int(row["samples"]),
                "accepted": int(row["particles"]),
                "acceptance_rate": float(row["particles"]) / max(float(row["samples"]), 1.0),
                "ess": float(effective_sample_size(np.asarray(w))),
                "seconds": float(row["wall_time"] or 0.0),
            }
        )
    return rows


def _stop_reason(plan: CalibrationPlan, rows: list[dict[str, float]]) -> str:
    method = plan.spec.method
    if len(rows) >= method.generations:
        return f"{method.generations} generations done"
    if rows and rows[-1]["epsilon"] <= method.min_epsilon:
        return f"tolerance {rows[-1]['epsilon']:.4g} reached min_epsilon {method.min_epsilon:g}"
    total = sum(r["evaluated"] for r in rows)
    if total >= method.max_simulations:
        return f"{total:,} simulations reach max_simulations ({method.max_simulations:,})"
    return ""


class _Bar:
    """A progress bar of accepted particles within a generation (terminals only)."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled and sys.stderr.isatty()
        self.bar: Any = None
        self.label = ""

    def start(self, label: str) -> None:
        self.close()
        self.label = label

    def __call__(self, accepted: int, n: int) -> None:
        if not self.enabled:
            return
        if self.bar is None:
            from tqdm import tqdm

            self.bar = tqdm(total=n, desc=self.label, unit="particle", leave=False)
        self.bar.n = accepted
        self.bar.refresh()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def fit(
    plan: CalibrationPlan,
    out: Path,
    executor: Any,
    progress: bool = True,
    echo: Callable[[str], None] | None = print,
) -> FitResult:
    """Run (or resume) ABC-SMC for ``plan`` into ``out``; see the module's docstring.

    Raises:
        CalibrationInterrupted: on Ctrl-C (the generations stored so far stay).
        ScenarioError: the folder cannot be used.
    """
    say = echo or (lambda _text: None)
    logging.getLogger("ABC").setLevel(logging.WARNING)  # our lines say what pyabc's would
    output_folder(out)
    started = time.perf_counter()
    db = out / DB_NAME
    url = f"sqlite:///{db.resolve()}"
    bar = _Bar(progress)
    sampler = OrderedSampler(
        executor, plan.spec.method.seed, plan.spec.method.batch_size, progress=bar
    )
    with folder_lock(out):
        resuming = check_state(plan, out)
        rows = stored_generations(db) if resuming else []
        resumed_from = len(rows)
        if resumed_from:
            say(f"resuming: {resumed_from} generation(s) already in {db}")
        ran_now = 0
        method = plan.spec.method
        try:
            while not (reason := _stop_reason(plan, rows)):
                t = len(rows)
                abc = _components(plan, sampler)
                if db.is_file():
                    abc.load(url, 1, observed_stats(plan.rules))
                else:
                    abc.new(url, observed_stats(plan.rules))
                bar.start("prior sample" if t == 0 else f"generation {t}")
                abc.run(max_nr_populations=1, min_acceptance_rate=method.min_acceptance_rate)
                bar.close()
                new_rows = stored_generations(db)
                if len(new_rows) == len(rows):
                    reason = (
                        f"generation {t} stopped: acceptance fell below"
                        f" min_acceptance_rate {method.min_acceptance_rate:g}"
                    )
                    break
                rows = new_rows
                ran_now += 1
                r = rows[-1]
                say(
                    f"generation {t + 1}/{method.generations}: tolerance {r['epsilon']:.4g},"
                    f" accepted {r['accepted']:,} of {r['evaluated']:,}"
                    f" ({100 * r['acceptance_rate']:.1f}%), ESS {r['ess']:.0f},"
                    f" {r['seconds']:.1f} s"
                )
        except KeyboardInterrupt:
            bar.close()
            executor.close(abort=True)
            raise CalibrationInterrupted(
                f"interrupted; {len(rows)} generation(s) are stored in {db}: run the same"
                " command to resume"
            ) from None
        finally:
            bar.close()
    if not rows:
        raise ScenarioError(plan.source, "method", f"no generation could be completed ({reason})")
    return FitResult(
        db=db,
        generations=rows,
        stopped=reason,
        timing=sampler.timing,
        wall_seconds=time.perf_counter() - started,
        resumed_from=resumed_from,
        ran_now=ran_now,
        stopped_early=not reason.endswith("generations done"),
    )
