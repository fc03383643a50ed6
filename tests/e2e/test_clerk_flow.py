"""The app in clerk mode, end to end, with Clerk's real browser code and no Clerk.

Clerk's own clerk-js and @clerk/ui run in the page; the Frontend API stub
(``tests/clerk_fapi``) answers them, and the emulator is the instance's Backend API
and JWKS. So the whole chain is the production one: ``<SignIn/>`` → clerk-js session
→ the bridge's ``useAuth().getToken()`` → ``AuthState.set_session`` → TokenVerifier
(RS256 against the JWKS) → /welcome's Backend API call and upsert → /members.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from clerk_app import routes
from tests.e2e.conftest import db_rows, screenshot
from tests.support.app_server import AppServer, start_app, stop_app
from tests.support.clerk_fapi.fixtures import clerk_instance, fapi_stubs  # noqa: F401

pytestmark = pytest.mark.browser

PASSWORD = "correct-horse-battery-42"


@pytest.fixture(scope="module")
def clerk_mode_app(clerk_instance, tmp_path_factory) -> Iterator[AppServer]:  # noqa: F811
    # The authorized party is the app's own origin (http://localhost:<frontend port>),
    # which the app derives itself, as with a real instance.
    server = start_app(tmp_path_factory.mktemp("clerk-flow"), env=clerk_instance.app_env())
    yield server
    stop_app()


def test_clerk_sign_in_reaches_members_through_the_bridge_and_sign_out_protects_it(
    clerk_mode_app,
    clerk_instance,  # noqa: F811
    fapi_stubs,  # noqa: F811
    new_context,
):
    app = clerk_mode_app
    email = f"ada-{uuid.uuid4().hex[:8]}@example.com"
    user = clerk_instance.emulator.create_user(
        email, first_name="Ada", last_name="Lovelace", password=PASSWORD
    )
    context = new_context()
    fapi_stubs(context, app_origin=app.url)
    page = context.new_page()

    page.goto(app.url + routes.MEMBERS)
    page.wait_for_url("**/sign-in?redirect_url=/members", timeout=60_000)
    page.fill("input[name=identifier]", email)
    page.click(".cl-formButtonPrimary")
    page.fill("input[name=password]", PASSWORD)
    page.click(".cl-formButtonPrimary")

    page.wait_for_url("**" + routes.MEMBERS, timeout=60_000)
    expect(page.locator("#member-email")).to_have_text(email, timeout=60_000)
    expect(page.locator("#member-name")).to_have_text("Ada Lovelace")
    expect(page.locator(".cl-userButtonTrigger")).to_be_visible()
    expect(page.locator("#local-mode-banner")).to_have_count(0)
    [row] = db_rows(app, email=email)
    assert row["clerk_id"] == user["id"]
    screenshot(page, "members-clerk-mode-fr-light-desktop")

    # "Gérer mon compte" opens Clerk's own <UserProfile/>.
    page.locator("#manage-account").click()
    expect(page.locator(".cl-userProfile-root")).to_be_visible(timeout=20_000)
    screenshot(page, "members-clerk-user-profile-fr-light-desktop")
    page.keyboard.press("Escape")
    expect(page.locator(".cl-userProfile-root")).to_have_count(0)

    # Switching to English applies to Clerk's own components too.
    page.locator("#profile-form [name=language]").select_option("en")
    page.locator("#profile-form button[type=submit]").click()
    expect(page.get_by_role("heading", name="My profile")).to_be_visible()
    page.click(".cl-userButtonTrigger")
    expect(page.locator(".cl-userButtonPopoverActionButton__signOut")).to_contain_text(
        "Sign out", timeout=10_000
    )
    page.keyboard.press("Escape")

    page.click(".cl-userButtonTrigger")
    page.locator(".cl-userButtonPopoverActionButton__signOut").click()
    page.wait_for_url(app.url + routes.INDEX, timeout=30_000)
    page.goto(app.url + routes.MEMBERS)
    page.wait_for_url("**/sign-in?redirect_url=/members", timeout=30_000)
