"""Checks that span a scenario's blocks: cross-references, dates in order, references that exist.

A block validates its own fields; whether a lobby's country is a party, an election falls
after the start, or a red line names a focal level its sector has, needs the whole scenario.
Sweeps run the same check on every design point, so a sweep never runs a scenario that
``negsim run`` would refuse.
"""

from __future__ import annotations

from sim.errors import ScenarioError
from sim.events import allowed_paths, event_target
from sim.fields import MAX_STEPS, RESERVED_REFERENCES
from sim.schema import Scenario


def check_consistency(s: Scenario, source: str) -> None:
    """Checks that span blocks: cross-references, dates in order, references that exist.

    Raises:
        ScenarioError: on the first problem found.
    """
    def fail(field: str, problem: str) -> None:
        raise ScenarioError(source, field, problem)

    parties = list(s.parties)
    cal = s.calendar
    if cal.end <= cal.start:
        fail("calendar.end", f"must be after calendar.start ({cal.start})")
    if s.protocol.round_days < cal.step_days:
        fail(
            "protocol.round_days",
            f"rounds every {s.protocol.round_days} days need steps of at most that many days"
            f" (calendar.step_days is {cal.step_days})",
        )
    steps = (cal.end - cal.start).days // cal.step_days
    if steps > MAX_STEPS:
        fail(
            "calendar.end",
            f"the run would take {steps:,} steps of {cal.step_days} days; at most {MAX_STEPS:,}",
        )
    if s.protocol.first_proposer is not None and s.protocol.first_proposer not in s.parties:
        fail("protocol.first_proposer", f"unknown party {s.protocol.first_proposer!r}")
    for name, sector in s.sectors.items():
        if sector.importer not in s.parties:
            fail(f"sectors.{name}.importer", f"unknown party {sector.importer!r} ({parties})")
        for p in sector.economics:
            if p not in s.parties:
                fail(f"sectors.{name}.economics.{p}", f"unknown party {p!r}")
        if sector.status_quo == sector.free_trade:
            fail(f"sectors.{name}.free_trade", "must differ from status_quo")
        for ref in sector.references:
            if ref in RESERVED_REFERENCES:
                fail(
                    f"sectors.{name}.references.{ref}",
                    f"{ref!r} already means today's protection; give the level another name",
                )
    for pname, party in s.parties.items():
        if party.hard_deadline is not None and party.hard_deadline < cal.start:
            fail(f"parties.{pname}.hard_deadline", f"is before calendar.start ({cal.start})")
        for ename, e in party.elections.items():
            if e.date < cal.start:
                fail(f"parties.{pname}.elections.{ename}.date", "is before calendar.start")
        for sec, rl in party.red_lines.items():
            where = f"parties.{pname}.red_lines.{sec}"
            if sec not in s.sectors:
                fail(where, f"unknown sector {sec!r}")
            bounds = []
            for side in ("min", "max"):
                v = getattr(rl, side)
                if isinstance(v, str) and v not in s.sectors[sec].references:
                    fail(f"{where}.{side}", f"sector {sec} has no reference {v!r}")
                bounds.append(s.reference_level(sec, v) if v is not None else None)
            if None not in bounds and bounds[0] > bounds[1]:
                fail(where, "min must not exceed max")
    for lname, lobby in s.lobbies.items():
        where = f"lobbies.{lname}"
        if lobby.country not in s.parties:
            fail(f"{where}.country", f"unknown party {lobby.country!r} ({parties})")
        if not lobby.stakes:
            fail(f"{where}.stakes", "must name at least one sector")
        for sec in lobby.stakes:
            if sec not in s.sectors:
                fail(f"{where}.stakes.{sec}", f"unknown sector {sec!r}")
            ref = lobby.reference_for(sec)
            if (
                isinstance(ref, str)
                and ref != "status_quo"
                and ref not in s.sectors[sec].references
            ):
                fail(f"{where}.reference", f"sector {sec} has no reference {ref!r}")
            if isinstance(ref, int | float) and not 0.0 <= ref <= 1.0:
                fail(f"{where}.reference", f"must lie in [0, 1] (got {ref})")
        if isinstance(lobby.reference, dict):
            for sec in lobby.reference:
                if sec not in s.sectors:
                    fail(f"{where}.reference.{sec}", f"unknown sector {sec!r}")
        for sec, v in lobby.red_lines.items():
            if sec not in s.sectors:
                fail(f"{where}.red_lines.{sec}", f"unknown sector {sec!r}")
            if isinstance(v, str) and v not in s.sectors[sec].references:
                fail(f"{where}.red_lines.{sec}", f"sector {sec} has no reference {v!r}")
            if isinstance(v, int | float) and not 0.0 <= v <= 1.0:
                fail(f"{where}.red_lines.{sec}", f"must lie in [0, 1] (got {v})")
    for sname, summit in s.summits.items():
        where = f"summits.{sname}"
        end = summit.end or summit.start
        if end < summit.start:
            fail(f"{where}.end", "is before its start")
        if summit.start < cal.start or end > cal.end:
            fail(f"{where}.start", f"must lie within the calendar ({cal.start} .. {cal.end})")
        for p in summit.parties or []:
            if p not in s.parties:
                fail(f"{where}.parties", f"unknown party {p!r}")
    for ename, event in s.events.items():
        if event.date > cal.end:
            fail(f"events.{ename}.date", f"is after calendar.end ({cal.end})")
        for kind in ("set", "add"):
            for path in getattr(event, kind):
                target = event_target(path, s)
                if target is None:
                    fail(
                        f"events.{ename}.{kind}",
                        f"{path!r} is not a parameter an event can change"
                        f" (events can change {', '.join(allowed_paths())})",
                    )
                elif (
                    target.attribute == "beta"
                    and s.parties[target.name].tactic.kind != "time_dependent"
                ):
                    problem = f"{path!r}: only a time_dependent tactic has a beta"
                    fail(f"events.{ename}.{kind}", problem)
