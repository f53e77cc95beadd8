"""The varied parameters: their names, their levels or bins, and how to draw them.

A grid parameter is grouped by its listed levels; a continuous one (``lhs``, ``sobol``, or a
grid of more than 12 values) by quantile bins of the design. Parameters are named for
readers ("United States tactic beta"), not by their dotted paths.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sim.calendar import possessive
from sim.plots.calendar import short_label
from sim.plots.style import level_colours, wrap
from sim.sweep.plots.data import Results

ELECTION_DATE = re.compile(r"^parties\.([^.]+)\.elections\.([^.]+)\.date$")
MAX_LEVELS = 8
"""Most levels a parameter may have to get one curve (or colour) each."""
MARKERS = ("o", "s", "^", "D", "v", "P")
LOG_SPAN = 4.0
"""A grid of positive numbers spanning at least this factor is drawn on a log axis."""


# --- names ---------------------------------------------------------------------------------


def _owner(results: Results, parts: list[str]) -> tuple[str, list[str]]:
    """Who a parameter belongs to, in words, and the rest of its path."""
    scenario = results.scenario
    if scenario is None or len(parts) < 2:
        return "", parts
    kind, key, rest = parts[0], parts[1], parts[2:]
    if kind == "parties" and key in scenario.parties:
        party = scenario.parties[key]
        if rest[:1] == ["elections"] and len(rest) > 1 and rest[1] in party.elections:
            return party.elections[rest[1]].label or f"{party.label} election", rest[2:]
        if rest[:1] == ["ratifier"]:
            return f"{possessive(party.label)} ratifier", rest[1:]
        return party.label, rest
    blocks = {"lobbies": scenario.lobbies, "sectors": scenario.sectors, "summits": scenario.summits}
    if kind in blocks and key in blocks[kind]:
        return blocks[kind][key].label.split(" (")[0], rest
    if kind == "events" and key in scenario.events:
        return short_label(scenario.events[key].label, 30), rest
    return "", parts


def param_label(results: Results, path: str) -> str:
    """A parameter's name for readers: 'United States tactic beta', 'JA-Zenchu strength'."""
    owner, rest = _owner(results, path.split("."))
    words = " ".join(part.replace("_", " ") for part in rest)
    return f"{owner} {words}".strip() if owner else words


def param_doc(results: Results, path: str) -> str:
    """The parameter's one-line meaning, from the scenario's schema (empty without it)."""
    return results.param_docs.get(path, "")


def axis_label(results: Results, path: str, width: int = 52) -> str:
    """The parameter's name, then its meaning on the next line(s), words never split."""
    doc = param_doc(results, path)
    return param_label(results, path) + (f"\n{wrap(doc, width)}" if doc else "")


def varied_elections(results: Results) -> dict[str, tuple[str, str]]:
    """Varied parameters that are election dates: path -> (party, election)."""
    out = {}
    for path in results.parameters:
        match = ELECTION_DATE.match(path)
        if match:
            out[path] = (match.group(1), match.group(2))
    return out


# --- values and groups ---------------------------------------------------------------------


def _param_spec(results: Results, path: str) -> Any:
    return (results.spec.get("parameters") or {}).get(path)


def is_log(results: Results, path: str) -> bool:
    """Whether the parameter's range was sampled on a log scale (``{"log": true}``)."""
    spec = _param_spec(results, path)
    return bool(spec.get("log")) if isinstance(spec, dict) else False


def value_kind(values: pd.Series) -> str:
    """``number``, ``date`` (ISO strings) or ``category``."""
    if pd.api.types.is_bool_dtype(values):
        return "category"
    if pd.api.types.is_numeric_dtype(values):
        return "number"
    if pd.api.types.is_datetime64_any_dtype(values):
        return "date"
    present = values.dropna()
    if len(present):
        parsed = pd.to_datetime(present.astype(str), errors="coerce", format="ISO8601")
        if parsed.notna().all():
            return "date"
    return "category"


