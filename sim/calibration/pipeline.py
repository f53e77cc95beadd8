"""``negsim calibrate``: fit, then the posterior, the predictive checks, the figures, the files.

``run_calibration`` runs (or resumes) the fit (``sim.calibration.runner``), reads the posterior,
runs the posterior predictive check (the joint posterior), the calibrated scenario's own
check (the file as written, its parameters drawn from their marginals) and the same check of
the hand-tuned base scenario (for the side-by-side comparison), and writes into the
folder: ``posterior.parquet``, ``predictive.parquet``, ``posterior_marginals.png``,
``posterior_pairs.png``, ``predictive.png``, the calibrated scenario (``NAME.yaml``) and
``calibration.json``. pyabc's history (``abc.db``) and ``state.json`` are what a resume reads.
"""

from __future__ import annotations

import platform
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.calibration import outputs, plots
from sim.calibration.executors import make_executor
from sim.calibration.plan import CalibrationPlan
from sim.calibration.predictive import check, predictive_runs, read_posterior, scenario_runs
from sim.calibration.runner import FitResult, fit
from sim.scenario import load_scenario

REPRODUCIBILITY = (
    "Bit for bit from the master seed, with any number of workers, the process pool or Dask,"
    " and across interruptions: every candidate's proposal is drawn after seeding the global"
    " generators from (master seed, generation, candidate number), every run's seed from"
    " (master seed, generation, the particle's values), and candidates are accepted in their"
    " numbered order. Not reproducible: wall times, and results across different versions"
    " of numpy, scipy, pyabc or negsim, or across machines whose floating-point libraries"
    " differ."
)


@dataclass
class CalibrationResult:
    """What ``run_calibration`` did and wrote."""

    out: Path
    fit: FitResult
    summary: dict[str, Any]
    files: list[Path]


def run_calibration(
    plan: CalibrationPlan,
    out: Path,
    workers: int | None = None,
    scheduler: str | None = None,
    executor: Any = None,
    progress: bool = True,
    echo: Callable[[str], None] | None = print,
) -> CalibrationResult:
    """Fit ``plan`` into ``out`` (resuming what is there) and write every output.

    Args:
        plan: A loaded spec (``sim.calibration.load_calibration``).
        out: The output folder.
        workers: Local processes (default: one per core; 1: this process only).
        scheduler: A Dask scheduler's address, instead of local processes.
        executor: An executor to use instead (``sim.calibration.executors``; not closed).
        progress: Show a progress bar of each generation (on a terminal).
        echo: Where progress lines go (None: nowhere).
    """
    say = echo or (lambda _text: None)
    own = executor is None
    executor = executor or make_executor(workers, scheduler)
    try:
        result = fit(plan, out, executor, progress=progress, echo=echo)
        started = time.perf_counter()
        posterior = read_posterior(result.db, plan.paths)
        n = plan.spec.method.predictive_runs
        say(f"posterior predictive check: {n} runs")
        runs = predictive_runs(plan, posterior, n, executor)
        summary_post = outputs.summarise_posterior(plan, posterior)
        files = [outputs.write_posterior(out, posterior), outputs.write_predictive(out, runs)]
        scenario_file = outputs.write_calibrated_scenario(plan, out, posterior, summary_post)
        files.append(scenario_file)
        calibrated = scenario_runs(plan, load_scenario(scenario_file), n, executor)
        files.append(outputs.write_predictive(out, calibrated, "calibrated_check.parquet"))
        hand_tuned = scenario_runs(plan, plan.scenario, n, executor)
        files += [
            plots.plot_marginals(plan, posterior, out),
            plots.plot_pairs(plan, posterior, out),
            plots.plot_predictive(plan, runs, out),
        ]
        after_seconds = time.perf_counter() - started
    finally:
        if own:
            executor.close()
    summary = _summary(
        plan, result, summary_post, (runs, calibrated, hand_tuned), executor, after_seconds
    )
    summary["files"] = [f.name for f in files] + ["calibration.json"]
    files.append(outputs.write_summary(out, summary))
    return CalibrationResult(out, result, summary, files)


