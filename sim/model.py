"""The negotiation model: a Mesa ``Model`` whose ``step`` is the order of one period of talks.

``NegotiationModel`` builds the agents, steps them, holds the rounds, puts deals to the
ratifiers and finishes. What it reads and writes around that lives in rooms of its own: the
schedule in steps (``sim.calendar.Timeline``), the time series (``sim.recording``), the event
log's words (``sim.narration``) and the outcome (``sim.outcome.build_outcome``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import mesa

from agents import Government, Lobby, TradeRepresentative
from sim import rules
from sim.analysis import Side, zone_of_agreement
from sim.calendar import Timeline, possessive
from sim.events import event_target
from sim.narration import narrate_offer, narrate_pressure
from sim.outcome import Outcome, build_outcome
from sim.recording import SeriesRecorder
from sim.scenario import Scenario, load_scenario, with_overrides
from sim.single_segment import segment_plan
from sim.utility import sector_breaks


class RunFinished(RuntimeError):
    """``step()`` on a model whose run has ended: its outcome is final.

    Stepping on would put a ratified deal back on the table (and a second browser tab, or a
    stray call, would rewrite history), so a finished model refuses; build a new one instead.
    """


class NegotiationModel(mesa.Model):
    """A two-level negotiation among governments, lobbies and trade representatives.

    Args:
        scenario: A validated ``Scenario``, or a path / bundled name to load.
        rng: The run's seed (Mesa's ``rng``): every random draw of the run comes from it,
            starting with the uncertain inputs of the scenario.
        collect: Record the per-step time series (``time_series()``); off for speed.
        analyse: Add the Pareto gap and the Nash solution to the outcome (about 1 ms); sweeps
            that do not need them can turn this off.

    Attributes:
        spec: The scenario with its distributions drawn for this run (Mesa reserves
            ``Model.scenario`` for its own experimental scenarios).
        timeline: The run's schedule in steps (``calendar``, ``horizon``, ``elections``,
            ``summits``, ``rounds`` ... are its parts, kept here by name for the agents).
        t: Current step (0 at ``calendar.start``).
        table: Party -> its latest offer (None before its first).
        zone: Whether the governments' win-sets intersect this step.
        outcome: Set when the run ends.
        log: Plain-language event log, ``(step, date, text)``.

    """

    def __init__(
        self,
        scenario: Scenario | str | Path,
        rng: int | None = None,
        *,
        collect: bool = True,
        analyse: bool = True,
    ) -> None:
        if isinstance(rng, int) and (isinstance(rng, bool) or rng < 0):
            raise ValueError(f"a run's seed must be a whole number >= 0 (got {rng!r})")
        super().__init__(rng=rng)
        # Mesa binds ``self.step`` to its scheduler; a finished run must refuse before the
        # scheduler advances time, so the guard goes in front of it.
        self._scheduled_step = self.step
        self.step = self._step_unless_finished
        if not isinstance(scenario, Scenario):
            scenario = load_scenario(scenario)
        self.seed = rng
        self.analyse = analyse
        self.spec = scenario.draw(self.rng)
        self.tol = self.spec.protocol.tolerance
        self.party_names = list(self.spec.parties)
        self.sector_names = list(self.spec.sectors)
        self.breaks = self._sector_breaks()
        self._schedule(Timeline.of(self.spec))
        self._build_agents()
        self._public_red_lines()
        self._start_state()
        self.recorder = SeriesRecorder(self) if collect else None

    # -- construction ----------------------------------------------------------------------

    def _sector_breaks(self) -> list[tuple[float, ...]]:
        """Each sector's breakpoints: 0, 1 and every lobby's reference point in it."""
        points: dict[str, list[float]] = {name: [] for name in self.sector_names}
        for lobby in self.spec.lobbies.values():
            for sector in lobby.stakes:
                points[sector].append(self.spec.lobby_reference(lobby, sector))
        return [sector_breaks(points[name]) for name in self.sector_names]

    def _schedule(self, timeline: Timeline) -> None:
        """Keep the timeline and name its parts (agents read them every step)."""
        self.timeline = timeline
        self.calendar = timeline.calendar
        self.horizon = timeline.horizon
        self.step_weeks = timeline.step_weeks
        self.elections = timeline.elections
        self.hard_deadline_step = timeline.hard_deadlines
        self.summits = timeline.summits
        self.events_at = timeline.events_at
        self.walkout_steps = timeline.walkout_steps
        self.summit_lead = timeline.summit_lead
        self.rounds = timeline.rounds
        self.last_round_by = timeline.last_round_by

    def _build_agents(self) -> None:
        """Governments, then their lobbies, then their negotiators (the order of the draws)."""
        self.governments_by_name: dict[str, Government] = {
            p: Government(self, p, party) for p, party in self.spec.parties.items()
        }
        self.governments_in_order = list(self.governments_by_name.values())  # party order
        self.lobbies_by_name: dict[str, Lobby] = {}
        for name, lobby_spec in self.spec.lobbies.items():
            lobby = Lobby(self, name, lobby_spec)
            self.lobbies_by_name[name] = lobby
            self.governments_by_name[lobby.country].add_lobby(lobby)
        self.representatives_by_name: dict[str, TradeRepresentative] = {
            p: TradeRepresentative(self, p, party, self.governments_by_name[p])
            for p, party in self.spec.parties.items()
        }
        self.governments = self.agents_by_type[Government]
        self.representatives = self.agents_by_type[TradeRepresentative]
        self.lobbies = self.agents.select(agent_type=Lobby)
        first = self.spec.protocol.first_proposer or self.party_names[0]
        k = self.party_names.index(first)
        self.proposer_order = self.party_names[k:] + self.party_names[:k]
        self.verdict_order = {
            p: [q for q in self.party_names if q != p] + [p] for p in self.party_names
        }

    def _public_red_lines(self) -> None:
        """Every offer stays within every government's red lines (they are public)."""
        governments = list(self.governments_by_name.values())
        m = len(self.sector_names)
        lo = [max(g.lo[j] for g in governments) for j in range(m)]
        hi = [min(g.hi[j] for g in governments) for j in range(m)]
        self.red_lines_conflict = any(a > b for a, b in zip(lo, hi, strict=True))
        self.public_bounds = (
            [min(a, b) for a, b in zip(lo, hi, strict=True)],
            [max(a, b) for a, b in zip(lo, hi, strict=True)],
        )
        # Bounds and breakpoints are fixed for the run: every search reuses their segments.
        self.segment_plan = segment_plan(self.breaks, *self.public_bounds)

    def _start_state(self) -> None:
        self.t = 0
        self.table: dict[str, list[float] | None] = dict.fromkeys(self.party_names)
        self.previous_offers: dict[str, list[float] | None] = dict.fromkeys(self.party_names)
        self.tabled: list[tuple[str, list[float]]] = []  # offers made this step
        self.salience = dict.fromkeys(self.party_names, 1.0)
        self.zone = False
        self.empty_zone_steps = 0
        self._zone_theta: float | None = None
        self.status = "start"
        self.ratification_attempts = 0
        self.ratification_failures = 0
        self.deal: list[float] | None = None
        self.deal_values: dict[str, tuple[float, float]] = {}
        self.deal_sides: list[Side] = []
        self.outcome: Outcome | None = None
        self.walked_out: str | None = None
        self.log: list[tuple[int, str, str]] = []
        # The pressure level last told of each lobby (sim.narration.narrate_pressure).
        self.narrated_pressure: dict[str, float] = {
            name: max(lobby.pressure, 0.05) for name, lobby in self.lobbies_by_name.items()
        }

    # -- one step --------------------------------------------------------------------------

    def _step_unless_finished(self) -> None:
        if not self.running:
            how = f"{self.outcome.ended}: {self.outcome.reason}" if self.outcome else "stopped"
            raise RunFinished(f"the run is over ({how}); build a new model to run again")
        self._scheduled_step()

    def step(self) -> None:
        """One period of talks, in the order of docs/model.md ("Process overview")."""
        self.t = t = self.steps - 1
        self.apply_scheduled_events()
        self.charge_passed_summits()
        self.salience = {p: rules.salience(t, e) for p, e in self.elections.items()}
        # 1. Lobbies observe the offers on the table and update their pressure.
        self.lobbies.shuffle_do("update_pressure")
        narrate_pressure(self)
        # 2. Governments reweigh lobbies; the win-sets are compared.
        self.governments.do("update_mandate")
        self.update_zone()
        # 3. Negotiators concede along their tactic; in a round, offers are tabled and every
        #    offer on the table is put to every side (4. a deal goes to the ratifiers).
        self.representatives.do("update_aspiration")
        round_number = self.rounds.get(t)
        self.tabled = []
        if round_number is not None:
            self.hold_round(round_number)
        else:
            self.status = "between rounds"
        if self.running and not self.zone:
            self.check_walkout()
        # 5. Data is collected; the run ends at the horizon at the latest.
        if self.recorder is not None:
            self.recorder.record(self)
        if self.running and t >= self.horizon:
            self.finish("horizon", "the horizon was reached without a ratified agreement")

    # -- submodels, in step order ----------------------------------------------------------

    def apply_scheduled_events(self) -> None:
        """Scheduled events change parameters at their date (before step 0: at step 0).

        Each target is held within its range (``sim.events.SETTABLE``); the agent that owns
        the attribute is a party's government, its negotiator (tactic) or a lobby.
        """
        if self.t not in self.events_at:
            return
        owners = {
            "party": self.governments_by_name,
            "tactic": {p: r.tactic for p, r in self.representatives_by_name.items()},
            "lobby": self.lobbies_by_name,
        }
        for _, event in self.events_at.get(self.t, []):
            for kind in ("set", "add"):
                for path, value in getattr(event, kind).items():
                    target = event_target(path, self.spec)
                    assert target is not None, path  # checked when the scenario was loaded
                    owner: Any = owners[target.kind][target.name]
                    if target.kind == "tactic" and target.attribute != "tit_for_tat":
                        owner = owner.base  # beta belongs to the tactic under reciprocity
                    old = getattr(owner, target.attribute)
                    new = float(value) if kind == "set" else old + float(value)
                    setattr(owner, target.attribute, target.held(new))
            self.say(event.label)

    def charge_passed_summits(self) -> None:
        """A summit that passed without a deal costs its leaders a little (lower ``R``)."""
        for s in self.summits:
            if not s.charged and self.t > s.end:
                s.charged = True
                for p in s.parties:
                    self.governments_by_name[p].no_deal_value -= s.cost
                self.say(f"{s.label} passes without a deal")

    def sides(self) -> list[Side]:
        """Each government as seen by the analysis: utilities, ``V``, floor, ``R``.

        The utilities are the governments' own, rebuilt in place every step: keep
        ``side.copy()`` to hold on to this step's.
        """
        return [
            Side(g.sector_utilities, g.strategic_value, g.floor, g.disagreement)
            for g in self.governments_in_order
        ]

    def update_zone(self) -> None:
        """Whether some deal lies in every government's win-set this step."""
        lo, hi = self.public_bounds
        before = self.zone
        if self.red_lines_conflict:
            self.zone = False
        else:
            self.zone, theta = zone_of_agreement(
                self.sides(), lo, hi, self.tol, self._zone_theta, self.segment_plan
            )
            self._zone_theta = theta if theta is not None and 0.0 < theta < 1.0 else None
        self.empty_zone_steps = 0 if self.zone else self.empty_zone_steps + 1
        if self.t > 0 and self.zone != before:
            self.say(
                "the zone of agreement opens" if self.zone else "the zone of agreement closes"
            )

    def hold_round(self, number: int) -> None:
        """One negotiating round: offers are tabled; one that every side accepts is a deal.

        With simultaneous offers (the default) every negotiator tables an offer; with
        alternating offers only this round's proposer does (Rubinstein 1982). No one offers
        less than an offer it already holds (``TradeRepresentative.propose``). Every offer on
        the table is then put to every side; when several are acceptable to all, the deal
        splits the difference (``rules.settle``), so the terms do not hinge on whose turn it
        is when a deadline falls.
        """
        reps = self.representatives_by_name
        if self.spec.protocol.offers == "simultaneous":
            movers = [reps[p] for p in self.party_names]
        else:
            movers = [reps[self.proposer_order[number % len(self.party_names)]]]
        offers = [(r.name, r.propose()) for r in movers]  # each sees last round's table
        for party, offer in offers:
            self._table_offer(party, offer)
        self.tabled = offers
        # Every offer on the table, put to every side; its author's verdict last: the others'
        # usually settles it sooner (the same answer).
        agreed = []
        for p, x in self.table.items():
            if x is None:
                continue
            for q in self.verdict_order[p]:
                if not reps[q].accepts(x):
                    break
            else:
                agreed.append((p, x))
        if not agreed:
            self.status = "countered" if self.zone else "stalled"
            return
        self.status = "accepted"
        if len(agreed) == 1:
            author, deal = agreed[0]
            self.say(f"{possessive(self.label(author))} offer is accepted at the table")
        else:
            deal = rules.settle([x for _, x in agreed])
            self.say("the offers on the table cross: the sides split the difference")
        # 4. The tentative deal goes to every ratifier after the lobbies react.
        self.ratify(deal)

    def _table_offer(self, party: str, offer: list[float]) -> None:
        previous = self.table[party]
        self.previous_offers[party] = previous
        self.table[party] = offer
        if previous is not None:
            narrate_offer(self, party, previous, offer)

    def check_walkout(self) -> None:
        """Past its hard deadline with the zone empty for ``W`` weeks, a side walks out."""
        for p in self.party_names:
            if self.representatives_by_name[p].walks_out():
                self.walked_out = p
                self.finish(
                    "breakdown",
                    f"{self.label(p)} walked out: past its deadline with no zone of agreement",
                )
                return

    def ratify(self, deal: list[float]) -> None:
        """Lobbies react to the tentative deal, then each ratifier votes on it."""
        # What the deal is worth to each government as it accepts it, before the lobbies react:
        # the values reported in the outcome.
        self.deal_values = {
            p: (g.utility(deal), g.disagreement) for p, g in self.governments_by_name.items()
        }
        # ... and the governments themselves at that moment, for the Pareto/Nash analysis
        # (their utilities are rebuilt in place afterwards, so these are copies).
        self.deal_sides = [side.copy() for side in self.sides()]
        self.lobbies.do("react_to_deal", deal)
        self.governments.do("update_mandate")
        self.ratification_attempts += 1
        rejected = [g for g in self.governments_by_name.values() if not g.ratify(deal)]
        if not rejected:
            self.deal = list(deal)
            self.status = "ratified"
            self.say(
                "the deal is ratified by "
                + ", ".join(g.ratifier_label for g in self.governments_by_name.values())
            )
            self.finish("agreement", "a deal was agreed and ratified by every side")
            return
        self.ratification_failures += 1
        self.status = "rejected"
        names = ", ".join(g.ratifier_label for g in rejected)
        self.say(f"ratification fails: {names} rejects the deal")
        if self.rng.random() < float(self.spec.protocol.collapse_probability):
            self.finish("breakdown", f"talks collapsed after {names} rejected the deal")
            return
        for g in rejected:
            g.learn_from_rejection(deal)

    def finish(self, ended: str, reason: str) -> None:
        """End the run and build its outcome."""
        self.running = False
        self.outcome = build_outcome(self, ended, reason)

    # -- reporting -------------------------------------------------------------------------

    def label(self, party: str) -> str:
        """A party's name for people (``United States``)."""
        return self.spec.parties[party].label

    def say(self, text: str) -> None:
        """Add a line to the event log, dated this step."""
        self.log.append((self.t, self.calendar.date_of(self.t).isoformat(), text))

    def time_series(self) -> Any:
        """The per-step time series as a pandas DataFrame indexed by step (``collect=True``)."""
        if self.recorder is None:
            raise RuntimeError("this model was built with collect=False: no time series")
        return self.recorder.frame()

    def run(self) -> Outcome:
        """Step until the run ends; return its outcome."""
        self.run_model()
        assert self.outcome is not None
        return self.outcome


def run(
    scenario: Scenario | str | Path,
    seed: int | None = None,
    *,
    overrides: dict[str, Any] | list[str] | None = None,
    analyse: bool = True,
) -> Outcome:
    """Run one scenario with one seed and return its outcome (no time series kept).

    ``analyse=False`` leaves out the Pareto gap and the Nash solution (faster).
    """
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario, overrides)
    elif overrides:
        scenario = with_overrides(scenario, overrides)
    return NegotiationModel(scenario, rng=seed, collect=False, analyse=analyse).run()