def log_scale(results: Results, path: str) -> bool:
    """Draw the parameter on a log axis: sampled on one, or a grid of ratios (0.25 ... 4)."""
    spec = _param_spec(results, path)
    if isinstance(spec, dict):  # a range: sampled on a log scale or not
        return bool(spec.get("log"))
    if path not in results.runs or value_kind(results.runs[path]) != "number":
        return False
    values = results.runs[path].dropna().astype(float)
    return bool(len(values)) and values.min() > 0 and values.max() / values.min() >= LOG_SPAN


def _as_axis(values: pd.Series, kind: str) -> pd.Series:
    if kind == "date":
        return pd.to_datetime(values.astype(str), format="ISO8601")
    if kind == "number":
        return values.astype(float)
    return values.astype(str)


def _is_continuous(results: Results, path: str, kind: str, n_unique: int) -> bool:
    if kind == "category":
        return False
    spec = _param_spec(results, path)
    if isinstance(spec, list):
        return False
    if isinstance(spec, dict):
        return n_unique > 12 or results.design != "grid"
    return n_unique > 12


def fmt(value: Any) -> str:
    """A level as text: '0.25', '2019-07-21'."""
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    if isinstance(value, float | np.floating):
        return f"{float(value):.3g}"
    return str(value)


def short_range(low: Any, high: Any) -> str:
    """A bin's range for a tick label: '0.27–0.51', or '7 Jun–' '6 Jul' for dates."""
    if isinstance(low, pd.Timestamp):
        return f"{low.day} {low:%b}–\n{high.day} {high:%b}"
    return f"{fmt(low)}–{fmt(high)}"


def _to_number(values: pd.Series, kind: str) -> np.ndarray:
    if kind == "date":
        return values.astype("datetime64[ns]").astype("int64").to_numpy(dtype=float)
    return values.to_numpy(dtype=float)


def _from_number(values: np.ndarray, kind: str) -> list[Any]:
    if kind == "date":
        return [pd.Timestamp(round(v)).normalize() for v in values]
    return [float(v) for v in values]


def group_by_parameter(
    results: Results, path: str, *, bins: int | None = None
) -> tuple[pd.Series, pd.DataFrame, str]:
    """Group the completed runs by a parameter's level (grid) or by a bin of it (continuous).

    Bins are quantiles of the design points' values, so each holds about as many points.

    Args:
        results: The sweep.
        path: A varied parameter's dotted path.
        bins: Number of bins for a continuous parameter (default: about the square root of the
            number of distinct values, between 3 and 10).

    Returns:
        ``(group, table, kind)``: the group number of each completed run (indexed like
        ``results.ok``; -1 for none); one row per group with ``level`` (the value, or the
        bin's median), ``low`` and ``high`` (the bin's edges; the value itself for a level)
        and ``label``; and the values' kind (``number``, ``date`` or ``category``).

    """
    runs = results.ok
    if path not in runs:
        raise KeyError(f"{path!r} is not a column of the runs (varied: {results.parameters})")
    kind = value_kind(runs[path])
    values = _as_axis(runs[path], kind)
    uniq = sorted(values.dropna().unique())
    if not _is_continuous(results, path, kind, len(uniq)):
        levels = [pd.Timestamp(v) if kind == "date" else v for v in uniq]
        index = {v: i for i, v in enumerate(levels)}
        group = values.map(lambda v: index.get(v, -1) if pd.notna(v) else -1)
        table = pd.DataFrame(
            {"level": levels, "low": levels, "high": levels, "label": [fmt(v) for v in levels]}
        )
        return group.astype(int), table, kind
    x = _to_number(values, kind)
    points = results.points
    design = _to_number(_as_axis(points[path].dropna(), kind), kind) if len(points) else x
    k = bins or min(10, max(3, round(math.sqrt(len(np.unique(design))))))
    edges = np.unique(np.quantile(design, np.linspace(0.0, 1.0, k + 1)))
    if len(edges) < 2:
        edges = np.array([edges[0], edges[0]])
    code = np.clip(np.searchsorted(edges[1:-1], x, side="right"), 0, len(edges) - 2)
    group = pd.Series(np.where(np.isfinite(x), code, -1), index=runs.index, dtype=int)
    medians = [
        float(np.median(x[code == i])) if np.any(code == i) else (edges[i] + edges[i + 1]) / 2
        for i in range(len(edges) - 1)
    ]
    lows, highs = _from_number(edges[:-1], kind), _from_number(edges[1:], kind)
    table = pd.DataFrame(
        {
            "level": _from_number(np.array(medians), kind),
            "low": lows,
            "high": highs,
            "label": [f"{fmt(a)}–{fmt(b)}" for a, b in zip(lows, highs, strict=True)],
        }
    )
    return group, table, kind


