"""The kinds of value a scenario holds, with the bounds that keep every run finite.

Each scenario field is one of these: a number that may also be a distribution (``num``), a
name usable in a dotted path (``Name``), an ISO date (``Date``) or a sector's protection level
(``Level``). Their limits are stated once here and named in every error message, so a user
who asks for something the model cannot compute gets one line saying what the limit is.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import Field, PlainValidator, TypeAdapter, ValidationError, WithJsonSchema

from sim.distributions import Dist, Distribution

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

    def validate(value: Any) -> float | Dist:
        if isinstance(value, Dist):
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
        float | Dist,
        PlainValidator(validate),
        WithJsonSchema({"anyOf": [{"type": "number"}, {"type": "object"}]}),
    ]


Unit = Annotated[float, Field(ge=0.0, le=1.0)]
