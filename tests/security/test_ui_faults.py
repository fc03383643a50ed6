"""Faults as the user sees them: a clear message, nothing half-written, a retry that works.

The app runs the README's way (``reflex run``, local mode) on a PostgreSQL database
reached through a TCP proxy the test controls (:mod:`tests.support.tcp_proxy`), so the
database can be refused or reset mid-request without touching the machine's server;
Clerk is the app's own emulator with its fault knobs. Each test drives Chromium through
the failure, reads the message, checks the database directly, lifts the fault and uses
the page's own retry (the /welcome button, the form's save button, a reload).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.conftest import throwaway_pg_database
from tests.e2e.conftest import screenshot
from tests.security.browser import field, save, unique_email
from tests.security.conftest import Arena
from tests.support import app_server as servers
from tests.support.app_server import AppServer
from tests.support.tcp_proxy import TCPProxy

pytestmark = [pytest.mark.browser, pytest.mark.postgres]

CLERK_DOWN = "Clerk ne répond pas"
DB_DOWN = "La base de données est indisponible"
SAVE_FAILED = "Enregistrement impossible"
SAVED = "Profil enregistré"


@pytest.fixture(scope="module")
def database() -> Iterator[str]:
    with throwaway_pg_database("clerk_app_ui_faults") as url:
        yield url


@pytest.fixture(scope="module")
def proxy(database: str) -> Iterator[TCPProxy]:
    url = sa.make_url(database)
    with TCPProxy(url.host or "127.0.0.1", url.port or 5432) as proxy:
        yield proxy


@pytest.fixture(scope="module")
def app(tmp_path_factory, proxy: TCPProxy, database: str) -> Iterator[AppServer]:
    """This module's own app: PostgreSQL through the proxy (replaces any running app)."""
    # The database behind a proxy the test can cut: the faults are the point of the module.
    server = servers.start_app(
        tmp_path_factory.mktemp("ui-faults-app"), {"REFLEX_DB_URL": proxy.url_for(database)}
    )
    try:
        yield server
    finally:
        if servers.current_app() is server:
            servers.stop_app()


@pytest.fixture(scope="module")
def arena(app: AppServer, database: str) -> Iterator[Arena]:
    """The referee reads the database directly, not through the proxy it breaks."""
    arena = Arena(app)
    arena.db_url = database
    yield arena
    arena.admin.close()


@pytest.fixture
def healthy(arena: Arena, proxy: TCPProxy) -> Iterator[None]:
    """Every test starts and ends with the database reachable and Clerk behaving."""
    yield
    proxy.resume()
    proxy.accept()
    arena.admin.post("/emulator/faults", json={"reset": True}).raise_for_status()


def _faults(arena: Arena, **knobs: Any) -> None:
    arena.admin.post("/emulator/faults", json=knobs).raise_for_status()


def _rows(arena: Arena, email: str) -> list[dict[str, Any]]:
    return [row for row in arena.rows() if row["email"] == email]


def _complete(rows: list[dict[str, Any]]) -> bool:
    """Absent, or one whole row: the emulator's ``user.created`` webhook may have synced
    the user already (webhooks do not go through the Backend API that is failing)."""
    return len(rows) <= 1 and all(
        (r["first_name"], r["last_name"]) == ("Grace", "Hopper") and r["clerk_id"] for r in rows
    )


def _submit_sign_up(page, app: AppServer, email: str) -> None:
    page.goto(app.url + "/sign-up")
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=first_name]").fill("Grace")
    page.locator("input[name=last_name]").fill("Hopper")
    page.locator("#local-sign-up-form button[type=submit]").click()


def _status(page, text: str) -> None:
    """The save's outcome, in the status line beside the save button."""
    expect(page.locator("#save-status")).to_contain_text(text, timeout=30_000)


# -- Clerk failing -------------------------------------------------------------------------


def test_welcome_with_clerk_down_then_back(app, arena: Arena, page, healthy) -> None:
    email = unique_email("clerk-down")
    _faults(arena, fail_probability=1.0)
    _submit_sign_up(page, app, email)
    page.wait_for_url("**/welcome")
    expect(page.locator("#welcome-error")).to_contain_text(CLERK_DOWN, timeout=30_000)
    assert _complete(_rows(arena, email))
    _faults(arena, reset=True)
    page.locator("#welcome-retry").click()
    page.wait_for_url("**/members")
    expect(page.locator("#member-email")).to_have_text(email)
    assert len(_rows(arena, email)) == 1


