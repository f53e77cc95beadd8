"""Dates and steps: every scenario date is converted to a step index once, here."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass


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
