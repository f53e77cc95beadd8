"""The teaching app: its model, its views, its launcher, and the page driven in Chromium."""

from __future__ import annotations

import io
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

import sim
from sim.app_model import SCENARIOS, TeachingModel, farm_lobby, teaching_overrides
from sim.app_views import VIEWS, event_log_markdown, status_markdown
from sim.errors import ScenarioError

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = Path(os.environ.get("NEGSIM_TEST_ARTIFACTS", ROOT / "test-artifacts"))


# --- the model behind the app ---------------------------------------------------------------


def test_farm_lobby_is_the_protectionist_farm_lobby():
    assert farm_lobby(sim.load_scenario("classroom")) == "farmers"
    assert farm_lobby(sim.load_scenario("usjapan_2019")) == "ja_zenchu"
    assert farm_lobby(sim.load_scenario("usjapan_2015")) == "ja_zenchu"


def test_controls_become_scenario_overrides():
    spec = sim.load_scenario("classroom")
    got = teaching_overrides(
        spec, farm_strength=2.0, betas=(0.3, None), election_shifts=(0, -3)
    )
    assert got == {
        "parties.northland.tactic.beta": 0.3,
        "parties.southland.elections.general.date": "2025-04-28",
        "lobbies.farmers.strength": 2.0,
    }
    assert teaching_overrides(spec) == {}


@pytest.mark.parametrize("name", ["classroom", "usjapan_2019"])
def test_a_run_in_the_app_is_the_same_run_as_on_the_command_line(name):
    model = TeachingModel(name, seed="4", farm_strength=1.5, beta_second=0.4,
                          election_shift_second=2)
    while model.running:
        model.step()
    if model.strength_scaled_after_draw:  # 2019: JA-Zenchu's strength is a distribution
        assert "drawn strength x 1.5" in model.command()
        return
    again = sim.run(sim.load_scenario(name, model.overrides), 4)
    assert again.to_dict() == model.outcome.to_dict()
    assert model.command().startswith(f"negsim run {name} --seed 4 --set ")


def test_farm_strength_scales_a_drawn_strength():
    plain = TeachingModel("usjapan_2019", seed=2)
    strong = TeachingModel("usjapan_2019", seed=2, farm_strength=3.0)
    assert strong.lobbies_by_name["ja_zenchu"].strength == pytest.approx(
        3.0 * plain.lobbies_by_name["ja_zenchu"].strength
    )


def test_a_bad_seed_is_reported_in_the_log_not_raised():
    model = TeachingModel("classroom", seed="seven")
    assert model.seed == 1
    assert "not a whole number" in model.log[0][2]


def test_trail_records_each_tabled_offer_for_both_sides():
    model = TeachingModel("classroom", seed=3)
    for _ in range(5):
        model.step()
    assert [p.step for p in model.trail] == [0, 1, 2, 3, 4]
    last = model.trail[-1]
    offer = model.table[last.proposer]
    assert last.utilities[0] == pytest.approx(
        model.governments_by_name["northland"].utility(offer)
    )


# --- the views ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", SCENARIOS)
def test_views_follow_a_whole_run(name):
    model = TeachingModel(name, seed=1)
    views = {key: cls(model) for key, cls in VIEWS.items()}
    for view in views.values():  # before the first step
        view.png(model)
    while model.running:
        model.step()
    pngs = {key: view.png(model) for key, view in views.items()}
    for view in views.values():
        assert view.heading(model)
        assert view.legend and all(len(item) == 3 for item in view.legend)
    assert all(png[:8] == b"\x89PNG\r\n\x1a\n" for png in pngs.values())
    offers = views["offers"]
    first_line = next(iter(offers.lines.values()))
    assert len(first_line.get_xdata()) == (model.t + 2) * len(model.sector_names)


