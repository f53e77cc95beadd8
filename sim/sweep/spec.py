"""Sweep specifications: what to vary, how to sample it, how many seeded runs per point.

A spec is a YAML file (``experiments/*.yaml``) validated like a scenario: unknown keys, a
parameter path that ``negsim params`` does not list, a range the parameter does not allow,
are one-line errors. It expands into a run plan: design points (grid, Latin hypercube,
Saltelli's Sobol' layout through ``scipy.stats.qmc``, or Morris's trajectories through SALib)
times replicates, each run with a seed derived from the master seed by
``numpy.random.SeedSequence``.

What a spec may ask for is bounded, and the bounds are checked by arithmetic on the spec before
anything is allocated (a grid's size is the product of its lists' lengths), so a typo such as
``samples: 1000000000`` is a one-line error, not a ``MemoryError``:

- at most ``MAX_POINTS`` (1,000,000) design points: a grid's product, ``samples`` for ``lhs``,
  ``samples x (parameters + 2)`` for ``sobol``, ``samples x (parameters + 1)`` for ``morris``
  (``samples`` trajectories of one step per parameter);
- at most ``MAX_RUNS`` (10,000,000) runs: design points times ``replicates`` (about a day on
  two cores at 7 ms a run, and about 4 GB of Parquet);
- ``timeseries: {runs: N}`` with N at most ``MAX_TIMESERIES_RUNS`` (10,000): each sampled run
  stores one row per step;
- a ``sobol`` design needs ``samples`` a power of two, at least ``MIN_SOBOL_SAMPLES`` (8):
  Sobol' points keep their balance only in powers of two (``scipy.stats.sobol_indices``
  refuses other sizes), and fewer base rows give no usable indices;
- a ``morris`` design needs at least ``MIN_MORRIS_TRAJECTORIES`` (2) trajectories and an
  even number of ``levels`` (4 by default, at most ``MAX_MORRIS_LEVELS``): Morris's step of
  ``levels / (2 (levels - 1))`` then visits every level equally often (Saltelli et al. 2004);
- ``run_timeout`` (default ``DEFAULT_RUN_TIMEOUT``, 300 s; at most a day): a run still going
  after that many seconds is recorded as an error row with its seed, and the sweep goes on.

Every design point is a scenario that ``negsim run`` accepts: each value is validated in its
block, then each point's values together pass the scenario-wide check
(``sim.scenario.check_consistency``), so a grid cannot pair an election with a calendar that
starts after it, nor a red line's minimum with a lower maximum.
"""

from __future__ import annotations

import math
import reprlib
from typing import Annotated, Any, Literal

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

MAX_POINTS = 1_000_000
"""Most design points a spec may ask for (a grid's product, lhs samples, sobol's layout)."""

MAX_RUNS = 10_000_000
"""Most runs a spec may ask for: design points times replicates."""

MAX_TIMESERIES_RUNS = 10_000
"""Most runs whose per-step series a sweep keeps (``timeseries: {runs: N}``)."""

MIN_SOBOL_SAMPLES = 8
"""Fewest base rows (``samples``) of a sobol design: a power of two at least this large."""
MIN_MORRIS_TRAJECTORIES = 2
"""Fewest trajectories (``samples``) of a morris design: elementary effects need a spread."""
MAX_MORRIS_LEVELS = 64
"""Most grid levels per parameter of a morris design."""

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
    design: Literal["grid", "lhs", "sobol", "morris"] = "grid"
    samples: Annotated[Count, Field(ge=1, le=MAX_POINTS)] = 64
    levels: Annotated[Count, Field(ge=2, le=MAX_MORRIS_LEVELS)] | None = Field(
        None, description="grid levels per parameter of a morris design (even; default 4)"
    )
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
        if self.design == "morris":
            if self.samples < MIN_MORRIS_TRAJECTORIES:
                raise ValueError(
                    f"samples: a morris design needs at least {MIN_MORRIS_TRAJECTORIES}"
                    f" trajectories (got {self.samples:,})"
                )
            if self.morris_levels % 2:
                raise ValueError(
                    f"levels: a morris design needs an even number of levels (got"
                    f" {self.morris_levels}): only then does every level come up equally often"
                )
        elif self.levels is not None:
            raise ValueError(f"levels: only a morris design has levels (this one: {self.design})")
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
        if self.design == "morris":
            return self.samples * (len(self.parameters) + 1)
        return self.samples * (len(self.parameters) + 2)

    @property
    def morris_levels(self) -> int:
        """The grid levels of a morris design (the spec's, else 4)."""
        return self.levels if self.levels is not None else 4

    def _size_key(self) -> str:
        return "parameters" if self.design == "grid" else "samples"
