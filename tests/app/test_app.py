"""The teaching app: its model, its views, its launcher, and the page driven in Chromium."""

from __future__ import annotations

import contextlib
import io
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

import sim
from sim.app.model import TeachingModel, app_seed, farm_lobby, teaching_overrides
from sim.app.text import event_log_markdown, run_over_text, status_markdown
from sim.app.views import VIEWS
from sim.errors import ScenarioError
from sim.model import NegotiationModel, RunFinished
from sim.scenario import bundled_scenarios

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(os.environ.get("NEGSIM_TEST_ARTIFACTS", ROOT / "test-artifacts"))
LINUX = sys.platform.startswith("linux")


def need(module: str):
    """Import ``module`` or skip, except in CI, where a missing test tool is a failure."""
    try:
        return __import__(module, fromlist=["_"])
    except ImportError:
        if os.environ.get("CI"):
            pytest.fail(f"{module} is not installed: CI must install the test extra")
        pytest.skip(f"{module} is not installed")


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


@pytest.mark.parametrize(
    ("typed", "problem"),
    [("seven", "not a whole number"), ("7.5", "not a whole number"), ("-3", "negative"),
     (-3, "negative"), ("9" * 5000, "too many digits")],
)  # fmt: skip
def test_a_bad_seed_is_reported_in_the_log_not_raised(typed, problem):
    model = TeachingModel("classroom", seed=typed)
    assert model.seed == 1
    note = model.log[0][2]
    assert problem in note and "seed 1 is used" in note and len(note) < 120


def test_seeds_are_whole_numbers_from_zero():
    assert app_seed(" 0 ") == (0, None)
    assert app_seed("12") == (12, None)
    assert app_seed(str(2**70)) == (2**70, None)  # numpy takes any size


def test_a_finished_model_refuses_to_step():
    model = TeachingModel("classroom", seed=1)
    while model.running:
        model.step()
    before = (model.steps, model.outcome.to_dict(), len(model.trail), len(model.log))
    with pytest.raises(RunFinished, match="the run is over"):
        model.step()
    assert (model.steps, model.outcome.to_dict(), len(model.trail), len(model.log)) == before


def test_the_app_model_ends_a_batch_of_steps_quietly():
    # Mesa's controller runs "Render Interval" steps per click without looking at `running`:
    # the app's model must end the batch, unchanged, instead of failing the page.
    plain = TeachingModel("classroom", seed=2)
    while plain.running:
        plain.step()
    model = TeachingModel(scenario_name="classroom", seed="2", end_quietly=True)
    for _ in range(plain.steps + 10):
        model.step()
    assert not model.running and model.steps == plain.steps
    assert model.outcome.to_dict() == plain.outcome.to_dict()


def test_trail_records_each_tabled_offer_for_both_sides():
    model = TeachingModel("classroom", seed=3)
    for _ in range(5):
        model.step()
    # Both sides offer in every weekly round (simultaneous offers).
    assert [(p.step, p.proposer) for p in model.trail] == [
        (t, side) for t in range(5) for side in ("northland", "southland")
    ]
    last = model.trail[-1]
    offer = model.table[last.proposer]
    assert last.utilities[0] == pytest.approx(
        model.governments_by_name["northland"].utility(offer)
    )


# --- the views ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", bundled_scenarios())
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


def test_the_status_says_when_and_why_the_run_is_over():
    model = TeachingModel("classroom", seed=1)
    assert run_over_text(model) is None
    while model.running:
        model.step()
        assert (run_over_text(model) is None) == model.running
    text = run_over_text(model)
    assert text.startswith("The run is over: agreement in week ")
    assert model.outcome.reason in text and "Reset" in text


# --- the app module -------------------------------------------------------------------------


def test_the_menu_lists_every_bundled_scenario(tmp_path, monkeypatch):
    need("solara")
    import sim.scenario
    from sim.app.page import model_params

    for name in bundled_scenarios():
        shutil.copy(ROOT / "configs" / f"{name}.yaml", tmp_path)
    shutil.copy(ROOT / "configs" / "classroom.yaml", tmp_path / "zz_new_class.yaml")
    monkeypatch.setattr(sim.scenario, "REPO_CONFIGS", tmp_path)
    menu = model_params("classroom")["scenario_name"]
    assert menu["values"] == bundled_scenarios() and "zz_new_class" in menu["values"]
    assert menu["value"] == "classroom"


