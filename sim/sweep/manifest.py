"""A sweep folder's ``manifest.json``: its shape, checked before anything trusts it.

The manifest holds the spec, the plan's shape, the versions that made the dataset and the
sessions that wrote it. A manifest of the wrong shape (a foreign or damaged file) is a
one-line error, never an ``AttributeError`` deep inside a resume.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import platform
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr, ValidationError

from sim.errors import ScenarioError
from sim.sweep.spec import Range

MAX_MANIFEST_BYTES = 64_000_000
"""Largest manifest read (one holds the spec, itself at most 1 MB of YAML, and a few fields)."""


def now() -> str:
    """The time now, in UTC, to the second (ISO)."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


class SobolShape(BaseModel):
    """``manifest["sobol"]``: the Saltelli layout's base rows and parameters."""

    n: Annotated[StrictInt, Field(ge=1)]
    d: Annotated[StrictInt, Field(ge=1)]


class MorrisShape(BaseModel):
    """``manifest["morris"]``: the trajectories, parameters and grid levels of a Morris design."""

    r: Annotated[StrictInt, Field(ge=1)]
    d: Annotated[StrictInt, Field(ge=1)]
    levels: Annotated[StrictInt, Field(ge=2)]


class SpecView(BaseModel):
    """``manifest["spec"]``: the spec fields that readers look at."""

    model_config = ConfigDict(extra="allow")

    scenario: StrictStr | None = None
    design: StrictStr | None = None
    parameters: dict[str, Any] | None = None
    replicates: Annotated[StrictInt, Field(ge=1)] | None = None


class ManifestView(BaseModel):
    """The manifest fields that readers (``read_results``, the plots) rely on."""

    model_config = ConfigDict(extra="allow")

    spec: SpecView = Field(default_factory=SpecView)
    parameters: list[StrictStr] = Field(default_factory=list)
    n_points: Annotated[StrictInt, Field(ge=0)] | None = None
    n_runs: Annotated[StrictInt, Field(ge=0)] | None = None
    sobol: SobolShape | None = None
    morris: MorrisShape | None = None
    scenario_path: StrictStr | None = None
    finished: StrictStr | None = None


class Manifest(ManifestView):
    """The manifest fields a writer needs to resume: all present, each of the right type."""

    fingerprint: StrictStr
    batch_size: Annotated[StrictInt, Field(ge=1)]
    n_runs: Annotated[StrictInt, Field(ge=0)]
    sessions: list[dict[str, Any]]


def check_manifest(data: Any, source: str, *, writer: bool = False) -> dict[str, Any]:
    """``data`` if it has a manifest's shape, else a one-line error.

    Args:
        data: The parsed ``manifest.json``.
        source: The file, for the message.
        writer: Require what resuming needs (fingerprint, batch size, sessions), not only
            what reading needs.

    Raises:
        ScenarioError: naming the first field of the wrong type or missing.
    """
    if not isinstance(data, dict):
        raise ScenarioError(source, "", f"not a sweep manifest (a {type(data).__name__})")
    model = Manifest if writer else ManifestView
    try:
        model.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(p) for p in err["loc"])
        msg = "missing" if err["type"] == "missing" else err["msg"]
        raise ScenarioError(source, loc, f"not a sweep manifest: {msg}") from None
    for layout in ("sobol", "morris"):
        shape = data.get(layout)
        if shape and data.get("parameters") and shape["d"] > len(data["parameters"]):
            raise ScenarioError(
                source, f"{layout}.d", "not a sweep manifest: more than its parameters"
            )
    if data.get("morris"):  # the plot maps the points back onto the ranges
        ranges = (data.get("spec") or {}).get("parameters") or {}
        for path in data.get("parameters") or []:
            try:
                Range.model_validate(ranges.get(path))
            except ValidationError:
                raise ScenarioError(
                    source,
                    f"spec.parameters.{path}",
                    "not a sweep manifest: a morris design's parameters are ranges {low, high}",
                ) from None
    return data


def read_manifest(folder: Path, *, writer: bool = False) -> dict[str, Any] | None:
    """``folder/manifest.json`` checked for shape, or None if there is none.

    Raises:
        ScenarioError: unreadable, not JSON, or of the wrong shape.
    """
    path = folder / "manifest.json"
    try:
        if not path.is_file():
            return None
        if path.stat().st_size > MAX_MANIFEST_BYTES:
            raise ScenarioError(str(path), "", f"larger than {MAX_MANIFEST_BYTES:,} bytes")
        text = path.read_text(encoding="utf-8")
        data = json.loads(text)
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise ScenarioError(str(path), "", f"unreadable manifest: {exc}") from None
    return check_manifest(data, str(path), writer=writer)


def versions() -> dict[str, str]:
    """The versions of Python and the libraries that decide a run's numbers."""
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": platform.python_version()}
    for name in ("mesa", "numpy", "scipy", "pandas", "pyarrow", "pydantic"):
        with contextlib.suppress(PackageNotFoundError):
            out[name] = version(name)
    return out
