"""Calibration specs: the keys of the YAML file, their types and limits.

A spec names a base scenario, the free parameters with their priors, the targets (dated or
measured facts, each with its source and an error scale) and the method's settings. It is
validated like a sweep spec (``sim.sweep.spec``): unknown keys, a missing unit, a prior that
cannot be drawn are one-line errors. What needs the scenario (does the path exist, does the
prior stay inside what the parameter allows, is the unit the sector's own) is checked in
``sim.calibration.plan``.

A prior is written like a scenario distribution, with optional ``bounds`` that truncate it::

    lobbies.ja_zenchu.strength: {dist: lognormal, median: 1.0, sigma: 0.3, bounds: [0.4, 2.5]}

``choice`` is refused: ABC-SMC moves particles by continuous perturbations, which a discrete
prior cannot follow.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    PlainValidator,
    TypeAdapter,
    ValidationError,
    WithJsonSchema,
    model_validator,
)

from sim.distributions import Choice, Dist, Distribution
from sim.fields import Date, Name
from sim.sweep.spec import MAX_SEED, Count, brief

MAX_PARAMETERS = 20
"""Most free parameters: ABC's cost grows fast with the dimension, and 20 is already many."""

MAX_TARGETS = 100
"""Most targets in one spec."""

MAX_POPULATION = 100_000
"""Largest population (particles per generation)."""

MAX_GENERATIONS = 100
"""Most generations."""

MAX_SIMULATIONS = 100_000_000
"""Largest cap on model runs over a whole calibration."""

MAX_RUNS_PER_PARTICLE = 100
"""Most model runs averaged into one particle's summary statistics."""

MAX_PREDICTIVE_RUNS = 100_000
"""Most runs of the posterior predictive check."""

_DIST = TypeAdapter(Distribution)

NESTED = ":: "
"""Separates a key inside a prior or a target from the problem in a validator's message; the
loader moves the key into the field it reports (``targets.beef.unit``)."""