def test_a_blitted_picture_is_the_full_redraw():
    # The views redraw only what moved over a cached background: the result must be the
    # picture a full redraw gives, step after step (limits changing or not).
    np = pytest.importorskip("numpy")
    from PIL import Image

    model = TeachingModel("usjapan_2019", seed=3)
    views = {key: cls(model) for key, cls in VIEWS.items()}
    for _ in range(15):
        model.step()
        pngs = {key: view.png(model) for key, view in views.items()}
    for key, view in views.items():
        fast = np.asarray(Image.open(io.BytesIO(pngs[key])).convert("RGB"), dtype=int)
        buf = io.BytesIO()
        view.fig.savefig(buf, format="png")
        full = np.asarray(Image.open(buf).convert("RGB"), dtype=int)
        assert fast.shape == full.shape
        assert (np.abs(fast - full).sum(axis=2) > 30).mean() < 0.005, key


def test_offer_lines_sit_in_their_sector_band():
    model = TeachingModel("classroom", seed=2)
    for _ in range(6):
        model.step()
    view = VIEWS["offers"](model)
    view.update(model)
    for party, line in view.lines.items():
        ys = list(line.get_ydata())
        # One run of 6 weeks per sector, separated by NaN: sector j lies in [j, j + 0.8].
        runs = [ys[k * 7 : k * 7 + 6] for k in range(len(model.sector_names))]
        for j, run in enumerate(runs):
            values = [y for y in run if y == y]  # NaN before a side's first offer
            assert values and all(j - 1e-9 <= y <= j + 0.8 + 1e-9 for y in values), (party, j)
            assert values[-1] == pytest.approx(j + 0.8 * model.table[party][j])


def test_utility_space_shows_the_zone_when_win_sets_intersect():
    model = TeachingModel("classroom", seed=1)
    model.step()
    view = VIEWS["utility_space"](model)
    view.update(model)
    assert view.zone_open == model.zone
    xs = view.zone.get_xdata()
    a, _ = model.sides()
    assert all(x >= a.floor for x in xs)


def test_event_log_and_status_speak_plainly():
    model = TeachingModel("classroom", seed=1)
    assert "press **Step**" in event_log_markdown(model)
    assert "before the first week" in status_markdown(model)
    while model.running:
        model.step()
    log = event_log_markdown(model, last=3)
    assert log.count("\n") == 2 and log.startswith(f"- **week {model.log[-1][0]}**")
    assert ("Agreement on" in status_markdown(model)) == model.outcome.agreement


def test_legend_html_escapes_labels():
    pytest.importorskip("solara")
    from sim.app import legend_html

    out = legend_html([("#123456", "dashed", "<b>A & B</b>")])
    assert "&lt;b&gt;A &amp; B&lt;/b&gt;" in out and "dashed #123456" in out


# --- the launcher ---------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_app_rejects_a_missing_scenario_in_one_line(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "sim.cli", "app", str(tmp_path / "nope.yaml")],
        capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "nope.yaml" in done.stderr
    assert "Traceback" not in done.stderr


def test_app_rejects_a_busy_port():
    from sim.app_server import check_port

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        with pytest.raises(ScenarioError, match="--port"):
            check_port("127.0.0.1", port)


def test_asset_cache_holds_every_shipped_file(tmp_path):
    from sim.app_server import ASSETS, asset_cache

    cache = asset_cache(tmp_path)
    shipped = sorted(p.relative_to(ASSETS) for p in ASSETS.rglob("*") if p.is_file())
    assert shipped, "the offline web assets are missing from the package"
    assert all((cache / rel).is_file() for rel in shipped)
    assert (cache / "requirejs@2.3.6" / "require.js").stat().st_size > 10_000


# --- the page in a browser ------------------------------------------------------------------

