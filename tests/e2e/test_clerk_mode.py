"""Clerk-mode wiring in a real browser, with Clerk out of reach.

The app runs with a syntactically valid test publishable key naming a Frontend API
host that does not exist. The browser must ask that host for Clerk's scripts (the
key reached ``<ClerkProvider>``), and once clerk-js gives up (about 20 s offline)
``<ClerkFailed>`` must say Clerk cannot be reached instead of leaving a blank page.
No request leaves the machine: the route handler records and aborts them.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from clerk_app import routes
from clerk_app.settings import publishable_key_for
from tests.e2e.conftest import screenshot
from tests.support.app_server import AppServer, start_app, stop_app

pytestmark = pytest.mark.browser

FAPI_HOST = "clerk.unreachable-instance.test"


@pytest.fixture(scope="module")
def clerk_app(tmp_path_factory) -> Iterator[AppServer]:
    server = start_app(
        tmp_path_factory.mktemp("clerk-app"),
        env={
            "CLERK_PUBLISHABLE_KEY": publishable_key_for(FAPI_HOST),
            "CLERK_SECRET_KEY": "sk_test_" + secrets.token_urlsafe(24),
        },
    )
    yield server
    stop_app()


def test_clerk_scripts_are_requested_and_a_clear_message_replaces_a_blank_page(
    clerk_app, new_context
):
    page = new_context().new_page()
    requested: list[str] = []

    def offline(route):
        requested.append(route.request.url)
        route.abort("internetdisconnected")

    page.route(f"https://{FAPI_HOST}/**", offline)
    page.goto(clerk_app.url + routes.SIGN_IN)

    failed = page.locator("#clerk-failed")
    expect(failed).to_be_visible(timeout=60_000)
    expect(failed).to_contain_text("Impossible de joindre Clerk")
    assert any("/npm/@clerk/clerk-js@" in url for url in requested), requested
    # No local-mode machinery in clerk mode.
    expect(page.locator("#local-mode-banner")).to_have_count(0)
    expect(page.locator("#local-sign-in")).to_have_count(0)
    screenshot(page, "sign-in-clerk-unreachable-fr-light-desktop")


def test_the_emulator_is_not_reachable_in_clerk_mode(clerk_app):
    import httpx

    response = httpx.post(f"{clerk_app.backend_url}/_clerk/emulator/sessions", json={})
    assert response.status_code == 404
