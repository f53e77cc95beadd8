"""Scenario files: reading, validating, ``--set`` overrides and parameters as dotted paths.

A scenario is a YAML file read by ``sim.safe_yaml`` (never executing code, bounded in size),
validated against the schema (``sim.schema``; value types and limits in ``sim.fields``) and
then as a whole (``sim.consistency``). Every parameter is a dotted path that ``negsim params``
lists and ``--set`` and sweeps accept.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from sim.consistency import check_consistency
from sim.distributions import Dist
from sim.errors import ScenarioError
from sim.safe_yaml import parse_or_explain, read_yaml
from sim.schema import Scenario

__all__ = [
    "Scenario",
    "apply_overrides",
    "bundled_scenarios",
    "check_consistency",
    "iter_parameters",
    "load_scenario",
    "parameter_paths",
    "read_yaml",
    "resolve_path",
    "set_parameter",
    "to_raw",
    "validate",
    "validation_problem",
    "with_overrides",
]


def iter_parameters(model: BaseModel, prefix: str = "") -> Iterator[tuple[str, Any, str]]:
    """Every settable leaf as ``(dotted.path, value, one-line meaning)``, in file order."""
    for name, field in type(model).model_fields.items():
        value = getattr(model, name)
        path = f"{prefix}{name}"
        doc = field.description or ""
        if isinstance(value, BaseModel) and not isinstance(value, Dist):
            yield from iter_parameters(value, path + ".")
        elif isinstance(value, dict) and name not in ("set", "add"):
            for key, item in value.items():
                if isinstance(item, BaseModel) and not isinstance(item, Dist):
                    yield from iter_parameters(item, f"{path}.{key}.")
                else:
                    yield f"{path}.{key}", item, f"{doc} ({key})"
        else:
            yield path, value, doc


def parameter_paths(scenario: Scenario) -> dict[str, Any]:
    """Dotted path -> value for every settable parameter."""
    return {path: value for path, value, _ in iter_parameters(scenario)}


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


def validation_problem(exc: ValidationError) -> tuple[str, str]:
    """A pydantic error as ``(dotted field, one-line problem)``; others are counted."""
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
        loc, msg = validation_problem(exc)
        raise ScenarioError(source, loc, msg) from None
    check_consistency(scenario, source)
    return scenario


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
    if isinstance(value, Dist):
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
        if isinstance(node, BaseModel) and not isinstance(node, Dist):
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
        loc, msg = validation_problem(exc)
        prefix = ".".join(parts[:owner_depth])
        raise ScenarioError(scenario.name, f"{prefix}.{loc}" if prefix else loc, msg) from None
    for container, key in reversed(chain[:owner_depth]):
        if isinstance(container, BaseModel):
            rebuilt = container.model_copy(update={key: rebuilt})
        else:
            rebuilt = {**container, key: rebuilt}
    rebuilt._uncertain = None  # blocks were replaced: find the distributions afresh
    return rebuilt
