"""Validation: the patterns of the literature, measured on seeded ensembles with their sources.

::

    from sim.validation import run_patterns
    for result in run_patterns(seeds=100):
        print(result.pattern.title, result.holds)

``negsim validate`` writes the report (``docs/validation.md``).
"""

from sim.validation.checks import Check, Pattern, Result
from sim.validation.patterns import PATTERNS
from sim.validation.report import run_patterns, validate, write_report

__all__ = ["PATTERNS", "Check", "Pattern", "Result", "run_patterns", "validate", "write_report"]
