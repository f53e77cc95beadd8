"""The one error a user can cause: a bad scenario, parameter or file."""

from __future__ import annotations

MAX_PART = 240
"""Longest source, field or problem text shown: a message stays one short line whatever the
input (a value built to be huge, such as a YAML alias bomb, is cut, not printed whole)."""


def shorten(text: str, limit: int = MAX_PART) -> str:
    """``text`` on one line and at most ``limit`` characters (the middle cut out)."""
    flat = " ".join(str(text).split())
    if len(flat) <= limit:
        return flat
    keep = (limit - 5) // 2
    return f"{flat[:keep]} ... {flat[-keep:]}"


class ScenarioError(Exception):
    """A user mistake in a scenario file, a ``--set`` override, a spec or a path.

    The command line prints it as one line (``file: field: problem``) and exits with code 2,
    so the message must name the file, the dotted field and the problem. Each part is cut to
    ``MAX_PART`` characters and newlines are folded, so the line stays short.
    """

    def __init__(self, source: str, field: str, problem: str) -> None:
        self.source = shorten(source)
        self.field = shorten(field)
        self.problem = shorten(problem)
        super().__init__(str(self))

    def __reduce__(self) -> tuple[type[ScenarioError], tuple[str, str, str]]:
        # Picklable with its three parts (it travels back from sweep workers).
        return (type(self), (self.source, self.field, self.problem))

    def __str__(self) -> str:
        parts = [p for p in (self.source, self.field) if p]
        return ": ".join([*parts, self.problem])