def test_every_control_is_a_parameter_of_the_model():
    need("solara")
    from mesa.visualization.solara_viz import _check_model_params

    from sim.app.page import first_model, model_params

    for name in bundled_scenarios():
        params = model_params(name)
        _check_model_params(TeachingModel.__init__, params)  # Mesa's own check, on Reset
        model = first_model(params)
        assert model.spec.name == name and model.steps == 0 and model.running
        while model.running:
            model.step()
        model.step()  # as Mesa's controller may: the app's model ends quietly


def test_no_model_is_built_when_the_app_loads():
    # A model made at import time is shared by every browser tab (one tab's finished run
    # showed up in the next, with Play and Step on): each session builds its own (Page).
    need("solara")
    import sim.app.page

    assert not [k for k, v in vars(sim.app.page).items() if isinstance(v, NegotiationModel)]
    assert callable(sim.app.page.Page)


def test_legend_html_escapes_labels():
    need("solara")
    from sim.app.page import legend_html

    out = legend_html([("#123456", "dashed", "<b>A & B</b>")])
    assert "&lt;b&gt;A &amp; B&lt;/b&gt;" in out and "dashed #123456" in out


# --- the launcher ---------------------------------------------------------------------------


def _free_port(host: str = "127.0.0.1") -> int:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def _ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


def _negsim_app(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "sim.cli", "app", *args],
        capture_output=True, text=True, timeout=timeout,
    )  # fmt: skip


def test_app_rejects_a_missing_scenario_in_one_line(tmp_path):
    done = _negsim_app(str(tmp_path / "nope.yaml"))
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "nope.yaml" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(
    ("args", "blamed", "words"),
    [
        (["--port", "70000"], "--port", "must be 1-65535, not 70000"),
        (["--port", "0"], "--port", "must be 1-65535, not 0"),
        (["--port", "-5"], "--port", "must be 1-65535, not -5"),
        (["--host", "no-such-host.invalid"], "--host", "cannot resolve 'no-such-host.invalid'"),
        (["--host", "192.0.2.1"], "--host", "not an address here"),  # TEST-NET: not ours
    ],
)
def test_app_refuses_bad_input_in_one_line(args, blamed, words, capsys):
    need("solara")
    from sim.cli import main

    assert main(["app", "classroom", *args]) == 2
    out, err = capsys.readouterr()
    assert err.count("\n") == 1 and f"negsim: error: {blamed}: " in err and words in err
    assert out == ""  # nothing started, no address printed


def test_app_rejects_a_busy_port():
    from sim.app.server import check_listen

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        with pytest.raises(ScenarioError, match=r"--port: cannot listen on 127\.0\.0\.1"):
            check_listen("127.0.0.1", port)


@pytest.mark.skipif(not _ipv6_loopback(), reason="this machine has no IPv6 loopback")
def test_the_ipv6_loopback_is_a_host_like_any_other():
    from sim.app.server import browse_url, check_listen, exposed

    port = _free_port("::1")
    addresses = check_listen("::1", port)  # was refused, and blamed on --port
    assert addresses[0][0] == socket.AF_INET6 and not exposed(addresses)
    assert browse_url("::1", port) == f"http://[::1]:{port}"
    with socket.socket(socket.AF_INET6) as s:
        s.bind(("::1", port))
        s.listen()
        with pytest.raises(ScenarioError, match=r"--port: cannot listen on \[::1\]"):
            check_listen("::1", port)


class _FakeServer:
    """Stands in for the Solara process: serve() starts it and it exits at once."""

    def __init__(self, command, **kwargs):
        self.command = command

    def poll(self):
        return 0

    def wait(self, timeout=None):
        return 0


@pytest.mark.parametrize(
    ("host", "warned"),
    [("127.0.0.1", False), ("localhost", False), ("0.0.0.0", True), ("::", True)],
)
def test_an_address_other_machines_can_reach_is_served_with_a_warning(
    host, warned, monkeypatch, capsys, tmp_path
):
    need("solara")
    import sim.app.server

    if ":" in host and not _ipv6_loopback():
        pytest.skip("this machine has no IPv6")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr(sim.app.server.subprocess, "Popen", _FakeServer)
    port = _free_port()
    assert sim.app.server.serve("classroom", host=host, port=port) == 0
    out, err = capsys.readouterr()
    local = "[::1]" if ":" in host else ("localhost" if host == "localhost" else "127.0.0.1")
    assert f"open http://{local}:{port} " in out
    if warned:
        assert err.count("\n") == 1 and "warning" in err and "other machines" in err
        assert f"listening on {host}," in err
    else:
        assert err == ""


