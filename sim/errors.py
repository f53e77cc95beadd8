"""The one error a user can cause: a bad scenario, parameter or file."""

from __future__ import annotations


class ScenarioError(Exception):
    """A user mistake in a scenario file, a ``--set`` override or a path.

    The command line prints it as one line (``file: field: problem``) and exits with code 2,
    so the message must name the file, the dotted field and the problem.
    """

    def __init__(self, source: str, field: str, problem: str) -> None:
        self.source = source
        self.field = field
        self.problem = problem
        super().__init__(str(self))

    def __str__(self) -> str:
        parts = [p for p in (self.source, self.field) if p]
        return ": ".join([*parts, self.problem])
