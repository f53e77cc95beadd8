"""Sweep specifications: what to vary, how to sample it, how many seeded runs per point.

A spec is a YAML file (``experiments/*.yaml``) validated like a scenario: unknown keys, a
parameter path that ``negsim params`` does not list, a range the parameter does not allow,
are one-line errors. It expands into a run plan: design points (grid, Latin hypercube or
Saltelli's Sobol' layout, through ``scipy.stats.qmc``) times replicates, each run with a seed
derived from the master seed by ``numpy.random.SeedSequence``.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    PlainValidator,
    ValidationError,
    WithJsonSchema,
    model_validator,
)

from sim.errors import ScenarioError
from sim.scenario import (
    Scenario,
    _pydantic_problem,
    load_scenario,
    parameter_paths,
    read_yaml,
    resolve_path,
    with_overrides,
)

OUTCOME_GROUPS = (
    "agreement",
    "ended",
    "reason",
    "step",
    "date",
    "concessions",
    "utilities",
    "gains",
    "welfare",
    "ratification_attempts",
    "ratification_failures",
    "walked_out",
    "pareto_gap",
    "nash",
)


class Range(BaseModel):
    """A continuous range for ``lhs`` and ``sobol`` designs."""

    model_config = ConfigDict(extra="forbid")

    low: float
    high: float
    log: bool = False

    @model_validator(mode="after")
    def _ordered(self) -> Range:
        if not self.low < self.high:
            raise ValueError(f"needs low < high (got {self.low}, {self.high})")
        if self.log and self.low <= 0:
            raise ValueError("a log range needs low > 0")
        return self

    def at(self, u: float) -> float:
        """The value at quantile ``u`` in [0, 1] of the range (log-uniform if ``log``)."""
        if self.log:
            return float(
                math.exp(math.log(self.low) + u * (math.log(self.high) - math.log(self.low)))
            )
        return float(self.low + u * (self.high - self.low))


def _values(value: Any) -> list[Any] | Range:
    if isinstance(value, Range | list):
        return value
    if isinstance(value, dict):
        try:
            return Range.model_validate(value)
        except ValidationError as exc:
            err = exc.errors()[0]
            where = ".".join(str(p) for p in err["loc"])
            msg = err["msg"].removeprefix("Value error, ")
            raise ValueError(f"{where + ': ' if where else ''}{msg}") from None
    raise ValueError("must be a list of values (grid) or a range {low: ..., high: ...}")


def _dump_values(value: list[Any] | Range) -> Any:
    return value.model_dump() if isinstance(value, Range) else list(value)


Values = Annotated[
    Any,
    PlainValidator(_values),
    PlainSerializer(_dump_values),
    WithJsonSchema({"anyOf": [{"type": "array"}, {"type": "object"}]}),
]


class TimeSeriesSample(BaseModel):
    """Which runs also record their per-step time series (for trajectory plots)."""

    model_config = ConfigDict(extra="forbid")

    runs: int = Field(20, ge=1, description="how many runs, spread evenly over the plan")


class SweepSpec(BaseModel):
    """The YAML keys of a sweep specification (see ``experiments/README.md``)."""

    model_config = ConfigDict(extra="forbid")

    scenario: str = Field(description="scenario file, relative to the spec file, or a name")
    design: Literal["grid", "lhs", "sobol"] = "grid"
    samples: Annotated[int, Field(ge=1)] = 64
    replicates: Annotated[int, Field(ge=1)] = 10
    seed: Annotated[int, Field(ge=0)] = 0
    parameters: dict[str, Values] = Field(min_length=1)
    outcomes: list[str] | None = None
    timeseries: TimeSeriesSample | None = None
    common_random_numbers: bool = Field(
        True, description="replicate r uses the same seed at every design point"
    )

    @model_validator(mode="after")
    def _consistent(self) -> SweepSpec:
        for path, values in self.parameters.items():
            if self.design == "grid" and not isinstance(values, list):
                raise ValueError(f"parameters.{path}: a grid design needs a list of values")
            if self.design != "grid" and not isinstance(values, Range):
                raise ValueError(
                    f"parameters.{path}: a {self.design} design needs a range {{low, high}}"
                )
            if isinstance(values, list) and not values:
                raise ValueError(f"parameters.{path}: needs at least one value")
        for name in self.outcomes or []:
            if name not in OUTCOME_GROUPS:
                raise ValueError(f"outcomes: unknown outcome {name!r} (known: {OUTCOME_GROUPS})")
        return self


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
    """

    spec: SweepSpec
    source: str
    scenario_path: Path
    scenario: Scenario
    parameters: list[str]
    points: list[dict[str, Any]]
    sobol: dict[str, int] | None

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
        """Hash of everything that decides the results (spec and scenario text)."""
        blob = json.dumps(self.spec.model_dump(mode="json"), sort_keys=True)
        blob += self.scenario_path.read_text(encoding="utf-8")
        return hashlib.sha256(blob.encode()).hexdigest()[:16]

    def analyse(self) -> bool:
        """Whether runs need the Pareto/Nash analysis (about 1 ms a run)."""
        wanted = self.spec.outcomes
        return wanted is None or "nash" in wanted or "pareto_gap" in wanted


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
    """The design points of a spec, and the Sobol' layout when there is one."""
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


