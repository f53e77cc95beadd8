"""The app's offline web assets: present in the checkout, seen by git, shipped in the wheel.

A fresh clone once served a blank page: `.gitignore`'s bare `dist/` hid solara-vuetify-app's
`dist/` folder, so it was never committed nor put in the wheel, and CI stayed green on a warm
`~/.cache`. These tests look at the files themselves; the browser test in `test_app.py` serves
the app with an empty cache and no CDN and checks that every file the page asks for ships.
"""

from __future__ import annotations

import fnmatch
import importlib.util
import os
import posixpath
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from sim.app.server import ASSETS

ROOT = Path(__file__).resolve().parents[2]
WHEEL_ROOT = "sim/app/assets/cdn/"
CDN_IN_TEMPLATE = re.compile(r"""\{\{\s*cdn\s*\}\}([^"'\s>]+)""")
CDN_IN_VUE = re.compile(r"\$\{this\.getCdn\(\)\}([^`'\"\s]+)")
CSS_URL = re.compile(r"url\(['\"]?([^'\")?#]+)")


def need(module: str):
    """Import ``module`` or skip, except in CI, where a missing test tool is a failure."""
    try:
        return __import__(module)
    except ImportError:
        if os.environ.get("CI"):
            pytest.fail(f"{module} is not installed: CI must install the test extra")
        pytest.skip(f"{module} is not installed")


def _shipped() -> list[str]:
    return sorted(p.relative_to(ASSETS).as_posix() for p in ASSETS.rglob("*") if p.is_file())


def _load_tool():
    path = ROOT / "tools" / "fetch_app_assets.py"
    spec = importlib.util.spec_from_file_location("fetch_app_assets", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def solara_page_files() -> set[str]:
    """The CDN files Solara's page loads in ``negsim app``'s setup, read from Solara itself.

    Its page template (production mode, Vuetify 2 since ipyvuetify < 3, ipywidgets 8, Font
    Awesome on), the grid layout Mesa's SolaraViz uses (loaded by Solara's Vue component),
    and the fonts those style sheets name that a browser fetches (WOFF2 comes first).
    """
    solara = need("solara")
    ipywidgets = need("ipywidgets")
    from solara.server.settings import assets

    base = Path(solara.__file__).parent
    major = ipywidgets.__version__.split(".")[0]
    template = (base / "server" / "templates" / "solara.html.j2").read_text()
    found = set()
    for ref in CDN_IN_TEMPLATE.findall(template):
        ref = ref.replace("{{ipywidget_major_version}}", major)
        ref = ref.replace("{{assets.fontawesome_path}}", assets.fontawesome_path)
        if "vuetify3-app" in ref or "{{" in ref:
            continue
        if ref.endswith(".js") and not ref.endswith(".min.js"):
            continue  # the development build; negsim app runs Solara with --production
        found.add(ref.lstrip("/"))
    grid = (base / "widgets" / "vue" / "gridlayout.vue").read_text()
    found.update(ref.lstrip("/") for ref in CDN_IN_VUE.findall(grid))
    for css in [f for f in found if f.endswith(".css") and (ASSETS / f).is_file()]:
        for url in CSS_URL.findall((ASSETS / css).read_text()):
            if url.endswith(".woff2"):
                found.add(posixpath.normpath(posixpath.join(posixpath.dirname(css), url)))
    return found


def test_the_page_files_named_by_solara_ship_with_negsim():
    page = solara_page_files()
    app = "@widgetti/solara-vuetify-app@10.1.1/dist/"
    assert {
        "requirejs@2.3.6/require.js", f"{app}main8.css", f"{app}fonts.css",
        f"{app}solara-vuetify-app8.min.js", "font-awesome@4.5.0/css/font-awesome.min.css",
        "@widgetti/vue-grid-layout@2.3.13-alpha.2/dist/vue-grid-layout.umd.js",
    } <= page  # fmt: skip
    assert any(f.endswith(".woff2") for f in page)
    missing = sorted(page - set(_shipped()))
    assert not missing, f"run tools/fetch_app_assets.py; not in sim/app/assets/cdn: {missing}"


def test_every_file_the_fetch_tool_keeps_is_in_the_checkout():
    # A fresh clone without a committed file fails here, before any browser starts.
    tool = _load_tool()
    shipped = _shipped()
    for spec, patterns in tool.PACKAGES.items():
        inside = [f.removeprefix(f"{spec}/") for f in shipped if f.startswith(f"{spec}/")]
        for pattern in patterns:
            hits = [f for f in inside if fnmatch.fnmatch(f, pattern)]
            assert hits, f"{spec}/{pattern} is missing from sim/app/assets/cdn"


def test_git_ignores_no_asset():
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        if os.environ.get("CI"):
            pytest.fail("CI runs on a git checkout with git installed")
        pytest.skip("not a git checkout")
    files = [str(ASSETS / f) for f in _shipped()]
    done = subprocess.run(
        ["git", "-C", str(ROOT), "check-ignore", "--no-index", "--verbose", "--stdin"],
        input="\n".join(files), capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 1, f"git ignores app assets (never committed):\n{done.stdout}"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> zipfile.ZipFile:
    """negsim's wheel, built from this checkout as pip builds it for a user."""
    out = tmp_path_factory.mktemp("wheel")
    command = [sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "-q", "-w", str(out)]
    if importlib.util.find_spec("hatchling") is not None:
        command.append("--no-build-isolation")  # the backend is here: no download needed
    done = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, f"building the wheel failed:\n{done.stdout}\n{done.stderr}"
    (path,) = out.glob("negsim-*.whl")
    with zipfile.ZipFile(path) as zf:
        yield zf


def test_the_wheel_carries_every_asset(wheel):
    names = set(wheel.namelist())
    missing = [f for f in _shipped() if WHEEL_ROOT + f not in names]
    assert not missing, f"not in the wheel: {missing}"
    for f in solara_page_files():
        assert WHEEL_ROOT + f in names, f
    for f in _shipped():
        assert wheel.getinfo(WHEEL_ROOT + f).file_size == (ASSETS / f).stat().st_size, f
