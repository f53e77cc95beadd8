"""Sweep specifications: what to vary, how to sample it, how many seeded runs per point.

A spec is a YAML file (``experiments/*.yaml``) validated like a scenario: unknown keys, a
parameter path that ``negsim params`` does not list, a range the parameter does not allow,
are one-line errors. It expands into a run plan: design points (grid, Latin hypercube or
Saltelli's Sobol' layout, through ``scipy.stats.qmc``) times replicates, each run with a seed
derived from the master seed by ``numpy.random.SeedSequence``.

What a spec may ask for is bounded, and the bounds are checked by arithmetic on the spec before
anything is allocated (a grid's size is the product of its lists' lengths), so a typo such as
``samples: 1000000000`` is a one-line error, not a ``MemoryError``:

- at most ``MAX_POINTS`` (1,000,000) design points: a grid's product, ``samples`` for ``lhs``,
  ``samples x (parameters + 2)`` for ``sobol``;
- at most ``MAX_RUNS`` (10,000,000) runs: design points times ``replicates`` (about a day on
  two cores at 7 ms a run, and about 4 GB of Parquet);
- ``timeseries: {runs: N}`` with N at most ``MAX_TIMESERIES_RUNS`` (10,000): each sampled run
  stores one row per step;
- a ``sobol`` design needs ``samples`` a power of two, at least ``MIN_SOBOL_SAMPLES`` (8):
  Sobol' points keep their balance only in powers of two (``scipy.stats.sobol_indices``
  refuses other sizes), and fewer base rows give no usable indices;
- ``run_timeout`` (default ``DEFAULT_RUN_TIMEOUT``, 300 s; at most a day): a run still going
  after that many seconds is recorded as an error row with its seed, and the sweep goes on.

Every design point is a scenario that ``negsim run`` accepts: each value is validated in its
block, then each point's values together pass the scenario-wide check
(``sim.scenario.check_consistency``), so a grid cannot pair an election with a calendar that
starts after it, nor a red line's minimum with a lower maximum.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import reprlib
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
    check_consistency,
    load_scenario,
    parameter_paths,
    read_yaml,
    resolve_path,
    set_parameter,
    validation_problem,
)

MAX_POINTS = 1_000_000
"""Most design points a spec may ask for (a grid's product, lhs samples, sobol's layout)."""

MAX_RUNS = 10_000_000
"""Most runs a spec may ask for: design points times replicates."""

MAX_TIMESERIES_RUNS = 10_000
"""Most runs whose per-step series a sweep keeps (``timeseries: {runs: N}``)."""

MIN_SOBOL_SAMPLES = 8
"""Fewest base rows (``samples``) of a sobol design: a power of two at least this large."""

DEFAULT_RUN_TIMEOUT = 300.0
"""Seconds a run may take before it is recorded as an error (a run takes milliseconds)."""

MAX_RUN_TIMEOUT = 86_400.0
"""Longest ``run_timeout`` (a day)."""

MAX_SEED = 2**63 - 1
"""Largest master seed (it is stored as a 64-bit integer)."""

MAX_VALUE_NODES = 50_000
"""Most numbers, texts, lists and mappings in one grid value (a ``choice`` distribution holds up
to 10,000 values and as many weights)."""

Count = Annotated[int, Field(strict=True)]
"""A whole number as written (``true`` or ``2.5`` is not a count)."""

_BRIEF = reprlib.Repr(maxstring=60, maxother=60, maxlist=4, maxdict=4, maxlevel=2)


def brief(value: Any) -> str:
    """A short representation of any value for a message (never the whole of a huge value)."""
    return _BRIEF.repr(value)


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

    low: float = Field(allow_inf_nan=False)
    high: float = Field(allow_inf_nan=False)
    log: bool = False

    @model_validator(mode="after")
    def _ordered(self) -> Range:
        if not self.low < self.high:
            raise ValueError(f"needs low < high (got {self.low:g}, {self.high:g})")
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


def _small(value: Any, budget: int = MAX_VALUE_NODES, depth: int = 4) -> int:
    """What is left of ``budget`` after counting ``value``'s nodes; -1 if too big or deep.

    Stops as soon as the budget is spent, so even a value built to be astronomically large
    (shared sub-lists) costs at most ``budget`` steps.
    """
    budget -= 1
    if budget < 0:
        return -1
    if isinstance(value, list | tuple | dict):
        if depth == 0:
            return -1
        items = value.values() if isinstance(value, dict) else value
        for item in items:
            budget = _small(item, budget, depth - 1)
            if budget < 0:
                return -1
    return budget


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

    runs: Annotated[Count, Field(ge=1, le=MAX_TIMESERIES_RUNS)] = Field(
        20, description="how many runs, spread evenly over the plan"
    )


class SweepSpec(BaseModel):
    """The YAML keys of a sweep specification (see ``experiments/README.md``)."""

    model_config = ConfigDict(extra="forbid")

    scenario: str = Field(description="scenario file, relative to the spec file, or a name")
    design: Literal["grid", "lhs", "sobol"] = "grid"
    samples: Annotated[Count, Field(ge=1, le=MAX_POINTS)] = 64
    replicates: Annotated[Count, Field(ge=1, le=MAX_RUNS)] = 10
    seed: Annotated[Count, Field(ge=0, le=MAX_SEED)] = 0
    parameters: dict[str, Values] = Field(min_length=1)
    outcomes: list[str] | None = None
    timeseries: TimeSeriesSample | None = None
    common_random_numbers: bool = Field(
        True, description="replicate r uses the same seed at every design point"
    )
    run_timeout: float = Field(
        DEFAULT_RUN_TIMEOUT,
        gt=0,
        le=MAX_RUN_TIMEOUT,
        allow_inf_nan=False,
        description="seconds a run may take; a longer run is recorded as an error",
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
            if isinstance(values, list):
                if not values:
                    raise ValueError(f"parameters.{path}: needs at least one value")
                if len(values) > MAX_POINTS or _small(values, depth=5) < 0:
                    raise ValueError(
                        f"parameters.{path}: values must be numbers, text, dates or"
                        f" distributions, at most {MAX_POINTS:,} of them"
                    )
        if self.outcomes is not None and not self.outcomes:
            raise ValueError(
                "outcomes: an empty list records nothing; name outcomes or leave the key out"
                " to record them all"
            )
        for name in self.outcomes or []:
            if name not in OUTCOME_GROUPS:
                raise ValueError(
                    f"outcomes: unknown outcome {brief(name)} (known: {', '.join(OUTCOME_GROUPS)})"
                )
        if self.design == "sobol":
            n = self.samples
            if n < MIN_SOBOL_SAMPLES or n & (n - 1):
                raise ValueError(
                    f"samples: a sobol design needs a power of two >= {MIN_SOBOL_SAMPLES}"
                    f" (Sobol' points are balanced only then; got {n:,}), e.g."
                    f" {max(MIN_SOBOL_SAMPLES, 1 << max(n - 1, 1).bit_length()):,}"
                )
        points = self.n_points
        if points > MAX_POINTS:
            raise ValueError(
                f"{self._size_key()}: the design has {points:,} points; at most"
                f" {MAX_POINTS:,} are allowed"
            )
        if points * self.replicates > MAX_RUNS:
            raise ValueError(
                f"replicates: {points:,} points x {self.replicates:,} replicates ="
                f" {points * self.replicates:,} runs; at most {MAX_RUNS:,} are allowed"
            )
        return self

    @property
    def n_points(self) -> int:
        """Design points, by arithmetic on the spec (nothing is generated)."""
        if self.design == "grid":
            return math.prod(len(v) for v in self.parameters.values() if isinstance(v, list))
        if self.design == "lhs":
            return self.samples
        return self.samples * (len(self.parameters) + 2)

    def _size_key(self) -> str:
        return "parameters" if self.design == "grid" else "samples"


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
        may be resumed with a longer limit.
        """
        spec = self.spec.model_dump(mode="json", exclude={"run_timeout"})
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
    """The design points of a spec, and the Sobol' layout when there is one."""
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
    source = str(path)
    try:
        if not file.is_file():
            raise ScenarioError(source, "", "no such file")
        data = read_yaml(file)
    except ScenarioError:
        raise
    except (OSError, ValueError, RecursionError) as exc:  # e.g. an integer of 5,000 digits
        raise ScenarioError(source, "", f"cannot read: {type(exc).__name__}: {exc}") from None
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
    points, sobol = design_points(spec)
    for index, point in enumerate(points):
        checker.check(index, point)
    spec = spec.model_copy(update={"scenario": str(scenario_path)})
    return Plan(spec, source, scenario_path, scenario, list(spec.parameters), points, sobol, text)