def test_asset_cache_holds_every_shipped_file(tmp_path):
    from sim.app.server import ASSETS, asset_cache

    cache = asset_cache(tmp_path)
    shipped = sorted(p.relative_to(ASSETS) for p in ASSETS.rglob("*") if p.is_file())
    assert shipped, "the offline web assets are missing from the package"
    assert all((cache / rel).is_file() for rel in shipped)
    assert (cache / "requirejs@2.3.6" / "require.js").stat().st_size > 10_000
    stale = cache / "requirejs@2.3.6" / "require.js"
    stale.write_bytes(b"x" * stale.stat().st_size)  # same size, other content: replaced
    asset_cache(tmp_path)
    assert stale.read_bytes() == (ASSETS / "requirejs@2.3.6" / "require.js").read_bytes()


# --- the server process ---------------------------------------------------------------------

DEAD_CDN = "http://127.0.0.1:9/npm/"
"""Where the server's CDN proxy is sent in tests: nowhere (a new user may be offline), so a
file the page needs and negsim does not ship fails the test instead of being downloaded."""


def fresh_environment(home: Path) -> dict[str, str]:
    """The environment of a user who never ran negsim: empty home and cache, no CDN."""
    env = dict(os.environ)
    env.update(
        HOME=str(home), XDG_CACHE_HOME=str(home / ".cache"), XDG_CONFIG_HOME=str(home / ".config"),
        SOLARA_ASSETS_CDN=DEAD_CDN, PYTHONUNBUFFERED="1",
    )  # fmt: skip
    for key in ("SOLARA_ASSETS_PROXY_CACHE_DIR", "MPLCONFIGDIR"):
        env.pop(key, None)
    return env


