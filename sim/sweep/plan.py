"""A sweep spec expanded into a run plan: design points, runs and their seeds.

``load_spec`` reads and validates a spec (``sim.sweep.spec``), checks every design point as a
scenario (``sim.sweep.points``) and returns the ``Plan``: design points (grid, Latin hypercube
or Saltelli's Sobol' layout, through ``scipy.stats.qmc``) times replicates, each run with a
seed derived from the master seed by ``numpy.random.SeedSequence``.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import ValidationError

from sim.errors import ScenarioError
from sim.safe_yaml import read_spec_file
from sim.scenario import (
    Scenario,
    load_scenario,
    parameter_paths,
    resolve_path,
    validation_problem,
)
from sim.sweep.points import PointChecker
from sim.sweep.spec import MAX_POINTS, SweepSpec, brief


@dataclass(frozen=True)
class Run:
    """One run of the plan."""

    run_id: int
    point: int
    replicate: int
    seed: int


@dataclass
class Plan:
    """A validated spec expanded into design points and runs.

    Attributes:
        spec: The spec as written (scenario path made absolute).
        source: The spec file.
        scenario_path: The scenario file.
        scenario: The base scenario.
        parameters: Varied dotted paths, in spec order.
        points: One mapping ``path -> value`` per design point.
        sobol: ``{"n": N, "d": d}`` for a Sobol' design (Saltelli layout), else None.
        morris: ``{"r": r, "d": d, "levels": p}`` for a Morris design (``r`` trajectories of
            ``d + 1`` points each, in order), else None.
        scenario_text: The scenario file's text when the plan was made (read from the file if
            empty): the fingerprint and the workers' check that the file did not change.
    """

    spec: SweepSpec
    source: str
    scenario_path: Path
    scenario: Scenario
    parameters: list[str]
    points: list[dict[str, Any]]
    sobol: dict[str, int] | None
    scenario_text: str = ""
    morris: dict[str, int] | None = None

    @property
    def n_runs(self) -> int:
        """Total number of runs."""
        return len(self.points) * self.spec.replicates

    def run(self, run_id: int) -> Run:
        """The run with this id: runs are numbered point by point, replicate by replicate."""
        point, replicate = divmod(run_id, self.spec.replicates)
        return Run(run_id, point, replicate, run_seed(self.spec, point, replicate))

    def runs(self, start: int = 0, stop: int | None = None) -> Iterator[Run]:
        """Runs ``start .. stop - 1`` of the plan."""
        for run_id in range(start, self.n_runs if stop is None else stop):
            yield self.run(run_id)

    def timeseries_runs(self) -> set[int]:
        """Ids of the runs that record their time series."""
        if self.spec.timeseries is None:
            return set()
        k = min(self.spec.timeseries.runs, self.n_runs)
        return {round(i * (self.n_runs - 1) / max(k - 1, 1)) for i in range(k)}

    def fingerprint(self) -> str:
        """Hash of everything that decides the results (spec and scenario text).

        ``run_timeout`` is left out: it decides nothing about a run that finishes, and a sweep
        may be resumed with a longer limit; so is an unset ``levels`` (only morris designs have
        them), so that folders written before it existed still resume.
        """
        left_out = {"run_timeout"} | ({"levels"} if self.spec.levels is None else set())
        spec = self.spec.model_dump(mode="json", exclude=left_out)
        blob = json.dumps(spec, sort_keys=True)
        blob += self.scenario_text or self.scenario_path.read_text(encoding="utf-8")
        return hashlib.sha256(blob.encode()).hexdigest()[:16]

    def scenario_digest(self) -> str:
        """Hash of the scenario file's text, as the plan read it."""
        text = self.scenario_text or self.scenario_path.read_text(encoding="utf-8")
        return text_digest(text)

    def analyse(self) -> bool:
        """Whether runs need the Pareto/Nash analysis (about 1 ms a run)."""
        wanted = self.spec.outcomes
        return wanted is None or "nash" in wanted or "pareto_gap" in wanted


def text_digest(text: str) -> str:
    """A short hash of a file's text (to notice that a scenario changed under a sweep)."""
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def run_seed(spec: SweepSpec, point: int, replicate: int) -> int:
    """The seed of one run, derived from the master seed and the run's identity.

    With common random numbers (the default) replicate ``r`` has the same seed at every
    design point, so differences between points are not masked by different shocks.
    """
    key = (replicate,) if spec.common_random_numbers else (point, replicate)
    return int(np.random.SeedSequence(spec.seed, spawn_key=key).generate_state(1)[0])


def _design_rng(spec: SweepSpec) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence(spec.seed, spawn_key=(2**31 - 1,)))


