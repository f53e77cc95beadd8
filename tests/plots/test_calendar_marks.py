"""The calendar's marks: one list, one way to draw them, names that never overlap."""

from __future__ import annotations

import datetime as dt

import matplotlib.pyplot as plt
import pytest
from matplotlib.colors import to_hex

import sim
from sim.plots import calendar_legend_items, calendar_marks, draw_calendar, label_calendar
from sim.plots.calendar import short_label


@pytest.fixture(scope="module")
def scenario():
    return sim.load_scenario("usjapan_2019")


def test_marks_hold_summits_elections_deadlines_and_events(scenario):
    marks = calendar_marks(scenario)
    kinds = {m.kind for m in marks}
    assert kinds == {"summit", "election", "deadline", "event"}
    assert [m.start for m in marks] == sorted(m.start for m in marks)
    osaka = next(m for m in marks if m.label == "G20 Osaka")
    assert osaka.end - osaka.start >= dt.timedelta(days=1)
    deadlines = {m.label: m.start for m in marks if m.kind == "deadline"}
    assert deadlines["Japan's hard deadline"] == dt.date(2019, 11, 13)
    election = next(m for m in marks if m.name == "upper_house_2019")
    assert election.party == "japan" and election.colour == sim.plots.PARTY_COLOURS[1]
    assert all(scenario.calendar.start <= m.start <= scenario.calendar.end for m in marks)


def test_marks_in_a_window_without_a_moved_election_and_with_the_deal(scenario):
    moved = [("japan", "upper_house_2019")]
    marks = calendar_marks(
        scenario, "2019-06-01", dt.date(2019, 9, 1), skip_elections=moved, deal="2019-08-26"
    )
    labels = [m.label for m in marks]
    assert "Japan upper-house election" not in labels and "G20 Osaka" in labels
    assert "deal ratified" in labels and "Trump's state visit to Tokyo" not in labels


def test_one_artist_per_mark(scenario):
    fig, ax = plt.subplots()
    ax.set_xlim(scenario.calendar.start, scenario.calendar.end)
    marks = calendar_marks(scenario)
    artists = draw_calendar(ax, marks)
    assert len(artists) == len(marks)
    lines = [a for a, m in zip(artists, marks, strict=True) if m.kind != "summit"]
    styles = {m.kind: a.get_linestyle() for a, m in zip(artists, marks, strict=True)
              if m.kind != "summit"}  # fmt: skip
    assert styles == {"election": "--", "deadline": "-.", "event": ":"}
    assert all(line.get_zorder() < 2 for line in lines)  # behind the data
    plt.close(fig)


def test_legend_items_are_the_apps(scenario):
    from sim.app.page import SWATCH

    items = calendar_legend_items(calendar_marks(scenario))
    assert all(style in SWATCH and colour.startswith("#") for colour, style, _ in items)
    assert any(label.startswith("summits: Trump's state visit") for _, _, label in items)
    assert any("hard deadline (2019-11-13)" in label for _, _, label in items)
    assert to_hex(sim.plots.PARTY_COLOURS[0]) in {c for c, _, _ in items}


def test_strip_labels_never_overlap_each_other_or_a_mark(scenario):
    fig, (strip, panel) = plt.subplots(2, 1, figsize=(9, 4), sharex=True, layout="constrained")
    panel.set_xlim(scenario.calendar.start, scenario.calendar.end)
    marks = calendar_marks(scenario)
    rows = label_calendar(strip, marks)
    assert rows >= 2 and len(strip.texts) == len(marks)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    boxes = [t.get_window_extent(renderer) for t in strip.texts]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not a.overlaps(b)
    ticks = [line.get_window_extent(renderer) for line in strip.lines]
    ticks += [patch.get_window_extent(renderer) for patch in strip.patches if patch.get_visible()]
    for box in boxes:
        assert not any(box.overlaps(tick) for tick in ticks if tick.width < 40)
    assert {short_label(m.label) for m in marks} == {t.get_text() for t in strip.texts}
    plt.close(fig)


def test_labels_are_cut_at_a_word():
    text = "U.S. raises tariffs on $200bn of Chinese imports; a Japan deal gains leverage value"
    assert short_label(text) == "U.S. raises tariffs on $200bn of Chinese…"
    assert short_label("G20 Osaka") == "G20 Osaka"