# -- every design point is a scenario `negsim run` accepts --------------------------------


class _Traced(float):
    """A parameter value that notes in ``reads`` when anything looks at it.

    ``PointChecker`` gives the scenario-wide check these in place of the values it has not yet
    seen the check use: a value the check never reads cannot change its verdict.
    """

    __slots__ = ("path", "reads")
    path: str
    reads: set[str]

    def __new__(cls, value: float, path: str, reads: set[str]) -> _Traced:
        obj = super().__new__(cls, value)
        obj.path, obj.reads = path, reads
        return obj


def _noting(name: str) -> Any:
    method = getattr(float, name)

    def noted(self: _Traced, *args: Any) -> Any:
        self.reads.add(self.path)
        return method(float.__float__(self), *args)

    return noted


_NOT_READS = {
    "__new__", "__init__", "__getattribute__", "__setattr__", "__delattr__", "__class__",
    "__init_subclass__", "__subclasshook__", "__sizeof__", "__dir__", "__doc__", "fromhex",
    "__getformat__", "__reduce__", "__reduce_ex__", "__getstate__",
}  # fmt: skip
for _name in dir(float):
    if _name not in _NOT_READS and callable(getattr(float, _name)):
        setattr(_Traced, _name, _noting(_name))
for _name in ("real", "imag"):
    setattr(_Traced, _name, property(_noting("__float__")))