def is_binned(table: pd.DataFrame) -> bool:
    """Whether a group table holds bins (continuous) rather than levels (grid)."""
    return bool((table["low"] != table["high"]).any())


def level_grouping(results: Results) -> str | None:
    """The parameter whose levels get one curve (or colour) each, if any.

    An election date if one is varied, else the first varied parameter, provided it has
    between 2 and ``MAX_LEVELS`` levels (a grid parameter, not binned).
    """
    candidates = list(varied_elections(results)) + results.parameters
    for path in dict.fromkeys(candidates):
        if path not in results.runs:
            continue
        _, table, _ = group_by_parameter(results, path)
        if 2 <= len(table) <= MAX_LEVELS and not is_binned(table):
            return path
    return None


@dataclass
class DesignLevels:
    """Each completed run's design level, and how to draw it.

    Attributes:
        code: Each completed run's row in ``table`` (indexed like ``results.ok``; -1: none).
        table: One row per level: ``label``, ``colour`` and ``marker``.
        colour_key: ``(parameter name, [(level label, colour), ...])``.
        marker_key: The same for markers, or None when one parameter sets the colour alone.

    """

    code: pd.Series
    table: pd.DataFrame
    colour_key: tuple[str, list[tuple[str, Any]]]
    marker_key: tuple[str, list[tuple[str, str]]] | None = None


def design_levels(results: Results) -> DesignLevels | None:
    """Colour (and marker) for each run, by what the sweep varied.

    Two grid parameters of at most ``MAX_LEVELS`` and ``len(MARKERS)`` levels: the first gives
    the colour and the second the marker. Otherwise the first parameter alone, by level or
    quartile. None without a varied parameter.
    """
    params = [p for p in results.parameters if p in results.runs]
    if not params:
        return None
    first, t1, _ = group_by_parameter(results, params[0], bins=4)
    colours = level_colours(len(t1))
    colour_key = (param_label(results, params[0]), list(zip(t1["label"], colours, strict=True)))
    if len(params) > 1 and not is_binned(t1) and len(t1) <= MAX_LEVELS:
        second, t2, _ = group_by_parameter(results, params[1], bins=4)
        if not is_binned(t2) and len(t2) <= len(MARKERS):
            rows = [
                {"label": f"{a}, {b}", "colour": colours[i], "marker": MARKERS[j]}
                for i, a in enumerate(t1["label"])
                for j, b in enumerate(t2["label"])
            ]
            code = np.where((first >= 0) & (second >= 0), first * len(t2) + second, -1)
            marker_key = (
                param_label(results, params[1]),
                list(zip(t2["label"], MARKERS, strict=False)),
            )
            return DesignLevels(
                pd.Series(code, index=first.index, dtype=int),
                pd.DataFrame(rows),
                colour_key,
                marker_key,
            )
    rows = [
        {"label": label, "colour": colours[i], "marker": "o"} for i, label in enumerate(t1["label"])
    ]
    return DesignLevels(first.astype(int), pd.DataFrame(rows), colour_key)
