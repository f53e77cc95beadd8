"""What each ``negsim`` command does, as a function of its parsed arguments.

``run``, ``params``, ``sweep``, ``plot``, ``calibrate``, ``validate`` and ``app`` each return an
exit code.
The command line's parser and its error handling are in ``sim.cli``; a user's mistake raises
``ScenarioError``, which ``sim.cli.main`` prints as one line with exit code 2.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from sim.errors import ScenarioError


def _format_value(value: object) -> str:
    if hasattr(value, "model_dump"):
        fields = value.model_dump()  # a distribution
        return "{" + ", ".join(f"{k}: {v}" for k, v in fields.items()) + "}"
    if isinstance(value, float):
        return f"{value:g}"
    if value is None:
        return "null"
    return str(value)


def pattern_names() -> list[str]:
    """The validation patterns' names (``negsim validate --pattern``)."""
    from sim.validation.patterns import PATTERNS

    return list(PATTERNS)


def cmd_validate(args: argparse.Namespace) -> int:
    """Run every pattern on seeded ensembles; write the report; exit 1 if one fails."""
    from sim.validation import validate

    if not 1 <= args.seeds <= 100_000:
        raise ScenarioError("--seeds", "", f"must be 1-100000 (got {args.seeds})")
    unknown = [p for p in args.pattern or [] if p not in pattern_names()]
    if unknown:
        known = ", ".join(pattern_names())
        raise ScenarioError("--pattern", "", f"unknown pattern {unknown[0]!r} (known: {known})")
    results, files = validate(args.seeds, args.out, args.pattern, progress=not args.quiet)
    for r in results:
        print(f"{'holds' if r.holds else 'FAILS'}  {r.pattern.title}")
    print("written: " + ", ".join(str(f) for f in files[:1]) + f" and {len(files) - 1} figures")
    return 0 if all(r.holds for r in results) else 1


def cmd_params(args: argparse.Namespace) -> int:
    """Print ``dotted.path = value  # meaning`` for every parameter."""
    from sim.scenario import iter_parameters, load_scenario

    scenario = load_scenario(args.scenario, args.overrides or None)
    rows = []
    for path, v, doc in iter_parameters(scenario):
        text = " ".join(_format_value(v).split())
        rows.append((path, text if len(text) <= 60 else text[:57] + "...", doc))
    width = min(max(len(f"{p} = {v}") for p, v, _ in rows), 72)
    for path, value, doc in rows:
        left = f"{path} = {value}"
        print(f"{left:<{width}}  # {doc}" if doc else left)
    return 0


def _summary_text(model: object, files: Sequence[Path]) -> str:
    from sim.model import NegotiationModel

    assert isinstance(model, NegotiationModel)
    o = model.outcome
    assert o is not None
    spec = model.spec
    lines = [f"{spec.title} (seed {o.seed})", ""]
    verdict = (
        "AGREEMENT" if o.agreement else ("BREAKDOWN" if o.ended == "breakdown" else "NO AGREEMENT")
    )
    lines.append(f"Outcome: {verdict} on {o.date} (week {o.step}): {o.reason}.")
    lines.append(
        f"Ratification: {o.ratification_attempts} attempt(s), {o.ratification_failures} rejected."
    )
    lines.append("")
    if o.agreement:
        lines.append(f"{'Sector':<12} {'x':>5}  {'agreed':>12}  {'today':>10}  unit")
        for name, x in o.concessions.items():
            t = o.concessions_in_terms[name]
            label = spec.sectors[name].label
            lines.append(
                f"{label:<12} {x:>5.2f}  {t['value']:>12,.1f}  {t['status_quo']:>10,.1f}"
                f"  {t['unit']}"
            )
    else:
        lines.append("No deal: every sector keeps today's protection. Last offers (x per sector):")
        names = list(o.concessions)
        lines.append(f"{'':<16}" + "".join(f"{spec.sectors[s].label[:10]:>11}" for s in names))
        for p, offer in o.last_offers.items():
            if offer is not None:
                lines.append(f"{spec.parties[p].label:<16}" + "".join(f"{v:>11.2f}" for v in offer))
    lines.append("")
    lines.append(
        f"{'Government':<16} {'utility':>9} {'gain over no deal':>18} {'at Nash point':>14}"
    )
    for p, u in o.utilities.items():
        nash = f"{o.nash[p]:>14.2f}" if o.nash else f"{'-':>14}"
        lines.append(f"{spec.parties[p].label:<16} {u:>9.2f} {o.gains[p]:>18.2f} {nash}")
    if o.pareto_gap is not None:
        lines.append(
            f"Distance inside the Pareto frontier (gain left on the table): {o.pareto_gap:.3f}"
        )
    lines.append("")
    key = [text for _, _, text in model.log]
    if key:
        lines.append("What happened:")
        for step, date, text in model.log:
            lines.append(f"  {date} (week {step:>2}): {text}")
        lines.append("")
    lines.append("Written: " + ", ".join(str(f) for f in files))
    return "\n".join(lines)


