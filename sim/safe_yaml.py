"""Reading YAML that may be hostile: scenario files, sweep specs and ``--set`` values.

``yaml.safe_load`` never runs code from a file, but it still lets a document do harm or say
something other than what its author meant. This loader closes those gaps, each with a one-line
``ScenarioError`` (exit code 2 on the command line):

- **Duplicate keys** are errors (plain YAML lets the second one silently win).
- **Dates stay text** until the schema parses them, so an impossible date (``2019-13-45``,
  ``2025-02-30``) is reported against its field instead of crashing the parser.
- **Size is bounded before anything walks the document**: the file's bytes, the nesting depth
  (a 20,000-level document would exhaust Python's stack) and the number of values once aliases
  are expanded (a "billion laughs" alias bomb is a few hundred bytes that expand to 10^9
  values).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from sim.errors import ScenarioError

MAX_BYTES = 1_000_000
"""Largest YAML file read (the bundled scenarios are about 10 kB)."""

MAX_DEPTH = 64
"""Deepest nesting of mappings and lists accepted."""

MAX_VALUES = 100_000
"""Most values (mapping entries and list items) a document may hold once aliases are expanded."""


class YamlProblem(ValueError):
    """A document the loader refuses; ``where`` says where, ``problem`` says why."""

    def __init__(self, where: str, problem: str) -> None:
        self.where = where
        self.problem = problem
        super().__init__(f"{where}{problem}")


class _Loader(yaml.SafeLoader):
    """``SafeLoader`` without implicit timestamps, with a depth bound and unique keys."""

    _depth = 0

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                mark = self.peek_event().start_mark
                raise YamlProblem(
                    f"line {mark.line + 1}: ", f"nested more than {MAX_DEPTH} levels deep"
                )
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            try:
                duplicate = key in seen
            except TypeError:  # an unhashable key: let the base class report it
                break
            if duplicate:
                line = key_node.start_mark.line + 1
                raise YamlProblem(f"line {line}: ", f"duplicate key {key!r}")
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


# Dates are left as text for the schema to parse (``yaml.SafeLoader`` would turn 2019-07-21 into
# a date, and 2019-13-45 into a ValueError from deep inside the parser).
_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _expanded_size(root: Node) -> int:
    """Values in the document with every alias expanded, counted without expanding them.

    Aliases share nodes, so the count is memoised per node: linear in the composed document
    even when its expansion is astronomically large.
    """
    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()  # nodes whose children are being counted
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        if id(node) in sizes:
            continue
        if not children_done and id(node) in open_nodes:
            raise YamlProblem(
                f"line {node.start_mark.line + 1}: ", "an alias refers to a value that holds it"
            )
        if isinstance(node, ScalarNode):
            sizes[id(node)] = 1
            continue
        children: list[Node] = []
        if isinstance(node, SequenceNode):
            children = list(node.value)
        elif isinstance(node, MappingNode):
            children = [n for pair in node.value for n in pair]
        if not children_done:
            open_nodes.add(id(node))
            stack.append((node, True))
            stack.extend((c, False) for c in children if id(c) not in sizes)
            continue
        open_nodes.discard(id(node))
        total = 1 + sum(sizes.get(id(c), 0) for c in children)
        sizes[id(node)] = min(total, MAX_VALUES + 1)
    return sizes[id(root)]


def parse(text: str) -> Any:
    """Parse one YAML document with the bounds above.

    Raises:
        YamlProblem: for a document the bounds refuse (too deep, too large, duplicate keys).
        yaml.YAMLError: for text that is not YAML.
    """
    loader = _Loader(text)
    try:
        root = loader.get_single_node()
        if root is None:
            return None
        if _expanded_size(root) > MAX_VALUES:
            raise YamlProblem(
                "", f"holds more than {MAX_VALUES:,} values once its aliases are expanded"
            )
        return loader.construct_document(root)
    except RecursionError:  # a bound above should come first; never a traceback
        raise YamlProblem("", f"nested more than {MAX_DEPTH} levels deep") from None
    except ValueError as exc:  # a constructor's refusal, e.g. an integer of 5,000 digits
        if isinstance(exc, YamlProblem):
            raise
        if "digits" in str(exc):
            raise YamlProblem("", "holds a number too long to read (over 4,300 digits)") from None
        raise YamlProblem("", f"holds a value that cannot be read ({exc})") from None
    finally:
        loader.dispose()


def read_yaml(path: Path) -> dict[str, Any]:
    """Parse a YAML mapping from a file, turning every failure into a one-line error."""
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise ScenarioError(
                str(path), "", f"is {size:,} bytes; a scenario or spec may hold {MAX_BYTES:,}"
            )
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(str(path), "", f"cannot read: {exc}") from None
    data = parse_or_explain(text, str(path))
    if not isinstance(data, dict):
        raise ScenarioError(str(path), "", "must hold a mapping of fields")
    return data


def read_spec_file(path: str | Path) -> dict[str, Any]:
    """``read_yaml`` for a spec named on the command line: a missing file is a user's mistake.

    Whatever else goes wrong reading it (a file that vanishes or turns unreadable between the
    check and the read, a value the parser refuses) is the same one-line error, never a trace.
    """
    file = Path(path)
    try:
        if not file.is_file():
            raise ScenarioError(str(path), "", "no such file")
        return read_yaml(file)
    except ScenarioError:
        raise
    except (OSError, ValueError, RecursionError) as exc:
        raise ScenarioError(str(path), "", f"cannot read: {type(exc).__name__}: {exc}") from None


def parse_or_explain(text: str, source: str, field: str = "") -> Any:
    """``parse`` with every failure as a ``ScenarioError`` naming ``source`` and ``field``."""
    try:
        return parse(text)
    except YamlProblem as exc:
        raise ScenarioError(source, field, f"{exc.where}{exc.problem}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or "unparseable"
        raise ScenarioError(source, field, f"not valid YAML{where}: {problem}") from None