def _value_key(value: Any) -> Any:
    """A hashable key for a design value (its type counts: 1 and 1.0 may validate apart)."""
    if value is None or isinstance(value, bool | int | float | str):
        return (type(value).__name__, value)
    return ("json", json.dumps(value, sort_keys=True, default=str))


def _leaf(root: Any, path: str) -> Any:
    node = root
    for part in path.split("."):
        node = getattr(node, part) if isinstance(node, BaseModel) else node[part]
    return node


def _with_leaf(root: Any, path: str, value: Any) -> Any:
    """A copy of ``root`` with one leaf replaced, without validation (blocks are shared)."""
    parts = path.split(".")
    chain = []
    node = root
    for part in parts[:-1]:
        chain.append((node, part))
        node = getattr(node, part) if isinstance(node, BaseModel) else node[part]
    chain.append((node, parts[-1]))
    for container, key in reversed(chain):
        if isinstance(container, BaseModel):
            value = container.model_copy(update={key: value})
        else:
            value = {**container, key: value}
    return value


def _owner_validates_jointly(root: Any, path: str) -> bool:
    """Whether the block holding ``path`` has validators that look at several fields.

    Two varied values in such a block must be validated together (``set_parameter`` validates
    one value at a time against the others' current values).
    """
    owner, node = root, root
    for part in path.split(".")[:-1]:
        node = getattr(node, part) if isinstance(node, BaseModel) else node[part]
        if isinstance(node, BaseModel):
            owner = node
    decorators = type(owner).__pydantic_decorators__
    return bool(decorators.model_validators or decorators.field_validators)


