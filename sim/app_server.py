"""Starting the teaching app: checks, offline web assets, and the Solara server.

``negsim app`` must work in a classroom behind a firewall. Solara fetches its JavaScript, CSS
and fonts from a public CDN through a local proxy that reads a cache folder first; negsim ships
the files this version of Solara asks for (``sim/app_assets/cdn``, refreshed by
``tools/fetch_app_assets.py``) and points the proxy's cache at a writable copy of them, so the
page loads with no internet and nothing is fetched unless Solara asks for something new.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

from sim.errors import ScenarioError
from sim.scenario import load_scenario

ASSETS = Path(__file__).resolve().parent / "app_assets" / "cdn"
DEFAULT_PORT = 8765


def asset_cache(root: Path | None = None) -> Path:
    """A writable copy of the shipped web assets (created or completed on each start).

    ``root`` defaults to ``$XDG_CACHE_HOME/negsim`` (``~/.cache/negsim``). Falls back to the
    shipped folder itself when no cache folder can be written.
    """
    base = root or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "negsim"
    cache = base / "solara-cdn"
    try:
        for source in ASSETS.rglob("*"):
            if source.is_file():
                target = cache / source.relative_to(ASSETS)
                if not target.exists() or target.stat().st_size != source.stat().st_size:
                    target.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(source, target)
    except OSError:
        return ASSETS
    return cache


def check_port(host: str, port: int) -> None:
    """Fail early, with one line, when the port is taken (Solara would print a traceback)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((host, port))
        except OSError as exc:
            raise ScenarioError(
                "", "--port", f"cannot listen on {host}:{port} ({exc.strerror}); try another"
            ) from None


def server_command(host: str, port: int) -> list[str]:
    """The Solara command that serves ``sim.app``."""
    return [
        sys.executable, "-m", "solara", "run", "sim.app",
        "--host", host, "--port", str(port), "--production", "--no-open",
        "--log-level", "warning",
    ]  # fmt: skip


def server_environment(scenario: str, cache: Path) -> dict[str, str]:
    """Environment of the server process: the scenario, offline assets, no telemetry."""
    env = dict(os.environ)
    env["NEGSIM_APP_SCENARIO"] = scenario
    env["SOLARA_ASSETS_PROXY_CACHE_DIR"] = str(cache)
    env["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] = "False"
    return env


def resolve_scenario(name: str) -> str:
    """A bundled scenario's name as is, a scenario file as an absolute path; checked."""
    load_scenario(name)  # raises ScenarioError with one line on any problem
    path = Path(name)
    return str(path.resolve()) if path.suffix in {".yaml", ".yml", ".toml"} else name


def serve(scenario: str, host: str = "127.0.0.1", port: int = DEFAULT_PORT) -> int:
    """Start the app and wait until it is stopped (Ctrl-C); return the exit code."""
    if importlib.util.find_spec("solara") is None:
        raise ScenarioError(
            "", "negsim app", "needs the app extra: pip install 'negsim[app]' (Solara, Mesa viz)"
        )
    scenario = resolve_scenario(scenario)
    check_port(host, port)
    cache = asset_cache()
    print(
        f"negsim app: open http://{host}:{port} in a browser "
        f"(scenario {Path(scenario).stem}; Ctrl-C stops it)",
        flush=True,
    )
    process = subprocess.Popen(server_command(host, port), env=server_environment(scenario, cache))
    try:
        return process.wait()
    except KeyboardInterrupt:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        return 0
