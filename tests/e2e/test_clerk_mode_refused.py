"""Clerk signs the browser in, this server refuses the token: one clear page, no bounce.

The app runs in clerk mode against the emulator and the Frontend API stub (as in
``test_clerk_mode_flows.py``), but with ``CLERK_AUTHORIZED_PARTIES`` naming another
site: a misconfiguration, not an attack. Every genuine token clerk-js holds is then
refused by the backend. Before, /welcome sent the tab to /sign-in and Clerk's
``<SignIn/>``, signed in, straight back, over and over; now the tab lands on
/session-refused, which names the setting to check and stays put, and the server
log has the reason once, however many token refreshes and reloads follow.

The same app shows the other refusals a user can meet with real tokens: keys of
another instance (a foreign signing key) and another instance's issuer.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect

from clerk_app import routes
from tests.e2e.conftest import PHONE
from tests.e2e.test_clerk_mode_flows import UI_MS, _docs_screenshot, _new_user, _sign_in, _warm_up
from tests.support.app_server import AppServer, start_app, stop_app
from tests.support.clerk_fapi.fixtures import ClerkInstance, clerk_instance, fapi_stubs  # noqa: F401
from tests.support.clerk_fapi.tokens import foreign_key_token

pytestmark = pytest.mark.browser

WRONG_PARTY = "https://not-this-site.example"
OTHER_ISSUER = "https://clerk.another-instance.example"
REFUSED_LOG = "Clerk session token refused"
#: Longer than the bridge's 5 s poll, several times over: a loop would show by then.
SETTLE_MS = 12_000


@pytest.fixture(scope="module")
def misconfigured_app(
    clerk_instance: ClerkInstance,  # noqa: F811
    tmp_path_factory: pytest.TempPathFactory,
    chromium: Any,
) -> Iterator[AppServer]:
    env = {**clerk_instance.app_env(), "CLERK_AUTHORIZED_PARTIES": WRONG_PARTY}
    server = start_app(tmp_path_factory.mktemp("misconfigured-app"), env)
    try:
        _warm_up(server, clerk_instance, chromium)
        yield server
    finally:
        stop_app()


@pytest.fixture
def refused_page(misconfigured_app, new_context, fapi_stubs):  # noqa: F811
    def make(**context_options: Any) -> tuple[Page, Any, list[str]]:
        context = new_context(**context_options)
        stub = fapi_stubs(context, app_origin=misconfigured_app.url, token_lifetime_s=30)
        page = context.new_page()
        paths: list[str] = []
        page.on(
            "framenavigated",
            lambda frame: (
                paths.append(urlsplit(frame.url).path) if frame == page.main_frame else None
            ),
        )
        return page, stub, paths

    return make


def _refusal_lines(app: AppServer) -> list[str]:
    return [line for line in app.log_path.read_text().splitlines() if REFUSED_LOG in line]


def _collapsed(paths: list[str]) -> list[str]:
    """``paths`` without consecutive repeats."""
    return [path for i, path in enumerate(paths) if i == 0 or paths[i - 1] != path]


def _settled(page: Page, paths: list[str]) -> list[str]:
    """The navigations so far, once the page has stayed on /session-refused a while."""
    page.wait_for_url("**" + routes.SESSION_REFUSED, timeout=UI_MS)
    before = len(paths)
    page.wait_for_timeout(SETTLE_MS)
    assert len(paths) == before, f"still navigating: {paths}"
    assert urlsplit(page.url).path == routes.SESSION_REFUSED
    return paths


def test_a_wrong_authorized_parties_setting_shows_one_page_and_logs_once(
    misconfigured_app,
    refused_page,
    clerk_instance,  # noqa: F811
):
    user, email = _new_user(clerk_instance, "Ada", "Lovelace")
    page, stub, paths = refused_page()
    _sign_in(page, misconfigured_app, email)

    reason = page.locator("#session-refused-reason")
    expect(reason).to_be_visible(timeout=UI_MS)
    expect(page.locator("#session-refused-title")).to_have_text("Session refusée")
    expect(reason).to_contain_text("CLERK_AUTHORIZED_PARTIES")
    expect(reason).to_contain_text("azp")
    expect(page.locator("#member-email")).to_have_count(0)
    _docs_screenshot(page, "session-refused-fr-light-desktop")

    # One way there: /sign-in → /welcome → /session-refused, then nowhere (Clerk's
    # hash routing within /sign-in aside).
    visited = _settled(page, paths)
    assert _collapsed(visited) == [routes.SIGN_IN, routes.WELCOME, routes.SESSION_REFUSED]

    # clerk-js refreshes the 30 s token (17 s before expiry) and the bridge reports it;
    # a reload opens a new socket, whose first page waits for a fresh report.
    sid = clerk_instance.emulator.store.list_sessions(user_id=user["id"])[0]["id"]
    deadline = time.monotonic() + 40
    while len([p for p in stub.paths("POST") if p.endswith(f"/sessions/{sid}/tokens")]) < 2:
        assert time.monotonic() < deadline, "clerk-js never refreshed the token"
        page.wait_for_timeout(1_000)
    page.wait_for_timeout(6_000)  # one more bridge poll
    page.reload()
    expect(reason).to_contain_text("CLERK_AUTHORIZED_PARTIES", timeout=UI_MS)
    _settled(page, paths)

    [line] = [line for line in _refusal_lines(misconfigured_app) if "unauthorized" in line]
    assert "unauthorized party" in line and "CLERK_AUTHORIZED_PARTIES" in line
    assert WRONG_PARTY in line  # what the server accepts, to compare with the site's origin
    assert not re.search(r"eyJ[\w-]+\.", line)  # no token in the log

    # The way out: sign out at Clerk, and the site is a visitor's again.
    page.locator("#session-refused-sign-out").click()
    page.wait_for_url(misconfigured_app.url + routes.INDEX, timeout=UI_MS)
    expect(page.locator("#cta-sign-in")).to_be_visible(timeout=UI_MS)
    assert clerk_instance.emulator.store.get_session(sid)["status"] == "ended"


def _other_issuer_token(stub: Any):
    def mint(user_id: str, sid: str, azp: str) -> str:
        return stub.directory.mint_token(
            user_id, sid=sid, azp=azp, issuer=OTHER_ISSUER, lifetime_s=stub.token_lifetime_s
        )

    return mint


@pytest.mark.parametrize(
    ("forgery", "setting"),
    [("foreign_key", "CLERK_JWKS_URL"), ("other_issuer", "CLERK_PUBLISHABLE_KEY")],
)
def test_keys_or_issuer_of_another_instance_name_their_setting(
    forgery,
    setting,
    misconfigured_app,
    refused_page,
    clerk_instance,  # noqa: F811
):
    _user, email = _new_user(clerk_instance, "Grace", "Hopper")
    page, stub, paths = refused_page(locale="en-US", viewport=PHONE, color_scheme="dark")
    make = foreign_key_token if forgery == "foreign_key" else _other_issuer_token
    stub.token_factory = make(stub)
    _sign_in(page, misconfigured_app, email)

    reason = page.locator("#session-refused-reason")
    expect(reason).to_be_visible(timeout=UI_MS)
    expect(page.locator("#session-refused-title")).to_have_text("Session refused")
    expect(reason).to_contain_text(setting)
    expect(page.locator("html")).to_have_class(re.compile(r"\bdark\b"))
    assert _collapsed(_settled(page, paths))[-2:] == [routes.WELCOME, routes.SESSION_REFUSED]
    logged = "not signed by a key" if forgery == "foreign_key" else "the token's iss"
    assert len([line for line in _refusal_lines(misconfigured_app) if logged in line]) == 1
    if forgery == "foreign_key":
        _docs_screenshot(page, "session-refused-en-dark-phone")
