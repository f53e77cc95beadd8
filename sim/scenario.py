"""Scenario files: their schema, validation, ``--set`` overrides and per-run draws.

A scenario is a YAML file read by ``sim.safe_yaml`` (never executing code, bounded in size)
and validated by pydantic models that forbid unknown keys. Every parameter has a one-line
description, which ``negsim params`` prints; the same dotted paths work for ``--set`` and for
sweeps. Numeric parameters may be distributions (``sim.distributions``), drawn once per run by
``Scenario.draw`` from the run's seed.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainValidator,
    PrivateAttr,
    TypeAdapter,
    ValidationError,
    WithJsonSchema,
)

from sim.distributions import Distribution, _Dist
from sim.errors import ScenarioError
from sim.safe_yaml import parse_or_explain, read_yaml

_DIST = TypeAdapter(Distribution)


def _bounds_text(ge: float | None, gt: float | None, le: float | None, lt: float | None) -> str:
    lo = f"[{ge:g}" if ge is not None else (f"({gt:g}" if gt is not None else "(-inf")
    hi = f"{le:g}]" if le is not None else (f"{lt:g})" if lt is not None else "inf)")
    return f"{lo}, {hi}"


MAX_MAGNITUDE = 1e6
"""Largest magnitude of a model parameter (utilities, weights, rates, strengths). Far beyond any
meaningful value, and far enough below float overflow that the model's products stay finite."""

MAX_LOG_SD = 5.0
"""Largest standard deviation of a log-scale noise: exp(5 sd) is a factor of 10^10 already."""

MAX_LEVEL = 1e12
"""Largest magnitude of a sector's protection in its own unit (tonnes, %, yen/kg)."""

MAX_STEPS = 10_000
"""Most steps a run may take (about 190 years of weekly steps, 27 years of daily ones)."""

FIRST_DATE, LAST_DATE = dt.date(1800, 1, 1), dt.date(2300, 12, 31)
"""Dates a scenario may name: anything else is a typo (and 9999-12-31 plus a week overflows)."""

MAX_ENTRIES = {"parties": 10, "sectors": 100, "lobbies": 100, "summits": 200, "events": 1000}
"""Most entries per scenario block: a run's cost grows with each."""

NAME_PATTERN = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_-]{0,63}")
RESERVED_REFERENCES = frozenset({"status_quo"})


def _name(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"a name must be text (got {type(value).__name__})")
    if not NAME_PATTERN.fullmatch(value):
        raise ValueError(
            f"{value!r} is not a valid name: up to 64 letters, digits, '_' or '-', as it becomes"
            " part of dotted parameter paths"
        )
    return value


Name = Annotated[str, PlainValidator(_name), WithJsonSchema({"type": "string"})]
"""A key of a named block (a party, sector, lobby, election ...): it appears in dotted paths."""


def _date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        value = value.date()
    if not isinstance(value, dt.date):
        if not isinstance(value, str):
            raise ValueError(f"must be a date written YYYY-MM-DD (got {type(value).__name__})")
        try:
            value = dt.date.fromisoformat(value.strip())
        except ValueError as exc:
            raise ValueError(f"is not a valid date YYYY-MM-DD ({exc})") from None
    if not FIRST_DATE <= value <= LAST_DATE:
        raise ValueError(f"must lie between {FIRST_DATE} and {LAST_DATE} (got {value})")
    return value


Date = Annotated[dt.date, PlainValidator(_date), WithJsonSchema({"type": "string"})]
"""An ISO date between ``FIRST_DATE`` and ``LAST_DATE``."""


def _level(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"must be a number (got {type(value).__name__})")
    try:
        v = float(value)
    except OverflowError:
        raise ValueError(f"must lie within ±{MAX_LEVEL:g}") from None
    if not math.isfinite(v) or abs(v) > MAX_LEVEL:
        raise ValueError(f"must be a finite number within ±{MAX_LEVEL:g} (got {v:g})")
    return v


Level = Annotated[float, PlainValidator(_level), WithJsonSchema({"type": "number"})]
"""A protection level in a sector's own unit."""


