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
from sim.validation.ensembles import Ensembles
from sim.validation.patterns import PATTERNS, Check, Result


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
        " fewer seeds (`tests/test_validation.py`), so none can silently stop holding.",
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
            "",
            "| measured | value [95% interval] | line | holds |",
            "|---|---|---|---|",
        ]
        for check in r.checks:
            lines += _check_rows(check)
        if r.series:
            lines += ["", f"![{p.title}]({figures}/{p.key}.png)"]
    lines += [
        "",
        "## References",
        "",
        *(f"- {ref}" for ref in REFERENCES),
        "",
    ]
    return "\n".join(lines)


def figure(result: Result, path: Path) -> None:
    """One figure per pattern: the distributions behind its checks, side by side."""
    import matplotlib.pyplot as plt

    names = list(result.series)
    fig, ax = plt.subplots(figsize=(7.5, 0.55 * len(names) + 1.6), layout="constrained")
    values = [result.series[n] for n in names]
    ax.boxplot(values, vert=False, tick_labels=names, showmeans=True, widths=0.5)
    ax.invert_yaxis()
    ax.set_title(result.pattern.title, loc="left", fontsize=11)
    ax.set_xlabel(_x_label(result.pattern.key))
    ax.grid(axis="x", alpha=0.3)
    for label, x in result.marks.items():
        ax.axvline(x, color="0.35", linestyle="--", linewidth=1)
        ax.annotate(label, (x, 0), xycoords=("data", "axes fraction"), xytext=(3, 3),
                    textcoords="offset points", fontsize=8, color="0.35")
    fig.savefig(path, dpi=110, format="png")
    plt.close(fig)


def _x_label(key: str) -> str:
    return {
        "deadline": "week of the first agreement at the table",
        "toughness": "Northland's gain per deal (utility over no deal)",
        "tied_hands_classroom": "Southland's farm concessions per deal (grain + dairy)",
        "tied_hands_2019": "Japan's farm concessions per deal (sum of five sectors)",
        "election_freeze": "week of agreement",
        "involuntary_defection": "failed ratification votes per run",
        "history_2019": "concession as a share of the TPP level",
        "history_2015": "week of agreement",
        "time_step": "day of agreement (from the calendar's start)",
    }.get(key, "")


def write_report(
    results: list[Result], out: Path, seeds: int, seconds: float
) -> list[Path]:
    """Write ``out/validation.md`` and ``out/validation/*.png``; return the files written."""
    output_folder(out)
    figures = output_folder(out / "validation")
    written = []
    for r in results:
        if r.series:
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
