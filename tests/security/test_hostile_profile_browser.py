"""Hostile profile input in a real browser: always rendered as text, never run.

A user types XSS payloads and Unicode-heavy text into every field of the /members form
(and into their name at sign-up, which the identity card, the header and the local
account chooser display). Free-text fields store the payload as text and show it back
exactly; URL and handle fields refuse it with an inline message. Throughout, the page
is watched by a trap installed before any of its scripts (:data:`conftest.XSS_TRAP`)
and checked with :func:`browser.assert_inert`: no payload ran, no dialog opened, no
element gained an event-handler attribute or a ``javascript:`` URL.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.security.browser import (
    MembersAnswers,
    assert_inert,
    field,
    injection_report,
    save,
    save_and_wait_until_stored,
    sign_up,
    unique_email,
)
from tests.security.conftest import Arena
from tests.security.hostile_profile import BROWSER_PAYLOADS

pytestmark = pytest.mark.browser

TEXT_FIELDS = ("bio", "company", "job_title", "location")
CHECKED_FIELDS = ("website", "linkedin", "twitter", "github")
NAME_PAYLOAD = '<img src=x onerror="window.__xss=100">'
LAST_NAME_PAYLOAD = '"><svg onload=window.__xss=101>'


def test_payloads_in_free_text_fields_are_stored_and_shown_as_text(app, arena: Arena, page):
    answers = MembersAnswers(page)
    email = unique_email("xss")
    sign_up(page, app, email, NAME_PAYLOAD, LAST_NAME_PAYLOAD)
    expect(page.locator("#member-name")).to_have_text(f"{NAME_PAYLOAD} {LAST_NAME_PAYLOAD}")
    scripts = injection_report(page)["scripts"]
    clerk_id = next(r["clerk_id"] for r in arena.rows() if r["email"] == email)
    for n, payload in enumerate(BROWSER_PAYLOADS):
        for name in TEXT_FIELDS:
            field(page, name).fill(payload)
        expected = dict.fromkeys(TEXT_FIELDS, payload)
        save_and_wait_until_stored(page, answers, lambda: arena.row(clerk_id), expected)
        if n == 0:
            expect(page.locator("#save-status")).to_contain_text("Profil enregistré")
        for name in TEXT_FIELDS:  # shown back exactly, as text
            expect(field(page, name)).to_have_value(payload)
        assert_inert(page, scripts_before=scripts)
    page.reload()
    expect(field(page, "bio")).to_have_value(BROWSER_PAYLOADS[-1])
    assert_inert(page, scripts_before=scripts)


def test_payloads_in_url_and_handle_fields_are_refused_inline(app, arena: Arena, page):
    email = unique_email("xss-links")
    sign_up(page, app, email, "Links", "Tester")
    clerk_id = next(r["clerk_id"] for r in arena.rows() if r["email"] == email)
    before = arena.row(clerk_id)
    scripts = injection_report(page)["scripts"]
    for payload in BROWSER_PAYLOADS[:-1]:
        for name in CHECKED_FIELDS:
            field(page, name).fill(payload)
        save(page)
        for name in CHECKED_FIELDS:
            expect(page.locator(f"#error-{name}")).to_be_visible()
            expect(field(page, name)).to_have_value(payload)  # kept for the user to fix
        assert_inert(page, scripts_before=scripts)
    after = arena.row(clerk_id)
    assert {k: after[k] for k in CHECKED_FIELDS} == {k: before[k] for k in CHECKED_FIELDS}


def test_hostile_names_in_the_local_account_chooser(app, page):
    email = unique_email("xss-chooser")
    sign_up(page, app, email, NAME_PAYLOAD, LAST_NAME_PAYLOAD)
    page.goto(app.url + "/sign-in")
    expect(page.get_by_text(NAME_PAYLOAD, exact=False).first).to_be_visible()
    assert_inert(page)


def test_control_the_referee_sees_a_real_injection(app, page):
    """The same checks on a page that does render markup from data: they must fire."""
    page.goto(app.url + "/")
    page.evaluate(
        "ps => ps.forEach(p => document.body.insertAdjacentHTML('beforeend', p))",
        BROWSER_PAYLOADS[:12],
    )
    page.wait_for_timeout(500)
    report = injection_report(page)
    assert report["hits"] and report["handlers"] and report["foreign"]
    with pytest.raises(AssertionError):
        assert_inert(page)