def _summary(
    plan: CalibrationPlan,
    result: FitResult,
    posterior: dict[str, Any],
    checks: tuple[Any, Any, Any],
    executor: Any,
    after_seconds: float,
) -> dict[str, Any]:
    import pyabc

    from sim import __version__

    runs, calibrated, hand_tuned = checks
    predictive = check(plan.rules, runs)
    own_check = check(plan.rules, calibrated)
    base_check = check(plan.rules, hand_tuned)
    targets = {}
    for r in plan.rules:
        targets[r.name] = {
            "kind": r.target.kind,
            "what": r.describe(),
            "source": r.target.source,
            "observed": r.observed,
            "tolerance": r.target.tolerance,
            "scale": r.target.scale,
            "holdout": r.holdout,
            "posterior_predictive": predictive[r.name],
            "calibrated_scenario": own_check[r.name],
            "hand_tuned_scenario": base_check[r.name],
        }
    fitted = [r.name for r in plan.rules if not r.holdout]
    held = [r.name for r in plan.rules if r.holdout]
    last = result.generations[-1]
    tm = result.timing
    accepted_now = sum(g["accepted"] for g in tm.per_generation if g["t"] >= 0)
    timing = {
        "wall_seconds_this_session": result.wall_seconds,
        "checks_and_files_seconds": after_seconds,
        "generations_run_now": result.ran_now,
        "workers": executor.workers,
        "backend": executor.name,
        "candidates_evaluated": tm.evaluated,
        "candidates_discarded": tm.discarded,
        "sampling_wall_seconds": tm.sampled_seconds,
        "worker_seconds": tm.worker_seconds,
        "model_seconds": tm.model_seconds,
        "model_share_of_worker_time": tm.model_seconds / tm.worker_seconds
        if tm.worker_seconds
        else None,
        "model_share_of_fit_capacity": tm.model_seconds / (result.wall_seconds * executor.workers)
        if result.wall_seconds
        else None,
        "per_accepted_particle": {
            "fit_wall_seconds": result.wall_seconds / accepted_now if accepted_now else None,
            "model_seconds": tm.model_seconds / accepted_now if accepted_now else None,
            "library_seconds": (result.wall_seconds * executor.workers - tm.model_seconds)
            / accepted_now
            if accepted_now
            else None,
        },
    }
    return {
        "spec": plan.source,
        "scenario": str(plan.scenario_path),
        "calibrated_scenario": f"{plan.calibrated_name}.yaml",
        "fingerprint": plan.fingerprint(),
        "versions": {
            "negsim": __version__,
            "pyabc": pyabc.__version__,
            "python": platform.python_version(),
        },
        "method": plan.spec.method.model_dump(),
        "distance": f"{plan.spec.method.distance} over the fitted targets' scaled discrepancies",
        "stopped": result.stopped,
        "generations": result.generations,
        "tolerances": [g["epsilon"] for g in result.generations],
        "final": {
            "epsilon": last["epsilon"],
            "acceptance_rate": last["acceptance_rate"],
            "ess": last["ess"],
            "population": last["accepted"],
            "simulations": sum(g["evaluated"] for g in result.generations),
        },
        "posterior": posterior,
        "agreement_rate": {
            "posterior_predictive": float(runs["agreement"].mean()),
            "calibrated_scenario": float(calibrated["agreement"].mean()),
            "hand_tuned_scenario": float(hand_tuned["agreement"].mean()),
        },
        "targets": targets,
        "targets_hit": {
            "fitted": sum(predictive[n]["reproduced"] for n in fitted),
            "fitted_of": len(fitted),
            "held_out": sum(predictive[n]["reproduced"] for n in held),
            "held_out_of": len(held),
            "rule": "reproduced: at least half of the posterior predictive runs hit the target"
            " (a miss within its tolerance plus one error scale)",
        },
        "timing": timing,
        "reproducibility": REPRODUCIBILITY,
    }
