"""The scenario's schema: one pydantic block per part of a negotiation, and per-run draws.

Every block forbids unknown keys, and every field has a one-line description that ``negsim
params`` prints. The blocks are named ``*Spec`` (``PartySpec``, ``LobbySpec`` ...): a block says
what a scenario specifies, and the agents built from it (``agents.Lobby`` ...) keep their own
names. Numeric fields may be distributions, drawn once per run by ``Scenario.draw``.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr

from sim.distributions import Dist
from sim.fields import (
    MAX_ENTRIES,
    MAX_LOG_SD,
    Date,
    Level,
    Name,
    Unit,
    num,
)


class Block(BaseModel):
    """Base of every scenario block: unknown keys are errors, not silently ignored."""

    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True)


class CalendarSpec(Block):
    """The time axis: one step is ``step_days`` days from ``start`` up to ``end``."""

    start: Date = Field(description="date of the first step (ISO)")
    end: Date = Field(description="horizon: the last date simulated (ISO)")
    step_days: int = Field(7, ge=1, le=92, description="days per step (7: weekly)")


class ElectionSpec(Block):
    """An election of one party; trade becomes salient to its voters as it nears."""

    date: Date = Field(description="election day (ISO)")
    amplitude: num(ge=0) = Field(
        description="A: salience = 1 + A exp(-(t_e - t) / tau) before the election"
    )
    tau_weeks: num(gt=0) = Field(description="tau: weeks over which salience builds up")
    label: str = Field("", description="name shown on plots")


class TacticSpec(Block):
    """A negotiator's concession tactic (``agents/tactics.py``; Faratin, Sierra & Jennings 1998)."""

    kind: Literal["time_dependent", "hardliner"] = Field(
        "time_dependent",
        description="time_dependent (Boulware/Linear/Conceder by beta) or hardliner (nothing"
        " before the deadline)",
    )
    beta: num(gt=0) = Field(
        1.0, description="concession exponent: <1 Boulware (late), 1 linear, >1 Conceder (early)"
    )
    initial_concession: num(ge=0, lt=1) = Field(
        0.0, description="k: share of the way to the mandate floor conceded at the start"
    )
    tit_for_tat: num(ge=0, le=1) = Field(
        0.0, description="weight on reciprocating the other side's last concession (0: none)"
    )


class RatifierSpec(Block):
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


class RedLineSpec(Block):
    """Bounds on one sector's concession in a government's mandate."""

    min: Unit | str | None = Field(None, description="lowest concession allowed (or a reference)")
    max: Unit | str | None = Field(None, description="highest concession allowed (or a reference)")


class PartySpec(Block):
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
    elections: dict[Name, ElectionSpec] = Field(
        default_factory=dict, max_length=50, description="elections"
    )
    tactic: TacticSpec = Field(default_factory=TacticSpec, description="concession tactic")
    perception_noise: num(ge=0, le=MAX_LOG_SD) = Field(
        0.1, description="sd of log-noise in this side's model of the others' stakes"
    )
    ratifier: RatifierSpec = Field(default_factory=RatifierSpec, description="ratifier")
    red_lines: dict[Name, RedLineSpec] = Field(
        default_factory=dict, description="per-sector bounds in the mandate"
    )


class EconomicsSpec(Block):
    """A government's economic gain ``linear * x + quadratic * x**2`` from one sector."""

    linear: num() = Field(description="marginal gain of the first unit of concession")
    quadratic: num(le=0) = Field(0.0, description="curvature (<= 0: diminishing gains)")


class SectorSpec(Block):
    """A traded good whose protection is negotiated."""

    label: str = Field(description="name shown in reports")
    unit: str = Field(description="the sector's own measure of protection, e.g. 'tariff (%)'")
    status_quo: Level = Field(description="protection today, in unit (x = 0)")
    free_trade: Level = Field(description="protection when fully liberalised, in unit (x = 1)")
    importer: str = Field(description="the party that concedes in this sector")
    references: dict[Name, Unit] = Field(
        default_factory=dict, description="focal levels in [0, 1], e.g. the TPP outcome"
    )
    economics: dict[Name, EconomicsSpec] = Field(
        default_factory=dict, description="each party's economic gain from this sector"
    )

    def level(self, x: float) -> float:
        """Concession ``x`` in the sector's own terms (tariff %, tonnes, yen/kg)."""
        return self.status_quo + x * (self.free_trade - self.status_quo)


class LobbySpec(Block):
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

    def reference_for(self, sector: str) -> float | str:
        """Reference point named or given for ``sector`` before resolution."""
        ref = self.reference
        if isinstance(ref, dict):
            return ref.get(sector, "status_quo")
        return ref


class SummitSpec(Block):
    """A meeting of leaders that negotiators aim at: a soft deadline."""

    label: str = Field(description="name shown on plots")
    start: Date = Field(description="first day (ISO)")
    end: Date | None = Field(None, description="last day (ISO); default: start")
    parties: list[str] | None = Field(None, description="who attends; default: all parties")
    cost: num(ge=0) = Field(
        0.02, description="fall in each attendee's no-deal value if it passes without a deal"
    )


class EventSpec(Block):
    """A scheduled change of parameters at a date (a tariff rise, a threat, an agreement)."""

    date: Date = Field(description="when it happens (ISO); earlier than start: at start")
    label: str = Field(description="what happens, for plots and the event log")
    set: dict[str, num()] = Field(default_factory=dict, description="parameters set to a value")
    add: dict[str, num()] = Field(default_factory=dict, description="parameters changed by")
    source: str = Field("", description="where the fact comes from")


class ProtocolSpec(Block):
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


class Scenario(Block):
    """A whole negotiation: parties, sectors, lobbies, calendar, summits and events."""

    name: Name = Field(description="short identifier (also names the output folder)")
    title: str = Field(description="one-line description")
    description: str = Field("", description="longer description")
    calendar: CalendarSpec
    protocol: ProtocolSpec = Field(default_factory=ProtocolSpec)
    parties: dict[Name, PartySpec] = Field(min_length=2, max_length=MAX_ENTRIES["parties"])
    sectors: dict[Name, SectorSpec] = Field(min_length=1, max_length=MAX_ENTRIES["sectors"])
    lobbies: dict[Name, LobbySpec] = Field(default_factory=dict, max_length=MAX_ENTRIES["lobbies"])
    summits: dict[Name, SummitSpec] = Field(default_factory=dict, max_length=MAX_ENTRIES["summits"])
    events: dict[Name, EventSpec] = Field(default_factory=dict, max_length=MAX_ENTRIES["events"])
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
        return not _uncertain_blocks(self)

    def reference_level(self, sector: str, ref: float | str) -> float:
        """Resolve a reference (a number, 'status_quo' or a named focal level) to [0, 1]."""
        if isinstance(ref, int | float):
            return float(ref)
        if ref == "status_quo":
            return 0.0
        return self.sectors[sector].references[ref]

    def lobby_reference(self, lobby: LobbySpec, sector: str) -> float:
        """Where ``lobby`` measures gains and losses in ``sector``, in [0, 1] (one place)."""
        return self.reference_level(sector, lobby.reference_for(sector))


# -- drawing ----------------------------------------------------------------------------


# --- drawing --------------------------------------------------------------------------------


def _uncertain_blocks(value: Any) -> set[int]:
    """Ids of the blocks (models and mappings) that hold a distribution somewhere inside."""
    found: set[int] = set()

    def visit(v: Any) -> bool:
        if isinstance(v, Dist):
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
    if isinstance(value, Dist):
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


