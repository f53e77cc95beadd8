"""Every design point of a sweep is a scenario that ``negsim run`` accepts.

Each value is validated in its block, then each point's values together pass the
scenario-wide check (``sim.scenario.check_consistency``), so a grid cannot pair an election
with a calendar that starts after it, nor a red line's minimum with a lower maximum. The
whole-scenario check is cached by the values it actually reads, so a large grid costs a few
full checks, not one per point.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel

from sim.errors import ScenarioError
from sim.scenario import Scenario, check_consistency, parameter_paths, set_parameter
from sim.sweep.spec import Range, SweepSpec, brief


class _Traced(float):
    """A parameter value that notes in ``reads`` when anything looks at it.

    ``PointChecker`` gives the scenario-wide check these in place of the values it has not yet
    seen the check use: a value the check never reads cannot change its verdict.
    """

    __slots__ = ("path", "reads")
    path: str
    reads: set[str]

    def __new__(cls, value: float, path: str, reads: set[str]) -> _Traced:
        obj = super().__new__(cls, value)
        obj.path, obj.reads = path, reads
        return obj


def _noting(name: str) -> Any:
    method = getattr(float, name)

    def noted(self: _Traced, *args: Any) -> Any:
        self.reads.add(self.path)
        return method(float.__float__(self), *args)

    return noted


_NOT_READS = {
    "__new__", "__init__", "__getattribute__", "__setattr__", "__delattr__", "__class__",
    "__init_subclass__", "__subclasshook__", "__sizeof__", "__dir__", "__doc__", "fromhex",
    "__getformat__", "__reduce__", "__reduce_ex__", "__getstate__",
}  # fmt: skip
for _name in dir(float):
    if _name not in _NOT_READS and callable(getattr(float, _name)):
        setattr(_Traced, _name, _noting(_name))
for _name in ("real", "imag"):
    setattr(_Traced, _name, property(_noting("__float__")))


def _value_key(value: Any) -> Any:
    """A hashable key for a design value (its type counts: 1 and 1.0 may validate apart)."""
    if value is None or isinstance(value, bool | int | float | str):
        return (type(value).__name__, value)
    return ("json", json.dumps(value, sort_keys=True, default=str))


def _leaf(root: Any, path: str) -> Any:
    node = root
    for part in path.split("."):
        node = getattr(node, part) if isinstance(node, BaseModel) else node[part]
    return node


def _with_leaf(root: Any, path: str, value: Any) -> Any:
    """A copy of ``root`` with one leaf replaced, without validation (blocks are shared)."""
    parts = path.split(".")
    chain = []
    node = root
    for part in parts[:-1]:
        chain.append((node, part))
        node = getattr(node, part) if isinstance(node, BaseModel) else node[part]
    chain.append((node, parts[-1]))
    for container, key in reversed(chain):
        if isinstance(container, BaseModel):
            value = container.model_copy(update={key: value})
        else:
            value = {**container, key: value}
    return value


def _owner_validates_jointly(root: Any, path: str) -> bool:
    """Whether the block holding ``path`` has validators that look at several fields.

    Two varied values in such a block must be validated together (``set_parameter`` validates
    one value at a time against the others' current values).
    """
    owner, node = root, root
    for part in path.split(".")[:-1]:
        node = getattr(node, part) if isinstance(node, BaseModel) else node[part]
        if isinstance(node, BaseModel):
            owner = node
    decorators = type(owner).__pydantic_decorators__
    return bool(decorators.model_validators or decorators.field_validators)


class PointChecker:
    """Checks that each design point is a scenario ``negsim run`` accepts, fast.

    Each distinct value is validated once in its block (``set_parameter``), and its validated
    form kept. The scenario-wide check (``check_consistency``, about 50 us) would cost a
    minute over a million points, so its verdicts are cached by the values of only the
    parameters it reads. Which ones it reads is observed, not assumed: values are handed to it
    wrapped in ``_Traced`` floats that note any use (comparison, arithmetic, formatting,
    conversion). A parameter whose values were never read cannot change a verdict; one that
    is read joins the cache key and the point is checked again. Values that are not plain
    numbers (dates, names, distributions) and values in blocks with joint validators always
    count as read. Typical sweeps (strengths, tactics, floors) need one check in all, and an
    election date varied over six days six checks; a 160,000-point grid is checked in about
    a second. The one assumption: the check looks at numbers through Python's operators and
    conversions, not through C code that reads a float's value directly (``math.isclose``);
    ``tests/sweep/test_sweep_limits.py`` compares this with checking every point in full.
    """

    def __init__(self, base: Scenario, spec: SweepSpec, source: str) -> None:
        self.base, self.source = base, source
        self.paths = list(spec.parameters)
        self.joint = {p for p in self.paths if _owner_validates_jointly(base, p)}
        self.ranges = {p for p, v in spec.parameters.items() if isinstance(v, Range)}
        self.valid: dict[str, dict[Any, Any]] = {p: {} for p in self.paths}
        known = parameter_paths(base)
        for path, values in spec.parameters.items():
            if isinstance(values, Range):
                self._check_range(path, values, known[path])
            else:
                for value in values:
                    self.validated(path, value)
        self.read: list[str] = [
            p
            for p in self.paths
            if p in self.joint or any(type(v) is not float for v in self.valid[p].values())
        ]
        self.verdicts: dict[tuple[Any, ...], str | None] = {}

    def validated(self, path: str, value: Any) -> Any:
        """``value`` as its block stores it (a date for an ISO text, a float for an int).

        Raises:
            ScenarioError: the block refuses the value.
        """
        key = _value_key(value)
        cache = self.valid[path]
        if key not in cache:
            try:
                cache[key] = _leaf(set_parameter(self.base, path, value), path)
            except ScenarioError as exc:
                raise ScenarioError(self.source, f"parameters.{path}", exc.problem) from None
        return cache[key]

    def _check_range(self, path: str, values: Range, current: Any) -> None:
        if isinstance(current, bool | int):
            raise ScenarioError(
                self.source,
                f"parameters.{path}",
                "takes whole numbers: give it a list of values in a grid design",
            )
        # Every bound a field can have is an interval: both ends valid, all between valid.
        for end in (values.low, values.high):
            if type(self.validated(path, end)) is not float:
                raise ScenarioError(
                    self.source, f"parameters.{path}", "a range needs a numeric parameter"
                )

    def _value(self, path: str, value: Any) -> Any:
        # A float in a range whose ends are valid is stored as it is.
        return value if path in self.ranges else self.validated(path, value)

    def _scenario(self, point: dict[str, Any], reads: set[str]) -> Scenario:
        scenario = self.base
        for path in self.paths:
            if path in self.joint:
                scenario = set_parameter(scenario, path, point[path])
                continue
            value = self._value(path, point[path])
            if path not in self.read:
                value = _Traced(value, path, reads)
            scenario = _with_leaf(scenario, path, value)
        return scenario

    def check(self, index: int, point: dict[str, Any]) -> None:
        """Check design point ``index``.

        Raises:
            ScenarioError: naming the point, its values and the scenario-wide problem.
        """
        while True:
            key = tuple(_value_key(point[p]) for p in self.read)
            if key in self.verdicts:
                problem = self.verdicts[key]
                break
            reads: set[str] = set()
            try:
                check_consistency(self._scenario(point, reads), self.source)
                problem = None
            except ScenarioError as exc:
                problem = f"{exc.field}: {exc.problem}" if exc.field else exc.problem
            except Exception:
                if len(self.read) == len(self.paths):
                    raise
                reads = set(self.paths)  # a check that a traced value upset: trace nothing
            if reads - set(self.read):
                self.read = [p for p in self.paths if p in reads or p in self.read]
                self.verdicts.clear()
                continue
            self.verdicts[key] = problem
            break
        if problem is not None:
            shown = self.read or self.paths
            values = ", ".join(f"{p}={brief(point[p])}" for p in shown)
            raise ScenarioError(
                self.source,
                f"parameters (design point {index}: {values})",
                f"not a scenario negsim run accepts: {problem}",
            )