def num(
    ge: float | None = None,
    gt: float | None = None,
    le: float | None = None,
    lt: float | None = None,
) -> Any:
    """A numeric parameter that may also be a distribution, checked against its bounds.

    A distribution is accepted only if every value it can draw lies within the bounds, and
    all but a negligible share of them within ``MAX_MAGNITUDE``, so a run can never fail or
    overflow on a draw that the file allowed.
    """

    def below(v: float, strict_ok: bool) -> bool:
        return (ge is not None and v < ge) or (
            gt is not None and (v < gt if strict_ok else v <= gt)
        )

    def above(v: float, strict_ok: bool) -> bool:
        return (le is not None and v > le) or (
            lt is not None and (v > lt if strict_ok else v >= lt)
        )

    def validate(value: Any) -> float | _Dist:
        if isinstance(value, _Dist):
            dist = value
        elif isinstance(value, Mapping):
            try:
                dist = _DIST.validate_python(dict(value))
            except ValidationError as exc:
                err = exc.errors()[0]
                where = ".".join(str(p) for p in err["loc"][1:])
                problem = f"bad distribution: {where + ': ' if where else ''}{err['msg']}"
                raise ValueError(problem) from None
        elif isinstance(value, bool) or not isinstance(value, int | float | str):
            raise ValueError(f"must be a number or a distribution (got {type(value).__name__})")
        else:
            try:
                v = float(value)
            except ValueError:
                raise ValueError(f"must be a number (got {value!r})") from None
            except OverflowError:
                raise ValueError(f"must lie within ±{MAX_MAGNITUDE:g}") from None
            if not math.isfinite(v):
                raise ValueError(f"must be a finite number (got {value!r})")
            if below(v, False) or above(v, False):
                raise ValueError(f"must lie in {_bounds_text(ge, gt, le, lt)} (got {v:g})")
            if abs(v) > MAX_MAGNITUDE:
                raise ValueError(f"must lie within ±{MAX_MAGNITUDE:g} (got {v:g})")
            return v
        lo, hi = dist.support()
        if below(lo, True) or above(hi, True):
            raise ValueError(
                f"{dist.dist} distribution can draw values in [{lo:g}, {hi:g}], outside the"
                f" allowed {_bounds_text(ge, gt, le, lt)}"
            )
        lo, hi = dist.reach()
        if not (math.isfinite(lo) and math.isfinite(hi)) or max(-lo, hi) > MAX_MAGNITUDE:
            raise ValueError(
                f"{dist.dist} distribution draws values beyond ±{MAX_MAGNITUDE:g}"
                f" (its reach is [{lo:g}, {hi:g}])"
            )
        return dist

    return Annotated[
        float | _Dist,
        PlainValidator(validate),
        WithJsonSchema({"anyOf": [{"type": "number"}, {"type": "object"}]}),
    ]


Unit = Annotated[float, Field(ge=0.0, le=1.0)]


class Spec(BaseModel):
    """Base of every scenario block: unknown keys are errors, not silently ignored."""

    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True)


class Calendar(Spec):
    """The time axis: one step is ``step_days`` days from ``start`` up to ``end``."""

    start: Date = Field(description="date of the first step (ISO)")
    end: Date = Field(description="horizon: the last date simulated (ISO)")
    step_days: int = Field(7, ge=1, le=92, description="days per step (7: weekly)")


class Election(Spec):
    """An election of one party; trade becomes salient to its voters as it nears."""

    date: Date = Field(description="election day (ISO)")
    amplitude: num(ge=0) = Field(
        description="A: salience = 1 + A exp(-(t_e - t) / tau) before the election"
    )
    tau_weeks: num(gt=0) = Field(description="tau: weeks over which salience builds up")
    label: str = Field("", description="name shown on plots")


class Tactic(Spec):
    """A negotiator's concession tactic (Faratin, Sierra & Jennings 1998)."""

    beta: num(gt=0) = Field(
        1.0, description="concession exponent: <1 Boulware (late), 1 linear, >1 Conceder (early)"
    )
    initial_concession: num(ge=0, lt=1) = Field(
        0.0, description="k: share of the way to the mandate floor conceded at the start"
    )
    tit_for_tat: num(ge=0, le=1) = Field(
        0.0, description="weight on reciprocating the other side's last concession (0: none)"
    )


