"""Dates and steps: every scenario date is converted to a step index once, here.

``StepCalendar`` maps dates to steps and back; ``Timeline`` holds a scenario's whole schedule
(elections, deadlines, summits, events, negotiating rounds) in steps.
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sim.schema import Scenario


def possessive(name: str) -> str:
    """``Japan's``, but ``the United States'``: for the event log and plot legends."""
    return f"{name}'" if name.endswith("s") else f"{name}'s"


@dataclass(frozen=True, slots=True)
class StepCalendar:
    """Maps ISO dates to simulation steps and back.

    Step ``t`` covers the days ``[start + t * step_days, start + (t + 1) * step_days)``; step 0
    is the first one simulated and ``horizon`` the last.
    """

    start: dt.date
    end: dt.date
    step_days: int = 7

    @property
    def horizon(self) -> int:
        """Index of the last step, the one that holds ``end``."""
        return self.step_of(self.end)

    def date_of(self, step: int | float) -> dt.date:
        """Calendar date on which ``step`` begins."""
        return self.start + dt.timedelta(days=round(step * self.step_days))

    def step_of(self, date: dt.date) -> int:
        """The step during which ``date`` falls (negative before ``start``)."""
        return math.floor((date - self.start).days / self.step_days)

    def first_step_on_or_after(self, date: dt.date) -> int:
        """First step that begins on or after ``date`` (0 for dates before ``start``)."""
        return max(0, math.ceil((date - self.start).days / self.step_days))

    def steps_until(self, date: dt.date) -> float:
        """Fractional steps from ``start`` to ``date``, for smooth functions of time."""
        return (date - self.start).days / self.step_days

    def weeks_to_steps(self, weeks: float) -> float:
        """A duration in weeks as a number of steps."""
        return weeks * 7.0 / self.step_days


@dataclass(slots=True)
class SummitDate:
    """A summit converted to steps."""

    name: str
    label: str
    start: int
    end: int
    parties: tuple[str, ...]
    cost: float
    charged: bool = False


@dataclass
class Timeline:
    """Every date of a scenario as steps, converted once: the run's schedule.

    Attributes:
        calendar: The date/step conversion.
        horizon: Index of the last step.
        step_weeks: A step's length in weeks (rates per week are raised to it).
        elections: Party -> ``(step of the vote, amplitude, tau in steps)`` per election.
        hard_deadlines: Party -> step of its hard deadline, or None.
        summits: Summits in order of their start.
        events_at: Step -> the ``(name, event)`` pairs applied in it.
        walkout_steps: ``protocol.walkout_weeks`` in steps.
        summit_lead: ``protocol.summit_lead_weeks`` in steps.
        rounds: Step -> number of the negotiating round held in it.
        round_steps: The steps holding a round, in order.
    """

    calendar: StepCalendar
    horizon: int
    step_weeks: float
    elections: dict[str, list[tuple[float, float, float]]]
    hard_deadlines: dict[str, int | None]
    summits: list[SummitDate]
    events_at: dict[int, list[tuple[str, Any]]]
    walkout_steps: float
    summit_lead: float
    rounds: dict[int, int]
    round_steps: list[int]

    @classmethod
    def of(cls, scenario: Scenario) -> Timeline:
        """The timeline of a (drawn) scenario."""
        c = scenario.calendar
        cal = StepCalendar(c.start, c.end, c.step_days)
        parties = list(scenario.parties)
        elections = {
            p: [
                (
                    cal.steps_until(e.date),
                    float(e.amplitude),
                    cal.weeks_to_steps(float(e.tau_weeks)),
                )
                for e in party.elections.values()
            ]
            for p, party in scenario.parties.items()
        }
        hard = {
            p: (cal.step_of(party.hard_deadline) if party.hard_deadline else None)
            for p, party in scenario.parties.items()
        }
        summits = sorted(
            (
                SummitDate(
                    name,
                    s.label,
                    cal.step_of(s.start),
                    cal.step_of(s.end or s.start),
                    tuple(s.parties or parties),
                    float(s.cost),
                )
                for name, s in scenario.summits.items()
            ),
            key=lambda s: s.start,
        )
        events_at: dict[int, list[tuple[str, Any]]] = {}
        for name, event in scenario.events.items():
            events_at.setdefault(cal.first_step_on_or_after(event.date), []).append((name, event))
        protocol = scenario.protocol
        # Negotiators meet every ``round_days`` days from the start, whatever the step: how
        # often they meet is a fact about the talks, not about the simulation's resolution.
        days = range(0, (c.end - c.start).days + 1, protocol.round_days)
        round_steps = sorted({day // c.step_days for day in days})
        return cls(
            calendar=cal,
            horizon=cal.horizon,
            step_weeks=c.step_days / 7.0,
            elections=elections,
            hard_deadlines=hard,
            summits=summits,
            events_at=events_at,
            walkout_steps=cal.weeks_to_steps(protocol.walkout_weeks),
            summit_lead=cal.weeks_to_steps(protocol.summit_lead_weeks),
            rounds={step: k for k, step in enumerate(round_steps)},
            round_steps=round_steps,
        )

    def last_round_by(self, step: int) -> int:
        """The step of the last round held at or before ``step`` (``step`` if none is).

        Negotiators plan to have conceded all they will by the last meeting before a
        deadline; at any step length that is the same calendar day.
        """
        i = bisect.bisect_right(self.round_steps, step)
        return self.round_steps[i - 1] if i > 0 else step
