"""A calibration spec checked against its scenario: the plan a calibration runs.

``load_calibration`` reads and validates a spec (``sim.calibration.spec``), then checks it
against the base scenario, each problem one line naming the file, the field and the problem:

- a free parameter must be a numeric path that ``negsim params`` lists;
- its prior must be possible: bounds that keep some of the distribution's mass, and every
  value the prior can draw one that the parameter allows (each end of the prior's range is
  set into the scenario and validated as ``negsim run --set`` would);
- a sector target names a sector of the scenario, in that sector's own unit, at a level the
  sector can reach (between today's protection and free trade);
- date targets fall within the scenario's calendar.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import ValidationError

from sim.calibration.priors import MIN_MASS, BoundedRV
from sim.calibration.spec import (
    NESTED,
    CalibrationSpec,
    NoDealBeforeTarget,
    SectorTarget,
    WindowTarget,
)
from sim.calibration.targets import TargetRule
from sim.consistency import check_consistency
from sim.distributions import Dist
from sim.errors import ScenarioError
from sim.safe_yaml import read_spec_file
from sim.scenario import (
    Scenario,
    load_scenario,
    parameter_paths,
    resolve_path,
    set_parameter,
    validation_problem,
)
from sim.sweep.spec import brief


@dataclass
class CalibrationPlan:
    """A validated spec with its scenario, priors and target rules.

    Attributes:
        spec: The spec as written (scenario path made absolute).
        source: The spec file.
        scenario_path: The base scenario's file.
        scenario: The base scenario.
        scenario_text: The scenario file's text when the plan was made.
        priors: Dotted path -> its prior, in spec order.
        rules: The targets, in spec order.
    """

    spec: CalibrationSpec
    source: str
    scenario_path: Path
    scenario: Scenario
    scenario_text: str
    priors: dict[str, BoundedRV]
    rules: list[TargetRule]

    @property
    def paths(self) -> list[str]:
        """The free parameters' dotted paths."""
        return list(self.priors)

    @property
    def calibrated_name(self) -> str:
        """The calibrated scenario's name."""
        return self.spec.name or f"{self.scenario.name}_calibrated"

    def fingerprint(self) -> str:
        """Hash of everything that decides the posterior (spec and scenario text).

        ``predictive_runs`` and ``batch_size`` are left out: a finished fit may be re-checked
        with more predictive runs, and the batch size changes how work travels, not results.
        """
        spec = self.spec.model_dump(
            exclude={"scenario": True, "method": {"predictive_runs", "batch_size"}}
        )
        blob = json.dumps(spec, sort_keys=True, default=str) + self.scenario_text
        return hashlib.sha256(blob.encode()).hexdigest()[:16]


def load_calibration(path: str | Path) -> CalibrationPlan:
    """Read and validate a calibration spec and check it against its scenario.

    Raises:
        ScenarioError: naming the file, the field and the problem.
    """
    file = Path(path)
    source = str(path)
    data = read_spec_file(path)
    try:
        spec = CalibrationSpec.model_validate(data)
    except ValidationError as exc:
        loc, msg = validation_problem(exc)
        if NESTED in msg:
            inner, msg = msg.split(NESTED, 1)
            loc = f"{loc}.{inner}"
        if msg.startswith("unknown key") and "." not in loc:
            msg = "unknown key (spec keys: " + ", ".join(CalibrationSpec.model_fields) + ")"
        elif msg.startswith("unknown key") and loc.startswith("method."):
            msg = "unknown key (method keys: " + ", ".join(_method_keys()) + ")"
        raise ScenarioError(source, loc, msg) from None
    return plan_from_spec(spec, base=file.parent, source=source)


def _method_keys() -> list[str]:
    from sim.calibration.spec import MethodSpec

    return list(MethodSpec.model_fields)


