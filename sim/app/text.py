"""The teaching app's words: the event log, where the talks stand, and that a run is over.

Plain functions of a model, drawn as HTML by the page (``sim.app.page``), testable without a
browser.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sim.model import NegotiationModel


def event_log_markdown(model: NegotiationModel, last: int = 14) -> str:
    """The most recent events in plain language, newest first."""
    if not model.log:
        return "_Nothing has happened yet: press **Step** or **▶**._"
    lines = []
    for step, date, text in reversed(model.log[-last:]):
        lines.append(f"- **week {step}** ({date}): {text}")
    return "\n".join(lines)


def status_markdown(model: NegotiationModel) -> str:
    """Where the talks stand: date, status, zone of agreement, outcome when finished."""
    if model.steps == 0:
        head = f"**{model.spec.title}**: before the first week ({model.spec.calendar.start})"
    else:
        date = model.calendar.date_of(model.t).isoformat()
        zone = "open" if model.zone else "closed"
        head = f"**Week {model.t}** ({date}): {model.status}; zone of agreement {zone}"
    out = model.outcome
    if out is None:
        return head
    if out.agreement:
        terms = ", ".join(
            f"{model.spec.sectors[s].label.lower()} {v['value']:.3g} ({v['unit']})"
            for s, v in out.concessions_in_terms.items()
        )
        return f"{head}  \n**Agreement on {out.date}**: {terms}"
    return f"{head}  \n**No agreement** ({out.ended}): {out.reason}"


def run_over_text(model: NegotiationModel) -> str | None:
    """None while the talks go on; once they are over, that they are, how and why, in words.

    Shown as a banner above the status, because a finished run looks much like a paused one:
    Play and Step are off, and a class must see why (and that Reset starts a new run).
    """
    out = model.outcome
    if model.running or out is None:
        return None
    verdict = "agreement" if out.agreement else f"no agreement ({out.ended})"
    return (
        f"The run is over: {verdict} in week {out.step} ({out.date}); {out.reason}. "
        "Press Reset to start a new run."
    )