def design_points(spec: SweepSpec) -> tuple[list[dict[str, Any]], dict[str, int] | None]:
    """The design points of a spec, and the Sobol' or Morris layout when there is one."""
    if spec.n_points > MAX_POINTS:  # a spec built without validation: never allocate it
        raise ValueError(f"the design has {spec.n_points:,} points; at most {MAX_POINTS:,}")
    paths = list(spec.parameters)
    if spec.design == "grid":
        lists = [spec.parameters[p] for p in paths]
        return [dict(zip(paths, combo, strict=True)) for combo in itertools.product(*lists)], None
    from scipy.stats import qmc  # here, not at the top: it takes half a second to import

    d = len(paths)
    ranges = [spec.parameters[p] for p in paths]
    if spec.design == "lhs":
        u = qmc.LatinHypercube(d=d, seed=_design_rng(spec)).random(spec.samples)
        return [
            {p: r.at(float(v)) for p, r, v in zip(paths, ranges, row, strict=True)} for row in u
        ], None
    if spec.design == "morris":
        u = morris_trajectories(spec)
        points = [
            {p: r.at(float(v)) for p, r, v in zip(paths, ranges, row, strict=True)} for row in u
        ]
        return points, {"r": spec.samples, "d": d, "levels": spec.morris_levels}
    # Saltelli (2002) layout for Sobol' indices: A, B, then AB_i (A with column i from B).
    n = spec.samples
    base = qmc.Sobol(d=2 * d, scramble=True, seed=_design_rng(spec)).random(n)
    a, b = base[:, :d], base[:, d:]
    blocks = [a, b]
    for i in range(d):
        ab = a.copy()
        ab[:, i] = b[:, i]
        blocks.append(ab)
    u = np.vstack(blocks)
    points = [{p: r.at(float(v)) for p, r, v in zip(paths, ranges, row, strict=True)} for row in u]
    return points, {"n": n, "d": d}


def morris_trajectories(spec: SweepSpec) -> np.ndarray:
    """Morris's (1991) one-at-a-time trajectories in ``[0, 1]^d``, through SALib.

    ``samples`` trajectories of ``d + 1`` points on a grid of ``levels`` values per parameter,
    each point one step of ``levels / (2 (levels - 1))`` away from the last in one parameter;
    SALib draws them from the spec's seed (reproducible). Elementary effects and their
    ``mu*`` and ``sigma`` come from ``SALib.analyze.morris`` (``negsim plot``'s ``morris``).
    """
    try:
        from SALib.sample import morris
    except ImportError:  # the sweep extra brings it
        raise ScenarioError(
            "<spec>", "design", "a morris design needs SALib: pip install 'negsim[sweep]'"
        ) from None
    d = len(spec.parameters)
    problem = {"num_vars": d, "names": list(spec.parameters), "bounds": [[0.0, 1.0]] * d}
    seed = int(_design_rng(spec).integers(2**31 - 1))
    return morris.sample(problem, spec.samples, num_levels=spec.morris_levels, seed=seed)


def load_spec(path: str | Path) -> Plan:
    """Read and validate a sweep spec and expand it into a run plan.

    Raises:
        ScenarioError: naming the file, the field and the problem.
    """
    file = Path(path)
    source = str(path)
    data = read_spec_file(path)
    try:
        spec = SweepSpec.model_validate(data)
    except ValidationError as exc:
        loc, msg = validation_problem(exc)
        if msg.startswith("unknown key"):
            msg = "unknown key (spec keys: " + ", ".join(SweepSpec.model_fields) + ")"
        raise ScenarioError(source, loc, msg) from None
    return plan_from_spec(spec, base=file.parent, source=source)


def plan_from_spec(spec: SweepSpec, base: Path = Path("."), source: str = "<spec>") -> Plan:
    """Expand a validated spec; scenario paths are relative to ``base``.

    Raises:
        ScenarioError: no such scenario or parameter, a value its block refuses, or a design
            point whose values together make a scenario that ``negsim run`` would refuse.
    """
    try:
        candidate = base / spec.scenario
        scenario_path = resolve_path(candidate if candidate.is_file() else spec.scenario).resolve()
    except (ScenarioError, OSError, ValueError):
        raise ScenarioError(
            source, "scenario", f"no such scenario file {brief(spec.scenario)}"
        ) from None
    scenario = load_scenario(scenario_path)
    try:
        text = scenario_path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:  # it was read a moment ago
        raise ScenarioError(str(scenario_path), "", f"cannot read: {exc}") from None
    known = parameter_paths(scenario)
    for path in spec.parameters:
        if path not in known:
            raise ScenarioError(
                source, f"parameters.{path}", "no such parameter (see `negsim params`)"
            )
    checker = PointChecker(scenario, spec, source)
    points, layout = design_points(spec)
    for index, point in enumerate(points):
        checker.check(index, point)
    spec = spec.model_copy(update={"scenario": str(scenario_path)})
    sobol = layout if spec.design == "sobol" else None
    morris = layout if spec.design == "morris" else None
    return Plan(
        spec, source, scenario_path, scenario, list(spec.parameters), points, sobol, text, morris
    )