def cmd_run(args: argparse.Namespace) -> int:
    """Run one scenario, print its summary, write its files."""
    from sim.files import output_folder
    from sim.model import NegotiationModel
    from sim.run_files import write_run
    from sim.scenario import load_scenario

    scenario = load_scenario(args.scenario, args.overrides or None)
    out: Path = args.out or Path("runs") / f"{scenario.name}-seed{args.seed}"
    output_folder(out)  # before the run: a bad --out costs nothing
    model = NegotiationModel(scenario, rng=args.seed)
    outcome = model.run()
    files = write_run(model, out, plot=not args.no_plot)
    if args.json:
        print(outcome.to_json())
    else:
        print(_summary_text(model, files))
    return 0


def _needs_sweep_extra() -> None:
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        raise ScenarioError(
            "negsim", "sweep", "needs the sweep extra: pip install 'negsim[sweep]'"
        ) from None


def cmd_sweep(args: argparse.Namespace) -> int:
    """Run a sweep spec into a folder, resuming what is already there."""
    _needs_sweep_extra()
    from sim.sweep import SweepInterrupted, load_spec, run_sweep
    from sim.sweep.runner import MAX_BATCH_SIZE, max_workers
    from sim.sweep.spec import MAX_RUN_TIMEOUT

    if args.workers is not None and not 1 <= args.workers <= max_workers():
        raise ScenarioError(
            "--workers", "", f"must lie in 1 .. {max_workers()} (got {args.workers})"
        )
    if args.batch_size is not None and not 1 <= args.batch_size <= MAX_BATCH_SIZE:
        raise ScenarioError(
            "--batch-size", "", f"must lie in 1 .. {MAX_BATCH_SIZE} (got {args.batch_size})"
        )
    if args.run_timeout is not None and not 0 < args.run_timeout <= MAX_RUN_TIMEOUT:
        raise ScenarioError("--run-timeout", "", f"must lie in (0, {MAX_RUN_TIMEOUT:g}] seconds")
    plan = load_spec(args.spec)
    out = args.out or Path("runs") / Path(args.spec).stem
    print(
        f"{plan.n_runs} runs ({len(plan.points)} design points x {plan.spec.replicates} "
        f"replicates, {plan.spec.design}) of {plan.scenario.name} into {out}"
    )
    try:
        result = run_sweep(
            plan,
            out,
            workers=args.workers,
            scheduler=args.scheduler,
            batch_size=args.batch_size,
            progress=not args.quiet,
            run_timeout=args.run_timeout,
        )
    except SweepInterrupted as exc:
        import signal

        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not cut the exit
        print(f"negsim: {exc}", file=sys.stderr)
        return 130
    if result.ran_now == 0:
        print(f"nothing to do: all {result.n_runs} runs are already in {out}")
        return 0
    print(
        f"done: {result.runs_done} of {result.n_runs} runs in {out} "
        f"({result.ran_now} now, {result.runs_per_second:.0f} runs/s, "
        f"{result.backend}, {result.workers} worker(s)); {result.errors} run(s) raised"
    )
    print(f"read them with: sim.sweep.read_results({str(out)!r}); plot: negsim plot {out}")
    return 0


