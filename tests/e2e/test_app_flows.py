"""The app in a real browser, local mode: sign-up, sync, profile, preferences, sign-out.

Every test signs up its own user through the local form (unique email), so tests
are independent; the database assertions read the SQLite file the app writes.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from clerk_app import routes
from tests.e2e.conftest import (
    PHONE,
    db_rows,
    emulator_faults,
    screenshot,
    sign_up,
    unique_email,
    wait_for_members,
)

pytestmark = pytest.mark.browser


def _field(page, name):
    return page.locator(f"#profile-form [name={name}]")


def test_sign_up_goes_through_welcome_to_members_with_clerk_fields_and_defaults(app, page):
    visited: list[str] = []
    page.on("framenavigated", lambda frame: visited.append(frame.url))
    email = unique_email("alice")
    sign_up(page, app, email, "Alice", "Martin")

    assert any(url.endswith(routes.WELCOME) for url in visited), visited
    expect(page.locator("#member-name")).to_have_text("Alice Martin")
    expect(page.locator("#member-username")).not_to_be_empty()
    expect(page.get_by_role("heading", name="Mon profil")).to_be_visible()
    expect(_field(page, "theme")).to_have_value("light")
    expect(_field(page, "language")).to_have_value("fr")
    expect(_field(page, "email_notifications")).to_be_checked()
    [row] = db_rows(app, email=email)
    assert (row["first_name"], row["last_name"], row["theme"], row["language"]) == (
        "Alice",
        "Martin",
        "light",
        "fr",
    )
    assert row["clerk_id"].startswith("user_")


def test_profile_and_preferences_persist_and_apply_at_once(app, page):
    email = unique_email("bob")
    sign_up(page, app, email, "Bob", "Durand")
    _field(page, "bio").fill("Je construis des apps en Python.")
    _field(page, "company").fill("Acme")
    _field(page, "job_title").fill("Développeur")
    _field(page, "location").fill("Lyon")
    _field(page, "website").fill("bob.example.com")
    _field(page, "twitter").fill("@bob_dev")
    _field(page, "github").fill("https://github.com/bob-dev")
    _field(page, "linkedin").fill("https://www.linkedin.com/in/bob")
    _field(page, "email_notifications").uncheck()
    _field(page, "theme").select_option("dark")
    _field(page, "language").select_option("en")
    page.locator("#profile-form button[type=submit]").click()

    # At once, without a reload: English strings and the dark color mode.
    expect(page.get_by_role("heading", name="My profile")).to_be_visible()
    expect(page.get_by_text("Profile saved.")).to_be_visible()
    expect(page.locator("html")).to_have_class("dark", timeout=10_000)

    page.reload()
    wait_for_members(page, email)
    expect(page.get_by_role("heading", name="My profile")).to_be_visible()
    expect(_field(page, "bio")).to_have_value("Je construis des apps en Python.")
    expect(_field(page, "website")).to_have_value("https://bob.example.com")
    expect(_field(page, "twitter")).to_have_value("bob_dev")
    expect(_field(page, "github")).to_have_value("bob-dev")
    expect(_field(page, "theme")).to_have_value("dark")
    expect(_field(page, "email_notifications")).not_to_be_checked()
    [row] = db_rows(app, email=email)
    assert row["company"] == "Acme" and row["location"] == "Lyon"
    assert (row["theme"], row["language"], row["email_notifications"]) == ("dark", "en", 0)


def test_invalid_website_is_refused_with_a_message_and_nothing_saved(app, page):
    email = unique_email("carol")
    sign_up(page, app, email, "Carol", "Petit")
    _field(page, "bio").fill("should not be saved")
    _field(page, "website").fill("javascript:alert(1)")
    page.locator("#profile-form button[type=submit]").click()

    expect(page.locator("#error-website")).to_be_visible()
    expect(page.locator("#error-website")).to_contain_text("http")
    expect(page.locator("#save-status")).to_contain_text("corrigez les champs signalés")
    expect(_field(page, "bio")).to_have_value("should not be saved")  # typed input kept
    [row] = db_rows(app, email=email)
    assert row["bio"] is None and row["website"] is None

    # The message stays until that field is edited; other fields' edits leave it.
    _field(page, "company").fill("Petit & Fils")
    page.wait_for_timeout(1500)  # the time for a (wrongly) cleared message to vanish
    expect(page.locator("#error-website")).to_be_visible()
    _field(page, "website").fill("https://carol.example.com")
    expect(page.locator("#error-website")).to_have_count(0)
    expect(page.locator("#save-status")).to_have_text("")


def test_sign_out_then_members_sends_to_sign_in_and_back_after_signing_in(app, page):
    email = unique_email("dan")
    sign_up(page, app, email, "Dan", "Roux")
    page.locator("#local-user-menu").click()
    page.locator("#local-sign-out").click()
    page.wait_for_url(app.url + routes.INDEX)
    expect(page.locator("#cta-sign-in")).to_be_visible()

    page.goto(app.url + routes.MEMBERS)
    page.wait_for_url("**/sign-in?redirect_url=/members")
    expect(page.locator("#member-email")).to_have_count(0)

    page.get_by_role("button", name=email).click()
    wait_for_members(page, email)


def test_a_second_user_sees_only_their_own_data(app, new_context):
    first, second = new_context().new_page(), new_context().new_page()
    email_a, email_b = unique_email("erin"), unique_email("frank")
    sign_up(first, app, email_a, "Erin", "A")
    _field(first, "bio").fill("secret bio of Erin")
    first.locator("#profile-form button[type=submit]").click()
    expect(first.get_by_text("Profil enregistré.")).to_be_visible()

    sign_up(second, app, email_b, "Frank", "B")
    expect(second.locator("#member-name")).to_have_text("Frank B")
    expect(_field(second, "bio")).to_have_value("")
    assert "secret bio of Erin" not in second.content()

    # Same browser, after signing out: the next user sees none of the previous one's data.
    first.locator("#local-user-menu").click()
    first.locator("#local-sign-out").click()
    first.wait_for_url(app.url + routes.INDEX)
    first.goto(app.url + routes.SIGN_IN)
    first.get_by_role("button", name=email_b).click()
    wait_for_members(first, email_b)
    expect(_field(first, "bio")).to_have_value("")
    assert "secret bio of Erin" not in first.content()
    assert db_rows(app, email=email_a)[0]["bio"] == "secret bio of Erin"


def test_same_user_in_two_tabs_both_work_and_share_one_row(app, new_context):
    context = new_context()
    tab1, tab2 = context.new_page(), context.new_page()
    email = unique_email("gina")
    sign_up(tab1, app, email, "Gina", "Two")
    tab2.goto(app.url + routes.WELCOME)  # the same session: the sync runs again, idempotently
    wait_for_members(tab2, email)

    _field(tab1, "company").fill("Tab One Inc")
    tab1.locator("#profile-form button[type=submit]").click()
    expect(tab1.get_by_text("Profil enregistré.")).to_be_visible()
    _field(tab2, "location").fill("Tab Two City")
    tab2.locator("#profile-form button[type=submit]").click()
    expect(tab2.get_by_text("Profil enregistré.")).to_be_visible()

    rows = db_rows(app, email=email)
    assert len(rows) == 1
    # Each tab wrote the field it changed; neither erased the other's with its stale copy.
    assert (rows[0]["company"], rows[0]["location"]) == ("Tab One Inc", "Tab Two City")


def test_the_same_field_saved_in_two_tabs_asks_instead_of_overwriting(app, new_context):
    context = new_context()
    tab1, tab2 = context.new_page(), context.new_page()
    email = unique_email("hana")
    sign_up(tab1, app, email, "Hana", "Deux")
    tab2.goto(app.url + routes.MEMBERS)
    wait_for_members(tab2, email)

    _field(tab2, "bio").fill("Typed in tab two")  # not saved yet
    _field(tab1, "bio").fill("Saved in tab one")
    tab1.locator("#profile-form button[type=submit]").click()
    expect(tab1.locator("#save-status")).to_have_text("Profil enregistré.")

    tab2.locator("#profile-form button[type=submit]").click()
    expect(tab2.locator("#stale-notice")).to_be_visible()
    expect(tab2.locator("#save-status")).to_contain_text("Rien n'a été enregistré")
    expect(_field(tab2, "bio")).to_have_value("Typed in tab two")  # kept
    assert db_rows(app, email=email)[0]["bio"] == "Saved in tab one"  # not overwritten
    screenshot(tab2, "members-changed-elsewhere-fr-light-desktop")

    tab2.locator("#stale-keep-mine").click()  # the user's choice: their version, saved
    expect(tab2.locator("#save-status")).to_have_text("Profil enregistré.")
    expect(tab2.locator("#stale-notice")).to_have_count(0)
    assert db_rows(app, email=email)[0]["bio"] == "Typed in tab two"

    _field(tab1, "bio").fill("Tab one again")
    tab1.locator("#profile-form button[type=submit]").click()
    expect(tab1.locator("#stale-notice")).to_be_visible()
    tab1.locator("#stale-use-stored").click()  # the other choice: the stored version
    expect(_field(tab1, "bio")).to_have_value("Typed in tab two")
    expect(tab1.locator("#stale-notice")).to_have_count(0)
    assert db_rows(app, email=email)[0]["bio"] == "Typed in tab two"


def test_welcome_shows_progress_then_a_retry_when_clerk_fails(app, page):
    email = unique_email("hugo")
    emulator_faults(app, fail_next=20, fail_status=503)
    try:
        page.goto(app.url + routes.SIGN_UP)
        page.locator("input[name=email]").fill(email)
        page.locator("#local-sign-up-form button[type=submit]").click()
        page.wait_for_url("**" + routes.WELCOME)
        expect(page.locator("#welcome-error")).to_be_visible()
        expect(page.locator("#welcome-retry")).to_be_visible()
        # The emulator's user.created webhook may have synced the row meanwhile (the
        # other sync path); the failed /welcome itself adds nothing.
        assert len(db_rows(app, email=email)) <= 1
    finally:
        emulator_faults(app)
    page.locator("#welcome-retry").click()
    wait_for_members(page, email)
    assert len(db_rows(app, email=email)) == 1


def test_screenshots_fr_light_and_en_dark_desktop_and_phone(app, new_context):
    for label, options in (("desktop", {}), ("phone", {"viewport": PHONE, "is_mobile": True})):
        fr = new_context(**options).new_page()
        fr.goto(app.url + routes.INDEX)
        expect(fr.locator("#cta-sign-up")).to_be_visible()
        screenshot(fr, f"index-fr-light-{label}")
        fr.goto(app.url + routes.SIGN_IN)
        expect(fr.locator("#local-sign-in")).to_be_visible()
        screenshot(fr, f"sign-in-fr-light-{label}")

        email = unique_email("iris")
        emulator_faults(app, latency_s=3)
        try:
            fr.goto(app.url + routes.SIGN_UP)
            fr.locator("input[name=email]").fill(email)
            fr.locator("input[name=first_name]").fill("Iris")
            fr.locator("input[name=last_name]").fill("Lefèvre")
            fr.locator("#local-sign-up-form button[type=submit]").click()
            expect(fr.locator("#welcome-progress")).to_have_text("Synchronisation de votre compte…")
            screenshot(fr, f"welcome-fr-light-{label}")
        finally:
            emulator_faults(app)
        wait_for_members(fr, email)
        screenshot(fr, f"members-fr-light-{label}")

        _field(fr, "bio").fill("Designer. J'aime les interfaces sobres.")
        _field(fr, "company").fill("Atelier Iris")
        _field(fr, "website").fill("https://iris.example.com")
        _field(fr, "theme").select_option("dark")
        _field(fr, "language").select_option("en")
        fr.locator("#profile-form button[type=submit]").click()
        expect(fr.locator("html")).to_have_class("dark", timeout=10_000)
        expect(fr.get_by_role("heading", name="My profile")).to_be_visible()
        fr.wait_for_timeout(4500)  # let the toast go
        screenshot(fr, f"members-en-dark-{label}")
        fr.goto(app.url + routes.INDEX)
        expect(fr.locator("#cta-members")).to_be_visible()
        screenshot(fr, f"index-en-dark-{label}")

        en = new_context(locale="en-US", color_scheme="dark", **options).new_page()
        en.goto(app.url + routes.SIGN_IN)
        expect(en.get_by_text("Local sign-in")).to_be_visible()
        en.evaluate("localStorage.setItem('theme', 'dark')")
        en.reload()
        expect(en.locator("#local-sign-in")).to_be_visible()
        screenshot(en, f"sign-in-en-dark-{label}")


def test_signing_out_in_one_tab_signs_the_other_tab_out(app, new_context):
    context = new_context()
    tab1, tab2 = context.new_page(), context.new_page()
    email = unique_email("jade")
    sign_up(tab1, app, email, "Jade", "Tabs")
    tab2.goto(app.url + routes.MEMBERS)
    wait_for_members(tab2, email)

    tab1.locator("#local-user-menu").click()
    tab1.locator("#local-sign-out").click()
    tab1.wait_for_url(app.url + routes.INDEX)
    # The other tab hears it (a storage event), drops the data and leaves /members.
    tab2.wait_for_url(app.url + routes.INDEX)
    expect(tab2.locator("#member-email")).to_have_count(0)
    expect(tab2.locator("#cta-sign-in")).to_be_visible()