class Ratifier(Spec):
    """The domestic body that must approve a deal (Putnam's level II), e.g. a legislature."""

    label: str = Field("ratifier", description="who ratifies, for reports")
    lobby_weight: num(gt=0) = Field(
        1.0,
        description="how much more (>1) than the government the ratifier weighs lobbies (known)",
    )
    bias_sd: num(ge=0, le=MAX_LOG_SD) = Field(
        0.2, description="sd of the ratifier's log-bias on lobby weight, unknown to negotiators"
    )
    margin: num() = Field(0.0, description="gain over no deal the ratifier requires")


class RedLine(Spec):
    """Bounds on one sector's concession in a government's mandate."""

    min: Unit | str | None = Field(None, description="lowest concession allowed (or a reference)")
    max: Unit | str | None = Field(None, description="highest concession allowed (or a reference)")


class Party(Spec):
    """A country: its government, its negotiator and its ratifier."""

    label: str = Field(description="name shown in reports")
    negotiator: str = Field("", description="who negotiates, for reports")
    no_deal_value: num() = Field(0.0, description="R: utility of no deal, fixed yardstick")
    strategic_value: num() = Field(0.0, description="V: strategic value of any deal")
    mandate_floor: num(gt=0) = Field(
        0.05, description="m: visible gain over no deal that a deal must bring"
    )
    pressure_response: num(ge=0) = Field(
        1.0, description="k: weight a unit of lobby pressure adds to that lobby"
    )
    hard_deadline: Date | None = Field(
        None, description="date after which this side walks out of stalled talks (ISO)"
    )
    elections: dict[Name, Election] = Field(
        default_factory=dict, max_length=50, description="elections"
    )
    tactic: Tactic = Field(default_factory=Tactic, description="concession tactic")
    perception_noise: num(ge=0, le=MAX_LOG_SD) = Field(
        0.1, description="sd of log-noise in this side's model of the others' stakes"
    )
    ratifier: Ratifier = Field(default_factory=Ratifier, description="ratifier")
    red_lines: dict[Name, RedLine] = Field(
        default_factory=dict, description="per-sector bounds in the mandate"
    )


class Economics(Spec):
    """A government's economic gain ``linear * x + quadratic * x**2`` from one sector."""

    linear: num() = Field(description="marginal gain of the first unit of concession")
    quadratic: num(le=0) = Field(0.0, description="curvature (<= 0: diminishing gains)")


class Sector(Spec):
    """A traded good whose protection is negotiated."""

    label: str = Field(description="name shown in reports")
    unit: str = Field(description="the sector's own measure of protection, e.g. 'tariff (%)'")
    status_quo: Level = Field(description="protection today, in unit (x = 0)")
    free_trade: Level = Field(description="protection when fully liberalised, in unit (x = 1)")
    importer: str = Field(description="the party that concedes in this sector")
    references: dict[Name, Unit] = Field(
        default_factory=dict, description="focal levels in [0, 1], e.g. the TPP outcome"
    )
    economics: dict[Name, Economics] = Field(
        default_factory=dict, description="each party's economic gain from this sector"
    )

    def level(self, x: float) -> float:
        """Concession ``x`` in the sector's own terms (tariff %, tonnes, yen/kg)."""
        return self.status_quo + x * (self.free_trade - self.status_quo)


class Lobby(Spec):
    """An interest group with stakes in some sectors (farm, auto, exporters)."""

    label: str = Field(description="name shown in reports")
    country: str = Field(description="the party whose government it presses")
    wants: Literal["protection", "liberalisation"] = Field(description="direction it presses")
    strength: num(ge=0) = Field(1.0, description="political strength: scales its pressure")
    base_weight: num(ge=0) = Field(
        1.0, description="weight of its dissatisfaction in its government's utility at no pressure"
    )
    inertia: num(ge=0, lt=1) = Field(0.6, description="share of its pressure kept after a week")
    shock_sd: num(ge=0, le=MAX_LOG_SD) = Field(
        0.15, description="sd of its log mobilisation shock (a lasting mood, not per step)"
    )
    shock_weeks: num(gt=0, le=520) = Field(
        1.0, description="how long a mobilisation shock lasts (correlation time, weeks)"
    )
    foreign_offer_weight: num(ge=0, le=1) = Field(
        0.5,
        description="how much offers tabled by other countries mobilise it (own offers: 1)",
    )
    loss_aversion: num(ge=1) = Field(2.25, description="slope of a loss at the reference point")
    convexity: num(ge=0) = Field(1.0, description="quadratic growth of a loss")
    reference: float | str | dict[str, float | str] = Field(
        "status_quo",
        description="reference point: 'status_quo', a sector reference name, a level in [0, 1]",
    )
    stakes: dict[Name, num(ge=0)] = Field(description="its interest in each sector")
    red_lines: dict[Name, float | str] = Field(
        default_factory=dict, description="per-sector level past which it is outraged"
    )
    outrage: num(ge=0) = Field(1.0, description="extra pressure while a red line is crossed")
    reaction: num(ge=0) = Field(
        0.0,
        description="extra mobilisation against a tentative deal, foreseen by its government",
    )

    def reference_for(self, sector: str, references: Mapping[str, float]) -> float | str:
        """Reference point named or given for ``sector`` before resolution."""
        ref = self.reference
        if isinstance(ref, dict):
            return ref.get(sector, "status_quo")
        return ref