class App:
    """``negsim app`` started as a user starts it, on a free port, in its own session."""

    def __init__(self, home: Path, *args: str) -> None:
        self.home = home
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "sim.cli", "app", *args, "--port", str(self.port)],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            start_new_session=True, env=fresh_environment(home),
        )  # fmt: skip

    @property
    def cache(self) -> Path:
        return self.home / ".cache" / "negsim" / "solara-cdn"

    def wait_until_serving(self, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(self.url, timeout=5) as response:
                    if response.status == 200:
                        return
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    self.close()
                    pytest.fail(f"negsim app did not start:\n{self.output}")
                time.sleep(0.3)

    def server_pids(self) -> list[int]:
        """The processes negsim app started (the Solara server)."""
        return _children(self.proc.pid)

    def close(self) -> None:
        """Stop whatever is left of it (the test has checked what it wanted)."""
        for pid in [self.proc.pid, *self.server_pids()]:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        try:
            self.output, _ = self.proc.communicate(timeout=20)
        except ValueError:  # already read
            self.proc.wait()

    output = ""


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _gone(pid: int) -> bool:
    """Whether the process has exited (a zombie waiting for a reaper has exited)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


def _port_free(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0


def _wait_for(condition, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


@pytest.fixture(scope="module")
def process_home(tmp_path_factory):
    """One home for the process tests (matplotlib builds its font cache there once)."""
    return tmp_path_factory.mktemp("process-home")


@pytest.mark.skipif(not LINUX, reason="reads /proc")
def test_sigterm_to_negsim_app_stops_its_server(process_home):
    need("solara")
    app = App(process_home, "classroom")
    try:
        app.wait_until_serving()
        servers = app.server_pids()
        assert len(servers) == 1
        os.kill(app.proc.pid, signal.SIGTERM)  # to negsim alone, not its process group
        assert app.proc.wait(timeout=30) == 128 + signal.SIGTERM
        assert _gone(servers[0]), "the server outlived negsim app"
        assert _wait_for(lambda: _port_free(app.port), 5)
    finally:
        app.close()
    assert "Traceback" not in app.output


def _signal_once_handled(sig: int) -> None:
    """Send ``sig`` to this process once something other than the default handles it."""
    before = signal.getsignal(sig)

    def send() -> None:
        deadline = time.monotonic() + 10
        while signal.getsignal(sig) is before and time.monotonic() < deadline:
            time.sleep(0.01)
        os.kill(os.getpid(), sig)

    threading.Thread(target=send, daemon=True).start()


@pytest.mark.skipif(not hasattr(signal, "SIGHUP"), reason="no SIGHUP here")
@pytest.mark.parametrize(("sig", "code"), [("SIGHUP", 128 + 1), ("SIGINT", 0), ("SIGTERM", 143)])
def test_every_stopping_signal_is_passed_on_to_the_server(sig, code):
    # The launcher's loop, with `sleep` standing in for the server (as fast as a test can be).
    from sim.app.server import supervise

    server = subprocess.Popen(["sleep", "60"])
    before = signal.getsignal(getattr(signal, sig))
    _signal_once_handled(getattr(signal, sig))
    assert supervise(server, timeout=5) == code
    assert server.returncode == -signal.SIGTERM  # told to stop, and waited for
    assert signal.getsignal(getattr(signal, sig)) is before  # handlers put back


def test_a_server_that_will_not_stop_is_killed():
    from sim.app.server import supervise

    stubborn = subprocess.Popen(
        [sys.executable, "-c", "import signal, time; signal.signal(signal.SIGTERM, "
         "signal.SIG_IGN); print('ready', flush=True); time.sleep(60)"],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert stubborn.stdout.readline() == "ready\n"
    started = time.monotonic()
    _signal_once_handled(signal.SIGTERM)
    assert supervise(stubborn, timeout=1.0) == 128 + signal.SIGTERM
    assert stubborn.returncode == -signal.SIGKILL and time.monotonic() - started < 5


@pytest.mark.skipif(not LINUX, reason="the parent-death signal is Linux's")
def test_the_server_dies_with_a_killed_negsim_app(process_home):
    need("solara")
    app = App(process_home, "classroom")
    try:
        app.wait_until_serving()
        servers = app.server_pids()
        assert len(servers) == 1
        os.kill(app.proc.pid, signal.SIGKILL)  # no handler runs: the kernel tells the child
        app.proc.wait(timeout=10)
        assert _wait_for(lambda: _gone(servers[0]), 15), "the server outlived negsim app"
        assert _wait_for(lambda: _port_free(app.port), 5)
    finally:
        app.close()


# --- the page in a browser ------------------------------------------------------------------

CHROMIUM = os.environ.get("NEGSIM_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
CDN_PATH = "/_solara/cdn/"


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    """``negsim app classroom`` as a new user starts it: empty home and cache, no internet."""
    need("solara")
    home = tmp_path_factory.mktemp("fresh-home")
    started = App(home, "classroom")
    try:
        started.wait_until_serving()
        yield started
    finally:
        os.killpg(started.proc.pid, signal.SIGTERM)
        try:
            started.output, _ = started.proc.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(started.proc.pid, signal.SIGKILL)
            started.output, _ = started.proc.communicate()
    assert f"open http://127.0.0.1:{started.port}" in started.output
    assert "Traceback" not in started.output, started.output


@pytest.fixture(scope="module")
def browser():
    playwright = need("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"Chromium not found at {CHROMIUM}: CI must install Debian's chromium")
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


class Watched:
    """A page in its own browser context (a browser session), with everything that failed.

    Any failed request (refused, aborted, 4xx or 5xx), console error or uncaught exception is
    a failure: a missing asset or a broken widget shows up here, not only as a blank page.
    """

    def __init__(self, browser) -> None:
        self.context = browser.new_context(viewport={"width": 1400, "height": 1100})
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.requests: list[str] = []
        page = self.page
        page.on("request", lambda r: self.requests.append(r.url))
        page.on("requestfailed", lambda r: self.errors.append(f"failed: {r.url} ({r.failure})"))
        page.on("response", lambda r: r.status >= 400 and self.errors.append(f"{r.status} {r.url}"))
        page.on("console", lambda m: m.type == "error" and self.errors.append(f"console: {m.text}"))
        page.on("pageerror", lambda exc: self.errors.append(f"page error: {exc}"))

    def open(self, url: str) -> None:
        self.page.goto(url)
        self.page.get_by_role("button", name="Step").wait_for(timeout=60_000)

    def cdn_files(self) -> set[str]:
        """The files the page asked Solara's CDN proxy for (paths under the CDN)."""
        return {
            urllib.parse.unquote(urllib.parse.urlsplit(url).path).split(CDN_PATH, 1)[1]
            for url in self.requests
            if CDN_PATH in url
        }

    def close(self) -> None:
        body = self.page.inner_text("body")
        self.context.close()
        assert "Traceback" not in body and "error in" not in body, body[-1500:]
        assert not self.errors, self.errors


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


PLAY_INTERVAL, RENDER_INTERVAL, FARM = 0, 1, 2  # the sliders, in the order of the sidebar


def _slider_value(page, index: int) -> float:
    return float(page.locator("div[role=slider]").nth(index).get_attribute("aria-valuenow"))


def _slide_to(page, index: int, done, timeout: float = 30.0) -> float:
    """Press ArrowRight on a slider until ``done(value)``; the value.

    One press at a time, focusing each time: a re-render (a step arriving) can take the focus.
    """
    slider = page.locator("div[role=slider]").nth(index)
    deadline = time.monotonic() + timeout
    while not done(value := _slider_value(page, index)):
        assert time.monotonic() < deadline, f"slider {index} stuck at {value}"
        slider.focus()
        page.keyboard.press("ArrowRight")
    return value


def _reset_until(page, expected: str, timeout: float = 30.0) -> None:
    """Click Reset until the page shows ``expected``.

    A control's new value reaches the server a moment after the browser shows it: a Reset
    clicked in between builds the model with the old value, and clicking again is harmless.
    """
    deadline = time.monotonic() + timeout
    while True:
        page.get_by_role("button", name="Reset").click()
        retry = time.monotonic() + 3
        while time.monotonic() < retry:
            if expected in page.inner_text("body"):
                return
            time.sleep(0.2)
        assert time.monotonic() < deadline, page.inner_text("body")[-1500:]


def _shipped() -> set[str]:
    from sim.app.server import ASSETS

    return {p.relative_to(ASSETS).as_posix() for p in ASSETS.rglob("*") if p.is_file()}


def _assert_served_offline(tab: Watched, app: App) -> None:
    """Every file the page loaded through the CDN proxy ships with negsim; none was fetched."""
    asked = tab.cdn_files()
    assert asked, "the page loaded nothing through Solara's CDN proxy"
    assert not asked - _shipped(), f"not shipped with negsim: {sorted(asked - _shipped())}"
    cached = {p.relative_to(app.cache).as_posix() for p in app.cache.rglob("*") if p.is_file()}
    assert cached == _shipped(), f"fetched, not shipped: {sorted(cached - _shipped())}"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "app-cdn-files.txt").write_text("".join(f"{f}\n" for f in sorted(asked)))


