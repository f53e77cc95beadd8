"""Starting the teaching app: checks, offline web assets, and the Solara server.

``negsim app`` must work in a classroom behind a firewall. Solara fetches its JavaScript, CSS
and fonts from a public CDN through a local proxy that reads a cache folder first; negsim ships
the files this version of Solara asks for (``sim/app/assets/cdn``, refreshed by
``tools/fetch_app_assets.py``) and points the proxy's cache at a writable copy of them, so the
page loads with no internet and nothing is fetched unless Solara asks for something new.

Bad input (a port outside 1-65535, a host that does not resolve or is not this machine's, a
busy port) is refused in one line before anything starts; an address other machines can reach
is served with a warning. The Solara server is a child process that never outlives
``negsim app``: stopping signals are passed on to it, and on Linux the kernel sends it SIGTERM
if ``negsim app`` is killed outright.
"""

from __future__ import annotations

import errno
import importlib.util
import ipaddress
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from sim.errors import ScenarioError
from sim.scenario import load_scenario

ASSETS = Path(__file__).resolve().parent / "assets" / "cdn"
DEFAULT_PORT = 8765
MIN_PORT, MAX_PORT = 1, 65535
HOST_ERRNOS = {errno.EADDRNOTAVAIL, errno.EAFNOSUPPORT}
"""bind() errors that mean the address, not the port, is wrong."""

Address = tuple[int, tuple]
"""An address family and a socket address, as ``socket.getaddrinfo`` gives them."""


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
                if not _same_file(source, target):
                    target.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(source, target)
    except OSError:
        return ASSETS
    return cache


def _same_file(source: Path, target: Path) -> bool:
    """Whether ``target`` is still the copy of ``source`` (``copy2`` keeps the time stamp)."""
    if not target.is_file():
        return False
    a, b = source.stat(), target.stat()
    return a.st_size == b.st_size and a.st_mtime_ns == b.st_mtime_ns


def check_port(port: int) -> None:
    """Refuse a port no server can listen on, in one line (Solara would print a traceback)."""
    if not MIN_PORT <= port <= MAX_PORT:
        raise ScenarioError("", "--port", f"must be {MIN_PORT}-{MAX_PORT}, not {port}")


def resolve_host(host: str, port: int) -> list[Address]:
    """Every address ``host`` stands for (IPv4 or IPv6), as ``(family, sockaddr)`` pairs.

    ``::1`` or ``localhost`` are as good as ``127.0.0.1``: the family comes from the name, so
    an IPv6 address is not mistaken for a busy port. A name that resolves to nothing is blamed
    on ``--host``.
    """
    try:
        found = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP, flags=socket.AI_PASSIVE
        )
    except (socket.gaierror, UnicodeError) as exc:
        reason = exc.strerror if isinstance(exc, socket.gaierror) else "not a valid name"
        raise ScenarioError("", "--host", f"cannot resolve {host!r} ({reason})") from None
    addresses: list[Address] = []
    for family, _, _, _, sockaddr in found:
        if family in (socket.AF_INET, socket.AF_INET6) and (family, sockaddr) not in addresses:
            addresses.append((family, sockaddr))
    if not addresses:
        raise ScenarioError("", "--host", f"{host!r} has no IPv4 or IPv6 address")
    return addresses


def check_listen(host: str, port: int) -> list[Address]:
    """Fail early, with one line, unless the app can listen on every address of ``host``.

    Each address is bound with its own family (the server binds them all). A busy or
    forbidden port is blamed on ``--port``; an address this machine does not have (or an IPv6
    address where IPv6 is off) on ``--host``.
    """
    check_port(port)
    addresses = resolve_host(host, port)
    for family, sockaddr in addresses:
        with socket.socket(family, socket.SOCK_STREAM) as sock:
            # As the server does (asyncio): a port left in TIME_WAIT by a stopped app is free.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if family == socket.AF_INET6:
                sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            try:
                sock.bind(sockaddr)
            except OSError as exc:
                where = _display(sockaddr[0], port)
                if exc.errno in HOST_ERRNOS:
                    problem = f"cannot listen on {where} ({exc.strerror}): not an address here"
                    raise ScenarioError("", "--host", problem) from None
                problem = f"cannot listen on {where} ({exc.strerror}); try another"
                raise ScenarioError("", "--port", problem) from None
    return addresses


def exposed(addresses: list[Address]) -> bool:
    """Whether any of the addresses can be reached from other machines (not loopback)."""
    return any(
        not ipaddress.ip_address(sockaddr[0].split("%")[0]).is_loopback for _, sockaddr in addresses
    )


def _display(address: str, port: int) -> str:
    """``host:port`` as in a URL (an IPv6 address in brackets)."""
    return f"[{address}]:{port}" if ":" in address else f"{address}:{port}"


def browse_url(host: str, port: int) -> str:
    """The address to open in a browser on this machine.

    The wildcard addresses (``0.0.0.0``, ``::``) are where the server listens, not where a
    browser can go: those become the loopback address of the same family.
    """
    shown = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(host, host)
    return f"http://{_display(shown, port)}"


def server_command(host: str, port: int) -> list[str]:
    """The Solara command that serves ``sim.app.page``.

    One worker whatever ``WEB_CONCURRENCY`` says: each browser session's model lives in the
    process that serves it, and one process is one child to stop.
    """
    return [
        sys.executable, "-m", "solara", "run", "sim.app.page",
        "--host", host, "--port", str(port), "--production", "--no-open",
        "--log-level", "warning", "--workers", "1",
    ]  # fmt: skip