class PointChecker:
    """Checks that each design point is a scenario ``negsim run`` accepts, fast.

    Each distinct value is validated once in its block (``set_parameter``), and its validated
    form kept. The scenario-wide check (``check_consistency``, about 50 us) would cost a
    minute over a million points, so its verdicts are cached by the values of only the
    parameters it reads. Which ones it reads is observed, not assumed: values are handed to it
    wrapped in ``_Traced`` floats that note any use (comparison, arithmetic, formatting,
    conversion). A parameter whose values were never read cannot change a verdict; one that
    is read joins the cache key and the point is checked again. Values that are not plain
    numbers (dates, names, distributions) and values in blocks with joint validators always
    count as read. Typical sweeps (strengths, tactics, floors) need one check in all, and an
    election date varied over six days six checks; a 160,000-point grid is checked in about
    a second. The one assumption: the check looks at numbers through Python's operators and
    conversions, not through C code that reads a float's value directly (``math.isclose``);
    ``tests/test_sweep_limits.py`` compares this with checking every point in full.
    """

    def __init__(self, base: Scenario, spec: SweepSpec, source: str) -> None:
        self.base, self.source = base, source
        self.paths = list(spec.parameters)
        self.joint = {p for p in self.paths if _owner_validates_jointly(base, p)}
        self.ranges = {p for p, v in spec.parameters.items() if isinstance(v, Range)}
        self.valid: dict[str, dict[Any, Any]] = {p: {} for p in self.paths}
        known = parameter_paths(base)
        for path, values in spec.parameters.items():
            if isinstance(values, Range):
                self._check_range(path, values, known[path])
            else:
                for value in values:
                    self.validated(path, value)
        self.read: list[str] = [
            p
            for p in self.paths
            if p in self.joint or any(type(v) is not float for v in self.valid[p].values())
        ]
        self.verdicts: dict[tuple[Any, ...], str | None] = {}

    def validated(self, path: str, value: Any) -> Any:
        """``value`` as its block stores it (a date for an ISO text, a float for an int).

        Raises:
            ScenarioError: the block refuses the value.
        """
        key = _value_key(value)
        cache = self.valid[path]
        if key not in cache:
            try:
                cache[key] = _leaf(set_parameter(self.base, path, value), path)
            except ScenarioError as exc:
                raise ScenarioError(self.source, f"parameters.{path}", exc.problem) from None
        return cache[key]

    def _check_range(self, path: str, values: Range, current: Any) -> None:
        if isinstance(current, bool | int):
            raise ScenarioError(
                self.source,
                f"parameters.{path}",
                "takes whole numbers: give it a list of values in a grid design",
            )
        # Every bound a field can have is an interval: both ends valid, all between valid.
        for end in (values.low, values.high):
            if type(self.validated(path, end)) is not float:
                raise ScenarioError(
                    self.source, f"parameters.{path}", "a range needs a numeric parameter"
                )

    def _value(self, path: str, value: Any) -> Any:
        # A float in a range whose ends are valid is stored as it is.
        return value if path in self.ranges else self.validated(path, value)

    def _scenario(self, point: dict[str, Any], reads: set[str]) -> Scenario:
        scenario = self.base
        for path in self.paths:
            if path in self.joint:
                scenario = set_parameter(scenario, path, point[path])
                continue
            value = self._value(path, point[path])
            if path not in self.read:
                value = _Traced(value, path, reads)
            scenario = _with_leaf(scenario, path, value)
        return scenario

    def check(self, index: int, point: dict[str, Any]) -> None:
        """Check design point ``index``.

        Raises:
            ScenarioError: naming the point, its values and the scenario-wide problem.
        """
        while True:
            key = tuple(_value_key(point[p]) for p in self.read)
            if key in self.verdicts:
                problem = self.verdicts[key]
                break
            reads: set[str] = set()
            try:
                check_consistency(self._scenario(point, reads), self.source)
                problem = None
            except ScenarioError as exc:
                problem = f"{exc.field}: {exc.problem}" if exc.field else exc.problem
            except Exception:
                if len(self.read) == len(self.paths):
                    raise
                reads = set(self.paths)  # a check that a traced value upset: trace nothing
            if reads - set(self.read):
                self.read = [p for p in self.paths if p in reads or p in self.read]
                self.verdicts.clear()
                continue
            self.verdicts[key] = problem
            break
        if problem is not None:
            shown = self.read or self.paths
            values = ", ".join(f"{p}={brief(point[p])}" for p in shown)
            raise ScenarioError(
                self.source,
                f"parameters (design point {index}: {values})",
                f"not a scenario negsim run accepts: {problem}",
            )