def test_welcome_with_a_slow_clerk_shows_progress(app, arena: Arena, page, healthy) -> None:
    email = unique_email("clerk-slow")
    _faults(arena, latency_s=2.0)
    _submit_sign_up(page, app, email)
    expect(page.locator("#welcome-progress")).to_contain_text("Synchronisation")
    page.wait_for_url("**/members", timeout=30_000)
    expect(page.locator("#member-email")).to_have_text(email)


def test_members_with_clerk_down_shows_the_stored_profile(app, arena: Arena, page, healthy):
    email = unique_email("clerk-gone")
    _submit_sign_up(page, app, email)
    page.wait_for_url("**/members")
    field(page, "company").fill("Navy")
    save(page)
    _status(page, SAVED)
    _faults(arena, fail_probability=1.0)
    page.reload()
    expect(page.locator("#member-email")).to_have_text(email, timeout=30_000)
    expect(field(page, "company")).to_have_value("Navy")
    # The page says it shows the stored copy, and its retry brings Clerk's fields back.
    expect(page.locator("#stored-copy")).to_contain_text("copie enregistrée", timeout=30_000)
    screenshot(page, "members-stored-copy-fr-light-desktop")
    _faults(arena, reset=True)
    page.locator("#stored-copy-retry").click()
    expect(page.locator("#stored-copy")).to_have_count(0, timeout=30_000)
    expect(page.locator("#member-email")).to_have_text(email)


# -- the database failing ------------------------------------------------------------------


def test_welcome_with_the_database_down_then_back(app, arena: Arena, page, proxy, healthy):
    email = unique_email("db-down")
    proxy.refuse()
    proxy.cut()
    _submit_sign_up(page, app, email)
    page.wait_for_url("**/welcome")
    expect(page.locator("#welcome-error")).to_contain_text(DB_DOWN, timeout=30_000)
    proxy.accept()
    assert _rows(arena, email) == []
    page.locator("#welcome-retry").click()
    page.wait_for_url("**/members")
    expect(page.locator("#member-email")).to_have_text(email)
    assert len(_rows(arena, email)) == 1


@pytest.mark.parametrize("fault", ["refused", "killed mid-update"])
def test_saving_with_the_database_failing_keeps_the_form_then_saves(
    app, arena: Arena, page, proxy, healthy, fault: str
) -> None:
    email = unique_email("db-save")
    _submit_sign_up(page, app, email)
    page.wait_for_url("**/members")
    expect(page.locator("#member-email")).to_have_text(email)
    field(page, "bio").fill("Wrote the first compiler.")
    field(page, "company").fill("US Navy")
    if fault == "refused":
        proxy.refuse()
        proxy.cut()
    else:
        proxy.cut_when(b"UPDATE", times=2)  # the save and its automatic retry
    save(page)
    _status(page, SAVE_FAILED)
    expect(field(page, "bio")).to_have_value("Wrote the first compiler.")  # nothing typed is lost
    [row] = _rows(arena, email)
    assert (row["bio"], row["company"]) == (None, None)
    proxy.accept()
    save(page)  # the retry is the same button
    _status(page, SAVED)
    deadline = time.monotonic() + 10
    while _rows(arena, email)[0]["bio"] is None and time.monotonic() < deadline:
        time.sleep(0.1)
    [row] = _rows(arena, email)
    assert (row["bio"], row["company"]) == ("Wrote the first compiler.", "US Navy")


def test_members_with_the_database_down_then_retry(app, arena: Arena, page, proxy, healthy):
    email = unique_email("db-members")
    _submit_sign_up(page, app, email)
    page.wait_for_url("**/members")
    expect(page.locator("#member-email")).to_have_text(email)
    proxy.refuse()
    proxy.cut()
    page.reload()
    expect(page.locator("#members-error")).to_contain_text(DB_DOWN, timeout=30_000)
    proxy.accept()
    page.locator("#members-retry").click()
    expect(page.locator("#member-email")).to_have_text(email, timeout=30_000)
    expect(page.locator("#members-error")).to_have_count(0)
