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
    from sim.commands import pattern_names
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
        help="only this pattern (repeatable): " + ", ".join(pattern_names()),
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
        from sim import commands

        run = {
            "run": commands.cmd_run,
            "sweep": commands.cmd_sweep,
            "plot": commands.cmd_plot,
            "params": commands.cmd_params,
            "validate": commands.cmd_validate,
            "app": commands.cmd_app,
            "calibrate": commands.cmd_calibrate,
        }
        return run[args.command](args)
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
