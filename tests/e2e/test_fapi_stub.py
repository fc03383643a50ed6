"""The Frontend API stub alone: Clerk's real clerk-js and @clerk/ui on a one-page app.

These tests pin down what the app's Clerk-mode tests rely on, without
building the Reflex app: Clerk's own ``SignIn`` renders from the stub, an
email + password sign-in works (a wrong password gets Clerk's error), the
token clerk-js ends up holding is one our :class:`TokenVerifier` accepts
against the emulator's JWKS, ``UserButton`` shows the user, sign-out ends the
emulator's session, ``OrganizationSwitcher`` lists the user's organizations and makes
the one picked the session's active organization (the token's ``o`` claim), an unknown
endpoint is caught, and "offline" is offline.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from playwright.sync_api import expect

from clerk_app.clerk.tokens import InvalidToken, TokenVerifier
from tests.support.clerk_fapi.fixtures import clerk_instance, fapi_stubs  # noqa: F401
from tests.support.clerk_fapi.servers import serve_asgi
from tests.support.clerk_fapi.standalone import standalone_app

pytestmark = pytest.mark.browser

PASSWORD = "correct-horse-battery-42"


@pytest.fixture(scope="module")
def page_origin(clerk_instance) -> Iterator[str]:  # noqa: F811
    with serve_asgi(standalone_app(clerk_instance.publishable_key)) as url:
        # clerk-js writes cookies on the page's host: use a name, as users do.
        yield url.replace("127.0.0.1", "localhost")


@pytest.fixture
def context(chromium) -> Iterator[Any]:
    context = chromium.new_context()
    yield context
    context.close()


def _user(clerk_instance, **names: str) -> dict[str, Any]:  # noqa: F811
    email = f"ada-{uuid.uuid4().hex[:8]}@example.com"
    return clerk_instance.emulator.create_user(email, password=PASSWORD, **names)


def _email(user: dict[str, Any]) -> str:
    return user["email_addresses"][0]["email_address"]


def _sign_in(page: Any, email: str, password: str) -> None:
    page.fill("input[name=identifier]", email)
    page.click(".cl-formButtonPrimary")
    page.fill("input[name=password]", password)
    page.click(".cl-formButtonPrimary")


def _verify(clerk_instance, token: str, origin: str) -> dict[str, Any]:  # noqa: F811
    verifier = TokenVerifier(
        clerk_instance.jwks_url, issuer=clerk_instance.issuer, authorized_parties=[origin]
    )
    # Playwright's sync API keeps an event loop running on this thread: verify on another.
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, verifier.verify(token)).result()


def test_sign_in_token_user_button_and_sign_out(
    context,
    fapi_stubs,  # noqa: F811
    clerk_instance,  # noqa: F811
    page_origin,
):
    user = _user(clerk_instance, first_name="Ada", last_name="Lovelace")
    stub = fapi_stubs(context, app_origin=page_origin)
    page = context.new_page()
    page.goto(page_origin + "/")
    expect(page.locator("#status")).to_have_text("signed-out", timeout=20_000)
    expect(page.locator("input[name=identifier]")).to_be_visible()

    _sign_in(page, _email(user), "not-the-password")
    expect(page.locator(".cl-formFieldErrorText")).to_contain_text("Password is incorrect")
    assert not clerk_instance.emulator.store.list_sessions(user_id=user["id"])

    page.fill("input[name=password]", PASSWORD)
    page.click(".cl-formButtonPrimary")
    expect(page.locator("#status")).to_have_text(f"signed-in:{user['id']}", timeout=20_000)

    token = page.evaluate("window.sessionToken()")
    claims = _verify(clerk_instance, token, page_origin)
    assert claims["sub"] == user["id"]
    assert claims["azp"] == page_origin
    assert claims["iss"] == clerk_instance.issuer
    session = clerk_instance.emulator.store.get_session(claims["sid"])
    assert session["status"] == "active"
    # The token travels to the app as the __session cookie, too.
    cookies = {c["name"]: c["value"] for c in context.cookies(page_origin)}
    assert cookies["__session"] == token

    # A forced refresh asks the stub for a new token, minted by the emulator.
    fresh = page.evaluate("window.sessionToken({skipCache: true})")
    assert _verify(clerk_instance, fresh, page_origin)["sid"] == claims["sid"]
    assert any(p.endswith(f"/sessions/{claims['sid']}/tokens") for p in stub.paths("POST"))

    page.click(".cl-userButtonTrigger")
    expect(page.locator(".cl-userButtonPopoverCard")).to_contain_text("Ada Lovelace")
    page.locator(".cl-userButtonPopoverActionButton__signOut").click()
    expect(page.locator("#status")).to_have_text("signed-out", timeout=20_000)
    assert clerk_instance.emulator.store.get_session(claims["sid"])["status"] == "ended"

    paths = stub.paths()
    for expected in ("/v1/dev_browser", "/v1/environment", "/v1/client", "/v1/client/sign_ins"):
        assert expected in paths
    assert all(call.query.get("__clerk_db_jwt") for call in stub.calls if "/v1/client" in call.path)


def test_organization_switcher_sets_the_active_organization_in_the_token(
    context,
    fapi_stubs,  # noqa: F811
    clerk_instance,  # noqa: F811
    page_origin,
):
    user = _user(clerk_instance, first_name="Grace", last_name="Hopper")
    emulator = clerk_instance.emulator
    org = emulator.create_organization(
        "Cobol Guild", created_by=user["id"], slug=f"cobol-{uuid.uuid4().hex[:6]}"
    )
    stub = fapi_stubs(context, app_origin=page_origin)
    page = context.new_page()
    page.goto(page_origin + "/")
    _sign_in(page, _email(user), PASSWORD)
    expect(page.locator("#status")).to_have_text(f"signed-in:{user['id']}", timeout=20_000)
    claims = _verify(clerk_instance, page.evaluate("window.sessionToken()"), page_origin)
    assert "o" not in claims

    page.locator(".cl-organizationSwitcherTrigger").click()
    popover = page.locator(".cl-organizationSwitcherPopoverCard")
    expect(popover).to_contain_text("Cobol Guild")
    popover.get_by_text("Cobol Guild").click()
    expect(page.locator("#active-org")).to_have_text(org["id"], timeout=20_000)
    expect(page.locator(".cl-organizationSwitcherTrigger")).to_contain_text("Cobol Guild")

    claims = _verify(clerk_instance, page.evaluate("window.sessionToken()"), page_origin)
    assert claims["o"] == {"id": org["id"], "rol": "admin", "slg": org["slug"]}
    assert emulator.store.get_session(claims["sid"])["last_active_organization_id"] == org["id"]
    assert any(p.startswith("/v1/me/organization_memberships") for p in stub.paths("GET"))

    # Back to the personal account: the next token has no ``o`` claim.
    page.locator(".cl-organizationSwitcherTrigger").click()
    page.locator(".cl-organizationSwitcherPopoverCard").get_by_text("Personal account").click()
    expect(page.locator("#active-org")).to_have_text("", timeout=20_000)
    claims = _verify(clerk_instance, page.evaluate("window.sessionToken()"), page_origin)
    assert "o" not in claims


def test_unknown_request_is_recorded_and_answered_in_clerks_format(
    context,
    clerk_instance,  # noqa: F811
    page_origin,
):
    stub = clerk_instance.stub(app_origin=page_origin).install(context)
    page = context.new_page()
    page.goto(page_origin + "/")
    expect(page.locator("#status")).to_have_text("signed-out", timeout=20_000)
    reply = page.evaluate(
        """async (host) => {
            const r = await fetch(`https://${host}/v1/organizations/org_1?_clerk_js_version=6`,
                                  {credentials: "include"});
            return {status: r.status, body: await r.json()};
        }""",
        clerk_instance.host,
    )
    assert reply["status"] == 404
    assert reply["body"]["errors"][0]["code"] == "resource_not_found"
    assert stub.unknown == [
        f"GET https://{clerk_instance.host}/v1/organizations/org_1?_clerk_js_version=6"
    ]
    with pytest.raises(AssertionError, match="/v1/organizations/org_1"):
        stub.assert_clean()


def test_foreign_tokens_reach_the_browser_and_fail_verification(
    context,
    fapi_stubs,  # noqa: F811
    clerk_instance,  # noqa: F811
    page_origin,
):
    """The stub can hand clerk-js tokens the app must refuse: another azp, another key."""
    from tests.support.clerk_fapi.tokens import foreign_key_token, wrong_azp_token

    user = _user(clerk_instance, first_name="Eve")
    stub = fapi_stubs(context, app_origin=page_origin)
    stub.token_factory = wrong_azp_token(stub, "https://evil.example")
    page = context.new_page()
    page.goto(page_origin + "/")
    expect(page.locator("#status")).to_have_text("signed-out", timeout=20_000)
    _sign_in(page, _email(user), PASSWORD)
    expect(page.locator("#status")).to_have_text(f"signed-in:{user['id']}", timeout=20_000)
    token = page.evaluate("window.sessionToken()")
    with pytest.raises(InvalidToken):
        _verify(clerk_instance, token, page_origin)

    stub.token_factory = foreign_key_token(stub)
    token = page.evaluate("window.sessionToken({skipCache: true})")
    with pytest.raises(InvalidToken):
        _verify(clerk_instance, token, page_origin)


def test_offline_stub_makes_clerk_fail_to_load(
    context,
    clerk_instance,  # noqa: F811
    page_origin,
):
    stub = clerk_instance.stub(app_origin=page_origin).install(context)
    stub.online = False
    page = context.new_page()
    page.goto(page_origin + "/")
    expect(page.locator("#status")).to_contain_text("failed:", timeout=20_000)
    assert stub.calls and all(call.status == 0 for call in stub.calls)
