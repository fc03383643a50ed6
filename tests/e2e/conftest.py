"""Browser-test fixtures: the app started once per session (local mode), and Chromium.

``app`` runs the README's way of starting the app (migrations, then ``reflex run``)
on free ports with a throwaway SQLite database and emulator directory, then opens
every page once so Vite has compiled them before the first timed step. Helpers here
are what several test modules share: signing up through the local form, reading the
database the app writes, talking to the emulator's test knobs, and screenshots.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect, sync_playwright

from clerk_app import routes
from clerk_emulator import load_local_secrets
from tests.support.app_server import AppServer, current_app, start_app, stop_app

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).parent / "artifacts"
DESKTOP = {"width": 1280, "height": 860}
PHONE = {"width": 390, "height": 844}
#: Generous: the first visit of a page may wait for Vite to compile it.
UI_TIMEOUT_MS = 30_000


@pytest.fixture(scope="session")
def _local_app(tmp_path_factory) -> Iterator[dict[str, Any]]:
    holder: dict[str, Any] = {"server": None, "dir": tmp_path_factory.mktemp("app")}
    yield holder
    stop_app()


@pytest.fixture
def app(_local_app, chromium) -> AppServer:
    """The app in local mode, started on first use and kept for the whole session.

    Only one app runs at a time (they share ``.web``): a module that needs another
    configuration stops this one, and the next test asking for it starts it again.
    """
    server = _local_app["server"]
    if server is None or current_app() is not server:
        server = _local_app["server"] = start_app(_local_app["dir"])
        _warm_up(server, chromium)
    return server


def _warm_up(server: AppServer, browser: Any) -> None:
    """Let Vite compile every route once (a cold compile can take tens of seconds)."""
    page = browser.new_page()
    try:
        pages = (routes.INDEX, routes.SIGN_IN, routes.SIGN_UP, routes.WELCOME, routes.MEMBERS)
        for route in (*pages, routes.organization_url("warm-up")):
            page.goto(server.url + route, timeout=180_000)
            page.wait_for_selector("footer", timeout=180_000)
    finally:
        page.close()


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    # Module scope, not session: Playwright's sync API marks the thread's event loop as
    # running while it is alive, so every async test collected after a session-wide
    # browser would fail with "Runner.run() cannot be called from a running event loop".
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def new_context(chromium) -> Iterator[Any]:
    """``new_context(**options)``: French, desktop-sized contexts, closed after the test."""
    contexts: list[Any] = []

    def make(**options: Any) -> Any:
        options.setdefault("locale", "fr-FR")
        options.setdefault("viewport", DESKTOP)
        context = chromium.new_context(**options)
        context.set_default_timeout(UI_TIMEOUT_MS)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_context) -> Page:
    return new_context().new_page()


# -- helpers ------------------------------------------------------------------------------


def unique_email(name: str = "user") -> str:
    return f"{name}-{uuid.uuid4().hex[:10]}@example.com"


def sign_up(page: Page, app: AppServer, email: str, first: str = "", last: str = "") -> None:
    """Create a user through the local sign-up form; returns on /members with data shown."""
    page.goto(app.url + routes.SIGN_UP)
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=first_name]").fill(first)
    page.locator("input[name=last_name]").fill(last)
    page.locator("#local-sign-up-form button[type=submit]").click()
    wait_for_members(page, email)


def wait_for_members(page: Page, email: str) -> None:
    page.wait_for_url("**" + routes.MEMBERS)
    expect(page.locator("#member-email")).to_have_text(email)


def db_rows(app: AppServer, **where: str) -> list[dict[str, Any]]:
    """Rows of the app's ``user`` table (read straight from its SQLite file)."""
    engine = sa.create_engine(app.db_url)
    try:
        clause = " AND ".join(f"{column} = :{column}" for column in where) or "1 = 1"
        with engine.connect() as conn:
            result = conn.execute(sa.text(f'SELECT * FROM "user" WHERE {clause}'), where)
            return [dict(row._mapping) for row in result]
    finally:
        engine.dispose()


def emulator_faults(app: AppServer, **knobs: Any) -> None:
    """Configure (or, with no knobs, reset) the running emulator's fault injection."""
    secret, _ = load_local_secrets(Path(app.env["CLERK_EMULATOR_DIR"]))
    url = f"{app.backend_url}/_clerk/emulator/faults"
    headers = {"Authorization": f"Bearer {secret}"}
    body = knobs if knobs else {"reset": True}
    response = httpx.post(url, json=body, headers=headers, timeout=10)
    response.raise_for_status()


def screenshot(page: Page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.evaluate("window.scrollTo(0, 0)")  # a sticky header would repeat mid-page otherwise
    page.wait_for_timeout(400)  # let transitions and fonts settle
    page.screenshot(path=str(path), full_page=True)
    return path


def wait_until(predicate, timeout_s: float = 10.0, interval_s: float = 0.1) -> Any:
    deadline = time.monotonic() + timeout_s
    while True:
        value = predicate()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(interval_s)
