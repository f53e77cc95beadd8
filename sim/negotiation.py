"""What the model shows its agents and its reporters: the state of a negotiation, as a protocol.

The agents (``agents/``) and the modules that record and narrate a run read the model's state
through this interface, not through ``sim.model.NegotiationModel`` itself, so they do not
depend on the class that builds them (no import runs back up to the model). The model is the
one implementation; anything that has these attributes can host the agents (a test's stand-in,
another kind of model).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol


class Negotiation(Protocol):
    """The state of a run that agents and reporters read (see ``NegotiationModel``)."""

    # What is negotiated, by whom, under which scenario.
    spec: Any  # the drawn Scenario
    seed: int | None
    party_names: list[str]
    sector_names: list[str]
    breaks: list[tuple[float, ...]]
    tol: float
    governments_by_name: dict[str, Any]
    representatives_by_name: dict[str, Any]
    lobbies_by_name: dict[str, Any]
    public_bounds: tuple[list[float], list[float]]
    segment_plan: list[tuple[int, float, float]] | None  # sim.single_segment.segment_plan
    # The schedule in steps (``sim.calendar.Timeline``).
    calendar: Any
    horizon: int
    step_weeks: float
    elections: dict[str, list[tuple[float, float, float]]]
    hard_deadline_step: dict[str, int | None]
    summits: list[Any]
    summit_lead: float
    walkout_steps: float
    last_round_by: Callable[[int], int]
    # This step.
    t: int
    salience: dict[str, float]
    table: dict[str, list[float] | None]
    previous_offers: dict[str, list[float] | None]
    zone: bool
    empty_zone_steps: int
    status: str
    # How it ended, and what it reports.
    analyse: bool
    deal: list[float] | None
    deal_values: dict[str, tuple[float, float]]
    deal_sides: list[Any]
    walked_out: str | None
    ratification_attempts: int
    ratification_failures: int
    log: list[tuple[int, str, str]]
    narrated_pressure: dict[str, float]

    def say(self, text: str) -> None:
        """Add a line to the event log."""

    def label(self, party: str) -> str:
        """A party's name for people."""

    def sides(self) -> Sequence[Any]:
        """Each government as the analysis sees it."""