CHROMIUM = os.environ.get("NEGSIM_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


@pytest.fixture(scope="module")
def app_url():
    """``negsim app classroom`` on a free port, as a user starts it."""
    pytest.importorskip("solara")
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "sim.cli", "app", "classroom", "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 90
    try:
        while True:
            try:
                with urllib.request.urlopen(url, timeout=5) as response:
                    if response.status == 200:
                        break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    out = proc.stdout.read() if proc.stdout else ""
                    pytest.fail(f"negsim app did not start:\n{out}")
                time.sleep(0.5)
        yield url
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            out, _ = proc.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            out, _ = proc.communicate()
        assert f"open http://127.0.0.1:{port}" in out


@pytest.fixture(scope="module")
def browser():
    playwright = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"Chromium not found at {CHROMIUM}: CI must install Debian's chromium")
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


IMAGES_JS = """async () => Promise.all([...document.querySelectorAll('img')]
    .filter(img => img.src.startsWith('blob:') || img.src.startsWith('data:'))
    .map(async img => {
        const bytes = new Uint8Array(await (await fetch(img.src)).arrayBuffer());
        let h = 0;
        for (const b of bytes) { h = (h * 31 + b) >>> 0; }
        return bytes.length + ':' + h;
    }))"""


def _images(page) -> list[str]:
    return page.evaluate(IMAGES_JS)


def _time_shown(page) -> float:
    text = page.get_by_text("Time:").first.inner_text()
    return float(text.split(":")[1])


def _wait_for_time(page, at_least: float, timeout: float = 60.0, exact: bool = False) -> float:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        shown = _time_shown(page)
        if shown == at_least or (shown >= at_least and not exact):
            return shown
        time.sleep(0.1)
    raise AssertionError(f"the model did not reach step {at_least} (shows {_time_shown(page)})")


def _wait_for_images_to_change(page, before: list[str], timeout: float = 60.0) -> list[str]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        now = _images(page)
        if len(now) == len(before) and now != before:
            return now
        time.sleep(0.2)
    raise AssertionError("the views did not change")


def test_the_page_steps_plays_and_takes_a_new_setting(app_url, browser):
    page = browser.new_page(viewport={"width": 1400, "height": 1100})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(f"page error: {exc}"))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    page.goto(app_url)
    step = page.get_by_role("button", name="Step")
    step.wait_for(timeout=60_000)
    page.get_by_role("button", name="Reset").click()  # the model is shared between sessions
    _wait_for_time(page, 0.0, exact=True)
    page.wait_for_function("document.querySelectorAll('img').length >= 4", timeout=30_000)
    images = _images(page)
    assert len(images) >= 4

    # Step: time advances, every figure is redrawn, the status speaks of week 0.
    step.click()
    _wait_for_time(page, 1.0)
    images = _wait_for_images_to_change(page, images)
    page.get_by_text("Week 0 (2025-01-06)", exact=False).first.wait_for(timeout=30_000)

    # Play, then pause: several steps go by.
    page.get_by_role("button", name="▶").click()
    _wait_for_time(page, 4.0)
    page.get_by_role("button", name="❚❚").click()
    images = _wait_for_images_to_change(page, images)

    # A slider: the farm lobby twice as strong, applied on Reset.
    slider = page.locator("div[role=slider]").nth(2)  # play interval, render interval, farm
    before = float(slider.get_attribute("aria-valuenow"))
    slider.focus()
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    after = float(slider.get_attribute("aria-valuenow"))
    assert after > before
    page.get_by_role("button", name="Reset").click()
    expected = f"lobbies.farmers.strength={round(after, 9):g}"
    deadline = time.monotonic() + 30
    while expected not in page.inner_text("body"):
        assert time.monotonic() < deadline, page.inner_text("body")[-1500:]
        time.sleep(0.2)
    _wait_for_time(page, 0.0, exact=True)
    step.click()
    _wait_for_time(page, 1.0)
    _wait_for_images_to_change(page, images)

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "app.png"), full_page=True)
    body = page.inner_text("body")
    assert "Traceback" not in body and "error in visualization" not in body
    assert not errors, errors
    page.close()


def test_app_without_its_extra_says_how_to_install_it(monkeypatch, capsys):
    import importlib.util

    from sim.cli import main

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "solara" else real(name, *a)
    )
    assert main(["app", "classroom"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "pip install 'negsim[app]'" in err
