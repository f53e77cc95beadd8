"""The negotiation model: a Mesa ``Model`` whose ``step`` is the order of one period of talks."""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import mesa

from agents import Government, Lobby, TradeRepresentative
from sim import rules
from sim.analysis import Side, nash_solution, pareto_gap, zone_of_agreement
from sim.calendar import StepCalendar, possessive
from sim.events import event_target
from sim.outcome import Outcome
from sim.scenario import Scenario, load_scenario, with_overrides
from sim.utility import sector_breaks


@dataclass(slots=True)
class SummitDate:
    """A summit converted to steps."""

    name: str
    label: str
    start: int
    end: int
    parties: tuple[str, ...]
    cost: float
    charged: bool = False


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
        self.analyse = analyse
        if not isinstance(scenario, Scenario):
            scenario = load_scenario(scenario)
        self.seed = rng
        self.spec = scenario.draw(self.rng)
        spec = self.spec
        self.collect_series = collect
        self.tol = spec.protocol.tolerance
        self.calendar = StepCalendar(
            spec.calendar.start, spec.calendar.end, spec.calendar.step_days
        )
        cal = self.calendar
        self.horizon = cal.horizon
        self.party_names = list(spec.parties)
        self.sector_names = list(spec.sectors)
        self._sector_labels = [s.label.lower() for s in spec.sectors.values()]
        self._importers = [s.importer for s in spec.sectors.values()]
        self.breaks = self._sector_breaks()

        # Calendar: every date converted to steps once.
        self.elections = {
            p: [
                (
                    cal.steps_until(e.date),
                    float(e.amplitude),
                    cal.weeks_to_steps(float(e.tau_weeks)),
                )
                for e in party.elections.values()
            ]
            for p, party in spec.parties.items()
        }
        self.hard_deadline_step = {
            p: (cal.step_of(party.hard_deadline) if party.hard_deadline else None)
            for p, party in spec.parties.items()
        }
        self.summits = sorted(
            (
                SummitDate(
                    name,
                    s.label,
                    cal.step_of(s.start),
                    cal.step_of(s.end or s.start),
                    tuple(s.parties or self.party_names),
                    float(s.cost),
                )
                for name, s in spec.summits.items()
            ),
            key=lambda s: s.start,
        )
        self.events_at: dict[int, list[tuple[str, Any]]] = {}
        for name, event in spec.events.items():
            self.events_at.setdefault(cal.first_step_on_or_after(event.date), []).append(
                (name, event)
            )
        self.walkout_steps = cal.weeks_to_steps(spec.protocol.walkout_weeks)
        self.summit_lead = cal.weeks_to_steps(spec.protocol.summit_lead_weeks)
        self.step_weeks = cal.step_days / 7.0
        self.rounds = self._round_schedule()

        # Agents: governments, their lobbies, their negotiators.
        self.governments_by_name: dict[str, Government] = {}
        self.representatives_by_name: dict[str, TradeRepresentative] = {}
        for p, party in spec.parties.items():
            self.governments_by_name[p] = Government(self, p, party)
        self.lobbies_by_name: dict[str, Lobby] = {}
        for name, lobby_spec in spec.lobbies.items():
            lobby = Lobby(self, name, lobby_spec)
            self.lobbies_by_name[name] = lobby
            government = self.governments_by_name[lobby.country]
            government.lobbies.append(lobby)
            government.reacting_lobbies |= lobby.reaction > 0.0
        for p, party in spec.parties.items():
            self.representatives_by_name[p] = TradeRepresentative(
                self, p, party, self.governments_by_name[p]
            )
        self.governments = self.agents_by_type[Government]
        self.representatives = self.agents_by_type[TradeRepresentative]
        self.lobbies = self.agents.select(agent_type=Lobby)

        # Public red lines: every offer stays within all of them.
        lo = [
            max(g.lo[j] for g in self.governments_by_name.values())
            for j in range(len(self.sector_names))
        ]
        hi = [
            min(g.hi[j] for g in self.governments_by_name.values())
            for j in range(len(self.sector_names))
        ]
        self.red_lines_conflict = any(a > b for a, b in zip(lo, hi, strict=True))
        self.public_bounds = (
            [min(a, b) for a, b in zip(lo, hi, strict=True)],
            [max(a, b) for a, b in zip(lo, hi, strict=True)],
        )
        first = spec.protocol.first_proposer or self.party_names[0]
        k = self.party_names.index(first)
        self.proposer_order = self.party_names[k:] + self.party_names[:k]

        # State.
        self.t = 0
        self.mandate_version = 0  # bumped whenever a government rebuilds its utility
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
        self.deal_sides: list[Side] = []
        self.outcome: Outcome | None = None
        self.walked_out: str | None = None
        self.log: list[tuple[int, str, str]] = []
        self._narrated_level: dict[str, float] = {}
        self.rows: list[list[Any]] = []

    def _round_schedule(self) -> dict[int, int]:
        """Step -> number of the negotiating round held in it.

        Negotiators meet every ``protocol.round_days`` days from the start, whatever the
        step: how often they meet is a fact about the talks, not about the simulation's
        resolution. Proposers alternate by round.
        """
        cal = self.calendar
        every = self.spec.protocol.round_days
        days = range(0, (cal.end - cal.start).days + 1, every)
        steps = sorted({day // cal.step_days for day in days})
        self.round_steps = steps
        return {step: k for k, step in enumerate(steps)}

    def last_round_by(self, step: int) -> int:
        """The step of the last round held at or before ``step`` (``step`` if none is).

        Negotiators plan to have conceded all they will by the last meeting before a
        deadline; at any step length that is the same calendar day.
        """
        i = bisect.bisect_right(self.round_steps, step)
        return self.round_steps[i - 1] if i > 0 else step

    def summit_named(self, name: str | None) -> SummitDate | None:
        """The summit called ``name`` (None for None)."""
        if name is None:
            return None
        for s in self.summits:
            if s.name == name:
                return s
        return None

    def _sector_breaks(self) -> list[tuple[float, ...]]:
        """Each sector's breakpoints: 0, 1 and every lobby's reference point in it."""
        points: dict[str, list[float]] = {name: [] for name in self.sector_names}
        for lobby in self.spec.lobbies.values():
            for sector in lobby.stakes:
                points[sector].append(self.spec.lobby_reference(lobby, sector))
        return [sector_breaks(points[name]) for name in self.sector_names]

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
        before = {name: lobby.pressure for name, lobby in self.lobbies_by_name.items()}
        self.lobbies.shuffle_do("update_pressure")
        self.narrate_pressure(before)
        # 2. Governments reweigh lobbies; the win-sets are compared.
        self.governments.do("update_mandate")
        self.update_zone()
        # 3. Negotiators concede along their tactic; in a round, the proposer offers and every
        #    offer on the table is put to every side.
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
        if self.collect_series:
            self.rows.append(self.record())
        if self.running and t >= self.horizon:
            self.finish("horizon", "the horizon was reached without a ratified agreement")

    # -- submodels, in step order ----------------------------------------------------------

    def apply_scheduled_events(self) -> None:
        """Scheduled events change parameters at their date (before step 0: at step 0).

        Each target is held within its range (``sim.events.SETTABLE``); the agent that owns
        the attribute is a party's government, its negotiator (tactic) or a lobby.
        """
        owners = {
            "party": self.governments_by_name,
            "tactic": self.representatives_by_name,
            "lobby": self.lobbies_by_name,
        }
        for _, event in self.events_at.get(self.t, []):
            for kind in ("set", "add"):
                for path, value in getattr(event, kind).items():
                    target = event_target(path, self.spec)
                    assert target is not None, path  # checked when the scenario was loaded
                    owner: Any = owners[target.kind][target.name]
                    old = getattr(owner, target.attribute)
                    new = float(value) if kind == "set" else old + float(value)
                    setattr(owner, target.attribute, target.held(new))
            self._say(event.label)

    def charge_passed_summits(self) -> None:
        """A summit that passed without a deal costs its leaders a little (lower ``R``)."""
        for s in self.summits:
            if not s.charged and self.t > s.end:
                s.charged = True
                for p in s.parties:
                    self.governments_by_name[p].no_deal_value -= s.cost
                self._say(f"{s.label} passes without a deal")

    def narrate_pressure(self, before: dict[str, float]) -> None:
        """Log elections passing and lobbies pressing harder as one nears (for the event log)."""
        voted = set()
        for p, elections in self.elections.items():
            for t_e, _, _ in elections:
                if self.t - 1 < t_e <= self.t:
                    voted.add(p)
                    self._say(f"{self._label(p)} votes: trade falls back to its usual salience")
        narrated = self._narrated_level
        for name, lobby in self.lobbies_by_name.items():
            level = narrated.get(name)
            if level is None:
                level = narrated[name] = max(before[name], 0.05)
            nearing = self.salience[lobby.country] > 1.5 and lobby.country not in voted
            if lobby.pressure > 1.5 * level and nearing:
                self._narrated_level[name] = lobby.pressure
                self._say(f"{lobby.label} presses harder as the election nears")

    def sides(self) -> list[Side]:
        """Each government as seen by the analysis: utilities, ``V``, floor, ``R``.

        The utilities are the governments' own, rebuilt in place every step: keep
        ``side.copy()`` to hold on to this step's.
        """
        return [
            Side(g.sector_utilities, g.strategic_value, g.floor, g.disagreement)
            for g in (self.governments_by_name[p] for p in self.party_names)
        ]

    def update_zone(self) -> None:
        """Whether some deal lies in every government's win-set this step."""
        lo, hi = self.public_bounds
        before = self.zone
        if self.red_lines_conflict:
            self.zone = False
        else:
            self.zone, theta = zone_of_agreement(self.sides(), lo, hi, self.tol, self._zone_theta)
            self._zone_theta = theta if theta is not None and 0.0 < theta < 1.0 else None
        self.empty_zone_steps = 0 if self.zone else self.empty_zone_steps + 1
        if self.t > 0 and self.zone != before:
            self._say(
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
        on_table = [(p, x) for p, x in self.table.items() if x is not None]
        agreed = [(p, x) for p, x in on_table if all(r.accepts(x) for r in reps.values())]
        if not agreed:
            self.status = "countered" if self.zone else "stalled"
            return
        self.status = "accepted"
        if len(agreed) == 1:
            author, deal = agreed[0]
            self._say(f"{possessive(self._label(author))} offer is accepted at the table")
        else:
            deal = rules.settle([x for _, x in agreed])
            self._say("the offers on the table cross: the sides split the difference")
        # 4. The tentative deal goes to every ratifier after the lobbies react.
        self.ratify(deal)

    def _table_offer(self, party: str, offer: list[float]) -> None:
        previous = self.table[party]
        self.previous_offers[party] = previous
        self.table[party] = offer
        if previous is None:
            return
        pulled, hardened = [], []
        for label, importer, before, now in zip(
            self._sector_labels, self._importers, previous, offer, strict=True
        ):
            if importer == party:
                if before - now > 0.02:
                    pulled.append(label)
            elif now - before > 0.02:
                hardened.append(label)
        who = self.representatives_by_name[party].negotiator
        if pulled:
            self._say(f"{who} pulls back its offer on {', '.join(pulled)}")
        if hardened:
            self._say(f"{who} asks for more on {', '.join(hardened)}")

    def check_walkout(self) -> None:
        """Past its hard deadline with the zone empty for ``W`` weeks, a side walks out."""
        for p in self.party_names:
            if self.representatives_by_name[p].walks_out():
                self.walked_out = p
                self.finish(
                    "breakdown",
                    f"{self._label(p)} walked out: past its deadline with no zone of agreement",
                )
                return

    def ratify(self, deal: list[float]) -> None:
        """Lobbies react to the tentative deal, then each ratifier votes on it."""
        # What the deal is worth to each government as it accepts it, before the lobbies react:
        # the values reported in the outcome.
        self._deal_values = {
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
            self._say(
                "the deal is ratified by "
                + ", ".join(g.ratifier_label for g in self.governments_by_name.values())
            )
            self.finish("agreement", "a deal was agreed and ratified by every side")
            return
        self.ratification_failures += 1
        self.status = "rejected"
        names = ", ".join(g.ratifier_label for g in rejected)
        self._say(f"ratification fails: {names} rejects the deal")
        if self.rng.random() < float(self.spec.protocol.collapse_probability):
            self.finish("breakdown", f"talks collapsed after {names} rejected the deal")
            return
        for g in rejected:
            g.learn_from_rejection(deal)

    def finish(self, ended: str, reason: str) -> None:
        """End the run and build its outcome."""
        self.running = False
        self.outcome = self._build_outcome(ended, reason)

    # -- reporting -------------------------------------------------------------------------

    def _label(self, party: str) -> str:
        return self.spec.parties[party].label

    def _say(self, text: str) -> None:
        self.log.append((self.t, self.calendar.date_of(self.t).isoformat(), text))

    def _build_outcome(self, ended: str, reason: str) -> Outcome:
        spec = self.spec
        x = self.deal if self.deal is not None else [0.0] * len(self.sector_names)
        concessions = {name: float(v) for name, v in zip(self.sector_names, x, strict=True)}
        in_terms = {
            name: {
                "value": spec.sectors[name].level(v),
                "unit": spec.sectors[name].unit,
                "status_quo": spec.sectors[name].status_quo,
            }
            for name, v in concessions.items()
        }
        utilities, gains, welfare = {}, {}, {}
        for p, g in self.governments_by_name.items():
            if self.deal is not None:
                u, r = self._deal_values[p]
            else:
                u = r = g.disagreement
            utilities[p] = u
            gains[p] = u - r
            welfare[p] = sum(e(v) for e, v in zip(g.economics, x, strict=True))
        gap = nash = None
        if self.analyse and len(self.party_names) == 2:
            # A deal is analysed as the governments saw it when they accepted it, the moment
            # its reported utilities refer to; no deal, as they see things at the end.
            a, b = self.deal_sides if self.deal is not None else self.sides()
            lo, hi = self.public_bounds
            if self.deal is not None:
                gap = pareto_gap(a, b, self.deal, lo, hi)
            solution = nash_solution(a, b, lo, hi)
            if solution is not None:
                nash = {self.party_names[0]: solution[0], self.party_names[1]: solution[1]}
        return Outcome(
            scenario=spec.name,
            seed=self.seed,
            agreement=self.deal is not None,
            ended=ended,
            reason=reason,
            step=self.t,
            date=self.calendar.date_of(self.t).isoformat(),
            concessions=concessions,
            concessions_in_terms=in_terms,
            utilities=utilities,
            gains=gains,
            welfare=welfare,
            ratification_attempts=self.ratification_attempts,
            ratification_failures=self.ratification_failures,
            walked_out=self.walked_out,
            pareto_gap=gap,
            nash=nash,
            last_offers={p: (list(v) if v is not None else None) for p, v in self.table.items()},
        )

    def columns(self) -> list[str]:
        """Names of the time series' columns, in the order ``record`` fills them."""
        cols = ["step", "date", "status", "zone", "distance"]
        for p in self.party_names:
            cols += [
                f"{name}.{p}"
                for name in (
                    "salience",
                    "aspiration",
                    "best",
                    "floor",
                    "no_deal",
                    "strategic",
                    "concession",
                    "deadline",
                    "utility_own_offer",
                )
            ]
            cols += [f"offer.{p}.{s}" for s in self.sector_names]
        for name in self.lobbies_by_name:
            cols += [f"pressure.{name}", f"dissatisfaction.{name}", f"weight.{name}"]
        return cols

    def record(self) -> list[Any]:
        """This step's row of the time series (values in the order of ``columns``)."""
        row: list[Any] = [
            self.t,
            self.calendar.date_of(self.t).isoformat(),
            self.status,
            self.zone,
            self.offer_distance(),
        ]
        nan_offer = [math.nan] * len(self.sector_names)
        for p in self.party_names:
            g = self.governments_by_name[p]
            r = self.representatives_by_name[p]
            offer = self.table[p]
            row += [
                self.salience[p],
                r.aspiration,
                r.best,
                g.floor,
                g.disagreement,
                g.strategic_value,
                r.concession,
                r.deadline,
                g.utility(offer) if offer is not None else math.nan,
            ]
            row += offer if offer is not None else nan_offer
        for lobby in self.lobbies_by_name.values():
            gov = self.governments_by_name[lobby.country]
            row += [lobby.pressure, lobby.dissatisfaction, gov.weight_of(lobby)]
        return row

    def offer_distance(self) -> float:
        """Largest distance between two sides' latest offers, per sector (RMS)."""
        offers = [x for x in self.table.values() if x is not None]
        if len(offers) < len(self.party_names):
            return math.nan
        m = len(self.sector_names)
        worst = 0.0
        for i in range(len(offers)):
            for k in range(i + 1, len(offers)):
                d = math.sqrt(
                    sum((a - b) ** 2 for a, b in zip(offers[i], offers[k], strict=True)) / m
                )
                worst = max(worst, d)
        return worst

    def time_series(self) -> Any:
        """The per-step time series as a pandas DataFrame indexed by step."""
        import pandas as pd

        return pd.DataFrame(self.rows, columns=self.columns()).set_index("step")

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
