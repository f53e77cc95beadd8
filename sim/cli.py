"""The ``negsim`` command line: run, params, sweep, plot, validate, calibrate and app."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from sim.errors import ScenarioError

EXIT_USER_ERROR = 2


def _version() -> str:
    from sim import __version__

    return __version__


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage mistake is one line (and exit code 2) like every other mistake."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USER_ERROR, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def seed_value(text: str) -> int:
    """A run's seed from the command line: a whole number >= 0 (numpy's seeds are)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number >= 0 (got {text!r})") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be a whole number >= 0 (got {value})")
    return value


def _parser() -> argparse.ArgumentParser:
    from sim.scenario import bundled_scenarios

    bundled = ", ".join(bundled_scenarios())
    parser = _Parser(
        prog="negsim",
        description="Simulate two-level trade negotiations under election deadlines.",
    )
    parser.add_argument("--version", action="version", version=f"negsim {_version()}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = sub.add_parser("run", help="run one scenario and show what happened")
    run.add_argument(
        "scenario", help=f"scenario file, or a bundled name ({bundled})"
    )
    run.add_argument("--seed", type=seed_value, default=0, help="the run's seed (default: 0)")
    run.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="PATH=VALUE",
        help="override a parameter (see `negsim params`); repeatable",
    )
    run.add_argument(
        "--out",
        type=Path,
        default=None,
        help="folder for summary.json, timeseries.csv, events.csv and run.png "
        "(default: runs/SCENARIO-seedN)",
    )
    run.add_argument(
        "--json", action="store_true", help="print summary.json instead of the summary"
    )
    run.add_argument("--no-plot", action="store_true", help="skip the plot (faster)")

    sweep = sub.add_parser("sweep", help="run a parameter sweep (resumable)")
    sweep.add_argument("spec", help="sweep specification (YAML, see experiments/)")
    sweep.add_argument(
        "--workers",
        type=int,
        default=None,
        help="processes on this machine (default: one per core; 1: no pool)",
    )
    sweep.add_argument(
        "--scheduler",
        default=None,
        metavar="ADDRESS",
        help="run on a Dask cluster, e.g. tcp://HOST:8786",
    )
    sweep.add_argument(
        "--out",
        type=Path,
        default=None,
        help="output folder (default: runs/SPEC-NAME); rerun to resume",
    )
    sweep.add_argument("--batch-size", type=int, default=None, help="runs per task")
    sweep.add_argument(
        "--run-timeout",
        type=float,
        default=None,
        metavar="SECONDS",
        help="a run still going after this long is recorded as an error "
        "(default: the spec's run_timeout, 300)",
    )
    sweep.add_argument("--quiet", action="store_true", help="no progress bar")

    app = sub.add_parser("app", help="start the interactive teaching app (in a browser)")
    app.add_argument(
        "scenario",
        nargs="?",
        default="classroom",
        help="scenario to start with (default: classroom; others can be chosen in the app)",
    )
    app.add_argument("--port", type=int, default=8765, help="port to serve on (default: 8765)")
    app.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default: 127.0.0.1, this machine only)",
    )

    try:  # the kinds and their help are the plots' registry (which imports no matplotlib)
        from sim.sweep.plots.registry import kinds_help

        kinds = kinds_help()
    except ImportError:  # no sweep extra
        kinds = "plot kinds: listed once the sweep extra is installed (pip install 'negsim[sweep]')"
    plot = sub.add_parser(
        "plot",
        help="plot the outcome distributions of a sweep",
        description="Write a sweep's figures as PNG files, one per plot kind that applies.",
        epilog=kinds,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    plot.add_argument("folder", type=Path, help="a sweep's output folder")
    plot.add_argument(
        "--kind",
        action="append",
        default=None,
        metavar="KIND",
        help="a plot kind listed below (repeatable; default: all that apply)",
    )
    plot.add_argument("--out", type=Path, default=None, help="where to write (default: DIR/plots)")

    calibrate = sub.add_parser(
        "calibrate", help="fit a scenario's uncertain inputs to history (ABC-SMC, resumable)"
    )
    calibrate.add_argument("spec", help="calibration specification (YAML, see experiments/)")
    calibrate.add_argument(
        "--workers",
        type=int,
        default=None,
        help="processes on this machine (default: one per core; 1: no pool)",
    )
    calibrate.add_argument(
        "--scheduler",
        default=None,
        metavar="ADDRESS",
        help="run on a Dask cluster, e.g. tcp://HOST:8786",
    )
    calibrate.add_argument(
        "--out",
        type=Path,
        default=None,
        help="output folder (default: runs/SPEC-NAME); rerun to resume",
    )
    calibrate.add_argument("--quiet", action="store_true", help="no progress bar")

    validate = sub.add_parser(
        "validate", help="measure the literature's patterns and write the validation report"
    )
    validate.add_argument(
        "--seeds", type=int, default=300, help="runs per ensemble (default: 300)"
    )
    validate.add_argument(
        "--out",
        type=Path,
        default=Path("runs") / "validation",
        help="folder for validation.md and its figures (default: runs/validation)",
    )
    validate.add_argument(
        "--pattern",
        action="append",
        default=None,
        metavar="NAME",
        help="only this pattern (repeatable): " + ", ".join(_pattern_names()),
    )
    validate.add_argument("--quiet", action="store_true", help="no progress bar")

    params = sub.add_parser("params", help="list every settable parameter of a scenario")
    params.add_argument("scenario", help="scenario file or bundled name")
    params.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="PATH=VALUE",
        help="show values after these overrides",
    )
    return parser


def _format_value(value: object) -> str:
    if hasattr(value, "model_dump"):
        fields = value.model_dump()  # a distribution
        return "{" + ", ".join(f"{k}: {v}" for k, v in fields.items()) + "}"
    if isinstance(value, float):
        return f"{value:g}"
    if value is None:
        return "null"
    return str(value)


def _pattern_names() -> list[str]:
    from sim.validation.patterns import PATTERNS

    return list(PATTERNS)


def cmd_validate(args: argparse.Namespace) -> int:
    """Run every pattern on seeded ensembles; write the report; exit 1 if one fails."""
    from sim.validation import validate

    if not 1 <= args.seeds <= 100_000:
        raise ScenarioError("--seeds", "", f"must be 1-100000 (got {args.seeds})")
    unknown = [p for p in args.pattern or [] if p not in _pattern_names()]
    if unknown:
        known = ", ".join(_pattern_names())
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


def _files_only_plots() -> None:
    """The command line only writes plot files: no GUI backend, whatever the machine has.

    (The plotting modules leave the backend alone, so that figures show inline in Jupyter.)
    """
    import matplotlib

    matplotlib.use("Agg")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``negsim``; user mistakes exit with code 2 and one line on stderr."""
    try:
        args = _parser().parse_args(argv)
        if args.command in {"run", "plot", "validate", "calibrate"}:
            _files_only_plots()
        commands = {
            "run": cmd_run,
            "sweep": cmd_sweep,
            "plot": cmd_plot,
            "params": cmd_params,
            "validate": cmd_validate,
            "app": cmd_app,
            "calibrate": cmd_calibrate,
        }
        return commands[args.command](args)
    except ScenarioError as exc:
        print(f"negsim: error: {exc}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        print("negsim: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. `negsim params ... | head`
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    sys.exit(main())
