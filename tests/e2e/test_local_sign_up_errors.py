"""Local sign-up in a real browser: the emulator's refusal, in the page's language.

The emulator refuses a 3-character username with Clerk's English message; the page
shows the app's own message instead, French or English after the browser, and keeps
what was typed.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from clerk_app import i18n, routes
from tests.e2e.conftest import unique_email

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(("locale", "lang"), [("fr-FR", "fr"), ("en-US", "en")])
def test_a_too_short_username_is_refused_in_the_pages_language(app, new_context, locale, lang):
    page = new_context(locale=locale).new_page()
    page.goto(app.url + routes.SIGN_UP)
    email = unique_email("short")
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=username]").fill("abc")
    page.locator("#local-sign-up-form button[type=submit]").click()

    error = page.locator("#local-error")
    expect(error).to_have_text(i18n.text(lang, "err_username_length"))
    expect(error).not_to_contain_text("Username must be")
    assert routes.SIGN_UP in page.url
    expect(page.locator("input[name=email]")).to_have_value(email)
    expect(page.locator("input[name=username]")).to_have_value("abc")
