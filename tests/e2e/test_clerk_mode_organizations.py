"""Organizations in clerk mode: Clerk's real ``<OrganizationSwitcher/>``, offline.

The app runs in clerk mode against the emulator (Backend API, JWKS) and the Frontend
API stub, as in ``test_clerk_mode_flows.py``. The organization exists in both places:
in the emulator (Clerk's truth, where the user is an *admin*) and in the app's database
(what the sync wrote, still saying *member*: the webhook that would promote them has
not arrived). So the page's admin form can only appear through the session token's
``o`` claim, which names the organization the user picked in Clerk's switcher: the
whole chain (clerk-js → Frontend API touch and token → emulator-signed ``o`` claim →
the backend's verification → the guard's role) is exercised, Clerk's code included.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from clerk_app import routes
from tests.e2e.test_clerk_mode_flows import (
    UI_MS,
    _docs_screenshot,
    _new_user,
    _session_token,
    _sign_in,
    _wait_for_members,
    _warm_up,
)
from tests.e2e.test_organizations import _description, _organization
from tests.support.app_server import AppServer, start_app, stop_app
from tests.support.clerk_fapi.fixtures import ClerkInstance, clerk_instance, fapi_stubs  # noqa: F401

pytestmark = pytest.mark.browser

SWITCHER = "#organization-switcher .cl-organizationSwitcherTrigger"


@pytest.fixture(scope="module")
def clerk_app(
    clerk_instance: ClerkInstance,  # noqa: F811
    tmp_path_factory: pytest.TempPathFactory,
    chromium: Any,
) -> Iterator[AppServer]:
    server = start_app(tmp_path_factory.mktemp("clerk-orgs-app"), clerk_instance.app_env())
    try:
        _warm_up(server, clerk_instance, chromium)
        context = chromium.new_context()  # compile the organization page too
        try:
            clerk_instance.stub(app_origin=server.url).install(context)
            page = context.new_page()
            page.goto(server.url + routes.organization_url("warm-up"), timeout=180_000)
            page.locator("footer").last.wait_for(timeout=180_000)
        finally:
            context.close()
        yield server
    finally:
        stop_app()


@pytest.fixture
def signed_in(clerk_app, new_context, fapi_stubs, clerk_instance):  # noqa: F811
    """``signed_in(first, last) -> (page, stub, user)``: signed in through Clerk's form."""

    def make(first: str, last: str) -> tuple[Page, Any, dict[str, Any]]:
        user, email = _new_user(clerk_instance, first, last)
        context = new_context()
        stub = fapi_stubs(context, app_origin=clerk_app.url)
        page = context.new_page()
        _sign_in(page, clerk_app, email)
        _wait_for_members(page, email)
        return page, stub, {**user, "email": email}

    return make


def test_a_member_picks_the_organization_and_the_token_makes_them_its_admin(
    clerk_app,
    clerk_instance,  # noqa: F811
    signed_in,
):
    owner, _ = _new_user(clerk_instance, "Olga", "Owner")
    slug = f"acme-{secrets.token_hex(3)}"
    org = clerk_instance.emulator.create_organization(
        "Acme Fusées", slug=slug, created_by=owner["id"]
    )
    page, stub, user = signed_in("Ada", "Lovelace")
    clerk_instance.emulator.create_membership(org["id"], user["id"], "org:admin")
    # The app's database: the user is only a member there (the promotion is in flight).
    _organization(
        clerk_app, slug, {user["email"]: "org:member"}, clerk_id=org["id"], name="Acme Fusées"
    )
    assert "o" not in _session_token(page)

    # The header shows Clerk's switcher now that the user belongs to an organization.
    page.reload()
    trigger = page.locator(SWITCHER)
    expect(trigger).to_be_visible(timeout=UI_MS)
    expect(page.locator("#organizations-card")).to_contain_text("Acme Fusées")

    # No active organization yet: the page is the member's read-only view.
    page.goto(clerk_app.url + routes.organization_url(slug))
    expect(page.locator("#organization-description")).to_be_visible(timeout=UI_MS)
    expect(page.locator("#organization-form")).to_have_count(0)
    expect(page.locator("#organization-role")).to_have_text("Membre")

    # Pick it in Clerk's switcher: Clerk makes it the session's active organization and
    # opens its page here (afterSelectOrganizationUrl).
    trigger.click()
    popover = page.locator(".cl-organizationSwitcherPopoverCard")
    expect(popover).to_contain_text("Acme Fusées", timeout=UI_MS)
    _docs_screenshot(page, "clerk-organization-switcher-fr")
    popover.get_by_text("Acme Fusées").click()
    page.wait_for_url("**" + routes.organization_url(slug), timeout=UI_MS)
    expect(page.locator("#organization-form")).to_be_visible(timeout=UI_MS)
    expect(page.locator("#organization-role")).to_have_text("Administrateur")
    expect(trigger).to_contain_text("Acme Fusées")
    assert _session_token(page)["o"] == {"id": org["id"], "rol": "admin", "slg": slug}
    touches = [c for c in stub.calls if c.path.endswith("/touch") and c.method == "POST"]
    assert touches, "clerk-js never told the Frontend API about the active organization"

    # The backend trusts the token's organization for the write, too.
    page.locator("#organization-form [name=description]").fill("Des fusées pour tous.")
    page.locator("#save-organization").click()
    expect(page.locator("#organization-status")).to_contain_text(
        "Organisation enregistrée", timeout=UI_MS
    )
    assert _description(clerk_app, slug)[0] == "Des fusées pour tous."


def test_a_user_without_organization_sees_no_switcher(clerk_app, signed_in):
    page, stub, _user = signed_in("Bob", "Solo")
    expect(page.locator("#organizations-card")).to_contain_text(
        "Vous n'appartenez à aucune organisation"
    )
    expect(page.locator(".cl-userButtonTrigger")).to_be_visible(timeout=UI_MS)
    expect(page.locator("#organization-switcher")).to_have_count(0)
    expect(page.locator(".cl-organizationSwitcherTrigger")).to_have_count(0)
    assert not [p for p in stub.paths("GET") if p.startswith("/v1/me/organization")]
