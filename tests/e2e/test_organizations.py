"""Organizations in a real browser, local mode: the /members card, the page as an admin
(a bad website refused with a message, a good one saved) and as a member (read-only, no
e-mail addresses), and the screenshots the README shows.

Users sign up through the local form; the organization and memberships are inserted
straight into the app's database (the sync that fills them in production is tested
apart).
"""

from __future__ import annotations

import secrets
from typing import Any

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from clerk_app import routes
from tests.e2e.conftest import PHONE, db_rows, screenshot, sign_up, unique_email

pytestmark = pytest.mark.browser


def _sql(app, statement: str, **params: Any) -> None:
    engine = sa.create_engine(app.db_url)
    try:
        with engine.begin() as conn:
            conn.execute(sa.text(statement), params)
    finally:
        engine.dispose()


def _organization(
    app,
    slug: str,
    members: dict[str, str],
    *,
    clerk_id: str | None = None,
    name: str = "Acme Fusées",
) -> None:
    """Organization ``slug`` (Clerk id ``clerk_id``) with ``{email: role}`` as its members."""
    org_id = secrets.token_hex(10)
    _sql(
        app,
        "INSERT INTO organization (id, clerk_id, name, slug, description, website) "
        "VALUES (:id, :clerk_id, :name, :slug, :description, :website)",
        id=org_id,
        clerk_id=clerk_id or f"org_{secrets.token_hex(10)}",
        name=name,
        slug=slug,
        description="Des fusées, des enclumes et des ressorts.",
        website="https://acme.example",
    )
    for email, role in members.items():
        [user] = db_rows(app, email=email)
        _sql(
            app,
            "INSERT INTO organization_membership (id, clerk_id, organization_id, user_id, role) "
            "VALUES (:id, :clerk_id, :org, :user, :role)",
            id=secrets.token_hex(10),
            clerk_id=f"orgmem_{secrets.token_hex(10)}",
            org=org_id,
            user=user["id"],
            role=role,
        )


def _description(app, slug: str) -> tuple[str, str]:
    engine = sa.create_engine(app.db_url)
    try:
        with engine.connect() as conn:
            row = conn.execute(
                sa.text("SELECT description, website FROM organization WHERE slug = :s"),
                {"s": slug},
            ).one()
            return row.description, row.website
    finally:
        engine.dispose()


def test_the_card_the_admins_form_and_the_members_read_only_view(app, new_context):
    slug = f"acme-{secrets.token_hex(3)}"
    admin_email, member_email = unique_email("ada"), unique_email("bob")
    admin = new_context().new_page()
    sign_up(admin, app, admin_email, "Ada", "Lovelace")
    member = new_context().new_page()
    sign_up(member, app, member_email, "Bob", "Martin")
    _organization(app, slug, {admin_email: "org:admin", member_email: "org:member"})

    # /members: the card lists the organization with the role, linking to its page.
    admin.reload()
    card = admin.locator("#organizations-card")
    expect(card).to_contain_text("Acme Fusées")
    expect(card).to_contain_text("Administrateur")
    screenshot(admin, "members-organizations-fr-light-desktop")
    card.get_by_text("Acme Fusées").click()
    admin.wait_for_url("**" + routes.organization_url(slug))

    # The admin: the form, every member with their e-mail address.
    expect(admin.locator("#organization-name")).to_have_text("Acme Fusées")
    expect(admin.locator("[data-member]")).to_have_count(2)
    expect(admin.locator("#organization-members")).to_contain_text(member_email)
    website = admin.locator("#organization-form [name=website]")
    description = admin.locator("#organization-form [name=description]")
    description.fill("Nouvelle description")
    website.fill("javascript:alert(1)")
    admin.locator("#save-organization").click()
    expect(admin.locator("#error-website")).to_contain_text("http")
    expect(admin.locator("#organization-status")).to_contain_text("corrigez les champs")
    expect(description).to_have_value("Nouvelle description")  # what was typed stays
    assert _description(app, slug) == (
        "Des fusées, des enclumes et des ressorts.",
        "https://acme.example",
    )
    website.fill("acme-fusees.example")
    admin.locator("#save-organization").click()
    expect(admin.locator("#organization-status")).to_contain_text("Organisation enregistrée")
    assert _description(app, slug) == ("Nouvelle description", "https://acme-fusees.example")
    screenshot(admin, "organization-admin-fr-light-desktop")

    # The member: read-only, the members without any e-mail address.
    member.goto(app.url + routes.organization_url(slug))
    expect(member.locator("#organization-description")).to_have_text("Nouvelle description")
    expect(member.locator("#organization-form")).to_have_count(0)
    expect(member.locator("[data-member]")).to_have_count(2)
    [admin_row] = db_rows(app, email=admin_email)
    expect(member.locator(f'[data-member="{admin_row["clerk_id"]}"]')).to_contain_text(
        "Administrateur"
    )
    content = member.content()
    assert admin_email not in content and member_email not in content
    screenshot(member, "organization-member-fr-light-desktop")

    # English, dark, and a phone's width.
    _sql(
        app, "UPDATE \"user\" SET theme = 'dark', language = 'en' WHERE email = :e", e=member_email
    )
    phone = new_context(viewport=PHONE)
    page = phone.new_page()
    sign_in_again(page, app, member_email)
    page.goto(app.url + routes.organization_url(slug))
    expect(page.locator("[data-member]").first).to_contain_text("Admin")
    expect(page.locator("html")).to_have_class("dark", timeout=10_000)
    screenshot(page, "organization-member-en-dark-phone")
    desktop = new_context().new_page()  # preferences apply at sign-in
    sign_in_again(desktop, app, member_email)
    desktop.goto(app.url + routes.organization_url(slug))
    expect(desktop.get_by_text("Only the organization's admins")).to_be_visible()
    expect(desktop.locator("html")).to_have_class("dark", timeout=10_000)
    screenshot(desktop, "organization-member-en-dark-desktop")