def server_environment(scenario: str, cache: Path) -> dict[str, str]:
    """Environment of the server process: the scenario, offline assets, no telemetry.

    Solara warns about its session cookie on every page load over plain http (as the app is
    served on this machine); that warning is silenced so that real errors stand out.
    """
    env = dict(os.environ)
    env["NEGSIM_APP_SCENARIO"] = scenario
    env["SOLARA_ASSETS_PROXY_CACHE_DIR"] = str(cache)
    env["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] = "False"
    quiet = "ignore:Cookies with samesite=none require https:UserWarning"
    env["PYTHONWARNINGS"] = ",".join(filter(None, [env.get("PYTHONWARNINGS"), quiet]))
    return env


def resolve_scenario(name: str) -> str:
    """A bundled scenario's name as is, a scenario file as an absolute path; checked."""
    load_scenario(name)  # raises ScenarioError with one line on any problem
    path = Path(name)
    return str(path.resolve()) if path.suffix in {".yaml", ".yml", ".toml"} else name


FORWARDED = tuple(
    getattr(signal, name) for name in ("SIGTERM", "SIGHUP", "SIGINT") if hasattr(signal, name)
)
"""Signals that stop ``negsim app``: each stops the server too, never leaving it serving."""
STOP_TIMEOUT = 10.0
"""Seconds the server has to shut down after being told to, before it is killed."""
PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def die_with_parent() -> Callable[[], None] | None:
    """A ``preexec_fn`` that makes the server get SIGTERM when ``negsim app`` dies (Linux).

    Forwarded signals cannot help when the parent is killed outright (``kill -9``, the OOM
    killer, a CI job's end): without this the server would go on holding the port. libc is
    loaded here, before the fork, so that the child only makes two system calls between fork
    and exec. None where there is no ``prctl`` (not Linux): forwarded signals still apply.
    """
    if not sys.platform.startswith("linux"):
        return None
    import ctypes

    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    parent = os.getpid()

    def in_child() -> None:  # pragma: no cover - runs in the child, between fork and exec
        prctl(PR_SET_PDEATHSIG, int(signal.SIGTERM), 0, 0, 0)
        if os.getppid() != parent:  # the parent died before prctl took effect
            os.kill(os.getpid(), signal.SIGTERM)

    return in_child


def stop(process: subprocess.Popen, timeout: float = STOP_TIMEOUT) -> int:
    """Ask the server to stop (SIGTERM: a graceful shutdown), kill it if it does not; its code."""
    if process.poll() is None:
        process.terminate()
    try:
        return process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        return process.wait()


def supervise(process: subprocess.Popen, timeout: float = STOP_TIMEOUT) -> int:
    """Wait for the server; on SIGTERM, SIGHUP or SIGINT stop it, then return.

    Whatever signal comes in, the server gets SIGTERM (uvicorn's graceful shutdown; it gets
    Ctrl-C's SIGINT from the terminal as well) and ``timeout`` seconds before it is killed.
    The exit code is the server's own; 0 after Ctrl-C (the documented way to stop the app)
    and 128 + the signal's number after SIGTERM or SIGHUP, as a shell reports a killed job.
    """
    received: list[int] = []

    def forward(signum: int, _frame: object) -> None:
        received.append(signum)
        if process.poll() is None:
            process.terminate()

    handle = threading.current_thread() is threading.main_thread()  # signal.signal's rule
    previous = {sig: signal.signal(sig, forward) for sig in FORWARDED} if handle else {}
    try:
        code = _wait(process, received, timeout) if handle else process.wait()
    finally:
        if process.poll() is None:  # an exception here (never a signal: those are handled)
            stop(process, timeout)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if not received:
        return code
    return 0 if received[0] == signal.SIGINT else 128 + received[0]


def _wait(process: subprocess.Popen, received: list[int], timeout: float) -> int:
    """The server's exit code, killing it ``timeout`` seconds after the first signal."""
    deadline = None
    while True:
        try:
            return process.wait(timeout=0.2)
        except subprocess.TimeoutExpired:
            if received and deadline is None:
                deadline = time.monotonic() + timeout
            if deadline is not None and time.monotonic() > deadline:
                process.kill()


def serve(scenario: str, host: str = "127.0.0.1", port: int = DEFAULT_PORT) -> int:
    """Start the app and wait until it is stopped (Ctrl-C or a signal); return the exit code.

    Bad input is refused before anything starts, in one line (``ScenarioError``): a port
    outside 1-65535, a host that does not resolve or is not this machine's, a busy port. An
    address other machines can reach is served, with a warning saying so.
    """
    if importlib.util.find_spec("solara") is None:
        raise ScenarioError(
            "", "negsim app", "needs the app extra: pip install 'negsim[app]' (Solara, Mesa viz)"
        )
    check_port(port)
    scenario = resolve_scenario(scenario)
    addresses = check_listen(host, port)
    cache = asset_cache()
    print(
        f"negsim app: open {browse_url(host, port)} in a browser "
        f"(scenario {Path(scenario).stem}; Ctrl-C stops it)",
        flush=True,
    )
    if exposed(addresses):
        print(
            f"negsim app: warning: listening on {host}, so other machines on the network can "
            "open the app (and run models on this machine); use --host 127.0.0.1 to keep it "
            "to this machine",
            file=sys.stderr,
            flush=True,
        )
    process = subprocess.Popen(
        server_command(host, port),
        env=server_environment(scenario, cache),
        preexec_fn=die_with_parent(),  # negsim runs no threads here: preexec_fn is safe
    )
    return supervise(process)