class Prior(BaseModel):
    """A free parameter's prior: a scenario distribution, optionally truncated to ``bounds``."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    dist: Dist
    bounds: tuple[float, float] | None = None

    def as_yaml(self) -> dict[str, Any]:
        """The prior as written in a spec."""
        out = self.dist.model_dump()
        if self.bounds is not None:
            out["bounds"] = list(self.bounds)
        return out


def parse_prior(value: Any) -> Prior:
    """A prior from its YAML mapping: a distribution's keys plus optional ``bounds``."""
    if isinstance(value, Prior):
        return value
    if not isinstance(value, Mapping):
        raise ValueError(
            "a prior is a distribution, e.g. {dist: uniform, low: 0.5, high: 2}"
            f" (got {brief(value)})"
        )
    data = dict(value)
    bounds = data.pop("bounds", None)
    if bounds is not None:
        if (
            not isinstance(bounds, list | tuple)
            or len(bounds) != 2
            or not all(isinstance(b, int | float) and not isinstance(b, bool) for b in bounds)
        ):
            raise ValueError(f"bounds must be two numbers [low, high] (got {brief(bounds)})")
        low, high = float(bounds[0]), float(bounds[1])
        if not (math.isfinite(low) and math.isfinite(high)):
            raise ValueError("bounds must be finite numbers")
        if not low < high:
            raise ValueError(f"bounds need low < high (got [{low:g}, {high:g}])")
        bounds = (low, high)
    try:
        dist = _DIST.validate_python(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"][1:])
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = "unknown key (a prior takes the distribution's keys and bounds)"
        elif err["type"] == "missing":
            msg = "missing field"
        raise ValueError(f"{where}{NESTED if where else ''}bad prior: {msg}") from None
    if isinstance(dist, Choice):
        raise ValueError(
            "a choice prior is discrete; ABC-SMC perturbs particles continuously (use uniform,"
            " loguniform, normal, truncnormal, lognormal or triangular)"
        )
    return Prior(dist=dist, bounds=bounds)


PriorField = Annotated[
    Any,
    PlainValidator(parse_prior),
    PlainSerializer(lambda p: p.as_yaml()),
    WithJsonSchema({"type": "object"}),
]


class TargetBase(BaseModel):
    """What every target has: its source, its error scale and whether it is held out."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    source: str = Field(min_length=1, description="where the fact comes from (cited)")
    tolerance: float = Field(
        0.0, ge=0, le=1e12, allow_inf_nan=False, description="a miss this small counts as none"
    )
    scale: float | None = Field(
        None,
        gt=0,
        le=1e12,
        allow_inf_nan=False,
        description="error scale: a miss beyond the tolerance is divided by it (default:"
        " the tolerance)",
    )
    holdout: bool = Field(False, description="left out of the fit, checked afterwards")
    note: str = ""

    @model_validator(mode="after")
    def _scaled(self) -> TargetBase:
        if self.scale is None:
            if self.tolerance <= 0:
                raise ValueError("needs a scale (or a tolerance > 0) to weigh its misses")
            self.scale = self.tolerance
        return self


class SectorTarget(TargetBase):
    """A sector's agreed level in the sector's own unit (e.g. beef tariff 9%)."""

    kind: Literal["sector"]
    sector: Name
    value: float = Field(allow_inf_nan=False, ge=-1e12, le=1e12)
    unit: str = Field(min_length=1, description="the sector's unit, as the scenario names it")


class WindowTarget(TargetBase):
    """The agreement falls in a date window (a run's step overlapping it counts)."""

    kind: Literal["agreement_window"]
    start: Date = Field(alias="from")
    end: Date = Field(alias="to")

    @model_validator(mode="after")
    def _ordered(self) -> WindowTarget:
        if self.end < self.start:
            raise ValueError(f"'to' ({self.end}) is before 'from' ({self.start})")
        return self


class NoDealBeforeTarget(TargetBase):
    """No agreement before a date (e.g. an election)."""

    kind: Literal["no_deal_before"]
    date: Date


class FailuresTarget(TargetBase):
    """The ratification record: how many votes rejected a deal."""

    kind: Literal["ratification_failures"]
    value: Annotated[Count, Field(ge=0, le=1000)]


class AgreementTarget(TargetBase):
    """Whether talks ended in a ratified deal (1) or not (0); a rate if runs are averaged."""

    kind: Literal["agreement"]
    value: float = Field(ge=0, le=1, allow_inf_nan=False)


Target = SectorTarget | WindowTarget | NoDealBeforeTarget | FailuresTarget | AgreementTarget
TARGET_KINDS: dict[str, type[TargetBase]] = {
    "sector": SectorTarget,
    "agreement_window": WindowTarget,
    "no_deal_before": NoDealBeforeTarget,
    "ratification_failures": FailuresTarget,
    "agreement": AgreementTarget,
}


def _target(value: Any) -> Target:
    if isinstance(value, TargetBase):
        return value  # type: ignore[return-value]
    if not isinstance(value, Mapping):
        raise ValueError(f"a target is a mapping with a kind (got {brief(value)})")
    kind = value.get("kind")
    if kind not in TARGET_KINDS:
        raise ValueError(
            f"kind{NESTED}{'missing' if kind is None else 'unknown kind ' + brief(kind)}"
            f" (kinds: {', '.join(TARGET_KINDS)})"
        )
    try:
        return TARGET_KINDS[kind].model_validate(dict(value))  # type: ignore[return-value]
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            fields = [f.alias or n for n, f in TARGET_KINDS[kind].model_fields.items()]
            msg = f"unknown key (a {kind} target takes: {', '.join(fields)})"
        elif err["type"] == "missing":
            msg = "missing field"
            if where == "unit":
                msg += ": the sector's unit, as the scenario names it (e.g. 'tariff (%)')"
        raise ValueError(f"{where}{NESTED if where else ''}{msg}") from None


TargetField = Annotated[
    Any,
    PlainValidator(_target),
    PlainSerializer(lambda t: t.model_dump(by_alias=True)),
    WithJsonSchema({"type": "object"}),
]


class MethodSpec(BaseModel):
    """ABC-SMC's settings (Toni et al. 2009; Beaumont et al. 2009), through pyabc."""

    model_config = ConfigDict(extra="forbid")

    population: Annotated[Count, Field(ge=10, le=MAX_POPULATION)] = 500
    generations: Annotated[Count, Field(ge=1, le=MAX_GENERATIONS)] = 5
    quantile: float = Field(
        0.5, gt=0, lt=1, description="each tolerance: this weighted quantile of the last distances"
    )
    epsilons: list[Annotated[float, Field(gt=0, allow_inf_nan=False)]] | None = Field(
        None, description="a fixed tolerance schedule instead (one per generation, decreasing)"
    )
    min_epsilon: float = Field(0.0, ge=0, allow_inf_nan=False)
    min_acceptance_rate: float = Field(0.001, ge=0, lt=1, allow_inf_nan=False)
    max_simulations: Annotated[Count, Field(ge=1, le=MAX_SIMULATIONS)] = 1_000_000
    distance: Literal["euclidean", "manhattan", "max"] = "euclidean"
    runs_per_particle: Annotated[Count, Field(ge=1, le=MAX_RUNS_PER_PARTICLE)] = 1
    predictive_runs: Annotated[Count, Field(ge=10, le=MAX_PREDICTIVE_RUNS)] = 500
    batch_size: Annotated[Count, Field(ge=1, le=10_000)] = 20
    seed: Annotated[Count, Field(ge=0, le=MAX_SEED)] = 0

    @model_validator(mode="after")
    def _schedule(self) -> MethodSpec:
        if self.epsilons is not None:
            if not self.epsilons:
                raise ValueError("epsilons: give one tolerance per generation, or leave it out")
            if any(b >= a for a, b in zip(self.epsilons, self.epsilons[1:], strict=False)):
                raise ValueError("epsilons: each tolerance must be smaller than the one before")
            if "generations" in self.model_fields_set and self.generations != len(self.epsilons):
                raise ValueError(
                    f"generations ({self.generations}) differs from the length of epsilons"
                    f" ({len(self.epsilons)})"
                )
            self.generations = len(self.epsilons)
        return self


class CalibrationSpec(BaseModel):
    """The YAML keys of a calibration spec (see ``docs/calibration.md``)."""

    model_config = ConfigDict(extra="forbid")

    scenario: str = Field(description="scenario file, relative to the spec file, or a name")
    name: Name | None = Field(None, description="the calibrated scenario's name")
    description: str = ""
    parameters: dict[str, PriorField] = Field(min_length=1, max_length=MAX_PARAMETERS)
    targets: dict[Name, TargetField] = Field(min_length=1, max_length=MAX_TARGETS)
    method: MethodSpec = Field(default_factory=MethodSpec)

    @model_validator(mode="after")
    def _fitted(self) -> CalibrationSpec:
        if all(t.holdout for t in self.targets.values()):
            raise ValueError("targets: every target is held out; at least one must be fitted")
        return self