class Summit(Spec):
    """A meeting of leaders that negotiators aim at: a soft deadline."""

    label: str = Field(description="name shown on plots")
    start: Date = Field(description="first day (ISO)")
    end: Date | None = Field(None, description="last day (ISO); default: start")
    parties: list[str] | None = Field(None, description="who attends; default: all parties")
    cost: num(ge=0) = Field(
        0.02, description="fall in each attendee's no-deal value if it passes without a deal"
    )


class Event(Spec):
    """A scheduled change of parameters at a date (a tariff rise, a threat, an agreement)."""

    date: Date = Field(description="when it happens (ISO); earlier than start: at start")
    label: str = Field(description="what happens, for plots and the event log")
    set: dict[str, num()] = Field(default_factory=dict, description="parameters set to a value")
    add: dict[str, num()] = Field(default_factory=dict, description="parameters changed by")
    source: str = Field("", description="where the fact comes from")


class Protocol(Spec):
    """Rules of the table: who proposes, when talks collapse."""

    offers: Literal["simultaneous", "alternating"] = Field(
        "simultaneous",
        description="each round every side offers, or one side in turn (first_proposer first)",
    )
    first_proposer: str | None = Field(
        None, description="with alternating offers: the party that makes the first offer"
    )
    walkout_weeks: int = Field(
        8,
        ge=1,
        le=520,
        description="W: weeks of empty zone past its hard deadline before a side walks",
    )
    collapse_probability: num(ge=0, le=1) = Field(
        0.2, description="chance that talks collapse after a failed ratification"
    )
    mandate_tightening: num(ge=0, le=10) = Field(
        0.5, description="extra caution after a rejection: share added to the learned bias"
    )
    tightening_half_life_weeks: num(gt=0, le=520) = Field(
        8.0, description="weeks in which that extra caution halves"
    )
    round_days: int = Field(
        7, ge=1, le=92, description="days between negotiating rounds (one offer per round)"
    )
    summit_lead_weeks: int = Field(
        1, ge=0, le=520, description="a summit is aimed at only if at least this many weeks ahead"
    )
    tolerance: float = Field(
        1e-9, gt=0, le=1e-3, allow_inf_nan=False, description="tolerance of every comparison"
    )


class Scenario(Spec):
    """A whole negotiation: parties, sectors, lobbies, calendar, summits and events."""

    name: Name = Field(description="short identifier (also names the output folder)")
    title: str = Field(description="one-line description")
    description: str = Field("", description="longer description")
    calendar: Calendar
    protocol: Protocol = Field(default_factory=Protocol)
    parties: dict[Name, Party] = Field(min_length=2, max_length=MAX_ENTRIES["parties"])
    sectors: dict[Name, Sector] = Field(min_length=1, max_length=MAX_ENTRIES["sectors"])
    lobbies: dict[Name, Lobby] = Field(default_factory=dict, max_length=MAX_ENTRIES["lobbies"])
    summits: dict[Name, Summit] = Field(default_factory=dict, max_length=MAX_ENTRIES["summits"])
    events: dict[Name, Event] = Field(default_factory=dict, max_length=MAX_ENTRIES["events"])
    _uncertain: set[int] | None = PrivateAttr(None)

    def draw(self, rng: np.random.Generator) -> Scenario:
        """A copy with every distribution replaced by one draw from ``rng``.

        Draws happen in the order of the schema's fields, and of the file's keys within each
        block, so the same scenario and seed give the same values on every machine. Blocks
        without a distribution are shared with ``self``, not copied.
        """
        if self._uncertain is None:
            self._uncertain = _uncertain_blocks(self)
        if not self._uncertain:
            return self
        return _draw_model(self, rng, self._uncertain)

    @property
    def is_drawn(self) -> bool:
        """True when no parameter is a distribution any more."""
        return not any(isinstance(v, _Dist) for _, v, _ in iter_parameters(self))

    def reference_level(self, sector: str, ref: float | str, wants: str = "protection") -> float:
        """Resolve a reference (a number, 'status_quo' or a named focal level) to [0, 1]."""
        if isinstance(ref, int | float):
            return float(ref)
        if ref == "status_quo":
            return 0.0
        return self.sectors[sector].references[ref]