def plan_from_spec(
    spec: CalibrationSpec, base: Path = Path("."), source: str = "<spec>"
) -> CalibrationPlan:
    """Check a validated spec against its scenario; scenario paths are relative to ``base``.

    Raises:
        ScenarioError: see the module's docstring.
    """
    try:
        candidate = base / spec.scenario
        scenario_path = resolve_path(candidate if candidate.is_file() else spec.scenario).resolve()
    except (ScenarioError, OSError, ValueError):
        raise ScenarioError(
            source, "scenario", f"no such scenario file {brief(spec.scenario)}"
        ) from None
    scenario = load_scenario(scenario_path)
    text = scenario_path.read_text(encoding="utf-8")
    priors = {
        path: _check_prior(scenario, path, prior, source) for path, prior in spec.parameters.items()
    }
    calendar = scenario.calendar
    rules = []
    for name, target in spec.targets.items():
        _check_target(scenario, name, target, source)
        rules.append(TargetRule(name, target, calendar.start, calendar.end, calendar.step_days))
    spec = spec.model_copy(update={"scenario": str(scenario_path)})
    return CalibrationPlan(spec, source, scenario_path, scenario, text, priors, rules)


def _check_prior(scenario: Scenario, path: str, prior: Any, source: str) -> BoundedRV:
    field = f"parameters.{path}"
    known = parameter_paths(scenario)
    if path not in known:
        raise ScenarioError(source, field, "no such parameter (see `negsim params`)")
    current = known[path]
    if isinstance(current, bool) or not isinstance(current, int | float | Dist):
        raise ScenarioError(
            source,
            field,
            f"is not a number (it holds {brief(current)}); only numbers can be fitted",
        )
    rv = BoundedRV(prior)
    lo, hi = rv.interval
    if not lo < hi or rv.mass < MIN_MASS:
        b = prior.bounds
        raise ScenarioError(
            source,
            field,
            f"impossible prior: the bounds [{b[0]:g}, {b[1]:g}] keep none of the"
            f" {prior.dist.dist} distribution's mass",
        )
    # The values the prior can reach, ends included (an open end is approached from inside).
    ends = [float(v) for v in rv.ppf(np.array([0.0, 1.0]))]
    if not all(math.isfinite(v) for v in ends):
        ends = [float(v) for v in rv.ppf(np.array([1e-15, 1 - 1e-15]))]
    for end in ends:
        problem = _refused(scenario, path, end)
        if problem and math.isfinite(end):
            inner = float(np.nextafter(end, (lo + hi) / 2 if math.isfinite(lo + hi) else 0.0))
            problem = _refused(scenario, path, inner) and problem
        if problem:
            raise ScenarioError(
                source,
                field,
                f"impossible prior: it can draw {end:g}, which the parameter refuses ({problem})",
            )
    return rv


def _refused(scenario: Scenario, path: str, value: float) -> str:
    """Why the scenario refuses ``value`` at ``path`` ('' if it accepts it)."""
    try:
        check_consistency(set_parameter(scenario, path, value), scenario.name)
    except ScenarioError as exc:
        return exc.problem
    return ""


def _check_target(scenario: Scenario, name: str, target: Any, source: str) -> None:
    field = f"targets.{name}"
    cal = scenario.calendar
    if isinstance(target, SectorTarget):
        if target.sector not in scenario.sectors:
            known = ", ".join(scenario.sectors)
            raise ScenarioError(
                source, f"{field}.sector", f"no sector {target.sector!r} (sectors: {known})"
            )
        sector = scenario.sectors[target.sector]
        if target.unit.strip() != sector.unit.strip():
            raise ScenarioError(
                source,
                f"{field}.unit",
                f"{target.unit!r} is not the unit of {target.sector} ({sector.unit!r});"
                " give the value in the sector's own unit",
            )
        lo, hi = sorted((sector.status_quo, sector.free_trade))
        if not lo - target.tolerance <= target.value <= hi + target.tolerance:
            raise ScenarioError(
                source,
                f"{field}.value",
                f"{target.value:g} is out of the sector's reach ({lo:g} to {hi:g} {sector.unit})",
            )
    dates = []
    if isinstance(target, WindowTarget):
        dates = [("from", target.start), ("to", target.end)]
    elif isinstance(target, NoDealBeforeTarget):
        dates = [("date", target.date)]
    for key, date in dates:
        if not cal.start <= date <= cal.end:
            raise ScenarioError(
                source,
                f"{field}.{key}",
                f"{date} is outside the scenario's calendar ({cal.start} to {cal.end})",
            )
