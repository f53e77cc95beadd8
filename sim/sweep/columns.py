"""The columns of a sweep's dataset: identity, varied parameters, flattened outcome, error."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pyarrow as pa

from sim.sweep.plan import Plan
from sim.sweep.spec import OUTCOME_GROUPS


def outcome_columns(plan: Plan) -> list[tuple[str, pa.DataType]]:
    """Outcome columns and their types, for the scenario's sectors and parties."""
    groups = list(OUTCOME_GROUPS) if plan.spec.outcomes is None else plan.spec.outcomes
    sectors = list(plan.scenario.sectors)
    parties = list(plan.scenario.parties)
    per_group: dict[str, list[tuple[str, pa.DataType]]] = {
        "agreement": [("agreement", pa.bool_())],
        "ended": [("ended", pa.string())],
        "reason": [("reason", pa.string())],
        "step": [("step", pa.int64())],
        "date": [("date", pa.string())],
        "concessions": [(f"concessions.{s}", pa.float64()) for s in sectors],
        "utilities": [(f"utilities.{p}", pa.float64()) for p in parties],
        "gains": [(f"gains.{p}", pa.float64()) for p in parties],
        "welfare": [(f"welfare.{p}", pa.float64()) for p in parties],
        "ratification_attempts": [("ratification_attempts", pa.int64())],
        "ratification_failures": [("ratification_failures", pa.int64())],
        "walked_out": [("walked_out", pa.string())],
        "pareto_gap": [("pareto_gap", pa.float64())],
        "nash": [(f"nash.{p}", pa.float64()) for p in parties],
    }
    return [col for g in OUTCOME_GROUPS if g in groups for col in per_group[g]]


def parameter_type(values: Sequence[Any]) -> pa.DataType:
    """Numbers are stored as floats, anything else (dates) as text."""
    numeric = all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)
    return pa.float64() if numeric else pa.string()


def runs_schema(plan: Plan) -> pa.Schema:
    """The schema of the runs table: identity, parameters, outcome, error."""
    fields = [
        ("run_id", pa.int64()),
        ("point", pa.int64()),
        ("replicate", pa.int64()),
        ("seed", pa.int64()),
    ]
    for path in plan.parameters:
        fields.append((path, parameter_type([p[path] for p in plan.points])))
    fields += outcome_columns(plan)
    fields.append(("error", pa.string()))
    return pa.schema(fields)


def timeseries_schema(columns: Sequence[str]) -> pa.Schema:
    """The schema of the sampled time series (``run_id`` and the model's columns)."""
    kinds = {"step": pa.int64(), "date": pa.string(), "status": pa.string(), "zone": pa.bool_()}
    return pa.schema([("run_id", pa.int64())] + [(c, kinds.get(c, pa.float64())) for c in columns])


def coerce_parameter(value: Any, kind: pa.DataType) -> Any:
    """A design value as stored: float, or its text (ISO for dates)."""
    if kind == pa.float64():
        return float(value)
    return value.isoformat() if hasattr(value, "isoformat") else str(value)
