"""The model behind the teaching app: a NegotiationModel built from classroom-friendly knobs.

The app's controls are few and the same for every scenario (a teacher switches scenarios in
class): the seed, the farm lobby's strength as a multiple of the scenario's, each side's
concession exponent beta, and a shift of each side's elections in weeks. ``TeachingModel`` turns
them into scenario overrides, so that a run in the app is the same run as
``negsim run SCENARIO --seed N --set ...`` with those values (``TeachingModel.overrides``
lists them), and records what the views need besides the time series: the utility of every
tabled offer to both sides (the trail in the utility space).

Mesa's SolaraViz re-creates the model with keyword arguments on Reset; a parameter named
``scenario`` would collide with Mesa's own experimental scenarios, hence ``scenario_name``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sim.errors import ScenarioError, shorten
from sim.model import NegotiationModel
from sim.scenario import Scenario, load_scenario, with_overrides

DEFAULT_SEED = 1


@dataclass(frozen=True, slots=True)
class TrailPoint:
    """One tabled offer as both governments valued it when it was made."""

    step: int
    proposer: str
    utilities: tuple[float, ...]


def farm_lobby(scenario: Scenario) -> str | None:
    """The lobby the app's "farm lobby strength" control scales.

    The protectionist lobby whose key or label mentions farming (JA-Zenchu in the U.S.-Japan
    scenarios, the Farmers' Union in the classroom one); failing that, the first protectionist
    lobby; None when there is none.
    """
    protectionist = [
        (name, lobby) for name, lobby in scenario.lobbies.items() if lobby.wants == "protection"
    ]
    for name, lobby in protectionist:
        text = f"{name} {lobby.label}".lower()
        if "farm" in text or "agri" in text:
            return name
    return protectionist[0][0] if protectionist else None


def teaching_overrides(
    scenario: Scenario,
    *,
    farm_strength: float = 1.0,
    betas: tuple[float | None, ...] = (),
    election_shifts: tuple[int, ...] = (),
) -> dict[str, Any]:
    """Scenario overrides (``dotted.path -> value``) for the app's controls.

    ``betas`` and ``election_shifts`` are per party, in the scenario's order of parties; None
    or a missing entry keeps the scenario's value. The farm lobby's strength is scaled only if
    it is a plain number; a distribution is scaled after the draw (``TeachingModel``).
    """
    overrides: dict[str, Any] = {}
    parties = list(scenario.parties)
    for p, beta in zip(parties, betas, strict=False):
        if beta is not None and beta != scenario.parties[p].tactic.beta:
            overrides[f"parties.{p}.tactic.beta"] = round(float(beta), 9)
    for p, weeks in zip(parties, election_shifts, strict=False):
        if weeks:
            for key, election in scenario.parties[p].elections.items():
                moved = election.date + dt.timedelta(weeks=int(weeks))
                overrides[f"parties.{p}.elections.{key}.date"] = moved.isoformat()
    lobby = farm_lobby(scenario)
    if lobby is not None and farm_strength != 1.0:
        base = scenario.lobbies[lobby].strength
        if isinstance(base, int | float):
            # Rounded so that the command line reads 1.3, not 1.3000000000000003.
            overrides[f"lobbies.{lobby}.strength"] = round(float(base) * float(farm_strength), 9)
    return overrides


def app_seed(text: int | str) -> tuple[int, str | None]:
    """The seed typed into the app, or ``DEFAULT_SEED`` and a note saying why it is not used.

    A seed must be a whole number >= 0: numpy refuses negative seeds (with a traceback in the
    page), and "7.5" or "seven" name no run. A classroom types anything, so a bad seed becomes
    a note in the event log, not an error; the note quotes at most a few dozen characters.
    """
    shown = shorten(repr(text) if isinstance(text, str) else str(text), 40)
    try:
        value = int(str(text).strip())
    except ValueError:  # also Python's limit on the digits of an int read from text
        problem = "has too many digits" if str(text).strip().isdigit() else "is not a whole number"
        return DEFAULT_SEED, f"seed {shown} {problem}: seed {DEFAULT_SEED} is used"
    if value < 0:
        return DEFAULT_SEED, f"seed {shown} is negative: seed {DEFAULT_SEED} is used"
    return value, None


class TeachingModel(NegotiationModel):
    """A negotiation run set up from the app's controls, recording the trail of offers.

    Args:
        scenario_name: A bundled scenario (``sim.scenario.bundled_scenarios()``) or a
            scenario file.
        seed: The run's seed; text from the app's input box is accepted if it is a whole
            number >= 0 (``app_seed``).
        farm_strength: Multiplier on the farm lobby's strength (see ``farm_lobby``).
        beta_first: Concession exponent of the scenario's first party (None: as scenario).
        beta_second: The same for the second party.
        election_shift_first: Weeks by which the first party's elections move.
        election_shift_second: The same for the second party.
        end_quietly: What a step after the end of the run does: False (the default), refuse
            with ``sim.model.RunFinished``; True (as the app asks, see ``sim.app.page``), nothing.
            Either way a finished run stays as it ended.

    """

    def __init__(
        self,
        scenario_name: str = "classroom",
        seed: int | str = DEFAULT_SEED,
        farm_strength: float = 1.0,
        beta_first: float | None = None,
        beta_second: float | None = None,
        election_shift_first: int = 0,
        election_shift_second: int = 0,
        end_quietly: bool = False,
    ) -> None:
        base = load_scenario(scenario_name)
        self.setup_notes: list[str] = []
        seed_value, note = app_seed(seed)
        if note:
            self.setup_notes.append(note)
        overrides = teaching_overrides(
            base,
            farm_strength=farm_strength,
            betas=(beta_first, beta_second),
            election_shifts=(election_shift_first, election_shift_second),
        )
        try:
            scenario = with_overrides(base, overrides) if overrides else base
        except ScenarioError as exc:  # e.g. an election moved outside the calendar
            self.setup_notes.append(f"settings not applied ({exc}); the scenario as written runs")
            overrides, scenario = {}, base
        self.overrides = overrides
        super().__init__(scenario, rng=seed_value, collect=True)
        lobby = farm_lobby(self.spec)
        self.strength_scaled_after_draw = (
            lobby is not None
            and farm_strength != 1.0
            and f"lobbies.{lobby}.strength" not in overrides
        )
        if self.strength_scaled_after_draw:
            # The scenario draws this strength from a distribution: scale the drawn value.
            self.lobbies_by_name[lobby].strength *= float(farm_strength)
        self.farm_lobby = lobby
        self.farm_strength = float(farm_strength)
        self.trail: list[TrailPoint] = []
        for note in self.setup_notes:
            self.say(note)
        if end_quietly:
            self._step_or_refuse = self.step
            self.step = self._step_while_running

    def _step_while_running(self) -> None:
        if self.running:
            self._step_or_refuse()

    def step(self) -> None:
        """One step of the negotiation, then the new offer's place in the utility space."""
        super().step()
        for proposer, offer in self.tabled:
            values = tuple(self.governments_by_name[p].utility(offer) for p in self.party_names)
            self.trail.append(TrailPoint(self.t, proposer, values))

    def command(self) -> str:
        """The ``negsim run`` command that gives this same run."""
        parts = [f"negsim run {self.spec.name} --seed {self.seed}"]
        parts += [f"--set {path}={value}" for path, value in self.overrides.items()]
        if self.strength_scaled_after_draw:
            parts.append(f"  (and {self.farm_lobby}'s drawn strength x {self.farm_strength:g})")
        return " ".join(parts)
