"""The validation report: every pattern's checks as a Markdown table, with one figure each.

``negsim validate --seeds 300 --out docs`` writes ``docs/validation.md`` and
``docs/validation/*.png``; the report states the command and seeds that made it, so every
figure in it can be reproduced.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from sim.files import output_folder, write_atomically, write_text
from sim.validation.checks import Check, Result
from sim.validation.ensembles import Ensembles
from sim.validation.patterns import PATTERNS


def run_patterns(
    seeds: int,
    keys: Iterable[str] | None = None,
    progress: Callable[[str], None] | None = None,
) -> list[Result]:
    """Measure the patterns named by ``keys`` (all by default) on ``seeds`` runs each."""
    ensembles = Ensembles(seeds, progress)
    chosen = list(keys) if keys else list(PATTERNS)
    return [PATTERNS[key].measure(ensembles) for key in chosen]


def _check_rows(check: Check) -> list[str]:
    mark = "yes" if check.holds else "**no**"
    rows = [f"| {check.label} | {check.estimate.text()} | {check.rule} | {mark} |"]
    if check.alternative is not None:
        alt = check.alternative
        rows.append(f"| or: {alt.label} | {alt.estimate.text()} | {alt.rule} | |")
    return rows


def markdown(results: list[Result], seeds: int, seconds: float, figures: str) -> str:
    """The report's text; ``figures`` is the figures' folder relative to the report."""
    held = sum(r.holds for r in results)
    lines = [
        "# Validation: the patterns negsim reproduces",
        "",
        f"Written by `negsim validate --seeds {seeds}` on {dt.date.today().isoformat()}"
        f" ({seconds:.0f} s). Each pattern runs seeded ensembles (seeds 0 to {seeds - 1} of"
        " every variant), so every figure below is reproduced exactly by the same command.",
        "A check holds when its whole 95% interval clears the line (Wilson intervals for"
        " shares, Newcombe's for differences of shares, normal intervals for means and Welch's"
        " for differences of means); a pattern holds when all its checks do. This is"
        " pattern-oriented modelling (Grimm et al. 2005): the model is trusted because it"
        " reproduces several documented patterns at once, with the same rules and scenarios.",
        "",
        f"**{held} of {len(results)} patterns hold.** The test suite runs every pattern on"
        " fewer seeds (`tests/validation/test_patterns_hold.py`), so none can silently stop"
        " holding.",
        "",
        "| pattern | source | scenario | expected | holds |",
        "|---|---|---|---|---|",
    ]
    for r in results:
        p = r.pattern
        mark = "yes" if r.holds else "**no**"
        lines.append(
            f"| [{p.title}](#{p.key.replace('_', '-')}) | {p.source} | {p.scenario} |"
            f" {p.expected} | {mark} |"
        )
    for r in results:
        p = r.pattern
        lines += [
            "",
            f'<a id="{p.key.replace("_", "-")}"></a>',
            f"## {p.title}",
            "",
            f"- **Source:** {p.source}.",
            f"- **Scenario and settings:** `{p.scenario}`; {p.settings}.",
            f"- **Expected:** {p.expected}.",
            *([f"- **Note:** {p.note}"] if p.note else []),
            "",
            "| measured | value [95% interval] | line | holds |",
            "|---|---|---|---|",
        ]
        for check in r.checks:
            lines += _check_rows(check)
        lines += ["", f"![{p.title}: each check's value and 95% interval]({figures}/{p.key}.png)"]
    lines += [
        "",
        "## References",
        "",
        *(f"- {ref}" for ref in REFERENCES),
        "",
    ]
    return "\n".join(lines)


def figure(result: Result, path: Path) -> None:
    """One figure per pattern: every check's value and 95% interval against its line.

    One small panel per check (checks have their own units), the interval green when it
    clears the line and red when it does not; the line is drawn dashed (a band for an
    equivalence margin).
    """
    import textwrap

    import matplotlib.pyplot as plt

    rows: list[tuple[str, Check]] = []
    for check in result.checks:
        rows.append(("", check))
        if check.alternative is not None:
            rows.append(("or: ", check.alternative))
    fig, axes = plt.subplots(
        len(rows), 1, figsize=(7.5, 0.95 * len(rows) + 0.5), layout="constrained", squeeze=False
    )
    fig.suptitle(result.pattern.title, x=0.01, ha="left", fontsize=11)
    for ax, (prefix, check) in zip(axes[:, 0], rows, strict=True):
        e = check.estimate
        colour = "#2a7d2a" if check.holds else "#b22222"
        ax.errorbar([e.value], [0], xerr=[[e.value - e.low], [e.high - e.value]], fmt="o",
                    color=colour, capsize=4, markersize=5)
        line, margin = _line_of(check.rule)
        if margin is not None:
            ax.axvspan(-margin, margin, color="0.85", zorder=0)
        elif line is not None:
            ax.axvline(line, color="0.3", linestyle="--", linewidth=1)
        lo = min(e.low, line if line is not None else e.low, -(margin or 0.0))
        hi = max(e.high, line if line is not None else e.high, margin or 0.0)
        pad = 0.15 * (hi - lo or 1.0)
        ax.set_xlim(lo - pad, hi + pad)
        ax.set_yticks([])
        ax.set_ylim(-1, 1)
        title = "\n".join(textwrap.wrap(f"{prefix}{check.label}  (needs {check.rule})", 95))
        ax.set_title(title, loc="left", fontsize=8)
        ax.tick_params(labelsize=8)
        ax.grid(axis="x", alpha=0.3)
    fig.savefig(path, dpi=110, format="png")
    plt.close(fig)


def _line_of(rule: str) -> tuple[float | None, float | None]:
    """The line a rule draws: ``(value, None)``, or ``(None, margin)`` for ``within ±m``."""
    if rule.startswith("within ±"):
        return None, float(rule.removeprefix("within ±"))
    for prefix in (">= ", "<= ", "> ", "< "):
        if rule.startswith(prefix):
            return float(rule.removeprefix(prefix)), None
    return None, None


def write_report(
    results: list[Result], out: Path, seeds: int, seconds: float
) -> list[Path]:
    """Write ``out/validation.md`` and ``out/validation/*.png``; return the files written."""
    output_folder(out)
    figures = output_folder(out / "validation")
    written = []
    for r in results:
        path = figures / f"{r.pattern.key}.png"
        written.append(write_atomically(path, lambda tmp, r=r: figure(r, tmp)))
    text = markdown(results, seeds, seconds, "validation")
    written.insert(0, write_text(out / "validation.md", text))
    return written


def validate(
    seeds: int, out: Path, keys: Iterable[str] | None = None, progress: bool = True
) -> tuple[list[Result], list[Path]]:
    """Measure the patterns and write the report (with a progress bar on a terminal)."""
    bar = _bar(progress)
    start = time.perf_counter()
    results = run_patterns(seeds, keys, bar)
    files = write_report(results, out, seeds, time.perf_counter() - start)
    return results, files


def _bar(enabled: bool) -> Callable[[str], None] | None:
    if not enabled:
        return None
    try:
        from tqdm import tqdm
    except ImportError:
        return lambda name: print(f"  running {name}", flush=True)
    bar = tqdm(total=None, unit=" ensembles", dynamic_ncols=True, leave=False)

    def step(name: str) -> None:
        bar.set_description_str(name[:60])
        bar.update(1)

    return step


REFERENCES = (
    "Baarslag, T., Fujita, K., Gerding, E. H., Hindriks, K., Ito, T., Jennings, N. R., Jonker,"
    " C., Kraus, S., Lin, R., Robu, V., & Williams, C. R. (2013). Evaluating practical"
    " negotiating agents: Results and analysis of the 2011 international competition."
    " *Artificial Intelligence*, 198, 73-103.",
    "Conconi, P., Facchini, G., & Zanardi, M. (2014). Policymakers' horizon and trade reforms:"
    " The protectionist effect of elections. *Journal of International Economics*, 94(1),"
    " 102-118.",
    "Faratin, P., Sierra, C., & Jennings, N. R. (1998). Negotiation decision functions for"
    " autonomous agents. *Robotics and Autonomous Systems*, 24(3-4), 159-182.",
    "Grimm, V., Revilla, E., Berger, U., Jeltsch, F., Mooij, W. M., Railsback, S. F., et al."
    " (2005). Pattern-oriented modeling of agent-based complex systems: Lessons from ecology."
    " *Science*, 310(5750), 987-991.",
    "Grimm, V., Railsback, S. F., Vincenot, C. E., et al. (2020). The ODD protocol for"
    " describing agent-based and other simulation models: A second update. *JASSS*, 23(2), 7.",
    "Iida, K. (1993). When and how do domestic constraints matter? Two-level games with"
    " uncertainty. *Journal of Conflict Resolution*, 37(3), 403-426.",
    "Milner, H. V., & Rosendorff, B. P. (1997). Democratic politics and international trade"
    " negotiations. *Journal of Conflict Resolution*, 41(1), 117-146.",
    "Putnam, R. D. (1988). Diplomacy and domestic politics: The logic of two-level games."
    " *International Organization*, 42(3), 427-460.",
    "Roth, A. E., Murnighan, J. K., & Schoumaker, F. (1988). The deadline effect in"
    " bargaining: Some experimental evidence. *American Economic Review*, 78(4), 806-823.",
    "Rubinstein, A. (1982). Perfect equilibrium in a bargaining model. *Econometrica*, 50(1),"
    " 97-109.",
    "Schelling, T. C. (1960). *The Strategy of Conflict*. Harvard University Press.",
)