def test_the_page_steps_plays_and_takes_a_new_setting(app, browser):
    tab = Watched(browser)
    page = tab.page
    tab.open(app.url)
    step = page.get_by_role("button", name="Step")
    _wait_for_time(page, 0.0, exact=True)  # a new session starts a new model
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
    before = _slider_value(page, FARM)
    after = _slide_to(page, FARM, lambda value: value >= before + 0.25)
    _reset_until(page, f"lobbies.farmers.strength={round(after, 9):g}")
    _wait_for_time(page, 0.0, exact=True)
    step.click()
    _wait_for_time(page, 1.0)
    _wait_for_images_to_change(page, images)

    # A negative seed: a note, seed 1, no traceback.
    seed = page.get_by_label("Seed")
    seed.fill("-4")
    seed.press("Enter")
    _reset_until(page, "seed '-4' is negative: seed 1 is used")
    _wait_for_time(page, 0.0, exact=True)

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "app.png"), full_page=True)
    _assert_served_offline(tab, app)
    tab.close()


def test_each_tab_has_its_own_model_and_a_finished_run_stays_finished(app, browser):
    first = Watched(browser)
    first.open(app.url)
    page = first.page
    # Five steps per tick: the run ends inside a batch, which must end it quietly.
    assert _slide_to(page, RENDER_INTERVAL, lambda value: value >= 5) == 5
    page.get_by_role("button", name="▶").click()
    page.get_by_text("The run is over: agreement in week").first.wait_for(timeout=90_000)
    steps = _time_shown(page)
    play = page.get_by_role("button", name=re.compile("^(▶|❚❚)$"))
    assert page.get_by_role("button", name="Step").is_disabled() and play.is_disabled()
    assert "a deal was agreed and ratified by every side" in page.inner_text("body")

    # A second tab opened now starts its own run, at step 0, with Play and Step on.
    second = Watched(browser)
    second.open(app.url)
    other = second.page
    assert _time_shown(other) == 0.0
    assert other.get_by_role("button", name="Step").is_enabled()
    assert other.get_by_role("button", name="▶").is_enabled()
    assert "The run is over" not in other.inner_text("body")
    other.get_by_role("button", name="Step").click()
    _wait_for_time(other, 1.0)

    # The first tab's run is as it ended.
    time.sleep(0.5)
    assert _time_shown(page) == steps
    assert "The run is over: agreement" in page.inner_text("body")
    _assert_served_offline(second, app)
    second.close()
    first.close()


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