# --- drawing --------------------------------------------------------------------------------


def _uncertain_blocks(value: Any) -> set[int]:
    """Ids of the blocks (models and mappings) that hold a distribution somewhere inside."""
    found: set[int] = set()

    def visit(v: Any) -> bool:
        if isinstance(v, _Dist):
            return True
        if isinstance(v, BaseModel):
            children = [getattr(v, name) for name in type(v).model_fields]
        elif isinstance(v, dict):
            children = list(v.values())
        else:
            return False
        hit = False
        for child in children:
            hit = visit(child) or hit
        if hit:
            found.add(id(v))
        return hit

    visit(value)
    return found


def _draw_value(value: Any, rng: np.random.Generator, uncertain: set[int]) -> Any:
    if isinstance(value, _Dist):
        return value.draw(rng)
    if id(value) not in uncertain:
        return value
    if isinstance(value, BaseModel):
        return _draw_model(value, rng, uncertain)
    if isinstance(value, dict):
        return {k: _draw_value(v, rng, uncertain) for k, v in value.items()}
    return value


def _draw_model(model: BaseModel, rng: np.random.Generator, uncertain: set[int]) -> Any:
    updates = {}
    for name in type(model).model_fields:
        value = getattr(model, name)
        drawn = _draw_value(value, rng, uncertain)
        if drawn is not value:
            updates[name] = drawn
    return model.model_copy(update=updates) if updates else model


# --- parameters as dotted paths -------------------------------------------------------------


def iter_parameters(model: BaseModel, prefix: str = "") -> Iterator[tuple[str, Any, str]]:
    """Every settable leaf as ``(dotted.path, value, one-line meaning)``, in file order."""
    for name, field in type(model).model_fields.items():
        value = getattr(model, name)
        path = f"{prefix}{name}"
        doc = field.description or ""
        if isinstance(value, BaseModel) and not isinstance(value, _Dist):
            yield from iter_parameters(value, path + ".")
        elif isinstance(value, dict) and name not in ("set", "add"):
            for key, item in value.items():
                if isinstance(item, BaseModel) and not isinstance(item, _Dist):
                    yield from iter_parameters(item, f"{path}.{key}.")
                else:
                    yield f"{path}.{key}", item, f"{doc} ({key})"
        else:
            yield path, value, doc


def parameter_paths(scenario: Scenario) -> dict[str, Any]:
    """Dotted path -> value for every settable parameter."""
    return {path: value for path, value, _ in iter_parameters(scenario)}


# --- loading --------------------------------------------------------------------------------

BUNDLED = Path(__file__).resolve().parent / "_configs"
REPO_CONFIGS = Path(__file__).resolve().parent.parent / "configs"


def bundled_scenarios() -> list[str]:
    """Names of the scenarios that ship with negsim, read from the ``configs`` folder.

    A new file in ``configs/`` reaches the command line's help and messages and the app's menu
    without being named anywhere else.
    """
    for folder in (REPO_CONFIGS, BUNDLED):
        if folder.is_dir():
            return sorted(f.stem for f in folder.glob("*.yaml"))
    return []


