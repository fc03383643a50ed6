"""The app in clerk mode, in a real browser, with Clerk's own frontend code and no Clerk.

The app runs as the README starts it (``reflex run``), configured as for a real
development instance: a publishable key naming a Frontend API host, a secret key,
and ``CLERK_API_URL`` / ``CLERK_JWKS_URL`` pointing at the emulator, served over a
real socket (the issuer comes from the key and the authorized party from the app's
origin, as in production). In the browser, ``@clerk/react`` loads the real clerk-js
and @clerk/ui, which the Frontend API stub serves along with Clerk's Frontend API
answers; every session token is minted by the emulator, so the backend verifies real
signatures. One app start is shared by the module; each test has its own browser
context (cookies, dev browser, Clerk client) and its own user.

What a user would see is checked through Clerk's own DOM (``.cl-*`` classes) and the
app's ids; what the backend did, through the emulator's request log and the app's
database. The docs screenshots (``docs/screenshots/clerk-*.png``) are refreshed with
``UPDATE_DOCS_SCREENSHOTS=1``; every run also writes them under ``tests/e2e/artifacts``.
"""

from __future__ import annotations

import json
import os
import shutil
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jwt
import pytest
from playwright.sync_api import Page, expect

from clerk_app import routes
from tests.e2e.conftest import ARTIFACTS, db_rows
from tests.support.app_server import AppServer, start_app, stop_app
from tests.support.clerk_fapi.fixtures import ClerkInstance, clerk_instance, fapi_stubs  # noqa: F401
from tests.support.clerk_fapi.packages import (
    CLERK_JS_VERSION,
    CLERK_UI_VERSION,
    OLDEST_CLERK_JS_VERSION,
    OLDEST_CLERK_UI_VERSION,
    clerk_bundle,
    newest_version,
)
from tests.support.clerk_fapi.tokens import foreign_key_token, wrong_azp_token

pytestmark = pytest.mark.browser

PASSWORD = "correct-horse-battery-42"
#: Clerk's scripts load and the first page compiles within this.
UI_MS = 30_000
DOCS_SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


# -- the app in clerk mode -------------------------------------------------------------


@pytest.fixture(scope="module")
def clerk_app(
    clerk_instance: ClerkInstance,  # noqa: F811
    tmp_path_factory: pytest.TempPathFactory,
    chromium: Any,
) -> Iterator[AppServer]:
    # Only one app runs at a time (they share .web): this stops the local-mode one, which
    # the ``app`` fixture starts again for whichever test needs it next.
    server = start_app(tmp_path_factory.mktemp("clerk-mode-app"), clerk_instance.app_env())
    try:
        _warm_up(server, clerk_instance, chromium)
        yield server
    finally:
        stop_app()


def _warm_up(server: AppServer, instance: ClerkInstance, chromium: Any) -> None:
    """Let Vite compile every route once, with Clerk answered, before the timed steps."""
    context = chromium.new_context()
    try:
        stub = instance.stub(app_origin=server.url).install(context)
        page = context.new_page()
        for route in (routes.INDEX, routes.SIGN_IN, routes.WELCOME, routes.MEMBERS):
            page.goto(server.url + route, timeout=180_000)
            page.locator("footer").last.wait_for(timeout=180_000)
        stub.assert_clean()
    finally:
        context.close()


@pytest.fixture
def clerk_page(clerk_app: AppServer, new_context: Any, fapi_stubs: Any):  # noqa: F811
    """``clerk_page(locale=…, **stub_options) -> (page, stub)``: a fresh browser, Clerk answered."""

    def make(*, locale: str = "fr-FR", **stub_options: Any) -> tuple[Page, Any]:
        context = new_context(locale=locale)
        stub = fapi_stubs(context, app_origin=clerk_app.url, **stub_options)
        return context.new_page(), stub

    return make


# -- helpers ----------------------------------------------------------------------------


def _new_user(instance: ClerkInstance, first: str, last: str) -> tuple[dict[str, Any], str]:
    email = f"{first.lower()}-{uuid.uuid4().hex[:8]}@example.com"
    user = instance.emulator.create_user(email, first_name=first, last_name=last, password=PASSWORD)
    return user, email


def _submit_identifier(page: Page, app: AppServer, email: str) -> None:
    page.goto(app.url + routes.SIGN_IN)
    page.locator("input[name=identifier]").fill(email, timeout=UI_MS)
    page.locator(".cl-formButtonPrimary").click()


def _sign_in(page: Page, app: AppServer, email: str, password: str = PASSWORD) -> None:
    """Through Clerk's own SignIn: email, Continue, password, Continue."""
    _submit_identifier(page, app, email)
    page.locator("input[name=password]").fill(password)
    page.locator(".cl-formButtonPrimary").click()