def sign_in_again(page, app, email: str) -> None:
    """Sign in an existing local user (the local form's user list)."""
    page.goto(app.url + routes.SIGN_IN)
    page.get_by_role("button", name=email).click()
    page.wait_for_url("**" + routes.MEMBERS)


def test_a_non_member_sees_the_refusal_only(app, new_context):
    slug = f"secret-{secrets.token_hex(3)}"
    owner = unique_email("owner")
    sign_up(new_context().new_page(), app, owner, "Olga", "Owner")
    page = new_context().new_page()
    sign_up(page, app, unique_email("eve"), "Eve", "Nosy")
    # The organization exists, with someone else as its only member.
    _organization(app, slug, {owner: "org:admin"})
    page.goto(app.url + routes.organization_url(slug))
    expect(page.locator("#organization-refused")).to_be_visible()
    expect(page.locator("#organization")).to_have_count(0)
    assert "Acme Fusées" not in page.content() and owner not in page.content()
    screenshot(page, "organization-refused-fr-light-desktop")


def test_two_admins_one_field_the_second_save_is_refused_and_keeps_the_text(app, new_context):
    slug = f"duo-{secrets.token_hex(3)}"
    first, second = unique_email("ada"), unique_email("zoe")
    pages = []
    for email, name in ((first, "Ada"), (second, "Zoé")):
        page = new_context().new_page()
        sign_up(page, app, email, name, "Admin")
        pages.append(page)
    _organization(app, slug, {first: "org:admin", second: "org:admin"})
    for page in pages:
        page.goto(app.url + routes.organization_url(slug))
        expect(page.locator("#organization-form")).to_be_visible()
    ada, zoe = pages

    ada.locator("#organization-form [name=description]").fill("Le texte d'Ada")
    ada.locator("#save-organization").click()
    expect(ada.locator("#organization-status")).to_contain_text("Organisation enregistrée")

    # Zoé's page still shows the old description; she edits it too and saves.
    description = zoe.locator("#organization-form [name=description]")
    description.fill("Le texte de Zoé")
    zoe.locator("#save-organization").click()
    expect(zoe.locator("#error-description")).to_contain_text("Un autre administrateur")
    expect(zoe.locator("#error-description")).to_contain_text("Le texte d'Ada")
    expect(description).to_have_value("Le texte de Zoé")  # what she typed stays
    assert _description(app, slug)[0] == "Le texte d'Ada"

    # Saving again replaces it, knowingly.
    zoe.locator("#save-organization").click()
    expect(zoe.locator("#organization-status")).to_contain_text("Organisation enregistrée")
    assert _description(app, slug)[0] == "Le texte de Zoé"