def resolve_path(path: str | Path) -> Path:
    """A scenario file by path, or by the name of a bundled scenario (``usjapan_2019``)."""
    p = Path(path)
    if p.is_file():
        return p
    if p.suffix == "" and p.parent == Path("."):
        for folder in (REPO_CONFIGS, BUNDLED):
            candidate = folder / f"{p.name}.yaml"
            if candidate.is_file():
                return candidate
    if p.is_dir():
        raise ScenarioError(str(p), "", "is a directory, not a scenario file")
    names = ", ".join(bundled_scenarios())
    raise ScenarioError(
        str(p), "", f"no such file, nor a bundled scenario of that name (bundled: {names})"
    )


def _pydantic_problem(exc: ValidationError) -> tuple[str, str]:
    errors = exc.errors()
    err = errors[0]
    loc = ".".join(str(p) for p in err["loc"])
    msg = err["msg"]
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, ") :]
    if err["type"] == "extra_forbidden":
        msg = "unknown key (not a scenario field: see `negsim params`)"
    elif err["type"] == "missing":
        msg = "missing field"
    if len(errors) > 1:
        msg += f" (and {len(errors) - 1} more problem{'s' if len(errors) > 2 else ''})"
    return loc, msg


def validate(data: Mapping[str, Any], source: str = "<scenario>") -> Scenario:
    """Validate a mapping as a scenario: schema, then cross-references and dates."""
    try:
        scenario = Scenario.model_validate(dict(data))
    except ValidationError as exc:
        loc, msg = _pydantic_problem(exc)
        raise ScenarioError(source, loc, msg) from None
    check_consistency(scenario, source)
    return scenario


EVENT_TARGETS = {
    "parties": {"no_deal_value", "strategic_value", "mandate_floor", "pressure_response"},
    "parties.tactic": {"beta", "tit_for_tat"},
    "lobbies": {"strength", "base_weight", "inertia", "shock_sd", "outrage"},
}


def event_target(path: str, scenario: Scenario) -> tuple[str, str, str] | None:
    """Split an event's parameter path into ``(kind, name, attribute)``; None if not allowed."""
    parts = path.split(".")
    if len(parts) == 3 and parts[0] == "parties" and parts[1] in scenario.parties:
        return ("party", parts[1], parts[2]) if parts[2] in EVENT_TARGETS["parties"] else None
    if len(parts) == 4 and parts[0] == "parties" and parts[2] == "tactic":
        known = parts[1] in scenario.parties and parts[3] in EVENT_TARGETS["parties.tactic"]
        return ("tactic", parts[1], parts[3]) if known else None
    if len(parts) == 3 and parts[0] == "lobbies" and parts[1] in scenario.lobbies:
        return ("lobby", parts[1], parts[2]) if parts[2] in EVENT_TARGETS["lobbies"] else None
    return None