def _wait_for_members(page: Page, email: str) -> None:
    page.wait_for_url("**" + routes.MEMBERS, timeout=UI_MS)
    expect(page.locator("#member-email")).to_have_text(email, timeout=UI_MS)


def _user_fetches(instance: ClerkInstance, user_id: str) -> int:
    """Backend API ``GET /v1/users/{id}`` calls the app made for this user so far."""
    return sum(
        1
        for method, path, _status in list(instance.emulator.requests)
        if method == "GET" and path == f"/v1/users/{user_id}"
    )


def _session_token(page: Page) -> dict[str, Any]:
    """The claims of the ``__session`` cookie clerk-js keeps on the app's origin."""
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    return jwt.decode(cookies["__session"], options={"verify_signature": False})


def _open_user_button(page: Page) -> Any:
    page.locator(".cl-userButtonTrigger").click()
    popover = page.locator(".cl-userButtonPopoverCard")
    expect(popover).to_be_visible()
    return popover


def _docs_screenshot(page: Page, name: str) -> None:
    """Viewport screenshot into the artifacts, and into docs/ when asked to refresh them."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.wait_for_timeout(500)  # transitions, fonts, avatar
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path))
    if os.environ.get("UPDATE_DOCS_SCREENSHOTS"):
        DOCS_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, DOCS_SCREENSHOTS / f"{name}.png")


# -- signed out -----------------------------------------------------------------------


def test_signed_out_landing_and_clerks_sign_in_in_french_by_default(clerk_app, clerk_page):
    # A browser asking for neither French nor English gets the default, French.
    page, stub = clerk_page(locale="de-DE")
    page.goto(clerk_app.url + routes.INDEX)
    # The entry points sit inside <Show when="signed-out">: visible once Clerk has loaded.
    expect(page.locator("#cta-sign-in")).to_be_visible(timeout=UI_MS)
    expect(page.locator("#cta-sign-up")).to_be_visible()
    expect(page.locator("#clerk-failed")).to_have_count(0)

    page.locator("#cta-sign-in").click()
    page.wait_for_url("**" + routes.SIGN_IN)
    expect(page.locator("input[name=identifier]")).to_be_visible(timeout=UI_MS)
    expect(page.locator(".cl-headerTitle")).to_have_text("Se connecter")
    expect(page.locator(".cl-formButtonPrimary")).to_contain_text("Continuer")
    _docs_screenshot(page, "clerk-sign-in-fr")

    assert "/v1/dev_browser" in stub.paths("POST")
    assert set(stub.paths("GET")) >= {
        "/npm/@clerk/clerk-js@6/dist/clerk.browser.js",
        "/npm/@clerk/ui@1/dist/ui.browser.js",
        "/v1/client",
    }


def test_clerks_sign_in_follows_an_english_browser(clerk_app, clerk_page):
    page, _stub = clerk_page(locale="en-US")
    page.goto(clerk_app.url + routes.SIGN_IN)
    expect(page.locator("input[name=identifier]")).to_be_visible(timeout=UI_MS)
    expect(page.locator(".cl-headerTitle")).to_contain_text("Sign in")
    expect(page.locator("footer")).to_contain_text("Python")
    _docs_screenshot(page, "clerk-sign-in-en")


# -- signing in -----------------------------------------------------------------------


def test_sign_in_through_clerks_form_syncs_once_and_shows_members(
    clerk_app,
    clerk_page,
    clerk_instance,  # noqa: F811
):
    # A fixed address (each run has a fresh emulator) keeps the docs screenshots stable.
    email = "ada.lovelace@example.com"
    user = clerk_instance.emulator.create_user(
        email, first_name="Ada", last_name="Lovelace", password=PASSWORD
    )
    page, _stub = clerk_page()
    visited: list[str] = []
    page.on("framenavigated", lambda frame: visited.append(frame.url))

    _sign_in(page, clerk_app, email, password="not-the-password")
    expect(page.locator(".cl-formFieldErrorText")).to_contain_text("Mot de passe incorrect")
    assert not clerk_instance.emulator.store.list_sessions(user_id=user["id"])

    page.locator("input[name=password]").fill(PASSWORD)
    page.locator(".cl-formButtonPrimary").click()
    _wait_for_members(page, email)
    assert any(url.endswith(routes.WELCOME) for url in visited), visited
    expect(page.locator("#member-name")).to_have_text("Ada Lovelace")
    [row] = db_rows(clerk_app, clerk_id=user["id"])
    assert (row["email"], row["first_name"], row["last_name"]) == (email, "Ada", "Lovelace")

    # /welcome fetched the user once to sync, /members once to show current data…
    assert _user_fetches(clerk_instance, user["id"]) == 2
    # …and every further visit of /members costs exactly one call.
    # (Wait for the visit's call itself: a reloaded tab shows its kept state at once,
    # hidden, while its session is re-checked and the page loads again. The wait lets
    # Playwright serve the stubbed Frontend API meanwhile, which clerk-js needs.)
    page.reload()
    deadline = time.monotonic() + UI_MS / 1000
    while _user_fetches(clerk_instance, user["id"]) < 3 and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    expect(page.locator("#members")).to_be_visible(timeout=UI_MS)
    expect(page.locator("#member-email")).to_have_text(email)
    assert _user_fetches(clerk_instance, user["id"]) == 3

    popover = _open_user_button(page)
    expect(popover).to_contain_text("Ada Lovelace")
    expect(popover).to_contain_text(email)
    expect(popover).to_contain_text("Gérer mon compte")
    _docs_screenshot(page, "clerk-members-user-button-fr")
    page.keyboard.press("Escape")
    expect(popover).to_be_hidden()

    # The language preference applies at once, Clerk's own strings included.
    page.locator("#profile-form [name=language]").select_option("en")
    page.locator("#save-profile").click()
    expect(page.get_by_text("Profile saved.")).to_be_visible(timeout=UI_MS)
    expect(page.get_by_role("heading", name="My profile")).to_be_visible()
    page.evaluate("window.scrollTo(0, 0)")
    popover = _open_user_button(page)
    expect(popover).to_contain_text("Manage account")
    _docs_screenshot(page, "clerk-members-user-button-en")
    assert db_rows(clerk_app, clerk_id=user["id"])[0]["language"] == "en"


def test_custom_session_claims_sync_without_any_backend_api_call(
    clerk_app,
    clerk_page,
    clerk_instance,  # noqa: F811
):
    user, email = _new_user(clerk_instance, "Grace", "Hopper")
    clerk_instance.emulator.custom_claims = True  # the dashboard's session-token template
    try:
        page, _stub = clerk_page()
        _sign_in(page, clerk_app, email)
        _wait_for_members(page, email)
        assert _session_token(page)["email"] == email
        expect(page.locator("#member-name")).to_have_text("Grace Hopper")
    finally:
        clerk_instance.emulator.custom_claims = False
    assert _user_fetches(clerk_instance, user["id"]) == 0
    [row] = db_rows(clerk_app, clerk_id=user["id"])
    assert (row["email"], row["first_name"]) == (email, "Grace")


def test_the_bridge_keeps_the_session_past_a_token_refresh(
    clerk_app,
    clerk_page,
    clerk_instance,  # noqa: F811
):
    # 30 s tokens: clerk-js refreshes them 17 s before expiry, so well within the hold.
    lifetime_s = 30
    user, email = _new_user(clerk_instance, "Alan", "Turing")
    page, stub = clerk_page(token_lifetime_s=lifetime_s)
    _sign_in(page, clerk_app, email)
    _wait_for_members(page, email)
    first = _session_token(page)
    assert first["exp"] - first["iat"] == lifetime_s

    # Hold the page past the first token's expiry plus the backend's leeway.
    page.wait_for_timeout((lifetime_s + 10) * 1000)
    assert time.time() > first["exp"] + 5
    refreshes = [p for p in stub.paths("POST") if p.endswith(f"/sessions/{first['sid']}/tokens")]
    assert refreshes, "clerk-js never asked for a fresh token"
    assert _session_token(page)["iat"] > first["iat"]

    page.locator("#profile-form [name=bio]").fill("Computing machinery and intelligence.")
    page.locator("#save-profile").click()
    expect(page.get_by_text("Profil enregistré.")).to_be_visible(timeout=UI_MS)
    [row] = db_rows(clerk_app, clerk_id=user["id"])
    assert row["bio"] == "Computing machinery and intelligence."


@pytest.mark.parametrize("forgery", ["foreign_key", "wrong_azp"])
def test_tokens_the_backend_must_refuse_leave_members_unavailable(
    forgery,
    clerk_app,
    clerk_page,
    clerk_instance,  # noqa: F811
):
    """clerk-js only decodes tokens: a forged one signs the browser in, not the backend."""
    user, email = _new_user(clerk_instance, "Eve", "Forger")
    page, stub = clerk_page()
    if forgery == "foreign_key":
        stub.token_factory = foreign_key_token(stub)
    else:
        stub.token_factory = wrong_azp_token(stub, "https://evil.example")
    _sign_in(page, clerk_app, email)
    # Clerk accepted the password and opened a session holding the forged token…
    page.wait_for_url("**" + routes.WELCOME, timeout=UI_MS)
    [session] = clerk_instance.emulator.store.list_sessions(user_id=user["id"])
    assert session["status"] == "active"

    # …but the backend never adopts that identity.
    page.goto(clerk_app.url + routes.MEMBERS, wait_until="commit")
    # The refusal takes the page away from /members (a condition, not a fixed wait: slow
    # machines take longer to get there).
    page.wait_for_url(lambda url: routes.MEMBERS not in url, timeout=UI_MS)
    expect(page.locator("#member-email")).to_have_count(0)
    assert email not in page.content()
    assert routes.MEMBERS not in page.url
    assert db_rows(clerk_app, clerk_id=user["id"]) == []
    assert _user_fetches(clerk_instance, user["id"]) == 0


def test_sign_out_through_user_button_makes_the_backend_forget_the_user(
    clerk_app,
    clerk_page,
    clerk_instance,  # noqa: F811
):
    _user, email = _new_user(clerk_instance, "Barbara", "Liskov")
    page, stub = clerk_page()
    _sign_in(page, clerk_app, email)
    _wait_for_members(page, email)
    sid = _session_token(page)["sid"]

    _open_user_button(page).locator(".cl-userButtonPopoverActionButton__signOut").click()
    page.wait_for_url(clerk_app.url + routes.INDEX, timeout=UI_MS)
    expect(page.locator("#cta-sign-in")).to_be_visible(timeout=UI_MS)
    assert "DELETE /v1/client/sessions" in [f"{c.method} {c.path}" for c in stub.calls]
    assert clerk_instance.emulator.store.get_session(sid)["status"] == "ended"

    page.goto(clerk_app.url + routes.MEMBERS)
    page.wait_for_url("**" + routes.sign_in_url(routes.MEMBERS), timeout=UI_MS)
    expect(page.locator("input[name=identifier]")).to_be_visible(timeout=UI_MS)
    expect(page.locator("#member-email")).to_have_count(0)


def test_clerk_failed_says_clerk_cannot_be_reached(clerk_app, clerk_page):
    page, stub = clerk_page()
    stub.online = False  # every request to the Frontend API host fails, as offline
    page.goto(clerk_app.url + routes.INDEX)
    # clerk-js gives up after its 15 s script timeout.
    alert = page.locator("#clerk-failed")
    expect(alert).to_be_visible(timeout=40_000)
    expect(alert).to_contain_text("Impossible de joindre Clerk")
    expect(page.locator("#cta-sign-in")).to_have_count(0)
    # The key reached <ClerkProvider>: it asked the key's host for clerk-js, and only that.
    assert "/npm/@clerk/clerk-js@6/dist/clerk.browser.js" in stub.paths("GET")
    assert all(call.status == 0 for call in stub.calls)


# -- version drift --------------------------------------------------------------------


def _versions(which: str) -> tuple[str, str]:
    if which == "pinned":
        return CLERK_JS_VERSION, CLERK_UI_VERSION
    if which == "oldest":
        return OLDEST_CLERK_JS_VERSION, OLDEST_CLERK_UI_VERSION
    return newest_version("clerk-js", 6), newest_version("ui", 1)


@pytest.mark.parametrize("which", ["pinned", "oldest", "newest"])
def test_sign_in_flow_across_clerk_js_and_ui_versions(
    which,
    clerk_app,
    clerk_page,
    clerk_instance,  # noqa: F811
    record_property,
):
    """The protocol the stub speaks, against the first, pinned and latest 6.x / 1.x."""
    clerk_js, ui = _versions(which)
    record_property("clerk_versions", json.dumps({"clerk-js": clerk_js, "ui": ui}))
    user, email = _new_user(clerk_instance, "Katherine", "Johnson")
    page, stub = clerk_page(bundle=clerk_bundle(clerk_js, ui))
    _sign_in(page, clerk_app, email, password="wrong-password-1")
    expect(page.locator(".cl-formFieldErrorText")).to_be_visible(timeout=UI_MS)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator(".cl-formButtonPrimary").click()
    _wait_for_members(page, email)
    expect(_open_user_button(page)).to_contain_text("Katherine Johnson")
    page.locator(".cl-userButtonPopoverActionButton__signOut").click()
    expect(page.locator("#cta-sign-in")).to_be_visible(timeout=UI_MS)
    # The lazily loaded UI chunks came from the version under test.
    assert any(p.startswith(f"/npm/@clerk/ui@{ui}/dist/") for p in stub.paths("GET"))
    assert clerk_instance.emulator.store.list_sessions(user_id=user["id"], status="active") == []
