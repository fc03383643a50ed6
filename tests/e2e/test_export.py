"""``reflex export`` deployed the way the README says: static frontend + production backend.

In a fresh copy of the project, ``reflex export`` (production build) runs once without
any Clerk key at build time and once with clerk-mode keys, with ``REFLEX_API_URL`` set
to where the backend will listen. Then, as a deployment would:

* ``frontend.zip`` is unpacked and served by a plain static file server (pretty URLs and
  the SPA fallback, as static hosts do);
* ``backend.zip`` is unpacked, ``alembic upgrade head`` runs against a fresh PostgreSQL
  database, and ``reflex run --env prod --backend-only`` starts from the unpacked
  directory in clerk mode, its keys pointing at the Clerk emulator (its own process);
* ``/api/health`` answers 200 (it checks the database), and Chromium, opening the static
  page with an English locale, sees the page switch from the compiled French default to
  English: the browser reached the production backend over the websocket and the
  backend answered; and no local-mode banner (production is clerk mode, whatever the
  build had).
"""

from __future__ import annotations

import functools
import os
import subprocess
import threading
import zipfile
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect

from bench.harness.backend import ReflexBackend
from bench.harness.common import ROOT, VENV_BIN, copy_project, free_port
from bench.harness.emulator_server import EmulatorProcess

pytestmark = [pytest.mark.postgres, pytest.mark.browser, pytest.mark.timeout(900)]

EXPORT_TIMEOUT_S = 600


class StaticHost(SimpleHTTPRequestHandler):
    """What a static host does with an exported Reflex frontend: pretty URLs, SPA fallback."""

    def send_head(self):
        path = self.translate_path(self.path)
        root = Path(self.directory)
        if not os.path.exists(path):
            for candidate in (path + ".html", os.path.join(path, "index.html")):
                if os.path.isfile(candidate):
                    self.path = "/" + str(Path(candidate).relative_to(root))
                    break
            else:
                self.path = "/__spa-fallback.html"
        return super().send_head()

    def log_message(self, *args) -> None:  # keep the test output quiet
        pass


def serve_static(directory: Path) -> tuple[ThreadingHTTPServer, str]:
    handler = functools.partial(StaticHost, directory=str(directory))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CLERK_", "REFLEX_"))}
    env.update(
        PATH=f"{VENV_BIN}:{env.get('PATH', '')}",
        REFLEX_USE_NPM="1",
        REFLEX_TELEMETRY_ENABLED="false",
        **extra,
    )
    return env


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    """A fresh copy of the project (what a clone holds): the export writes its own .web."""
    path = tmp_path_factory.mktemp("export") / "clerk_app"
    copy_project(ROOT, path)
    return path


@pytest.fixture(scope="module")
def emulator() -> Iterator[EmulatorProcess]:
    with EmulatorProcess() as emu:
        yield emu


@pytest.mark.parametrize("keys_at_build", [False, True], ids=["no-keys", "clerk-keys"])
def test_export_serves_against_production_backend(
    keys_at_build, project, emulator, pg_database_url, tmp_path, chromium
):
    backend_port = free_port()
    out = tmp_path / "out"
    out.mkdir()
    build_env = clean_env(REFLEX_API_URL=f"http://127.0.0.1:{backend_port}")
    if keys_at_build:
        build_env.update(emulator.app_env())
    export = subprocess.run(
        [str(VENV_BIN / "reflex"), "export", "--zip-dest-dir", str(out)],
        cwd=project,
        env=build_env,
        capture_output=True,
        text=True,
        timeout=EXPORT_TIMEOUT_S,
    )
    assert export.returncode == 0, export.stdout[-3000:] + export.stderr[-3000:]

    static, backend_dir = tmp_path / "static", tmp_path / "backend"
    zipfile.ZipFile(out / "frontend.zip").extractall(static)
    zipfile.ZipFile(out / "backend.zip").extractall(backend_dir)
    assert (static / "index.html").is_file() and (static / "members.html").is_file()
    assert (backend_dir / "rxconfig.py").is_file() and (backend_dir / "alembic.ini").is_file()

    # Migrations before start, from the backend bundle itself.
    migrate = subprocess.run(
        [str(VENV_BIN / "alembic"), "upgrade", "head"],
        cwd=backend_dir,
        env=clean_env(REFLEX_DB_URL=pg_database_url),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert migrate.returncode == 0, migrate.stderr[-3000:]

    # A deployment names its database; a throwaway one keeps the checkout's .data/ untouched.
    env = {**emulator.app_env(), "REFLEX_DB_URL": pg_database_url}
    server, site = serve_static(static)
    try:
        with ReflexBackend(
            backend_dir, env=env, port=backend_port, ready_path="/api/health"
        ) as backend:
            health = httpx.get(f"{backend.url}/api/health", timeout=10)
            assert health.status_code == 200 and health.json() == {"status": "ok"}
            for route in ("/", "/sign-in", "/welcome", "/members"):
                page_html = httpx.get(f"{site}{route}", timeout=10, follow_redirects=True)
                assert page_html.status_code == 200 and "<html" in page_html.text.lower()

            context = chromium.new_context(locale="en-US")
            page = context.new_page()
            try:
                page.goto(site + "/", wait_until="domcontentloaded", timeout=60_000)
                # The compiled default is French; English means the backend answered.
                expect(page.get_by_text("Your profile, in sync.")).to_be_visible(timeout=60_000)
                expect(page.locator("#local-mode-banner")).to_have_count(0)
            finally:
                context.close()
    finally:
        server.shutdown()