def check_consistency(s: Scenario, source: str) -> None:
    """Checks that span blocks: cross-references, dates in order, references that exist.

    Raises:
        ScenarioError: on the first problem found.
    """
    def fail(field: str, problem: str) -> None:
        raise ScenarioError(source, field, problem)

    parties = list(s.parties)
    cal = s.calendar
    if cal.end <= cal.start:
        fail("calendar.end", f"must be after calendar.start ({cal.start})")
    if s.protocol.round_days < cal.step_days:
        fail(
            "protocol.round_days",
            f"rounds every {s.protocol.round_days} days need steps of at most that many days"
            f" (calendar.step_days is {cal.step_days})",
        )
    steps = (cal.end - cal.start).days // cal.step_days
    if steps > MAX_STEPS:
        fail(
            "calendar.end",
            f"the run would take {steps:,} steps of {cal.step_days} days; at most {MAX_STEPS:,}",
        )
    if s.protocol.first_proposer is not None and s.protocol.first_proposer not in s.parties:
        fail("protocol.first_proposer", f"unknown party {s.protocol.first_proposer!r}")
    for name, sector in s.sectors.items():
        if sector.importer not in s.parties:
            fail(f"sectors.{name}.importer", f"unknown party {sector.importer!r} ({parties})")
        for p in sector.economics:
            if p not in s.parties:
                fail(f"sectors.{name}.economics.{p}", f"unknown party {p!r}")
        if sector.status_quo == sector.free_trade:
            fail(f"sectors.{name}.free_trade", "must differ from status_quo")
        for ref in sector.references:
            if ref in RESERVED_REFERENCES:
                fail(
                    f"sectors.{name}.references.{ref}",
                    f"{ref!r} already means today's protection; give the level another name",
                )
    for pname, party in s.parties.items():
        if party.hard_deadline is not None and party.hard_deadline < cal.start:
            fail(f"parties.{pname}.hard_deadline", f"is before calendar.start ({cal.start})")
        for ename, e in party.elections.items():
            if e.date < cal.start:
                fail(f"parties.{pname}.elections.{ename}.date", "is before calendar.start")
        for sec, rl in party.red_lines.items():
            where = f"parties.{pname}.red_lines.{sec}"
            if sec not in s.sectors:
                fail(where, f"unknown sector {sec!r}")
            bounds = []
            for side in ("min", "max"):
                v = getattr(rl, side)
                if isinstance(v, str) and v not in s.sectors[sec].references:
                    fail(f"{where}.{side}", f"sector {sec} has no reference {v!r}")
                bounds.append(s.reference_level(sec, v) if v is not None else None)
            if None not in bounds and bounds[0] > bounds[1]:
                fail(where, "min must not exceed max")
    for lname, lobby in s.lobbies.items():
        where = f"lobbies.{lname}"
        if lobby.country not in s.parties:
            fail(f"{where}.country", f"unknown party {lobby.country!r} ({parties})")
        if not lobby.stakes:
            fail(f"{where}.stakes", "must name at least one sector")
        for sec in lobby.stakes:
            if sec not in s.sectors:
                fail(f"{where}.stakes.{sec}", f"unknown sector {sec!r}")
            ref = lobby.reference_for(sec, s.sectors[sec].references)
            if (
                isinstance(ref, str)
                and ref != "status_quo"
                and ref not in s.sectors[sec].references
            ):
                fail(f"{where}.reference", f"sector {sec} has no reference {ref!r}")
            if isinstance(ref, int | float) and not 0.0 <= ref <= 1.0:
                fail(f"{where}.reference", f"must lie in [0, 1] (got {ref})")
        if isinstance(lobby.reference, dict):
            for sec in lobby.reference:
                if sec not in s.sectors:
                    fail(f"{where}.reference.{sec}", f"unknown sector {sec!r}")
        for sec, v in lobby.red_lines.items():
            if sec not in s.sectors:
                fail(f"{where}.red_lines.{sec}", f"unknown sector {sec!r}")
            if isinstance(v, str) and v not in s.sectors[sec].references:
                fail(f"{where}.red_lines.{sec}", f"sector {sec} has no reference {v!r}")
            if isinstance(v, int | float) and not 0.0 <= v <= 1.0:
                fail(f"{where}.red_lines.{sec}", f"must lie in [0, 1] (got {v})")
    for sname, summit in s.summits.items():
        where = f"summits.{sname}"
        end = summit.end or summit.start
        if end < summit.start:
            fail(f"{where}.end", "is before its start")
        if summit.start < cal.start or end > cal.end:
            fail(f"{where}.start", f"must lie within the calendar ({cal.start} .. {cal.end})")
        for p in summit.parties or []:
            if p not in s.parties:
                fail(f"{where}.parties", f"unknown party {p!r}")
    for ename, event in s.events.items():
        if event.date > cal.end:
            fail(f"events.{ename}.date", f"is after calendar.end ({cal.end})")
        for kind in ("set", "add"):
            for path in getattr(event, kind):
                if event_target(path, s) is None:
                    fail(
                        f"events.{ename}.{kind}",
                        f"{path!r} is not a parameter an event can change",
                    )


def _parse_override(item: str, source: str) -> tuple[str, Any]:
    if "=" not in item:
        raise ScenarioError(source, item, "--set needs PATH=VALUE")
    path, _, text = item.partition("=")
    path = path.strip()
    value = parse_or_explain(text, source, path) if text.strip() else ""
    return path, value


def apply_overrides(
    data: dict[str, Any],
    overrides: Mapping[str, Any] | Sequence[str],
    scenario: Scenario,
    source: str,
) -> dict[str, Any]:
    """A copy of the raw mapping with dotted-path overrides applied.

    Only paths that ``negsim params`` lists are accepted, so a typo is an error, not a silent
    no-op (NetLogo's BehaviorSpace lesson).
    """
    if isinstance(overrides, Mapping):
        items = list(overrides.items())
    elif isinstance(overrides, str):  # one "path=value", not a sequence of characters
        items = [_parse_override(overrides, source)]
    else:
        items = [_parse_override(str(o), source) for o in overrides]
    known = parameter_paths(scenario)
    out = _deep_copy(data)
    for path, value in items:
        if path not in known:
            hint = _closest(path, known)
            raise ScenarioError(
                source, path, "no such parameter" + (f" (did you mean {hint}?)" if hint else "")
            )
        node = out
        parts = path.split(".")
        for part in parts[:-1]:
            nxt = node.get(part)
            if not isinstance(nxt, dict):
                nxt = {}
                node[part] = nxt
            node = nxt
        node[parts[-1]] = value
    return out