def load_spec(path: str | Path) -> Plan:
    """Read and validate a sweep spec and expand it into a run plan.

    Raises:
        ScenarioError: naming the file, the field and the problem.
    """
    file = Path(path)
    if not file.is_file():
        raise ScenarioError(str(path), "", "no such file")
    data = read_yaml(file)
    source = str(path)
    try:
        spec = SweepSpec.model_validate(data)
    except ValidationError as exc:
        loc, msg = _pydantic_problem(exc)
        if msg.startswith("unknown key"):
            msg = "unknown key (spec keys: " + ", ".join(SweepSpec.model_fields) + ")"
        raise ScenarioError(source, loc, msg) from None
    return plan_from_spec(spec, base=file.parent, source=source)


def plan_from_spec(spec: SweepSpec, base: Path = Path("."), source: str = "<spec>") -> Plan:
    """Expand a validated spec; scenario paths are relative to ``base``."""
    candidate = (
        (base / spec.scenario) if not Path(spec.scenario).is_absolute() else Path(spec.scenario)
    )
    try:
        scenario_path = resolve_path(candidate if candidate.is_file() else spec.scenario).resolve()
    except ScenarioError:
        raise ScenarioError(
            source, "scenario", f"no such scenario file {spec.scenario!r}"
        ) from None
    scenario = load_scenario(scenario_path)
    known = parameter_paths(scenario)
    for path in spec.parameters:
        if path not in known:
            raise ScenarioError(
                source, f"parameters.{path}", "no such parameter (see `negsim params`)"
            )
    points, sobol = design_points(spec)
    # Every design point must be a valid scenario: check each distinct value once.
    seen: set[tuple[str, str]] = set()
    for point in points if spec.design == "grid" else points[:1]:
        for path, value in point.items():
            key = (path, repr(value))
            if key in seen:
                continue
            seen.add(key)
            try:
                with_overrides(scenario, {path: value}, source)
            except ScenarioError as exc:
                raise ScenarioError(source, f"parameters.{path}", exc.problem) from None
    if spec.design != "grid":
        for path, r in spec.parameters.items():
            assert isinstance(r, Range)
            for value in (r.low, r.high):
                try:
                    with_overrides(scenario, {path: value}, source)
                except ScenarioError as exc:
                    raise ScenarioError(source, f"parameters.{path}", exc.problem) from None
    spec = spec.model_copy(update={"scenario": str(scenario_path)})
    return Plan(spec, source, scenario_path, scenario, list(spec.parameters), points, sobol)
