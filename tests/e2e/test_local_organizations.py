"""Local organizations in a real browser: sign up, create, switch, and the ``o`` claim.

The switcher's label shows what the backend's *verified* session token says is
active, so seeing an organization's name there means the emulator put it in the
token's ``o`` claim, the bridge carried the token, and the verifier accepted it. The
emulator's own state (its Backend API, with the secret key) is checked too. The
hostile part uses the browser's own credential (its emulator session id) to ask for
an organization the user is not in.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect

from clerk_app import i18n
from clerk_emulator import load_local_secrets
from tests.e2e.conftest import screenshot, sign_up, unique_email

pytestmark = pytest.mark.browser


def _api(app) -> httpx.Client:
    secret, _ = load_local_secrets(Path(app.env["CLERK_EMULATOR_DIR"]))
    return httpx.Client(
        base_url=f"{app.backend_url}/_clerk",
        headers={"Authorization": f"Bearer {secret}"},
        timeout=10,
    )


def _create(page, name: str, slug: str = "") -> None:
    page.locator("#local-org-switcher").click()
    page.locator("#local-org-create").click()
    form = page.locator("#local-org-form")
    form.locator("input[name=name]").fill(name)
    form.locator("input[name=slug]").fill(slug)
    form.locator("button[type=submit]").click()


def _user_id(api: httpx.Client, email: str) -> str:
    [user] = api.get("/v1/users", params={"email_address": email}).json()
    return user["id"]


def _active_in_emulator(api: httpx.Client, user_id: str) -> str | None:
    sessions = api.get("/v1/sessions", params={"user_id": user_id, "status": "active"}).json()
    return sessions[-1]["last_active_organization_id"]


def test_create_switch_and_the_o_claim_reaches_the_backend(app, page):
    tag = uuid.uuid4().hex[:8]
    email = unique_email("orla")
    sign_up(page, app, email, "Orla", "Owner")
    active = page.locator("#local-org-active")
    expect(active).to_have_text(i18n.text("fr", "local_org_personal"))

    # A refused slug: the French message, the dialog stays, nothing is created.
    _create(page, "Acme", "Pas Un Slug")
    expect(page.locator("#local-org-error")).to_have_text(i18n.text("fr", "err_org_slug"))
    page.locator("#local-org-form input[name=slug]").fill(f"acme-{tag}")
    page.locator("#local-org-form button[type=submit]").click()
    expect(page.locator("#local-org-form")).to_have_count(0)
    expect(active).to_have_text("Acme")  # created, made active, and in the verified token

    _create(page, "Beta")
    expect(active).to_have_text("Beta")

    with _api(app) as api:
        user_id = _user_id(api, email)
        memberships = api.get(f"/v1/users/{user_id}/organization_memberships").json()
        assert memberships["total_count"] == 2
        assert {m["role"] for m in memberships["data"]} == {"org:admin"}
        orgs = {m["organization"]["name"]: m["organization"] for m in memberships["data"]}
        assert orgs["Acme"]["slug"] == f"acme-{tag}"
        assert _active_in_emulator(api, user_id) == orgs["Beta"]["id"]

        page.locator("#local-org-switcher").click()
        items = page.locator(".local-org-item")
        expect(items).to_have_count(2)
        screenshot(page, "local-org-switcher-fr-light-desktop")
        page.locator(f".local-org-item[data-org-id={orgs['Acme']['id']}]").click()
        expect(active).to_have_text("Acme")
        assert _active_in_emulator(api, user_id) == orgs["Acme"]["id"]

        # A reload starts a new websocket: the token it reports still carries Acme.
        page.reload()
        expect(active).to_have_text("Acme")

        page.locator("#local-org-switcher").click()
        page.locator("#local-org-personal").click()
        expect(active).to_have_text(i18n.text("fr", "local_org_personal"))
        assert _active_in_emulator(api, user_id) is None


def test_the_browser_cannot_activate_an_organization_it_is_not_in(app, page):
    with _api(app) as api:
        owner = api.post("/v1/users", json={"email_address": [unique_email("own")]}).json()
        theirs = api.post(
            "/v1/organizations", json={"name": "Not yours", "created_by": owner["id"]}
        ).json()
    email = unique_email("mallory")
    sign_up(page, app, email, "Mallory", "Hostile")
    answer = page.evaluate(
        """async ([emulator, orgId]) => {
            const sid = window.localStorage.getItem("clerk_app.local_session");
            const response = await fetch(`${emulator}/emulator/sessions/${sid}/touch`, {
                method: "POST",
                headers: { "content-type": "application/json" },
                body: JSON.stringify({ active_organization_id: orgId }),
            });
            return [response.status, (await response.json()).errors[0].code];
        }""",
        [f"{app.backend_url}/_clerk", theirs["id"]],
    )
    assert answer == [404, "organization_not_found_or_unauthorized"]
    page.evaluate("window.clerkAppReport()")
    expect(page.locator("#local-org-active")).to_have_text(i18n.text("fr", "local_org_personal"))
    with _api(app) as api:
        assert _active_in_emulator(api, _user_id(api, email)) is None
        assert api.get(f"/v1/organizations/{theirs['id']}/memberships").json()["total_count"] == 1


def test_an_organization_made_locally_reaches_our_tables_and_its_page(app, page):
    """The three parts meet: the local switcher creates the organization in the
    emulator, its signed webhooks sync it (and the creator's admin membership) into our
    tables, /members' card lists it, and its page shows the creator as a member."""
    tag = uuid.uuid4().hex[:8]
    email = unique_email("olga")
    sign_up(page, app, email, "Olga", "Founder")
    _create(page, f"Delta {tag}", f"delta-{tag}")
    expect(page.locator("#local-org-active")).to_have_text(f"Delta {tag}")
    card = page.locator("#organizations-card")
    for _ in range(40):  # the webhooks land in the background: reload until they did
        page.reload()
        page.locator("#member-email").wait_for(timeout=20_000)
        if card.get_by_text(f"Delta {tag}").count():
            break
        page.wait_for_timeout(500)
    expect(card.get_by_text(f"Delta {tag}")).to_be_visible()
    expect(card.get_by_text(i18n.text("fr", "role_admin"))).to_be_visible()
    card.get_by_text(f"Delta {tag}").click()
    page.wait_for_url(f"**/organizations/delta-{tag}", timeout=20_000)
    with _api(app) as api:
        user_id = _user_id(api, email)
    member = page.locator(f'[data-member="{user_id}"]')
    expect(member).to_be_visible(timeout=20_000)
    expect(member).to_contain_text("Olga Founder")
    expect(member).to_contain_text(email)  # the creator is an admin: e-mails are shown