def _deep_copy(data: Any) -> Any:
    if isinstance(data, dict):
        return {k: _deep_copy(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_deep_copy(v) for v in data]
    return data


def _closest(path: str, known: Mapping[str, Any]) -> str | None:
    import difflib

    match = difflib.get_close_matches(path, list(known), n=1, cutoff=0.75)
    return match[0] if match else None


def load_scenario(
    path: str | Path, overrides: Mapping[str, Any] | Sequence[str] | None = None
) -> Scenario:
    """Read, override and validate a scenario file.

    Args:
        path: A YAML file, or the name of a bundled scenario such as ``"usjapan_2019"``.
        overrides: ``{"dotted.path": value}`` or ``["dotted.path=value", ...]`` as given to
            ``negsim run --set``.

    Raises:
        ScenarioError: with the file, the field and the problem, for any bad input.

    """
    file = resolve_path(path)
    source = str(path)
    data = read_yaml(file)
    scenario = validate(data, source)
    if overrides:
        data = apply_overrides(data, overrides, scenario, source)
        scenario = validate(data, source)
    return scenario


def with_overrides(
    scenario: Scenario, overrides: Mapping[str, Any] | Sequence[str], source: str | None = None
) -> Scenario:
    """A validated copy of ``scenario`` with dotted-path overrides applied."""
    source = source or scenario.name
    return validate(apply_overrides(to_raw(scenario), overrides, scenario, source), source)


def to_raw(value: Any) -> Any:
    """A scenario (or any block of it) as the plain mapping a YAML file would hold."""
    if isinstance(value, _Dist):
        return value.model_dump()
    if isinstance(value, BaseModel):
        return {name: to_raw(getattr(value, name)) for name in type(value).model_fields}
    if isinstance(value, dict):
        return {k: to_raw(v) for k, v in value.items()}
    if isinstance(value, list):
        return [to_raw(v) for v in value]
    return value


def set_parameter(scenario: Scenario, path: str, value: Any) -> Scenario:
    """A copy of ``scenario`` with one dotted-path parameter set, validating only its block.

    Much cheaper than ``with_overrides`` (which re-validates the whole scenario), for sweeps
    whose values were checked against the whole scenario once, when the plan was made.
    """
    parts = path.split(".")
    chain: list[tuple[Any, str]] = []  # (container, key) from the root down
    node: Any = scenario
    owner_depth = 0
    for depth, part in enumerate(parts):
        if isinstance(node, BaseModel) and not isinstance(node, _Dist):
            owner_depth = depth
            if part not in type(node).model_fields:
                raise ScenarioError(scenario.name, path, "no such parameter")
            chain.append((node, part))
            node = getattr(node, part)
        elif isinstance(node, dict) and part in node:
            chain.append((node, part))
            node = node[part]
        else:
            raise ScenarioError(scenario.name, path, "no such parameter")
    owner = chain[owner_depth][0]
    raw = to_raw(owner)
    inner = raw
    for _, key in chain[owner_depth:-1]:
        inner = inner[key]
    inner[chain[-1][1]] = value
    try:
        rebuilt: Any = type(owner).model_validate(raw)
    except ValidationError as exc:
        loc, msg = _pydantic_problem(exc)
        prefix = ".".join(parts[:owner_depth])
        raise ScenarioError(scenario.name, f"{prefix}.{loc}" if prefix else loc, msg) from None
    for container, key in reversed(chain[:owner_depth]):
        if isinstance(container, BaseModel):
            rebuilt = container.model_copy(update={key: rebuilt})
        else:
            rebuilt = {**container, key: rebuilt}
    rebuilt._uncertain = None  # blocks were replaced: find the distributions afresh
    return rebuilt
