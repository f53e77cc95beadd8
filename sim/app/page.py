"""The teaching app: Mesa's SolaraViz around a ``TeachingModel``, started by ``negsim app``.

Run it with ``negsim app [SCENARIO] [--port N]`` (which sets up offline assets and prints the
address), or directly with ``solara run sim.app.page``. The scenario given on the command line
arrives in ``NEGSIM_APP_SCENARIO`` and sets the controls' defaults; the controls themselves
(scenario, seed, farm lobby strength, each side's beta and election shift) take effect on
Reset, as in every SolaraViz app. Views redraw after every step (``sim.app.views``).

Every browser session gets its own model (``Page``). A finished run stays as it ended: the
status panel says that it is over and why, and SolaraViz turns Play and Step off.
"""

from __future__ import annotations

import html
import os

import markdown
import solara
from mesa.visualization import SolaraViz
from mesa.visualization.utils import update_counter

from sim.app.model import TeachingModel
from sim.app.text import event_log_markdown, run_over_text, status_markdown
from sim.app.views import VIEWS
from sim.scenario import bundled_scenarios, load_scenario

SWATCH = {
    "solid": "border-top: 3px solid {c}; width: 22px; height: 0;",
    "thick": "border-top: 7px solid {c}; width: 22px; height: 0; opacity: 0.6;",
    "dashed": "border-top: 2px dashed {c}; width: 22px; height: 0;",
    "dashdot": "border-top: 2px dashed {c}; width: 22px; height: 0;",
    "dotted": "border-top: 2px dotted {c}; width: 22px; height: 0;",
    "dot": "background: {c}; width: 8px; height: 8px; border-radius: 50%;",
    "square": "background: {c}; width: 8px; height: 8px;",
    "star": "color: {c};",
}


def legend_html(items: list[tuple[str, str, str]]) -> str:
    """A figure's legend as HTML (drawn by the browser, so it costs the server nothing)."""
    parts = []
    for colour, style, label in items:
        mark = "★" if style == "star" else ""
        css = SWATCH[style].format(c=colour)
        parts.append(
            '<span style="display: inline-flex; align-items: center; margin-right: 14px;">'
            f'<span style="display: inline-block; margin-right: 5px; {css}">{mark}</span>'
            f"{html.escape(label)}</span>"
        )
    return f'<div style="font-size: 12px; line-height: 1.9;">{"".join(parts)}</div>'


def markdown_html(text: str) -> solara.Element:
    """Markdown rendered here, not by solara.Markdown (which would load mermaid from a CDN)."""
    body = markdown.markdown(html.escape(text, quote=False))
    return solara.HTML(tag="div", unsafe_innerHTML=body)


def _view_component(key: str):  # a Solara component factory
    cls = VIEWS[key]

    @solara.component
    def View(model: TeachingModel) -> None:
        update_counter.get()
        view = solara.use_memo(lambda: cls(model), dependencies=[model])
        png = solara.use_memo(lambda: view.png(model), dependencies=[view, model.steps])
        with solara.Column(style={"padding": "6px"}):
            markdown_html(f"**{view.heading(model)}**")
            solara.Image(png)
            solara.HTML(tag="div", unsafe_innerHTML=legend_html(view.legend))

    View.__name__ = f"{cls.__name__}Panel"
    return View


@solara.component
def EventLog(model: TeachingModel) -> None:
    """What happened, in plain words, newest first; once the run is over, a banner saying so."""
    update_counter.get()
    over = run_over_text(model)
    with solara.Column(style={"padding": "6px"}):
        if over is not None:
            (solara.Success if model.outcome.agreement else solara.Warning)(over)
        markdown_html(status_markdown(model))
        markdown_html("**What happened** (newest first)")
        markdown_html(event_log_markdown(model))
        markdown_html(f"_Same run from the command line:_ `{model.command()}`")


def model_params(scenario_name: str) -> dict:
    """The app's controls, with defaults and labels from the scenario it starts with.

    Besides the controls, ``end_quietly`` (a fixed value, passed on every Reset): Mesa's
    controller runs "Render Interval" steps per click of Step and per tick of Play without
    looking at ``running`` in between, so a run that ends inside a batch would be stepped
    again, and its refusal (``RunFinished``) would replace the page with a traceback.
    """
    spec = load_scenario(scenario_name)
    first, second = list(spec.parties.values())[:2]
    scenarios = bundled_scenarios()
    if spec.name not in scenarios:
        scenarios.insert(0, scenario_name)
    return {
        "end_quietly": True,
        "scenario_name": {
            "type": "Select",
            "value": scenario_name if scenario_name in scenarios else spec.name,
            "values": scenarios,
            "label": "Scenario",
        },
        "seed": {"type": "InputText", "value": "1", "label": "Seed"},
        "farm_strength": {
            "type": "SliderFloat",
            "value": 1.0,
            "min": 0.0,
            "max": 4.0,
            "step": 0.1,
            "label": "Farm lobby strength ×",
        },
        "beta_first": {
            "type": "SliderFloat",
            "value": float(first.tactic.beta),
            "min": 0.1,
            "max": 4.0,
            "step": 0.1,
            "label": f"β, {first.label} (<1 tough)",
        },
        "beta_second": {
            "type": "SliderFloat",
            "value": float(second.tactic.beta),
            "min": 0.1,
            "max": 4.0,
            "step": 0.1,
            "label": f"β, {second.label} (>1 soft)",
        },
        "election_shift_first": {
            "type": "SliderInt",
            "value": 0,
            "min": -26,
            "max": 26,
            "step": 1,
            "label": f"{first.label}'s elections ± weeks",
        },
        "election_shift_second": {
            "type": "SliderInt",
            "value": 0,
            "min": -26,
            "max": 26,
            "step": 1,
            "label": f"{second.label}'s elections ± weeks",
        },
    }


def components() -> list:
    """The views, in the order of the page."""
    return [(_view_component(key), 0) for key in VIEWS] + [(EventLog, 0)]


COMPONENTS = components()
"""Made once: a component's identity is its class, so sessions and re-renders share them."""


def start_scenario() -> str:
    """The scenario the app starts with: the one ``negsim app`` was given, else the classroom."""
    return os.environ.get("NEGSIM_APP_SCENARIO", "classroom")


def first_model(params: dict) -> TeachingModel:
    """The model a new browser session starts with: the controls' defaults, as Reset builds it."""
    values = {k: v["value"] if isinstance(v, dict) else v for k, v in params.items()}
    return TeachingModel(**values)


@solara.component
def Page() -> None:
    """The app, one model per browser session.

    Built here, not when the module loads, because Solara serves every browser tab from the
    same module: a model made at import time would be shared, so a second tab would show
    another student's finished run (with Play and Step on, as SolaraViz starts them) and
    step it. ``use_memo`` keeps this session's model (and its controls, read afresh so that a new
    file in ``configs/`` reaches the menu) across re-renders; Reset replaces it inside SolaraViz.
    """
    params = solara.use_memo(lambda: model_params(start_scenario()), dependencies=[])
    model = solara.use_memo(lambda: first_model(params), dependencies=[params])
    SolaraViz(
        model,
        components=COMPONENTS,
        model_params=params,
        name="negsim: two-level trade negotiations",
        play_interval=150,
    )