def cmd_calibrate(args: argparse.Namespace) -> int:
    """Fit a calibration spec into a folder (resuming what is there) and write its outputs."""
    try:
        import pyabc  # noqa: F401
        import pyarrow  # noqa: F401
    except ImportError:
        raise ScenarioError(
            "negsim", "calibrate", "needs the calibrate extra: pip install 'negsim[calibrate]'"
        ) from None
    from sim.calibration import load_calibration
    from sim.calibration.pipeline import run_calibration
    from sim.calibration.runner import CalibrationInterrupted
    from sim.sweep.runner import max_workers

    if args.workers is not None and not 1 <= args.workers <= max_workers():
        raise ScenarioError(
            "--workers", "", f"must lie in 1 .. {max_workers()} (got {args.workers})"
        )
    plan = load_calibration(args.spec)
    out = args.out or Path("runs") / Path(args.spec).stem
    method = plan.spec.method
    print(
        f"calibrating {len(plan.paths)} parameter(s) of {plan.scenario.name} to"
        f" {len(plan.rules)} target(s) ({sum(r.holdout for r in plan.rules)} held out):"
        f" ABC-SMC, population {method.population}, up to {method.generations} generations,"
        f" seed {method.seed}, into {out}"
    )
    try:
        result = run_calibration(
            plan, out, workers=args.workers, scheduler=args.scheduler, progress=not args.quiet
        )
    except CalibrationInterrupted as exc:
        import signal

        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not cut the exit
        print(f"negsim: {exc}", file=sys.stderr)
        return 130
    s = result.summary
    print(f"stopped: {s['stopped']}; {s['final']['simulations']:,} simulations")
    for path, p in s["posterior"].items():
        lo, hi = p["interval_90"]
        print(f"  {path}: {p['mean']:.4g} [{lo:.4g}, {hi:.4g}] (90%)")
    for name, t in s["targets"].items():
        check = t["posterior_predictive"]
        tag = " (held out)" if t["holdout"] else ""
        verdict = "reproduced" if check["reproduced"] else "MISSED"
        print(f"  {name}{tag}: {verdict}, hit in {check['hit_share']:.0%} of predictive runs")
    print("written: " + ", ".join(str(out / name) for name in s["files"]))
    return 0


def cmd_plot(args: argparse.Namespace) -> int:
    """Write the plots of a sweep folder and print one line per file."""
    _needs_sweep_extra()
    from sim.sweep import plots

    kinds = args.kind
    unknown = [k for k in kinds or [] if k not in plots.KINDS]
    if unknown:
        raise ScenarioError(
            "--kind", "", f"unknown kind {unknown[0]!r} (known: {', '.join(plots.KINDS)})"
        )
    if not (args.folder / "manifest.json").is_file():
        raise ScenarioError(str(args.folder), "", "not a sweep folder (no manifest.json)")
    try:
        written = plots.plot_all(args.folder, kinds=kinds, out=args.out)
    except plots.SweepDataError as exc:
        raise ScenarioError(str(args.folder), "", str(exc)) from None
    except OSError as exc:  # the PNGs already written are whole (each is renamed into place)
        where = args.out or args.folder / "plots"
        raise ScenarioError(str(where), "--out", f"cannot write: {exc.strerror or exc}") from None
    if not written:
        reasons = "; ".join(f"{kind}: {reason}" for kind, reason in written.skipped)
        raise ScenarioError(str(args.folder), "", f"nothing to plot ({reasons})")
    for path in written:
        print(path)
    for kind, reason in written.skipped:
        print(f"skipped {kind}: {reason}")
    return 0


def cmd_app(args: argparse.Namespace) -> int:
    """``negsim app``: serve the teaching app until Ctrl-C."""
    from sim.app.server import serve

    return serve(args.scenario, host=args.host, port=args.port)


