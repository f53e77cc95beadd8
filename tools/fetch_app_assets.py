"""Refresh the web assets the teaching app serves offline (``sim/app/assets/cdn``).

Solara loads its JavaScript, CSS and fonts from a public CDN (jsDelivr) through its own proxy,
which looks in a cache folder first. ``negsim app`` points that cache at a copy of
``sim/app/assets/cdn``, so the app works with no internet. This script rebuilds that folder
from the npm registry (``npm pack``), keeping only the files the page loads (listed below, for
solara 1.64.1; after a solara upgrade, run ``tests/app/test_app.py``: its browser test serves the
app with the CDN unreachable and names every file the page asked for and did not get).

Each package's folder is replaced whole (no stale file of an older version stays); a pattern
that matches nothing, or a file git would ignore (and so never commit or ship), is an error.
Usage::

    python tools/fetch_app_assets.py            # needs npm and access to registry.npmjs.org
"""

from __future__ import annotations

import fnmatch
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEST = ROOT / "sim" / "app" / "assets" / "cdn"
NPM_TIMEOUT = 300

# package@version -> glob patterns of the files to keep (relative to the package root)
PACKAGES = {
    "requirejs@2.3.6": ["require.js", "package.json"],
    "@widgetti/solara-vuetify-app@10.1.1": [
        "dist/solara-vuetify-app8.min.js",
        "dist/main8.css",
        "dist/fonts.css",
        "dist/*.woff2",
        "package.json",
    ],
    "@widgetti/vue-grid-layout@2.3.13-alpha.2": [
        "dist/vue-grid-layout.umd.js",
        "LICENSE",
        "package.json",
    ],
    "font-awesome@4.5.0": [
        "css/font-awesome.min.css",
        "fonts/fontawesome-webfont.woff*",
        "package.json",
    ],
}


class FetchError(Exception):
    """Why the assets could not be refreshed, in one line."""


def npm_pack(spec: str, work: Path) -> Path:
    """Download one package's tarball into ``work`` (npm checks its integrity); its path."""
    try:
        done = subprocess.run(
            ["npm", "pack", spec, "--json", "--silent"],
            cwd=work,
            capture_output=True,
            text=True,
            timeout=NPM_TIMEOUT,
        )
    except subprocess.TimeoutExpired:
        raise FetchError(f"{spec}: npm pack took over {NPM_TIMEOUT} s") from None
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no message"])[-1]
        raise FetchError(f"{spec}: npm pack failed ({last})")
    try:
        filename = json.loads(done.stdout)[0]["filename"]
    except (ValueError, LookupError, TypeError):
        raise FetchError(f"{spec}: cannot read npm pack's output: {done.stdout[:200]!r}") from None
    # npm names a scoped package's tarball widgetti-solara-vuetify-app-10.1.1.tgz
    return work / filename.replace("@", "").replace("/", "-")


def extract(tarball: Path, patterns: list[str], target: Path) -> list[str]:
    """Copy the package files matching ``patterns`` into ``target``; their relative paths.

    Raises:
        FetchError: A pattern matched no file (the package changed: fix ``PACKAGES``).
    """
    kept: list[str] = []
    used: set[str] = set()
    with tarfile.open(tarball) as tar:
        for member in tar.getmembers():
            name = member.name.removeprefix("package/")
            hits = [p for p in patterns if fnmatch.fnmatch(name, p)]
            if not member.isfile() or not hits or ".." in Path(name).parts:
                continue
            data = tar.extractfile(member)
            if data is None:
                continue
            path = target / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data.read())
            kept.append(name)
            used.update(hits)
    missing = [p for p in patterns if p not in used]
    if missing:
        raise FetchError(f"{tarball.name}: no file matches {', '.join(missing)}")
    return sorted(kept)


def ignored_by_git(paths: list[Path]) -> list[Path]:
    """Those of ``paths`` that git ignores (never committed, never in the wheel); [] sans git."""
    if shutil.which("git") is None or not paths:
        return []
    done = subprocess.run(
        ["git", "-C", str(ROOT), "check-ignore", "--no-index", "--stdin"],
        input="\n".join(str(p) for p in paths),
        capture_output=True,
        text=True,
    )
    if done.returncode not in (0, 1):  # 128: not a git checkout
        return []
    return [Path(line) for line in done.stdout.splitlines() if line]


def refresh(spec: str, patterns: list[str], work: Path) -> list[Path]:
    """Replace ``DEST/spec`` with the package's files; the files now there."""
    tarball = npm_pack(spec, work)
    staging = work / "staging" / spec
    files = extract(tarball, patterns, staging)
    target = DEST / spec
    if target.exists():
        shutil.rmtree(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(str(staging), str(target))
    return [target / name for name in files]


def main() -> int:
    """Rebuild ``DEST`` from the npm registry; exit code 2 without npm, 1 on any failure."""
    if shutil.which("npm") is None:
        print(
            "fetch_app_assets: npm is needed (it downloads from registry.npmjs.org)",
            file=sys.stderr,
        )
        return 2
    written: list[Path] = []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for spec, patterns in PACKAGES.items():
                files = refresh(spec, patterns, Path(tmp))
                written += files
                print(f"{spec}: {len(files)} files")
    except FetchError as exc:
        print(f"fetch_app_assets: {exc}", file=sys.stderr)
        return 1
    hidden = ignored_by_git(written)
    if hidden:
        print(
            f"fetch_app_assets: git ignores {len(hidden)} of these files (e.g. {hidden[0]}), "
            "so they would never be committed: fix .gitignore (`git check-ignore -v PATH`)",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
