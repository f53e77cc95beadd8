"""Refresh the web assets the teaching app serves offline (``sim/app_assets/cdn``).

Solara loads its JavaScript, CSS and fonts from a public CDN (jsDelivr) through its own proxy,
which looks in a cache folder first. ``negsim app`` points that cache at a copy of
``sim/app_assets/cdn``, so the app works with no internet. This script rebuilds that folder
from the npm registry (``npm pack``), keeping only the files the page loads (listed below, for
solara 1.64.1; after a solara upgrade, run the app online with ``--log-level debug`` and add
what it fetches). Usage::

    python tools/fetch_app_assets.py            # needs npm and access to registry.npmjs.org
"""

from __future__ import annotations

import fnmatch
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

DEST = Path(__file__).resolve().parents[1] / "sim" / "app_assets" / "cdn"

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


def fetch(spec: str, patterns: list[str], work: Path) -> int:
    """Download one package with ``npm pack`` and copy the matching files into ``DEST``."""
    out = subprocess.run(
        ["npm", "pack", spec, "--silent"], cwd=work, capture_output=True, text=True, check=True
    )
    tarball = work / out.stdout.strip().splitlines()[-1]
    target = DEST / spec
    kept = 0
    with tarfile.open(tarball) as tar:
        for member in tar.getmembers():
            name = member.name.removeprefix("package/")
            if member.isfile() and any(fnmatch.fnmatch(name, p) for p in patterns):
                data = tar.extractfile(member)
                assert data is not None
                path = target / name
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(data.read())
                kept += 1
    return kept


def main() -> int:
    """Rebuild ``DEST`` from the npm registry; exit code 2 without npm."""
    if shutil.which("npm") is None:
        print("fetch_app_assets: npm is needed (it downloads from registry.npmjs.org)",
              file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        for spec, patterns in PACKAGES.items():
            print(f"{spec}: {fetch(spec, patterns, Path(tmp))} files")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
